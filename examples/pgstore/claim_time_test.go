package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
)

// TestClaimKeepsItsTimeToTheNanosecond: a claim's time came back from
// PostgreSQL cut to the microsecond (timestamptz), where the memory store
// gives it back as taken. The Notifier takes a claim held for
// ClaimTimeout or longer as sent (now.Sub(c.At) >= ClaimTimeout), so on
// the adapter a claim taken at .000000999 and looked at 100 ns before its
// timeout was already taken as sent: its message, still being sent by its
// holder, was dropped by the other sender instead of being left pending.
func TestClaimKeepsItsTimeToTheNanosecond(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 30, 0, 999, time.UTC)
	timeout := notify.DefaultClaimTimeout
	later := at.Add(timeout - 100*time.Nanosecond)
	type result struct {
		First, Second notify.Claim
		TimedOut      bool
	}
	run := func(s notify.Store) result {
		first, err := s.Claim(ctx, "order-1|shipped|email", "holder", at)
		if err != nil {
			t.Fatalf("%T.Claim: %v", s, err)
		}
		second, err := s.Claim(ctx, "order-1|shipped|email", "other", later)
		if err != nil {
			t.Fatalf("%T.Claim again: %v", s, err)
		}
		return result{first, second, later.Sub(second.At) >= timeout}
	}
	want, got := run(notify.NewMemoryStore()), run(db.Notify())
	if d := cmp.Diff(want, got, instantOpts); d != "" {
		t.Errorf("claims (-memory +pgstore):\n%s", d)
	}
}
