package oms

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWeightRoundUpSaturates is issue 10 item 9: Weight(MaxInt64).RoundUp
// wrapped to a negative weight. Rounding up never gives less than w.
func TestWeightRoundUpSaturates(t *testing.T) {
	const maxW = Weight(math.MaxInt64)
	tests := []struct {
		w, step, want Weight
	}{
		{maxW, Kilogram, maxW},
		{maxW, Kilogram / 2, maxW},
		{maxW - 1, 4, maxW},
		{maxW - 1, 3, maxW - 1},
		{maxW, maxW, maxW},
		{maxW - 1, maxW, maxW},
		{1, maxW, maxW},
		{9223372036854000001, Kilogram, maxW},
		{9223372036853000001, Kilogram, 9223372036854000000},
		{Weight(math.MinInt64), Kilogram, Weight(math.MinInt64) - Weight(math.MinInt64)%Kilogram},
		{Weight(math.MinInt64), maxW, -maxW},
	}
	for _, tc := range tests {
		if got := tc.w.RoundUp(tc.step); got != tc.want {
			t.Errorf("%d.RoundUp(%d) = %d, want %d", tc.w, tc.step, got, tc.want)
		}
	}
	// Monotone and never below w, near the top of the range too.
	r := rand.New(rand.NewPCG(9, 9))
	for range 10_000 {
		step := Weight(r.Int64N(int64(10 * Kilogram)))
		a := maxW - Weight(r.Int64N(int64(20*Kilogram)))
		b := maxW - Weight(r.Int64N(int64(20*Kilogram)))
		if a > b {
			a, b = b, a
		}
		ra, rb := a.RoundUp(step), b.RoundUp(step)
		if ra < a || rb < b || ra > rb {
			t.Fatalf("RoundUp(%d): %d → %d, %d → %d; want monotone and never below", step, a, ra, b, rb)
		}
	}
}

// TestBillableWeightRefusesRoundingPastTheRange checks that the billing
// step never turns a huge weight into a wrapped or saturated bill.
func TestBillableWeightRefusesRoundingPastTheRange(t *testing.T) {
	_, err := BillableWeight(Weight(math.MaxInt64), DimensionsMM(1, 1, 1), DimFactorMetric5000)
	if err == nil {
		t.Fatal("BillableWeight(MaxInt64) = nil error, want too large")
	}
	_, err = BillableWeight(Weight(math.MaxInt64-1), DimensionsMM(1, 1, 1), DimFactor{Divisor: 5000, RoundUpTo: Gram})
	if err == nil {
		t.Fatal("BillableWeight(MaxInt64-1, 1 g step) = nil error, want too large")
	}
}

// TestLengthPlusGirthSaturates is issue 10 item 9: valid dimensions of
// 4e18 µm wrapped length plus girth to a small or negative length, so a
// limit check passed a parcel thousands of kilometres long.
func TestLengthPlusGirthSaturates(t *testing.T) {
	const huge = Length(4e18)
	const maxL = Length(math.MaxInt64)
	for _, d := range []Dimensions{
		{huge, huge, huge},
		{maxL, maxL, maxL},
		{maxL, 1, 1},
		{1, maxL, 1},
		{1, 1, maxL},
		{huge, 1, huge},
	} {
		if got := d.LengthPlusGirth(); got != maxL {
			t.Errorf("%v.LengthPlusGirth() = %d, want saturated %d", d, got, maxL)
		}
	}
	if got := (Dimensions{Length: maxL - 4, Width: 1, Height: 1}).LengthPlusGirth(); got != maxL {
		t.Errorf("LengthPlusGirth at the edge = %d, want %d", got, maxL)
	}
	if got := (Dimensions{Length: maxL - 5, Width: 1, Height: 1}).LengthPlusGirth(); got != maxL-1 {
		t.Errorf("LengthPlusGirth below the edge = %d, want %d", got, maxL-1)
	}
	// Monotone in every side, over the whole range.
	r := rand.New(rand.NewPCG(4, 4))
	side := func() Length {
		switch r.IntN(3) {
		case 0:
			return Length(r.Int64N(int64(10 * Metre)))
		case 1:
			return maxL - Length(r.Int64N(1e6))
		default:
			return Length(r.Int64())
		}
	}
	for range 20_000 {
		d := Dimensions{side(), side(), side()}
		bigger := d
		switch r.IntN(3) {
		case 0:
			bigger.Length = max(d.Length, side())
		case 1:
			bigger.Width = max(d.Width, side())
		default:
			bigger.Height = max(d.Height, side())
		}
		if a, b := d.LengthPlusGirth(), bigger.LengthPlusGirth(); b < a || a < d.Sorted().Length {
			t.Fatalf("LengthPlusGirth not monotone: %v → %d, %v → %d", d, a, bigger, b)
		}
	}
}

// TestUnitConstructorsSaturate checks that the whole-unit constructors do
// not wrap: a huge count of kilograms or centimetres is the largest value,
// not a negative one.
func TestUnitConstructorsSaturate(t *testing.T) {
	maxW, minW := Weight(math.MaxInt64), Weight(math.MinInt64)
	maxL, minL := Length(math.MaxInt64), Length(math.MinInt64)
	for _, tc := range []struct {
		name      string
		got, want int64
	}{
		{"Grams(MaxInt64)", int64(Grams(math.MaxInt64)), int64(maxW)},
		{"Grams(MinInt64)", int64(Grams(math.MinInt64)), int64(minW)},
		{"Kilograms(MaxInt64)", int64(Kilograms(math.MaxInt64)), int64(maxW)},
		{"Kilograms(-1e15)", int64(Kilograms(-1e15)), int64(minW)},
		{"Kilograms(9e12)", int64(Kilograms(9e12)), int64(9e18)},
		{"Millimetres(MaxInt64)", int64(Millimetres(math.MaxInt64)), int64(maxL)},
		{"Millimetres(MinInt64)", int64(Millimetres(math.MinInt64)), int64(minL)},
		{"Centimetres(1e18)", int64(Centimetres(1e18)), int64(maxL)},
		{"Centimetres(-3)", int64(Centimetres(-3)), -30_000},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
