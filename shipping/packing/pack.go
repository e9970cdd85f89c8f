package packing

import (
	"context"
	"fmt"
	"math"
	"math/bits"

	"github.com/omskit/oms"
)

// Rotation says how an item may be turned when it is packed. The zero value
// means RotationAny.
type Rotation string

// Rotation rules.
const (
	// RotationAny lets the item lie in any of its six axis-aligned
	// orientations.
	RotationAny Rotation = "any"
	// RotationUpright keeps the item's Height vertical ("this side up"); it
	// may turn about the vertical axis, so its length may run along the
	// box's length or its width. This is BoxPacker's "keep flat".
	RotationUpright Rotation = "upright"
	// RotationFlat lays the item on its largest face: its shortest side is
	// vertical, and it may turn about the vertical axis.
	RotationFlat Rotation = "flat"
	// RotationNone packs the item exactly as given: its length along the
	// box's length, its width along the box's width, its height vertical.
	RotationNone Rotation = "none"
)

// Valid reports whether r is a known rotation rule or empty (RotationAny).
func (r Rotation) Valid() bool {
	switch r {
	case "", RotationAny, RotationUpright, RotationFlat, RotationNone:
		return true
	}
	return false
}

// Orientation says which side of an item runs along each axis of its box:
// the first letter along the box's length (X), the second along its width
// (Y), the third vertically (Z); l, w and h are the item's Length, Width
// and Height. OrientationLWH is the item as given.
type Orientation string

// Orientations.
const (
	OrientationLWH Orientation = "lwh"
	OrientationWLH Orientation = "wlh"
	OrientationLHW Orientation = "lhw"
	OrientationHLW Orientation = "hlw"
	OrientationWHL Orientation = "whl"
	OrientationHWL Orientation = "hwl"
)

// pkOrientations lists the orientations with the item side (0 length,
// 1 width, 2 height) that runs along X, Y and Z.
var pkOrientations = [6]struct {
	o    Orientation
	axes [3]int
}{
	{OrientationLWH, [3]int{0, 1, 2}},
	{OrientationWLH, [3]int{1, 0, 2}},
	{OrientationLHW, [3]int{0, 2, 1}},
	{OrientationHLW, [3]int{2, 0, 1}},
	{OrientationWHL, [3]int{1, 2, 0}},
	{OrientationHWL, [3]int{2, 1, 0}},
}

// Valid reports whether o is one of the six orientations.
func (o Orientation) Valid() bool {
	switch o {
	case OrientationLWH, OrientationWLH, OrientationLHW, OrientationHLW, OrientationWHL, OrientationHWL:
		return true
	}
	return false
}

// Apply returns d turned by o: the extents along the box's length, width
// and height. An invalid orientation returns d unchanged.
func (o Orientation) Apply(d oms.Dimensions) oms.Dimensions {
	s := [3]oms.Length{d.Length, d.Width, d.Height}
	for _, p := range pkOrientations {
		if p.o == o {
			return oms.Dimensions{Length: s[p.axes[0]], Width: s[p.axes[1]], Height: s[p.axes[2]]}
		}
	}
	return d
}

// Allows reports whether the rotation rule r lets an item of dimensions d
// lie in orientation o.
func (r Rotation) Allows(o Orientation, d oms.Dimensions) bool {
	if !o.Valid() {
		return false
	}
	switch r {
	case "", RotationAny:
		return true
	case RotationUpright:
		return o == OrientationLWH || o == OrientationWLH
	case RotationNone:
		return o == OrientationLWH
	case RotationFlat:
		s := d.Sorted()
		return o.Apply(d).Height == s.Height
	}
	return false
}

