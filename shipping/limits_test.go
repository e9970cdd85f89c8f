package shipping_test

import (
	"context"
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
		Services: []shipping.FlatRateService{{Code: "box", Level: shipping.LevelStandard, Price: usd("5.00"), TransitDays: 3}},
		Limits:   shipping.Limits{MaxWeight: oms.Kilograms(30), MaxLength: oms.Millimetres(1500), MaxLengthPlusGirth: oms.Millimetres(3000)},
	})
	if err != nil {
		t.Fatal(err)
	}
	flatGirthOnly, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code:     "girth",
		Services: []shipping.FlatRateService{{Code: "box", Level: shipping.LevelStandard, Price: usd("5.00"), TransitDays: 3}},
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
