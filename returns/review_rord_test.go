package returns_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

// deliveredVAT places and delivers an order whose prices include their
// tax (order.PlaceInput.TaxIncluded): three bottles of wine at 12.10
// with 2.10 VAT in each (6.30 for the line) and 5.00 shipping with 0.83
// VAT in it: 41.30 in all, every cent captured.
func (s *shop) deliveredVAT(key string) *order.Order {
	s.t.Helper()
	o, err := s.orders.Place(s.ctx, order.PlaceInput{
		IdempotencyKey: key, Currency: oms.USD, Channel: "web", TaxIncluded: true,
		Customer:        order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: customerAddress,
		Lines:           []order.LineInput{{SKU: "LAMP", Name: "Lamp", Quantity: 3, UnitPrice: usd("12.10"), Tax: usd("6.30")}},
		ShippingCharge:  usd("5.00"), ShippingTax: usd("0.83"),
		Payment: order.PaymentInput{Method: "tok_visa"},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if o, err = s.orders.Confirm(s.ctx, o.ID); err != nil {
		s.t.Fatal(err)
	}
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
	} {
		if o, err = step(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}); err != nil {
			s.t.Fatal(err)
		}
	}
	if !o.Payment.Captured.Equal(usd("41.30")) || !o.Totals.GrandTotal.Equal(usd("41.30")) {
		s.t.Fatalf("captured %s, grand total %s", o.Payment.Captured, o.Totals.GrandTotal)
	}
	return o
}

// returnUnits requests, approves, receives and inspects (restocked) q
// units of the order's first line.
func (s *shop) returnUnits(t *testing.T, key string, o *order.Order, q int64, res returns.Resolution, p *returns.Replacement) *returns.Return {
	t.Helper()
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: q, Reason: returns.ReasonNoLongerNeeded, Resolution: res, Replacement: p}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: key + "-scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: q}}}))
	return ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: key + "-insp", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Quantity: q, Condition: returns.ConditionNew, Location: "WH1"}}}))
}

// TestReturnOfTaxIncludedUnitsRefundsWhatWasPaid: on an order whose prices
// include their tax, a returned unit was valued at its price plus its tax
// share (the tax counted twice: 12.10 + 2.10 = 14.20 for a bottle sold at
// 12.10) and the shipping share at the charge plus its tax (5.00 + 0.83),
// so a partial return refunded more than the customer paid for what came
// back, and an exchange credited the tax twice.
func TestReturnOfTaxIncludedUnitsRefundsWhatWasPaid(t *testing.T) {
	p := returns.DefaultPolicy()
	p.ShippingRefund = returns.ShippingRefundProrated
	s := newShop(t, &p)
	o := s.deliveredVAT("cart-vat")

	// One bottle of three: 12.10, and a third of the 5.00 shipping (1.67).
	r := s.returnUnits(t, "rma-vat-1", o, 1, returns.ResolutionRefund, nil)
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	b := r.Refund.Breakdown
	if !b.Lines[0].Value.Equal(usd("12.10")) || !b.Shipping.Equal(usd("1.67")) || !b.Total.Equal(usd("13.77")) {
		t.Errorf("one bottle refunds value %s, shipping %s, total %s; want 12.10, 1.67, 13.77", b.Lines[0].Value, b.Shipping, b.Total)
	}
	if got := s.gw.Ledger(o.ID).Refunded; !got.Equal(usd("13.77")) {
		t.Errorf("gateway refunded %s, want 13.77 USD", got)
	}

	// A second bottle exchanged for a 5.00 item (0.83 VAT in it): the
	// credit is the 12.10 paid, so 7.10 comes back, and the replacement
	// order costs nothing.
	r = s.returnUnits(t, "rma-vat-2", o, 1, returns.ResolutionExchange,
		&returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", UnitPrice: usd("5.00"), Tax: usd("0.83")})
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	d := r.Exchange.Difference
	if !d.Credit.Equal(usd("12.10")) || !d.Replacement.Equal(usd("5.00")) || !d.Credited.Equal(usd("7.10")) || d.Due.IsPositive() {
		t.Errorf("exchange difference %+v; want credit 12.10, replacement 5.00, credited 7.10", d)
	}
	repl := s.order(r.Exchange.OrderID)
	if repl.Totals.GrandTotal.IsPositive() {
		t.Errorf("replacement order costs %s, want nothing", repl.Totals.GrandTotal)
	}

	// The last bottle: 12.10 and its share of the shipping (1.66; the
	// exchanged bottle's share stays with its replacement).
	r = s.returnUnits(t, "rma-vat-3", o, 1, returns.ResolutionRefund, nil)
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if b := r.Refund.Breakdown; !b.Total.Equal(usd("13.76")) {
		t.Errorf("last bottle refunds %s, want 13.76 USD", b.Total)
	}
	if got := s.gw.Ledger(o.ID).Refunded; !got.Equal(usd("34.63")) {
		t.Errorf("gateway refunded %s in all, want 34.63 USD (13.77 + 7.10 + 13.76)", got)
	}
}

// TestRequestRefusesAReplacementTheOrderCannotPlace: Request took an
// exchange's replacement that the order service refuses to place (a name
// of 501 characters, where order lines take 500; a unit price of 1e38
// USD, beyond what an order can record), so the return was approved,
// received and inspected, and then every Resolve failed placing the
// replacement, leaving the customer's goods back and the return
// unresolved for good.
func TestRequestRefusesAReplacementTheOrderCannotPlace(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-repl")
	huge, err := oms.NewMoney(decimal.New(1, 38), oms.USD)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    returns.Replacement
	}{
		{"a name of 501 characters", returns.Replacement{SKU: "TEE-L", Name: strings.Repeat("é", 501)}},
		{"a unit price of 1e38 USD", returns.Replacement{SKU: "TEE-L", UnitPrice: huge}},
		{"a price of 1e32 USD for a million units", returns.Replacement{SKU: "TEE-L", Quantity: order.MaxLineQty, UnitPrice: usd("100000000000000000000000000000000.00")}},
	}
	for i, c := range cases {
		before := s.snapshot(o.ID)
		key := fmt.Sprintf("rma-repl-%d", i)
		_, err := s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange, Replacement: &c.p}}})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Request returned %v, want a validation error", c.name, err)
		}
		if after := s.snapshot(o.ID); after != before {
			t.Errorf("%s: the refused request changed something", c.name)
		}
		if err == nil { // give the tee back to the next case
			ok[*returns.Return](t)(s.svc.Cancel(s.ctx, oms.DeriveID(o.ID, "return:"+key), returns.StatusInput{}))
		}
	}
}

