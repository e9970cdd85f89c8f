package shipping_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// Black-box review of package shipping: defects found through the public
// API only.

func flatForReview(t *testing.T) *shipping.FlatRateCarrier {
	t.Helper()
	flat, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{Code: "flat",
		Services: []shipping.FlatRateService{{Code: "box", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	return flat
}

// TestRateRequestRefusesShipDatesThatAreNotDays: a ship date of February
// 30 was quoted as March 2, and one in year 10000 (or a window pushed there
// from 9999-12-31) gave rates whose delivery dates JSON cannot carry. The
// request refuses a ship date that is not a valid day, the shopper drops
// rates whose window leaves year 9999, and EstimateDelivery refuses to
// estimate past it.
func TestRateRequestRefusesShipDatesThatAreNotDays(t *testing.T) {
	ctx := context.Background()
	flat := flatForReview(t)
	for _, d := range []oms.Date{{Year: 2026, Month: 2, Day: 30}, {Year: 2026, Month: 13, Day: 1}, oms.NewDate(10000, 1, 1), oms.NewDate(-1, 1, 1)} {
		req := shippingtest.DefaultRequest()
		req.ShipDate = d
		var ve *oms.ValidationError
		if err := req.Validate(); !errors.As(err, &ve) || !ve.Has("ship_date") {
			t.Errorf("ship date %#v: Validate = %v, want a validation error on ship_date", d, err)
		}
		if rates, err := flat.Rates(ctx, req); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("ship date %#v: flat rates %v, %v; want a validation error", d, rates, err)
		}
	}
	shop, err := shipping.NewRateShopper([]shipping.Carrier{flat}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := shippingtest.DefaultRequest()
	req.ShipDate = oms.NewDate(9999, 12, 31) // a valid day, but delivery falls in year 10000
	res, err := shop.Shop(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rates {
		if !r.Delivery.IsZero() && (!r.Delivery.Earliest.Valid() || !r.Delivery.Latest.Valid()) {
			t.Errorf("shop kept a rate delivering on %s", r.Delivery)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("shop result does not marshal: %v", err)
	}
	cal := shipping.MustCalendar("America/New_York", nil)
	d := shipping.Dispatch{Calendar: cal, CutOff: 14 * time.Hour, HandlingDays: 1}
	if est, err := shipping.EstimateDelivery(time.Date(9999, 12, 30, 12, 0, 0, 0, time.UTC), d, nil, 2, 5); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("estimate from 9999-12-30: %v, %v; want a validation error (delivery after year 9999)", est, err)
	}
	if _, err := shipping.EstimateDelivery(time.Date(9999, 12, 1, 12, 0, 0, 0, time.UTC), d, nil, 2, 5); err != nil {
		t.Errorf("estimate within year 9999: %v", err)
	}
}

// TestCalendarRefusesHolidaysThatAreNotDays: a holiday on February 30 was
// accepted and silently never applied (dates are compared normalized).
func TestCalendarRefusesHolidaysThatAreNotDays(t *testing.T) {
	for _, d := range []oms.Date{{Year: 2026, Month: 2, Day: 30}, {Year: 2026, Month: 0, Day: 10}, oms.NewDate(10000, 1, 1)} {
		_, err := shipping.NewCalendar("UTC", &shipping.CalendarOptions{Holidays: []shipping.Holiday{{Date: d, Name: "x"}}})
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || !ve.Has("holidays[0].date") {
			t.Errorf("holiday %#v: got %v, want a validation error on holidays[0].date", d, err)
		}
	}
}

// TestNewRateShopperWithNilPointerCarrierDoesNotPanic: a typed nil carrier
// (a nil *FlatRateCarrier in a []Carrier) passed the nil check and
// panicked in Code(); bad input returns an error instead.
func TestNewRateShopperWithNilPointerCarrierDoesNotPanic(t *testing.T) {
	var nilFlat *shipping.FlatRateCarrier
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("NewRateShopper panicked: %v", v)
		}
	}()
	_, err := shipping.NewRateShopper([]shipping.Carrier{flatForReview(t), nilFlat}, nil)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("carriers[1]") {
		t.Errorf("got %v, want a validation error on carriers[1]", err)
	}
}

// TestParcelContentsRefuseInvalidUTF8AndNUL: contents that are not UTF-8
// were counted by runes and accepted; a carrier's JSON then sends U+FFFD
// in their place on the customs declaration. They are refused, as is a
// NUL byte.
func TestParcelContentsRefuseInvalidUTF8AndNUL(t *testing.T) {
	for _, c := range []string{"books\xff", "a\x00b", "\xc3"} {
		p := shipping.Parcel{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(100), Contents: c}
		var ve *oms.ValidationError
		if err := p.Validate(); !errors.As(err, &ve) || !ve.Has("contents") {
			t.Errorf("contents %q: got %v, want a validation error on contents", c, err)
		}
	}
	p := shipping.Parcel{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(100), Contents: "Bücher – 2 Stück"}
	if err := p.Validate(); err != nil {
		t.Errorf("valid UTF-8 contents refused: %v", err)
	}
}

// flaky is a carrier that fails every third call and panics every
// seventh, to drive the shopper's breakers and cache from many goroutines.
type flaky struct {
	code string
	n    atomic.Int64
}

func (f *flaky) Code() string { return f.code }

func (f *flaky) Rates(ctx context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	switch n := f.n.Add(1); {
	case n%7 == 0:
		panic("carrier bug")
	case n%3 == 0:
		return nil, errors.New("carrier down")
	}
	return shippingtest.DefaultRates(f.code), nil
}

// TestRateShopperConcurrentShopsUnderRace shops from many goroutines at
// once, with the cache on a ManualClock that moves meanwhile, breakers that
// open and close, and a carrier that fails and panics: the race detector
// finds nothing, every result is well formed (one report per carrier,
// rates cheapest first, only valid rates), and Carrier finds each carrier
// by its code throughout.
func TestRateShopperConcurrentShopsUnderRace(t *testing.T) {
	ctx := context.Background()
	clk := oms.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	good := shippingtest.NewFakeCarrier("good", nil)
	bad := &flaky{code: "flaky"}
	shop, err := shipping.NewRateShopper([]shipping.Carrier{good, bad, flatForReview(t)}, &shipping.RateShopperOptions{
		Clock: clk, CacheTTL: time.Minute, BreakerThreshold: 2, BreakerCoolDown: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				req := shippingtest.DefaultRequest()
				req.Parcels[0].Weight = oms.Grams(int64(100 + (g+i)%5))
				if g%4 == 0 {
					clk.Advance(7 * time.Second)
				}
				res, err := shop.Shop(ctx, req)
				if err != nil {
					t.Errorf("shop: %v", err)
					return
				}
				if len(res.Carriers) != 3 {
					t.Errorf("%d carrier reports, want 3", len(res.Carriers))
				}
				for j, r := range res.Rates {
					if err := r.Validate(); err != nil {
						t.Errorf("invalid rate kept: %v", err)
					}
					if j > 0 && res.Rates[j-1].Price.Amount().GreaterThan(r.Price.Amount()) {
						t.Errorf("rates not cheapest first: %v", res.Rates)
					}
				}
				for _, code := range []string{"good", "flaky", "flat"} {
					if c, ok := shop.Carrier(code); !ok || c.Code() != code {
						t.Errorf("Carrier(%q) = %v, %v", code, c, ok)
					}
					if st, ok := shop.BreakerState(code); !ok || !st.Valid() {
						t.Errorf("BreakerState(%q) = %q, %v", code, st, ok)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	if c, ok := shop.Carrier("nope"); ok || c != nil {
		t.Errorf("Carrier(unknown) = %v, %v", c, ok)
	}
}

// TestPolicyRefusesDeliverByThatIsNotADay: a deliver-by day of February 30
// was accepted and compared field by field, so a rate arriving on March 1
// (the day February 30 stands for) was "late" and a rate on February 29
// was not. The policy refuses such a date.
func TestPolicyRefusesDeliverByThatIsNotADay(t *testing.T) {
	rates := []shipping.Rate{{Carrier: "c", ServiceCode: "s", Level: oms.LevelStandard, Price: usd("5.00"),
		Delivery: shipping.Window{Earliest: oms.NewDate(2026, 3, 1), Latest: oms.NewDate(2026, 3, 1)}}}
	for _, d := range []oms.Date{{Year: 2026, Month: 2, Day: 30}, {Year: 2026, Month: 14, Day: 1}, oms.NewDate(10000, 1, 1)} {
		p := shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: d}
		var ve *oms.ValidationError
		if err := p.Validate(); !errors.As(err, &ve) || !ve.Has("deliver_by") {
			t.Errorf("deliver by %#v: Validate = %v, want a validation error on deliver_by", d, err)
		}
		if r, err := p.Select(rates); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("deliver by %#v: Select = %v, %v; want a validation error", d, r.Key(), err)
		}
	}
	p := shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: oms.NewDate(2026, 3, 1)}
	if r, err := p.Select(rates); err != nil || r.Key() != "c/s" {
		t.Errorf("deliver by March 1: %v, %v", r.Key(), err)
	}
}

// TestCheckoutPaddingPastYear9999PromisesNoDay: PadDays added to a valid
// window ending late in year 9999 gave a promise in year 10000, which the
// option's JSON cannot carry. Such a promise is unknown (zero) instead.
func TestCheckoutPaddingPastYear9999PromisesNoDay(t *testing.T) {
	last := oms.NewDate(9999, 12, 30)
	rates := []shipping.Rate{{Carrier: "c", ServiceCode: "s", Level: oms.LevelStandard, Price: usd("5.00"),
		Delivery: shipping.Window{Earliest: last, Latest: last}}}
	opts, err := shipping.CheckoutOptions(rates, oms.Money{}, []shipping.CheckoutRule{{Code: "std", Name: "Standard", PadDays: 3}})
	if err != nil || len(opts) != 1 {
		t.Fatalf("CheckoutOptions: %v, %v", opts, err)
	}
	if !opts[0].Promise.IsZero() {
		t.Errorf("promise %s, want none (it would end after year 9999)", opts[0].Promise)
	}
	if _, err := json.Marshal(opts); err != nil {
		t.Errorf("options do not marshal: %v", err)
	}
}
