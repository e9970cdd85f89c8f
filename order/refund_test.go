package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/shopspring/decimal"
)

func refundUSD(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// refundShop is a service with a fake gateway and an order whose two
// lines (3 mugs: line total 32.45; 1 tee: 18.03; shipping 5.00) are
// shipped and delivered, 55.48 captured.
type refundShop struct {
	svc   *order.Service
	store *order.MemoryStore
	gw    order.PaymentGateway
	fake  *ordertest.FakeGateway
	o     *order.Order
}

func newRefundShop(t *testing.T, wrap func(*ordertest.FakeGateway) order.PaymentGateway) *refundShop {
	t.Helper()
	ctx := context.Background()
	r := &refundShop{store: order.NewMemoryStore(nil), fake: ordertest.NewFakeGateway()}
	r.gw = r.fake
	if wrap != nil {
		r.gw = wrap(r.fake)
	}
	clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
	r.svc = order.NewService(r.store, &order.ServiceOptions{Clock: clock, Gateway: r.gw})
	in := order.PlaceInput{
		IdempotencyKey: "refund-cart",
		Currency:       oms.USD,
		Customer:       order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "Springfield",
			Region: "IL", PostalCode: "62701", Country: "US"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: 3, UnitPrice: refundUSD("12.00"), Tax: refundUSD("2.88")},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 1, UnitPrice: refundUSD("20.00"), Tax: refundUSD("1.60")},
		},
		Discounts:      []order.Discount{{Code: "WELCOME10", Amount: refundUSD("10.00")}},
		ShippingCharge: refundUSD("5.00"),
		Payment:        order.PaymentInput{Method: "tok_visa"},
	}
	o, err := r.svc.Place(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if o, err = r.svc.Confirm(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 1}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		r.svc.RecordAllocation, r.svc.RecordFulfillment, r.svc.RecordShipment, r.svc.RecordDelivery,
	} {
		if o, err = step(ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}); err != nil {
			t.Fatal(err)
		}
	}
	if !o.Payment.Captured.Equal(refundUSD("55.48")) || o.Status != order.StatusCompleted {
		t.Fatalf("setup: captured %s, status %s", o.Payment.Captured, o.Status)
	}
	r.o = o
	return r
}

func (r *refundShop) reload(t *testing.T) *order.Order {
	t.Helper()
	o, err := r.store.Get(context.Background(), r.o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (r *refundShop) refundCalls() int {
	n := 0
	for _, c := range r.fake.Calls() {
		if c.Kind == order.TxRefund && !c.Replay {
			n++
		}
	}
	return n
}

func mugRefund(key string, o *order.Order) order.RefundInput {
	return order.RefundInput{Key: key, Amount: refundUSD("10.82"), Reason: "returned",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, Amount: refundUSD("10.82")}}}
}

