package fulfillment_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/tracking"
)

// TestTrackingNewsDatedOutsideYears1To9999IsRefused: ApplyTracking took
// news dated in year 10000 (or far beyond, or in year 0) and delivered the
// shipment "at" that time; the shipment could then no longer be put on
// the wire (json: Time.MarshalJSON: year outside of range [0,9999]) and
// an orphan kept such a time. Tracking itself quarantines such scans; now
// ApplyTracking refuses them with oms.ErrValidation naming the time, and
// nothing changes.
func TestTrackingNewsDatedOutsideYears1To9999IsRefused(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1<<62, 0).UTC(),
		time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(at.String(), func(t *testing.T) {
			e := newEnv(t, nil)
			e.location("east", 1, nil)
			e.item("MUG", "")
			e.stock("MUG", "east", 5)
			o := e.place(nil, small("MUG", 2))
			res, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			sh := res.Shipments[0]
			_, err = e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: sh.Packages[0].TrackingNumber, Status: tracking.StatusDelivered, At: at})
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("known number: err = %v, want a validation error", err)
			}
			got, err := e.svc.Shipment(e.ctx, sh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != sh.Version || got.Status != sh.Status {
				t.Errorf("refused news changed the shipment: %s v%d → %s v%d (delivered at %v)", sh.Status, sh.Version, got.Status, got.Version, got.DeliveredAt)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("shipment: %v", err)
			}
			_, err = e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "ups", TrackingNumber: "1ZUNKNOWN", Status: tracking.StatusDelivered, At: at})
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("unknown number: err = %v, want a validation error", err)
			}
			if or, _ := e.store.Orphans(e.ctx); len(or) != 0 {
				t.Errorf("orphans recorded: %+v", or)
			}
		})
	}
}
