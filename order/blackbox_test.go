package order_test

// Black-box review of package order through its public API only: every
// test here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/shopspring/decimal"
)

// bbSnapshot is everything a refused command could have changed.
func bbSnapshot(t *testing.T, store *order.MemoryStore) (orders, events int) {
	t.Helper()
	ctx := context.Background()
	for _, st := range []order.Status{order.StatusPending, order.StatusConfirmed, order.StatusProcessing, order.StatusCompleted, order.StatusCancelled} {
		page, err := store.ListByStatus(ctx, st, order.PageRequest{Limit: order.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		orders += len(page.Orders)
	}
	return orders, len(store.Outbox().Events(""))
}

// A promised delivery window that is not a calendar day (month 13,
// February 30, year 0 or 10000) was accepted and saved: its JSON
// ("2026-13-40", "10000-01-01") cannot be read back by oms.ParseDate, so
// the order and its events could not be decoded by a store or a
// consumer. Place and Quote refuse it, naming the field, and save
// nothing; the extreme real days are accepted.
func TestPlaceRefusesInvalidPromisedDates(t *testing.T) {
	ctx := context.Background()
	bad := []oms.Date{
		{Year: 2026, Month: 13, Day: 1},
		{Year: 2026, Month: 2, Day: 30},
		{Year: 2026, Month: 0, Day: 1},
		{Year: 2026, Month: 1, Day: 0},
		{Year: 0, Month: 1, Day: 1},
		{Year: -5, Month: 1, Day: 1},
		{Year: 10000, Month: 1, Day: 1},
	}
	for _, d := range bad {
		for _, field := range []string{"promised_from", "promised_by"} {
			svc, store := newShop()
			in := sampleInput()
			if field == "promised_from" {
				in.Shipping.PromisedFrom = d
			} else {
				in.Shipping.PromisedBy = d
			}
			_, err := svc.Place(ctx, in)
			var ve *oms.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Place with %s %v: err = %v, want a *oms.ValidationError", field, d, err)
				continue
			}
			if ve.Problems[0].Field != "shipping."+field {
				t.Errorf("Place with %s %v: problem %+v, want field shipping.%s", field, d, ve.Problems, field)
			}
			if n, e := bbSnapshot(t, store); n != 0 || e != 0 {
				t.Errorf("refused Place saved %d orders, %d events", n, e)
			}
			if _, err := svc.Quote(ctx, in); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Quote with %s %v: err = %v, want ErrValidation", field, d, err)
			}
		}
	}
	svc, _ := newShop()
	in := sampleInput()
	in.Shipping.PromisedFrom, in.Shipping.PromisedBy = oms.NewDate(1, 1, 1), oms.NewDate(9999, 12, 31)
	o, err := svc.Place(ctx, in)
	if err != nil {
		t.Fatalf("Place with the first and last representable days: %v", err)
	}
	if o.Shipping.PromisedBy != oms.NewDate(9999, 12, 31) {
		t.Errorf("promised by %v, want 9999-12-31", o.Shipping.PromisedBy)
	}
}

// A keyed AddHold replayed with the same reason but another note was
// taken for a replay: the caller's second hold (say, a different fraud
// finding) vanished without an error. The same key with other content is
// oms.ErrDuplicate and changes nothing; the same reason and note is a
// replay that changes nothing.
func TestAddHoldKeyReplayWithOtherNoteIsDuplicate(t *testing.T) {
	ctx := context.Background()
	svc, store := newShop()
	o := must(t)(svc.Place(ctx, sampleInput()))
	o = must(t)(svc.AddHold(ctx, o.ID, order.HoldInput{Key: "risk-1", Reason: order.HoldFraudReview, Note: "score 0.91", By: "risk"}))
	_, events := bbSnapshot(t, store)
	_, err := svc.AddHold(ctx, o.ID, order.HoldInput{Key: "risk-1", Reason: order.HoldFraudReview, Note: "card reported stolen", By: "risk"})
	if !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("AddHold key reused with another note: err = %v, want ErrDuplicate", err)
	}
	again := must(t)(svc.AddHold(ctx, o.ID, order.HoldInput{Key: "risk-1", Reason: order.HoldFraudReview, Note: "score 0.91"}))
	if again.Version != o.Version || len(again.Holds) != len(o.Holds) {
		t.Errorf("replay changed the order: v%d -> v%d, %d -> %d holds", o.Version, again.Version, len(o.Holds), len(again.Holds))
	}
	if _, e := bbSnapshot(t, store); e != events {
		t.Errorf("refused and replayed AddHold saved %d events", e-events)
	}
}

