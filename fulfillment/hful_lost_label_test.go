package fulfillment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// lostLabels buys the label and loses the answer while lose is set.
type lostLabels struct {
	*shippingtest.FakeCarrier
	mu   sync.Mutex
	lose bool
}

func (c *lostLabels) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	l, err := c.FakeCarrier.BuyLabel(ctx, req)
	c.mu.Lock()
	lose := c.lose
	c.mu.Unlock()
	if err == nil && lose {
		return shipping.Label{}, errors.New("connection reset after the purchase")
	}
	return l, err
}

// liveLabels counts the carrier's labels that are not voided.
func (e *env) liveLabels() int {
	e.t.Helper()
	m, err := e.carrier.Manifest(e.ctx, shipping.ManifestRequest{Date: oms.DateOf(e.clock.Now())})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(m.LabelIDs)
}

// TestLabelWhoseAnswerWasLostIsVoidedWhenTheOrderIsCancelled: the carrier
// bought a package's label but its answer was lost; the order is then
// cancelled. Process cancels the fulfillment order and voids every label
// bought for it, the one whose answer was lost too.
func TestLabelWhoseAnswerWasLostIsVoidedWhenTheOrderIsCancelled(t *testing.T) {
	lc := &lostLabels{lose: true}
	e := newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { lc.FakeCarrier = c; return lc }})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process with the label's answer lost: no error")
	}
	if n := e.carrier.Purchases(); n != 1 {
		t.Fatalf("%d labels bought, want 1", n)
	}
	lc.mu.Lock()
	lc.lose = false
	lc.mu.Unlock()
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "changed mind"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.liveLabels(); n != 0 {
		t.Errorf("%d labels still live after the order was cancelled, want 0 (bought %d)", n, e.carrier.Purchases())
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 5 {
		t.Errorf("east: on hand %d reserved %d, want 5 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}
