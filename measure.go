package oms

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Weight is an exact mass in milligrams. Grams and kilograms convert
// exactly; ounces and pounds are rounded to the nearest milligram
// (1 lb = 453,592.37 mg exactly; the rounding error is below 0.5 mg).
type Weight int64

// Weight units.
const (
	Milligram Weight = 1
	Gram      Weight = 1000
	Kilogram  Weight = 1000 * Gram
)

// cmgPerPound is the exact international pound in hundredths of a milligram.
const cmgPerPound = 45359237

// Grams returns w for n grams. Counts beyond the range of a Weight
// saturate at its largest (or smallest) value.
func Grams(n int64) Weight { return Weight(satMul(n, int64(Gram))) }

// Kilograms returns w for n kilograms. Counts beyond the range of a Weight
// saturate at its largest (or smallest) value.
func Kilograms(n int64) Weight { return Weight(satMul(n, int64(Kilogram))) }

// satMul returns a×m for a positive unit m, saturating at the int64 range.
func satMul(a, m int64) int64 {
	switch {
	case a > math.MaxInt64/m:
		return math.MaxInt64
	case a < math.MinInt64/m:
		return math.MinInt64
	}
	return a * m
}

// satAdd returns a+b, saturating at the int64 range.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// Pounds returns n pounds, rounded to the nearest milligram. Values beyond
// the range of a Weight saturate; NaN gives 0.
func Pounds(n float64) Weight { return Weight(roundHalfAway(n * cmgPerPound / 100)) }

// Ounces returns n ounces (1/16 lb), rounded to the nearest milligram.
// Values beyond the range of a Weight saturate; NaN gives 0.
func Ounces(n float64) Weight { return Weight(roundHalfAway(n * cmgPerPound / 1600)) }

// roundHalfAway rounds f to the nearest integer, halves away from zero.
// Values beyond the int64 range saturate and NaN gives 0 (the plain
// conversion is implementation-defined there).
func roundHalfAway(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 1<<63:
		return math.MaxInt64
	case f <= -(1 << 63):
		return math.MinInt64
	}
	if f < 0 {
		return -int64(-f + 0.5)
	}
	return int64(f + 0.5)
}

// Grams returns w in whole grams, rounded toward zero.
func (w Weight) Grams() int64 { return int64(w / Gram) }

// Kilograms returns w in kilograms.
func (w Weight) Kilograms() float64 { return float64(w) / float64(Kilogram) }

// Pounds returns w in pounds.
func (w Weight) Pounds() float64 { return float64(w) * 100 / cmgPerPound }

// Ounces returns w in ounces.
func (w Weight) Ounces() float64 { return float64(w) * 1600 / cmgPerPound }

// RoundUp rounds w up to a whole multiple of step (carriers bill whole or
// half kilograms, whole pounds). A step <= 0 returns w. When the multiple
// is beyond the range of a Weight, RoundUp saturates at the largest Weight:
// the result is never below w, and never decreases as w grows.
func (w Weight) RoundUp(step Weight) Weight {
	r, _ := w.roundUp(step)
	return r
}

// roundUp is RoundUp that also reports whether the result is the exact
// multiple (false when it saturated).
func (w Weight) roundUp(step Weight) (Weight, bool) {
	if step <= 0 || w%step == 0 {
		return w, true
	}
	if w < 0 {
		return w - w%step, true
	}
	down := w - w%step
	if down > math.MaxInt64-step {
		return math.MaxInt64, false
	}
	return down + step, true
}

// String returns w in grams with up to three decimals, such as "1250g" or
// "0.5g".
func (w Weight) String() string { return thousandths(int64(w)) + "g" }

// thousandths formats n/1000 exactly, with no trailing zeros after the
// point and no point for whole numbers. It works in integers: float64
// rounds above 2^53.
func thousandths(n int64) string {
	whole, frac := n/1000, n%1000
	sign := ""
	if frac < 0 {
		frac = -frac
		if whole == 0 {
			sign = "-"
		}
	}
	if frac == 0 {
		return strconv.FormatInt(whole, 10)
	}
	s := fmt.Sprintf("%s%d.%03d", sign, whole, frac)
	return strings.TrimRight(s, "0")
}

// Length is an exact distance in micrometres: millimetres, centimetres and
// inches (25,400 µm) all convert exactly.
type Length int64

// Length units.
const (
	Micrometre Length = 1
	Millimetre Length = 1000
	Centimetre Length = 10 * Millimetre
	Metre      Length = 1000 * Millimetre
	Inch       Length = 25400
)

