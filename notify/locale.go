package notify

import (
	"strconv"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TemplateData is what templates render: the milestone's values, already
// formatted for the locale. Any field may be empty; the default templates
// read whole sentences either way (no "your order  has shipped").
type TemplateData struct {
	// Kind is the milestone (KindDigest for a digest's subject).
	Kind Kind
	// Locale is the locale the templates were picked for.
	Locale string
	// Name is the customer's name.
	Name string
	// Order is the order's number, or its ID when the number is unknown.
	Order string
	// OrderID is the order's ID.
	OrderID oms.ID
	// ExchangeOf is the original order's reference when the order
	// replaces goods of an exchange.
	ExchangeOf string
	// Total is the order's grand total, formatted.
	Total string
	// ShipmentID and ReturnID name the shipment or return.
	ShipmentID oms.ID
	ReturnID   oms.ID
	// Carrier is the carrier's name or code.
	Carrier string
	// Tracking are the parcels' tracking numbers and pages.
	Tracking []TrackingLink
	// Estimate is the estimated delivery day, formatted.
	Estimate string
	// Reason is why a shipment is in trouble, as a phrase of the locale.
	Reason string
	// Next is what happens next after an exception (a Next* constant).
	Next string
	// Amount is a refund's amount, formatted.
	Amount string
	// LabelURL is the return label's address.
	LabelURL string
	// Lines are the units concerned.
	Lines []TemplateLine
	// Count is how many milestones a digest folds.
	Count int
}

// TemplateLine is a quantity of an order line: its name, else its SKU.
type TemplateLine struct {
	Quantity int64
	Label    string
}

// lang returns the language templates are formatted in: "de" or "en".
func lang(locale string) string {
	if l, _, _ := strings.Cut(normLocale(locale), "-"); l == "de" {
		return "de"
	}
	return "en"
}

var germanDays = [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}
var germanMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

// formatDate formats a day for the locale; "" for the zero Date.
func formatDate(locale string, d oms.Date) string {
	if d.IsZero() {
		return ""
	}
	t := d.In(time.UTC)
	if lang(locale) == "de" {
		return germanDays[t.Weekday()] + ", " + strconv.Itoa(t.Day()) + ". " + germanMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return t.Format("Monday, 2 January 2006")
}

// formatMoney formats an amount for the locale: "12.50 EUR" or
// "12,50 EUR"; "" for the zero Money.
func formatMoney(locale string, m oms.Money) string {
	if !m.Valid() {
		return ""
	}
	s := m.String()
	if lang(locale) == "de" {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '.':
				return ','
			case ',':
				return '.'
			}
			return r
		}, s)
	}
	return s
}

// germanReasons are the German phrases of the reasons, alert kinds and
// fulfillment exception codes.
var germanReasons = map[string]string{
	string(tracking.ReasonWeather):              "das Wetter",
	string(tracking.ReasonAddressIssue):         "ein Problem mit der Adresse",
	string(tracking.ReasonRecipientUnavailable): "niemand war anzutreffen",
	string(tracking.ReasonRecipientMoved):       "der Empfänger ist umgezogen",
	string(tracking.ReasonBusinessClosed):       "das Geschäft war geschlossen",
	string(tracking.ReasonRefused):              "die Annahme wurde verweigert",
	string(tracking.ReasonDamaged):              "das Paket wurde beschädigt",
	string(tracking.ReasonLost):                 "das Paket ist verloren gegangen",
	string(tracking.ReasonCustoms):              "der Zoll",
	string(tracking.ReasonCarrierDelay):         "eine Verzögerung beim Versanddienst",
	string(tracking.ReasonHeld):                 "das Paket wird beim Versanddienst aufbewahrt",
	string(tracking.ReasonPaymentRequired):      "eine Zahlung ist fällig",
	string(tracking.ReasonNoScan):               "keine neuen Sendungsdaten",
	string(tracking.ReasonPastPromisedDate):     "der zugesagte Liefertag ist vorbei",
	string(tracking.ReasonEstimateAfterPromise): "der Versanddienst erwartet die Lieferung später als zugesagt",
	string(tracking.ReasonReturnToSender):       "das Paket geht an uns zurück",
	string(tracking.AlertStalled):               "keine neuen Sendungsdaten",
	string(tracking.AlertLate):                  "der zugesagte Liefertag ist vorbei",
	string(tracking.AlertFailedAttempt):         "ein Zustellversuch ist gescheitert",
	string(tracking.StatusDeliveryFailed):       "ein Zustellversuch ist gescheitert",
	string(tracking.StatusException):            "ein Problem bei der Zustellung",
	string(tracking.StatusReturning):            "das Paket geht an uns zurück",
	string(tracking.StatusReturned):             "das Paket ist an uns zurückgegangen",
	string(tracking.StatusExpired):              "keine neuen Sendungsdaten",
	"returned_to_sender":                        "das Paket ist an uns zurückgegangen",
}

// englishReasons add the alert kinds and codes tracking.ReasonLabel does
// not know.
var englishReasons = map[string]string{
	string(tracking.AlertStalled):         "no recent carrier updates",
	string(tracking.AlertLate):            "it is past the promised date",
	string(tracking.AlertFailedAttempt):   "a delivery attempt failed",
	string(tracking.StatusDeliveryFailed): "a delivery attempt failed",
	string(tracking.StatusException):      "a delivery problem",
	string(tracking.StatusReturning):      "it is being returned to us",
	string(tracking.StatusReturned):       "it was returned to us",
	string(tracking.StatusExpired):        "no recent carrier updates",
	"returned_to_sender":                  "it was returned to us",
}

// reasonPhrase says a reason (or a fulfillment exception code
// "status:reason") in the locale's words; "" when there is none to say.
func reasonPhrase(locale, reason string) string {
	if reason == "" {
		return ""
	}
	if r := exceptionReason(reason); r != reason && r != "" {
		reason = r
	}
	if lang(locale) == "de" {
		return germanReasons[reason] // an unknown reason is left out rather than said in English
	}
	if p, ok := englishReasons[reason]; ok {
		return p
	}
	return tracking.ReasonLabel(tracking.Reason(reason))
}
