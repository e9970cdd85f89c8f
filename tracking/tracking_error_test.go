package tracking_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestEasyPostTrackingErrorIsUnknown is issue 10 item 21: EasyPost's
// "error" status is a tracking-API error (an invalid test number), not a
// shipment problem. It maps to unknown with the reason tracking_error and
// never hides a known status; the events it causes carry that reason, so
// that consumers tell nobody (package notify ignores them:
// notify.TestEasyPostTrackingErrorTellsNobody).
func TestEasyPostTrackingErrorIsUnknown(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "ERR1")
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
	tr1, _ := f.svc.Get(ctx, "ups", "ERR1")
	if tr1.Status != tracking.StatusUnknown || tr1.Reason != tracking.ReasonTrackingError {
		t.Fatalf("ERR1: %s/%s, want unknown/tracking_error", tr1.Status, tr1.Reason)
	}
	tr2, _ := f.svc.Get(ctx, "ups", "ERR2")
	if tr2.Status != tracking.StatusInTransit {
		t.Fatalf("ERR2: a tracking error hid in_transit: %s/%s", tr2.Status, tr2.Reason)
	}
	checked := 0
	for _, e := range f.store.Outbox().Events(tracking.NewKey("ups", "ERR1").ID()) {
		var p struct {
			tracking.Snapshot
			Alert *tracking.Alert `json:"alert"`
		}
		if err := e.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if e.Type == tracking.EventRegistered {
			continue
		}
		checked++
		if p.Reason != tracking.ReasonTrackingError && (p.Alert == nil || p.Alert.Reason != tracking.ReasonTrackingError) {
			t.Errorf("%s of ERR1 does not carry tracking_error: %s", e.Type, e.Payload)
		}
	}
	if checked == 0 {
		t.Fatal("no event of ERR1 after its tracking error")
	}
}