// Millimetres returns n millimetres. Counts beyond the range of a Length
// saturate at its largest (or smallest) value.
func Millimetres(n int64) Length { return Length(satMul(n, int64(Millimetre))) }

// Centimetres returns n centimetres. Counts beyond the range of a Length
// saturate at its largest (or smallest) value.
func Centimetres(n int64) Length { return Length(satMul(n, int64(Centimetre))) }

// Inches returns n inches, rounded to the nearest micrometre. Values beyond
// the range of a Length saturate; NaN gives 0.
func Inches(n float64) Length { return Length(roundHalfAway(n * float64(Inch))) }

// Millimetres returns l in millimetres.
func (l Length) Millimetres() float64 { return float64(l) / float64(Millimetre) }

// Centimetres returns l in centimetres.
func (l Length) Centimetres() float64 { return float64(l) / float64(Centimetre) }

// Inches returns l in inches.
func (l Length) Inches() float64 { return float64(l) / float64(Inch) }

// String returns l in millimetres with up to three decimals, such as
// "300mm".
func (l Length) String() string { return thousandths(int64(l)) + "mm" }

// Dimensions is a box shape: length, width and height, each an exact
// Length in micrometres (JSON numbers of micrometres). The sides may be
// given in any order: Sorted and LengthPlusGirth order them as carriers
// measure.
type Dimensions struct {
	Length Length `json:"length"`
	Width  Length `json:"width"`
	Height Length `json:"height"`
}

// DimensionsMM returns dimensions given in whole millimetres.
func DimensionsMM(l, w, h int64) Dimensions {
	return Dimensions{Length: Millimetres(l), Width: Millimetres(w), Height: Millimetres(h)}
}

// Validate reports a non-positive side. The error matches ErrValidation.
func (d Dimensions) Validate() error {
	v := &ValidationError{Entity: "dimensions"}
	for _, s := range []struct {
		name string
		l    Length
	}{{"length", d.Length}, {"width", d.Width}, {"height", d.Height}} {
		if s.l <= 0 {
			v.Add(s.name, "must be positive, got %s", s.l)
		}
	}
	return v.Err()
}

// IsZero reports whether no side is set.
func (d Dimensions) IsZero() bool { return d == Dimensions{} }

// Volume returns the volume in cubic millimetres, rounded to the nearest
// one. Sides up to a kilometre cannot overflow.
func (d Dimensions) Volume() Volume {
	p := d.cubicMicrometres()
	q, r := p.QuoRem(p, big.NewInt(1e9), new(big.Int))
	if r.Cmp(big.NewInt(5e8)) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return Volume(1<<63 - 1)
	}
	return Volume(q.Int64())
}

func (d Dimensions) cubicMicrometres() *big.Int {
	p := big.NewInt(int64(d.Length))
	p.Mul(p, big.NewInt(int64(d.Width)))
	return p.Mul(p, big.NewInt(int64(d.Height)))
}

// Sorted returns the sides from longest to shortest, as carriers measure
// length and girth.
func (d Dimensions) Sorted() Dimensions {
	a, b, c := d.Length, d.Width, d.Height
	if a < b {
		a, b = b, a
	}
	if b < c {
		b, c = c, b
	}
	if a < b {
		a, b = b, a
	}
	return Dimensions{Length: a, Width: b, Height: c}
}

// LengthPlusGirth returns the longest side plus twice the sum of the other
// two, the size limit carriers publish. A sum beyond the range of a Length
// saturates at the largest Length, so a limit check on it is monotone: a
// bigger parcel never passes where a smaller one fails.
func (d Dimensions) LengthPlusGirth() Length {
	s := d.Sorted()
	girth := satAdd(int64(s.Width), int64(s.Height))
	return Length(satAdd(int64(s.Length), satAdd(girth, girth)))
}

// String returns "LxWxH" in millimetres.
func (d Dimensions) String() string {
	return fmt.Sprintf("%sx%sx%s", d.Length, d.Width, d.Height)
}

// Volume is a volume in cubic millimetres.
type Volume int64

// Litres returns v in litres.
func (v Volume) Litres() float64 { return float64(v) / 1e6 }

// DimFactor is a carrier's dimensional-weight rule: the volume that counts as
// one unit of weight, and the step the result is rounded up to.
type DimFactor struct {
	// Divisor is the carrier's published number: cubic centimetres per
	// kilogram (5000 is common) or cubic inches per pound (139 is common).
	Divisor int64
	// Imperial says the divisor is in cubic inches per pound; otherwise it is
	// cubic centimetres per kilogram.
	Imperial bool
	// RoundUpTo is the billing step: the dimensional and actual weights are
	// rounded up to a multiple of it. Zero means one whole pound for
	// imperial factors and half a kilogram for metric ones.
	RoundUpTo Weight
}

