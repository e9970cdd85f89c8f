package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestRefundWhileAnEditAwaitsPaymentGivesBackNoMoneyNeverCollected: an
// edit that adds units moves part of the order discount off the shipped
// tee, so the tee's total rises above what was collected for it while the
// edit waits for its authorization. A refund of the tee at that total was
// accepted (it was within the line's total and the money captured for the
// whole order); cancelling the added unit then moved the discount back,
// and the order completed having given back 3.40 more than the customer
// paid for the tee, with no authorization left to collect it. While the
// authorizations do not cover the grand total a refund is refused
// (oms.ErrOnHold) and changes nothing; once they do, it goes through.
func TestRefundWhileAnEditAwaitsPaymentGivesBackNoMoneyNeverCollected(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	p := newPayShop(order.CaptureOnPlacement)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa"))) // 55.48 captured
	o = ok(p.svc.Confirm(ctx, o.ID))
	mug, tee := o.Lines[0].ID, o.Lines[1].ID
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: mug, Quantity: 3}}}))
	one := []order.LineQuantity{{LineID: tee, Quantity: 1}}
	for _, f := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){p.svc.RecordAllocation, p.svc.RecordFulfillment, p.svc.RecordShipment} {
		o = ok(f(ctx, o.ID, order.CounterInput{Key: "k", Lines: one}))
	}
	paidTee := o.Totals.Lines[1].Total // 11.60: the whole order discount is on the tee
	o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Key: "e1", Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: mug}, Quantity: 4}}}))
	if !o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Fatalf("the edit raised the total to %s without an awaiting_payment hold", o.Totals.GrandTotal)
	}
	in := order.RefundInput{Key: "r1", Amount: usd("15.00"), Lines: []order.RefundLine{{LineID: tee, Quantity: 1, Amount: usd("15.00")}}}
	_, err := p.svc.Refund(ctx, o.ID, in)
	if !errors.Is(err, oms.ErrOnHold) {
		t.Fatalf("refund of the tee at %s (paid %s) while the edit awaits payment: %v, want oms.ErrOnHold", o.Totals.Lines[1].Total, paidTee, err)
	}
	if now := ok(p.svc.Get(ctx, o.ID)); now.Version != o.Version {
		t.Errorf("the refused refund changed the order: version %d, want %d", now.Version, o.Version)
	}
	// Once the edit is paid for, the tee refunds at its total.
	o = ok(p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "a1", Method: "tok_visa"}))
	o = ok(p.svc.Refund(ctx, o.ID, in))
	// The added unit cancelled again: the customer pays for nothing and
	// keeps nothing but what the refunds and adjustments gave back.
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c2", Lines: []order.LineQuantity{{LineID: mug, Quantity: 1}}}))
	o = ok(p.svc.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "d", Lines: one}))
	kept, _ := o.Payment.Captured.Sub(o.Payment.Refunded)
	// The tee refunded 15.00 of a line now worth 11.60: the shop keeps
	// the grand total less 11.60.
	want, _ := o.Totals.GrandTotal.Sub(paidTee)
	if l := p.gw.Ledger(o.ID); !kept.Equal(want) || !l.Refunded.Equal(o.Payment.Refunded) {
		t.Errorf("shop keeps %s, want %s (grand total %s less the tee's %s); gateway refunded %s, order %s",
			kept, want, o.Totals.GrandTotal, paidTee, l.Refunded, o.Payment.Refunded)
	}
}
