package tracking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// TestPollerTrackersWithoutASourceDoNotStarveOthers: trackers of a
// carrier the Poller has no source for are skipped; they used to stay due
// at the head of the list, so with a full batch of them no other tracker
// was ever polled. A skipped tracker is looked at again after Interval.
func TestPollerTrackersWithoutASourceDoNotStarveOthers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := range 3 {
		if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "dhl", TrackingNumber: fmt.Sprintf("D%d", i), ShipmentRef: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	f.register(t, "U1")
	src := trackingtest.NewSource()
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "U1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}})
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src}, BatchSize: 2, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var total tracking.PollReport
	for range 3 {
		rep, err := p.PollDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.Polled += rep.Polled
		total.Skipped += rep.Skipped
	}
	if src.Calls("U1") != 1 {
		t.Fatalf("U1 polled %d times in three passes (report %+v), want 1", src.Calls("U1"), total)
	}
	if total.Skipped != 3 {
		t.Errorf("skipped %d, want each tracker without a source once per interval (3)", total.Skipped)
	}
	d0, _ := f.svc.Get(ctx, "dhl", "D0")
	if !d0.NextPollAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("skipped tracker's next poll %v, want %v", d0.NextPollAt, t0.Add(time.Hour))
	}
	f.clock.Advance(time.Hour)
	if rep, _ := p.PollDue(ctx); rep.Skipped != 2 {
		t.Errorf("after the interval: %+v, want the skipped trackers looked at again", rep)
	}
}
