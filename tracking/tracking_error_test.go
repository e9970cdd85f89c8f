package tracking_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// TestEasyPostTrackingErrorIsUnknownAndTellsNobody is issue 10 item 21:
// EasyPost's "error" status is a tracking-API error (an invalid test
// number), not a shipment problem. It maps to unknown with the reason
// tracking_error, never hides a known status, and no customer message
// goes out for it: not for the status change, nor for the stall the sweep
// raises on such a tracker later.
func TestEasyPostTrackingErrorIsUnknownAndTellsNobody(t *testing.T) {
	ctx := context.Background()
	nf := newNotifyFixture(t, trackingtest.Customers{"cust-1": ada})
	f := nf.fixture
	f.register(t, "ERR1") // customer cust-1
	f.register(t, "ERR2")
	errEvent := func(h int) tracking.Event {
		e := tracking.MapEvent(tracking.EasyPostMapper{}, "error", "", "Invalid tracking number")
		e.Time = t0.Add(time.Duration(h) * time.Hour)
		return e
	}
	apply(t, f, "ERR1", oms.Date{}, errEvent(1))
	apply(t, f, "ERR2", oms.Date{}, ev(1, tracking.StatusInTransit, "IT"), errEvent(2))
	f.clock.Advance(6 * 24 * time.Hour)
	if _, err := f.svc.Sweep(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ERR1", "ERR2"} {
		key := tracking.NewKey("ups", n)
		for _, e := range f.store.Outbox().Events(key.ID()) {
			if err := nf.n.Publish(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	tr1, _ := f.svc.Get(ctx, "ups", "ERR1")
	if tr1.Status != tracking.StatusUnknown || tr1.Reason != tracking.ReasonTrackingError {
		t.Fatalf("ERR1: %s/%s, want unknown/tracking_error", tr1.Status, tr1.Reason)
	}
	tr2, _ := f.svc.Get(ctx, "ups", "ERR2")
	if tr2.Status != tracking.StatusInTransit {
		t.Fatalf("ERR2: a tracking error hid in_transit: %s/%s", tr2.Status, tr2.Reason)
	}
	var got []tracking.Kind
	for _, m := range append(nf.email.Sent(), nf.sms.Sent()...) {
		if m.ShipmentRef == "shp-ERR1" {
			got = append(got, m.Kind)
		}
	}
	if len(got) != 0 {
		t.Fatalf("messages for a tracking-API error: %v", got)
	}
}
