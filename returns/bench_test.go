package returns_test

import (
	"fmt"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

func benchOrder(b *testing.B) *order.Order {
	var specs []lineSpec
	for i := range 10 {
		specs = append(specs, lineSpec{fmt.Sprintf("SKU-%d", i), int64(3 + i), "12.99", "1.00", "3.21"})
	}
	return pureOrder(b, oms.USD, specs, "7.77", "5.00", "0.40")
}

// BenchmarkCalculateRefund refunds units of three lines of a ten-line
// order with fees and deducted return shipping. Its yardstick is
// BenchmarkComputeTotals on the same order: a refund costs a few totals.
func BenchmarkCalculateRefund(b *testing.B) {
	o := benchOrder(b)
	p := returns.Policy{RestockingFee: returns.Fee{Percent: decimal.RequireFromString("0.15")},
		ReturnShipping: returns.ReturnShippingDeducted, ReturnShippingFee: money("6.95 USD"), ShippingRefund: returns.ShippingRefundProrated}
	in := returns.CalcInput{Items: []returns.RefundItem{item("L1", 2, "doesnt_fit"), item("L4", 1, "damaged"), item("L9", 5, "other")}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := returns.CalculateRefund(o, &p, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refunds/s")
}

// BenchmarkComputeTotals is the yardstick of BenchmarkCalculateRefund.
func BenchmarkComputeTotals(b *testing.B) {
	o := benchOrder(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := order.ComputeTotals(o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "totals/s")
}
