package order_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
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

// TestRefundOfShippingThatIncludesItsTaxIsBoundByTheCharge: on an order
// whose prices include their tax, Refund bounded the shipping part by the
// charge plus its tax (5.00 + 0.83), though the 5.00 charge holds the
// 0.83: more shipping was refunded than the customer paid for it.
func TestRefundOfShippingThatIncludesItsTaxIsBoundByTheCharge(t *testing.T) {
	p := newPayShop(order.CaptureOnShipment)
	ctx := context.Background()
	ok := must(t)
	in := gatewayInput("tok_visa")
	in.IdempotencyKey = "cart-vat"
	in.TaxIncluded = true
	in.Lines = []order.LineInput{{SKU: "LAMP", Name: "Lamp", Quantity: 3, UnitPrice: usd("12.10"), Tax: usd("6.30")}}
	in.Discounts = nil
	in.ShippingCharge, in.ShippingTax = usd("5.00"), usd("0.83")
	o := ok(p.svc.Place(ctx, in))
	o = ok(p.svc.Confirm(ctx, o.ID))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		p.svc.RecordAllocation, p.svc.RecordFulfillment, p.svc.RecordShipment, p.svc.RecordDelivery,
	} {
		o = ok(step(ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
	}
	checkPayment(t, p, o, "41.30", "41.30", "0.00", "0.00")
	before := ok(p.svc.Get(ctx, o.ID))
	_, err := p.svc.Refund(ctx, o.ID, order.RefundInput{Key: "ship-all", Amount: usd("5.83"), Shipping: usd("5.83")})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("refunding 5.83 of a 5.00 shipping charge that holds its 0.83 tax: %v, want a validation error", err)
	}
	if d := ordertest.Diff(before, ok(p.svc.Get(ctx, o.ID))); d != "" {
		t.Errorf("the refused refund changed the order:\n%s", d)
	}
	o = ok(p.svc.Refund(ctx, o.ID, order.RefundInput{Key: "ship", Amount: usd("5.00"), Shipping: usd("5.00")}))
	checkPayment(t, p, o, "41.30", "41.30", "0.00", "5.00")
}

// lateCreate saves a new order, then reports a failure once: the
// connection dropped after the commit.
type lateCreate struct {
	*order.MemoryStore
	fail atomic.Int32
}

func (s *lateCreate) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	err := s.MemoryStore.Create(ctx, o, events)
	if err == nil && s.fail.Add(-1) >= 0 {
		return errors.New("store: connection lost after commit")
	}
	return err
}

// TestPlaceReplayedAfterItsCreateLostTheAnswerSettlesPayment: under
// CaptureOnPlacement a capture whose answer the gateway lost is saved
// pending with the new order, and settled right after the create; when
// the create took effect but reported a failure, the Place repeated with
// the key returned the saved order as it was, its capture still pending
// (the money taken at the gateway, not on the order) until some later
// command happened to settle it.
func TestPlaceReplayedAfterItsCreateLostTheAnswerSettlesPayment(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnPlacement)
	gw := &bbLateGateway{FakeGateway: p.gw}
	gw.fail.Store(1)
	store := &lateCreate{MemoryStore: p.store}
	store.fail.Store(1)
	p.svc = order.NewService(store, &order.ServiceOptions{Clock: p.clock, Gateway: gw, CapturePolicy: order.CaptureOnPlacement})
	if _, err := p.svc.Place(ctx, gatewayInput("tok_visa")); err == nil {
		t.Fatal("Place with the create failing after the commit: no error")
	}
	o, err := p.svc.Place(ctx, gatewayInput("tok_visa"))
	if err != nil {
		t.Fatalf("Place repeated: %v", err)
	}
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "0.00")
	checkPayment(t, p, must(t)(p.svc.Get(ctx, o.ID)), "55.48", "55.48", "0.00", "0.00")
}