// pkAllows is r.Allows(pkOrientations[oi].o, d) for a valid r, without
// looking the orientation up.
func pkAllows(r Rotation, oi int, d oms.Dimensions) bool {
	switch r {
	case "", RotationAny:
		return true
	case RotationUpright:
		return oi < 2 // OrientationLWH, OrientationWLH
	case RotationNone:
		return oi == 0 // OrientationLWH
	case RotationFlat:
		s := [3]oms.Length{d.Length, d.Width, d.Height}
		return s[pkOrientations[oi].axes[2]] == d.Sorted().Height
	}
	return false
}

// Item is a line of an order to pack: Quantity units of the same shape.
type Item struct {
	// ID is the caller's reference for the line (an order line, a
	// shipment line); it is copied to the packing and need not be unique.
	ID string `json:"id"`
	// SKU is the unit's stock-keeping unit, copied to the packing;
	// optional, and when set it must pass oms.ValidateSKU.
	SKU oms.SKU `json:"sku,omitempty"`
	// Dimensions is the size of one unit.
	Dimensions oms.Dimensions `json:"dimensions"`
	// Weight is the weight of one unit.
	Weight oms.Weight `json:"weight"`
	// Quantity is the number of units; it must be positive (and all the
	// lines together at most MaxUnits).
	Quantity int64 `json:"quantity"`
	// Rotation limits how a unit may be turned; empty means RotationAny.
	Rotation Rotation `json:"rotation,omitempty"`
	// ShipsAlone puts each unit in a box of its own, the smallest box type
	// that holds it.
	ShipsAlone bool `json:"ships_alone,omitempty"`
	// ShipsAsIs ships each unit in its own packaging, without a box: it
	// becomes a parcel of its own (a PackedBox with AsIs set).
	ShipsAsIs bool `json:"ships_as_is,omitempty"`
	// NoStack forbids putting anything on top of a unit: no other item may
	// lie above its top face.
	NoStack bool `json:"no_stack,omitempty"`
	// MaxPerBox, when positive, is the most units of this item one box may
	// hold.
	MaxPerBox int64 `json:"max_per_box,omitempty"`
}

// BoxType is a kind of box a shop packs into.
type BoxType struct {
	// Name identifies the box type; it is copied to the packing.
	Name string `json:"name"`
	// Outer is the outside size, which carriers measure; zero means the
	// same as Inner.
	Outer oms.Dimensions `json:"outer,omitzero"`
	// Inner is the space for items.
	Inner oms.Dimensions `json:"inner"`
	// EmptyWeight is the weight of the empty box (with its filling).
	EmptyWeight oms.Weight `json:"empty_weight"`
	// MaxWeight is the heaviest the packed box may be, box included; zero
	// means no limit.
	MaxWeight oms.Weight `json:"max_weight,omitempty"`
	// Cost is what one box costs; optional (the zero Money).
	Cost oms.Money `json:"cost,omitzero"`
	// Limited says only Supply boxes of this type may be used.
	Limited bool `json:"limited,omitempty"`
	// Supply is the number of boxes on hand when Limited is set.
	Supply int64 `json:"supply,omitempty"`
}

// outer returns the outside size, Inner when Outer is unset.
func (b BoxType) outer() oms.Dimensions {
	if b.Outer.IsZero() {
		return b.Inner
	}
	return b.Outer
}

// Position is where an item's corner nearest the box's origin sits: X
// along the box's length, Y along its width, Z up from its floor.
// In a packing, every unit rests: its Z is 0 or the top of a unit below
// whose footprint overlaps its own.
type Position struct {
	X oms.Length `json:"x"`
	Y oms.Length `json:"y"`
	Z oms.Length `json:"z"`
}

// PackedItem is one unit placed in a box.
type PackedItem struct {
	// Item is the index of the unit's line in the items given to Pack.
	Item int `json:"item"`
	// ID is the line's Item.ID.
	ID string `json:"id"`
	// SKU is the line's Item.SKU.
	SKU oms.SKU `json:"sku,omitempty"`
	// Position is the unit's corner nearest the box's origin.
	Position Position `json:"position"`
	// Orientation is how the unit is turned.
	Orientation Orientation `json:"orientation"`
	// Placed is the unit's extent along the box's length, width and
	// height (its Dimensions turned by Orientation).
	Placed oms.Dimensions `json:"placed"`
	// Weight is the unit's weight.
	Weight oms.Weight `json:"weight"`
}

