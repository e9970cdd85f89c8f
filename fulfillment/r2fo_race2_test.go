package fulfillment_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestRacingTrackingNewsReshipAndProcess: many goroutines deliver, lose,
// re-ship and process one order's packages at once; afterwards every
// package counts delivered once, the order completes with consistent
// counters and the stock reconciles with nothing left reserved.
func TestRacingTrackingNewsReshipAndProcess(t *testing.T) {
	for round := 0; round < 10; round++ {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			e := faultEnvWith(t, &faults{}, fulfillment.ServiceOptions{})
			e.stock("SMALL", "west", 10)
			e.stock("BIG", "west", 10)
			o := e.place(nil, big("BIG", 2), small("SMALL", 2))
			res, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			lost := res.Shipments[0]
			for g := 0; g < 12; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					switch g % 4 {
					case 0:
						_, _ = e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: lost.Carrier, TrackingNumber: lost.Packages[0].TrackingNumber, Status: tracking.StatusException, Reason: tracking.ReasonLost, At: t0})
					case 1:
						_, _ = e.svc.ReshipLost(e.ctx, lost.ID, 0)
					case 2:
						_, _ = e.svc.Process(e.ctx, o.ID)
					case 3:
						for _, sh := range res.Shipments {
							for _, p := range sh.Packages {
								if sh.ID == lost.ID && p.Index == 0 {
									continue
								}
								_, _ = e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0})
							}
						}
					}
				}(g)
			}
			wg.Wait()
			if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: lost.Carrier, TrackingNumber: lost.Packages[0].TrackingNumber, Status: tracking.StatusException, Reason: tracking.ReasonLost, At: t0}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.ReshipLost(e.ctx, lost.ID, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			deliverEverything(t, e, o.ID, func(sh *fulfillment.Shipment, p fulfillment.Package) bool { return sh.ID == lost.ID && p.Index == 0 })
			if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			checkEnd(t, e, o.ID)
			if got := e.order(o.ID); got.Status != order.StatusCompleted {
				t.Errorf("order %s %v", got.Status, counters(got))
			}
			_ = oms.ErrConflict
		})
	}
}
