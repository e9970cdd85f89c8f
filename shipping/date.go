package shipping

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"github.com/omskit/oms"
)

// Date is a calendar day with no time of day and no time zone, such as a
// ship date or a promised delivery date. The zero Date means "unknown".
// Dates compare with Before, After and Equal (==), and marshal to JSON as
// "2006-01-02".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// NewDate returns the normalized date y-m-d (April 31 becomes May 1).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ParseDate parses "2006-01-02". The error matches oms.ErrValidation.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, oms.Validationf("date", "date", "want YYYY-MM-DD, got %q", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d plus n calendar days (n may be negative).
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// DaysUntil returns the number of calendar days from d to o (negative when o
// is earlier).
func (d Date) DaysUntil(o Date) int {
	return int(o.In(time.UTC).Sub(d.In(time.UTC)).Hours() / 24)
}

// Compare returns -1 when d is before o, 0 when equal and 1 when after.
func (d Date) Compare(o Date) int {
	if c := cmp.Compare(d.Year, o.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, o.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, o.Day)
}

// String returns "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalJSON encodes d as "2006-01-02", and the zero Date as null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON decodes "2006-01-02" or null. Errors match oms.ErrValidation.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return oms.Validationf("date", "date", "want a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Window is a range of delivery dates, both ends included. A single promised
// date has Earliest == Latest; the zero Window means "not known".
type Window struct {
	Earliest Date `json:"earliest"`
	Latest   Date `json:"latest"`
}

// IsZero reports whether the window is unknown.
func (w Window) IsZero() bool { return w.Earliest.IsZero() && w.Latest.IsZero() }

// String returns "2026-11-24" for a single day and "2026-11-24..2026-11-26"
// for a range.
func (w Window) String() string {
	if w.Earliest == w.Latest {
		return w.Earliest.String()
	}
	return w.Earliest.String() + ".." + w.Latest.String()
}

func (w Window) validate(v *oms.ValidationError, field string) {
	if w.IsZero() {
		return
	}
	if w.Earliest.IsZero() || w.Latest.IsZero() {
		v.Add(field, "needs both earliest and latest, got %q..%q", w.Earliest, w.Latest)
		return
	}
	if w.Latest.Before(w.Earliest) {
		v.Add(field, "latest %s is before earliest %s", w.Latest, w.Earliest)
	}
}
