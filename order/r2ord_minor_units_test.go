package order_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestAmountsSpelledWithExtraZerosKeepTotalsInMinorUnits: an amount
// spelled with more decimals than its currency has, all of them zeros
// ("10.000 USD", "100.0 JPY", "10.0000 KWD", as JSON or ParseMoney read
// them), passed as rounded and was stored with its exponent; the order
// discount prorated over equal lines and a line's tax split by a
// cancellation were then cut at that precision, so totals held fractions
// of the minor unit (an order discount share of 3.334 USD, 2.667 USD
// after cancelling one of three units, a grand total of 119.334 USD after
// an edit), which no gateway can capture. A TaxCalculator's tax of
// "0.100 USD" did the same.
func TestAmountsSpelledWithExtraZerosKeepTotalsInMinorUnits(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		cur                            oms.Currency
		price, lineDisc, tax, discount string // price with the currency's decimals, the rest with one zero more
	}{
		{oms.USD, "10.00", "1.000", "1.000", "10.000"},
		{oms.JPY, "1000", "100.0", "100.0", "1000.0"},
		{oms.KWD, "10.000", "1.0000", "1.0000", "10.0000"},
	} {
		t.Run(string(tc.cur), func(t *testing.T) {
			m := func(s string) oms.Money { return oms.MustParseMoney(s + " " + string(tc.cur)) }
			price := m(tc.price)
			in := sampleInput()
			in.IdempotencyKey = ""
			in.Currency = tc.cur
			in.Payment = order.PaymentInput{}
			in.ShippingCharge = m(tc.tax)
			// Three lines worth 29 units after line discounts each: the
			// order discount of 10 splits 3.34, 3.33, 3.33.
			in.Lines = []order.LineInput{
				{SKU: "A", Quantity: 1, UnitPrice: price.Mul(3), Discounts: []order.Discount{{Amount: m(tc.lineDisc)}}},
				{SKU: "B", Quantity: 1, UnitPrice: price.Mul(3), Discounts: []order.Discount{{Amount: m(tc.lineDisc)}}},
				{SKU: "C", Quantity: 3, UnitPrice: price, Tax: m(tc.tax), Discounts: []order.Discount{{Amount: m(tc.lineDisc)}}},
			}
			in.Discounts = []order.Discount{{Amount: m(tc.discount)}}
			rounded := func(what string, tt order.Totals) {
				t.Helper()
				all := []oms.Money{tt.Subtotal, tt.LineDiscounts, tt.OrderDiscounts, tt.Discount, tt.Shipping, tt.ShippingTax, tt.Tax, tt.GrandTotal}
				for _, lt := range tt.Lines {
					all = append(all, lt.Subtotal, lt.LineDiscount, lt.OrderDiscount, lt.Tax, lt.Total)
				}
				for _, a := range all {
					if !a.IsRounded() {
						t.Errorf("%s: %s is not in minor units of %s (grand total %s)", what, a, tc.cur, tt.GrandTotal)
						return
					}
				}
			}
			q, err := order.Quote(ctx, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			rounded("quote", q.Totals)
			svc, _ := newShop()
			o, err := svc.Place(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			rounded("place", o.Totals)
			o, err = svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[2].ID, Quantity: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			rounded("after cancelling one unit", o.Totals)
			// An edit's amounts too.
			tax := m(tc.lineDisc)
			o, err = svc.Edit(ctx, o.ID, order.EditInput{
				Add:    []order.LineInput{{SKU: "D", Quantity: 3, UnitPrice: price, Tax: m(tc.tax)}},
				Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[0].ID}, Quantity: 3, Tax: &tax}},
			})
			if err != nil {
				t.Fatal(err)
			}
			o, err = svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}, {LineID: o.Lines[3].ID, Quantity: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			rounded("after an edit and a cancellation", o.Totals)
		})
	}
	t.Run("tax calculator", func(t *testing.T) {
		tax := order.TaxFunc(func(_ context.Context, req order.TaxRequest) (order.TaxResult, error) {
			r := order.TaxResult{Lines: make([]oms.Money, len(req.Lines)), Shipping: oms.MustParseMoney("0.100 USD")}
			for i := range r.Lines {
				r.Lines[i] = oms.MustParseMoney("0.100 USD")
			}
			return r, nil
		})
		store := order.NewMemoryStore(nil)
		svc := order.NewService(store, &order.ServiceOptions{Tax: tax})
		in := sampleInput()
		for i := range in.Lines {
			in.Lines[i].Tax = oms.Money{}
		}
		o, err := svc.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		o, err = svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if lt := o.Totals.Lines[0]; !lt.Tax.IsRounded() || !o.Totals.GrandTotal.IsRounded() {
			t.Errorf("after cancelling one of three units taxed 0.100 USD: line tax %s, grand total %s", lt.Tax, o.Totals.GrandTotal)
		}
	})
}
