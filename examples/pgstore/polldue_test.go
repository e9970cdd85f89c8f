package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/tracking"
)

// TestTrackerListByPollDueBeforeYearOneLeavesOutUnscheduledTrackers: a
// tracker with no NextPollAt (the zero time, 0001-01-01 UTC) is due by any
// bound from year 1 on, and by none before it, as Filter.Match and the
// memory store decide. The adapter stores the zero time as NULL and listed
// such a tracker for every bound, one in year 0 included.
func TestTrackerListByPollDueBeforeYearOneLeavesOutUnscheduledTrackers(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	pg, mem := db.Tracking(), tracking.NewMemoryStore(nil)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		number string
		next   time.Time
	}{
		{"UNSCHEDULED", time.Time{}},
		{"YEAR0", time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"YEAR1", time.Date(1, 6, 1, 0, 0, 0, 0, time.UTC)},
	} {
		tr := tracking.NewTracker(tracking.NewKey("ups", tc.number), created)
		tr.Version, tr.NextPollAt = 1, tc.next
		for _, s := range []tracking.Store{pg, mem} {
			if err := s.Save(ctx, tr, nil); err != nil {
				t.Fatalf("save %s: %v", tc.number, err)
			}
		}
	}
	numbers := func(ts []*tracking.Tracker) []string {
		out := []string{}
		for _, t := range ts {
			out = append(out, t.TrackingNumber)
		}
		return out
	}
	for _, by := range []time.Time{
		time.Date(-100000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 12, 1, 0, 0, 0, 0, time.UTC),
		time.Time{}.Add(-time.Nanosecond),
		time.Time{}.Add(time.Nanosecond),
		time.Date(1, 12, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 3, 0, 0, 0, time.FixedZone("east", 5*3600)), // 0000-12-31T22:00Z
	} {
		for _, open := range []bool{false, true} {
			f := tracking.Filter{PollDueBy: by, Open: open}
			want, err := mem.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.List(ctx, f)
			if err != nil {
				t.Fatalf("List(%v): %v", by, err)
			}
			if diff := cmp.Diff(numbers(want), numbers(got)); diff != "" {
				t.Errorf("List(PollDueBy %v, Open %v) (-memory +pgstore):\n%s", by, open, diff)
			}
		}
	}
}
