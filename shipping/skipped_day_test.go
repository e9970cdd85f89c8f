package shipping_test

import (
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestShipDateIsNeverADayTheZoneSkipped: Samoa (Pacific/Apia) went from
// Thursday 29 December 2011 straight to Saturday 31 December. Calendar
// counted Friday the 30th as a business day, so an order after the cut-off
// on the 29th shipped on a day that never happened there, and its pickup
// instant fell on the 31st, a Saturday, though PickupAt promises an
// instant on the ship date. A day the zone skipped is no business day.
func TestShipDateIsNeverADayTheZoneSkipped(t *testing.T) {
	cal := shipping.MustCalendar("Pacific/Apia", nil)
	skipped := oms.NewDate(2011, 12, 30)
	if cal.IsBusinessDay(skipped) {
		t.Errorf("IsBusinessDay(%s) in Pacific/Apia = true, want false: the day did not happen there", skipped)
	}
	if got := cal.NextBusinessDay(skipped); got != oms.NewDate(2012, 1, 2) {
		t.Errorf("NextBusinessDay(%s) = %s, want 2012-01-02", skipped, got)
	}
	if got := cal.AddBusinessDays(oms.NewDate(2011, 12, 29), 1); got != oms.NewDate(2012, 1, 2) {
		t.Errorf("AddBusinessDays(2011-12-29, 1) = %s, want 2012-01-02", got)
	}
	d := shipping.Dispatch{Calendar: cal, CutOff: 17 * time.Hour}
	now := time.Date(2011, 12, 29, 20, 0, 0, 0, cal.Location())
	e, err := shipping.EstimateDelivery(now, d, nil, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if e.ShipDate != oms.NewDate(2012, 1, 2) || cal.DateAt(e.PickupAt) != e.ShipDate {
		t.Errorf("order at %s: ship date %s, pickup %s; want 2012-01-02 and a pickup on it", now, e.ShipDate, e.PickupAt)
	}
	// Elsewhere the same day is an ordinary Friday.
	if !shipping.MustCalendar("Europe/Berlin", nil).IsBusinessDay(skipped) {
		t.Errorf("IsBusinessDay(%s) in Europe/Berlin = false, want true", skipped)
	}
}