// PackedBox is one parcel of a packing: a box and what it holds, or a unit
// shipped as is.
type PackedBox struct {
	// Type is the index of the box type in the boxes given to Pack; -1
	// for a unit shipped as is.
	Type int `json:"type"`
	// Name is the box type's Name (the item's ID when AsIs).
	Name string `json:"name"`
	// AsIs says the parcel is a unit shipped in its own packaging.
	AsIs bool `json:"as_is,omitempty"`
	// Outer is the parcel's outside size.
	Outer oms.Dimensions `json:"outer"`
	// Items lists the units in the box, in placement order.
	Items []PackedItem `json:"items"`
	// ContentWeight is the weight of the items.
	ContentWeight oms.Weight `json:"content_weight"`
	// GrossWeight is the box's empty weight plus ContentWeight.
	GrossWeight oms.Weight `json:"gross_weight"`
	// Volume is the outer volume in mm³.
	Volume oms.Volume `json:"volume"`
	// Utilisation is the share of the inner volume the items fill, from 0
	// to 1.
	Utilisation float64 `json:"utilisation"`
	// Cost is the parcel's price by Options.Cost; the zero Money without
	// a cost function.
	Cost oms.Money `json:"cost,omitzero"`
}

// UnpackedReason says why units could not be packed.
type UnpackedReason string

// Reasons for unpacked units.
const (
	// UnpackedTooLarge: the unit fits in no box type in any orientation
	// its rotation rule allows.
	UnpackedTooLarge UnpackedReason = "too_large"
	// UnpackedTooHeavy: box types fit the unit, but it would take each of
	// them over its maximum weight.
	UnpackedTooHeavy UnpackedReason = "too_heavy"
	// UnpackedNoBox: the box types that fit the unit have no supply left.
	UnpackedNoBox UnpackedReason = "no_box"
	// UnpackedStopped: the context ended before the unit was placed.
	UnpackedStopped UnpackedReason = "stopped"
)

// Valid reports whether r is a known reason.
func (r UnpackedReason) Valid() bool {
	switch r {
	case UnpackedTooLarge, UnpackedTooHeavy, UnpackedNoBox, UnpackedStopped:
		return true
	}
	return false
}

// UnpackedItem lists units of one line that could not be packed.
type UnpackedItem struct {
	// Item is the index of the line in the items given to Pack.
	Item int `json:"item"`
	// ID is the line's Item.ID.
	ID string `json:"id"`
	// Quantity is the number of units left out.
	Quantity int64 `json:"quantity"`
	// Reason says why.
	Reason UnpackedReason `json:"reason"`
}

// Result is the result of Pack.
type Result struct {
	// Boxes lists the parcels: the boxes the search settled on, then the
	// boxes of units that ship alone, then units shipped as is.
	Boxes []PackedBox `json:"boxes"`
	// Unpacked lists the units that could not be packed, with reasons.
	Unpacked []UnpackedItem `json:"unpacked,omitempty"`
	// Stopped reports that the context ended before the search finished:
	// the packing is valid but may use more boxes than a full search would,
	// and if the context ended before every unit was placed, those units
	// are listed with UnpackedStopped.
	Stopped bool `json:"stopped,omitempty"`
	// MinBoxes is the fewest parcels the search found for the units it
	// packed. Under ObjectiveBoxes it is len(Boxes); under ObjectiveCost
	// the packing may use more when they cost less.
	MinBoxes int `json:"min_boxes"`
	// Cost is the total of the parcels' costs by Options.Cost; the zero
	// Money without a cost function.
	Cost oms.Money `json:"cost,omitzero"`
}