// Quote priced carts whose amounts Place then refused (a unit price of
// 1e38 USD makes totals longer than the 40 digits an oms.Money can be
// written with): the checkout showed a total that no order could carry.
// Both refuse such a cart with an oms.ErrValidation error naming the
// amounts, before any number is taken or anything saved; the largest
// amounts that fit still quote and place alike.
func TestQuoteRefusesAmountsPlaceCannotRecord(t *testing.T) {
	ctx := context.Background()
	for _, amt := range []string{"1e38", "1e300", "99999999999999999999999999999999999999"} {
		d, _ := decimal.NewFromString(amt)
		m, _ := oms.NewMoney(d, oms.USD)
		svc, store := newShop()
		in := sampleInput()
		in.Lines[0].UnitPrice = m
		in.Payment = order.PaymentInput{}
		if _, err := svc.Quote(ctx, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Quote with a unit price of %s: err = %v, want ErrValidation", amt, err)
		}
		if _, err := svc.Place(ctx, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Place with a unit price of %s: err = %v, want ErrValidation", amt, err)
		}
		if n, e := bbSnapshot(t, store); n != 0 || e != 0 {
			t.Errorf("refused Place saved %d orders, %d events", n, e)
		}
	}
	d, _ := decimal.NewFromString("1e30")
	m, _ := oms.NewMoney(d, oms.USD)
	svc, _ := newShop()
	in := sampleInput()
	in.Lines[0].UnitPrice = m
	in.Payment = order.PaymentInput{}
	q, err := svc.Quote(ctx, in)
	if err != nil {
		t.Fatalf("Quote with a unit price of 1e30: %v", err)
	}
	o, err := svc.Place(ctx, in)
	if err != nil {
		t.Fatalf("Place with a unit price of 1e30: %v", err)
	}
	if !q.Totals.GrandTotal.Equal(o.Totals.GrandTotal) {
		t.Errorf("quote %s, placed %s", q.Totals.GrandTotal, o.Totals.GrandTotal)
	}
}

// bbLateFail writes, then reports a failure: the connection dropped after
// the commit, so the caller retries a write that took effect.
type bbLateFail struct {
	*order.MemoryStore
	failUpdate atomic.Int32
}

func (s *bbLateFail) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	err := s.MemoryStore.Update(ctx, o, expected, events)
	if err == nil && s.failUpdate.Add(-1) >= 0 {
		return errors.New("store: connection lost after commit")
	}
	return err
}

// When the store write of RecordShipment (or Cancel) took effect but
// reported a failure, the retry with the same key found the command
// applied and returned the order without running the payment step that
// follows every change: under capture at shipment the shipped value was
// never captured (and a cancelled order's authorization never voided)
// until some unrelated later command. A replay now settles the payment
// like the first run would have.
func TestReplayAfterStoreFailureStillSettlesPayment(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnShipment)
	store := &bbLateFail{MemoryStore: p.store}
	p.svc = order.NewService(store, &order.ServiceOptions{Clock: p.clock, Gateway: p.gw})
	o := must(t)(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = must(t)(p.svc.Confirm(ctx, o.ID))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 1}}
	o = must(t)(p.svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "alloc-1", Lines: all}))
	o = must(t)(p.svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "pack-1", Lines: all}))
	store.failUpdate.Store(1)
	if _, err := p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "ship-1", Lines: all}); err == nil {
		t.Fatal("RecordShipment with the store failing after the commit: no error")
	}
	o = must(t)(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "ship-1", Lines: all}))
	if o.Lines[0].Shipped != 3 || o.Lines[1].Shipped != 1 {
		t.Fatalf("shipped %d and %d, want 3 and 1 once", o.Lines[0].Shipped, o.Lines[1].Shipped)
	}
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "0.00")

	q := newPayShop(order.CaptureOnShipment)
	store = &bbLateFail{MemoryStore: q.store}
	q.svc = order.NewService(store, &order.ServiceOptions{Clock: q.clock, Gateway: q.gw})
	o = must(t)(q.svc.Place(ctx, gatewayInput("tok_visa")))
	store.failUpdate.Store(1)
	if _, err := q.svc.Cancel(ctx, o.ID, order.CancelInput{Reason: "changed mind"}); err == nil {
		t.Fatal("Cancel with the store failing after the commit: no error")
	}
	o = must(t)(q.svc.Cancel(ctx, o.ID, order.CancelInput{Reason: "changed mind"}))
	checkPayment(t, q, o, "55.48", "0.00", "55.48", "0.00")
}

