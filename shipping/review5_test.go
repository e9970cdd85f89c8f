package shipping_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/shopspring/decimal"
)

// TestRateShopNeverAnswersARequestWithAnotherRequestsRates: the shopper
// keyed its cache and its shared flights by the request's JSON and ignored
// the marshal error, and JSON writes every invalid UTF-8 byte as U+FFFD.
// So every request with a declared value NewMoney accepts but JSON cannot
// write (1e40 USD) had the same key, "", whatever its destination and
// parcels, and so had requests differing only in invalid bytes of an
// address: the second request got the first one's cached rates and its
// carriers were never asked.
func TestRateShopNeverAnswersARequestWithAnotherRequestsRates(t *testing.T) {
	huge, err := oms.NewMoney(decimal.New(1, 40), oms.USD)
	if err != nil {
		t.Fatal(err)
	}
	parcel := func(g int64, dv oms.Money) []shipping.Parcel {
		return []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(g), DeclaredValue: dv}}
	}
	for _, tc := range []struct {
		name        string
		first, then shipping.RateRequest
	}{
		{"declared value JSON cannot write",
			shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US"}, Parcels: parcel(100, huge)},
			shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "DE"}, Parcels: parcel(9000, huge)}},
		{"invalid UTF-8 in an address",
			shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US", PostalCode: "\xff"}, Parcels: parcel(100, oms.Money{})},
			shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US", PostalCode: "\xfe"}, Parcels: parcel(100, oms.Money{})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := oms.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			fc := shippingtest.NewFakeCarrier("fake", nil)
			s, err := shipping.NewRateShopper([]shipping.Carrier{fc}, &shipping.RateShopperOptions{Clock: clk, CacheTTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Shop(context.Background(), tc.first); err != nil {
				t.Fatalf("first Shop: %v", err)
			}
			res, err := s.Shop(context.Background(), tc.then)
			if err != nil {
				return // refusing the request is fine; answering another's is not
			}
			if rep, _ := res.Report("fake"); rep.Cached || fc.Calls() != 2 {
				t.Errorf("second request answered from the first one's cache (cached %v, carrier calls %d)", rep.Cached, fc.Calls())
			}
			if got := fc.LastRequest(); got.Destination != tc.then.Destination || got.Parcels[0].Weight != tc.then.Parcels[0].Weight {
				t.Errorf("carrier last asked for %+v, want the second request", got.Destination)
			}
		})
	}
}

// TestBusinessDaysOfAHugeCountOrAnUnknownDayReturn: AddBusinessDays
// walked the calendar one day per business day, so a count such as
// math.MaxInt never returned; and the zero Date (unknown) stays zero under
// AddDays, so NextBusinessDay and AddBusinessDays of it looped for ever on
// a calendar whose weekend holds its weekday (a Tuesday). Now a huge count
// returns a day after every smaller count's, and an unknown day stays
// unknown.
func TestBusinessDaysOfAHugeCountOrAnUnknownDayReturn(t *testing.T) {
	cal := shipping.MustCalendar("UTC", &shipping.CalendarOptions{Holidays: []shipping.Holiday{{Date: oms.NewDate(2026, 12, 25), Name: "Christmas"}}})
	start := oms.NewDate(2026, 3, 2)
	prev := start
	for _, n := range []int{1, 5, 300, 100_000, 1 << 40, math.MaxInt} {
		got := cal.AddBusinessDays(start, n)
		if !got.After(prev) && n < 1<<40 || got.Before(prev) {
			t.Errorf("AddBusinessDays(%s, %d) = %s, not after %s", start, n, got, prev)
		}
		prev = got
	}
	for _, n := range []int{1, 4, 5, 6, 7, 200, 201, 202, 203, 204, 205, 999} {
		want := start
		for k := 0; k < n; {
			want = want.AddDays(1)
			if cal.IsBusinessDay(want) {
				k++
			}
		}
		if got := cal.AddBusinessDays(start, n); got != want {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", start, n, got, want)
		}
	}
	tuesdays := shipping.MustCalendar("UTC", &shipping.CalendarOptions{Weekend: []time.Weekday{time.Tuesday}})
	if got := tuesdays.NextBusinessDay(oms.Date{}); !got.IsZero() {
		t.Errorf("NextBusinessDay(unknown) = %s, want unknown", got)
	}
	if got := tuesdays.AddBusinessDays(oms.Date{}, 3); !got.IsZero() {
		t.Errorf("AddBusinessDays(unknown, 3) = %s, want unknown", got)
	}
	if got := cal.AddBusinessDays(oms.Date{}, math.MaxInt); !got.IsZero() {
		t.Errorf("AddBusinessDays(unknown, MaxInt) = %s, want unknown", got)
	}
}

