package fulfillment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
)

// lostCancelAnswer lets the first order update that cancels lines take
// effect, then reports a failure: the answer of CancelLines is lost.
type lostCancelAnswer struct {
	order.Store
	mu    sync.Mutex
	armed bool
}

func (s *lostCancelAnswer) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	if err := s.Store.Update(ctx, o, expected, events); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		if s.armed && e.Type == order.EventLinesCancelled {
			s.armed = false
			return errInjected
		}
	}
	return nil
}

// TestShortPickCancelledThenStockArrivesDoesNotShipTheCancelledUnit: a
// short unit with no stock elsewhere is cancelled on the order; the
// answer is lost; stock arrives elsewhere before the retry. The retry
// must not re-allocate (and ship) the unit the order has cancelled.
func TestShortPickCancelledThenStockArrivesDoesNotShipTheCancelledUnit(t *testing.T) {
	var ls *lostCancelAnswer
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
		wrapOrd: func(s order.Store) order.Store { ls = &lostCancelAnswer{Store: s, armed: true}; return ls }})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 2)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	picks := []fulfillment.Picked{{LineID: fo.Lines[0].LineID, Quantity: 1}}
	if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, picks); err == nil {
		t.Fatal("the lost answer did not stop ConfirmPicks")
	}
	e.stock("MUG", "west", 5)
	if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, picks); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	deliverEverything(t, e, o.ID, nil)
	checkEnd(t, e, o.ID)
	got := e.order(o.ID)
	if c := counters(got)["MUG"]; c != [6]int64{2, 1, 1, 1, 1, 1} {
		t.Errorf("counters q/c/a/f/s/d = %v, want [2 1 1 1 1 1]", c)
	}
	if got.Status != order.StatusCompleted {
		t.Errorf("order %s", got.Status)
	}
	if lv := e.level("MUG", "west"); lv.OnHand != 5 || lv.Reserved != 0 {
		t.Errorf("west %+v: the cancelled unit was reserved or shipped there", lv)
	}
}
