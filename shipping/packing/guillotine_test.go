package packing

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
)

// pkGuillotineBoxes are the box types the guillotine cases are cut from
// and packed into.
func pkGuillotineBoxes() []BoxType {
	return []BoxType{
		pkBoxMM("S", 300, 200, 150, 150, 100000),
		pkBoxMM("M", 400, 300, 300, 300, 100000),
		pkBoxMM("L", 600, 400, 400, 500, 100000),
	}
}

// pkGuillotine cuts the inner space of box into 2 to 40 pieces: each cut
// takes a random piece and splits it across a random axis at a random
// whole millimetre, leaving no piece thinner than 5 mm. The pieces are
// shuffled and each is turned at random; a unit weighs 0.2 g per cm³. They
// fill the box exactly, so the optimum is one box.
func pkGuillotine(r *rand.Rand, box BoxType) []Item {
	type piece [3]int64
	in := box.Inner
	pieces := []piece{{int64(in.Length / oms.Millimetre), int64(in.Width / oms.Millimetre), int64(in.Height / oms.Millimetre)}}
	const thin = 5
	want := 2 + r.IntN(39)
	for tries := 0; len(pieces) < want && tries < 1000; tries++ {
		i := r.IntN(len(pieces))
		p := pieces[i]
		a := r.IntN(3)
		if p[a] < 2*thin {
			continue
		}
		c := thin + r.Int64N(p[a]-2*thin+1)
		q := p
		p[a], q[a] = c, p[a]-c
		pieces[i] = p
		pieces = append(pieces, q)
	}
	r.Shuffle(len(pieces), func(i, j int) { pieces[i], pieces[j] = pieces[j], pieces[i] })
	items := make([]Item, len(pieces))
	for i, p := range pieces {
		perm := r.Perm(3)
		items[i] = Item{
			ID:         fmt.Sprintf("p%d", i),
			Dimensions: oms.DimensionsMM(p[perm[0]], p[perm[1]], p[perm[2]]),
			Weight:     oms.Weight(max(p[0]*p[1]*p[2]/5, 1)) * oms.Milligram,
			Quantity:   1,
		}
	}
	return items
}

// TestPackGuillotineOneBox packs 200 seeded guillotine cases cut from each
// box size: every one must pack into one box, its optimum. (40 a size with
// -short, 20 with the race detector.)
func TestPackGuillotineOneBox(t *testing.T) {
	boxes := pkGuillotineBoxes()
	cases := 200
	switch {
	case pkRace:
		cases = 20
	case testing.Short():
		cases = 40
	}
	for bi, box := range boxes {
		t.Run(box.Name, func(t *testing.T) {
			misses := 0
			for seed := range uint64(cases) {
				r := rand.New(rand.NewPCG(seed, uint64(bi)))
				items := pkGuillotine(r, box)
				p := pkMustPack(t, items, boxes, nil)
				if !p.Complete() {
					t.Fatalf("seed %d: unpacked %+v", seed, p.Unpacked)
				}
				if len(p.Boxes) != 1 {
					misses++
					t.Errorf("seed %d: %d pieces in %d boxes, want 1", seed, len(items), len(p.Boxes))
				}
			}
			if misses > 0 {
				t.Logf("%d of %d cases missed the optimum", misses, cases)
			}
		})
	}
}
