package shipping_test

import (
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestNilCalendarIsTheZeroCalendar: Location and DateAt took a nil
// *Calendar for UTC, but IsBusinessDay, Holiday, NextBusinessDay and
// AddBusinessDays dereferenced it and panicked. A nil *Calendar behaves as
// the zero Calendar: UTC, every day a business day.
func TestNilCalendarIsTheZeroCalendar(t *testing.T) {
	var nilCal *shipping.Calendar
	zero := &shipping.Calendar{}
	sat := oms.NewDate(2026, 11, 28)
	for _, c := range []*shipping.Calendar{nilCal, zero} {
		if !c.IsBusinessDay(sat) {
			t.Errorf("%v: Saturday is not a business day", c)
		}
		if _, ok := c.Holiday(sat); ok {
			t.Errorf("%v: Saturday is a holiday", c)
		}
		if got := c.NextBusinessDay(sat); got != sat {
			t.Errorf("%v: NextBusinessDay = %s", c, got)
		}
		if got, want := c.AddBusinessDays(sat, 3), oms.NewDate(2026, 12, 1); got != want {
			t.Errorf("%v: AddBusinessDays = %s, want %s", c, got, want)
		}
		if got := c.DateAt(time.Date(2026, 11, 28, 23, 0, 0, 0, time.FixedZone("", -5*3600))); got != oms.NewDate(2026, 11, 29) {
			t.Errorf("%v: DateAt = %s", c, got)
		}
	}
}
