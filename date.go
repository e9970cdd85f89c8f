package oms

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day with no time of day and no time zone, such as a
// ship date or a promised or estimated delivery date. The zero Date means
// "unknown". Dates compare with Before, After and Equal (==), and marshal to
// JSON as "2006-01-02".
//
// A Date becomes instants only in a time zone: the day d runs from d.In(loc)
// (midnight at its start) up to, but not including, d.End(loc) (midnight at
// the start of the next day; where daylight saving time skips midnight, the
// first instant of the day is the jump to 01:00). Dates that JSON carries
// are the valid ones (Valid: normalized, years 0 to 9999). A promise "delivered by d" is kept by any
// delivery before d.End(loc) in the destination's zone, and broken only once
// that instant has passed (Passed).
type Date struct {
	// Year, Month and Day name the day, as time.Date takes them; build
	// dates with NewDate, DateOf or ParseDate, which normalize them.
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
		return Date{}, Validationf("date", "date", "want YYYY-MM-DD, got %q", s)
	}
	return DateOf(t), nil
}

// Valid reports whether d names a real day from year 0 to 9999 with its
// fields normalized (as NewDate, DateOf and ParseDate return them): the
// dates JSON carries both ways. The zero Date (unknown) is not valid;
// February 30 and year 10000 are not either.
func (d Date) Valid() bool {
	return !d.IsZero() && d.Year >= 0 && d.Year <= 9999 && NewDate(d.Year, d.Month, d.Day) == d
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns the first instant of d in loc: midnight, or where daylight
// saving time skips midnight (the clock jumps from 23:59:59 to 01:00),
// the instant of that jump. A nil loc means UTC.
func (d Date) In(loc *time.Location) time.Time {
	return startOfDay(d.Year, d.Month, d.Day, loc)
}

// startOfDay returns the first instant of the day y-m-day in loc.
// time.Date resolves a midnight that the zone skips to the hour before it,
// which is still on the previous day; the day then starts where that
// zone's offset ends.
func startOfDay(y int, m time.Month, day int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	if want := time.Date(y, m, day, 0, 0, 0, 0, time.UTC); t.Day() != want.Day() {
		if _, end := t.ZoneBounds(); !end.IsZero() && end.After(t) {
			return end
		}
	}
	return t
}

// End returns the start of the day after d in loc (midnight, or the jump
// where daylight saving time skips midnight): the first instant that is no
// longer on day d. A nil loc means UTC.
func (d Date) End(loc *time.Location) time.Time {
	return startOfDay(d.Year, d.Month, d.Day+1, loc)
}

// Passed reports whether the whole of day d is over at instant t in loc:
// t is at or after d.End(loc). The zero Date never passes. This is the rule
// for "late": a parcel promised by d is late only once Passed is true in the
// destination's time zone.
func (d Date) Passed(t time.Time, loc *time.Location) bool {
	if d.IsZero() {
		return false
	}
	return !t.Before(d.End(loc))
}

// maxAddDays bounds the count AddDays adds (2^30 days, 2.9 million
// years): time.AddDate adds it to the day of the month, where a larger
// count wraps.
const maxAddDays = 1 << 30

// AddDays returns d plus n calendar days (n may be negative). The zero
// Date (unknown) stays zero. A count beyond ±2^30 days, which leads past
// every valid date, counts as ±2^30, so that more days never give an
// earlier day.
func (d Date) AddDays(n int) Date {
	if d.IsZero() {
		return d
	}
	return DateOf(d.In(time.UTC).AddDate(0, 0, min(max(n, -maxAddDays), maxAddDays)))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// DaysUntil returns the number of calendar days from d to o (negative when o
// is earlier). It counts in Unix seconds, not in a time.Duration, which saturates
// beyond 292 years.
func (d Date) DaysUntil(o Date) int {
	return int((o.In(time.UTC).Unix() - d.In(time.UTC).Unix()) / 86400)
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

// MarshalJSON encodes d as "2006-01-02", and the zero Date as null. A date
// that UnmarshalJSON could not read back (a year outside 0 to 9999, or
// fields that are not normalized, such as February 30) is an error
// matching ErrValidation, as time.Time refuses years past 9999.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	if !d.Valid() {
		return nil, Validationf("date", "date", "%04d-%02d-%02d is not a day from year 0 to 9999", d.Year, int(d.Month), d.Day)
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
		return Validationf("date", "date", "want a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// DateIn returns the calendar day of t in loc (nil loc means UTC).
func DateIn(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	return DateOf(t.In(loc))
}
