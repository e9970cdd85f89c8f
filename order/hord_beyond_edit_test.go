package order_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestEditAfterACreditOnACancelledLineIsPaidFor: a credit (a refund of
// money alone) on the tee, then the tee cancelled: the cancellation's
// refund kept the credit back, so the authorization's rest equals the
// grand total plus the credit. An edit adding a 4.00 cap then found the
// total "covered" (the check ignored the credit the customer already got
// back), added no awaiting_payment hold, and nothing could capture the
// cap: the order completed 4.00 short. The credit is now part of what
// the authorizations must cover, so the edit waits for an authorization
// of the cap, and once authorized the cap is paid for.
func TestEditAfterACreditOnACancelledLineIsPaidFor(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	p := newPayShop(order.CaptureOnPlacement)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = ok(p.svc.Confirm(ctx, o.ID))
	mug, tee := o.Lines[0].ID, o.Lines[1].ID
	o = ok(p.svc.Refund(ctx, o.ID, order.RefundInput{Key: "goodwill", Amount: usd("5.00"), Lines: []order.RefundLine{{LineID: tee, Amount: usd("5.00")}}}))
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c", Lines: []order.LineQuantity{{LineID: tee, Quantity: 1}}}))
	o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Key: "e", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("4.00")}}}))
	if !o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Errorf("the edit raised the total to %s, which the authorizations cannot collect, without an awaiting_payment hold", o.Totals.GrandTotal)
	}
	o = ok(p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "a", Method: "tok_visa"}))
	if o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Errorf("still awaiting payment after AuthorizePayment: authorized %s", o.Payment.Authorized)
	}
	all := []order.LineQuantity{{LineID: mug, Quantity: 3}, {LineID: o.Lines[2].ID, Quantity: 1}}
	for _, key := range []string{"a", "f", "s", "d"} {
		f := map[string]func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
			"a": p.svc.RecordAllocation, "f": p.svc.RecordFulfillment, "s": p.svc.RecordShipment, "d": p.svc.RecordDelivery}[key]
		o = ok(f(ctx, o.ID, order.CounterInput{Key: key, Lines: all}))
	}
	if o.Status != order.StatusCompleted {
		t.Fatalf("status %s", o.Status)
	}
	// The shop keeps the grand total (mugs and cap): the tee's credit came
	// out of the tee's own value, given back in full by its cancellation.
	kept, _ := o.Payment.Captured.Sub(o.Payment.Refunded)
	if l := p.gw.Ledger(o.ID); !kept.Equal(o.Totals.GrandTotal) || !l.Captured.Equal(o.Payment.Captured) {
		t.Errorf("shop keeps %s, want the grand total %s (captured %s, refunded %s, gateway captured %s)",
			kept, o.Totals.GrandTotal, o.Payment.Captured, o.Payment.Refunded, l.Captured)
	}
}
