package returns_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// cancelFailingOrders refuses to save cancelled orders while fail is set.
type cancelFailingOrders struct {
	*order.MemoryStore
	mu   sync.Mutex
	fail bool
}

func (c *cancelFailingOrders) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	c.mu.Lock()
	fail := c.fail
	c.mu.Unlock()
	if fail && o.Status == order.StatusCancelled {
		return errors.New("database unavailable")
	}
	return c.MemoryStore.Update(ctx, o, expected, events)
}

// TestExpiredAdvanceExchangeRetriesCancellingItsReplacement: the sweep
// saved the expiry of an advance exchange, then failed to cancel its
// replacement order. The next sweep no longer lists the expired return and
// Cancel refused it, so the free replacement stayed pending, ready to ship,
// for good. Cancel on the expired return now finishes it.
func TestExpiredAdvanceExchangeRetriesCancellingItsReplacement(t *testing.T) {
	p := returns.DefaultPolicy()
	p.AdvanceExchanges, p.ExpireAfter = true, 14*24*time.Hour
	s := newShop(t, &p)
	db := &cancelFailingOrders{MemoryStore: s.orderDB}
	s.orders = order.NewService(db, &order.ServiceOptions{Clock: s.clock, Gateway: s.gw})
	var err error
	s.svc, err = returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: s.carrier,
		ReturnAddress: warehouse, Tracking: s.tracking, Policy: &p, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	o := s.delivered("cart-advance")
	r := s.advanceExchange(t, o)
	s.clock.Advance(15 * 24 * time.Hour)
	db.mu.Lock()
	db.fail = true
	db.mu.Unlock()
	ids, err := s.svc.SweepExpired(s.ctx, 0)
	if err == nil {
		t.Fatalf("sweep: no error though the replacement order could not be cancelled")
	}
	if len(ids) != 1 || ids[0] != r.ID || s.ret(r.ID).Status != returns.StatusExpired {
		t.Fatalf("sweep: %v, return %s; want it expired and listed", ids, s.ret(r.ID).Status)
	}
	db.mu.Lock()
	db.fail = false
	db.mu.Unlock()
	if ids, err := s.svc.SweepExpired(s.ctx, 0); err != nil || len(ids) != 0 {
		t.Fatalf("second sweep: %v %v", ids, err)
	}
	got, err := s.svc.Cancel(s.ctx, r.ID, returns.StatusInput{})
	if err != nil {
		t.Fatalf("Cancel of the expired advance exchange (the retry): %v", err)
	}
	if got.Status != returns.StatusExpired {
		t.Errorf("the retry moved the return to %s", got.Status)
	}
	if st := s.order(r.Exchange.OrderID).Status; st != order.StatusCancelled {
		t.Errorf("replacement order of the expired advance exchange is %s, want cancelled", st)
	}
	// An expired return without an advance replacement stays refused.
	o2 := s.delivered("cart-plain")
	r2 := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "plain", OrderID: o2.ID, Lines: []returns.RequestLine{
		{OrderLineID: o2.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r2.ID, returns.StatusInput{}))
	s.clock.Advance(15 * 24 * time.Hour)
	if ids, err := s.svc.SweepExpired(s.ctx, 0); err != nil || len(ids) != 1 {
		t.Fatalf("third sweep: %v %v", ids, err)
	}
	if _, err := s.svc.Cancel(s.ctx, r2.ID, returns.StatusInput{}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("Cancel of an expired plain return: %v, want an invalid transition", err)
	}
}