// TestAdjustmentPercentOfAHugeExponentIsRefused: Adjustment took any
// decimal as Percent, so a percentage such as decimal.New(1, 1e9) made
// Validate, Price and CheckoutOptions compute 10^1e9 (comparing it with
// -100, dividing it by 100), running for ever, and decimal.New(1,
// math.MaxInt32) made Price panic ("overflow in decimal QuoRem"). Now such
// a percentage is refused with oms.ErrValidation, as NewMoney refuses such
// amounts.
func TestAdjustmentPercentOfAHugeExponentIsRefused(t *testing.T) {
	rate := shippingtest.DefaultRates("fake")[0]
	for _, pct := range []decimal.Decimal{decimal.New(1, math.MaxInt32), decimal.New(1, 1_000_000_000), decimal.New(-1, 1_000_000_000), decimal.New(1, -1_000_000_000), decimal.New(-1, math.MinInt32)} {
		a := shipping.Adjustment{Kind: shipping.AdjustPercent, Percent: pct}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("percent 1e%d: panicked: %v", pct.Exponent(), p)
				}
			}()
			if p, err := (shipping.Adjustments{a}).Price(rate, oms.Money{}); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("percent 1e%d: Price = %v, %v, want oms.ErrValidation", pct.Exponent(), p, err)
			}
			rules := []shipping.CheckoutRule{{Code: "std", Name: "Standard", Price: shipping.Adjustments{a}}}
			if _, err := shipping.CheckoutOptions([]shipping.Rate{rate}, oms.Money{}, rules); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("percent 1e%d: CheckoutOptions = %v, want oms.ErrValidation", pct.Exponent(), err)
			}
		}()
	}
	ok := shipping.Adjustment{Kind: shipping.AdjustPercent, Percent: decimal.RequireFromString("12.5")}
	if p, err := (shipping.Adjustments{ok}).Price(rate, oms.Money{}); err != nil || p.String() != "8.44 USD" {
		t.Errorf("12.5%% of %s = %v, %v, want 8.44 USD", rate.Price, p, err)
	}
}