// TestCancellingAfterAReturnRefundDoesNotRefundTheSameMoneyAgain: the
// mugs shipped and were refunded at their price (32.45, with their share
// of the 10.00 coupon); cancelling the unshipped tee then moved the whole
// coupon onto the mugs (28.88) and the settlement refunded the 3.57 the
// mugs lost as money collected beyond the grand total, though the mugs'
// refund had already given it back: 36.02 refunded of the 37.45 paid for
// mugs that all came back and 5.00 shipping that stays paid.
func TestCancellingAfterAReturnRefundDoesNotRefundTheSameMoneyAgain(t *testing.T) {
	p := newPayShop(order.CaptureOnShipment)
	ctx := context.Background()
	ok := must(t)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = ok(p.svc.Confirm(ctx, o.ID))
	mug, tee := o.Lines[0].ID, o.Lines[1].ID
	all := []order.LineQuantity{{LineID: mug, Quantity: 3}, {LineID: tee, Quantity: 1}}
	mugs := []order.LineQuantity{{LineID: mug, Quantity: 3}}
	o = ok(p.svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a1", Lines: all}))
	o = ok(p.svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f1", Lines: all}))
	o = ok(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s1", Lines: mugs}))
	o = ok(p.svc.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "d1", Lines: mugs}))
	checkPayment(t, p, o, "55.48", "37.45", "0.00", "0.00")
	o = ok(p.svc.Refund(ctx, o.ID, order.RefundInput{Key: "ret-mugs", Amount: usd("32.45"),
		Lines: []order.RefundLine{{LineID: mug, Quantity: 3, Amount: usd("32.45")}}}))
	checkPayment(t, p, o, "55.48", "37.45", "0.00", "32.45")
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: tee, Quantity: 1}}}))
	if o.Status != order.StatusCompleted {
		t.Errorf("status %s, want completed", o.Status)
	}
	// Nothing more to refund; the rest of the authorization is voided.
	checkPayment(t, p, o, "55.48", "37.45", "18.03", "32.45")
}

// TestShippedValueOfTotalsInAnotherCurrencyIsAnError: ShippedValue of
// hand-built totals whose line total, shipping or tax is in another
// currency than the totals' panicked with an internal currency mix; it
// now returns an error matching oms.ErrCurrencyMismatch.
func TestShippedValueOfTotalsInAnotherCurrencyIsAnError(t *testing.T) {
	eur := oms.MustParseMoney("5.00 EUR")
	o := &order.Order{ID: "01JORDER0000000000000000A1", Currency: oms.USD,
		Lines: []order.Line{{ID: "L1", SKU: "A", Quantity: 2, Allocated: 1, Fulfilled: 1, Shipped: 1, UnitPrice: usd("1.00")}}}
	for name, tot := range map[string]order.Totals{
		"line total": {Currency: oms.USD, Lines: []order.LineTotals{{Total: eur}}},
		"shipping":   {Currency: oms.USD, Lines: []order.LineTotals{{Total: usd("2.00")}}, Shipping: eur},
		"tax":        {Currency: oms.USD, Lines: []order.LineTotals{{Total: usd("2.00"), Tax: usd("0.10")}}, Tax: eur},
		"line tax":   {Currency: oms.USD, Lines: []order.LineTotals{{Total: usd("2.00"), Tax: eur}}, Tax: usd("0.10")},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("ShippedValue with the %s in EUR panicked: %v", name, r)
				}
			}()
			if _, err := order.ShippedValue(o, tot); !errors.Is(err, oms.ErrCurrencyMismatch) {
				t.Errorf("ShippedValue with the %s in EUR: %v, want oms.ErrCurrencyMismatch", name, err)
			}
		}()
	}
}

