package packing

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/omskit/oms"
)

// Objective says what Pack minimises first.
type Objective string

// Objectives.
const (
	// ObjectiveBoxes (the default, also the empty Objective) minimises
	// the number of parcels, then the total outer box volume, then the
	// spread of the gross weights.
	ObjectiveBoxes Objective = "boxes"
	// ObjectiveCost minimises the total of Options.Cost over the parcels:
	// it may use more boxes, or other box types, when that costs less
	// (Result.MinBoxes then says how few boxes would do).
	ObjectiveCost Objective = "cost"
)

// Valid reports whether o is a known objective or empty (ObjectiveBoxes).
func (o Objective) Valid() bool { return o == "" || o == ObjectiveBoxes || o == ObjectiveCost }

// CostFunc prices one parcel of a packing: box is the box type it uses (the
// zero BoxType for a unit shipped as is) and packed the parcel as packed
// (outer size, gross weight, units). While Pack searches, packed.Items may
// name one line for units of identical lines; the costs in the Result are
// priced again on the final parcels. Every price must be in one currency.
// An error ends Pack, which returns it.
type CostFunc func(box BoxType, packed PackedBox) (oms.Money, error)

// RateFunc is a carrier's price for one parcel of the given billable
// weight.
type RateFunc func(billable oms.Weight) (oms.Money, error)

// ParcelCost returns a CostFunc that prices a parcel as a shop pays for it:
// the box type's Cost (when set) plus rate of the parcel's billable weight,
// the larger of its gross weight and the dimensional weight of its outer
// size under f (oms.BillableWeight). A high fixed part of rate favours fewer
// parcels; a low divisor f (dimensional weight counting for more) favours
// small boxes, even more of them.
func ParcelCost(f oms.DimFactor, rate RateFunc) CostFunc {
	return func(box BoxType, packed PackedBox) (oms.Money, error) {
		w, err := oms.BillableWeight(packed.GrossWeight, packed.Outer, f)
		if err != nil {
			return oms.Money{}, err
		}
		price, err := rate(w)
		if err != nil {
			return oms.Money{}, err
		}
		if !box.Cost.Valid() {
			return price, nil
		}
		return price.Add(box.Cost)
	}
}

// pkCostRounds bounds the moves the cost search makes.
const pkCostRounds = 16

// costOf returns the cost of bin b (remembered per box type and contents).
func (s *pkSolver) costOf(b *pkBin) (oms.Money, bool) {
	sig := binary.LittleEndian.AppendUint32(nil, uint32(b.t))
	for _, c := range pkBinCount(b.items) {
		sig = binary.LittleEndian.AppendUint32(sig, uint32(c.k))
		sig = binary.LittleEndian.AppendUint32(sig, uint32(c.n))
	}
	if m, ok := s.costs[string(sig)]; ok {
		return m, true
	}
	s.settle(b)
	m, err := s.cost(s.boxes[b.t], s.packedBox(b))
	if err != nil {
		s.costErr = fmt.Errorf("packing: cost of a %q box: %w", s.boxes[b.t].Name, err)
		return oms.Money{}, false
	}
	if s.costs == nil {
		s.costs = map[string]oms.Money{}
	}
	s.costs[string(sig)] = m
	return m, true
}

// sumCost returns the total cost of bins, or false after an error (in
// s.costErr).
func (s *pkSolver) sumCost(bins []*pkBin) (oms.Money, bool) {
	var total oms.Money
	for i, b := range bins {
		m, ok := s.costOf(b)
		if !ok {
			return oms.Money{}, false
		}
		if i == 0 {
			total = m
			continue
		}
		t, err := total.Add(m)
		if err != nil {
			s.costErr = fmt.Errorf("packing: costs in two currencies: %w", err)
			return oms.Money{}, false
		}
		total = t
	}
	return total, true
}

// cheaper reports whether bins a cost less than bins b.
func (s *pkSolver) cheaper(a, b []*pkBin) bool {
	ca, ok := s.sumCost(a)
	if !ok {
		return false
	}
	cb, ok := s.sumCost(b)
	if !ok {
		return false
	}
	c, err := ca.Cmp(cb)
	if err != nil {
		s.costErr = fmt.Errorf("packing: costs in two currencies: %w", err)
		return false
	}
	return c < 0
}