// TestRateShopRefusesPricesOfAHugeExponent: Rate.Validate took a price of
// any exponent that was rounded and not negative, so a carrier answering
// 10 USD × 1e1000000000 had its rate kept, and ordering the rates by price
// compared it with the others at one exponent, computing 10^1e9: the shop
// never returned. A list price of a tiny exponent was kept too, and the
// kept rate could not be written as JSON. Now Rate.Validate refuses
// amounts outside the bounds NewMoney puts on them, and the carrier's
// other rates are kept.
func TestRateShopRefusesPricesOfAHugeExponent(t *testing.T) {
	ten := oms.MustParseMoney("10.00 USD")
	good := shippingtest.DefaultRates("fake")
	bad := good[1]
	bad.ServiceCode = "huge"
	bad.Price = ten.MulRate(decimal.New(1, 1_000_000_000))
	tiny := good[1]
	tiny.ServiceCode = "tiny_list"
	tiny.ListPrice = ten.MulRate(decimal.New(1, -1_000_000_000))
	for _, r := range []shipping.Rate{bad, tiny} {
		if err := r.Validate(); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Validate = %v, want oms.ErrValidation", r.ServiceCode, err)
		}
	}
	fc := shippingtest.NewFakeCarrier("fake", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{good[0], bad, tiny, good[1]}})
	s, err := shipping.NewRateShopper([]shipping.Carrier{fc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Shop(context.Background(), shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US"},
		Parcels: []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(500)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rates) != 2 || res.Carriers[0].Status != shipping.StatusInvalid {
		t.Errorf("kept %d rates, status %s; want the 2 good ones, invalid", len(res.Rates), res.Carriers[0].Status)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("json.Marshal(result) = %v", err)
	}
}

// TestShipDatePastYear9999IsAnError: Dispatch.ShipDate of an order placed
// on the last business day of year 9999 after the cut-off returned
// 10000-01-03 and no error: a day that is not valid (oms.Date.Valid), that
// JSON cannot carry and that RateRequest refuses as a ship date, though
// EstimateDelivery refuses the same order. Now ShipDate refuses it with
// oms.ErrValidation, and an order before year 0 likewise.
func TestShipDatePastYear9999IsAnError(t *testing.T) {
	d := shipping.Dispatch{Calendar: shipping.MustCalendar("UTC", nil), CutOff: 14 * time.Hour, HandlingDays: 1}
	noHandling := d
	noHandling.HandlingDays = 0
	for _, tc := range []struct {
		d   shipping.Dispatch
		now time.Time
	}{
		{noHandling, time.Date(9999, 12, 31, 15, 0, 0, 0, time.UTC)}, // a Friday, after the cut-off
		{d, time.Date(9999, 12, 31, 10, 0, 0, 0, time.UTC)},          // its handling day is in year 10000
		{noHandling, time.Date(-1, 6, 1, 10, 0, 0, 0, time.UTC)},
	} {
		day, err := tc.d.ShipDate(tc.now)
		if err == nil && !day.Valid() {
			t.Errorf("ShipDate(%s) = %v, nil; want a valid day or oms.ErrValidation", tc.now, day)
		}
		if err != nil && !errors.Is(err, oms.ErrValidation) {
			t.Errorf("ShipDate(%s) error %v, want oms.ErrValidation", tc.now, err)
		}
	}
	if day, err := d.ShipDate(time.Date(9999, 12, 29, 10, 0, 0, 0, time.UTC)); err != nil || day != oms.NewDate(9999, 12, 30) {
		t.Errorf("ShipDate(9999-12-29 10:00) = %v, %v; want 9999-12-30", day, err)
	}
}

// TestBuyLabelRefusesShipDatesThatAreNotDays: LabelRequest.Validate did
// not look at ShipDate, so a label was bought for February 30, year 10000
// or year -1 (days RateRequest refuses as ship dates, that JSON cannot
// carry), and the label's request could not be stored as JSON. Now such
// a ship date is refused with oms.ErrValidation and nothing is bought.
func TestBuyLabelRefusesShipDatesThatAreNotDays(t *testing.T) {
	fc := shippingtest.NewFakeCarrier("fake", nil)
	base := shipping.LabelRequest{ServiceCode: "ground", Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US"},
		Parcels: []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(500)}}}
	for i, d := range []oms.Date{{Year: 2026, Month: 2, Day: 30}, {Year: 2026, Month: 13, Day: 1}, oms.NewDate(10000, 1, 1), oms.NewDate(-1, 1, 1)} {
		req := base
		req.IdempotencyKey = fmt.Sprintf("k%d", i)
		req.ShipDate = d
		if err := req.Validate(); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Validate with ship date %+v = %v, want oms.ErrValidation", d, err)
		}
		if l, err := fc.BuyLabel(context.Background(), req); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("BuyLabel with ship date %+v = %v, %v; want oms.ErrValidation", d, l.ID, err)
		}
	}
	if n := fc.Purchases(); n != 0 {
		t.Errorf("%d labels bought, want none", n)
	}
	ok := base
	ok.IdempotencyKey, ok.ShipDate = "ok", oms.NewDate(9999, 12, 31)
	if _, err := fc.BuyLabel(context.Background(), ok); err != nil {
		t.Errorf("BuyLabel on 9999-12-31: %v", err)
	}
}

