package order_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// failingUpdateStore fails the update for which fail returns true, once,
// before it takes effect.
type failingUpdateStore struct {
	*order.MemoryStore
	mu     sync.Mutex
	fail   func(o *order.Order) bool
	failed bool
}

var errRev10StoreDown = errors.New("store down")

func (s *failingUpdateStore) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	s.mu.Lock()
	fail := !s.failed && s.fail != nil && s.fail(o)
	if fail {
		s.failed = true
	}
	s.mu.Unlock()
	if fail {
		return errRev10StoreDown
	}
	return s.MemoryStore.Update(ctx, o, expected, events)
}

// TestRefundRestUnsentAfterCrashIsNotRefundedTwice: a refund sent in parts
// across two authorizations whose second part was not yet recorded (the
// store failed on that write) still counts in full against what is left
// to refund, so another refund cannot promise the same captured money
// again.
func TestRefundRestUnsentAfterCrashIsNotRefundedTwice(t *testing.T) {
	ctx := context.Background()
	store := &failingUpdateStore{MemoryStore: order.NewMemoryStore(nil)}
	gw := ordertest.NewFakeGateway()
	svc := order.NewService(store, &order.ServiceOptions{Gateway: gw, Clock: oms.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	o, err := svc.Place(ctx, order.PlaceInput{Currency: oms.USD, Customer: order.Customer{Email: "a@example.com"},
		Lines:   []order.LineInput{{SKU: "A", Quantity: 3, UnitPrice: refundUSD("20.00"), NoShipping: true}},
		Payment: order.PaymentInput{Method: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = svc.Confirm(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if o, err = svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "B", Quantity: 2, UnitPrice: refundUSD("15.00"), NoShipping: true}}}); err != nil {
		t.Fatal(err)
	}
	if o, err = svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok"}); err != nil {
		t.Fatal(err)
	}
	some := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 1}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){svc.RecordAllocation, svc.RecordFulfillment, svc.RecordShipment} {
		if o, err = step(ctx, o.ID, order.CounterInput{Key: "k", Lines: some}); err != nil {
			t.Fatal(err)
		}
	}
	// 60.00 captured on the first authorization, 15.00 on the second.
	if !o.Payment.Captured.Equal(refundUSD("75.00")) {
		t.Fatalf("captured %s", o.Payment.Captured)
	}
	// 70.00 is more than either authorization captured: 15.00 goes first,
	// the store fails on the write that would send the other 55.00.
	store.mu.Lock()
	store.fail = func(o *order.Order) bool {
		p := o.Payment.Pending
		return p != nil && p.Kind == order.TxRefund && p.Amount.Equal(refundUSD("55.00"))
	}
	store.mu.Unlock()
	x := order.RefundInput{Key: "x", Amount: refundUSD("70.00"), Lines: []order.RefundLine{
		{LineID: o.Lines[0].ID, Quantity: 3, Amount: refundUSD("60.00")}, {LineID: o.Lines[1].ID, Quantity: 1, Amount: refundUSD("10.00")}}}
	if _, err := svc.Refund(ctx, o.ID, x); !errors.Is(err, errRev10StoreDown) {
		t.Fatalf("refund x: %v, want the store failure", err)
	}
	before, err := store.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 75.00 captured, 70.00 promised by x: only 5.00 is left to refund.
	y := order.RefundInput{Key: "y", Amount: refundUSD("20.00"), Lines: []order.RefundLine{
		{LineID: o.Lines[1].ID, Quantity: 0, Amount: refundUSD("20.00")}}}
	if _, err := svc.Refund(ctx, o.ID, y); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("refund y of 20.00 with 5.00 left: %v, want a validation error", err)
	}
	if after, err := store.Get(ctx, o.ID); err != nil || after.Version != before.Version {
		t.Errorf("refused refund changed the order: %v, version %d (was %d)", err, after.Version, before.Version)
	}
	// The retry of x sends its rest; the books agree with the gateway.
	if o, err = svc.Refund(ctx, o.ID, x); err != nil {
		t.Fatal(err)
	}
	recorded := o.RefundedShipping
	for _, l := range o.Lines {
		if l.RefundedAmount.Currency() != "" {
			recorded, _ = recorded.Add(l.RefundedAmount)
		}
	}
	if !o.Payment.Refunded.Equal(refundUSD("70.00")) || !recorded.Equal(refundUSD("70.00")) || !gw.Ledger(o.ID).Refunded.Equal(refundUSD("70.00")) {
		t.Errorf("refunded: order %s, recorded on lines %s, gateway %s; want 70.00 each", o.Payment.Refunded, recorded, gw.Ledger(o.ID).Refunded)
	}
}

// TestCaptureAtPlacementLostAnswerCapturesOnce: under CaptureOnPlacement
// a gateway that captured at placement but lost its answer leaves the
// capture to be repeated with its own key, so the order records the money
// the gateway took, once, and the order can then be cancelled and
// refunded in full.
func TestCaptureAtPlacementLostAnswerCapturesOnce(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnPlacement)
	gw := &bbLateGateway{FakeGateway: p.gw}
	gw.fail.Store(1)
	p.svc = order.NewService(p.store, &order.ServiceOptions{Clock: p.clock, Gateway: gw, CapturePolicy: order.CaptureOnPlacement})
	o, err := p.svc.Place(ctx, gatewayInput("tok_visa"))
	if err != nil {
		// A *PaymentError is fine; then SettlePayment finishes the step.
		var pe *order.PaymentError
		if !errors.As(err, &pe) || o == nil {
			t.Fatalf("Place: %v", err)
		}
	}
	o = must(t)(p.svc.SettlePayment(ctx, o.ID))
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "0.00")
	o = must(t)(p.svc.Cancel(ctx, o.ID, order.CancelInput{Reason: "customer asked"}))
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "55.48")
	captures := 0
	for _, c := range p.gw.Calls() {
		if c.Kind == order.TxCapture && !c.Replay {
			captures++
		}
	}
	if captures != 1 {
		t.Errorf("%d captures reached the gateway, want 1", captures)
	}
}
