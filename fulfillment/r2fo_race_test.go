package fulfillment_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestRacingShortPickPackShipConverge: goroutines confirm the same short
// pick, pack, ship and process one manual order at once; afterwards (and
// a final Process) the order has shipped what was found, the short unit
// is re-allocated once, labels are bought once per package and the stock
// reconciles.
func TestRacingShortPickPackShipConverge(t *testing.T) {
	for round := 0; round < 20; round++ {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			e := faultEnvWith(t, &faults{}, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
			o := e.place(nil, big("BIG", 2), small("SMALL", 2))
			res, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			var east *fulfillment.FulfillmentOrder
			for _, fo := range res.FulfillmentOrders {
				if fo.Location == "east" {
					east = fo
				}
			}
			picks := []fulfillment.Picked{{LineID: east.Lines[0].LineID, Quantity: 1}}
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					switch g % 4 {
					case 0:
						_, _ = e.svc.ConfirmPicks(e.ctx, east.ID, picks)
					case 1:
						_, _ = e.svc.Process(e.ctx, o.ID)
					case 2:
						_, _ = e.svc.Pack(e.ctx, east.ID)
					case 3:
						_, _ = e.svc.Ship(e.ctx, east.ID)
					}
				}(g)
			}
			wg.Wait()
			for i := 0; i < 3; i++ {
				fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
				for _, fo := range fos {
					if fo.Status == fulfillment.StatusInProgress {
						_, _ = e.svc.ConfirmPicks(e.ctx, fo.ID, nil)
					}
				}
				if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
					t.Fatal(err)
				}
			}
			deliverEverything(t, e, o.ID, nil)
			checkEnd(t, e, o.ID)
			if got := counterSummary(e, o.ID); got != "map[BIG:[2 0 2 2 2 2] SMALL:[2 0 2 2 2 2]]completed3" {
				t.Errorf("got %s", got)
			}
			fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
			n := 0
			for _, fo := range fos {
				n++
				_ = fo
			}
			if n != 3 {
				t.Errorf("%d fulfillment orders, want 3", n)
			}
			_ = oms.ErrConflict
		})
	}
}
