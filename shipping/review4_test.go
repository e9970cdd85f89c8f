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

func TestGuaranteedServicesShippingInYear9999QuoteValidRates(t *testing.T) {
	// The delivery window of a parcel handed over on 9999-12-31 falls
	// after year 9999 and is unknown; the carriers still marked the rate
	// guaranteed, which Rate.Validate refuses, so the shopper dropped the
	// carrier's only rate as malformed.
	req := review4Request()
	req.Destination = oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}
	req.ShipDate = oms.NewDate(9999, 12, 31)
	flat, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{Code: "flat", Services: []shipping.FlatRateService{
		{Code: "priority", Level: oms.LevelExpress, Price: usd("9.00"), TransitDays: 3, Guaranteed: true}}})
	if err != nil {
		t.Fatal(err)
	}
	carriers := []shipping.Carrier{flat, tableCarrier(t)}
	for _, c := range carriers {
		rates, err := c.Rates(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", c.Code(), err)
		}
		for _, r := range rates {
			if err := r.Validate(); err != nil {
				t.Errorf("%s: rate %s: %v", c.Code(), r.Key(), err)
			}
			if r.Guaranteed && r.Delivery.IsZero() {
				t.Errorf("%s: rate %s guarantees an unknown delivery day", c.Code(), r.Key())
			}
		}
	}
	s, err := shipping.NewRateShopper(carriers, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Shop(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range res.Carriers {
		if rep.Status != shipping.StatusOK {
			t.Errorf("%s: status %s (%v), want ok", rep.Carrier, rep.Status, rep.Err)
		}
	}
}

func TestPickupAtOfAnUnvalidatedDispatchNeitherPanicsNorLeavesTheDay(t *testing.T) {
	day := oms.NewDate(2026, 11, 24)
	for _, d := range []shipping.Dispatch{
		{}, // no calendar: Calendar.Location dereferenced a nil *Calendar
		{Calendar: newYork(t), Pickup: -time.Hour},                             // 23:00 the day before
		{Calendar: newYork(t), CutOff: -30 * time.Minute},                      // 23:30 the day before
		{Calendar: newYork(t), Pickup: -time.Hour, CutOff: 14 * time.Hour},     // the cut-off
		{Calendar: newYork(t), Pickup: 16 * time.Hour, CutOff: -2 * time.Hour}, // the pickup
	} {
		var at time.Time
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%+v: PickupAt panicked: %v", d, p)
				}
			}()
			at = d.PickupAt(day)
		}()
		loc := d.Calendar.Location()
		if got := oms.DateIn(at, loc); got != day {
			t.Errorf("%+v: PickupAt(%s) = %s, on %s", d, day, at, got)
		}
	}
	d := shipping.Dispatch{Calendar: newYork(t), Pickup: -time.Hour, CutOff: 14 * time.Hour}
	if got := d.PickupAt(day); got.Hour() != 14 {
		t.Errorf("an invalid pickup with a 14:00 cut-off: %s, want 14:00", got)
	}
}

func TestCheapestByRefusesADayThatIsNotADay(t *testing.T) {
	// Delivered on March 1, so in time for "February 30" (March 2), but
	// dates compare field by field and 2026-03-01 sorts after 2026-02-30:
	// CheapestBy answered that no rate delivers in time.
	rate := shipping.Rate{Carrier: "ups", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("5.00"),
		TransitDays: 2, Delivery: shipping.Window{Earliest: oms.NewDate(2026, 3, 1), Latest: oms.NewDate(2026, 3, 1)}}
	for _, by := range []oms.Date{{Year: 2026, Month: 2, Day: 30}, {}, {Year: 10000, Month: 1, Day: 1}} {
		_, err := shipping.CheapestBy([]shipping.Rate{rate}, by)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("CheapestBy(%q) = %v, want a validation error", by, err)
		}
	}
	if got, err := shipping.CheapestBy([]shipping.Rate{rate}, oms.NewDate(2026, 3, 1)); err != nil || got.Key() != "ups/ground" {
		t.Errorf("CheapestBy(2026-03-01) = %s, %v", got.Key(), err)
	}
}
