package returns_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

func money(s string) oms.Money { return oms.MustParseMoney(s) }

// lineSpec is an order line for the pure refund tests: every unit shipped
// and delivered.
type lineSpec struct {
	sku      string
	qty      int64
	price    string
	discount string // for the full quantity; "" is none
	tax      string // for the full quantity; "" is none
}

// pureOrder builds a delivered order with totals computed by the order
// package and everything captured.
func pureOrder(t testing.TB, cur oms.Currency, lines []lineSpec, orderDiscount, shipping, shippingTax string) *order.Order {
	t.Helper()
	amt := func(s string) oms.Money {
		if s == "" {
			return oms.Zero(cur)
		}
		return money(s + " " + string(cur))
	}
	o := &order.Order{ID: "01JORDER0000000000000000A1", Currency: cur, Status: order.StatusCompleted,
		ShippingCharge: amt(shipping), ShippingTax: amt(shippingTax)}
	for i, l := range lines {
		ol := order.Line{ID: oms.ID(fmt.Sprintf("L%d", i+1)), SKU: oms.SKU(l.sku), Name: l.sku, Quantity: l.qty, UnitPrice: amt(l.price),
			Tax: amt(l.tax), RequiresShipping: true, Allocated: l.qty, Fulfilled: l.qty, Shipped: l.qty, Delivered: l.qty}
		if l.discount != "" {
			ol.Discounts = []order.Discount{{Amount: amt(l.discount)}}
		}
		o.Lines = append(o.Lines, ol)
	}
	if orderDiscount != "" {
		o.Discounts = []order.Discount{{Code: "PROMO", Amount: amt(orderDiscount)}}
	}
	tot, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = tot
	o.Payment = order.Payment{Captured: tot.GrandTotal, Refunded: oms.Zero(cur), Authorized: tot.GrandTotal}
	return o
}