// TestShopResultSurvivesJSON: CarrierReport wrote its error as an "error"
// string but read nothing back, so a ShopResult read from JSON had failed,
// timed-out and no-service carriers with a nil Err, against "Err is nil
// when Status is StatusOK and a *CarrierError otherwise": Errors and Err
// reported no problem at all, and writing it again lost the errors. Now
// the error is read back as a *CarrierError with the same text that
// matches its status's kind (ErrNoService, ErrCarrierTimeout, ...).
func TestShopResultSurvivesJSON(t *testing.T) {
	good := shippingtest.NewFakeCarrier("good", nil)
	failing := shippingtest.NewFakeCarrier("failing", &shippingtest.FakeCarrierOptions{Err: errors.New("connection refused")})
	none := shippingtest.NewFakeCarrier("none", &shippingtest.FakeCarrierOptions{Err: &shipping.NoServiceError{Carrier: "none", Reason: "no zone"}})
	gate := make(chan struct{})
	defer close(gate)
	slow := shippingtest.NewFakeCarrier("slow", &shippingtest.FakeCarrierOptions{Gate: gate})
	s, err := shipping.NewRateShopper([]shipping.Carrier{good, failing, none, slow}, &shipping.RateShopperOptions{CarrierTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back shipping.ShopResult
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Carriers) != len(res.Carriers) || len(back.Rates) != len(res.Rates) {
		t.Fatalf("read back %d reports and %d rates: %s", len(back.Carriers), len(back.Rates), b)
	}
	for i, want := range res.Carriers {
		got := back.Carriers[i]
		if got.Carrier != want.Carrier || got.Status != want.Status || got.Rates != want.Rates || got.Cached != want.Cached {
			t.Errorf("report %d = %+v, want %+v", i, got, want)
		}
		if (got.Err == nil) != (want.Err == nil) {
			t.Errorf("%s: error %v read back as %v", want.Carrier, want.Err, got.Err)
			continue
		}
		if want.Err == nil {
			continue
		}
		var ce *shipping.CarrierError
		if !errors.As(got.Err, &ce) || ce.Carrier != want.Carrier || ce.Status != want.Status || got.Err.Error() != want.Err.Error() {
			t.Errorf("%s: error read back as %#v, want a *CarrierError %q", want.Carrier, got.Err, want.Err)
		}
		for _, kind := range []error{shipping.ErrNoService, shipping.ErrCarrierTimeout, oms.ErrUnavailable} {
			if errors.Is(got.Err, kind) != errors.Is(want.Err, kind) {
				t.Errorf("%s: errors.Is(%v) = %v after JSON, %v before", want.Carrier, kind, errors.Is(got.Err, kind), errors.Is(want.Err, kind))
			}
		}
	}
	if got, want := back.Err(), res.Err(); got == nil || got.Error() != want.Error() {
		t.Errorf("Err() after JSON = %v, want %v", got, want)
	}
	again, err := json.Marshal(back)
	if err != nil || string(again) != string(b) {
		t.Errorf("written again:\n%s\nfirst:\n%s", again, b)
	}
}

// TestCheapestByLeavesOutWindowsThatAreNotDays: CheapestBy compared a
// rate's latest delivery day with the deadline field by field, so a rate
// straight from a carrier (not checked by a RateShopper) promising
// "February 30", which is March 2, counted as delivered by March 1 and
// was chosen over a dearer rate that is in time. Now a window whose days
// are not valid days (oms.Date.Valid) cannot promise a day and is left
// out, as an unknown window is.
func TestCheapestByLeavesOutWindowsThatAreNotDays(t *testing.T) {
	bogus := shipping.Rate{Carrier: "x", ServiceCode: "cheap", Level: oms.LevelStandard, Price: oms.MustParseMoney("1.00 USD"),
		Delivery: shipping.Window{Earliest: oms.Date{Year: 2026, Month: 2, Day: 28}, Latest: oms.Date{Year: 2026, Month: 2, Day: 30}}}
	good := shipping.Rate{Carrier: "x", ServiceCode: "fast", Level: oms.LevelExpress, Price: oms.MustParseMoney("9.00 USD"),
		Delivery: shipping.Window{Earliest: oms.NewDate(2026, 2, 27), Latest: oms.NewDate(2026, 2, 28)}}
	got, err := shipping.CheapestBy([]shipping.Rate{bogus, good}, oms.NewDate(2026, 3, 1))
	if err != nil || got.ServiceCode != "fast" {
		t.Errorf("CheapestBy = %s, %v; want fast (cheap's \"Feb 30\" is March 2)", got.ServiceCode, err)
	}
	p := shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: oms.NewDate(2026, 3, 1)}
	if got, err := p.Select([]shipping.Rate{bogus}); !errors.Is(err, shipping.ErrNoRate) {
		t.Errorf("Select = %s, %v; want ErrNoRate", got.ServiceCode, err)
	}
}
