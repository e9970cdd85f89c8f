package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/tracking"
)

// TestOrphansReceivedBeforeYearOneAreKeptAndPrunedAsInTheMemoryStore: an
// orphan received in year 0 (a clock set there) is kept by the memory
// store and pruned by a bound after it. The adapter refused it with a
// validation error ("year 0 is outside 1 to 294275"), and PruneOrphans by a
// bound before year 1 pruned nothing, although timestamptz holds such
// times. Now the adapter adds, lists and prunes the same orphans.
func TestOrphansReceivedBeforeYearOneAreKeptAndPrunedAsInTheMemoryStore(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	pg, mem := db.Tracking(), tracking.NewMemoryStore(nil)
	ev := tracking.Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Status: tracking.StatusInTransit}
	var orphans []tracking.Orphan
	for i, at := range []time.Time{
		time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 1, 0, 0, 0, time.FixedZone("east", 3*3600)), // -0001-12-31T22:00Z
		time.Date(0, 6, 1, 0, 0, 0, 1, time.UTC),
		{},
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		e := ev
		e.ID = string(rune('a' + i))
		orphans = append(orphans, tracking.Orphan{Key: tracking.NewKey("ups", "1Z"), Event: e, ReceivedAt: at})
	}
	for name, s := range map[string]tracking.Store{"memory": mem, "pgstore": pg} {
		if n, err := s.AddOrphans(ctx, orphans...); err != nil || n != len(orphans) {
			t.Fatalf("%s: AddOrphans = %d, %v; want %d", name, n, err, len(orphans))
		}
	}
	ids := func(os []tracking.Orphan) []string {
		out := []string{}
		for _, o := range os {
			out = append(out, o.Event.ID)
		}
		return out
	}
	for _, before := range []time.Time{
		time.Date(-3, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 22, 0, 0, 1, time.UTC),
		time.Date(0, 6, 1, 0, 0, 0, 1, time.UTC),
		time.Time{}.Add(time.Nanosecond),
	} {
		nm, err := mem.PruneOrphans(ctx, before, 1)
		if err != nil {
			t.Fatal(err)
		}
		np, err := pg.PruneOrphans(ctx, before, 1)
		if err != nil {
			t.Fatalf("PruneOrphans(%v): %v", before, err)
		}
		want, _ := mem.Orphans(ctx, tracking.Key{})
		got, err := pg.Orphans(ctx, tracking.Key{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(want), ids(got)); nm != np || diff != "" {
			t.Errorf("PruneOrphans(%v) = %d, memory %d; left (-memory +pgstore):\n%s", before, np, nm, diff)
		}
	}
}
