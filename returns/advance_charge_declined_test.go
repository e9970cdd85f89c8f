package returns_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestDeclinedChargeOfUnreturnedUnitsDoesNotCompleteTheReturn: the card
// given to pay for the replacements of units never returned was declined;
// the charge order was left awaiting payment and the return completed as
// if paid. Resolve now fails until the charge is captured, and a retry
// with another card pays it.
func TestDeclinedChargeOfUnreturnedUnitsDoesNotCompleteTheReturn(t *testing.T) {
	s := newShop(t, nil)
	o := s.deliveredN("cart-2tees", 1, 2)
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "adv2", OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 2, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan-1", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Final: true, Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "WH1"}}}))
	s.gw.Fail(order.TxAuthorize, errors.New("card declined"))
	if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_declined"}); err == nil {
		t.Errorf("Resolve with a declined card: no error")
	}
	if got := s.ret(r.ID); got.Status == returns.StatusCompleted {
		t.Fatalf("the return completed though the charge was declined")
	}
	s.gw.Fail(order.TxAuthorize, nil)
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"}))
	if r.Status != returns.StatusCompleted || r.Exchange.ChargeOrderID == "" {
		t.Fatalf("return %s, charge order %q", r.Status, r.Exchange.ChargeOrderID)
	}
	if c := s.order(r.Exchange.ChargeOrderID); !c.Payment.Captured.Equal(r.Exchange.Difference.Due) || !r.Exchange.Difference.Due.IsPositive() {
		t.Errorf("charge order captured %s, want %s", c.Payment.Captured, r.Exchange.Difference.Due)
	}
}
