package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// TestDueWithNothingDueIsNilAsInTheMemoryStore: Due with nothing due
// answered an empty, non-nil slice (and one for a bound before year 1),
// where the memory store answers nil, so the same calls compared unequal
// with go-cmp; the adapter now answers nil too.
func TestDueWithNothingDueIsNilAsInTheMemoryStore(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	run := func(s notify.Store) [][]oms.ID {
		var out [][]oms.ID
		for _, by := range []time.Time{at, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)} {
			ids, err := s.Due(ctx, by, "", 10)
			if err != nil {
				t.Fatalf("%T.Due: %v", s, err)
			}
			out = append(out, ids)
		}
		return out
	}
	want, got := run(notify.NewMemoryStore()), run(db.Notify())
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Due (-memory +pgstore):\n%s", d)
	}
}
