package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms/tracking"
)

// Two processes adding the same orphaned tracking news (a webhook and a
// poller, say), listed in opposite orders, inserted them in call order:
// each waited on the other's uncommitted insert of the same key, and
// PostgreSQL aborted one with a deadlock (40P01), a raw error from a
// single statement that no caller retries. Now the rows go in in key
// order and both calls succeed.
func TestOrphansAddedInOppositeOrdersDoNotDeadlock(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for round := 0; round < 30; round++ {
		var os []tracking.Orphan
		for i := 0; i < 40; i++ {
			os = append(os, tracking.Orphan{
				Key:        tracking.Key{Carrier: "ups", TrackingNumber: fmt.Sprintf("R%02dN%02d", round, i%5)},
				Event:      tracking.Event{ID: fmt.Sprintf("e%d", i), Time: at, Status: tracking.StatusInTransit},
				ReceivedAt: at,
			})
		}
		for g := 0; g < 4; g++ {
			l := append([]tracking.Orphan(nil), os...)
			if g%2 == 1 {
				for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
					l[i], l[j] = l[j], l[i]
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.Tracking().AddOrphans(ctx, l...); err != nil {
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
		t.Errorf("%d calls failed", n)
	}
}