func TestRefundRecordsBreakdownAndRefundsOnce(t *testing.T) {
	r := newRefundShop(t, nil)
	ctx := context.Background()
	o, err := r.svc.Refund(ctx, r.o.ID, mugRefund("ret-1", r.o))
	if err != nil {
		t.Fatal(err)
	}
	if !o.Payment.Refunded.Equal(refundUSD("10.82")) || o.Payment.Pending != nil || !o.Payment.Adjusted.IsZero() {
		t.Errorf("payment refunded %s adjusted %s pending %v", o.Payment.Refunded, o.Payment.Adjusted, o.Payment.Pending)
	}
	if l := o.Lines[0]; l.Refunded != 1 || !l.RefundedAmount.Equal(refundUSD("10.82")) {
		t.Errorf("mug line refunded %d units, %s", l.Refunded, l.RefundedAmount)
	}
	if got := r.fake.Ledger(o.ID).Refunded; !got.Equal(refundUSD("10.82")) {
		t.Errorf("gateway refunded %s", got)
	}
	// The event carries the breakdown.
	var found bool
	for _, e := range r.store.Outbox().Events(o.ID) {
		if e.Type != order.EventRefunded {
			continue
		}
		found = true
		var p order.RefundedPayload
		if err := e.Decode(&p); err != nil {
			t.Fatal(err)
		}
		want := order.RefundedPayload{Key: "ret-1", Amount: refundUSD("10.82"), Shipping: refundUSD("0.00"), Reason: "returned",
			Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, Amount: refundUSD("10.82")}}, PaymentKey: order.RefundPaymentKey(o.ID, "ret-1")}
		if d := cmp.Diff(want, p, cmp.Comparer(func(a, b oms.Money) bool { return a.Equal(b) && a.Currency() == b.Currency() })); d != "" {
			t.Errorf("payload (-want +got):\n%s", d)
		}
	}
	if !found {
		t.Error("no order.refunded event")
	}
	// A replay changes nothing and calls no gateway.
	version, calls := o.Version, len(r.fake.Calls())
	again, err := r.svc.Refund(ctx, r.o.ID, mugRefund("ret-1", r.o))
	if err != nil || again.Version != version || len(r.fake.Calls()) != calls {
		t.Errorf("replay: version %d (was %d), %d new calls, err %v", again.Version, version, len(r.fake.Calls())-calls, err)
	}
	// The same key with other content is a duplicate.
	other := mugRefund("ret-1", r.o)
	other.Reason = "another"
	if _, err := r.svc.Refund(ctx, r.o.ID, other); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("same key, other content: %v", err)
	}
	// Refund the rest, shipping included: everything captured comes back.
	rest := order.RefundInput{Key: "ret-2", Amount: refundUSD("44.66"), Shipping: refundUSD("5.00"),
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 2, Amount: refundUSD("21.63")}, {LineID: o.Lines[1].ID, Quantity: 1, Amount: refundUSD("18.03")}}}
	if o, err = r.svc.Refund(ctx, r.o.ID, rest); err != nil {
		t.Fatal(err)
	}
	if !o.Payment.Refunded.Equal(o.Payment.Captured) || !o.RefundedShipping.Equal(refundUSD("5.00")) {
		t.Errorf("refunded %s of %s captured, shipping %s", o.Payment.Refunded, o.Payment.Captured, o.RefundedShipping)
	}
	if r.refundCalls() != 2 {
		t.Errorf("%d refund calls reached the gateway, want 2", r.refundCalls())
	}
}

// lossyGateway takes the money and then loses the answer, once.
type lossyGateway struct {
	*ordertest.FakeGateway
	mu   sync.Mutex
	lose int
}

func (g *lossyGateway) Refund(ctx context.Context, req order.RefundRequest) (order.PaymentResult, error) {
	res, err := g.FakeGateway.Refund(ctx, req)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil && g.lose > 0 {
		g.lose--
		return order.PaymentResult{}, errors.New("gateway timeout after the refund went through")
	}
	return res, err
}

func TestRefundRetriedAfterGatewayTookMoneyRefundsOnce(t *testing.T) {
	var lossy *lossyGateway
	r := newRefundShop(t, func(f *ordertest.FakeGateway) order.PaymentGateway {
		lossy = &lossyGateway{FakeGateway: f, lose: 1}
		return lossy
	})
	ctx := context.Background()
	_, err := r.svc.Refund(ctx, r.o.ID, mugRefund("ret-1", r.o))
	var pe *order.PaymentError
	if !errors.As(err, &pe) || pe.Operation != "refund" {
		t.Fatalf("first refund: %v, want a *PaymentError", err)
	}
	o := r.reload(t)
	if o.Payment.Pending == nil || !o.Payment.Refunded.IsZero() || o.Lines[0].Refunded != 1 {
		t.Fatalf("after the lost answer: pending %v, refunded %s, line refunded %d", o.Payment.Pending, o.Payment.Refunded, o.Lines[0].Refunded)
	}
	if got := r.fake.Ledger(o.ID).Refunded; !got.Equal(refundUSD("10.82")) {
		t.Fatalf("the gateway should have taken the money: %s", got)
	}
	// The retry repeats the gateway call with the same key: no new money moves.
	if o, err = r.svc.Refund(ctx, r.o.ID, mugRefund("ret-1", r.o)); err != nil {
		t.Fatal(err)
	}
	if !o.Payment.Refunded.Equal(refundUSD("10.82")) || o.Payment.Pending != nil || o.Lines[0].Refunded != 1 {
		t.Errorf("after retry: refunded %s pending %v line %d", o.Payment.Refunded, o.Payment.Pending, o.Lines[0].Refunded)
	}
	if got := r.fake.Ledger(o.ID).Refunded; !got.Equal(refundUSD("10.82")) {
		t.Errorf("gateway refunded %s, want 10.82 once", got)
	}
	if r.refundCalls() != 1 {
		t.Errorf("%d refunds moved money at the gateway", r.refundCalls())
	}
}

