package returns_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestAdvanceExchangeChargesTheReplacementOfUnitsNeverReturned: an
// advance exchange of 2 tees shipped 2 replacements at approval, at no
// charge against the credit of the 2 tees to come back. Only 1 came back
// and the inspection was final: the customer kept 2 replacements and the
// second tee, and nothing was charged. Resolve now charges the
// replacement of the unit never returned (its credit) with the payment
// method, on an order of its own, once.
func TestAdvanceExchangeChargesTheReplacementOfUnitsNeverReturned(t *testing.T) {
	s := newShop(t, nil)
	o := s.deliveredN("cart-2tees", 1, 2)
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "adv2", OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 2, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	credit := r.Exchange.Difference.Credit
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan-1", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Final: true, Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "WH1"}}}))
	if r.Status != returns.StatusInspected {
		t.Fatalf("return %s, want inspected", r.Status)
	}
	before := s.snapshot(o.ID)
	if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("Resolve without a payment method though a kept replacement is due: %v, want a validation error", err)
	}
	if s.snapshot(o.ID) != before {
		t.Fatalf("the refused Resolve changed something")
	}
	// The gateway authorizes and captures the charge but the answers
	// are lost: retries charge once.
	s.gw.LoseAnswers(order.TxAuthorize, 1)
	s.gw.LoseAnswers(order.TxCapture, 1)
	for range 3 {
		_, _ = s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"})
	}
	for range 2 {
		r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"}))
	}
	if r.Status != returns.StatusCompleted {
		t.Fatalf("return %s", r.Status)
	}
	// One tee's credit: the tees' total (40.00 + 3.20 tax - their share of
	// the 10.00 off) split in two, the second unit's share.
	var oneTee oms.Money
	{
		b, err := returns.CalculateRefund(o, &returns.Policy{}, returns.CalcInput{Claim: true, Items: []returns.RefundItem{{OrderLineID: o.Lines[1].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		oneTee = ok[oms.Money](t)(credit.Sub(b.Total))
	}
	if !r.Exchange.Difference.Due.Equal(oneTee) {
		t.Errorf("due %s, want the credit of the unreturned tee %s (credit of two %s)", r.Exchange.Difference.Due, oneTee, credit)
	}
	if r.Exchange.ChargeOrderID == "" {
		t.Fatalf("no charge for the replacement kept without returning its tee: %+v", r.Exchange)
	}
	charge := s.order(r.Exchange.ChargeOrderID)
	if !charge.Payment.Captured.Equal(oneTee) {
		t.Errorf("charge order captured %s, want %s", charge.Payment.Captured, oneTee)
	}
	if l := s.gw.Ledger(charge.ID); !l.Captured.Equal(oneTee) {
		t.Errorf("gateway captured %s for the charge order, want %s", l.Captured, oneTee)
	}
	if rep := s.order(r.Exchange.OrderID); rep.Status == order.StatusCancelled {
		t.Errorf("replacement order cancelled")
	}
}
