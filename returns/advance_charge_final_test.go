package returns_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/omskit/oms"

	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// advanceKeepingOneTee runs an advance exchange of 2 tees of which only 1
// comes back, resolved: the replacement of the other is charged on the
// charge order.
func advanceKeepingOneTee(t *testing.T, s *shop) (*order.Order, *returns.Return) {
	t.Helper()
	o := s.deliveredN("cart-2tees", 1, 2)
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "adv2", OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 2, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan-1", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Final: true, Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "WH1"}}}))
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"}))
	if r.Status != returns.StatusCompleted || r.Exchange == nil || r.Exchange.ChargeOrderID == "" {
		t.Fatalf("return %s, exchange %+v: want completed with a charge order", r.Status, r.Exchange)
	}
	return o, r
}

// TestChargeOfUnreturnedUnitsCannotBeCancelledAndRefunded: the charge
// order of an advance exchange's replacements never returned was left
// pending, so an ordinary Cancel (by the customer, or a host cancelling
// pending orders) refunded the charge while the return stayed completed.
// It ships nothing: it is completed with the return, and a Cancel is
// refused and refunds nothing.
func TestChargeOfUnreturnedUnitsCannotBeCancelledAndRefunded(t *testing.T) {
	s := newShop(t, nil)
	_, r := advanceKeepingOneTee(t, s)
	id := r.Exchange.ChargeOrderID
	due := r.Exchange.Difference.Due
	if c := s.order(id); c.Status != order.StatusCompleted {
		t.Errorf("charge order %s, want completed (nothing ships for it)", c.Status)
	}
	_, _ = s.orders.Cancel(s.ctx, id, order.CancelInput{Reason: "x", By: "customer"})
	c := s.order(id)
	if c.Status == order.StatusCancelled {
		t.Errorf("the charge order was cancelled")
	}
	if c.Payment.Refunded.IsPositive() {
		t.Errorf("the charge order refunded %s of %s", c.Payment.Refunded, due)
	}
	if l := s.gw.Ledger(id); !l.Captured.Equal(due) || l.Refunded.IsPositive() {
		t.Errorf("gateway captured %s, refunded %s for the charge; want %s, none", l.Captured, l.Refunded, due)
	}
	// A retried Resolve of the completed return changes nothing.
	v := s.order(id).Version
	ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"}))
	if got := s.order(id).Version; got != v {
		t.Errorf("a retried Resolve moved the charge order from version %d to %d", v, got)
	}
}

// TestReturnedReplacementsRefundTheirChargeForUnitsNeverReturned: an
// advance exchange of 2 tees, 1 came back, the other's replacement was
// charged (17.76) on the charge order. When the customer then returned
// both replacements for a refund, only the credit of the tee that came
// back (17.75) was refunded, never the charge: they kept a mug and one
// tee having paid for the mug and two tees. The replacements' refund now
// gives back what was paid for them, on the original order (the credit)
// and on the charge order (the charge), once.
func TestReturnedReplacementsRefundTheirChargeForUnitsNeverReturned(t *testing.T) {
	returnReplacementsInBatches(t, 2)
}

// returnReplacementsInBatches returns the 2 replacements of
// advanceKeepingOneTee in returns of the given sizes and checks that
// they refunded, over all orders, exactly what was paid for them, the
// charge included.
func returnReplacementsInBatches(t *testing.T, batches ...int64) {
	t.Helper()
	s := newShop(t, nil)
	o, x := advanceKeepingOneTee(t, s)
	paid := ok[oms.Money](t)(x.Exchange.Difference.Credit.Add(x.Exchange.Difference.Due))
	rep := s.order(x.Exchange.OrderID)
	if rep.Status == order.StatusPending {
		rep = ok[*order.Order](t)(s.orders.Confirm(s.ctx, rep.ID))
	}
	all := []order.LineQuantity{{LineID: rep.Lines[0].ID, Quantity: 2}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
	} {
		if _, err := step(s.ctx, rep.ID, order.CounterInput{Key: "k1", Lines: all}); err != nil && !errors.Is(err, oms.ErrValidation) {
			t.Fatal(err)
		}
	}
	rep = s.order(rep.ID)
	if rep.Lines[0].Delivered != 2 {
		t.Fatalf("replacement line delivered %d, want 2", rep.Lines[0].Delivered)
	}
	refunded := func() oms.Money {
		sum := oms.Zero(oms.USD)
		for _, id := range []oms.ID{o.ID, rep.ID, x.Exchange.ChargeOrderID} {
			if m := s.order(id).Payment.Refunded; m.Currency() != "" {
				sum = ok[oms.Money](t)(sum.Add(m))
			}
		}
		return sum
	}
	before := refunded()
	for i, n := range batches {
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: fmt.Sprint("back-", i), OrderID: rep.ID, Lines: []returns.RequestLine{
			{OrderLineID: rep.Lines[0].ID, Quantity: n, Reason: returns.ReasonDoesntFit}}}))
		r = s.receiveAndInspect(t, r)
		for range 2 {
			r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
		}
		if r.Status != returns.StatusCompleted {
			t.Fatalf("return of the replacements %s", r.Status)
		}
	}
	got := ok[oms.Money](t)(refunded().Sub(before))
	if !got.Equal(paid) {
		t.Errorf("returning both replacements (%v) refunded %s, want what was paid for them %s", batches, got, paid)
	}
	c := s.order(x.Exchange.ChargeOrderID)
	if c.Payment.Refunded.Currency() == "" || !c.Payment.Refunded.Equal(x.Exchange.Difference.Due) {
		t.Errorf("charge order refunded %v, want its charge %s", c.Payment.Refunded, x.Exchange.Difference.Due)
	}
}

// TestReplacementsReturnedOneByOneLoseNoCentToANegativeUnitValue: the
// replacement's discounts, split per unit, value its first unit at -0.01
// (3.85 + 16.16 off 20.00), which CalculateRefund gives a restocking fee
// of -0.01; the credit share then took 0.01 as the fee the replacement's
// refund "could not deduct", though no fee was due: returned one at a
// time, 2 replacements refunded 35.49 of the 35.51 paid.
func TestReplacementsReturnedOneByOneLoseNoCentToANegativeUnitValue(t *testing.T) {
	returnReplacementsInBatches(t, 1, 1)
}
