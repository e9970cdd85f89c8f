package fulfillment_test

import (
	"errors"
	"fmt"
	"testing"
)

// TestProcessConvergesWhenEveryNthWriteFailsWithManyPackages: the
// labels of a shipment were all bought again (replays under their keys)
// before one save recorded them, so with a store failing every n-th write
// a shipment of n-1 or more packages never kept a label: every run
// replayed the purchases and lost the save, and Process never converged.
func TestProcessConvergesWhenEveryNthWriteFailsWithManyPackages(t *testing.T) {
	for n := 3; n <= 6; n++ {
		for _, after := range []bool{false, true} {
			t.Run(fmt.Sprintf("every%d_after%v", n, after), func(t *testing.T) {
				f := &faults{every: n, after: after}
				e := faultEnv(t, f)
				e.stock("BIG", "west", 10)
				o := e.place(nil, big("BIG", 6))
				f.on = true
				var err error
				for i := 0; i < 100; i++ {
					if _, err = e.svc.Process(e.ctx, o.ID); err == nil || !errors.Is(err, errInjected) {
						break
					}
				}
				if err != nil {
					t.Fatalf("Process never converged: %v (writes %v)", err, f.counts)
				}
				f.on = false
				want := 0
				shs, _ := e.svc.Shipments(e.ctx, o.ID)
				for _, sh := range shs {
					want += len(sh.Packages)
				}
				if want < n {
					t.Fatalf("%d packages; the case needs at least %d", want, n)
				}
				if got := e.carrier.Purchases(); got != want {
					t.Errorf("%d labels bought for %d packages", got, want)
				}
				checkEnd(t, e, o.ID)
			})
		}
	}
}