func TestRefundGatewayDownThenRetried(t *testing.T) {
	r := newRefundShop(t, nil)
	ctx := context.Background()
	r.fake.Fail(order.TxRefund, errors.New("processor down"))
	if _, err := r.svc.Refund(ctx, r.o.ID, mugRefund("ret-1", r.o)); err == nil {
		t.Fatal("refund with the gateway down succeeded")
	}
	// Another refund while the first is pending waits for it: the pending
	// one is settled first, and the gateway is still down.
	second := order.RefundInput{Key: "ret-2", Amount: refundUSD("18.03"),
		Lines: []order.RefundLine{{LineID: r.o.Lines[1].ID, Quantity: 1, Amount: refundUSD("18.03")}}}
	if _, err := r.svc.Refund(ctx, r.o.ID, second); err == nil {
		t.Fatal("second refund with the gateway down succeeded")
	}
	r.fake.Fail(order.TxRefund, nil)
	o, err := r.svc.Refund(ctx, r.o.ID, second)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Payment.Refunded.Equal(refundUSD("28.85")) || !r.fake.Ledger(o.ID).Refunded.Equal(refundUSD("28.85")) {
		t.Errorf("refunded %s, gateway %s", o.Payment.Refunded, r.fake.Ledger(o.ID).Refunded)
	}
}

