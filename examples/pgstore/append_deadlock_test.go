package pgstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
)

// TestEventsAppendedAgainInOppositeOrdersDoNotDeadlock: Outbox.Append of
// events the outbox already holds adds nothing (as in the memory outbox),
// so a host may append again what it is not sure was saved. Two such
// appends of the same events listed in opposite orders, at once (two
// processes), each waited on the other's uncommitted insert of the same
// event ID, and PostgreSQL aborted one with a deadlock: a raw SQLSTATE
// 40P01 (Append ran its transaction without the store's retry) where the
// memory outbox saves both. Now an aborted Append is run again, as every
// other transaction of the adapter is, and both succeed.
func TestEventsAppendedAgainInOppositeOrdersDoNotDeadlock(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for range 30 {
		var evs []oms.Event
		for i := range 40 {
			e, err := oms.NewEvent("test.happened", "test", oms.ID("A"), int64(i+1), at, nil)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e)
		}
		for g := range 4 {
			l := slices.Clone(evs)
			if g%2 == 1 {
				slices.Reverse(l)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.Outbox().Append(ctx, l...); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
	}
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 3 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Errorf("%d appends failed", n)
	}
}
