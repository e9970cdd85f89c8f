package shipping_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// TestLimitChecksMonotone is issue 10 item 9: length plus girth wrapped for
// valid dimensions of 4e18 µm, so a flat-rate carrier with a 3 m limit
// quoted a 4,000 km parcel while refusing a 2 m one. Every limit check is
// monotone: a parcel at least as large and as heavy as a refused one is
// refused too, over the whole range of a Length and a Weight.
func TestLimitChecksMonotone(t *testing.T) {
	ctx := context.Background()
	flat, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code:     "flat",
		Services: []shipping.FlatRateService{{Code: "box", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 3}},
		Limits:   shipping.Limits{MaxWeight: oms.Kilograms(30), MaxLength: oms.Millimetres(1500), MaxLengthPlusGirth: oms.Millimetres(3000)},
	})
	if err != nil {
		t.Fatal(err)
	}
	flatGirthOnly, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code:     "girth",
		Services: []shipping.FlatRateService{{Code: "box", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 3}},
		Limits:   shipping.Limits{MaxLengthPlusGirth: oms.Millimetres(3000)},
	})
	if err != nil {
		t.Fatal(err)
	}
	table := tableCarrier(t)
	quote := func(c shipping.Carrier, p shipping.Parcel) bool {
		req := shippingtest.DefaultRequest()
		req.Parcels = []shipping.Parcel{p}
		_, err := c.Rates(ctx, req)
		return err == nil
	}
	const huge = oms.Length(4e18)
	tooBig := shipping.Parcel{Dimensions: oms.Dimensions{Length: huge, Width: huge, Height: huge}, Weight: oms.Kilograms(1)}
	twoMetres := shipping.Parcel{Dimensions: oms.DimensionsMM(1000, 250, 250), Weight: oms.Kilograms(1)}
	for _, c := range []shipping.Carrier{flat, flatGirthOnly, table} {
		if quote(c, tooBig) {
			t.Errorf("%s quotes a parcel of 4e18 µm sides", c.Code())
		}
		if !quote(c, twoMetres) {
			t.Errorf("%s refuses a parcel of 2 m length plus girth", c.Code())
		}
	}

	r := rand.New(rand.NewPCG(10, 9))
	side := func() oms.Length {
		switch r.IntN(3) {
		case 0:
			return oms.Length(1 + r.Int64N(int64(2*oms.Metre)))
		case 1:
			return oms.Length(math.MaxInt64 - r.Int64N(1e6))
		default:
			return oms.Length(1 + r.Int64N(math.MaxInt64-1))
		}
	}
	weight := func() oms.Weight {
		if r.IntN(2) == 0 {
			return oms.Weight(1 + r.Int64N(int64(40*oms.Kilogram)))
		}
		return oms.Weight(1 + r.Int64N(math.MaxInt64-1))
	}
	for i := range 3000 {
		small := shipping.Parcel{Dimensions: oms.Dimensions{Length: side(), Width: side(), Height: side()}, Weight: weight()}
		big := small
		switch r.IntN(4) {
		case 0:
			big.Dimensions.Length = max(small.Dimensions.Length, side())
		case 1:
			big.Dimensions.Width = max(small.Dimensions.Width, side())
		case 2:
			big.Dimensions.Height = max(small.Dimensions.Height, side())
		default:
			big.Weight = max(small.Weight, weight())
		}
		for _, c := range []shipping.Carrier{flat, flatGirthOnly, table} {
			if quote(c, big) && !quote(c, small) {
				t.Fatalf("case %d: %s quotes %v %s but refuses the smaller %v %s", i, c.Code(), big.Dimensions, big.Weight, small.Dimensions, small.Weight)
			}
		}
	}
}

// TestParcelPresetGrossWeightDoesNotWrap checks that a huge tare weight
// with no MaxWeight is refused rather than wrapped into a negative gross
// weight (issue 10 item 9: no accepted value wraps).
func TestParcelPresetGrossWeightDoesNotWrap(t *testing.T) {
	p := shipping.ParcelPreset{Name: "huge", Dimensions: oms.DimensionsMM(100, 100, 100), TareWeight: oms.Weight(math.MaxInt64 - 10)}
	if err := p.Validate(); err != nil {
		t.Fatalf("preset: %v", err)
	}
	for _, contents := range []oms.Weight{1, 11, oms.Weight(math.MaxInt64)} {
		parcel, err := p.Parcel(contents)
		if contents <= 10 {
			if err != nil || parcel.Weight != p.TareWeight+contents {
				t.Errorf("Parcel(%d) = %v, %v", contents, parcel.Weight, err)
			}
			continue
		}
		if !errors.Is(err, oms.ErrValidation) || parcel.Weight != 0 {
			t.Errorf("Parcel(%d) = %d, %v; want a validation error", contents, parcel.Weight, err)
		}
	}
}

// TestCheckoutPadDaysBounded checks that a huge PadDays is refused: adding
// it to a promise wrapped the date, so the latest day of a promise could
// come before its earliest.
func TestCheckoutPadDaysBounded(t *testing.T) {
	rate := shipping.Rate{Carrier: "c", ServiceCode: "s", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 3,
		Delivery: shipping.Window{Earliest: oms.NewDate(2026, 11, 27), Latest: oms.NewDate(2026, 11, 30)}}
	for _, pad := range []int{shipping.MaxBusinessDays + 1, math.MaxInt, math.MaxInt32} {
		rules := []shipping.CheckoutRule{{Code: "std", Name: "Standard", PadDays: pad}}
		if _, err := shipping.CheckoutOptions([]shipping.Rate{rate}, oms.Money{}, rules); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("PadDays %d: error = %v, want a validation error", pad, err)
		}
	}
	rules := []shipping.CheckoutRule{{Code: "std", Name: "Standard", PadDays: shipping.MaxBusinessDays}}
	opts, err := shipping.CheckoutOptions([]shipping.Rate{rate}, oms.Money{}, rules)
	if err != nil || len(opts) != 1 || opts[0].Promise.Latest != oms.NewDate(2027, 11, 30) {
		t.Errorf("PadDays %d: %v, %v", shipping.MaxBusinessDays, opts, err)
	}
}