// TestExchangeAtAShopThatComputesTaxesPlacesTheReplacement: with an order
// service that computes taxes (order.ServiceOptions.Tax), Resolve placed
// an exchange's replacement with the taxes the return worked out (a
// replacement priced with its tax, or prices holding their tax), which
// Place refuses from a caller when a TaxCalculator decides them: the
// return, its goods received, could never be resolved.
func TestExchangeAtAShopThatComputesTaxesPlacesTheReplacement(t *testing.T) {
	for _, c := range []struct {
		name string
		rate order.TaxRate
		p    returns.Replacement
	}{
		{"sales tax, a dearer replacement priced with its tax", order.TaxRate{Country: "US", Region: "IL", Rate: decimal.RequireFromString("0.0625")},
			returns.Replacement{SKU: "TEE-L", UnitPrice: usd("20.00"), Tax: usd("1.25")}},
		{"VAT in the prices, an even exchange", order.TaxRate{Country: "US", Region: "IL", Rate: decimal.RequireFromString("0.21"), Included: true},
			returns.Replacement{SKU: "TEE-L"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newShop(t, nil)
			table, err := order.NewTaxTable([]order.TaxRate{c.rate})
			if err != nil {
				t.Fatal(err)
			}
			s.orders = order.NewService(s.orderDB, &order.ServiceOptions{Clock: s.clock, Gateway: s.gw, Tax: table})
			p := returns.DefaultPolicy()
			if s.svc, err = returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: s.carrier,
				ReturnAddress: warehouse, Policy: &p, Clock: s.clock}); err != nil {
				t.Fatal(err)
			}
			o := ok[*order.Order](t)(s.orders.Place(s.ctx, order.PlaceInput{IdempotencyKey: "cart-tax", Currency: oms.USD,
				Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada"}, ShippingAddress: customerAddress,
				Lines:   []order.LineInput{{SKU: "LAMP", Name: "Lamp", Quantity: 2, UnitPrice: usd("10.00")}},
				Payment: order.PaymentInput{Method: "tok_visa"}}))
			o = ok[*order.Order](t)(s.orders.Confirm(s.ctx, o.ID))
			all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}
			for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
				s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
			} {
				o = ok[*order.Order](t)(step(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
			}
			r := s.returnUnits(t, "rma-tax", o, 1, returns.ResolutionExchange, &c.p)
			r, err = s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"})
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if r.Status != returns.StatusCompleted || r.Exchange == nil || r.Exchange.OrderID == "" {
				t.Fatalf("resolved: %s, exchange %+v", r.Status, r.Exchange)
			}
			repl := s.order(r.Exchange.OrderID)
			if repl.OnHold() {
				t.Errorf("replacement order on hold: %+v (total %s)", repl.OpenHolds(), repl.Totals.GrandTotal)
			}
		})
	}
}

