package shipping

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/omskit/oms"
)

// MaxContentsLength is the longest Parcel.Contents, in characters, that
// Validate accepts.
const MaxContentsLength = 200

// Parcel is one physical parcel to ship: its outer dimensions, gross weight,
// declared value for insurance and customs, and a description of its
// contents. It is a value; copy it freely.
type Parcel struct {
	// Dimensions are the outer sides. All three must be positive.
	Dimensions oms.Dimensions `json:"dimensions"`
	// Weight is the gross weight, packaging included. It must be positive.
	Weight oms.Weight `json:"weight"`
	// DeclaredValue is the value declared for insurance and customs; the
	// zero Money means none.
	DeclaredValue oms.Money `json:"declared_value"`
	// Contents describes what is inside, for customs and the label: at
	// most MaxContentsLength characters of UTF-8 without NUL.
	Contents string `json:"contents,omitempty"`
	// Preset names the ParcelPreset the parcel was made from, if any.
	Preset string `json:"preset,omitempty"`
}

// Validate returns a *oms.ValidationError listing every problem of p, or
// nil.
func (p Parcel) Validate() error {
	v := &oms.ValidationError{Entity: "parcel"}
	p.validate(v, "")
	return v.Err()
}

func (p Parcel) validate(v *oms.ValidationError, prefix string) {
	f := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	v.Merge(f("dimensions"), p.Dimensions.Validate())
	if p.Weight <= 0 {
		v.Add(f("weight"), "must be positive, got %s", p.Weight)
	}
	if p.DeclaredValue.Valid() {
		if p.DeclaredValue.IsNegative() {
			v.Add(f("declared_value"), "must not be negative, got %s", p.DeclaredValue)
		}
		if !p.DeclaredValue.IsRounded() {
			v.Add(f("declared_value"), "must be rounded to the currency's minor unit, got %s", p.DeclaredValue)
		}
	}
	switch n := utf8.RuneCountInString(p.Contents); {
	case !utf8.ValidString(p.Contents):
		v.Add(f("contents"), "must be valid UTF-8")
	case strings.IndexByte(p.Contents, 0) >= 0:
		v.Add(f("contents"), "must not contain a NUL byte")
	case n > MaxContentsLength:
		v.Add(f("contents"), "must be at most %d characters, got %d", MaxContentsLength, n)
	}
}

// BillableWeight returns the weight a carrier with dimensional-weight rule f
// bills for p: the larger of the actual and dimensional weights, rounded up
// to f's step (see oms.BillableWeight). The error matches oms.ErrValidation.
func (p Parcel) BillableWeight(f oms.DimFactor) (oms.Weight, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	return oms.BillableWeight(p.Weight, p.Dimensions, f)
}

// ParcelPreset is a named packaging a shop uses again and again (a mailer,
// a carrier's flat-rate box, the shop's own medium box): its outer
// dimensions, its empty weight and the most it may carry.
type ParcelPreset struct {
	// Name identifies the preset, such as "medium_box".
	Name string `json:"name"`
	// Dimensions are the outer sides.
	Dimensions oms.Dimensions `json:"dimensions"`
	// TareWeight is the weight of the empty packaging.
	TareWeight oms.Weight `json:"tare_weight"`
	// MaxWeight is the heaviest gross weight allowed; zero means no limit.
	MaxWeight oms.Weight `json:"max_weight,omitempty"`
	// Carrier restricts the preset to one carrier's code (a carrier's own
	// flat-rate box); empty means any carrier.
	Carrier string `json:"carrier,omitempty"`
}

// Validate returns a *oms.ValidationError listing every problem of p, or
// nil.
func (p ParcelPreset) Validate() error {
	v := &oms.ValidationError{Entity: "parcel preset"}
	if p.Name == "" {
		v.Add("name", "is required")
	}
	v.Merge("dimensions", p.Dimensions.Validate())
	if p.TareWeight < 0 {
		v.Add("tare_weight", "must not be negative, got %s", p.TareWeight)
	}
	if p.MaxWeight < 0 {
		v.Add("max_weight", "must not be negative, got %s", p.MaxWeight)
	}
	if p.MaxWeight > 0 && p.TareWeight >= p.MaxWeight {
		v.Add("tare_weight", "%s leaves no room under max_weight %s", p.TareWeight, p.MaxWeight)
	}
	return v.Err()
}

// Parcel returns a parcel of this preset holding contents that weigh
// contentsWeight: the preset's dimensions and its tare plus the contents'
// weight. The error matches oms.ErrValidation when the preset is invalid,
// the weight is not positive, or the gross weight exceeds MaxWeight.
func (p ParcelPreset) Parcel(contentsWeight oms.Weight) (Parcel, error) {
	v := &oms.ValidationError{Entity: "parcel preset"}
	v.Merge("", p.Validate())
	if contentsWeight <= 0 {
		v.Add("contents_weight", "must be positive, got %s", contentsWeight)
	}
	gross := p.TareWeight + contentsWeight
	switch {
	case contentsWeight > 0 && p.TareWeight > math.MaxInt64-contentsWeight:
		v.Add("contents_weight", "gross weight over the largest weight with tare %s", p.TareWeight)
	case p.MaxWeight > 0 && gross > p.MaxWeight:
		v.Add("contents_weight", "gross weight %s over the preset's max_weight %s", gross, p.MaxWeight)
	}
	if err := v.Err(); err != nil {
		return Parcel{}, err
	}
	return Parcel{Dimensions: p.Dimensions, Weight: gross, Preset: p.Name}, nil
}

// StandardPresets returns a fresh list of common packagings (a padded
// mailer and small, medium and large boxes in metric sizes). A shop usually
// defines its own; these are a starting point.
func StandardPresets() []ParcelPreset {
	return []ParcelPreset{
		{Name: "mailer", Dimensions: oms.DimensionsMM(350, 250, 30), TareWeight: oms.Grams(40), MaxWeight: oms.Kilograms(2)},
		{Name: "small_box", Dimensions: oms.DimensionsMM(250, 200, 100), TareWeight: oms.Grams(150), MaxWeight: oms.Kilograms(10)},
		{Name: "medium_box", Dimensions: oms.DimensionsMM(400, 300, 200), TareWeight: oms.Grams(350), MaxWeight: oms.Kilograms(20)},
		{Name: "large_box", Dimensions: oms.DimensionsMM(600, 400, 400), TareWeight: oms.Grams(800), MaxWeight: oms.Kilograms(30)},
	}
}
