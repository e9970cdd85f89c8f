package order_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/shopspring/decimal"
)

func rate(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func testTaxTable(t *testing.T) *order.TaxTable {
	t.Helper()
	tbl, err := order.NewTaxTable([]order.TaxRate{
		{Country: "GB", Rate: rate("0.20"), Included: true, Shipping: true, Codes: map[string]decimal.Decimal{"zero": rate("0"), "reduced": rate("0.05")}},
		{Country: "DE", Rate: rate("0.19"), Included: true},
		{Country: "US", Rate: rate("0")},
		{Country: "US", Region: "IL", Rate: rate("0.0625")},
		{Country: "US", Region: "NY", Rate: rate("0.08875"), Shipping: true},
		{Country: "JP", Rate: rate("0.10"), Included: true, Shipping: true},
		{Country: "KW", Rate: rate("0.05")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestTaxTable(t *testing.T) {
	tbl := testTaxTable(t)
	gbp := func(s string) oms.Money { return oms.MustParseMoney(s + " GBP") }
	eur := func(s string) oms.Money { return oms.MustParseMoney(s + " EUR") }
	to := func(country, region string) oms.Address { return oms.Address{Country: country, Region: region} }
	tests := []struct {
		name string
		req  order.TaxRequest
		want order.TaxResult
	}{
		{"inclusive VAT with shipping taxed", order.TaxRequest{Currency: oms.GBP, ShipTo: to("GB", ""), Shipping: gbp("4.80"),
			Lines: []order.TaxLine{{SKU: "MUG", Quantity: 2, Amount: gbp("24.00")}, {SKU: "TEA", Quantity: 1, TaxCode: "reduced", Amount: gbp("10.50")}}},
			order.TaxResult{Included: true, Lines: []oms.Money{gbp("4.00"), gbp("0.50")}, Shipping: gbp("0.80")}},
		{"zero-rated line", order.TaxRequest{Currency: oms.GBP, ShipTo: to("GB", ""), Shipping: gbp("0"),
			Lines: []order.TaxLine{{SKU: "BOOK", Quantity: 1, TaxCode: "zero", Amount: gbp("12.99")}, {SKU: "PEN", Quantity: 1, Amount: gbp("1.20")}}},
			order.TaxResult{Included: true, Lines: []oms.Money{gbp("0"), gbp("0.20")}, Shipping: gbp("0")}},
		{"inclusive VAT, shipping not taxed", order.TaxRequest{Currency: oms.EUR, ShipTo: to("DE", "BY"), Shipping: eur("5.95"),
			Lines: []order.TaxLine{{SKU: "LAMP", Quantity: 1, Amount: eur("119.00")}}},
			order.TaxResult{Included: true, Lines: []oms.Money{eur("19.00")}, Shipping: eur("0")}},
		{"exclusive sales tax of a region, shipping not taxed", order.TaxRequest{Currency: oms.USD, ShipTo: to("US", "IL"), Shipping: usd("5.00"),
			Lines: []order.TaxLine{{SKU: "MUG", Quantity: 3, Amount: usd("29.57")}, {SKU: "TEE", Quantity: 1, Amount: usd("16.43")}}},
			order.TaxResult{Lines: []oms.Money{usd("1.85"), usd("1.03")}, Shipping: usd("0")}},
		{"exclusive sales tax with shipping taxed", order.TaxRequest{Currency: oms.USD, ShipTo: to("US", "ny"), Shipping: usd("10.00"),
			Lines: []order.TaxLine{{SKU: "MUG", Quantity: 1, Amount: usd("100.00")}}},
			order.TaxResult{Lines: []oms.Money{usd("8.88")}, Shipping: usd("0.89")}},
		{"region without a row falls back to the country", order.TaxRequest{Currency: oms.USD, ShipTo: to("US", "OR"), Shipping: usd("10.00"),
			Lines: []order.TaxLine{{SKU: "MUG", Quantity: 1, Amount: usd("100.00")}}},
			order.TaxResult{Lines: []oms.Money{usd("0")}, Shipping: usd("0")}},
		{"no row: no tax", order.TaxRequest{Currency: oms.USD, ShipTo: to("CA", "ON"), Shipping: usd("10.00"),
			Lines: []order.TaxLine{{SKU: "MUG", Quantity: 1, Amount: usd("100.00")}}},
			order.TaxResult{Lines: []oms.Money{usd("0")}, Shipping: usd("0")}},
		{"zero-decimal currency", order.TaxRequest{Currency: oms.JPY, ShipTo: to("JP", ""), Shipping: oms.MustParseMoney("550 JPY"),
			Lines: []order.TaxLine{{SKU: "CUP", Quantity: 1, Amount: oms.MustParseMoney("1999 JPY")}}},
			order.TaxResult{Included: true, Lines: []oms.Money{oms.MustParseMoney("182 JPY")}, Shipping: oms.MustParseMoney("50 JPY")}},
		{"three-decimal currency", order.TaxRequest{Currency: oms.KWD, ShipTo: to("KW", ""), Shipping: oms.MustParseMoney("1.000 KWD"),
			Lines: []order.TaxLine{{SKU: "CUP", Quantity: 1, Amount: oms.MustParseMoney("3.337 KWD")}}},
			order.TaxResult{Lines: []oms.Money{oms.MustParseMoney("0.167 KWD")}, Shipping: oms.MustParseMoney("0 KWD")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tbl.Tax(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, ordertest.CmpOptions()); d != "" {
				t.Errorf("Tax (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewTaxTableRefusesBadRows(t *testing.T) {
	_, err := order.NewTaxTable([]order.TaxRate{
		{Country: "XX", Rate: rate("0.1")},
		{Country: "GB", Rate: rate("-0.1")},
		{Country: "FR", Rate: rate("1e300")},
		{Country: "DE", Rate: rate("0.19"), Codes: map[string]decimal.Decimal{"zero": rate("2")}},
		{Country: "US", Region: "IL", Rate: rate("0.06")},
		{Country: "US", Region: "il", Rate: rate("0.07")},
	})
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("err = %v, want ErrValidation", err)
	}
	checkFields(t, err, []string{"rates[0].country", "rates[1].rate", "rates[2].rate", "rates[3].codes.zero", "rates[5]"})
}

func minorOf(m oms.Money) int64 {
	n, err := m.MinorUnits()
	if err != nil {
		panic(err)
	}
	return n
}

// cart generates a checkout: lines with line discounts, order discounts,
// shipping, in currency cur, with explicit taxes (exclusive or included)
// when explicit is set.
func cart(r *rand.Rand, i int, cur oms.Currency, explicit, included bool) order.PlaceInput {
	minor := int64(1)
	switch cur {
	case oms.USD, oms.GBP, oms.EUR:
		minor = 100
	case oms.KWD:
		minor = 1000
	}
	money := func(units int64) oms.Money {
		m, err := oms.FromMinor(units, cur)
		if err != nil {
			panic(err)
		}
		return m
	}
	country := map[oms.Currency]string{oms.USD: "US", oms.GBP: "GB", oms.JPY: "JP", oms.KWD: "KW", oms.EUR: "DE"}[cur]
	addr := oms.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", Country: country}
	switch country {
	case "US":
		addr.Region, addr.PostalCode = []string{"IL", "NY", "OR"}[r.IntN(3)], "62701"
	case "GB":
		addr.PostalCode = "SW1A 1AA"
	case "DE":
		addr.PostalCode = "10115"
	case "JP":
		addr.PostalCode = "100-0001"
	}
	in := order.PlaceInput{
		IdempotencyKey:  fmt.Sprintf("cart-%d", i),
		Currency:        cur,
		Customer:        order.Customer{ID: oms.ID(fmt.Sprintf("cus-%d", r.IntN(50))), Email: "ada@example.com"},
		ShippingAddress: addr,
		ShippingCharge:  money(r.Int64N(20 * minor)),
		TaxIncluded:     explicit && included,
	}
	codes := []string{"", "", "reduced", "zero"}
	for j := range 1 + r.IntN(6) {
		qty := 1 + r.Int64N(5)
		price := money(1 + r.Int64N(300*minor))
		li := order.LineInput{SKU: oms.SKU(fmt.Sprintf("SKU-%d", j)), Quantity: qty, UnitPrice: price, TaxCode: codes[r.IntN(len(codes))]}
		if r.IntN(3) == 0 {
			li.Discounts = []order.Discount{{Code: "LINE", Amount: money(1 + r.Int64N(minorOf(price.Mul(qty))))}}
		}
		if explicit {
			li.Tax = money(r.Int64N(minorOf(price.Mul(qty))/10 + 1))
		}
		in.Lines = append(in.Lines, li)
	}
	if r.IntN(2) == 0 {
		in.Discounts = []order.Discount{{Code: "ORDER", Amount: money(1 + r.Int64N(5*minor))}}
	}
	if explicit && in.ShippingCharge.IsPositive() {
		in.ShippingTax = money(r.Int64N(minorOf(in.ShippingCharge)/5 + 1))
	}
	return in
}

// TestQuoteAndPlaceAgreeOn1000Carts: for 1,000 generated carts (line and
// order discounts; explicit taxes added or included, and a tax table with
// inclusive VAT, exclusive sales tax, zero-rated and reduced lines; USD,
// GBP, EUR, JPY and KWD), Place stores exactly the totals Quote returned,
// and a checkout that authorized Quote's grand total gets no
// awaiting_payment hold (issue 12).
func TestQuoteAndPlaceAgreeOn1000Carts(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(12, 1000))
	tbl := testTaxTable(t)
	gw := ordertest.NewFakeGateway()
	explicitSvc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Gateway: gw})
	tableSvc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Gateway: gw, Tax: tbl})
	currencies := []oms.Currency{oms.USD, oms.GBP, oms.EUR, oms.JPY, oms.KWD}
	modes := map[string]int{}
	for i := range 1000 {
		cur := currencies[i%len(currencies)]
		mode := i / len(currencies) % 3 // explicit exclusive, explicit included, table
		in := cart(r, i, cur, mode < 2, mode == 1)
		svc := explicitSvc
		if mode == 2 {
			svc = tableSvc
		}
		q, err := svc.Quote(ctx, in)
		if err != nil {
			if errors.Is(err, oms.ErrValidation) {
				modes["refused"]++
				continue // an order discount above a tiny cart: Place refuses it too
			}
			t.Fatalf("cart %d: Quote: %v", i, err)
		}
		if pkg, err := order.Quote(ctx, in, map[bool]order.TaxCalculator{true: tbl, false: nil}[mode == 2]); err != nil {
			t.Fatalf("cart %d: order.Quote: %v", i, err)
		} else if d := cmp.Diff(q, pkg, ordertest.CmpOptions()); d != "" {
			t.Fatalf("cart %d: order.Quote and Service.Quote differ (-service +func):\n%s", i, d)
		}
		if i%2 == 0 {
			in.Payment = order.PaymentInput{Authorized: q.Totals.GrandTotal, Reference: fmt.Sprint("auth-", i)}
		} else {
			in.Payment = order.PaymentInput{Method: "tok_visa"}
		}
		if !q.Totals.GrandTotal.IsPositive() {
			in.Payment = order.PaymentInput{}
		}
		o, err := svc.Place(ctx, in)
		if err != nil {
			t.Fatalf("cart %d: Place: %v", i, err)
		}
		if d := cmp.Diff(q.Totals, o.Totals, ordertest.CmpOptions()); d != "" {
			t.Fatalf("cart %d (%s, mode %d): Place totals differ from Quote (-quote +place):\n%s", i, cur, mode, d)
		}
		if o.HasOpenHold(order.HoldAwaitingPayment) {
			t.Fatalf("cart %d: authorized Quote's total %s, got an awaiting_payment hold", i, q.Totals.GrandTotal)
		}
		if q.TaxIncluded {
			modes["included"]++
		} else {
			modes["added"]++
		}
		if q.Totals.OrderDiscounts.IsPositive() {
			modes["order discount"]++
		}
	}
	t.Logf("carts by kind: %v", modes)
	if modes["included"] < 200 || modes["added"] < 200 || modes["order discount"] < 200 {
		t.Errorf("carts by kind %v: too few of some kind to mean anything", modes)
	}
}

func TestQuoteRefusesWhatPlaceRefuses(t *testing.T) {
	ctx := context.Background()
	svc, store := newShop()
	in := sampleInput()
	in.Lines[0].Quantity = 0
	in.Shipping.ServiceLevel = "warp"
	_, qerr := svc.Quote(ctx, in)
	_, perr := svc.Place(ctx, in)
	if !errors.Is(qerr, oms.ErrValidation) || fmt.Sprint(qerr) != fmt.Sprint(perr) {
		t.Errorf("Quote err = %v, Place err = %v; want the same validation error", qerr, perr)
	}
	if n := len(store.Outbox().Events("")); n != 0 {
		t.Errorf("refused Place saved %d events", n)
	}
}

func TestQuoteWithTaxCalculatorRefusesExplicitTaxes(t *testing.T) {
	svc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Tax: testTaxTable(t)})
	_, err := svc.Quote(context.Background(), sampleInput())
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("err = %v, want ErrValidation", err)
	}
	checkFields(t, err, []string{"lines[0].tax", "lines[1].tax"})
}

func TestPlaceRefusesABadTaxCalculatorAnswer(t *testing.T) {
	ctx := context.Background()
	answers := map[string]order.TaxResult{
		"too few lines":        {Lines: []oms.Money{usd("1.00")}},
		"negative":             {Lines: []oms.Money{usd("-1.00"), usd("0")}},
		"other currency":       {Lines: []oms.Money{usd("1.00"), oms.MustParseMoney("1 EUR")}},
		"fraction of a cent":   {Lines: []oms.Money{usd("1.001"), usd("0")}},
		"included above price": {Included: true, Lines: []oms.Money{usd("1000.00"), usd("0")}},
	}
	for name, res := range answers {
		t.Run(name, func(t *testing.T) {
			store := order.NewMemoryStore(nil)
			calc := order.TaxFunc(func(context.Context, order.TaxRequest) (order.TaxResult, error) { return res, nil })
			svc := order.NewService(store, &order.ServiceOptions{Tax: calc})
			in := sampleInput()
			for i := range in.Lines {
				in.Lines[i].Tax = oms.Money{}
			}
			if _, err := svc.Place(ctx, in); err == nil {
				t.Fatalf("Place accepted the answer %+v", res)
			}
			if n := len(store.Outbox().Events("")); n != 0 {
				t.Errorf("refused Place saved %d events", n)
			}
		})
	}
}

// TestIncludedTaxThroughTheLifecycle: an order whose prices include VAT
// keeps its grand total at what the customer was quoted, shrinks its tax
// with a cancellation, and captures exactly the grand total once every
// unit has shipped.
func TestIncludedTaxThroughTheLifecycle(t *testing.T) {
	ctx := context.Background()
	gbp := func(s string) oms.Money { return oms.MustParseMoney(s + " GBP") }
	p := newPayShop(order.CaptureOnShipment)
	p.svc = order.NewService(p.store, &order.ServiceOptions{Clock: p.clock, Gateway: p.gw, Tax: testTaxTable(t)})
	in := order.PlaceInput{
		IdempotencyKey: "vat-1", Currency: oms.GBP,
		Customer:        order.Customer{Email: "ada@example.com"},
		ShippingAddress: oms.Address{Name: "Ada", Line1: "1 Sq", City: "London", PostalCode: "SW1Y 4LB", Country: "GB"},
		Lines: []order.LineInput{
			{SKU: "MUG", Quantity: 4, UnitPrice: gbp("12.00")},
			{SKU: "BOOK", Quantity: 1, UnitPrice: gbp("10.00"), TaxCode: "zero"},
		},
		ShippingCharge: gbp("4.80"),
		Payment:        order.PaymentInput{Method: "tok_visa"},
	}
	q, err := p.svc.Quote(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ok := must(t)
	o := ok(p.svc.Place(ctx, in))
	if got := []string{o.Totals.GrandTotal.String(), o.Totals.Tax.String()}; !cmp.Equal(got, []string{"62.80 GBP", "8.80 GBP"}) ||
		!o.Totals.GrandTotal.Equal(q.Totals.GrandTotal) || o.OnHold() {
		t.Fatalf("placed grand total, tax = %v (quoted %s), on hold %v; want 62.80 GBP with 8.80 GBP VAT included", got, q.Totals.GrandTotal, o.OnHold())
	}
	o = ok(p.svc.Confirm(ctx, o.ID))
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}}))
	if got := []string{o.Totals.GrandTotal.String(), o.Totals.Tax.String()}; !cmp.Equal(got, []string{"38.80 GBP", "4.80 GBP"}) {
		t.Errorf("after cancelling 2 mugs: grand total, tax = %v, want [38.80 GBP 4.80 GBP]", got)
	}
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}, {LineID: o.Lines[1].ID, Quantity: 1}}
	o = ok(p.svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a", Lines: all}))
	o = ok(p.svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: all}))
	o = ok(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s", Lines: all}))
	if !o.Payment.Captured.Equal(o.Totals.GrandTotal) {
		t.Errorf("captured %s after shipping everything, want the grand total %s", o.Payment.Captured, o.Totals.GrandTotal)
	}
}

func TestTaxCalculatorErrorRefusesQuoteAndPlace(t *testing.T) {
	ctx := context.Background()
	down := errors.New("tax service down")
	store := order.NewMemoryStore(nil)
	svc := order.NewService(store, &order.ServiceOptions{Tax: order.TaxFunc(func(context.Context, order.TaxRequest) (order.TaxResult, error) {
		return order.TaxResult{}, down
	})})
	in := sampleInput()
	for i := range in.Lines {
		in.Lines[i].Tax = oms.Money{}
	}
	if _, err := svc.Quote(ctx, in); !errors.Is(err, down) {
		t.Errorf("Quote: err = %v, want the calculator's error", err)
	}
	if _, err := svc.Place(ctx, in); !errors.Is(err, down) {
		t.Errorf("Place: err = %v, want the calculator's error", err)
	}
	if n := len(store.Outbox().Events("")); n != 0 {
		t.Errorf("refused Place saved %d events", n)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.Quote(cctx, in); !errors.Is(err, context.Canceled) {
		t.Errorf("Quote with a cancelled context: err = %v", err)
	}
}