// A MaxRetries of math.MaxInt ("retry for ever") made the payment step's
// bound 4×MaxRetries wrap negative: every command with a Gateway then
// failed after its write, with "settlement did not finish after -3
// attempts", and Place returned an error for an order it had saved.
// Large values work as large bounds.
func TestHugeMaxRetriesStillSettles(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnPlacement)
	p.svc = order.NewService(p.store, &order.ServiceOptions{Clock: p.clock, Gateway: p.gw, CapturePolicy: order.CaptureOnPlacement, MaxRetries: math.MaxInt})
	o := must(t)(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = must(t)(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}}}))
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "21.60")
}

// A Sequence started near math.MaxInt64 wrapped: after
// "9223372036854775807" came the order number "-9223372036854775808".
// Once the counter has passed MaxInt64, Next returns an error (Place
// refuses and saves nothing) instead of a wrapped number.
func TestSequenceNeverWraps(t *testing.T) {
	ctx := context.Background()
	seq := order.NewSequence("WEB-", math.MaxInt64)
	n, err := seq.Next(ctx, nil)
	if err != nil || n != "WEB-9223372036854775807" {
		t.Fatalf("first number %q, %v", n, err)
	}
	for range 3 {
		if n, err := seq.Next(ctx, nil); err == nil {
			t.Fatalf("number after MaxInt64: %q, want an error", n)
		}
	}
	store := order.NewMemoryStore(nil)
	svc := order.NewService(store, &order.ServiceOptions{Numbers: seq})
	in := sampleInput()
	in.IdempotencyKey = "after-the-last-number"
	if _, err := svc.Place(ctx, in); err == nil {
		t.Fatal("Place with an exhausted sequence: no error")
	}
	if n, e := bbSnapshot(t, store); n != 0 || e != 0 {
		t.Errorf("refused Place saved %d orders, %d events", n, e)
	}
}

// The memory store's list cursor wrote the creation time in Unix
// nanoseconds, which wrap outside the years 1678 to 2262: with the clock
// in year 2300 or 9999 the second page started at the wrong place, so a
// walk repeated or skipped orders. Pages under any clock year list every
// order once, oldest first.
func TestListPagesUnderAnyClockYear(t *testing.T) {
	ctx := context.Background()
	for _, year := range []int{1, 1600, 2300, 9999} {
		clock := oms.NewManualClock(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC))
		store := order.NewMemoryStore(nil)
		svc := order.NewService(store, &order.ServiceOptions{Clock: clock})
		var want []oms.ID
		for i := range 5 {
			in := sampleInput()
			in.IdempotencyKey = fmt.Sprintf("cart-%d", i)
			want = append(want, must(t)(svc.Place(ctx, in)).ID)
			clock.Advance(time.Second)
		}
		var got []oms.ID
		q := order.ListQuery{Customer: "cus_1", PageRequest: order.PageRequest{Limit: 2}}
		for range 10 {
			page, err := svc.List(ctx, q)
			if err != nil {
				t.Fatalf("year %d: %v", year, err)
			}
			for _, o := range page.Orders {
				got = append(got, o.ID)
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("year %d: listed (-want +got):\n%s", year, d)
		}
	}
}

