package packing

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
)

// TestPackBalanceMoves checks that balancing evens the weights of small
// orders by the changes it knows, on packings the checker accepts.
func TestPackBalanceMoves(t *testing.T) {
	pair := pkBoxMM("pair", 100, 50, 50, 0, 10000)
	three := pkBoxMM("three", 150, 50, 50, 0, 10000)
	tests := []struct {
		name  string
		items []Item
		boxes []BoxType
		want  []oms.Weight // gross weights, heaviest first
	}{
		{
			// The heavy units go together first; swapping a heavy and a
			// light unit in place evens the boxes.
			name:  "swap in place",
			items: []Item{pkItemMM("heavy", 50, 50, 50, 1000, 2), pkItemMM("light", 50, 50, 50, 100, 2)},
			boxes: []BoxType{pair},
			want:  []oms.Weight{oms.Grams(1100), oms.Grams(1100)},
		},
		{
			// The light units are smaller: the pair is shared out afresh.
			name:  "share afresh",
			items: []Item{pkItemMM("heavy", 50, 50, 50, 1000, 2), pkItemMM("light", 40, 40, 40, 100, 2)},
			boxes: []BoxType{pair},
			want:  []oms.Weight{oms.Grams(1100), oms.Grams(1100)},
		},
		{
			// 3000 g and 200 g: moving a heavy unit gives 2000 g and
			// 1200 g; nothing evens them further.
			name:  "move",
			items: []Item{pkItemMM("heavy", 50, 50, 50, 1000, 3), pkItemMM("light", 50, 50, 50, 100, 2)},
			boxes: []BoxType{three},
			want:  []oms.Weight{oms.Grams(2000), oms.Grams(1200)},
		},
		{
			// At most one heavy unit may go in a box, so nothing moves.
			name: "max per box holds",
			items: []Item{
				{ID: "heavy", Dimensions: oms.DimensionsMM(50, 50, 50), Weight: oms.Grams(1000), Quantity: 2, MaxPerBox: 1},
				pkItemMM("light", 50, 50, 50, 100, 4),
			},
			boxes: []BoxType{three},
			want:  []oms.Weight{oms.Grams(1200), oms.Grams(1200)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pkMustPack(t, tt.items, tt.boxes, nil)
			var got []oms.Weight
			for _, b := range p.Boxes {
				got = append(got, b.GrossWeight)
			}
			slices.SortFunc(got, func(a, b oms.Weight) int { return int(b - a) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("gross weights (-want +got):\n%s", diff)
			}
		})
	}
}

// pkGrossVariance returns the variance of the bins' gross weights (mg²).
func (s *pkSolver) pkGrossVariance(bins []*pkBin) float64 {
	var mean, v float64
	for _, b := range bins {
		mean += float64(s.gross(b))
	}
	mean /= float64(len(bins))
	for _, b := range bins {
		d := float64(s.gross(b)) - mean
		v += d * d
	}
	return v / float64(len(bins))
}

// TestPackBalanceCorpus runs the search of Pack step by step on the orders
// of the BoxPacker corpus that BoxPacker packs in two boxes or more, and
// checks that balancing keeps every box's type and never raises the
// variance of the gross weights, that it lowers it in total, and that the
// packings pass the checker.
func TestPackBalanceCorpus(t *testing.T) {
	boxes, orders := pkCorpus(t)
	for _, mode := range []struct {
		name string
		rot  Rotation
		want func(pkOrder) int
	}{
		{"3D", RotationAny, func(o pkOrder) int { return o.want3D }},
		{"2D", RotationUpright, func(o pkOrder) int { return o.want2D }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			var before, after float64
			changed := 0
			for _, o := range orders {
				if mode.want(o) < 2 {
					continue // we never use more boxes than BoxPacker
				}
				items := pkWithRotation(o.items, mode.rot)
				s := pkNewSolver(context.Background(), items, boxes, DefaultBudget)
				s.packAlone()
				s.bins = s.packGroup(s.count)
				if len(s.bins) < 2 {
					continue
				}
				types := func() []int {
					var ts []int
					for _, b := range s.bins {
						ts = append(ts, b.t)
					}
					slices.Sort(ts)
					return ts
				}
				ts, v0 := types(), s.pkGrossVariance(s.bins)
				s.balance()
				v1 := s.pkGrossVariance(s.bins)
				if diff := cmp.Diff(ts, types()); diff != "" {
					t.Errorf("order %s: box types changed (-before +after):\n%s", o.id, diff)
				}
				if v1 > v0 {
					t.Errorf("order %s: variance %.0f before balancing, %.0f after", o.id, v0, v1)
				}
				if v1 < v0 {
					changed++
				}
				before += v0
				after += v1
				pkCheck(t, items, boxes, s.result())
			}
			if after >= before {
				t.Errorf("total variance %.0f before balancing, %.0f after", before, after)
			}
			t.Logf("%s: balancing evened %d orders", mode.name, changed)
		})
	}
}
