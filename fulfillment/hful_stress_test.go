package fulfillment_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// cancelAtLabel cancels units on the order after the label purchase
// numbered at (1 for the first).
type cancelAtLabel struct {
	*shippingtest.FakeCarrier
	mu     sync.Mutex
	n, at  int
	cancel func()
}

func (c *cancelAtLabel) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	l, err := c.FakeCarrier.BuyLabel(ctx, req)
	if err == nil {
		c.mu.Lock()
		c.n++
		hit := c.n == c.at
		c.mu.Unlock()
		if hit {
			c.cancel()
		}
	}
	return l, err
}

// TestUnitsCancelledAtAnyLabelWithConcurrentProcessesConverge: an order
// of 5 MUG over two locations, 1 to 4 units cancelled on the order after
// the n-th label purchase, three Services running Process at once: every
// run converges, what the order did not cancel ships once, no stock stays
// reserved and the only live labels are those of shipped shipments.
func TestUnitsCancelledAtAnyLabelWithConcurrentProcessesConverge(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 30; i++ {
		at, qty := 1+rng.IntN(3), int64(1+rng.IntN(4))
		t.Run(itoa(i), func(t *testing.T) {
			var e *env
			var o *order.Order
			var cancelled int64
			c := &cancelAtLabel{at: at}
			c.cancel = func() {
				if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{
					Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: qty}}, Reason: "customer"}); err == nil {
					cancelled = qty
				}
			}
			e = newEnv(t, &envConfig{carrier: func(fc *shippingtest.FakeCarrier) shipping.Carrier { c.FakeCarrier = fc; return c }})
			o, _ = e.splitAcrossTwo(5)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for k := range errs {
				svc := e.svc
				if k > 0 {
					var err error
					if svc, err = fulfillment.NewService(e.store, e.orders, e.inv, e.track, &fulfillment.ServiceOptions{Clock: e.clock, Carriers: []shipping.Carrier{c}}); err != nil {
						t.Fatal(err)
					}
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; n < 50; n++ {
						if _, errs[k] = svc.Process(e.ctx, o.ID); errs[k] == nil {
							return
						}
					}
				}()
			}
			wg.Wait()
			for k, err := range errs {
				if err != nil {
					t.Fatalf("process %d (cancel %d after label %d): %v", k, qty, at, err)
				}
			}
			// One more pass settles what a concurrent run left to others.
			if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			got := counters(e.order(o.ID))["MUG"]
			if got[1] != cancelled || got[4] != 5-cancelled {
				t.Errorf("cancel %d after label %d: counters q/c/a/f/s/d %v, want %d cancelled and %d shipped", qty, at, got, cancelled, 5-cancelled)
			}
			shs, _ := e.svc.Shipments(e.ctx, o.ID)
			labels := 0
			var units int64
			for _, sh := range shs {
				if sh.Status == fulfillment.ShipmentShipped {
					labels += len(sh.Packages)
					for _, p := range sh.Packages {
						for _, it := range p.Items {
							units += it.Quantity
						}
					}
				}
			}
			if units != 5-cancelled {
				t.Errorf("cancel %d after label %d: %d units shipped, want %d", qty, at, units, 5-cancelled)
			}
			if n := e.liveLabels(); n != labels {
				t.Errorf("cancel %d after label %d: %d live labels, want %d", qty, at, n, labels)
			}
			var reserved, onHand int64
			for _, loc := range []oms.ID{"east", "west"} {
				lv := e.level("MUG", loc)
				reserved, onHand = reserved+lv.Reserved, onHand+lv.OnHand
			}
			if reserved != 0 || onHand != 6-(5-cancelled) {
				t.Errorf("cancel %d after label %d: reserved %d on hand %d, want 0 and %d", qty, at, reserved, onHand, 6-(5-cancelled))
			}
			e.reconcile()
		})
	}
}
