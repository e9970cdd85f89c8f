package packing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/omskit/oms"
)

// TestPackPrunedPointsChangeNothing fills boxes unit by unit twice: as
// Pack does (commit leaves out the extreme points where no kind fits) and
// keeping every point. The units go to the same places; the points kept
// are the full list less those where no kind fits, in the same order; and
// open tells from the short list whether the full one is empty when place
// would turn to shelves.
func TestPackPrunedPointsChangeNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	rules := []Rotation{RotationAny, RotationUpright, RotationNone}
	// Empty short lists: with nothing left out, and with points left out
	// (open then rebuilds the full list).
	empty := map[bool]int{}
	for trial := range 200 {
		var items []Item
		for i := range 1 + r.IntN(4) {
			items = append(items, Item{
				ID:         fmt.Sprint(i),
				Dimensions: oms.DimensionsMM(1+r.Int64N(7), 1+r.Int64N(7), 1+r.Int64N(7)),
				Quantity:   200,
				Rotation:   rules[r.IntN(len(rules))],
			})
		}
		boxes := []BoxType{
			pkBoxMM("A", 4+r.Int64N(20), 4+r.Int64N(20), 4+r.Int64N(20), 0, 0),
			pkBoxMM("B", 4+r.Int64N(20), 4+r.Int64N(20), 2+r.Int64N(6), 0, 0),
		}
		s := pkNewSolver(context.Background(), items, boxes, DefaultBudget)
		for bt := range boxes {
			a, full := s.newBin(bt), s.newBin(bt)
			merit := r.IntN(pkMerits)
			tm := s.typeMn[bt]
			in := s.types[bt].in
			for try := 0; try < 400 && len(a.items) < pkMaxEP; try++ {
				k := int32(r.IntN(len(items)))
				okA := s.place(a, k, merit, -1)
				s.keepAll = true
				okF := s.place(full, k, merit, -1)
				s.keepAll = false
				if okA != okF || !slices.Equal(a.items, full.items) {
					t.Fatalf("trial %d box %d: placed %v and %v, units differ", trial, bt, okA, okF)
				}
				want := slices.DeleteFunc(slices.Clone(full.eps), func(p pkPt) bool {
					// (The first point, the box's corner, is never left out.)
					return p != pkPt{} && (p.x > in[0]-tm[0] || p.y > in[1]-tm[1] || p.z > in[2]-tm[2])
				})
				if !slices.Equal(a.eps, want) {
					t.Fatalf("trial %d box %d: points %v, want %v (full list %v)", trial, bt, a.eps, want, full.eps)
				}
				if len(a.eps) > 0 {
					continue
				}
				work := s.work
				s.work = pkShelfAfter*s.budget + 1 // place would turn to shelves
				got := s.open(a)
				empty[a.pruned]++
				if s.work != pkShelfAfter*s.budget+1 {
					t.Fatalf("trial %d: open changed the work done", trial)
				}
				s.work = work
				if got != (len(full.eps) > 0) {
					t.Fatalf("trial %d box %d: open %v, full list %v", trial, bt, got, full.eps)
				}
				break // no point left: nothing more fits
			}
		}
	}
	if empty[false] == 0 || empty[true] == 0 {
		t.Fatalf("empty lists with and without points left out: %v; the test misses a case", empty)
	}
	t.Logf("empty lists with and without points left out: %v", empty)
}
