package tracking_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestSweepPrunesOrphansPastTheRetention: events for tracking numbers
// nobody registers used to be kept for ever. Sweep removes those received
// longer ago than OrphanRetention; younger ones still apply when their
// tracker is registered; a negative retention keeps them all.
func TestSweepPrunesOrphansPastTheRetention(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		retention time.Duration
		wantLeft  int
	}{
		{"default 30 days", 0, 1},
		{"one hour", time.Hour, 0},
		{"kept for ever", -1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := oms.NewManualClock(t0)
			store := tracking.NewMemoryStore(nil)
			svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock, OrphanRetention: tc.retention, SweepPageSize: 1})
			if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "OLD", Events: []tracking.Event{ev(0, tracking.StatusInTransit, "IT")}}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(40 * 24 * time.Hour)
			if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "NEW", Events: []tracking.Event{{Time: clock.Now().Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"}}}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(2 * time.Hour)
			if _, err := svc.Sweep(ctx, clock.Now()); err != nil {
				t.Fatal(err)
			}
			all, err := store.Orphans(ctx, tracking.Key{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != tc.wantLeft {
				t.Fatalf("%d orphans left, want %d: %+v", len(all), tc.wantLeft, all)
			}
			if tc.wantLeft == 1 && all[0].Key.TrackingNumber != "NEW" {
				t.Fatalf("kept %s, want the young orphan", all[0].Key)
			}
		})
	}
}
