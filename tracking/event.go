package tracking

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
	"unicode"

	"github.com/omskit/oms"
)

// MaxTextLength caps every text field of an Event, in bytes. Longer carrier
// texts are cut at a rune boundary.
const MaxTextLength = 1024

// Event is one tracking scan: the normalized status and reason next to the
// carrier's raw code, sub-code and text, which are always kept. Events are
// values; a Tracker holds them sorted by time.
//
// Two events are the same event when their content is the same: ID is a
// fingerprint of the time, the raw and normalized codes, the text and the
// location, computed by Normalize. Applying an event twice therefore
// changes nothing, whichever source (webhook or poll) delivered it.
type Event struct {
	// ID is the event's content fingerprint (set by Normalize).
	ID string `json:"id"`
	// Time is when the carrier scanned the parcel, in UTC.
	Time time.Time `json:"time"`
	// Status and Reason are the normalized values.
	Status Status `json:"status"`
	Reason Reason `json:"reason,omitempty"`
	// RawCode and RawSubcode are the carrier's or aggregator's codes as
	// received (EasyPost status and status_detail, Shippo status and
	// substatus, AfterShip tag and subtag, a carrier's own code).
	RawCode    string `json:"raw_code,omitempty"`
	RawSubcode string `json:"raw_subcode,omitempty"`
	// CarrierCode is the carrier's own event code when an aggregator
	// passes it on (EasyPost's carrier_code), or empty.
	CarrierCode string `json:"carrier_code,omitempty"`
	// RawText is the carrier's message as received.
	RawText string `json:"raw_text,omitempty"`
	// Location is where the scan happened, as the carrier wrote it.
	Location string `json:"location,omitempty"`
	// Source names where the event came from: "easypost", "shippo",
	// "aftership", "poll", a carrier code. It is not part of the ID.
	Source string `json:"source,omitempty"`
}

// Update is what a webhook decoder or a poll returns for one tracking
// number: its events and the carrier's current delivery estimate.
type Update struct {
	// Carrier is the carrier code as the source names it ("usps", "UPS");
	// keys compare it case-insensitively.
	Carrier string `json:"carrier"`
	// TrackingNumber is the carrier's tracking number.
	TrackingNumber string `json:"tracking_number"`
	// Events are the scans reported; old ones may be repeated.
	Events []Event `json:"events,omitempty"`
	// EstimatedDelivery is the day the carrier expects to deliver, as it
	// named it (a date, or the date of its time in its own offset); zero
	// when not given.
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
}

// Key returns the update's tracker key.
func (u Update) Key() Key { return NewKey(u.Carrier, u.TrackingNumber) }

// Normalize returns e ready to store: text fields turned into valid UTF-8
// without control characters and cut to MaxTextLength, the time in UTC
// without a monotonic reading, an invalid status turned into unknown, an
// ill-shaped reason replaced by ReasonOther, and ID
// set to the content fingerprint. It is a pure function.
func (e Event) Normalize() Event {
	e.RawCode = cleanText(e.RawCode)
	e.RawSubcode = cleanText(e.RawSubcode)
	e.CarrierCode = cleanText(e.CarrierCode)
	e.RawText = cleanText(e.RawText)
	e.Location = cleanText(e.Location)
	e.Source = cleanText(e.Source)
	e.Time = e.Time.UTC().Round(0)
	if !e.Status.Valid() {
		e.Status = StatusUnknown
	}
	if !e.Reason.Valid() {
		e.Reason = ReasonOther
	}
	e.ID = e.fingerprint()
	return e
}

func (e Event) fingerprint() string {
	var stack [512]byte
	buf := binary.BigEndian.AppendUint64(stack[:0], uint64(e.Time.Unix()))
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.Time.Nanosecond()))
	for _, s := range [...]string{string(e.Status), string(e.Reason), e.RawCode, e.RawSubcode, e.CarrierCode, e.RawText, e.Location} {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	sum := sha256.Sum256(buf)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

// cleanText makes s valid UTF-8 (invalid bytes become U+FFFD), turns
// control characters into spaces, trims it and cuts it to MaxTextLength.
// It is idempotent.
func cleanText(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	s = strings.TrimSpace(s)
	if len(s) > MaxTextLength {
		cut := MaxTextLength
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		// Trim again: the cut may end next to a space, and a second
		// Normalize must not change the text (nor the ID).
		s = strings.TrimRightFunc(s[:cut], unicode.IsSpace)
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// after reports whether a sorts after b in the history: later time, then
// higher status rank, then greater ID. It is a strict total order on
// normalized events with different IDs.
func after(a, b Event) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	ra, rb := statusRank[a.Status], statusRank[b.Status]
	if ra != rb {
		return ra > rb
	}
	return a.ID > b.ID
}

// decides reports whether a takes precedence over b for the current
// status: higher phase first (terminal > returning > forward > unknown),
// then the history order.
func decides(a, b Event) bool {
	pa, pb := phaseOf(a.Status), phaseOf(b.Status)
	if pa != pb {
		return pa > pb
	}
	return after(a, b)
}