// swap replaces the bins old with bins nu if the box supply allows, and
// reports whether it did.
func (s *pkSolver) swap(old, nu []*pkBin) bool {
	for _, b := range old {
		s.release(b.t)
	}
	need := map[int]int{}
	for _, b := range nu {
		need[b.t]++
	}
	for t, n := range need {
		if s.supply[t] >= 0 && s.supply[t] < n {
			for _, b := range old {
				s.use(b.t, 1)
			}
			return false
		}
	}
	for _, b := range nu {
		s.use(b.t, 1)
	}
	return true
}

// costSearch lowers the total cost of s.bins by local moves, each kept only
// if the boxes it changes cost less after it: repack a box into another
// type; split a box's units into two boxes of any two types; merge two
// boxes into one. It starts from the box-count packing (weights evened), so
// it never ends dearer than it. The search has a budget of its own.
func (s *pkSolver) costSearch() {
	s.work = 0
	s.quick = true
	defer func() { s.quick = false }()
	for round := 0; round < pkCostRounds && !s.spent() && s.costErr == nil; round++ {
		if !s.costRound() {
			return
		}
	}
}

// costRound makes the first move that lowers the cost, and reports whether
// it found one.
func (s *pkSolver) costRound() bool {
	bins := s.bins
	for i, b := range bins {
		cs := pkBinCount(b.items)
		// Another type for the box, or two boxes for it.
		for _, t := range s.byVol {
			if s.spent() || s.costErr != nil {
				return false
			}
			if t == b.t || s.supply[t] == 0 || s.types[t].v < b.v {
				continue
			}
			if nb := s.fillOne1(cs, t); nb != nil && s.cheaper([]*pkBin{nb}, []*pkBin{b}) && s.swap([]*pkBin{b}, []*pkBin{nb}) {
				bins[i] = nb
				return true
			}
		}
		if len(b.items) < 2 {
			continue
		}
		for x, t1 := range s.byVol {
			for _, t2 := range s.byVol[x:] {
				if s.spent() || s.costErr != nil {
					return false
				}
				if s.supply[t1] == 0 || s.supply[t2] == 0 || s.types[t1].v+s.types[t2].v < b.v {
					continue
				}
				nb := s.fillAll(cs, []int{t2, t1})
				if len(nb) != 2 || !s.cheaper(nb, []*pkBin{b}) || !s.swap([]*pkBin{b}, nb) {
					continue
				}
				s.bins = append(slices.Delete(bins, i, i+1), nb...)
				return true
			}
		}
	}
	// Two boxes into one.
	for i := range bins {
		for j := i + 1; j < len(bins); j++ {
			a, b := bins[i], bins[j]
			cs := pkKindCount(append(pkKinds(a.items), pkKinds(b.items)...))
			for _, t := range s.byVol {
				if s.spent() || s.costErr != nil {
					return false
				}
				if s.types[t].v < a.v+b.v || s.supply[t] == 0 && t != a.t && t != b.t {
					continue
				}
				nb := s.fillOne1(cs, t)
				if nb == nil || !s.cheaper([]*pkBin{nb}, []*pkBin{a, b}) || !s.swap([]*pkBin{a, b}, []*pkBin{nb}) {
					continue
				}
				bins[i] = nb
				s.bins = slices.Delete(bins, j, j+1)
				return true
			}
		}
	}
	return false
}

// pkKinds returns the kinds of placed units.
func pkKinds(items []pkPlaced) []int32 {
	ks := make([]int32, len(items))
	for i, p := range items {
		ks[i] = p.k
	}
	return ks
}

// priceResult prices every parcel of r with the caller's cost function
// and returns r with PackedBox.Cost and Result.Cost set.
func pkPriceResult(r Result, boxes []BoxType, cost CostFunc) (Result, error) {
	var total oms.Money
	for i := range r.Boxes {
		b := &r.Boxes[i]
		var bt BoxType
		if !b.AsIs {
			bt = boxes[b.Type]
		}
		m, err := cost(bt, *b)
		if err != nil {
			return Result{}, fmt.Errorf("packing: cost of parcel %d (%q): %w", i, b.Name, err)
		}
		b.Cost = m
		if i == 0 {
			total = m
		} else if total, err = total.Add(m); err != nil {
			return Result{}, fmt.Errorf("packing: costs in two currencies: %w", err)
		}
	}
	r.Cost = total
	return r, nil
}
