package returns_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

// FuzzCalculateRefund feeds CalculateRefund orders and items that the
// order package would never produce (counters past their bounds, huge
// quantities and prices): it must return an error or a breakdown whose
// amounts are never negative, sum to its total and stay within what was
// captured and not refunded, and never panic.
func FuzzCalculateRefund(f *testing.F) {
	f.Add(int64(3), int64(1200), int64(288), int64(0), int64(1), int64(1), int64(0), int64(1000), uint8(15), false)
	f.Add(int64(1), int64(1), int64(0), int64(0), int64(1), int64(1), int64(0), int64(0), uint8(0), true)
	f.Add(int64(1<<50), int64(1<<40), int64(7), int64(3), int64(1<<49), int64(1<<50), int64(-4), int64(1<<62), uint8(100), false)
	f.Fuzz(func(t *testing.T, qty, price, tax, refunded, ask, shipped, refundedBefore, captured int64, pct uint8, claim bool) {
		usd := func(units int64) oms.Money { m, _ := oms.FromMinor(units, oms.USD); return m }
		if qty <= 0 || qty > oms.MaxQuantity || price < 0 || tax < 0 || captured < 0 {
			return
		}
		o := &order.Order{ID: "01JFUZZ0000000000000000000", Currency: oms.USD, Lines: []order.Line{{
			ID: "L1", SKU: "S", Quantity: qty, UnitPrice: usd(price), Tax: usd(tax),
			Shipped: shipped, Delivered: shipped, Refunded: refundedBefore, RefundedAmount: usd(refunded),
		}}}
		o.Payment.Captured = usd(captured)
		p := returns.Policy{RestockingFee: returns.Fee{Percent: decimal.New(int64(pct%101), -2)}, ReturnShipping: returns.ReturnShippingDeducted,
			ReturnShippingFee: usd(695), ShippingRefund: returns.ShippingRefundProrated}
		b, err := returns.CalculateRefund(o, &p, returns.CalcInput{Items: []returns.RefundItem{{OrderLineID: "L1", Quantity: ask, Reason: returns.ReasonDoesntFit}}, Claim: claim})
		if err != nil {
			return
		}
		sum := b.Shipping
		for _, l := range b.Lines {
			if l.Amount.IsNegative() || l.Value.IsNegative() || l.RestockingFee.IsNegative() || l.ReturnShipping.IsNegative() {
				t.Fatalf("negative part: %+v", l)
			}
			sum, _ = sum.Add(l.Amount)
		}
		if !sum.Equal(b.Total) || b.Total.IsNegative() || b.Total.Amount().GreaterThan(usd(captured).Amount()) {
			t.Fatalf("total %s, parts %s, captured %s", b.Total, sum, usd(captured))
		}
	})
}
