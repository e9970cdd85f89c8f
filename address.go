package oms

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Address is a postal address with the contact details a carrier needs.
type Address struct {
	// Name is the recipient's (or sender's) name, as printed on a label.
	Name string `json:"name,omitempty"`
	// Company is the organisation at the address, if any.
	Company string `json:"company,omitempty"`
	// Line1 is the street and number (or PO box); Line2 the apartment,
	// suite, floor or building.
	Line1 string `json:"line1"`
	Line2 string `json:"line2,omitempty"`
	// City is the city, town or locality.
	City string `json:"city"`
	// Region is the state, province or county, such as "NY" or "ON";
	// required in the US, CA, AU, BR, IN and MX.
	Region string `json:"region,omitempty"`
	// PostalCode is the postal or ZIP code, checked against the country's
	// format where Validate knows it.
	PostalCode string `json:"postal_code,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code, such as "US".
	Country string `json:"country"`
	// Phone is a contact number for the carrier: 5 to 15 digits with
	// optional separators (space, - ( ) .) and a leading +.
	Phone string `json:"phone,omitempty"`
	// Email is a contact address for delivery notices.
	Email string `json:"email,omitempty"`
	// Residential marks a home address: carriers charge a residential
	// surcharge and some services do not deliver there.
	Residential bool `json:"residential,omitempty"`
}

// Field length limits, in characters, applied by Validate.
const (
	MaxNameLength       = 100
	MaxAddressLine      = 100
	MaxCityLength       = 64
	MaxRegionLength     = 64
	MaxPostalCodeLength = 16
	MaxPhoneLength      = 32
	MaxEmailLength      = 254
)

// postalRules holds the postal-code format of countries whose codes are
// checked, written for the normalized form (upper case, single spaces).
var postalRules = map[string]*regexp.Regexp{
	"US": regexp.MustCompile(`^\d{5}(-\d{4})?$`),
	"CA": regexp.MustCompile(`^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$`),
	"GB": regexp.MustCompile(`^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$`),
	"DE": regexp.MustCompile(`^\d{5}$`),
	"FR": regexp.MustCompile(`^\d{5}$`),
	"NL": regexp.MustCompile(`^[1-9]\d{3} ?[A-Z]{2}$`),
	"AU": regexp.MustCompile(`^\d{4}$`),
	"JP": regexp.MustCompile(`^\d{3}-?\d{4}$`),
	"IN": regexp.MustCompile(`^[1-9]\d{2} ?\d{3}$`),
	"BR": regexp.MustCompile(`^\d{5}-?\d{3}$`),
	"ES": regexp.MustCompile(`^\d{5}$`),
	"IT": regexp.MustCompile(`^\d{5}$`),
	"AT": regexp.MustCompile(`^\d{4}$`),
	"BE": regexp.MustCompile(`^\d{4}$`),
	"CH": regexp.MustCompile(`^\d{4}$`),
	"DK": regexp.MustCompile(`^\d{4}$`),
	"NO": regexp.MustCompile(`^\d{4}$`),
	"SE": regexp.MustCompile(`^\d{3} ?\d{2}$`),
	"PL": regexp.MustCompile(`^\d{2}-\d{3}$`),
	"MX": regexp.MustCompile(`^\d{5}$`),
}

// PostalCodeChecked reports whether Validate checks the postal-code format of
// country (an ISO 3166-1 alpha-2 code).
func PostalCodeChecked(country string) bool {
	_, ok := postalRules[country]
	return ok
}

// regionRequired lists countries whose addresses need a region.
var regionRequired = map[string]bool{"US": true, "CA": true, "AU": true, "BR": true, "IN": true, "MX": true}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 code (upper
// case).
func ValidCountry(code string) bool {
	_, ok := countries[code]
	return ok
}

// CountryName returns the English short name of an ISO 3166-1 alpha-2 code,
// or "" when unknown.
func CountryName(code string) string { return countries[code] }

// Normalize returns a copy of a with surrounding and repeated spaces
// removed from every field, text composed in Unicode normalization form
// C (an e and a combining acute accent become é, so the same address typed
// two ways normalizes alike), and the country, region and postal code in
// upper case. Invalid UTF-8 is kept for Validate to report. It does not
// validate.
func (a Address) Normalize() Address {
	a.Name = squash(a.Name)
	a.Company = squash(a.Company)
	a.Line1 = squash(a.Line1)
	a.Line2 = squash(a.Line2)
	a.City = squash(a.City)
	a.Region = upperValid(squash(a.Region))
	a.PostalCode = upperValid(squash(a.PostalCode))
	// Composed again after upper-casing, which can make a letter and the
	// combining mark after it composable (I and a dot above are İ).
	a.Country = composed(upperASCII(squash(a.Country)))
	a.Phone = squash(a.Phone)
	a.Email = composed(strings.TrimSpace(a.Email))
	return a
}

// upperValid upper-cases s when it is valid UTF-8 and leaves it as it is
// otherwise (strings.ToUpper would replace the bad bytes and hide them from
// Validate).
func upperValid(s string) string {
	if !utf8.ValidString(s) {
		return s
	}
	return composed(strings.ToUpper(s))
}

// squash trims s, folds runs of white space into one space and composes
// it (NFC). Invalid UTF-8 is kept as it is, for Validate to report.
func squash(s string) string {
	if !utf8.ValidString(s) {
		return strings.TrimSpace(s)
	}
	return composed(strings.Join(strings.Fields(s), " "))
}

// composed returns s in Unicode normalization form C when it is valid
// UTF-8, and s as it is otherwise.
func composed(s string) string {
	if !utf8.ValidString(s) || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// blank reports whether s shows nothing: only white space and invisible
// format characters (zero-width space, byte order mark, direction marks),
// which a required field cannot consist of.
func blank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) == ""
}

// Validate checks a as it is (call Normalize first to accept loose input)
// and returns a *ValidationError listing every problem, with field paths
// such as "postal_code", or nil. Required: a name or company, line1, city,
// country; a postal code where the country's format is checked; a region
// in US, CA, AU, BR, IN and MX. A field of only white space and invisible
// format characters (such as U+200B) counts as missing.
func (a Address) Validate() error {
	v := &ValidationError{Entity: "address"}
	text := func(field, s string, max int, required bool) bool {
		switch {
		case !utf8.ValidString(s):
			v.Add(field, "is not valid UTF-8")
		case strings.IndexFunc(s, unicode.IsControl) >= 0:
			v.Add(field, "contains control characters")
		case utf8.RuneCountInString(s) > max:
			v.Add(field, "is longer than %d characters", max)
		case required && blank(s):
			v.Add(field, "is required")
		default:
			return true
		}
		return false
	}
	text("name", a.Name, MaxNameLength, false)
	text("company", a.Company, MaxNameLength, false)
	if blank(a.Name) && blank(a.Company) {
		v.Add("name", "a name or a company is required")
	}
	text("line1", a.Line1, MaxAddressLine, true)
	text("line2", a.Line2, MaxAddressLine, false)
	text("city", a.City, MaxCityLength, true)
	countryOK := false
	switch {
	case a.Country == "":
		v.Add("country", "is required")
	case !ValidCountry(a.Country):
		v.Add("country", "%q is not an ISO 3166-1 alpha-2 code", truncate(a.Country, 16))
	default:
		countryOK = true
	}
	text("region", a.Region, MaxRegionLength, countryOK && regionRequired[a.Country])
	rule := postalRules[a.Country]
	if text("postal_code", a.PostalCode, MaxPostalCodeLength, rule != nil) && rule != nil && !rule.MatchString(a.PostalCode) {
		v.Add("postal_code", "%q is not a valid %s postal code", a.PostalCode, a.Country)
	}
	if text("phone", a.Phone, MaxPhoneLength, false) && a.Phone != "" {
		digits := 0
		for i, r := range a.Phone {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
			default:
				v.Add("phone", "has %q, which is not a digit or separator", r)
				digits = -1
			}
			if digits < 0 {
				break
			}
		}
		if digits >= 0 && (digits < 5 || digits > 15) {
			v.Add("phone", "must have 5 to 15 digits, has %d", digits)
		}
	}
	if text("email", a.Email, MaxEmailLength, false) && a.Email != "" {
		if p, err := mail.ParseAddress(a.Email); err != nil || p.Address != a.Email || !strings.Contains(a.Email[strings.LastIndexByte(a.Email, '@')+1:], ".") {
			v.Add("email", "%q is not an e-mail address", truncate(a.Email, 64))
		}
	}
	return v.Err()
}
