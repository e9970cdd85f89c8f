package order

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// randomMoney returns an amount in cur with a random coefficient and
// exponent: usually a rounded price, sometimes zero, the zero Money, extra
// decimals, a coefficient near the int64 limit or beyond it.
func randomMoney(r *rand.Rand, cur oms.Currency) oms.Money {
	var d decimal.Decimal
	switch r.IntN(60) {
	case 0:
		return oms.Money{}
	case 1:
		return oms.Zero(cur)
	case 2:
		d = decimal.New(0, -int32(r.IntN(4)))
	case 3:
		d = decimal.New(r.Int64N(1e6), -int32(r.IntN(6)))
	case 4:
		d = decimal.New(r.Int64N(1e18), -2)
	case 5:
		d = decimal.RequireFromString("123456789012345678901234567890.12")
	case 6:
		d = decimal.New(r.Int64N(100), int32(r.IntN(3)))
	default:
		d = decimal.New(r.Int64N(10000), -2)
	}
	m, err := oms.NewMoney(d, cur)
	if err != nil {
		panic(err)
	}
	return m
}

func randomOrder(r *rand.Rand) *Order {
	cur := oms.USD
	if r.IntN(8) == 0 {
		cur = oms.JPY
	}
	o := &Order{ID: "o", Currency: cur}
	for i := range 1 + r.IntN(12) {
		q := 1 + r.Int64N(5)
		l := Line{ID: oms.ID(fmt.Sprint("l", i)), Quantity: q, Cancelled: r.Int64N(q + 1)}
		l.UnitPrice = randomMoney(r, cur)
		l.Tax = randomMoney(r, cur)
		for range r.IntN(3) {
			l.Discounts = append(l.Discounts, Discount{Amount: randomMoney(r, cur)})
		}
		if r.IntN(40) == 0 {
			l.Tax = oms.MustParseMoney("1.00 EUR")
		}
		o.Lines = append(o.Lines, l)
	}
	for range r.IntN(3) {
		o.Discounts = append(o.Discounts, Discount{Amount: randomMoney(r, cur)})
	}
	o.ShippingCharge = randomMoney(r, cur)
	o.ShippingTax = randomMoney(r, cur)
	return o
}

// sameMoney reports whether a and b are the same amount in the same
// currency with the same exponent (so they print the same with every
// decimal setting).
func sameMoney(a, b oms.Money) bool {
	return a.Equal(b) && a.Amount().Exponent() == b.Amount().Exponent() && a.String() == b.String()
}

// TestFastTotalsMatchExact checks that the int64 path of ComputeTotals
// gives exactly what the decimal path gives, amount by amount, and that it
// declines (leaving the answer to the decimal path) whenever it cannot.
func TestFastTotalsMatchExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	fast, declined := 0, 0
	for n := range 20000 {
		o := randomOrder(r)
		got, ok := fastTotals(o)
		want, err := exactTotals(o)
		if !ok {
			declined++
			continue
		}
		fast++
		if err != nil {
			t.Fatalf("order %d: fast path succeeded where the exact one fails: %v", n, err)
		}
		type pair struct {
			name string
			a, b oms.Money
		}
		ps := []pair{{"subtotal", got.Subtotal, want.Subtotal}, {"line_discounts", got.LineDiscounts, want.LineDiscounts},
			{"order_discounts", got.OrderDiscounts, want.OrderDiscounts}, {"discount", got.Discount, want.Discount},
			{"shipping", got.Shipping, want.Shipping}, {"tax", got.Tax, want.Tax}, {"grand_total", got.GrandTotal, want.GrandTotal}}
		if got.Currency != want.Currency || len(got.Lines) != len(want.Lines) {
			t.Fatalf("order %d: currency %s/%s, %d/%d lines", n, got.Currency, want.Currency, len(got.Lines), len(want.Lines))
		}
		for i := range got.Lines {
			g, w := got.Lines[i], want.Lines[i]
			if g.LineID != w.LineID || g.Quantity != w.Quantity {
				t.Fatalf("order %d line %d: %+v, want %+v", n, i, g, w)
			}
			ps = append(ps, pair{fmt.Sprintf("lines[%d].subtotal", i), g.Subtotal, w.Subtotal},
				pair{fmt.Sprintf("lines[%d].line_discount", i), g.LineDiscount, w.LineDiscount},
				pair{fmt.Sprintf("lines[%d].order_discount", i), g.OrderDiscount, w.OrderDiscount},
				pair{fmt.Sprintf("lines[%d].tax", i), g.Tax, w.Tax},
				pair{fmt.Sprintf("lines[%d].total", i), g.Total, w.Total})
		}
		for _, p := range ps {
			if !sameMoney(p.a, p.b) {
				t.Fatalf("order %d: %s = %s (exp %d), exact path %s (exp %d)", n, p.name, p.a, p.a.Amount().Exponent(), p.b, p.b.Amount().Exponent())
			}
		}
	}
	t.Logf("%d orders on the fast path, %d declined", fast, declined)
	if fast < 1000 || declined < 1000 {
		t.Errorf("want both paths exercised: %d fast, %d declined", fast, declined)
	}
}

// TestFastTotalsDeclines checks the cases the int64 path must leave to the
// decimal path.
func TestFastTotalsDeclines(t *testing.T) {
	usd := oms.MustParseMoney
	base := func() *Order {
		return &Order{Currency: oms.USD, Lines: []Line{{ID: "a", Quantity: 2, UnitPrice: usd("5.00 USD")}}}
	}
	if _, ok := fastTotals(base()); !ok {
		t.Fatal("an ordinary order declined")
	}
	huge, _ := oms.NewMoney(decimal.New(9e18, -2), oms.USD)
	for name, o := range map[string]*Order{
		"bad currency":      {Currency: "XXY"},
		"mismatch":          func() *Order { o := base(); o.ShippingCharge = usd("1.00 EUR"); return o }(),
		"discount mismatch": func() *Order { o := base(); o.Discounts = []Discount{{Amount: usd("1.00 EUR")}}; return o }(),
		"over subtotal":     func() *Order { o := base(); o.Lines[0].Discounts = []Discount{{Amount: usd("11.00 USD")}}; return o }(),
		"overflow":          func() *Order { o := base(); o.Lines[0].UnitPrice = huge; return o }(),
		"exponent spread":   func() *Order { o := base(); o.ShippingCharge, _ = oms.NewMoney(decimal.New(7, 30), oms.USD); return o }(),
	} {
		if _, ok := fastTotals(o); ok {
			t.Errorf("%s: fast path did not decline", name)
		}
	}
}
