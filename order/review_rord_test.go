package order_test

import (
	"context"
	"testing"

	"github.com/omskit/oms/order"
)

// TestEditAfterAnAdjustmentRefundHoldsForTheUnpaidPart: an order captured
// at placement, shrunk by a cancellation (the excess refunded as an
// adjustment) and then raised again by an edit still counted the refunded
// money as authorization: the edit added no awaiting_payment hold,
// AuthorizePayment found nothing to authorize, and the order went on
// collecting less than its grand total for good.
func TestEditAfterAnAdjustmentRefundHoldsForTheUnpaidPart(t *testing.T) {
	p := newPayShop(order.CaptureOnPlacement)
	ctx := context.Background()
	ok := must(t)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
	// 55.48 captured; cancelling the tee refunds 21.60 (total 33.88).
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}}}))
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "21.60")
	// A cap of 10.00 raises the total to 43.88: 10.00 more than collected,
	// and the first authorization has nothing left to capture.
	o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Key: "add-cap", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("10.00")}}}))
	if got := o.Totals.GrandTotal.String(); got != "43.88 USD" {
		t.Fatalf("grand total after the edit = %s, want 43.88 USD", got)
	}
	if !o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Errorf("no awaiting_payment hold after an edit raised the total 10.00 beyond what can still be collected (holds %v)", o.Holds)
	}
	o = ok(p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "auth-2", Method: "tok_visa"}))
	checkPayment(t, p, o, "65.48", "65.48", "0.00", "21.60")
	if o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Errorf("awaiting_payment hold still open after the new authorization")
	}
	collected, _ := o.Payment.Captured.Sub(o.Payment.Refunded)
	if !collected.Equal(o.Totals.GrandTotal) {
		t.Errorf("collected %s, grand total %s", collected, o.Totals.GrandTotal)
	}
}
