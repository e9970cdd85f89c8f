package packing

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
)

// TestPkVolumeMatchesVolume holds the solver's quick volume against
// oms.Dimensions.Volume: rounding at half a unit, sides up to the largest
// accepted, and products beyond an int64.
func TestPkVolumeMatchesVolume(t *testing.T) {
	cases := []oms.Dimensions{
		{},
		{Length: 1, Width: 1, Height: 1},
		oms.DimensionsMM(1, 1, 1),
		{Length: 1000, Width: 1000, Height: 500},  // exactly half a unit
		{Length: 1000, Width: 1000, Height: 499},  // just under half
		{Length: 1000, Width: 1000, Height: 1499}, // just under one and a half
		{Length: 2_097_151, Width: 2_097_151, Height: 2_097_151},
		{Length: 3_000_000, Width: 3_000_000, Height: 3_000_000}, // beyond an int64
		{Length: pkMaxLength, Width: pkMaxLength, Height: pkMaxLength},
		{Length: math.MaxInt64, Width: 2, Height: 1},
		{Length: -5, Width: 2, Height: 3},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		side := func() oms.Length { return oms.Length(r.Int64N(int64(pkMaxLength)) + 1) }
		cases = append(cases, oms.Dimensions{Length: side(), Width: side(), Height: side()},
			oms.Dimensions{Length: side() / 50, Width: side() / 50, Height: side() / 50})
	}
	for _, d := range cases {
		if got, want := pkVolume(d), d.Volume(); got != want {
			t.Errorf("pkVolume(%+v) = %d, Volume %d", d, got, want)
		}
	}
}

// TestPkBoxOKAgreesWithValidation checks that the quick box test passes
// exactly the box types that validation accepts, one problem at a time.
func TestPkBoxOKAgreesWithValidation(t *testing.T) {
	item := []Item{{ID: "a", Dimensions: oms.DimensionsMM(10, 10, 10), Weight: oms.Grams(10), Quantity: 1}}
	good := pkBoxMM("B", 300, 200, 100, 100, 5000)
	breaks := []func(*BoxType){
		func(b *BoxType) {},
		func(b *BoxType) { b.Outer = oms.Dimensions{} },
		func(b *BoxType) { b.Inner.Length = 0 },
		func(b *BoxType) { b.Inner.Width = -1 },
		func(b *BoxType) { b.Inner.Height = pkMaxLength + 1 },
		func(b *BoxType) { b.Outer.Length = b.Inner.Length - 1 },
		func(b *BoxType) { b.Outer.Height = pkMaxLength + 1 },
		func(b *BoxType) { b.Outer.Width = -3 },
		func(b *BoxType) { b.EmptyWeight = -1 },
		func(b *BoxType) { b.EmptyWeight = pkMaxWeight + 1 },
		func(b *BoxType) { b.MaxWeight = pkMaxWeight + 1 },
		func(b *BoxType) { b.MaxWeight = -1 },
		func(b *BoxType) { b.MaxWeight = b.EmptyWeight - 1 },
		func(b *BoxType) { b.MaxWeight = 0 },
		func(b *BoxType) { b.Supply = -1 },
		func(b *BoxType) { b.Limited, b.Supply = true, 0 },
	}
	for i, f := range breaks {
		b := good
		f(&b)
		valid := pkValidate(item, []BoxType{b}) == nil
		if ok := pkBoxOK(&b); ok != valid {
			t.Errorf("case %d (%+v): pkBoxOK %v, validation accepts it: %v", i, b, ok, valid)
		}
	}
}

// TestPkAllowsAgreesWithAllows holds the solver's quick rotation test to
// Rotation.Allows for every rule and orientation, on sides with and
// without ties.
func TestPkAllowsAgreesWithAllows(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2))
	for range 2000 {
		side := func() oms.Length { return oms.Length(1 + r.Int64N(4)) }
		d := oms.Dimensions{Length: side(), Width: side(), Height: side()}
		for _, rule := range []Rotation{"", RotationAny, RotationUpright, RotationFlat, RotationNone} {
			for oi, p := range pkOrientations {
				if got, want := pkAllows(rule, oi, d), rule.Allows(p.o, d); got != want {
					t.Fatalf("%v %q %s: pkAllows %v, Allows %v", d, rule, p.o, got, want)
				}
			}
		}
	}
}