// record applies a refund breakdown to o as order.Service.Refund does.
func record(t testing.TB, o *order.Order, b returns.Breakdown) {
	t.Helper()
	cur := o.Currency
	add := func(a, b oms.Money) oms.Money {
		if a.Currency() == "" {
			a = oms.Zero(cur)
		}
		s, err := a.Add(b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, lr := range b.Lines {
		for i := range o.Lines {
			if o.Lines[i].ID == lr.OrderLineID {
				o.Lines[i].Refunded += lr.Quantity
				o.Lines[i].RefundedAmount = add(o.Lines[i].RefundedAmount, lr.Amount)
			}
		}
	}
	o.RefundedShipping = add(o.RefundedShipping, b.Shipping)
	o.Payment.Refunded = add(o.Payment.Refunded, b.Total)
}

// lineRow is what the table tests compare: a line's figures as strings.
type lineRow struct {
	Line                                                     oms.ID
	Qty                                                      int64
	Subtotal, LineDisc, OrderDisc, Tax, Value, Fee, Ret, Amt string
}

func rows(b returns.Breakdown) []lineRow {
	var out []lineRow
	for _, l := range b.Lines {
		out = append(out, lineRow{l.OrderLineID, l.Quantity, l.Subtotal.String(), l.LineDiscount.String(), l.OrderDiscount.String(),
			l.Tax.String(), l.Value.String(), l.RestockingFee.String(), l.ReturnShipping.String(), l.Amount.String()})
	}
	return out
}

type step struct {
	items    []returns.RefundItem
	cost     string // return label price; "" none
	lines    []lineRow
	shipping string
	total    string
}

func item(line string, q int64, r returns.Reason) returns.RefundItem {
	return returns.RefundItem{OrderLineID: oms.ID(line), Quantity: q, Reason: r}
}

func TestRefundMath(t *testing.T) {
	pct := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	// The order of the order package's examples: 3 mugs at 12.00 (tax
	// 2.88), a tee at 20.00 (tax 1.60), a 10.00 order discount spread as
	// 6.43 / 3.57 by the lines' worth (36 : 20), shipping 5.00.
	mugsAndTee := func(t testing.TB) *order.Order {
		return pureOrder(t, oms.USD, []lineSpec{{"MUG", 3, "12.00", "", "2.88"}, {"TEE", 1, "20.00", "", "1.60"}}, "10.00", "5.00", "")
	}
	cases := []struct {
		name   string
		order  func(testing.TB) *order.Order
		policy returns.Policy
		steps  []step
	}{
		{
			name: "order discount spread over lines, tax exclusive, no shipping refund",
			// One mug: 12.00, its share of the mugs' 6.43 order discount is
			// 6.43 x 1/3 = 2.1433 -> 2.14 (Allocate gives the extra cent to
			// the other two units), tax 2.88/3 = 0.96: 10.82. The tee:
			// 20.00 - 3.57 + 1.60 = 18.03.
			order: mugsAndTee,
			steps: []step{{
				items: []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit), item("L2", 1, returns.ReasonDoesntFit)},
				lines: []lineRow{
					{"L1", 1, "12.00 USD", "0.00 USD", "2.14 USD", "0.96 USD", "10.82 USD", "0.00 USD", "0.00 USD", "10.82 USD"},
					{"L2", 1, "20.00 USD", "0.00 USD", "3.57 USD", "1.60 USD", "18.03 USD", "0.00 USD", "0.00 USD", "18.03 USD"},
				},
				shipping: "0.00 USD", total: "28.85 USD",
			}, {
				// The other two mugs take the rest of the line exactly:
				// 6.43 - 2.14 = 4.29 discount, 2.88 - 0.96 = 1.92 tax.
				items:    []returns.RefundItem{item("L1", 2, returns.ReasonDoesntFit)},
				lines:    []lineRow{{"L1", 2, "24.00 USD", "0.00 USD", "4.29 USD", "1.92 USD", "21.63 USD", "0.00 USD", "0.00 USD", "21.63 USD"}},
				shipping: "0.00 USD", total: "21.63 USD",
			}},
		},
		{
			name:   "shipping refunded with the return that completes the order",
			order:  mugsAndTee,
			policy: returns.Policy{ShippingRefund: returns.ShippingRefundFullReturn},
			steps: []step{{
				items:    []returns.RefundItem{item("L2", 1, returns.ReasonOther)},
				lines:    []lineRow{{"L2", 1, "20.00 USD", "0.00 USD", "3.57 USD", "1.60 USD", "18.03 USD", "0.00 USD", "0.00 USD", "18.03 USD"}},
				shipping: "0.00 USD", total: "18.03 USD",
			}, {
				items:    []returns.RefundItem{item("L1", 3, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 3, "36.00 USD", "0.00 USD", "6.43 USD", "2.88 USD", "32.45 USD", "0.00 USD", "0.00 USD", "32.45 USD"}},
				shipping: "5.00 USD", total: "37.45 USD", // everything captured (55.48) is back
			}},
		},
		{
			name: "shipping prorated over units",
			// 5.00 shipping + 0.40 shipping tax over 4 units: 1.35 each.
			order: func(t testing.TB) *order.Order {
				return pureOrder(t, oms.USD, []lineSpec{{"MUG", 3, "12.00", "", "2.88"}, {"TEE", 1, "20.00", "", "1.60"}}, "10.00", "5.00", "0.40")
			},
			policy: returns.Policy{ShippingRefund: returns.ShippingRefundProrated},
			steps: []step{{
				items:    []returns.RefundItem{item("L1", 1, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 1, "12.00 USD", "0.00 USD", "2.14 USD", "0.96 USD", "10.82 USD", "0.00 USD", "0.00 USD", "10.82 USD"}},
				shipping: "1.35 USD", total: "12.17 USD",
			}},
		},
		{
			name: "tax inclusive prices: a unit refunds exactly its gross price",
			// 7 units at 9.99 including 21% VAT, entered as net 8.26 and
			// VAT 1.73 per unit (12.11 for the line). A 5.00 order
			// discount on the net: 5.00 x 2/7 = 1.4286 -> 1.43.
			order: func(t testing.TB) *order.Order {
				return pureOrder(t, oms.EUR, []lineSpec{{"WINE", 7, "8.26", "", "12.11"}}, "5.00", "", "")
			},
			steps: []step{{
				items:    []returns.RefundItem{item("L1", 2, returns.ReasonNoLongerNeeded)},
				lines:    []lineRow{{"L1", 2, "16.52 EUR", "0.00 EUR", "1.43 EUR", "3.46 EUR", "18.55 EUR", "0.00 EUR", "0.00 EUR", "18.55 EUR"}},
				shipping: "0.00 EUR", total: "18.55 EUR",
			}, {
				items:    []returns.RefundItem{item("L1", 5, returns.ReasonNoLongerNeeded)},
				lines:    []lineRow{{"L1", 5, "41.30 EUR", "0.00 EUR", "3.57 EUR", "8.65 EUR", "46.38 EUR", "0.00 EUR", "0.00 EUR", "46.38 EUR"}},
				shipping: "0.00 EUR", total: "46.38 EUR", // 18.55 + 46.38 = 69.93 - 5.00
			}},
		},
		{
			name: "partial quantities over three returns: a line discount and tax that do not divide",
			// 7 x 3.00, line discount 1.00, tax 1.47. Discount shares of
			// the first 2, 5 and 7 units: 0.29, 0.71, 1.00 (Allocate, the
			// leftover cent to the larger remainder).
			order: func(t testing.TB) *order.Order {
				return pureOrder(t, oms.USD, []lineSpec{{"PEN", 7, "3.00", "1.00", "1.47"}}, "", "", "")
			},
			steps: []step{{
				items:    []returns.RefundItem{item("L1", 2, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 2, "6.00 USD", "0.29 USD", "0.00 USD", "0.42 USD", "6.13 USD", "0.00 USD", "0.00 USD", "6.13 USD"}},
				shipping: "0.00 USD", total: "6.13 USD",
			}, {
				items:    []returns.RefundItem{item("L1", 3, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 3, "9.00 USD", "0.42 USD", "0.00 USD", "0.63 USD", "9.21 USD", "0.00 USD", "0.00 USD", "9.21 USD"}},
				shipping: "0.00 USD", total: "9.21 USD",
			}, {
				items:    []returns.RefundItem{item("L1", 2, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 2, "6.00 USD", "0.29 USD", "0.00 USD", "0.42 USD", "6.13 USD", "0.00 USD", "0.00 USD", "6.13 USD"}},
				shipping: "0.00 USD", total: "6.13 USD", // 6.13 + 9.21 + 6.13 = 21.47, the line's total
			}},
		},
		{
			name: "restocking fee: percent and per unit, waived for a damaged unit",
			// 15% of 40.00 = 6.00 plus 1.50 per unit; the damaged unit pays
			// nothing.
			order: func(t testing.TB) *order.Order {
				return pureOrder(t, oms.USD, []lineSpec{{"LAMP", 2, "40.00", "", ""}, {"VASE", 1, "10.82", "", ""}}, "", "", "")
			},
			policy: returns.Policy{RestockingFee: returns.Fee{Percent: pct("0.15"), PerUnit: money("1.50 USD")}},
			steps: []step{{
				items: []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit), item("L2", 1, returns.ReasonDamaged)},
				lines: []lineRow{
					{"L1", 1, "40.00 USD", "0.00 USD", "0.00 USD", "0.00 USD", "40.00 USD", "7.50 USD", "0.00 USD", "32.50 USD"},
					{"L2", 1, "10.82 USD", "0.00 USD", "0.00 USD", "0.00 USD", "10.82 USD", "0.00 USD", "0.00 USD", "10.82 USD"},
				},
				shipping: "0.00 USD", total: "43.32 USD",
			}, {
				// 15% of 40.00 again: 7.50; the percent rounds half away
				// from zero (a 10.82 unit would pay 1.623 -> 1.62).
				items:    []returns.RefundItem{item("L1", 1, returns.ReasonNoLongerNeeded)},
				lines:    []lineRow{{"L1", 1, "40.00 USD", "0.00 USD", "0.00 USD", "0.00 USD", "40.00 USD", "7.50 USD", "0.00 USD", "32.50 USD"}},
				shipping: "0.00 USD", total: "32.50 USD",
			}},
		},
		{
			name:   "percent fee rounds to the cent",
			order:  mugsAndTee,
			policy: returns.Policy{RestockingFee: returns.Fee{Percent: pct("0.15")}},
			steps: []step{{
				// 10.82 x 15% = 1.623 -> 1.62.
				items:    []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit)},
				lines:    []lineRow{{"L1", 1, "12.00 USD", "0.00 USD", "2.14 USD", "0.96 USD", "10.82 USD", "1.62 USD", "0.00 USD", "9.20 USD"}},
				shipping: "0.00 USD", total: "9.20 USD",
			}},
		},
		{
			name:   "return shipping deducted: the label price spread over the lines by what they refund",
			order:  mugsAndTee,
			policy: returns.Policy{ReturnShipping: returns.ReturnShippingDeducted},
			steps: []step{{
				// 6.95 x 10.82/28.85 = 2.6065 and x 18.03/28.85 = 4.3435:
				// 2.60 + 4.34 leaves a cent, which goes to the larger
				// remainder (0.65): 2.61 and 4.34.
				items: []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit), item("L2", 1, returns.ReasonDoesntFit)},
				cost:  "6.95 USD",
				lines: []lineRow{
					{"L1", 1, "12.00 USD", "0.00 USD", "2.14 USD", "0.96 USD", "10.82 USD", "0.00 USD", "2.61 USD", "8.21 USD"},
					{"L2", 1, "20.00 USD", "0.00 USD", "3.57 USD", "1.60 USD", "18.03 USD", "0.00 USD", "4.34 USD", "13.69 USD"},
				},
				shipping: "0.00 USD", total: "21.90 USD",
			}},
		},
		{
			name:   "return shipping deducted: the policy fee when no label was bought, waived lines pay none",
			order:  mugsAndTee,
			policy: returns.Policy{ReturnShipping: returns.ReturnShippingDeducted, ReturnShippingFee: money("5.00 USD")},
			steps: []step{{
				items: []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit), item("L2", 1, returns.ReasonWrongItem)},
				lines: []lineRow{
					{"L1", 1, "12.00 USD", "0.00 USD", "2.14 USD", "0.96 USD", "10.82 USD", "0.00 USD", "5.00 USD", "5.82 USD"},
					{"L2", 1, "20.00 USD", "0.00 USD", "3.57 USD", "1.60 USD", "18.03 USD", "0.00 USD", "0.00 USD", "18.03 USD"},
				},
				shipping: "0.00 USD", total: "23.85 USD",
			}},
		},
		{
			name:   "free return shipping deducts nothing",
			order:  mugsAndTee,
			policy: returns.Policy{ReturnShipping: returns.ReturnShippingFree, ReturnShippingFee: money("5.00 USD")},
			steps: []step{{
				items:    []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit)},
				cost:     "6.95 USD",
				lines:    []lineRow{{"L1", 1, "12.00 USD", "0.00 USD", "2.14 USD", "0.96 USD", "10.82 USD", "0.00 USD", "0.00 USD", "10.82 USD"}},
				shipping: "0.00 USD", total: "10.82 USD",
			}},
		},
		{
			name: "JPY, no minor unit",
			// 3 x 1000 yen, 100 yen order discount (33 + 67 by Allocate),
			// tax 300.
			order: func(t testing.TB) *order.Order {
				return pureOrder(t, oms.JPY, []lineSpec{{"TEA", 3, "1000", "", "300"}}, "100", "500", "")
			},
			policy: returns.Policy{ShippingRefund: returns.ShippingRefundFullReturn},
			steps: []step{{
				items:    []returns.RefundItem{item("L1", 1, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 1, "1000 JPY", "0 JPY", "33 JPY", "100 JPY", "1067 JPY", "0 JPY", "0 JPY", "1067 JPY"}},
				shipping: "0 JPY", total: "1067 JPY",
			}, {
				items:    []returns.RefundItem{item("L1", 2, returns.ReasonOther)},
				lines:    []lineRow{{"L1", 2, "2000 JPY", "0 JPY", "67 JPY", "200 JPY", "2133 JPY", "0 JPY", "0 JPY", "2133 JPY"}},
				shipping: "500 JPY", total: "2633 JPY",
			}},
		},
		{
			name: "KWD, three decimals",
			// 3 x 1.250 KWD, 0.100 order discount (0.033 + 0.067), tax
			// 0.150 (0.050 each); 15% fee: 1.267 x 0.15 = 0.19005 -> 0.190.
			order: func(t testing.TB) *order.Order {
				return pureOrder(t, oms.KWD, []lineSpec{{"OUD", 3, "1.250", "", "0.150"}}, "0.100", "", "")
			},
			policy: returns.Policy{RestockingFee: returns.Fee{Percent: pct("0.15")}},
			steps: []step{{
				items:    []returns.RefundItem{item("L1", 1, returns.ReasonDoesntFit)},
				lines:    []lineRow{{"L1", 1, "1.250 KWD", "0.000 KWD", "0.033 KWD", "0.050 KWD", "1.267 KWD", "0.190 KWD", "0.000 KWD", "1.077 KWD"}},
				shipping: "0.000 KWD", total: "1.077 KWD",
			}, {
				items:    []returns.RefundItem{item("L1", 2, returns.ReasonDamaged)},
				lines:    []lineRow{{"L1", 2, "2.500 KWD", "0.000 KWD", "0.067 KWD", "0.100 KWD", "2.533 KWD", "0.000 KWD", "0.000 KWD", "2.533 KWD"}},
				shipping: "0.000 KWD", total: "2.533 KWD",
			}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.order(t)
			for i, s := range c.steps {
				in := returns.CalcInput{Items: s.items}
				if s.cost != "" {
					in.ReturnShippingCost = money(s.cost)
				}
				b, err := returns.CalculateRefund(o, &c.policy, in)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if d := cmp.Diff(s.lines, rows(b)); d != "" {
					t.Errorf("step %d lines (-want +got):\n%s", i, d)
				}
				if got := b.Shipping.String(); got != s.shipping {
					t.Errorf("step %d shipping = %s, want %s", i, got, s.shipping)
				}
				if got := b.Total.String(); got != s.total {
					t.Errorf("step %d total = %s, want %s", i, got, s.total)
				}
				checkBreakdown(t, b)
				record(t, o, b)
			}
		})
	}
}

