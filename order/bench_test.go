package order_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// tenLines returns a placement of ten lines with line discounts, tax and an
// order-level discount.
func tenLines() order.PlaceInput {
	in := sampleInput()
	in.IdempotencyKey = ""
	in.Lines = nil
	for i := range 10 {
		in.Lines = append(in.Lines, order.LineInput{
			SKU: oms.SKU(fmt.Sprintf("SKU-%02d", i)), Name: "Item", Quantity: int64(1 + i%3),
			UnitPrice: usd(fmt.Sprintf("%d.99", 5+i)), Tax: usd(fmt.Sprintf("0.%02d", 40+i)),
			Discounts: []order.Discount{{Code: "LINE", Amount: usd("1.00")}},
		})
	}
	in.Payment = order.PaymentInput{Authorized: usd("500.00"), Reference: "auth"}
	return in
}

func BenchmarkPlace(b *testing.B) {
	svc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Clock: oms.NewManualClock(oms.SystemClock().Now())})
	ctx := context.Background()
	in := tenLines()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Place(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkPlaceKeyed places with a fresh idempotency key each time: the
// key lookup, the derived ID and the content digest a replay compares.
func BenchmarkPlaceKeyed(b *testing.B) {
	svc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Clock: oms.NewManualClock(oms.SystemClock().Now())})
	ctx := context.Background()
	in := tenLines()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		in.IdempotencyKey = "cart-" + strconv.Itoa(i)
		if _, err := svc.Place(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

func BenchmarkTotals(b *testing.B) {
	svc, _ := newShop()
	o, err := svc.Place(context.Background(), tenLines())
	if err != nil {
		b.Fatal(err)
	}
	o.Lines[3].Cancelled = 1
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := order.ComputeTotals(o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "totals/s")
}