// An amount built with a huge decimal exponent (decimal.New(1, -1e9), a
// billionth of a billionth... of a dollar; or 1e1000000000) passed to
// Place made its validation round it, which computes 10^1e9 in big
// integers: Place hung for hours. A tax table rate of that shape hung
// every Quote. Such amounts and rates are refused at once with an
// oms.ErrValidation error naming the field, and nothing is saved.
func TestHostileDecimalExponentsAreRefusedAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, d := range []decimal.Decimal{decimal.New(1, -1_000_000_000), decimal.New(1, 1_000_000_000), decimal.New(-7, -2_000_000_000)} {
		// oms.NewMoney refuses such scales; arithmetic can still reach them.
		m := oms.MustParseMoney("1 USD").MulRate(d)
		for field, set := range map[string]func(in *order.PlaceInput){
			"lines[0].unit_price":          func(in *order.PlaceInput) { in.Lines[0].UnitPrice = m },
			"lines[1].tax":                 func(in *order.PlaceInput) { in.Lines[1].Tax = m },
			"discounts[0].amount":          func(in *order.PlaceInput) { in.Discounts[0].Amount = m },
			"shipping_charge":              func(in *order.PlaceInput) { in.ShippingCharge = m },
			"payment.authorized":           func(in *order.PlaceInput) { in.Payment.Authorized = m },
			"lines[0].discounts[0].amount": func(in *order.PlaceInput) { in.Lines[0].Discounts = []order.Discount{{Amount: m}} },
		} {
			svc, store := newShop()
			in := sampleInput()
			set(&in)
			_, err := svc.Place(ctx, in)
			var ve *oms.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Place with %s = 1e%d: err = %v, want a *oms.ValidationError", field, d.Exponent(), err)
			}
			named := false
			for _, p := range ve.Problems {
				named = named || p.Field == field
			}
			if !named {
				t.Errorf("Place with %s = 1e%d: problems %+v do not name it", field, d.Exponent(), ve.Problems)
			}
			if n, e := bbSnapshot(t, store); n != 0 || e != 0 {
				t.Errorf("refused Place saved %d orders, %d events", n, e)
			}
		}
	}
	for _, rate := range []decimal.Decimal{decimal.New(1, -1_000_000_000), decimal.New(5, -30)} {
		if _, err := order.NewTaxTable([]order.TaxRate{{Country: "US", Rate: rate}}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("NewTaxTable with rate 5e%d: err = %v, want ErrValidation", rate.Exponent(), err)
		}
		if _, err := order.NewTaxTable([]order.TaxRate{{Country: "US", Rate: decimal.RequireFromString("0.07"), Codes: map[string]decimal.Decimal{"food": rate}}}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("NewTaxTable with code rate 5e%d: err = %v, want ErrValidation", rate.Exponent(), err)
		}
	}
}

// PlanSettlement is a pure function of an order, which a host may hold
// from its own database: a payment sum in another currency, or one left
// as the zero oms.Money (a JSON null), made it panic with "internal
// currency mix" (and with it every Service command on such an order). A
// zero sum counts as zero; another currency is an error matching
// oms.ErrCurrencyMismatch.
func TestPlanSettlementNeverPanicsOnForeignPaymentSums(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnShipment)
	o := must(t)(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = must(t)(p.svc.Cancel(ctx, o.ID, order.CancelInput{}))
	// After a cancellation the plan voids the rest; with zero sums as
	// JSON nulls it plans the same void.
	o.Payment.Voided = oms.Money{}
	want, err := order.PlanSettlement(o)
	if err != nil || want != nil {
		t.Fatalf("settled cancelled order: plan %+v, %v; want none", want, err)
	}
	nulls := o.Clone()
	nulls.Payment.Voided, nulls.Payment.Captured, nulls.Payment.Refunded, nulls.Payment.Adjusted = oms.Money{}, oms.Money{}, oms.Money{}, oms.Money{}
	nulls.Payment.Transactions = nulls.Payment.Transactions[:1] // the authorization only
	op, err := order.PlanSettlement(nulls)
	if err != nil || op == nil || op.Kind != order.TxVoid || op.Amount.String() != "55.48 USD" {
		t.Errorf("zero sums: plan %+v, %v; want a void of 55.48 USD", op, err)
	}
	for _, field := range []string{"authorized", "captured", "voided", "refunded", "adjusted"} {
		bad := o.Clone()
		eur := oms.MustParseMoney("5.00 EUR")
		switch field {
		case "authorized":
			bad.Payment.Authorized = eur
		case "captured":
			bad.Payment.Captured = eur
		case "voided":
			bad.Payment.Voided = eur
		case "refunded":
			bad.Payment.Refunded = eur
		case "adjusted":
			bad.Payment.Adjusted = eur
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("payment.%s in EUR: panic %v", field, r)
				}
			}()
			if _, err := order.PlanSettlement(bad); !errors.Is(err, oms.ErrCurrencyMismatch) {
				t.Errorf("payment.%s in EUR: err = %v, want ErrCurrencyMismatch", field, err)
			}
		}()
	}
}