func TestRefundBadInputChangesNothing(t *testing.T) {
	r := newRefundShop(t, nil)
	ctx := context.Background()
	// A first refund, so that the bounds count what was refunded already.
	if _, err := r.svc.Refund(ctx, r.o.ID, mugRefund("first", r.o)); err != nil {
		t.Fatal(err)
	}
	mug, tee := r.o.Lines[0].ID, r.o.Lines[1].ID
	huge, _ := oms.NewMoney(decimal.New(1, 300), oms.USD)
	line := func(id oms.ID, q int64, amt string) []order.RefundLine {
		return []order.RefundLine{{LineID: id, Quantity: q, Amount: refundUSD(amt)}}
	}
	cases := []struct {
		name string
		in   order.RefundInput
		kind error
	}{
		{"no key", order.RefundInput{Amount: refundUSD("1.00"), Lines: line(mug, 0, "1.00")}, oms.ErrValidation},
		{"bad key", order.RefundInput{Key: "has space", Amount: refundUSD("1.00"), Lines: line(mug, 0, "1.00")}, oms.ErrValidation},
		{"no amount", order.RefundInput{Key: "k", Lines: line(mug, 0, "1.00")}, oms.ErrValidation},
		{"zero amount", order.RefundInput{Key: "k", Amount: refundUSD("0"), Lines: line(mug, 0, "0")}, oms.ErrValidation},
		{"negative amount", order.RefundInput{Key: "k", Amount: refundUSD("-1.00"), Lines: line(mug, 0, "-1.00")}, oms.ErrValidation},
		{"unrounded amount", order.RefundInput{Key: "k", Amount: refundUSD("1.005"), Lines: line(mug, 0, "1.005")}, oms.ErrValidation},
		{"other currency", order.RefundInput{Key: "k", Amount: oms.MustParseMoney("1.00 EUR"), Lines: []order.RefundLine{{LineID: mug, Amount: oms.MustParseMoney("1.00 EUR")}}}, oms.ErrCurrencyMismatch},
		{"not the sum", order.RefundInput{Key: "k", Amount: refundUSD("2.00"), Lines: line(mug, 0, "1.00")}, oms.ErrValidation},
		{"no parts", order.RefundInput{Key: "k", Amount: refundUSD("2.00")}, oms.ErrValidation},
		{"unknown line", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line("nope", 0, "1.00")}, oms.ErrValidation},
		{"no line id", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line("", 0, "1.00")}, oms.ErrValidation},
		{"line twice", order.RefundInput{Key: "k", Amount: refundUSD("2.00"), Lines: append(line(mug, 0, "1.00"), line(mug, 0, "1.00")...)}, oms.ErrValidation},
		{"empty line", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Shipping: refundUSD("1.00"), Lines: line(tee, 0, "0")}, oms.ErrValidation},
		{"more units than shipped", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line(tee, 2, "1.00")}, oms.ErrValidation},
		{"units already refunded", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line(mug, 3, "1.00")}, oms.ErrValidation},
		{"negative quantity", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line(mug, -1, "1.00")}, oms.ErrValidation},
		{"MaxInt64 quantity", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line(mug, math.MaxInt64, "1.00")}, oms.ErrValidation},
		{"line amount beyond its total", order.RefundInput{Key: "k", Amount: refundUSD("18.04"), Lines: line(tee, 1, "18.04")}, oms.ErrValidation},
		{"line amount beyond what is left", order.RefundInput{Key: "k", Amount: refundUSD("21.64"), Lines: line(mug, 2, "21.64")}, oms.ErrValidation},
		{"shipping beyond", order.RefundInput{Key: "k", Amount: refundUSD("5.01"), Shipping: refundUSD("5.01")}, oms.ErrValidation},
		{"1e300", order.RefundInput{Key: "k", Amount: huge, Lines: []order.RefundLine{{LineID: tee, Quantity: 1, Amount: huge}}}, oms.ErrValidation},
		{"negative order version", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line(mug, 0, "1.00"), OrderVersion: -1}, oms.ErrValidation},
		{"reason too long", order.RefundInput{Key: "k", Amount: refundUSD("1.00"), Lines: line(mug, 0, "1.00"), Reason: string(make([]byte, 600))}, oms.ErrValidation},
		{"key used for another refund", order.RefundInput{Key: "first", Amount: refundUSD("1.00"), Lines: line(tee, 0, "1.00")}, oms.ErrDuplicate},
	}
	before := r.reload(t)
	beforeJSON, _ := json.Marshal(before)
	calls := len(r.fake.Calls())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.svc.Refund(ctx, r.o.ID, c.in)
			if !errors.Is(err, c.kind) {
				t.Fatalf("err = %v, want %v", err, c.kind)
			}
			after := r.reload(t)
			afterJSON, _ := json.Marshal(after)
			if d := cmp.Diff(string(beforeJSON), string(afterJSON)); d != "" {
				t.Errorf("refused refund changed the order (-before +after):\n%s", d)
			}
		})
	}
	if len(r.fake.Calls()) != calls {
		t.Errorf("refused refunds reached the gateway %d times", len(r.fake.Calls())-calls)
	}
	stale := mugRefund("stale", r.o)
	stale.OrderVersion = r.o.Version
	if _, err := r.svc.Refund(ctx, r.o.ID, stale); !errors.Is(err, oms.ErrConflict) {
		t.Errorf("refund computed from an old version: %v", err)
	}
	if _, err := r.svc.Refund(ctx, "01HZZZZZZZZZZZZZZZZZZZZZZZ", mugRefund("x", r.o)); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
}

