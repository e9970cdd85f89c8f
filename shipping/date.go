package shipping

import (
	"github.com/omskit/oms"
)

// Window is a range of delivery dates, both ends included. A single promised
// date has Earliest == Latest; the zero Window means "not known".
type Window struct {
	// Earliest is the first day delivery may happen.
	Earliest oms.Date `json:"earliest"`
	// Latest is the last day: the promise holds until that day is over
	// in the destination's time zone (oms.Date.Passed).
	Latest oms.Date `json:"latest"`
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
	if !w.Earliest.Valid() || !w.Latest.Valid() {
		v.Add(field, "%s is not a range of days from year 0 to 9999", w)
		return
	}
	if w.Latest.Before(w.Earliest) {
		v.Add(field, "latest %s is before earliest %s", w.Latest, w.Earliest)
	}
}
