package order_test

import (
	"context"
	"testing"

	"github.com/omskit/oms/order"
)

// TestCreditOnALineCancelledLaterIsNotGivenTwiceUnderEitherPolicy: a
// Refund of money alone (no unit) on a line not shipped yet, then the
// cancellation of that line: the customer keeps the shipped mugs and pays
// for them what the order now totals, the credit given on the cancelled
// line counted against the line's value given back. Under
// CaptureOnPlacement the cancellation's refund gives back the line's
// value less the credit; under CaptureOnShipment the capture target was
// the shipped value alone, so the authorization's rest was voided and the
// customer kept the credit on top of not paying for the line.
func TestCreditOnALineCancelledLaterIsNotGivenTwiceUnderEitherPolicy(t *testing.T) {
	ctx := context.Background()
	for _, policy := range []order.CapturePolicy{order.CaptureOnPlacement, order.CaptureOnShipment} {
		t.Run(string(policy), func(t *testing.T) {
			ok := must(t)
			p := newPayShop(policy)
			o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
			o = ok(p.svc.Confirm(ctx, o.ID))
			mug, tee := o.Lines[0].ID, o.Lines[1].ID
			mugs := []order.LineQuantity{{LineID: mug, Quantity: 3}}
			o = ok(p.svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a", Lines: mugs}))
			o = ok(p.svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: mugs}))
			o = ok(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s", Lines: mugs}))
			o = ok(p.svc.Refund(ctx, o.ID, order.RefundInput{Key: "goodwill", Amount: usd("5.00"), Lines: []order.RefundLine{{LineID: tee, Amount: usd("5.00")}}}))
			o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c", Lines: []order.LineQuantity{{LineID: tee, Quantity: 1}}}))
			o = ok(p.svc.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "d", Lines: mugs}))
			if o.Status != order.StatusCompleted {
				t.Fatalf("status %s, want completed", o.Status)
			}
			// The mugs cost the grand total now; the tee cost nothing, and
			// its 5.00 credit came out of what the tee's cancellation gives
			// back: the shop keeps the grand total.
			kept, _ := o.Payment.Captured.Sub(o.Payment.Refunded)
			l := p.gw.Ledger(o.ID)
			gwKept, _ := l.Captured.Sub(l.Refunded)
			if !kept.Equal(o.Totals.GrandTotal) || !gwKept.Equal(kept) {
				t.Errorf("shop keeps %s (gateway %s), want the grand total %s; payment %s captured, %s refunded, %s voided",
					kept, gwKept, o.Totals.GrandTotal, o.Payment.Captured, o.Payment.Refunded, o.Payment.Voided)
			}
		})
	}
}
