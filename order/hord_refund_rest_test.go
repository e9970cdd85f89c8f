package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// TestSettlePaymentSendsTheRestOfARefundLargerThanOneAuthorization: a
// refund larger than what any one authorization captured goes out in
// parts. When the gateway lost the answer of the first part, Refund
// returned a *PaymentError, whose doc (and Refund's) says SettlePayment
// repeats the step; SettlePayment repeated that part but never sent the
// rest, so the customer stayed short of the rest, with nothing pending,
// until someone happened to call Refund with the same key again.
func TestSettlePaymentSendsTheRestOfARefundLargerThanOneAuthorization(t *testing.T) {
	ctx := context.Background()
	gw := ordertest.NewFakeGateway()
	svc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Gateway: gw, Clock: oms.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	ok := must(t)
	o := ok(svc.Place(ctx, order.PlaceInput{Currency: oms.USD, Customer: order.Customer{Email: "a@example.com"},
		Lines:   []order.LineInput{{SKU: "A", Quantity: 3, UnitPrice: usd("20.00"), NoShipping: true}},
		Payment: order.PaymentInput{Method: "tok"}}))
	o = ok(svc.Confirm(ctx, o.ID))
	o = ok(svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "B", Quantity: 2, UnitPrice: usd("15.00"), NoShipping: true}}}))
	o = ok(svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok"}))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 2}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){svc.RecordAllocation, svc.RecordFulfillment, svc.RecordShipment} {
		o = ok(step(ctx, o.ID, order.CounterInput{Key: "k", Lines: all}))
	}
	// 60.00 captured on the first authorization, 30.00 on the second:
	// 70.00 goes out as 30.00, then 40.00.
	gw.LoseAnswers(order.TxRefund, 1)
	_, err := svc.Refund(ctx, o.ID, order.RefundInput{Key: "x", Amount: usd("70.00"), Lines: []order.RefundLine{
		{LineID: o.Lines[0].ID, Quantity: 3, Amount: usd("60.00")}, {LineID: o.Lines[1].ID, Quantity: 1, Amount: usd("10.00")}}})
	var pe *order.PaymentError
	if !errors.As(err, &pe) {
		t.Fatalf("refund with its answer lost: %v, want a *order.PaymentError", err)
	}
	o = ok(svc.SettlePayment(ctx, o.ID))
	if l := gw.Ledger(o.ID); !o.Payment.Refunded.Equal(usd("70.00")) || !l.Refunded.Equal(usd("70.00")) || o.Payment.Pending != nil {
		t.Errorf("after SettlePayment: order refunded %s, gateway %s, pending %+v; want 70.00 and nothing pending", o.Payment.Refunded, l.Refunded, o.Payment.Pending)
	}
	// A repeat of the refund sends nothing more.
	o = ok(svc.Refund(ctx, o.ID, order.RefundInput{Key: "x", Amount: usd("70.00"), Lines: []order.RefundLine{
		{LineID: o.Lines[0].ID, Quantity: 3, Amount: usd("60.00")}, {LineID: o.Lines[1].ID, Quantity: 1, Amount: usd("10.00")}}}))
	if l := gw.Ledger(o.ID); !o.Payment.Refunded.Equal(usd("70.00")) || !l.Refunded.Equal(usd("70.00")) {
		t.Errorf("after the repeat: order refunded %s, gateway %s; want 70.00", o.Payment.Refunded, l.Refunded)
	}
}
