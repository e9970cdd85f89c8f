package returns_test

import (
	"testing"

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
