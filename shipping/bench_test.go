package shipping_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func benchShopper(b *testing.B, opts *shipping.RateShopperOptions) *shipping.RateShopper {
	b.Helper()
	var carriers []shipping.Carrier
	for i := range 10 {
		carriers = append(carriers, shippingtest.NewFakeCarrier(fmt.Sprintf("carrier%02d", i), nil))
	}
	s, err := shipping.NewRateShopper(carriers, opts)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRateShop shops 10 fake carriers that answer at once (2 rates
// each): the shopper's own overhead per request.
func BenchmarkRateShop(b *testing.B) {
	s := benchShopper(b, nil)
	req := shippingtest.DefaultRequest()
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		res, err := s.Shop(ctx, req)
		if err != nil || len(res.Rates) != 20 {
			b.Fatalf("%v %d", err, len(res.Rates))
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "shops/s")
}

// BenchmarkRateShopCached is BenchmarkRateShop with every answer cached.
func BenchmarkRateShopCached(b *testing.B) {
	s := benchShopper(b, &shipping.RateShopperOptions{CacheTTL: time.Hour, Clock: oms.NewManualClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))})
	req := shippingtest.DefaultRequest()
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := s.Shop(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "shops/s")
}

// BenchmarkSelect measures the selection rules over 40 rates.
func BenchmarkSelect(b *testing.B) {
	var rates []shipping.Rate
	for range 8 {
		rates = append(rates, sampleRates()[:5]...)
	}
	p := shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: oms.MustParseMoney("1.50 USD")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Select(rates); err != nil {
			b.Fatal(err)
		}
	}
}
