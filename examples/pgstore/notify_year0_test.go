package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// TestNotifyTimesBeforeYearOneAreKeptAsInTheMemoryStore: a progress due in
// year 0, or a claim taken in year 0 or before (a clock set there), is kept
// by the memory store; the adapter refused both with a validation error
// ("year 0 is outside 1 to 294275") and found nothing due by a bound
// before year 1, although timestamptz holds them (from 4713 BC). Now it
// keeps what its columns hold: the same due IDs and the same claims.
func TestNotifyTimesBeforeYearOneAreKeptAsInTheMemoryStore(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	pg, mem := db.Notify(), notify.NewMemoryStore()
	dues := map[string]time.Time{
		"p-year0":     time.Date(0, 6, 1, 12, 0, 0, 500, time.UTC),
		"p-year0-tz":  time.Date(0, 1, 1, 1, 0, 0, 0, time.FixedZone("east", 3*3600)), // -0001-12-31T22:00Z
		"p-year1":     time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		"p-year2026":  time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		"p-not-due":   {},
		"p-year-9999": time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	for id, at := range dues {
		p := &notify.Progress{ID: oms.ID(id), Version: 1, DueAt: at}
		for name, s := range map[string]notify.Store{"memory": mem, "pgstore": pg} {
			if err := s.SaveProgress(ctx, p); err != nil {
				t.Errorf("%s: SaveProgress(%s due %v): %v", name, id, at, err)
			}
		}
		got, err := pg.Progress(ctx, p.ID)
		if err == nil && !got.DueAt.Equal(at) {
			t.Errorf("%s read back due %v, want %v", id, got.DueAt, at)
		}
	}
	for _, by := range []time.Time{
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 21, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 22, 0, 0, 0, time.UTC),
		time.Date(0, 6, 1, 12, 0, 0, 499, time.UTC),
		time.Date(0, 6, 1, 12, 0, 0, 500, time.UTC),
		time.Time{},
		time.Time{}.Add(time.Nanosecond),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		want, err := mem.Due(ctx, by, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.Due(ctx, by, "", 100)
		if err != nil {
			t.Errorf("Due(%v): %v", by, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Due(%v) (-memory +pgstore):\n%s", by, diff)
		}
	}
	for i, at := range []time.Time{
		time.Date(0, 6, 1, 12, 0, 0, 123456789, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		key := "claim-" + string(rune('a'+i))
		want, err := mem.Claim(ctx, key, "tok", at)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.Claim(ctx, key, "tok", at)
		if err != nil {
			t.Errorf("Claim at %v: %v", at, err)
			continue
		}
		if !got.At.Equal(want.At) || got.Token != want.Token || got.State != want.State {
			t.Errorf("Claim at %v = %+v, memory %+v", at, got, want)
		}
	}
}