// checkBreakdown checks the sums a payment provider relies on.
func checkBreakdown(t testing.TB, b returns.Breakdown) {
	t.Helper()
	sum := b.Shipping
	for _, l := range b.Lines {
		v, _ := oms.Sum(b.Currency, l.Subtotal, l.LineDiscount.Neg(), l.OrderDiscount.Neg(), l.Tax)
		a, _ := oms.Sum(b.Currency, l.Value, l.RestockingFee.Neg(), l.ReturnShipping.Neg(), l.Capped.Neg())
		if !v.Equal(l.Value) || !a.Equal(l.Amount) || l.Amount.IsNegative() {
			t.Errorf("line %s: value %s (parts %s), amount %s (parts %s)", l.OrderLineID, l.Value, v, l.Amount, a)
		}
		sum, _ = sum.Add(l.Amount)
	}
	if !sum.Equal(b.Total) {
		t.Errorf("total %s, lines and shipping %s", b.Total, sum)
	}
	in := b.RefundInput("k", "r", 0)
	if !in.Amount.Equal(b.Total) || len(in.Lines) != len(b.Lines) {
		t.Errorf("refund input %+v", in)
	}
}

func TestRefundMathCapsAtCaptured(t *testing.T) {
	o := pureOrder(t, oms.USD, []lineSpec{{"MUG", 3, "12.00", "", "2.88"}, {"TEE", 1, "20.00", "", "1.60"}}, "10.00", "5.00", "")
	o.Payment.Captured = money("20.00 USD") // captured on shipment, say
	p := returns.Policy{ShippingRefund: returns.ShippingRefundFullReturn}
	b, err := returns.CalculateRefund(o, &p, returns.CalcInput{Items: []returns.RefundItem{item("L1", 3, "other"), item("L2", 1, "other")}})
	if err != nil {
		t.Fatal(err)
	}
	// 55.48 is worth refunding, 20.00 was captured: shipping goes first,
	// then the last line, then the first.
	if b.Total.String() != "20.00 USD" || b.Shipping.String() != "0.00 USD" ||
		b.Lines[1].Amount.String() != "0.00 USD" || b.Lines[1].Capped.String() != "18.03 USD" ||
		b.Lines[0].Amount.String() != "20.00 USD" || b.Lines[0].Capped.String() != "12.45 USD" {
		t.Errorf("capped breakdown: %+v", rows(b))
	}
	checkBreakdown(t, b)
}