// TestApprovalNearTheEndOfYear9999KeepsAReturnThatMarshals: approved with
// the clock in the last days of year 9999, a return was given an expiry
// in year 10000 (approval plus Policy.ExpireAfter), which no JSON time
// holds: the return could no longer be written as JSON by a host or a
// store, though nothing else about it was wrong.
func TestApprovalNearTheEndOfYear9999KeepsAReturnThatMarshals(t *testing.T) {
	s := newShop(t, nil)
	s.clock.Set(time.Date(9999, 12, 20, 12, 0, 0, 0, time.UTC))
	o := s.delivered("cart-9999")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-9999", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("the approved return does not marshal: %v (expires at %s)", err, r.ExpiresAt)
	}
	if !r.ExpiresAt.After(r.ApprovedAt) {
		t.Errorf("expires at %s, approved at %s", r.ExpiresAt, r.ApprovedAt)
	}
	// It still expires, at the end of the year.
	s.clock.Set(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC))
	if ids, err := s.svc.SweepExpired(s.ctx, 0); err != nil || len(ids) != 1 {
		t.Errorf("sweep at the end of year 9999: %v, %v", ids, err)
	}
}

// TestHostileDecimalExponentsAreRefusedAtOnce: amounts whose decimal
// exponent is a billion either way (oms.NewMoney refuses them, arithmetic
// such as MulRate reaches them) were taken by Request as a replacement's
// price or tax, by Policy.Validate as a restocking fee or return shipping
// fee, and by CalculateRefund as the return shipping cost, and then
// printed or compared at their scale: 10^1e9 computed, the call hung for
// minutes and took gigabytes. Now each is refused with a validation error
// before anything prints or compares it.
func TestHostileDecimalExponentsAreRefusedAtOnce(t *testing.T) {
	for _, d := range []decimal.Decimal{decimal.New(1, -1_000_000_000), decimal.New(1, 1_000_000_000)} {
		m := oms.MustParseMoney("1 USD").MulRate(d)
		s := newShop(t, nil)
		o := s.delivered("cart-exp")
		for _, p := range []returns.Replacement{{SKU: "TEE-L", UnitPrice: m}, {SKU: "TEE-L", UnitPrice: usd("1.00"), Tax: m}} {
			before := s.snapshot(o.ID)
			_, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-exp", OrderID: o.ID, Lines: []returns.RequestLine{
				{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange, Replacement: &p}}})
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Request with a replacement amount of 1e%d: %v, want a validation error", d.Exponent(), err)
			}
			if s.snapshot(o.ID) != before {
				t.Errorf("the refused request changed something")
			}
		}
		for name, set := range map[string]func(p *returns.Policy){
			"restocking_fee.percent":  func(p *returns.Policy) { p.RestockingFee.Percent = d },
			"restocking_fee.per_unit": func(p *returns.Policy) { p.RestockingFee.PerUnit = m },
			"rules[0].restocking_fee": func(p *returns.Policy) {
				p.Rules = []returns.Rule{{SKU: "MUG-BLUE", RestockingFee: &returns.Fee{Percent: d}}}
			},
			"return_shipping_fee": func(p *returns.Policy) { p.ReturnShippingFee = m },
		} {
			p := returns.DefaultPolicy()
			set(&p)
			if err := p.Validate(); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Policy.Validate with %s of 1e%d: %v, want a validation error", name, d.Exponent(), err)
			}
		}
		p := returns.DefaultPolicy()
		p.ReturnShipping = returns.ReturnShippingDeducted
		if _, err := returns.CalculateRefund(o, &p, returns.CalcInput{Items: []returns.RefundItem{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}},
			ReturnShippingCost: m}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("CalculateRefund with a return shipping cost of 1e%d: %v, want a validation error", d.Exponent(), err)
		}
	}
}

