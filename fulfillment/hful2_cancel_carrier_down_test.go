package fulfillment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// downCarrier refuses every call while down, buying and voiding nothing.
type downCarrier struct {
	*shippingtest.FakeCarrier
	mu   sync.Mutex
	down bool
}

func (c *downCarrier) isDown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down
}

func (c *downCarrier) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	if c.isDown() {
		return shipping.Label{}, errors.New("carrier unavailable")
	}
	return c.FakeCarrier.BuyLabel(ctx, req)
}

func (c *downCarrier) VoidLabel(ctx context.Context, id string) error {
	if c.isDown() {
		return errors.New("carrier unavailable")
	}
	return c.FakeCarrier.VoidLabel(ctx, id)
}

// TestCancelReleasesTheStockWhileTheCarrierIsDown: a label purchase
// failed (the carrier is down) and the order is then cancelled. Process
// used to stop before releasing anything for as long as the carrier
// stayed down (the cancel first replayed the purchase, to void a label
// it might have bought), the stock reserved all that time. Now the stock
// goes back at once; the labels are left to void (Process says so) and a
// later Process voids them once the carrier is up: none is left live.
func TestCancelReleasesTheStockWhileTheCarrierIsDown(t *testing.T) {
	dc := &downCarrier{down: true}
	e := newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { dc.FakeCarrier = c; return dc }})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process with the carrier down: no error")
	}
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "changed mind"}); err != nil {
		t.Fatal(err)
	}
	// Process reports the labels it could not void yet (a later run
	// retries), but the stock does not wait for them.
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Error("Process with labels left to void: no error")
	}
	if got := e.order(o.ID); got.Status != order.StatusCancelled {
		t.Errorf("order %s, want cancelled", got.Status)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 5 {
		t.Errorf("east with the carrier down: on hand %d reserved %d, want 5 and 0", lv.OnHand, lv.Reserved)
	}
	dc.mu.Lock()
	dc.down = false
	dc.mu.Unlock()
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.liveLabels(); n != 0 {
		t.Errorf("%d labels live after the carrier came back, want 0", n)
	}
	// Nothing more happens.
	before := e.carrier.Purchases()
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.carrier.Purchases(); n != before {
		t.Errorf("a further Process bought %d labels", n-before)
	}
	e.reconcile()
}