func TestRefundMathBadItems(t *testing.T) {
	o := pureOrder(t, oms.USD, []lineSpec{{"MUG", 3, "12.00", "", "2.88"}}, "", "", "")
	o.Lines[0].Refunded = 1
	cases := map[string][]returns.RefundItem{
		"none":            nil,
		"unknown line":    {item("nope", 1, "other")},
		"zero":            {item("L1", 0, "other")},
		"negative":        {item("L1", -1, "other")},
		"MaxInt64":        {item("L1", math.MaxInt64, "other")},
		"beyond refunded": {item("L1", 3, "other")},
		"twice":           {item("L1", 1, "other"), item("L1", 1, "other")},
	}
	for name, items := range cases {
		if _, err := returns.CalculateRefund(o, nil, returns.CalcInput{Items: items}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := &order.Order{ID: "x"}
	if _, err := returns.CalculateRefund(bad, nil, returns.CalcInput{Items: []returns.RefundItem{item("L1", 1, "")}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("order without currency: %v", err)
	}
}

// TestRefundMathProperty returns random orders in random sequences of
// returns: no refund ever exceeds what was captured, each line's shares
// sum to the line's total, and returning everything without fees refunds
// exactly what was captured (with fees: captured less the fees).
func TestRefundMathProperty(t *testing.T) {
	curs := []oms.Currency{oms.USD, oms.JPY, oms.KWD, oms.EUR}
	for seed := uint64(0); seed < 400; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed*7+1))
		cur := curs[rng.IntN(len(curs))]
		unit := decimal.New(1, -int32(cur.MinorUnits()))
		amt := func(max int64) string {
			if max <= 0 {
				return ""
			}
			return decimal.NewFromInt(rng.Int64N(max + 1)).Mul(unit).String()
		}
		var specs []lineSpec
		var net int64
		for i, n := 0, 1+rng.IntN(4); i < n; i++ {
			qty := int64(1 + rng.IntN(6))
			price := int64(1 + rng.IntN(5000))
			disc := rng.Int64N(price*qty/2 + 1)
			net += price*qty - disc
			specs = append(specs, lineSpec{fmt.Sprintf("S%d", i), qty, decimal.NewFromInt(price).Mul(unit).String(), amt(disc), amt(price * qty / 5)})
			if disc == 0 {
				specs[i].discount = ""
			}
		}
		o := pureOrder(t, cur, specs, amt(net/3), amt(1500), amt(200))
		policy := returns.Policy{ShippingRefund: []returns.ShippingRefund{returns.ShippingRefundFullReturn, returns.ShippingRefundProrated}[rng.IntN(2)]}
		withFees := rng.IntN(2) == 0
		if withFees {
			policy.RestockingFee = returns.Fee{Percent: decimal.New(int64(rng.IntN(30)), -2)}
			policy.ReturnShipping = returns.ReturnShippingDeducted
			policy.ReturnShippingFee = money(decimal.NewFromInt(int64(rng.IntN(900))).Mul(unit).String() + " " + string(cur))
		}
		captured := o.Payment.Captured
		fees := oms.Zero(cur)
		values := make([]oms.Money, len(o.Lines))
		for i := range values {
			values[i] = oms.Zero(cur)
		}
		for {
			var items []returns.RefundItem
			for _, l := range o.Lines {
				if left := l.Shipped - l.Refunded; left > 0 && rng.IntN(2) == 0 {
					items = append(items, returns.RefundItem{OrderLineID: l.ID, Quantity: 1 + rng.Int64N(left), Reason: returns.ReasonDoesntFit})
				}
			}
			if len(items) == 0 {
				done := true
				for _, l := range o.Lines {
					done = done && l.Refunded == l.Shipped
				}
				if done {
					break
				}
				continue
			}
			b, err := returns.CalculateRefund(o, &policy, returns.CalcInput{Items: items})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			checkBreakdown(t, b)
			for _, l := range b.Lines {
				for i := range o.Lines {
					if o.Lines[i].ID == l.OrderLineID {
						values[i], _ = values[i].Add(l.Value)
					}
				}
			}
			f, _ := oms.Sum(cur, b.RestockingFee, b.ReturnShipping)
			fees, _ = fees.Add(f)
			record(t, o, b)
			if c, _ := o.Payment.Refunded.Cmp(captured); c > 0 {
				t.Fatalf("seed %d: refunded %s of %s captured", seed, o.Payment.Refunded, captured)
			}
		}
		for i, lt := range o.Totals.Lines {
			if !values[i].Equal(lt.Total) {
				t.Errorf("seed %d line %d: shares sum to %s, the line's total is %s", seed, i, values[i], lt.Total)
			}
		}
		want, _ := captured.Sub(fees)
		if !o.Payment.Refunded.Equal(want) {
			t.Errorf("seed %d (%s, fees %v): refunded %s, want captured %s less fees %s", seed, cur, withFees, o.Payment.Refunded, captured, fees)
		}
	}
}