// TestUnitsGivenAsStoreCreditOrExchangedAreNotValuedAgain: a line of two
// units worth 10.01 in all (5.00 each and 0.01 tax, which goes to the
// first unit). The units of a line are valued in the order they are
// refunded, but units resolved as store credit or exchanged were not
// counted, so the next return valued its unit as the first again: 5.01
// of store credit (or exchange credit) and then 5.01 refunded, 10.02 for
// a line of 10.01.
func TestUnitsGivenAsStoreCreditOrExchangedAreNotValuedAgain(t *testing.T) {
	for _, res := range []returns.Resolution{returns.ResolutionStoreCredit, returns.ResolutionExchange} {
		t.Run(string(res), func(t *testing.T) {
			s := newShop(t, nil)
			o := ok[*order.Order](t)(s.orders.Place(s.ctx, order.PlaceInput{IdempotencyKey: "cart-odd", Currency: oms.USD,
				Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada"}, ShippingAddress: customerAddress,
				Lines:   []order.LineInput{{SKU: "LAMP", Name: "Lamp", Quantity: 2, UnitPrice: usd("5.00"), Tax: usd("0.01")}},
				Payment: order.PaymentInput{Method: "tok_visa"}}))
			o = ok[*order.Order](t)(s.orders.Confirm(s.ctx, o.ID))
			all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}
			for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
				s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
			} {
				o = ok[*order.Order](t)(step(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
			}
			var p *returns.Replacement
			if res == returns.ResolutionExchange {
				p = &returns.Replacement{SKU: "TEE-L"}
			}
			first := s.returnUnits(t, "rma-odd-1", o, 1, res, p)
			first = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, first.ID, returns.ResolveInput{}))
			credit := first.StoreCredit
			if res == returns.ResolutionExchange {
				credit = first.Exchange.Difference.Credit
			}
			second := s.returnUnits(t, "rma-odd-2", o, 1, returns.ResolutionRefund, nil)
			second = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, second.ID, returns.ResolveInput{}))
			refund := second.Refund.Breakdown.Lines[0].Value
			sum, err := credit.Add(refund)
			if err != nil || !sum.Equal(usd("10.01")) {
				t.Errorf("%s %s then a refund of %s: %s for a line of 10.01 USD (%v)", res, credit, refund, sum, err)
			}
		})
	}
}

// TestResolveRefusesAReasonOrMethodTheOrderRefusesAndChangesNothing: a
// Resolve whose refund reason or payment method the order service
// refuses (longer than the 500 characters an order takes; returns take
// 1000) saved the return's refund plan (return.refund_requested, store
// credit issued) before the order refused it: a refused command changed
// the return.
func TestResolveRefusesAReasonOrMethodTheOrderRefusesAndChangesNothing(t *testing.T) {
	for _, in := range []returns.ResolveInput{{Reason: strings.Repeat("r", 501)}, {PaymentMethod: strings.Repeat("m", 501)}} {
		s := newShop(t, nil)
		o := s.delivered("cart-long")
		res, p := returns.ResolutionRefund, (*returns.Replacement)(nil)
		if in.PaymentMethod != "" { // an exchange that leaves 40.00 - 10.82 due
			res, p = returns.ResolutionExchange, &returns.Replacement{SKU: "TEE-L", UnitPrice: usd("40.00")}
		}
		r := s.returnUnits(t, "rma-long", o, 1, res, p)
		before := s.snapshot(o.ID)
		if _, err := s.svc.Resolve(s.ctx, r.ID, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Resolve with a reason of %d and a method of %d characters: %v, want a validation error", len(in.Reason), len(in.PaymentMethod), err)
		}
		if s.snapshot(o.ID) != before {
			t.Errorf("the refused Resolve (reason %d, method %d characters) changed something", len(in.Reason), len(in.PaymentMethod))
		}
	}
}

// TestExchangeDifferenceOfTwoCurrenciesDoesNotPanic: ExchangeDifference
// of a replacement and a credit in two currencies panicked ("internal
// currency mix"); amounts in two currencies cannot be compared, so
// neither is due nor credited.
func TestExchangeDifferenceOfTwoCurrenciesDoesNotPanic(t *testing.T) {
	eur := oms.MustParseMoney("5.00 EUR")
	d := returns.ExchangeDifference(usd("10.00"), eur)
	if !d.Replacement.Equal(usd("10.00")) || !d.Credit.Equal(eur) || d.Due.Valid() || d.Credited.Valid() {
		t.Errorf("difference of 10.00 USD and 5.00 EUR: %+v; want both amounts kept, nothing due or credited", d)
	}
}