// Complete reports whether every unit was packed.
func (p Result) Complete() bool { return len(p.Unpacked) == 0 }

// TotalVolume returns the sum of the parcels' outer volumes, saturating at
// the largest Volume (100,000 parcels of 100 m a side hold 10^20 mm³).
func (p Result) TotalVolume() oms.Volume {
	var v oms.Volume
	for _, b := range p.Boxes {
		switch {
		case b.Volume > 0 && v > math.MaxInt64-b.Volume:
			v = math.MaxInt64
		case b.Volume < 0 && v < math.MinInt64-b.Volume:
			v = math.MinInt64
		default:
			v += b.Volume
		}
	}
	return v
}

// WeightVariance returns the population variance of the parcels' gross
// weights in grams², the figure Pack minimises last.
func (p Result) WeightVariance() float64 {
	if len(p.Boxes) < 2 {
		return 0
	}
	var mean float64
	for _, b := range p.Boxes {
		mean += float64(b.GrossWeight) / float64(oms.Gram)
	}
	mean /= float64(len(p.Boxes))
	var v float64
	for _, b := range p.Boxes {
		d := float64(b.GrossWeight)/float64(oms.Gram) - mean
		v += d * d
	}
	return v / float64(len(p.Boxes))
}

// Options tunes Pack. The zero value (or nil) uses the defaults.
type Options struct {
	// Budget bounds the search, in units of work (about one placement
	// test each); zero means DefaultBudget. The greedy pass always
	// finishes (switching to cheap shelf filling once it has spent three
	// budgets), so every unit that fits some box is placed; the budget cuts
	// the search for better packings short, so a tiny Budget gives a fast,
	// valid but possibly worse packing. Results are deterministic for a
	// given Budget.
	Budget int64
	// Objective is what to minimise first; empty means ObjectiveBoxes.
	Objective Objective
	// Cost prices a parcel; ObjectiveCost needs it. With ObjectiveBoxes it
	// is optional and only prices the result (PackedBox.Cost, Result.Cost).
	Cost CostFunc
}

// DefaultBudget is the work budget used when Options.Budget is
// zero: about 50 ms of search on a current core. Typical orders need far
// less (the BoxPacker corpus averages well under a millisecond an order).
const DefaultBudget = 10_000_000

// MaxUnits is the most units (sum of quantities) Pack accepts.
const MaxUnits = 100_000

// pkMaxLength bounds every side (100 m), and pkMaxWeight every weight
// (1,000 t), so that sums of coordinates, volumes and weights never
// overflow.
const (
	pkMaxLength = 100 * oms.Metre
	pkMaxWeight = 1000 * 1000 * oms.Kilogram
)

// Pack packs items into boxes of the given types. See PackContext.
func Pack(items []Item, boxes []BoxType, opts *Options) (Result, error) {
	return PackContext(context.Background(), items, boxes, opts)
}