// The exported functions over an *Order panicked on a nil order; they
// return a validation error (or the empty answer) instead.
func TestNilOrderNeverPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	if _, err := order.ComputeTotals(nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("ComputeTotals(nil): %v", err)
	}
	if _, err := order.PlanSettlement(nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("PlanSettlement(nil): %v", err)
	}
	if _, err := order.ShippedValue(nil, order.Totals{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("ShippedValue(nil): %v", err)
	}
	if c := order.CountsOf(nil); c != (order.Counts{}) {
		t.Errorf("CountsOf(nil) = %+v", c)
	}
	if s := order.FulfillmentOf(nil); s != order.FulfillmentUnfulfilled {
		t.Errorf("FulfillmentOf(nil) = %s", s)
	}
	if s := order.ReturnOf(nil); s != order.ReturnNone {
		t.Errorf("ReturnOf(nil) = %s", s)
	}
	if err := (*order.Order)(nil).CheckCounters(); err != nil {
		t.Errorf("CheckCounters on nil: %v", err)
	}
}

// Place refuses an included (VAT-style) tax larger than the line amount
// that includes it, but Edit took one, in a changed line's Tax or a new
// line: a 39.00 USD order then reported 1,000.00 USD of tax in it. Edit
// checks the taxes it is given as Place does, and changes nothing when it
// refuses.
func TestEditRefusesIncludedTaxAboveTheLineAmount(t *testing.T) {
	ctx := context.Background()
	svc, store := newShop()
	in := sampleInput()
	in.TaxIncluded = true
	in.Payment.Authorized = usd("100.00")
	o := must(t)(svc.Place(ctx, in))
	_, events := bbSnapshot(t, store)
	tax := usd("1000.00")
	edits := map[string]order.EditInput{
		"change": {Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[0].ID}, Quantity: 2, Tax: &tax}}},
		"add":    {Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("1.00"), Tax: usd("50.00")}}},
		"remove and change": {Remove: []order.LineRef{{LineID: o.Lines[1].ID}},
			Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[0].ID}, Quantity: 1, Tax: &tax}}},
	}
	for name, e := range edits {
		if _, err := svc.Edit(ctx, o.ID, e); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s with an included tax above the line amount: err = %v, want ErrValidation", name, err)
		}
		got, _ := store.Get(ctx, o.ID)
		if got.Version != o.Version {
			t.Errorf("refused %s changed the order to version %d", name, got.Version)
		}
	}
	if _, e := bbSnapshot(t, store); e != events {
		t.Errorf("refused edits saved %d events", e-events)
	}
	fair := usd("4.00")
	if _, err := svc.Edit(ctx, o.ID, order.EditInput{Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[0].ID}, Quantity: 2, Tax: &fair}}}); err != nil {
		t.Errorf("edit with a fair included tax: %v", err)
	}
}

// bbLateGateway captures, then reports a timeout: the money moved but the
// order did not hear it.
type bbLateGateway struct {
	*ordertest.FakeGateway
	fail atomic.Int32
}

func (g *bbLateGateway) Capture(ctx context.Context, req order.CaptureRequest) (order.PaymentResult, error) {
	r, err := g.FakeGateway.Capture(ctx, req)
	if err == nil && g.fail.Add(-1) >= 0 {
		return order.PaymentResult{}, errors.New("gateway: timeout after capture")
	}
	return r, err
}

// A gateway that captured but timed out leaves the capture pending; the
// retry of the same RecordShipment (same key) finishes it with the same
// gateway key, so the money moves once and the order records it (this
// relies on replays settling, see TestReplayAfterStoreFailureStillSettlesPayment).
func TestReplayAfterGatewayTimeoutCapturesOnce(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnShipment)
	gw := &bbLateGateway{FakeGateway: p.gw}
	p.svc = order.NewService(p.store, &order.ServiceOptions{Clock: p.clock, Gateway: gw})
	o := must(t)(p.svc.Place(ctx, gatewayInput("tok_visa")))
	o = must(t)(p.svc.Confirm(ctx, o.ID))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 1}}
	o = must(t)(p.svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "alloc-1", Lines: all}))
	o = must(t)(p.svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "pack-1", Lines: all}))
	gw.fail.Store(1)
	var pe *order.PaymentError
	if _, err := p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "ship-1", Lines: all}); !errors.As(err, &pe) {
		t.Fatalf("RecordShipment with the gateway timing out: err = %v, want a *order.PaymentError", err)
	}
	o = must(t)(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "ship-1", Lines: all}))
	checkPayment(t, p, o, "55.48", "55.48", "0.00", "0.00")
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
