package fulfillment_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestConcurrentCommandsOnOneOrder races moves, splits, merges, holds,
// cancels, waves, picks and Process on one order's fulfillment orders from
// 8 goroutines; afterwards the model's invariants hold: the order's
// allocated units equal what its live fulfillment orders hold, the stock
// reconciles and nothing is oversold.
func TestConcurrentCommandsOnOneOrder(t *testing.T) {
	for round := 0; round < 20; round++ {
		e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
		locs := []oms.ID{"a", "b", "c"}
		for i, l := range locs {
			e.location(l, i, nil)
		}
		for _, s := range []oms.SKU{"P", "Q", "R"} {
			e.item(s, "")
			for _, l := range locs {
				e.stock(s, l, 4)
			}
		}
		o := e.place(nil, small("P", 3), small("Q", 2), small("R", 1))
		if _, err := e.svc.Allocate(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				for i := 0; i < 6; i++ {
					fos, err := e.svc.FulfillmentOrders(e.ctx, o.ID)
					if err != nil || len(fos) == 0 {
						return
					}
					fo := fos[rng.IntN(len(fos))]
					other := fos[rng.IntN(len(fos))]
					var cerr error
					switch rng.IntN(8) {
					case 0:
						_, cerr = e.svc.Move(e.ctx, fo.ID, locs[rng.IntN(3)])
					case 1:
						if len(fo.Lines) > 0 {
							_, cerr = e.svc.Split(e.ctx, fo.ID, []fulfillment.SplitLine{{LineID: fo.Lines[0].LineID, Quantity: 1}})
						}
					case 2:
						_, cerr = e.svc.Merge(e.ctx, []oms.ID{fo.ID, other.ID})
					case 3:
						_, cerr = e.svc.AddHold(e.ctx, fo.ID, fulfillment.HoldInput{Key: "k", Reason: fulfillment.HoldOther})
					case 4:
						_, cerr = e.svc.ReleaseHold(e.ctx, fo.ID, oms.DeriveID(fo.ID, "hold:k"))
					case 5:
						_, cerr = e.svc.StartWave(e.ctx, fo.Location, []oms.ID{fo.ID})
					case 6:
						_, cerr = e.svc.ConfirmPicks(e.ctx, fo.ID, nil)
					default:
						_, cerr = e.svc.Process(e.ctx, o.ID)
					}
					if cerr != nil && !expectedRefusal(cerr) && !isNotFound(cerr) {
						t.Errorf("round %d: %v", round, cerr)
					}
				}
			}(g)
		}
		wg.Wait()
		// Finish whatever an interleaving left half done.
		for i := 0; i < 2; i++ {
			if _, err := e.svc.Process(e.ctx, o.ID); err != nil && !expectedRefusal(err) {
				t.Fatal(err)
			}
		}
		checkModelLocs(t, e, []oms.ID{o.ID}, round, "concurrent commands")
	}
}