func TestRefundBeyondCapturedRefused(t *testing.T) {
	// Capture on shipment: only the shipped mug is captured, so a refund
	// of the unshipped tee's value is beyond what was captured.
	ctx := context.Background()
	store := order.NewMemoryStore(nil)
	gw := ordertest.NewFakeGateway()
	svc := order.NewService(store, &order.ServiceOptions{Gateway: gw, Clock: oms.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	o, err := svc.Place(ctx, order.PlaceInput{Currency: oms.USD, Customer: order.Customer{Email: "a@example.com"},
		Lines:   []order.LineInput{{SKU: "A", Quantity: 2, UnitPrice: refundUSD("10.00"), NoShipping: true}},
		Payment: order.PaymentInput{Method: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	o, _ = svc.Confirm(ctx, o.ID)
	one := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}
	two := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}
	o, _ = svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a", Lines: two})
	o, _ = svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: two})
	if o, err = svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s", Lines: one}); err != nil {
		t.Fatal(err)
	}
	if !o.Payment.Captured.Equal(refundUSD("10.00")) {
		t.Fatalf("captured %s", o.Payment.Captured)
	}
	_, err = svc.Refund(ctx, o.ID, order.RefundInput{Key: "r", Amount: refundUSD("10.01"),
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, Amount: refundUSD("10.01")}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("refund beyond the shipped part: %v", err)
	}
	if o, err = svc.Refund(ctx, o.ID, order.RefundInput{Key: "r", Amount: refundUSD("10.00"),
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, Amount: refundUSD("10.00")}}}); err != nil {
		t.Fatal(err)
	}
	// Nothing more was captured: a further refund is beyond captured minus refunded.
	_, err = svc.Refund(ctx, o.ID, order.RefundInput{Key: "r2", Amount: refundUSD("0.01"),
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Amount: refundUSD("0.01")}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("refund beyond captured: %v", err)
	}
	// Without a gateway there is nothing to refund through.
	plain := order.NewService(store, nil)
	if _, err := plain.Refund(ctx, o.ID, order.RefundInput{Key: "r3"}); !errors.Is(err, oms.ErrUnsupported) {
		t.Errorf("no gateway: %v", err)
	}
}

func TestConcurrentRefundsOfOneOrder(t *testing.T) {
	r := newRefundShop(t, nil)
	ctx := context.Background()
	ins := []order.RefundInput{
		mugRefund("a", r.o),
		{Key: "b", Amount: refundUSD("18.03"), Lines: []order.RefundLine{{LineID: r.o.Lines[1].ID, Quantity: 1, Amount: refundUSD("18.03")}}},
		{Key: "c", Amount: refundUSD("5.00"), Shipping: refundUSD("5.00")},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ins)*2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = r.svc.Refund(ctx, r.o.ID, ins[i%len(ins)])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("refund %d: %v", i, err)
		}
	}
	o, err := r.svc.SettlePayment(ctx, r.o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Payment.Refunded.Equal(refundUSD("33.85")) || !r.fake.Ledger(o.ID).Refunded.Equal(refundUSD("33.85")) || r.refundCalls() != 3 {
		t.Errorf("refunded %s (gateway %s) in %d calls, want 33.85 in 3", o.Payment.Refunded, r.fake.Ledger(o.ID).Refunded, r.refundCalls())
	}
}

