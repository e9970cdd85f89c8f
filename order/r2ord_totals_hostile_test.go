package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/shopspring/decimal"
)

// TestComputeTotalsOfAmountsOfAHugeExponentAnswersAtOnce: ComputeTotals
// and ShippedValue, pure functions a host calls on orders it builds or
// reads back, added an amount of a huge exponent (a unit price, a
// discount, a tax or the shipping charge of 1 USD × 1e1000000000) to the
// others, which computes 10^1e9, and never returned. They now refuse it
// at once with oms.ErrValidation naming the amount.
func TestComputeTotalsOfAmountsOfAHugeExponentAnswersAtOnce(t *testing.T) {
	svc, _ := newShop()
	placed := must(t)(svc.Place(context.Background(), sampleInput()))
	for _, exp := range []int32{1_000_000_000, -1_000_000_000} {
		huge := oms.MustParseMoney("1 USD").MulRate(decimal.New(1, exp))
		for name, set := range map[string]func(o *order.Order){
			"unit price":      func(o *order.Order) { o.Lines[1].UnitPrice = huge },
			"line discount":   func(o *order.Order) { o.Lines[1].Discounts = []order.Discount{{Amount: huge}} },
			"line tax":        func(o *order.Order) { o.Lines[1].Tax = huge },
			"order discount":  func(o *order.Order) { o.Discounts = []order.Discount{{Amount: huge}} },
			"shipping charge": func(o *order.Order) { o.ShippingCharge = huge },
			"shipping tax":    func(o *order.Order) { o.ShippingTax = huge },
		} {
			o := placed.Clone()
			set(o)
			err := within(t, "ComputeTotals with a "+name, func() error { _, err := order.ComputeTotals(o); return err })
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("ComputeTotals with a %s of exponent %d: %v, want oms.ErrValidation", name, exp, err)
			}
		}
		for name, set := range map[string]func(t *order.Totals){
			"line total": func(t *order.Totals) { t.Lines[0].Total = huge },
			"shipping":   func(t *order.Totals) { t.Shipping = huge },
			"tax":        func(t *order.Totals) { t.Tax = huge },
		} {
			o := placed.Clone()
			o.Lines[0].Shipped = 1
			tt := o.Totals
			tt.Lines = append([]order.LineTotals(nil), tt.Lines...)
			set(&tt)
			err := within(t, "ShippedValue with a "+name, func() error { _, err := order.ShippedValue(o, tt); return err })
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("ShippedValue with a %s of exponent %d: %v, want oms.ErrValidation", name, exp, err)
			}
		}
	}
}
