package returns_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestWithdrawnAdvanceExchangeCancelsItsReplacement: an advance exchange
// places the replacement order at approval. When the return was then
// cancelled, or expired with nothing sent back, the replacement order
// stayed pending, free of charge, ready to ship, while the tee it stood
// for became returnable again: a second return refunded it, and the
// customer kept both the money and the free replacement. The replacement
// order is now cancelled with the return; once it has shipped, the
// return can no longer be cancelled.
func TestWithdrawnAdvanceExchangeCancelsItsReplacement(t *testing.T) {
	for _, end := range []returns.Status{returns.StatusCancelled, returns.StatusExpired} {
		t.Run(string(end), func(t *testing.T) {
			p := returns.DefaultPolicy()
			p.AdvanceExchanges, p.ExpireAfter = true, 14*24*time.Hour
			s := newShop(t, &p)
			o := s.delivered("cart-advance")
			r := s.advanceExchange(t, o)
			if end == returns.StatusCancelled {
				for range 2 {
					r = ok[*returns.Return](t)(s.svc.Cancel(s.ctx, r.ID, returns.StatusInput{Note: "changed mind"}))
				}
			} else {
				s.clock.Advance(15 * 24 * time.Hour)
				if ids, err := s.svc.SweepExpired(s.ctx, 0); err != nil || len(ids) != 1 {
					t.Fatalf("sweep: %v %v", ids, err)
				}
				r = s.ret(r.ID)
			}
			if r.Status != end {
				t.Fatalf("return %s, want %s", r.Status, end)
			}
			if got := s.order(r.Exchange.OrderID).Status; got != order.StatusCancelled {
				t.Errorf("the replacement order of a %s advance exchange is %s, want cancelled", end, got)
			}
		})
	}

	t.Run("shipped", func(t *testing.T) {
		s := newShop(t, nil)
		o := s.delivered("cart-advance")
		r := s.advanceExchange(t, o)
		rep := ok[*order.Order](t)(s.orders.Confirm(s.ctx, r.Exchange.OrderID))
		all := []order.LineQuantity{{LineID: rep.Lines[0].ID, Quantity: 1}}
		for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
			s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment,
		} {
			ok[*order.Order](t)(step(s.ctx, rep.ID, order.CounterInput{Key: "k1", Lines: all}))
		}
		before := s.snapshot(o.ID)
		if _, err := s.svc.Cancel(s.ctx, r.ID, returns.StatusInput{}); !errors.Is(err, oms.ErrInvalidTransition) {
			t.Errorf("cancelling an advance exchange whose replacement shipped: %v, want an invalid transition", err)
		}
		if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
			t.Errorf("the refused cancel changed something:\n%s", d)
		}
		if got := s.order(rep.ID).Status; got == order.StatusCancelled {
			t.Errorf("the shipped replacement order was cancelled")
		}
	})
}

// advanceExchange requests and approves the advance exchange of the tee
// of o for a size L.
func (s *shop) advanceExchange(t *testing.T, o *order.Order) *returns.Return {
	t.Helper()
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "adv", OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if r.Exchange == nil || r.Exchange.OrderID == "" {
		t.Fatalf("advance exchange approved without a replacement order: %+v", r.Exchange)
	}
	if got := s.order(r.Exchange.OrderID).Status; got == order.StatusCancelled {
		t.Fatalf("replacement order %s", got)
	}
	return r
}

// TestExpiredAdvanceExchangeWhoseReplacementShippedKeepsItsUnits: the
// replacement of an advance exchange shipped and the customer never sent
// the tee back, so the return expired. The tee then counted as returnable
// again: a second return refunded it in full, and the customer kept the
// replacement for nothing. Its units stay taken while the replacement
// order is not cancelled.
func TestExpiredAdvanceExchangeWhoseReplacementShippedKeepsItsUnits(t *testing.T) {
	p := returns.DefaultPolicy()
	p.AdvanceExchanges, p.ExpireAfter = true, 14*24*time.Hour
	s := newShop(t, &p)
	o := s.delivered("cart-advance")
	r := s.advanceExchange(t, o)
	rep := ok[*order.Order](t)(s.orders.Confirm(s.ctx, r.Exchange.OrderID))
	all := []order.LineQuantity{{LineID: rep.Lines[0].ID, Quantity: 1}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment,
	} {
		ok[*order.Order](t)(step(s.ctx, rep.ID, order.CounterInput{Key: "k1", Lines: all}))
	}
	s.clock.Advance(15 * 24 * time.Hour)
	if ids, err := s.svc.SweepExpired(s.ctx, 0); err != nil || len(ids) != 1 {
		t.Fatalf("sweep: %v %v", ids, err)
	}
	if got := s.order(rep.ID).Status; got == order.StatusCancelled {
		t.Fatalf("the shipped replacement was cancelled")
	}
	line := []returns.RequestLine{{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}
	before := s.snapshot(o.ID)
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "again", OrderID: o.ID, Lines: line}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a second return of the exchanged tee: %v, want it refused", err)
	}
	if _, err := s.svc.Claim(s.ctx, returns.ClaimInput{Key: "claim", OrderID: o.ID, Type: returns.ClaimMissingItem,
		Lines: []returns.ClaimLine{{OrderLineID: o.Lines[1].ID, Quantity: 1}}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a claim of the exchanged tee: %v, want it refused", err)
	}
	if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
		t.Errorf("the refused requests changed something:\n%s", d)
	}
	vs := ok[[]returns.Verdict](t)(s.svc.Evaluate(s.ctx, o.ID, line, time.Time{}))
	if vs[0].Eligible || vs[0].Returnable != 0 {
		t.Errorf("Evaluate: %+v, want the tee not returnable", vs[0])
	}
}