// PackContext packs items into boxes of the given types: it chooses how many
// boxes of which types to use and where each unit sits in its box. Every
// unit is either placed or listed in Result.Unpacked with a reason.
//
// The objective (ObjectiveBoxes, the default), in order: fewest parcels;
// then the smallest total outer box volume (which keeps dimensional weight
// down); then the most even gross weights across the boxes. Under
// ObjectiveCost it is the lowest total of Options.Cost (see step 6).
//
// The heuristic:
//
//  0. Identical units are grouped, whatever the lines they come on: lines
//     whose units have the same extents in every orientation their rules
//     allow (a unit listed turned is the same unit), the same weight and
//     the same rules are one kind to the search, so listing 10,000 units
//     as one line or as 10,000 lines gives the same boxes. Lines with a
//     MaxPerBox stay apart (the limit is per line). The result gives each
//     line its own units back, in line order, each turned as its line
//     describes it.
//  1. Units that fit no box type in any allowed orientation, or fit only
//     overweight, are set aside with UnpackedTooLarge or UnpackedTooHeavy.
//     Units that ship as is become parcels of their own; units that ship
//     alone each get the smallest box type that holds them.
//  2. A lower bound on the box count comes from volume and weight. If it is
//     one, each box type that could hold everything is tried, smallest
//     first, and the first that takes every unit wins.
//  3. Otherwise a greedy pass fills one box after another, each time with
//     the box type that takes the most volume of the remaining units (the
//     smallest type that takes them all, once one does). A box is
//     replicated, not packed again, while the same contents remain, so
//     thousands of identical units cost little. This gives an upper bound.
//  4. For orders of up to 400 units and 12 boxes, each box count k from the
//     lower bound up to one below the greedy count is tried: combinations
//     of k box types in order of increasing total volume (within limited
//     supply, skipping those too small by volume or weight); the first
//     combination that takes every unit wins. At the final count, the
//     combinations smaller than the packing found are tried too.
//     When the units fill a box type's inner space exactly, as the pieces
//     of a box cut from side to side (guillotine cuts) do, extreme points
//     rarely find the one packing there is: the box is rebuilt by gluing
//     instead, two blocks that share a whole face into one, until one
//     block fills the box (a depth-first search ordered by the blocks it
//     would leave with no face to glue on, seeded restarts, then beam
//     searches).
//  5. Each box is repacked into the smallest box type that holds its
//     contents; units left out of boxes (limited supplies) go into boxes
//     this frees, so no unit is listed UnpackedNoBox while a box type that
//     takes it has boxes left. Then the gross weights are evened without changing any box's
//     type, so neither the count nor the volume changes: for the pairs of
//     boxes whose weights differ most, a unit moves from the heavier box to
//     the lighter, or a heavier unit of one swaps with a lighter unit of the
//     other (in place when they have the same shape), or the pair's
//     units are shared out afresh (heaviest first to the lighter box, or by
//     a local search that moves or swaps groups of units), the change that
//     leaves the smallest difference first; a change is kept only if both
//     boxes still pack, and each one kept lowers the variance.
//  6. Under ObjectiveCost, a local search from the packing of step 5 (the
//     packing ObjectiveBoxes returns) prices boxes with Options.Cost and
//     makes any move that lowers the total: repack a box into another
//     type, split a box's units into two boxes, merge two boxes into one.
//     It starts from the box-count packing and keeps only moves that cost
//     less, so it never costs more than ObjectiveBoxes would; Result.MinBoxes
//     is that packing's count. The search has a budget of its own, and
//     is skipped while units are left out for want of a box (its moves
//     free boxes that those units would need).
//     The parcels are priced again on the final result (PackedBox.Cost,
//     Result.Cost); with ObjectiveBoxes a given Cost only prices them.
//
// Filling boxes uses extreme points: the corners that placed units create,
// projected back onto the walls and the units behind and below. Each unit
// goes to the feasible corner and allowed orientation that scores best
// under one of four rules: lowest top, then least waste across the floor
// (the space left over after whole units along the length and the width);
// lowest top, then nearest the back; least waste along all three sides;
// lowest corner. The strategies combine these rules with five unit orders
// (largest volume, longest side, largest footprint, tallest, heaviest),
// filling box by box or first fit across the boxes, and then force each
// orientation on the first unit (a strategy that would list the units in
// the same order as one tried is skipped; for several boxes at once, only
// the first eight are tried); the last resort shares the units among
// the boxes by weight and volume and packs each box on its own. Units of a
// single item are laid out as a grid in the orientation that holds the
// most. Coordinates are exact integers (micrometres divided by the common
// divisor of all sides), so units never overlap through rounding.
//
// Work is bounded, so that no input takes long: steps 2, 4 and 5 stop when
// the work budget (Options.Budget) is spent or ctx ends, keeping the
// best packing found so far; a box holds at most 120 units placed at
// extreme points, and further units (or all units, once the greedy pass
// has spent three budgets) go on shelves: rows along the length, rows of
// rows across the width, layers up the height.
//
// Last, the positions are settled, box by box: taking the units in
// increasing height, each drops straight down until it rests on the floor
// or on the top face of a unit below it (extreme points at a unit's base,
// and shelf layers above shorter units, can leave units in the air).
// Dropping units this way never makes two overlap or puts anything above a
// NoStack unit, so every unit of a packing rests on the box's floor or on
// another unit, as a packing station needs.
//
// If ctx ends, Result.Stopped is set; units not placed by then are listed
// with UnpackedStopped. Invalid input returns an error matching
// oms.ErrValidation that lists every problem; Pack never panics on input.
// The result is deterministic for the same input and budget unless ctx
// ends. PackContext is safe for concurrent use.
func PackContext(ctx context.Context, items []Item, boxes []BoxType, opts *Options) (Result, error) {
	if err := pkValidate(items, boxes); err != nil {
		return Result{}, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if !o.Objective.Valid() {
		return Result{}, oms.Validationf("packing", "objective", "unknown objective %q", o.Objective)
	}
	if o.Objective == ObjectiveCost && o.Cost == nil {
		return Result{}, oms.Validationf("packing", "cost", "the cost objective needs a cost function")
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	c := pkGroup(items)
	solverItems := items
	if c != nil {
		solverItems = c.items
	}
	s := pkNewSolver(ctx, solverItems, boxes, o.Budget)
	if o.Objective == ObjectiveCost {
		s.cost = o.Cost
	}
	s.solve()
	if s.costErr != nil {
		return Result{}, s.costErr
	}
	r := s.result()
	s.releaseBins()
	s.recycleSolver()
	if c != nil {
		r = c.expand(r)
	}
	if o.Cost == nil {
		return r, nil
	}
	return pkPriceResult(r, boxes, o.Cost)
}

// pkValidate lists every problem of the input. Field names are built only
// for lines with a problem: a call may list ten thousand lines.
func pkValidate(items []Item, boxes []BoxType) error {
	v := &oms.ValidationError{Entity: "packing"}
	units := int64(0)
	for i := range items {
		it := &items[i]
		if it.Quantity > 0 {
			units += min(it.Quantity, MaxUnits+1)
		}
		if pkItemOK(it) {
			continue
		}
		f := fmt.Sprintf("items[%d]", i)
		pkCheckDims(v, f+".dimensions", it.Dimensions)
		pkCheckWeight(v, f+".weight", it.Weight)
		if it.Quantity <= 0 {
			v.Add(f+".quantity", "must be positive, got %d", it.Quantity)
		}
		if it.SKU != "" {
			if err := oms.ValidateSKU(it.SKU); err != nil {
				v.Add(f+".sku", "%v", err)
			}
		}
		if !it.Rotation.Valid() {
			v.Add(f+".rotation", "unknown rotation %q", it.Rotation)
		}
		if it.MaxPerBox < 0 {
			v.Add(f+".max_per_box", "must not be negative, got %d", it.MaxPerBox)
		}
		if it.ShipsAlone && it.ShipsAsIs {
			v.Add(f, "ships_alone and ships_as_is exclude each other")
		}
	}
	if units > MaxUnits {
		v.Add("items", "at most %d units may be packed at once, got more", MaxUnits)
	}
	for i, b := range boxes {
		if pkBoxOK(&b) {
			continue
		}
		f := fmt.Sprintf("boxes[%d]", i)
		pkCheckDims(v, f+".inner", b.Inner)
		if !b.Outer.IsZero() {
			pkCheckDims(v, f+".outer", b.Outer)
			if b.Outer.Length < b.Inner.Length || b.Outer.Width < b.Inner.Width || b.Outer.Height < b.Inner.Height {
				v.Add(f+".outer", "must be at least the inner size on every side, got %s for inner %s", b.Outer, b.Inner)
			}
		}
		pkCheckWeight(v, f+".empty_weight", b.EmptyWeight)
		pkCheckWeight(v, f+".max_weight", b.MaxWeight)
		if b.MaxWeight > 0 && b.MaxWeight < b.EmptyWeight {
			v.Add(f+".max_weight", "must be at least the empty weight %s, got %s", b.EmptyWeight, b.MaxWeight)
		}
		if b.Supply < 0 {
			v.Add(f+".supply", "must not be negative, got %d", b.Supply)
		}
	}
	return v.Err()
}

// pkItemOK reports whether a line has no problem (the quick test before
// listing its problems).
func pkItemOK(it *Item) bool {
	okLen := func(l oms.Length) bool { return l > 0 && l <= pkMaxLength }
	d := it.Dimensions
	return okLen(d.Length) && okLen(d.Width) && okLen(d.Height) && it.Weight >= 0 && it.Weight <= pkMaxWeight &&
		it.Quantity > 0 && it.Rotation.Valid() && it.MaxPerBox >= 0 && !(it.ShipsAlone && it.ShipsAsIs) &&
		(it.SKU == "" || oms.ValidateSKU(it.SKU) == nil)
}

// pkBoxOK reports whether a box type has no problem (the quick test before
// listing its problems: Pack validates the box types on every call).
func pkBoxOK(b *BoxType) bool {
	okLen := func(l oms.Length) bool { return l > 0 && l <= pkMaxLength }
	okDims := func(d oms.Dimensions) bool { return okLen(d.Length) && okLen(d.Width) && okLen(d.Height) }
	okWeight := func(w oms.Weight) bool { return w >= 0 && w <= pkMaxWeight }
	in, out := b.Inner, b.Outer
	return okDims(in) && (out.IsZero() || okDims(out) && out.Length >= in.Length && out.Width >= in.Width && out.Height >= in.Height) &&
		okWeight(b.EmptyWeight) && okWeight(b.MaxWeight) && (b.MaxWeight <= 0 || b.MaxWeight >= b.EmptyWeight) && b.Supply >= 0
}

// pkVolume returns d.Volume() without the big integers it uses, when the
// product of the sides (µm³) fits in an int64, as it does for boxes and
// units up to about 2 m a side; else it calls d.Volume().
func pkVolume(d oms.Dimensions) oms.Volume {
	if d.Length < 0 || d.Width < 0 || d.Height < 0 {
		return d.Volume()
	}
	hi, lw := bits.Mul64(uint64(d.Length), uint64(d.Width))
	if hi != 0 {
		return d.Volume()
	}
	hi, p := bits.Mul64(lw, uint64(d.Height))
	if hi != 0 || p > math.MaxInt64 {
		return d.Volume()
	}
	q, r := p/1e9, p%1e9
	if r >= 5e8 {
		q++
	}
	return oms.Volume(q)
}

func pkCheckWeight(v *oms.ValidationError, field string, w oms.Weight) {
	switch {
	case w < 0:
		v.Add(field, "must not be negative, got %s", w)
	case w > pkMaxWeight:
		v.Add(field, "must be at most %s, got %s", pkMaxWeight, w)
	}
}

func pkCheckDims(v *oms.ValidationError, field string, d oms.Dimensions) {
	for _, s := range []struct {
		name string
		l    oms.Length
	}{{"length", d.Length}, {"width", d.Width}, {"height", d.Height}} {
		switch {
		case s.l <= 0:
			v.Add(field+"."+s.name, "must be positive, got %s", s.l)
		case s.l > pkMaxLength:
			v.Add(field+"."+s.name, "must be at most %s, got %s", pkMaxLength, s.l)
		}
	}
}

// pkUtil returns content volume over inner volume (validated positive),
// at most 1 against rounding.
func pkUtil(content, inner float64) float64 { return math.Min(content/inner, 1) }
