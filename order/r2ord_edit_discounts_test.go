package order_test

import (
	"context"
	"testing"

	"github.com/omskit/oms/order"
)

// TestEditScalingSeveralLineDiscountsStaysWithinTheLine: Edit scales a
// line's discounts in proportion to its new quantity, but rounded each
// discount on its own, so three discounts of 10.00 on a free line of
// three 10.00 units became three of 6.67 for two units: 20.01 of
// discounts on a 20.00 line, and the edit was refused ("discounts 20.01
// USD exceed the subtotal 20.00 USD", naming discounts the caller never
// gave). The discounts now scale together: the line stays free, its
// discounts summing to 20.00.
func TestEditScalingSeveralLineDiscountsStaysWithinTheLine(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	svc, _ := newShop()
	in := sampleInput()
	in.Lines = []order.LineInput{
		{SKU: "GIFT", Quantity: 3, UnitPrice: usd("10.00"), Discounts: []order.Discount{
			{Code: "A", Amount: usd("10.00")}, {Code: "B", Amount: usd("10.00")}, {Code: "C", Amount: usd("10.00")}}},
		{SKU: "MUG", Quantity: 1, UnitPrice: usd("12.00")},
	}
	in.Discounts = nil
	o := ok(svc.Place(ctx, in))
	o = ok(svc.Edit(ctx, o.ID, order.EditInput{Key: "e1", Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "GIFT"}, Quantity: 2}}}))
	lt := o.Totals.Lines[0]
	if !lt.LineDiscount.Equal(usd("20.00")) || !lt.Total.Equal(usd("0.00")) {
		t.Errorf("the free line after the edit: discount %s, total %s; want 20.00 and 0.00", lt.LineDiscount, lt.Total)
	}
}
