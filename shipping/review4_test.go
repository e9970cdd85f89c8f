package shipping_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func review4Request() shipping.RateRequest {
	return shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US"},
		Parcels: []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(500)}}}
}

// afterDeadlineCarrier ignores the request until its context is done and
// then answers with good rates: an answer after its deadline.
type afterDeadlineCarrier struct{}

func (afterDeadlineCarrier) Code() string { return "late" }

func (afterDeadlineCarrier) Rates(ctx context.Context, _ shipping.RateRequest) ([]shipping.Rate, error) {
	<-ctx.Done()
	return shippingtest.DefaultRates("late"), nil
}

func TestRatesAnsweredAfterTheCarrierTimeoutAreATimeout(t *testing.T) {
	// The carrier answers only once its context is done. Whether the
	// shopper read that answer before it noticed the timeout was a race
	// between two goroutines (about half the shops under -race returned
	// the late rates as ok); every shop must report a timeout.
	for i := range 500 {
		s, err := shipping.NewRateShopper([]shipping.Carrier{afterDeadlineCarrier{}},
			&shipping.RateShopperOptions{CarrierTimeout: time.Microsecond, BreakerThreshold: -1})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Shop(context.Background(), review4Request())
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := res.Report("late")
		if rep.Status != shipping.StatusTimeout || len(res.Rates) != 0 || !errors.Is(rep.Err, shipping.ErrCarrierTimeout) {
			t.Fatalf("shop %d: status %s, %d rates, err %v; want a timeout and no rates", i, rep.Status, len(res.Rates), rep.Err)
		}
	}
}

func TestRatesAnsweredAfterTheCallersDeadlineAreATimeout(t *testing.T) {
	s, err := shipping.NewRateShopper([]shipping.Carrier{afterDeadlineCarrier{}}, &shipping.RateShopperOptions{BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Microsecond)
		res, err := s.Shop(ctx, review4Request())
		cancel()
		if err != nil {
			continue // the deadline passed before the shop started
		}
		rep, _ := res.Report("late")
		if rep.Status != shipping.StatusTimeout || len(res.Rates) != 0 {
			t.Fatalf("shop %d: status %s, %d rates; want a timeout and no rates", i, rep.Status, len(res.Rates))
		}
	}
}