func TestRefundMathHostileOrders(t *testing.T) {
	if _, err := returns.CalculateRefund(nil, nil, returns.CalcInput{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("nil order: %v", err)
	}
	mk := func() *order.Order {
		return pureOrder(t, oms.USD, []lineSpec{{"MUG", 3, "12.00", "", "2.88"}}, "", "", "")
	}
	in := returns.CalcInput{Items: []returns.RefundItem{item("L1", 1, "other")}}
	for name, spoil := range map[string]func(o *order.Order){
		"line amount in EUR":       func(o *order.Order) { o.Lines[0].Tax = money("1.00 EUR") },
		"refunded amount in EUR":   func(o *order.Order) { o.Lines[0].RefundedAmount = money("1.00 EUR") },
		"refunded shipping in EUR": func(o *order.Order) { o.RefundedShipping = money("1.00 EUR") },
		"captured in EUR":          func(o *order.Order) { o.Payment.Captured = money("1.00 EUR") },
		"refunded in EUR":          func(o *order.Order) { o.Payment.Refunded = money("1.00 EUR") },
	} {
		o := mk()
		spoil(o)
		if _, err := returns.CalculateRefund(o, nil, in); !errors.Is(err, oms.ErrCurrencyMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Counters out of their bounds do not panic and never refund beyond
	// the line's total or what was captured.
	o := mk()
	o.Lines[0].Refunded = -5
	o.Lines[0].Shipped = math.MaxInt64
	o.Payment.Captured = money("1000000.00 USD")
	b, err := returns.CalculateRefund(o, nil, returns.CalcInput{Items: []returns.RefundItem{item("L1", math.MaxInt64-10, "other")}})
	if err == nil && b.Total.Amount().GreaterThan(o.Totals.GrandTotal.Amount()) {
		t.Errorf("refunded %s of a %s order", b.Total, o.Totals.GrandTotal)
	}
	p := returns.Policy{}
	if vs := p.Evaluate(nil, []returns.RequestLine{{OrderLineID: "x", Quantity: 1}}, time.Time{}, time.Time{}, nil); vs[0].Code != returns.CodeUnknownLine {
		t.Errorf("nil order: %+v", vs)
	}
}