// TestVerdictsNearTheEndOfYear9999Marshal: goods delivered in the last
// days of year 9999 got a return deadline in year 10000 (delivery plus
// the window), which oms.Date refuses to write: the verdicts of Evaluate
// and of a refused Request (the customer's answer) could not be written
// as JSON. The window now ends at the end of year 9999 at the latest.
func TestVerdictsNearTheEndOfYear9999Marshal(t *testing.T) {
	s := newShop(t, nil)
	s.clock.Set(time.Date(9999, 12, 20, 12, 0, 0, 0, time.UTC))
	o := s.delivered("cart-9999")
	lines := []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}
	vs := ok[[]returns.Verdict](t)(s.svc.Evaluate(s.ctx, o.ID, lines, time.Time{}))
	if !vs[0].Eligible || vs[0].Deadline != oms.NewDate(9999, time.December, 31) {
		t.Errorf("verdict %+v; want eligible until 9999-12-31", vs[0])
	}
	if _, err := json.Marshal(vs); err != nil {
		t.Errorf("verdicts do not marshal: %v", err)
	}
	lines[0].Quantity = 5
	_, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-9999", OrderID: o.ID, Lines: lines})
	var ie *returns.IneligibleError
	if !errors.As(err, &ie) {
		t.Fatalf("Request of 5 mugs of 3: %v, want an *IneligibleError", err)
	}
	if _, err := json.Marshal(ie.Verdicts); err != nil {
		t.Errorf("the refused request's verdicts do not marshal: %v", err)
	}
}

// TestReturnOfGoodsWhoseCaptureIsPendingIsNotLostToTheCap: the capture
// at shipment failed (gateway down) and stayed pending on the order; the
// goods came back before it was settled, and Resolve capped the refund
// at what the order had captured so far (nothing): the return completed
// refunding 0.00, and once the gateway was back the pending capture took
// the customer's money for goods the shop had back, never refunded.
func TestReturnOfGoodsWhoseCaptureIsPendingIsNotLostToTheCap(t *testing.T) {
	s := newShop(t, nil)
	o := ok[*order.Order](t)(s.orders.Place(s.ctx, order.PlaceInput{IdempotencyKey: "cart-pending", Currency: oms.USD, Channel: "web",
		Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada"}, ShippingAddress: customerAddress,
		Lines:   []order.LineInput{{SKU: "LAMP", Name: "Lamp", Quantity: 1, UnitPrice: usd("40.00")}},
		Payment: order.PaymentInput{Method: "tok_visa"}}))
	o = ok[*order.Order](t)(s.orders.Confirm(s.ctx, o.ID))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}
	o = ok[*order.Order](t)(s.orders.RecordAllocation(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
	o = ok[*order.Order](t)(s.orders.RecordFulfillment(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
	down := errors.New("gateway down")
	s.gw.Fail(order.TxCapture, down)
	if _, err := s.orders.RecordShipment(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}); !errors.Is(err, down) {
		t.Fatalf("shipment with the gateway down: %v", err)
	}
	// Every later order command tries the capture again and reports the
	// failure; its own change is saved.
	if _, err := s.orders.RecordDelivery(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}); !errors.Is(err, down) {
		t.Fatalf("delivery with the gateway down: %v", err)
	}
	o = s.order(o.ID)
	if o.Payment.Pending == nil || !o.Payment.Captured.IsZero() || o.Status != order.StatusCompleted {
		t.Fatalf("capture should be pending on the completed order: %s %+v", o.Status, o.Payment)
	}
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-pending", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonNoLongerNeeded}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if _, err := s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}); !errors.Is(err, down) {
		t.Fatalf("receipt with the gateway down: %v", err)
	}
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "WH1"}}}))
	// While the gateway is down nothing can be refunded: Resolve fails,
	// and completes once it is back.
	if r, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); err == nil && r.Status == returns.StatusCompleted {
		t.Errorf("Resolve completed with the capture pending, refunding %s", r.Refund.Breakdown.Total)
	}
	s.gw.Fail(order.TxCapture, nil)
	if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); err != nil {
		t.Fatalf("Resolve with the gateway back: %v", err)
	}
	ok[*order.Order](t)(s.orders.SettlePayment(s.ctx, o.ID))
	l := s.gw.Ledger(o.ID)
	if !l.Captured.Equal(usd("40.00")) || !l.Refunded.Equal(usd("40.00")) {
		t.Errorf("gateway captured %s and refunded %s; want 40.00 both (the lamp came back)", l.Captured, l.Refunded)
	}
}