// TestAwaitingPaymentHoldGoesWhenAnEditLowersTheTotalBack: an edit that
// raised the total beyond the authorization added an awaiting_payment
// hold; an edit that lowered it back within the authorization left the
// hold open, so the fully authorized order could not be confirmed
// ("payment is not authorized"), and AuthorizePayment, finding nothing to
// authorize, did not release it either.
func TestAwaitingPaymentHoldGoesWhenAnEditLowersTheTotalBack(t *testing.T) {
	for _, viaAuthorize := range []bool{false, true} {
		p := newPayShop(order.CaptureOnShipment)
		ctx := context.Background()
		ok := must(t)
		o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
		o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Key: "add-cap", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("10.00")}}}))
		if !o.HasOpenHold(order.HoldAwaitingPayment) {
			t.Fatalf("no awaiting_payment hold after raising the total to %s", o.Totals.GrandTotal)
		}
		o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Key: "drop-cap", Remove: []order.LineRef{{SKU: "CAP"}}}))
		if viaAuthorize {
			o = ok(p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "auth-2", Method: "tok_visa"}))
		}
		if o.HasOpenHold(order.HoldAwaitingPayment) {
			t.Errorf("awaiting_payment hold still open with %s authorized for a total of %s (AuthorizePayment called: %v)", o.Payment.Authorized, o.Totals.GrandTotal, viaAuthorize)
		}
		if _, err := p.svc.Confirm(ctx, o.ID); err != nil {
			t.Errorf("Confirm of the fully authorized order: %v", err)
		}
		checkPayment(t, p, ok(p.svc.Get(ctx, o.ID)), "55.48", "0.00", "0.00", "0.00")
	}
}

// TestAwaitingPaymentHoldGoesWhenACancellationLowersTheTotalBack: as an
// edit lowering the total back, cancelling the units that took the total
// beyond the authorization left the awaiting_payment hold open on an
// order its authorization covers again.
func TestAwaitingPaymentHoldGoesWhenACancellationLowersTheTotalBack(t *testing.T) {
	p := newPayShop(order.CaptureOnShipment)
	ctx := context.Background()
	ok := must(t)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Key: "add-cap", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("10.00")}}}))
	if !o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Fatalf("no awaiting_payment hold after raising the total to %s", o.Totals.GrandTotal)
	}
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: o.Lines[2].ID, Quantity: 1}}}))
	if o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Errorf("awaiting_payment hold still open with %s authorized for a total of %s", o.Payment.Authorized, o.Totals.GrandTotal)
	}
	if _, err := p.svc.Confirm(ctx, o.ID); err != nil {
		t.Errorf("Confirm of the fully authorized order: %v", err)
	}
}

// TestEditDoesNotRemoveARefundedLine: Edit removed a line that Refund had
// given money back for (10.00 on the unshipped tee), and its refund went
// with it: the settlement then refunded the tee's whole total as the
// order shrank, the 10.00 a second time (31.60 refunded, 23.88 paid for
// mugs worth 33.88). A line with refunds stays; removing it is refused and
// changes nothing (cancelling its units still shrinks the order).
func TestEditDoesNotRemoveARefundedLine(t *testing.T) {
	p := newPayShop(order.CaptureOnPlacement)
	ctx := context.Background()
	ok := must(t)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa")))
	tee := o.Lines[1].ID
	o = ok(p.svc.Refund(ctx, o.ID, order.RefundInput{Key: "goodwill", Amount: usd("10.00"), Lines: []order.RefundLine{{LineID: tee, Amount: usd("10.00")}}}))
	before := ok(p.svc.Get(ctx, o.ID))
	if _, err := p.svc.Edit(ctx, o.ID, order.EditInput{Key: "drop-tee", Remove: []order.LineRef{{LineID: tee}}}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("removing the refunded tee: %v, want oms.ErrInvalidTransition", err)
	}
	if d := ordertest.Diff(before, ok(p.svc.Get(ctx, o.ID))); d != "" {
		t.Errorf("the refused edit changed the order:\n%s", d)
	}
	// Cancelling the tee instead: 55.48 paid, 33.88 owed, 21.60 back in all.
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: tee, Quantity: 1}}}))
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "21.60")
}