// Common dimensional-weight factors.
var (
	// DimFactorMetric5000 is 5000 cm³/kg in half-kilogram steps, the usual
	// international express rule.
	DimFactorMetric5000 = DimFactor{Divisor: 5000}
	// DimFactorImperial139 is 139 in³/lb in whole pounds, the usual US
	// rule for retail rates.
	DimFactorImperial139 = DimFactor{Divisor: 139, Imperial: true}
)

// maxWholePounds is the largest count of whole pounds a Weight holds.
const maxWholePounds = (math.MaxInt64 - 50) / cmgPerPound

// poundsWeight returns n whole pounds, rounded to the nearest milligram as
// Pounds does.
func poundsWeight(n int64) Weight { return Weight((n*cmgPerPound + 50) / 100) }

// roundUp rounds w up to f's billing step, and reports false when the
// result does not fit a Weight. Whole pounds are counted exactly in
// hundredths of a milligram, forgiving the half milligram that Pounds
// rounds away, so Pounds(2) bills as 2 lb.
func (f DimFactor) roundUp(w Weight) (Weight, bool) {
	switch {
	case f.RoundUpTo > 0:
		return w.roundUp(f.RoundUpTo)
	case f.Imperial:
		if w <= 0 {
			return 0, true
		}
		// n = ceil((100w - 50) / cmgPerPound), in big integers: 100w may
		// not fit in 64 bits.
		num := new(big.Int).Mul(big.NewInt(int64(w)), big.NewInt(100))
		num.Sub(num, big.NewInt(50))
		return wholePounds(num, big.NewInt(cmgPerPound))
	default:
		return w.roundUp(Kilogram / 2)
	}
}

// wholePounds returns ceil(num/den) pounds, and false when that does not fit
// a Weight.
func wholePounds(num, den *big.Int) (Weight, bool) {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() > maxWholePounds {
		return 0, false
	}
	return poundsWeight(q.Int64()), true
}

// DimWeight returns the dimensional weight of d under f, rounded up to f's
// step. The error matches ErrValidation for non-positive sides or divisor,
// or a weight too large for a Weight.
func DimWeight(d Dimensions, f DimFactor) (Weight, error) {
	v := &ValidationError{Entity: "dimensional weight"}
	if f.Divisor <= 0 {
		v.Add("divisor", "must be positive, got %d", f.Divisor)
	}
	v.Merge("dimensions", d.Validate())
	if err := v.Err(); err != nil {
		return 0, err
	}
	tooLarge := Validationf("dimensional weight", "dimensions", "too large")
	num := d.cubicMicrometres()
	den := big.NewInt(f.Divisor)
	if f.Imperial {
		inch3 := new(big.Int).Exp(big.NewInt(int64(Inch)), big.NewInt(3), nil)
		den.Mul(den, inch3)
		if f.RoundUpTo <= 0 {
			// Whole pounds: ceil(volume in in³ / divisor), exactly, so that a
			// box of exactly n × divisor in³ bills n pounds.
			w, ok := wholePounds(num, den)
			if !ok {
				return 0, tooLarge
			}
			return w, nil
		}
		num.Mul(num, big.NewInt(cmgPerPound)) // hundredths of a mg per lb
		den.Mul(den, big.NewInt(100))
	} else {
		num.Mul(num, big.NewInt(int64(Kilogram)))
		den.Mul(den, big.NewInt(1e12)) // µm³ per cm³
	}
	// weight_mg = volume_µm³ / (divisor × µm³ per unit volume) × mg per unit
	// weight; computed as one exact fraction and rounded up.
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, tooLarge
	}
	w, ok := f.roundUp(Weight(q.Int64()))
	if !ok {
		return 0, tooLarge
	}
	return w, nil
}

// BillableWeight returns the weight a carrier bills: the larger of the
// actual weight and the dimensional weight, both rounded up to f's step.
func BillableWeight(actual Weight, d Dimensions, f DimFactor) (Weight, error) {
	if actual < 0 {
		return 0, Validationf("billable weight", "weight", "must not be negative, got %s", actual)
	}
	dw, err := DimWeight(d, f)
	if err != nil {
		return 0, err
	}
	a, ok := f.roundUp(actual)
	if !ok {
		return 0, Validationf("billable weight", "weight", "too large")
	}
	if a > dw {
		return a, nil
	}
	return dw, nil
}
