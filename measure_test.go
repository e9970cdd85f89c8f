package oms

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestWeightConversions(t *testing.T) {
	type facts struct {
		MG                        int64
		Grams                     int64
		Kilograms, Pounds, Ounces float64
		String                    string
	}
	get := func(w Weight) facts {
		return facts{int64(w), w.Grams(), w.Kilograms(), w.Pounds(), w.Ounces(), w.String()}
	}
	approx := cmpopts.EquateApprox(0, 1e-6)
	tests := []struct {
		name string
		in   Weight
		want facts
	}{
		{"1250 g", Grams(1250), facts{1_250_000, 1250, 1.25, 2.7557782, 44.0924524, "1250g"}},
		{"2 kg", Kilograms(2), facts{2_000_000, 2000, 2, 4.4092452, 70.5479239, "2000g"}},
		{"1 lb", Pounds(1), facts{453_592, 453, 0.453592, 0.9999992, 15.9999869, "453.592g"}},
		{"2 lb", Pounds(2), facts{907_185, 907, 0.907185, 2.0000006, 32.0000092, "907.185g"}},
		{"0.5 lb", Pounds(0.5), facts{226_796, 226, 0.226796, 0.4999996, 7.9999934, "226.796g"}},
		{"1 oz", Ounces(1), facts{28_350, 28, 0.02835, 0.0625010, 1.0000168, "28.35g"}},
		{"16 oz", Ounces(16), facts{453_592, 453, 0.453592, 0.9999992, 15.9999869, "453.592g"}},
		{"-1 lb", Pounds(-1), facts{-453_592, -453, -0.453592, -0.9999992, -15.9999869, "-453.592g"}},
		{"1.5 g", 1500 * Milligram, facts{1500, 1, 0.0015, 0.0033069339, 0.0529109429, "1.5g"}},
		{"1 mg", Milligram, facts{1, 0, 0.000001, 0.0000022046, 0.0000352740, "0.001g"}},
		{"zero", 0, facts{0, 0, 0, 0, 0, "0g"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, get(tc.in), approx); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if Kilogram != 1000*Gram || Gram != 1000*Milligram {
		t.Error("weight units are inconsistent")
	}
}

func TestWeightRoundUp(t *testing.T) {
	tests := []struct {
		w, step, want Weight
	}{
		{Grams(1250), Kilogram / 2, Grams(1500)},
		{Grams(1500), Kilogram / 2, Grams(1500)},
		{Grams(1501), Kilogram / 2, Grams(2000)},
		{1, Kilogram, Kilogram},
		{0, Kilogram, 0},
		{Grams(1250), 0, Grams(1250)},
		{Grams(1250), -Gram, Grams(1250)},
		{-1500 * Milligram, Gram, -1000 * Milligram},
		{-2000 * Milligram, Gram, -2000 * Milligram},
	}
	for _, tc := range tests {
		if got := tc.w.RoundUp(tc.step); got != tc.want {
			t.Errorf("%v.RoundUp(%v) = %v, want %v", tc.w, tc.step, got, tc.want)
		}
	}
}

func TestLengthConversions(t *testing.T) {
	type facts struct {
		UM                             int64
		Millimetres, Centimetres, Inch float64
		String                         string
	}
	get := func(l Length) facts { return facts{int64(l), l.Millimetres(), l.Centimetres(), l.Inches(), l.String()} }
	approx := cmpopts.EquateApprox(0, 1e-9)
	tests := []struct {
		name string
		in   Length
		want facts
	}{
		{"300 mm", Millimetres(300), facts{300_000, 300, 30, 11.811023622, "300mm"}},
		{"2 cm", Centimetres(2), facts{20_000, 20, 2, 0.787401575, "20mm"}},
		{"1 in", Inches(1), facts{25_400, 25.4, 2.54, 1, "25.4mm"}},
		{"12 in", Inches(12), facts{304_800, 304.8, 30.48, 12, "304.8mm"}},
		{"0.5 in", Inches(0.5), facts{12_700, 12.7, 1.27, 0.5, "12.7mm"}},
		{"1 m", Metre, facts{1_000_000, 1000, 100, 39.370078740, "1000mm"}},
		{"1 µm", Micrometre, facts{1, 0.001, 0.0001, 0.0000393701, "0.001mm"}},
		{"-1 in", Inches(-1), facts{-25_400, -25.4, -2.54, -1, "-25.4mm"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, get(tc.in), approx); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestDimensions(t *testing.T) {
	d := DimensionsMM(100, 300, 200)
	if got, want := d, (Dimensions{Length: Millimetres(100), Width: Millimetres(300), Height: Millimetres(200)}); got != want {
		t.Errorf("DimensionsMM = %v, want %v", got, want)
	}
	if got := d.Volume(); got != 6_000_000 {
		t.Errorf("Volume = %d mm³, want 6000000", got)
	}
	if got := d.Volume().Litres(); got != 6 {
		t.Errorf("Litres = %v, want 6", got)
	}
	if got, want := d.Sorted(), DimensionsMM(300, 200, 100); got != want {
		t.Errorf("Sorted = %v, want %v", got, want)
	}
	if got := d.LengthPlusGirth(); got != Millimetres(900) {
		t.Errorf("LengthPlusGirth = %v, want 900mm", got)
	}
	if got := d.String(); got != "100mmx300mmx200mm" {
		t.Errorf("String = %q", got)
	}
	if d.IsZero() || !(Dimensions{}).IsZero() {
		t.Error("IsZero is wrong")
	}

	// Every order of three sides sorts the same way.
	for _, p := range [][3]int64{{1, 2, 3}, {1, 3, 2}, {2, 1, 3}, {2, 3, 1}, {3, 1, 2}, {3, 2, 1}, {2, 2, 1}, {1, 2, 2}} {
		if got := DimensionsMM(p[0], p[1], p[2]).Sorted(); got != DimensionsMM(3, 2, 1) && got != DimensionsMM(2, 2, 1) {
			t.Errorf("Sorted(%v) = %v", p, got)
		}
	}

	// A 12 x 12 x 12 inch box: length plus girth is 60 inches, 1728 in³.
	cube := Dimensions{Length: Inches(12), Width: Inches(12), Height: Inches(12)}
	if got := cube.LengthPlusGirth(); got != Inches(60) {
		t.Errorf("12in cube LengthPlusGirth = %v, want 60in", got)
	}
	if got, want := cube.Volume(), Volume(28_316_847); got != want { // 1728 × 16387.064 mm³
		t.Errorf("12in cube Volume = %d, want %d", got, want)
	}

	// Volume rounds to the nearest cubic millimetre.
	for _, tc := range []struct {
		l    Length
		want Volume
	}{{1500, 2}, {1499, 1}, {499, 0}} {
		if got := (Dimensions{Length: tc.l, Width: Millimetre, Height: Millimetre}).Volume(); got != tc.want {
			t.Errorf("Volume of %vx1x1 = %d, want %d", tc.l, got, tc.want)
		}
	}
	huge := Dimensions{Length: math.MaxInt64, Width: math.MaxInt64, Height: math.MaxInt64}
	if got := huge.Volume(); got != math.MaxInt64 {
		t.Errorf("huge Volume = %d, want the largest Volume", got)
	}
}

func TestDimensionsValidate(t *testing.T) {
	tests := []struct {
		in     Dimensions
		fields []string
	}{
		{DimensionsMM(1, 1, 1), nil},
		{Dimensions{}, []string{"length", "width", "height"}},
		{DimensionsMM(10, -1, 10), []string{"width"}},
		{DimensionsMM(10, 10, 0), []string{"height"}},
	}
	for _, tc := range tests {
		err := tc.in.Validate()
		if diff := cmp.Diff(tc.fields, problemFields(err)); diff != "" {
			t.Errorf("%v: fields (-want +got):\n%s", tc.in, diff)
		}
		if tc.fields != nil && !errors.Is(err, ErrValidation) {
			t.Errorf("%v: error %v does not match ErrValidation", tc.in, err)
		}
	}
}

func inches(l, w, h float64) Dimensions {
	return Dimensions{Length: Inches(l), Width: Inches(w), Height: Inches(h)}
}

func cm(l, w, h int64) Dimensions {
	return Dimensions{Length: Centimetres(l), Width: Centimetres(w), Height: Centimetres(h)}
}

func TestDimWeight(t *testing.T) {
	tests := []struct {
		name string
		d    Dimensions
		f    DimFactor
		want Weight
	}{
		// 1728 in³ / 139 = 12.43 lb, billed as 13 lb.
		{"12x12x12 in at 139", inches(12, 12, 12), DimFactorImperial139, Pounds(13)},
		// 1000 / 139 = 7.19 lb → 8 lb; 1000 / 166 = 6.02 lb → 7 lb.
		{"10x10x10 in at 139", inches(10, 10, 10), DimFactorImperial139, Pounds(8)},
		{"10x10x10 in at 166", inches(10, 10, 10), DimFactor{Divisor: 166, Imperial: true}, Pounds(7)},
		// 139 in³ at 139 is exactly one pound.
		{"139 in³ at 139", inches(139, 1, 1), DimFactorImperial139, Pounds(1)},
		// 60000 cm³ / 5000 = 12 kg exactly.
		{"50x40x30 cm at 5000", cm(50, 40, 30), DimFactorMetric5000, Kilograms(12)},
		// 62000 / 5000 = 12.4 kg → 12.5 kg.
		{"50x40x31 cm at 5000", cm(50, 40, 31), DimFactorMetric5000, Grams(12500)},
		// 60000 / 6000 = 10 kg; 35937 / 5000 = 7.1874 kg to the gram.
		{"50x40x30 cm at 6000", cm(50, 40, 30), DimFactor{Divisor: 6000}, Kilograms(10)},
		{"33 cm cube at 5000 in grams", cm(33, 33, 33), DimFactor{Divisor: 5000, RoundUpTo: Gram}, Grams(7188)},
		{"1 cm cube at 5000", cm(1, 1, 1), DimFactorMetric5000, Grams(500)},
		{"1 in cube at 139", inches(1, 1, 1), DimFactorImperial139, Pounds(1)},
		// Imperial with a custom step: 1728 / 139 lb = 5,638,838.5 mg, up to
		// the gram.
		{"12 in cube at 139 in grams", inches(12, 12, 12), DimFactor{Divisor: 139, Imperial: true, RoundUpTo: Gram}, Grams(5639)},
	}
	for _, tc := range tests {
		got, err := DimWeight(tc.d, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: DimWeight = %v (%.4f lb), want %v (%.4f lb)", tc.name, got, got.Pounds(), tc.want, tc.want.Pounds())
		}
	}
	_, err := DimWeight(Dimensions{}, DimFactor{})
	if diff := cmp.Diff([]string{"divisor", "dimensions.length", "dimensions.width", "dimensions.height"}, problemFields(err)); diff != "" {
		t.Errorf("bad input fields (-want +got):\n%s", diff)
	}
	big := Dimensions{Length: 1e12, Width: 1e12, Height: 1e12} // 1000 km sides
	for _, f := range []DimFactor{DimFactorMetric5000, DimFactorImperial139, {Divisor: 139, Imperial: true, RoundUpTo: Gram}} {
		if _, err := DimWeight(big, f); !errors.Is(err, ErrValidation) {
			t.Errorf("%+v: 1000 km box: err = %v, want a validation error", f, err)
		}
	}
	// 9.1e18 mg fits a Weight, but rounding it up to a step of 3e18 mg
	// does not.
	edge := Dimensions{Length: 1e10, Width: 1e10, Height: 4.55e8}
	if w, err := DimWeight(edge, DimFactor{Divisor: 5000, RoundUpTo: 3e18}); !errors.Is(err, ErrValidation) {
		t.Errorf("overflowing step: DimWeight = %v, %v; want a validation error", w, err)
	}
	if w, err := DimWeight(edge, DimFactor{Divisor: 5000, RoundUpTo: Gram}); err != nil || w != 9.1e18 {
		t.Errorf("edge at 1 g: DimWeight = %d, %v; want 9.1e18 mg", w, err)
	}
}

func TestBillableWeight(t *testing.T) {
	small := inches(6, 4, 2) // 48 in³: under a pound at 139
	tests := []struct {
		name   string
		actual Weight
		d      Dimensions
		f      DimFactor
		want   Weight
	}{
		{"2 lb parcel bills 2 lb, not 3", Pounds(2), small, DimFactorImperial139, Pounds(2)},
		{"2.1 lb bills 3 lb", Pounds(2.1), small, DimFactorImperial139, Pounds(3)},
		{"one mg over 2 lb bills 3 lb", Pounds(2) + Milligram, small, DimFactorImperial139, Pounds(3)},
		{"light but bulky", Pounds(1), inches(12, 12, 12), DimFactorImperial139, Pounds(13)},
		{"heavy and bulky", Pounds(20), inches(12, 12, 12), DimFactorImperial139, Pounds(20)},
		{"1 kg in 50x40x30 cm", Kilograms(1), cm(50, 40, 30), DimFactorMetric5000, Kilograms(12)},
		{"15.2 kg in 50x40x30 cm", Grams(15200), cm(50, 40, 30), DimFactorMetric5000, Grams(15500)},
		{"weightless", 0, cm(10, 10, 10), DimFactorMetric5000, Grams(500)},
		{"custom step", Grams(1001), cm(1, 1, 1), DimFactor{Divisor: 5000, RoundUpTo: Gram * 100}, Grams(1100)},
	}
	for _, tc := range tests {
		got, err := BillableWeight(tc.actual, tc.d, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: BillableWeight = %v (%.4f lb), want %v", tc.name, got, got.Pounds(), tc.want)
		}
	}
	_, err := BillableWeight(-Gram, cm(1, 1, 1), DimFactorMetric5000)
	if diff := cmp.Diff([]string{"weight"}, problemFields(err)); diff != "" {
		t.Errorf("negative weight fields (-want +got):\n%s", diff)
	}
	for _, f := range []DimFactor{DimFactorMetric5000, DimFactorImperial139, {Divisor: 5000, RoundUpTo: Kilogram}} {
		if _, err := BillableWeight(math.MaxInt64, cm(1, 1, 1), f); !errors.Is(err, ErrValidation) {
			t.Errorf("%+v: largest weight: err = %v, want a validation error", f, err)
		}
	}
	_, err = BillableWeight(Gram, Dimensions{}, DimFactorMetric5000)
	if diff := cmp.Diff([]string{"dimensions.length", "dimensions.width", "dimensions.height"}, problemFields(err)); diff != "" {
		t.Errorf("no dimensions fields (-want +got):\n%s", diff)
	}
}

// TestWholePoundsBillExactly checks that n pounds, made with Pounds, bill as
// n pounds, and one milligram more bills as n+1.
func TestWholePoundsBillExactly(t *testing.T) {
	for n := 1; n <= 500; n++ {
		w := Pounds(float64(n))
		if got, ok := DimFactorImperial139.roundUp(w); got != w || !ok {
			t.Fatalf("Pounds(%d) = %v bills as %v", n, w, got)
		}
		if got, want := DimFactorImperial139.roundUp(w + Milligram); got != Pounds(float64(n+1)) || !want {
			t.Fatalf("Pounds(%d)+1mg bills as %v, want %v", n, got, Pounds(float64(n+1)))
		}
		// A box of exactly n × 139 in³ bills n pounds.
		if got, err := DimWeight(inches(float64(n), 139, 1), DimFactorImperial139); got != w || err != nil {
			t.Fatalf("%d × 139 in³ bills as %v, %v; want %v", n, got, err, w)
		}
	}
	if got, ok := DimFactorImperial139.roundUp(-Gram); got != 0 || !ok {
		t.Errorf("negative weight rounds to %v", got)
	}
}

// TestMeasureStringExact checks that String writes every digit of large
// weights and lengths: it went through float64, which above 2^53 units
// printed rounded digits and a dangling point ("9223372036854776.g").
func TestMeasureStringExact(t *testing.T) {
	weights := []struct {
		w    Weight
		want string
	}{
		{Weight(math.MaxInt64), "9223372036854775.807g"},
		{Weight(math.MinInt64), "-9223372036854775.808g"},
		{Weight(9007199254740993), "9007199254740.993g"},
		{-500 * Milligram, "-0.5g"},
		{-1 * Milligram, "-0.001g"},
		{-2 * Gram, "-2g"},
		{Grams(1) + 20*Milligram, "1.02g"},
	}
	for _, tc := range weights {
		if got := tc.w.String(); got != tc.want {
			t.Errorf("Weight(%d).String() = %q, want %q", int64(tc.w), got, tc.want)
		}
	}
	lengths := []struct {
		l    Length
		want string
	}{
		{Length(math.MaxInt64), "9223372036854775.807mm"},
		{Length(math.MinInt64), "-9223372036854775.808mm"},
		{-Micrometre, "-0.001mm"},
		{Millimetres(3) + 100*Micrometre, "3.1mm"},
	}
	for _, tc := range lengths {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("Length(%d).String() = %q, want %q", int64(tc.l), got, tc.want)
		}
	}
}

// TestFloatConstructorsOutOfRange checks Pounds, Ounces and Inches on
// values no int64 holds: they saturate, and NaN gives zero. The plain
// float-to-int conversion is implementation-defined there (on amd64 every
// such value became math.MinInt64, so Pounds(1e30) was a large negative
// weight).
func TestFloatConstructorsOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		got  int64
		want int64
	}{
		{"Pounds(1e30)", int64(Pounds(1e30)), math.MaxInt64},
		{"Pounds(+Inf)", int64(Pounds(math.Inf(1))), math.MaxInt64},
		{"Pounds(-1e30)", int64(Pounds(-1e30)), math.MinInt64},
		{"Pounds(NaN)", int64(Pounds(math.NaN())), 0},
		{"Ounces(1e30)", int64(Ounces(1e30)), math.MaxInt64},
		{"Ounces(-Inf)", int64(Ounces(math.Inf(-1))), math.MinInt64},
		{"Ounces(NaN)", int64(Ounces(math.NaN())), 0},
		{"Inches(1e300)", int64(Inches(1e300)), math.MaxInt64},
		{"Inches(-1e300)", int64(Inches(-1e300)), math.MinInt64},
		{"Inches(NaN)", int64(Inches(math.NaN())), 0},
		{"Pounds(2)", int64(Pounds(2)), 907185},
		{"Inches(-1)", int64(Inches(-1)), -25400},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