// TestRefundAcrossAuthorizations: an order authorized twice (55.48, then
// 8.00 after an edit) and captured on both; a refund of everything is
// sent in two parts, each within its authorization.
func TestRefundAcrossAuthorizations(t *testing.T) {
	ctx := context.Background()
	store := order.NewMemoryStore(nil)
	gw := ordertest.NewFakeGateway()
	flaky := &flakyGateway{FakeGateway: gw}
	svc := order.NewService(store, &order.ServiceOptions{Gateway: flaky, Clock: oms.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	o, err := svc.Place(ctx, order.PlaceInput{Currency: oms.USD, Customer: order.Customer{Email: "a@example.com"},
		Lines:   []order.LineInput{{SKU: "A", Quantity: 2, UnitPrice: refundUSD("27.74"), NoShipping: true}},
		Payment: order.PaymentInput{Method: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	o, _ = svc.Confirm(ctx, o.ID)
	if o, err = svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "B", Quantity: 1, UnitPrice: refundUSD("8.00"), NoShipping: true}}}); err != nil {
		t.Fatal(err)
	}
	if o, err = svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok"}); err != nil {
		t.Fatal(err)
	}
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}, {LineID: o.Lines[1].ID, Quantity: 1}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){svc.RecordAllocation, svc.RecordFulfillment, svc.RecordShipment} {
		if o, err = step(ctx, o.ID, order.CounterInput{Key: "k", Lines: all}); err != nil {
			t.Fatal(err)
		}
	}
	if !o.Payment.Captured.Equal(refundUSD("63.48")) {
		t.Fatalf("captured %s", o.Payment.Captured)
	}
	in := order.RefundInput{Key: "everything", Amount: refundUSD("63.48"), Lines: []order.RefundLine{
		{LineID: o.Lines[0].ID, Quantity: 2, Amount: refundUSD("55.48")}, {LineID: o.Lines[1].ID, Quantity: 1, Amount: refundUSD("8.00")}}}
	// The first part goes through, the second fails: a retry sends it.
	flaky.failRefund = 2
	if _, err = svc.Refund(ctx, o.ID, in); err == nil {
		t.Fatal("the second part did not fail")
	}
	if o, err = svc.Refund(ctx, o.ID, in); err != nil {
		t.Fatal(err)
	}
	if again, err := svc.Refund(ctx, o.ID, in); err != nil || again.Version != o.Version {
		t.Errorf("replay: %v, version %d (was %d)", err, again.Version, o.Version)
	}
	got := map[string]string{}
	for _, c := range gw.Calls() {
		if c.Kind == order.TxRefund && !c.Replay {
			got[c.Authorization] = c.Amount.String()
		}
	}
	if len(got) != 2 || !o.Payment.Refunded.Equal(refundUSD("63.48")) || !gw.Ledger(o.ID).Refunded.Equal(refundUSD("63.48")) || o.Payment.Pending != nil {
		t.Errorf("refunds per authorization %v, order refunded %s, gateway %s, pending %v", got, o.Payment.Refunded, gw.Ledger(o.ID).Refunded, o.Payment.Pending)
	}
}

// flakyGateway fails the failRefund-th refund call (counting from 1), once.
type flakyGateway struct {
	*ordertest.FakeGateway
	mu         sync.Mutex
	refunds    int
	failRefund int
}

func (g *flakyGateway) Refund(ctx context.Context, req order.RefundRequest) (order.PaymentResult, error) {
	g.mu.Lock()
	g.refunds++
	fail := g.refunds == g.failRefund
	g.mu.Unlock()
	if fail {
		return order.PaymentResult{}, errors.New("processor hiccup")
	}
	return g.FakeGateway.Refund(ctx, req)
}

func TestTimelineTellsRefunds(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := &order.Order{ID: "ord1", Lines: []order.Line{{ID: "l1", SKU: "MUG", Name: "Blue mug"}}}
	e, err := oms.NewEvent(order.EventRefunded, order.AggregateKind, "ord1", 9, at, order.RefundedPayload{
		Key: "r1", Amount: oms.MustParseMoney("11.34 USD"), Reason: "doesn't fit",
		Lines: []order.RefundLine{{LineID: "l1", Quantity: 1, Amount: oms.MustParseMoney("11.34 USD")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := order.Timeline(o, []oms.Event{e})
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, "Refund of 11.34 USD issued: doesn't fit for ") || strings.Contains(got[0].Text, order.EventRefunded) {
		t.Errorf("timeline = %+v", got)
	}
}
