package packing

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
)

// pkSummary is what a packing test compares: the box names in order, the
// units per box, and the unpacked entries.
type pkSummary struct {
	Boxes    []string
	Units    []int
	Unpacked []UnpackedItem
}

func pkSummarise(p Result) pkSummary {
	var s pkSummary
	for _, b := range p.Boxes {
		s.Boxes = append(s.Boxes, b.Name)
		s.Units = append(s.Units, len(b.Items))
	}
	s.Unpacked = p.Unpacked
	return s
}

func pkItemMM(id string, l, w, h, grams int64, qty int64) Item {
	return Item{ID: id, Dimensions: oms.DimensionsMM(l, w, h), Weight: oms.Grams(grams), Quantity: qty}
}

func TestPackRules(t *testing.T) {
	small := pkBoxMM("small", 100, 100, 100, 50, 5000)
	flat := pkBoxMM("flat", 300, 300, 60, 50, 5000)
	long := pkBoxMM("long", 100, 300, 50, 50, 5000)
	big := pkBoxMM("big", 400, 400, 400, 200, 20000)
	tall := pkBoxMM("tall", 100, 100, 200, 50, 5000)
	with := func(it Item, f func(*Item)) Item { f(&it); return it }
	limited := func(b BoxType, n int64) BoxType { b.Limited, b.Supply = true, n; return b }

	tests := []struct {
		name  string
		items []Item
		boxes []BoxType
		want  pkSummary
	}{
		{
			name:  "empty order",
			boxes: []BoxType{small},
			want:  pkSummary{},
		},
		{
			name:  "rotation any turns the item to fit",
			items: []Item{pkItemMM("ruler", 300, 100, 50, 100, 1)},
			boxes: []BoxType{long},
			want:  pkSummary{Boxes: []string{"long"}, Units: []int{1}},
		},
		{
			name:  "rotation none keeps the item as given",
			items: []Item{with(pkItemMM("ruler", 300, 100, 50, 100, 1), func(i *Item) { i.Rotation = RotationNone })},
			boxes: []BoxType{long},
			want:  pkSummary{Unpacked: []UnpackedItem{{Item: 0, ID: "ruler", Quantity: 1, Reason: UnpackedTooLarge}}},
		},
		{
			name:  "rotation upright keeps the height vertical",
			items: []Item{with(pkItemMM("bottle", 50, 50, 300, 100, 1), func(i *Item) { i.Rotation = RotationUpright })},
			boxes: []BoxType{flat},
			want:  pkSummary{Unpacked: []UnpackedItem{{Item: 0, ID: "bottle", Quantity: 1, Reason: UnpackedTooLarge}}},
		},
		{
			name:  "rotation any lays the bottle down",
			items: []Item{pkItemMM("bottle", 50, 50, 300, 100, 1)},
			boxes: []BoxType{flat},
			want:  pkSummary{Boxes: []string{"flat"}, Units: []int{1}},
		},
		{
			name:  "rotation flat lays a standing book on its face",
			items: []Item{with(pkItemMM("book", 30, 100, 200, 100, 1), func(i *Item) { i.Rotation = RotationFlat })},
			boxes: []BoxType{flat},
			want:  pkSummary{Boxes: []string{"flat"}, Units: []int{1}},
		},
		{
			name:  "rotation upright keeps the book standing",
			items: []Item{with(pkItemMM("book", 30, 100, 200, 100, 1), func(i *Item) { i.Rotation = RotationUpright })},
			boxes: []BoxType{flat},
			want:  pkSummary{Unpacked: []UnpackedItem{{Item: 0, ID: "book", Quantity: 1, Reason: UnpackedTooLarge}}},
		},
		{
			name:  "rotation flat refuses the book on its edge",
			items: []Item{with(pkItemMM("book", 30, 100, 200, 100, 1), func(i *Item) { i.Rotation = RotationFlat })},
			boxes: []BoxType{pkBoxMM("slot", 210, 40, 110, 10, 5000)},
			want:  pkSummary{Unpacked: []UnpackedItem{{Item: 0, ID: "book", Quantity: 1, Reason: UnpackedTooLarge}}},
		},
		{
			name:  "the smallest box that holds everything",
			items: []Item{pkItemMM("cube", 50, 50, 50, 100, 8)},
			boxes: []BoxType{big, small},
			want:  pkSummary{Boxes: []string{"small"}, Units: []int{8}},
		},
		{
			name: "ships alone takes its own smallest box",
			items: []Item{
				with(pkItemMM("vase", 90, 90, 90, 500, 2), func(i *Item) { i.ShipsAlone = true }),
				pkItemMM("cube", 50, 50, 50, 100, 8),
			},
			boxes: []BoxType{big, small},
			want:  pkSummary{Boxes: []string{"small", "small", "small"}, Units: []int{8, 1, 1}},
		},
		{
			name: "ships as is needs no box",
			items: []Item{
				with(pkItemMM("bike", 1800, 300, 1000, 15000, 1), func(i *Item) { i.ShipsAsIs = true }),
				pkItemMM("cube", 50, 50, 50, 100, 1),
			},
			boxes: []BoxType{small},
			want:  pkSummary{Boxes: []string{"small", "bike"}, Units: []int{1, 1}},
		},
		{
			name:  "no stacking on top",
			items: []Item{with(pkItemMM("cake", 100, 100, 50, 500, 2), func(i *Item) { i.NoStack, i.Rotation = true, RotationUpright })},
			boxes: []BoxType{tall},
			want:  pkSummary{Boxes: []string{"tall", "tall"}, Units: []int{1, 1}},
		},
		{
			name:  "stacking allowed",
			items: []Item{pkItemMM("cake", 100, 100, 50, 500, 2)},
			boxes: []BoxType{tall},
			want:  pkSummary{Boxes: []string{"tall"}, Units: []int{2}},
		},
		{
			name: "no-stack item goes on top of others",
			items: []Item{
				with(pkItemMM("cake", 100, 100, 50, 500, 1), func(i *Item) { i.NoStack = true }),
				pkItemMM("tin", 100, 100, 100, 500, 1),
			},
			boxes: []BoxType{tall},
			want:  pkSummary{Boxes: []string{"tall"}, Units: []int{2}},
		},
		{
			name:  "at most N per box",
			items: []Item{with(pkItemMM("glass", 50, 50, 50, 100, 7), func(i *Item) { i.MaxPerBox = 3 })},
			boxes: []BoxType{small},
			want:  pkSummary{Boxes: []string{"small", "small", "small"}, Units: []int{2, 3, 2}},
		},
		{
			name:  "limited supply falls back to a larger box",
			items: []Item{pkItemMM("cube", 100, 100, 100, 100, 2)},
			boxes: []BoxType{limited(small, 1), tall},
			want:  pkSummary{Boxes: []string{"tall"}, Units: []int{2}},
		},
		{
			name:  "limited supply runs out",
			items: []Item{pkItemMM("cube", 100, 100, 100, 100, 3)},
			boxes: []BoxType{limited(small, 2)},
			want: pkSummary{Boxes: []string{"small", "small"}, Units: []int{1, 1},
				Unpacked: []UnpackedItem{{Item: 0, ID: "cube", Quantity: 1, Reason: UnpackedNoBox}}},
		},
		{
			name:  "ships alone runs out of boxes",
			items: []Item{with(pkItemMM("vase", 90, 90, 90, 500, 2), func(i *Item) { i.ShipsAlone = true })},
			boxes: []BoxType{limited(small, 1)},
			want: pkSummary{Boxes: []string{"small"}, Units: []int{1},
				Unpacked: []UnpackedItem{{Item: 0, ID: "vase", Quantity: 1, Reason: UnpackedNoBox}}},
		},
		{
			name: "too large and too heavy are listed, the rest packed",
			items: []Item{
				pkItemMM("sofa", 2000, 900, 800, 40000, 1),
				pkItemMM("anvil", 50, 50, 50, 30000, 2),
				pkItemMM("cube", 50, 50, 50, 100, 1),
			},
			boxes: []BoxType{small, big},
			want: pkSummary{Boxes: []string{"small"}, Units: []int{1}, Unpacked: []UnpackedItem{
				{Item: 0, ID: "sofa", Quantity: 1, Reason: UnpackedTooLarge},
				{Item: 1, ID: "anvil", Quantity: 2, Reason: UnpackedTooHeavy},
			}},
		},
		{
			name:  "no box types",
			items: []Item{pkItemMM("cube", 50, 50, 50, 100, 2)},
			want:  pkSummary{Unpacked: []UnpackedItem{{Item: 0, ID: "cube", Quantity: 2, Reason: UnpackedTooLarge}}},
		},
		{
			name:  "weight limit splits the order",
			items: []Item{pkItemMM("brick", 50, 50, 50, 2000, 4)},
			boxes: []BoxType{small},
			want:  pkSummary{Boxes: []string{"small", "small"}, Units: []int{2, 2}},
		},
		{
			name:  "weights are balanced",
			items: []Item{pkItemMM("brick", 50, 50, 50, 1000, 6)},
			boxes: []BoxType{pkBoxMM("four", 100, 100, 50, 0, 10000)},
			want:  pkSummary{Boxes: []string{"four", "four"}, Units: []int{3, 3}},
		},
		{
			name:  "empty weight counts against the limit",
			items: []Item{pkItemMM("brick", 50, 50, 50, 2400, 2)},
			boxes: []BoxType{pkBoxMM("heavy-box", 100, 100, 100, 300, 5000)},
			want:  pkSummary{Boxes: []string{"heavy-box", "heavy-box"}, Units: []int{1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pkMustPack(t, tt.items, tt.boxes, nil)
			if diff := cmp.Diff(tt.want, pkSummarise(p)); diff != "" {
				t.Errorf("packing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPackPlacement(t *testing.T) {
	items := []Item{pkItemMM("ruler", 300, 100, 50, 100, 1)}
	boxes := []BoxType{pkBoxMM("long", 100, 300, 50, 50, 5000)}
	p := pkMustPack(t, items, boxes, nil)
	want := []PackedBox{{
		Type: 0, Name: "long", Outer: oms.DimensionsMM(110, 310, 60),
		Items: []PackedItem{{
			Item: 0, ID: "ruler", Orientation: OrientationWLH,
			Placed: oms.DimensionsMM(100, 300, 50), Weight: oms.Grams(100),
		}},
		ContentWeight: oms.Grams(100), GrossWeight: oms.Grams(150),
		Volume: 110 * 310 * 60, Utilisation: 1,
	}}
	if diff := cmp.Diff(want, p.Boxes); diff != "" {
		t.Errorf("boxes (-want +got):\n%s", diff)
	}
	if p.TotalVolume() != 110*310*60 || p.WeightVariance() != 0 || !p.Complete() || p.Stopped {
		t.Errorf("totals: volume %d variance %v complete %v stopped %v", p.TotalVolume(), p.WeightVariance(), p.Complete(), p.Stopped)
	}
}

func TestPackObjective(t *testing.T) {
	// Two boxes of "half" hold the order, as does one "whole": one box wins.
	items := []Item{pkItemMM("slab", 100, 100, 50, 100, 2)}
	boxes := []BoxType{pkBoxMM("half", 100, 100, 50, 10, 0), pkBoxMM("whole", 100, 100, 100, 10, 0)}
	p := pkMustPack(t, items, boxes, nil)
	if diff := cmp.Diff([]string{"whole"}, pkSummarise(p).Boxes); diff != "" {
		t.Errorf("fewest boxes (-want +got):\n%s", diff)
	}
	// Three units need two boxes; the smallest total volume is whole+half.
	items[0].Quantity = 3
	p = pkMustPack(t, items, boxes, nil)
	if diff := cmp.Diff([]string{"whole", "half"}, pkSummarise(p).Boxes); diff != "" {
		t.Errorf("smallest volume (-want +got):\n%s", diff)
	}
	if v := p.WeightVariance(); v != 2500 {
		t.Errorf("weight variance %v, want 2500 (gross 210 g and 110 g)", v)
	}
}

func TestPackMany(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input func() ([]Item, []BoxType)
	}{
		{"identical 10k", pkIdentical10k},
		{"mixed 1000", func() ([]Item, []BoxType) { return pkMixed(1000) }},
		{"mixed 200", func() ([]Item, []BoxType) { return pkMixed(200) }},
		{"sixty box types", func() ([]Item, []BoxType) {
			var boxes []BoxType
			for i := range 60 {
				boxes = append(boxes, pkBoxMM(string(rune('A'+i%26)), int64(100+i*7), int64(80+i*5), int64(50+i*3), 100, 20000))
			}
			return []Item{pkItemMM("brick", 90, 70, 40, 3000, 60)}, boxes
		}},
		{"many distinct small units in a big box", func() ([]Item, []BoxType) {
			var items []Item
			for i := range 3000 {
				items = append(items, pkItemMM(string(rune('a'+i%26)), int64(10+i%37), int64(10+i%23), int64(5+i%11), int64(1+i%50), 1))
			}
			return items, []BoxType{pkBoxMM("big", 1000, 1000, 1000, 100, 0), pkBoxMM("small", 300, 200, 100, 10, 0)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, boxes := tc.input()
			p := pkMustPack(t, items, boxes, nil)
			if !p.Complete() {
				t.Errorf("unpacked: %+v", p.Unpacked)
			}
		})
	}
}

// pkCountdown is a context whose Err turns to Canceled after n calls, to
// end a search at a chosen point without sleeping.
type pkCountdown struct {
	context.Context
	n int
}

func (c *pkCountdown) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

func TestPackDeadline(t *testing.T) {
	items, boxes := pkMixed(400)

	t.Run("cancelled before it starts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p, err := PackContext(ctx, items, boxes, nil)
		if err != nil {
			t.Fatal(err)
		}
		pkCheck(t, items, boxes, p)
		if !p.Stopped || len(p.Boxes) != 0 || len(p.Unpacked) != len(items) {
			t.Errorf("stopped %v, %d boxes, %d unpacked lines", p.Stopped, len(p.Boxes), len(p.Unpacked))
		}
	})

	t.Run("cancelled during the search", func(t *testing.T) {
		partial := 0
		for n := 1; ; n = n*3/2 + 1 {
			p, err := PackContext(&pkCountdown{Context: context.Background(), n: n}, items, boxes, nil)
			if err != nil {
				t.Fatal(err)
			}
			pkCheck(t, items, boxes, p)
			if !p.Stopped {
				break
			}
			if len(p.Boxes) > 0 && !p.Complete() {
				partial++
			}
			if n > 1e7 {
				t.Fatal("never finished")
			}
		}
		if partial == 0 {
			t.Error("no run ended with a partial packing")
		}
	})

	t.Run("cancelled while ships-alone units are boxed", func(t *testing.T) {
		alone := []Item{{ID: "vase", Dimensions: oms.DimensionsMM(50, 50, 50), Weight: oms.Grams(10), Quantity: 5, ShipsAlone: true}}
		p, err := PackContext(&pkCountdown{Context: context.Background(), n: 3}, alone, boxes, nil)
		if err != nil {
			t.Fatal(err)
		}
		pkCheck(t, alone, boxes, p)
		if !p.Stopped || len(p.Boxes) == 0 || len(p.Boxes) == 5 {
			t.Errorf("stopped %v with %d boxes, want a partial packing", p.Stopped, len(p.Boxes))
		}
	})

	t.Run("tiny budget still packs everything", func(t *testing.T) {
		full := pkMustPack(t, items, boxes, nil)
		p := pkMustPack(t, items, boxes, &Options{Budget: 1})
		if !p.Complete() || p.Stopped {
			t.Fatalf("complete %v stopped %v", p.Complete(), p.Stopped)
		}
		if len(p.Boxes) < len(full.Boxes) {
			t.Errorf("tiny budget used %d boxes, the full search %d", len(p.Boxes), len(full.Boxes))
		}
	})

	t.Run("tiny budget on a corpus order", func(t *testing.T) {
		bx, orders := pkCorpus(t)
		for _, o := range orders[:200] {
			p := pkMustPack(t, o.items, bx, &Options{Budget: 1})
			if !p.Complete() {
				t.Fatalf("order %s: unpacked %+v", o.id, p.Unpacked)
			}
		}
	})
}

func TestPackDeterministic(t *testing.T) {
	items, boxes := pkMixed(200)
	a := pkMustPack(t, items, boxes, nil)
	b := pkMustPack(t, items, boxes, nil)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}
}

func TestPackValidation(t *testing.T) {
	items := []Item{
		{ID: "a", Dimensions: oms.DimensionsMM(0, 10, 10), Weight: -1, Quantity: 0, Rotation: "sideways", MaxPerBox: -1},
		{ID: "heavy", Dimensions: oms.DimensionsMM(1, 1, 1), Weight: pkMaxWeight + 1, Quantity: 1},
		{ID: "b", Dimensions: oms.Dimensions{Length: 2 * pkMaxLength, Width: 1, Height: 1}, Quantity: 1, ShipsAlone: true, ShipsAsIs: true},
		{ID: "c", Dimensions: oms.DimensionsMM(1, 1, 1), Quantity: MaxUnits + 1},
	}
	boxes := []BoxType{
		{Name: "x", Inner: oms.DimensionsMM(10, 10, 0), Outer: oms.DimensionsMM(5, 5, 5), EmptyWeight: -1, MaxWeight: -1, Supply: -1},
		{Name: "y", Inner: oms.DimensionsMM(10, 10, 10), EmptyWeight: 500, MaxWeight: 100},
	}
	_, err := Pack(items, boxes, nil)
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("err = %v, want a validation error", err)
	}
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %T", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	want := []string{
		"items[0].dimensions.length", "items[0].weight", "items[0].quantity", "items[0].rotation", "items[0].max_per_box",
		"items[1].weight",
		"items[2].dimensions.length", "items[2]",
		"items",
		"boxes[0].inner.height", "boxes[0].outer", "boxes[0].empty_weight", "boxes[0].max_weight", "boxes[0].supply",
		"boxes[1].max_weight",
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("problems (-want +got):\n%s\n%v", diff, err)
	}
}

func TestPackTypes(t *testing.T) {
	d := oms.DimensionsMM(30, 20, 10)
	for _, tc := range []struct {
		o    Orientation
		want oms.Dimensions
	}{
		{OrientationLWH, oms.DimensionsMM(30, 20, 10)},
		{OrientationWLH, oms.DimensionsMM(20, 30, 10)},
		{OrientationLHW, oms.DimensionsMM(30, 10, 20)},
		{OrientationHLW, oms.DimensionsMM(10, 30, 20)},
		{OrientationWHL, oms.DimensionsMM(20, 10, 30)},
		{OrientationHWL, oms.DimensionsMM(10, 20, 30)},
		{Orientation("xyz"), oms.DimensionsMM(30, 20, 10)},
	} {
		if got := tc.o.Apply(d); got != tc.want {
			t.Errorf("%q.Apply = %s, want %s", tc.o, got, tc.want)
		}
	}
	allowed := func(r Rotation) []Orientation {
		var out []Orientation
		for _, o := range []Orientation{OrientationLWH, OrientationWLH, OrientationLHW, OrientationHLW, OrientationWHL, OrientationHWL, "xyz"} {
			if r.Allows(o, oms.DimensionsMM(30, 10, 20)) {
				out = append(out, o)
			}
		}
		return out
	}
	for _, tc := range []struct {
		r    Rotation
		want []Orientation
	}{
		{"", []Orientation{OrientationLWH, OrientationWLH, OrientationLHW, OrientationHLW, OrientationWHL, OrientationHWL}},
		{RotationAny, []Orientation{OrientationLWH, OrientationWLH, OrientationLHW, OrientationHLW, OrientationWHL, OrientationHWL}},
		{RotationUpright, []Orientation{OrientationLWH, OrientationWLH}},
		{RotationFlat, []Orientation{OrientationLHW, OrientationHLW}},
		{RotationNone, []Orientation{OrientationLWH}},
		{"sideways", nil},
	} {
		if diff := cmp.Diff(tc.want, allowed(tc.r)); diff != "" {
			t.Errorf("%q allows (-want +got):\n%s", tc.r, diff)
		}
		if got := tc.r.Valid(); got != (tc.r != "sideways") {
			t.Errorf("%q.Valid() = %v", tc.r, got)
		}
	}
	for _, r := range []UnpackedReason{UnpackedTooLarge, UnpackedTooHeavy, UnpackedNoBox, UnpackedStopped} {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	if UnpackedReason("lost").Valid() {
		t.Error(`"lost" valid`)
	}
}

func TestPackJSON(t *testing.T) {
	items := []Item{pkItemMM("cube", 50, 50, 50, 100, 1)}
	p := pkMustPack(t, items, []BoxType{pkBoxMM("small", 100, 100, 100, 50, 5000)}, nil)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"boxes"`, `"gross_weight"`, `"content_weight"`, `"utilisation"`, `"orientation":"lwh"`, `"position":{"x":0,"y":0,"z":0}`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}

	in := struct {
		Items []Item    `json:"items"`
		Boxes []BoxType `json:"boxes"`
	}{
		Items: []Item{{ID: "mug", Dimensions: oms.DimensionsMM(120, 90, 100), Weight: oms.Grams(350), Quantity: 2, Rotation: RotationUpright, NoStack: true, MaxPerBox: 1}},
		Boxes: []BoxType{{Name: "S", Inner: oms.DimensionsMM(250, 180, 100), MaxWeight: oms.Kilograms(5), Limited: true, Supply: 3}},
	}
	b, err = json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"items":[{"id":"mug","dimensions":{"length":120000,"width":90000,"height":100000},"weight":350000,"quantity":2,"rotation":"upright","no_stack":true,"max_per_box":1}],` +
		`"boxes":[{"name":"S","inner":{"length":250000,"width":180000,"height":100000},"empty_weight":0,"max_weight":5000000,"limited":true,"supply":3}]}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}

// TestPackShrink repacks boxes into the smallest type that holds their
// contents, within the supply.
func TestPackShrink(t *testing.T) {
	small := pkBoxMM("small", 100, 100, 100, 50, 5000)
	small.Limited, small.Supply = true, 1
	boxes := []BoxType{pkBoxMM("big", 400, 400, 400, 200, 20000), small}
	items := []Item{pkItemMM("cube", 50, 50, 50, 100, 2)}
	s := pkNewSolver(context.Background(), items, boxes, DefaultBudget)
	b := s.newBin(0)
	if !s.place(b, 0, pkMeritFit, -1) {
		t.Fatal("no room in an empty box")
	}
	bins := s.shrink([]*pkBin{b, b.clone()})
	if got := []int{bins[0].t, bins[1].t}; !cmp.Equal(got, []int{1, 0}) {
		t.Errorf("box types after shrinking %v, want [1 0] (one small box in supply)", got)
	}
	if s.supply[1] != 0 {
		t.Errorf("small supply left %d, want 0", s.supply[1])
	}
	// With supply for both, the second box reuses the first one's result.
	s.supply[1] = 2
	bins = s.shrink([]*pkBin{b, b.clone()})
	if got := []int{bins[0].t, bins[1].t}; !cmp.Equal(got, []int{1, 1}) {
		t.Errorf("box types after shrinking %v, want [1 1]", got)
	}
	// Giving a big box back to an unlimited supply leaves it unlimited.
	s.release(0)
	if s.supply[0] != -1 {
		t.Errorf("unlimited supply became %d", s.supply[0])
	}
}

// pkRandomLayout returns a bin of box type 0 (inner 1000 units a side)
// holding units in the cells of a random grid: each cell may get a unit
// smaller than the cell at a random offset inside it, so units never
// overlap but many float.
func pkRandomLayout(s *pkSolver, r *rand.Rand, maxCuts int) *pkBin {
	cuts := func() []int64 {
		cs := []int64{0, 1000}
		for range r.IntN(maxCuts) {
			cs = append(cs, 1+r.Int64N(999))
		}
		slices.Sort(cs)
		return slices.Compact(cs)
	}
	xs, ys, zs := cuts(), cuts(), cuts()
	b := s.newBin(0)
	for i := range len(xs) - 1 {
		for j := range len(ys) - 1 {
			for k := range len(zs) - 1 {
				if r.IntN(3) == 0 {
					continue
				}
				span := func(c []int64, i int) (int64, int64) {
					w := c[i+1] - c[i]
					d := 1 + r.Int64N(w)
					return c[i] + r.Int64N(w-d+1), d
				}
				var p pkPlaced
				p.x, p.dx = span(xs, i)
				p.y, p.dy = span(ys, j)
				p.z, p.dz = span(zs, k)
				b.items = append(b.items, p)
			}
		}
	}
	r.Shuffle(len(b.items), func(i, j int) { b.items[i], b.items[j] = b.items[j], b.items[i] })
	return b
}

// pkSettleRef settles units by comparing every pair, the plain statement
// of what settle does.
func pkSettleRef(items []pkPlaced) []int64 {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(items[a].z - items[b].z) })
	z := make([]int64, len(items))
	for i, u := range order {
		c := items[u]
		for _, v := range order[:i] {
			q := items[v]
			if c.x < q.x+q.dx && q.x < c.x+c.dx && c.y < q.y+q.dy && q.y < c.y+c.dy {
				z[u] = max(z[u], z[v]+q.dz)
			}
		}
	}
	return z
}

// TestPackSettle settles random layouts, small (pairwise) and large (the
// grid): the result is the plain pairwise settling, every unit rests, no
// unit overlaps another, and settling again changes nothing.
func TestPackSettle(t *testing.T) {
	items := []Item{pkItemMM("u", 1, 1, 1, 1, 1)}
	boxes := []BoxType{pkBoxMM("box", 1000, 1000, 1000, 0, 0)}
	s := pkNewSolver(context.Background(), items, boxes, DefaultBudget)
	r := rand.New(rand.NewPCG(6, 6))
	sizes := map[bool]int{}
	for trial := range 300 {
		b := pkRandomLayout(s, r, 1+trial%14)
		if len(b.items) == 0 {
			continue
		}
		sizes[len(b.items) > pkSettleSmall]++
		want := pkSettleRef(b.items)
		before := slices.Clone(b.items)
		s.settle(b)
		for i, p := range b.items {
			if p.z != want[i] || p.z > before[i].z {
				t.Fatalf("trial %d unit %d: z %d -> %d, want %d", trial, i, before[i].z, p.z, want[i])
			}
		}
		// The checker takes the result as Pack's caller would see it.
		var its []Item
		pb := PackedBox{Type: 0, Name: "box", Outer: boxes[0].outer(), Volume: boxes[0].outer().Volume()}
		var vol float64
		for i, p := range b.items {
			d := oms.DimensionsMM(p.dx, p.dy, p.dz)
			its = append(its, Item{ID: "u", Dimensions: d, Quantity: 1, Rotation: RotationNone})
			pb.Items = append(pb.Items, PackedItem{
				Item: i, ID: "u", Orientation: OrientationLWH, Placed: d,
				Position: Position{X: oms.Millimetres(p.x), Y: oms.Millimetres(p.y), Z: oms.Millimetres(p.z)},
			})
			vol += float64(d.Volume())
		}
		pb.Utilisation = vol / float64(boxes[0].Inner.Volume())
		if err := Check(its, boxes, Result{Boxes: []PackedBox{pb}}); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		settled := slices.Clone(b.items)
		b.settled = false
		s.settle(b)
		if !slices.Equal(settled, b.items) {
			t.Fatalf("trial %d: settling again moved units", trial)
		}
	}
	if sizes[false] == 0 || sizes[true] == 0 {
		t.Fatalf("layouts small/large: %v, want both", sizes)
	}
}

// TestPackSettleColumn settles 20,000 thin units stacked with gaps in one
// column, and 10,000 tiny units under 100 floor-sized sheets: each drops
// onto the one below, and lists pruned by covering units keep it fast.
func TestPackSettleColumn(t *testing.T) {
	items := []Item{pkItemMM("u", 1, 1, 1, 1, 1)}
	boxes := []BoxType{pkBoxMM("box", 100, 100, 100_000, 0, 0)}
	s := pkNewSolver(context.Background(), items, boxes, DefaultBudget)
	b := s.newBin(0)
	for i := range int64(20_000) {
		b.items = append(b.items, pkPlaced{x: i % 3, y: i % 5, z: 5 * i, dx: 90, dy: 90, dz: 2})
	}
	s.settle(b)
	for i, p := range b.items {
		if p.z != 2*int64(i) {
			t.Fatalf("unit %d at z %d, want %d", i, p.z, 2*i)
		}
	}
	b = s.newBin(0)
	for i := range int64(10_000) {
		b.items = append(b.items, pkPlaced{x: i % 100, y: i / 100, z: 1, dx: 1, dy: 1, dz: 1})
	}
	for i := range int64(100) {
		b.items = append(b.items, pkPlaced{z: 10 + 3*i, dx: 100, dy: 100, dz: 1})
	}
	s.settle(b)
	for i, p := range b.items {
		want := int64(0)
		if i >= 10_000 {
			want = 1 + int64(i-10_000)
		}
		if p.z != want {
			t.Fatalf("unit %d at z %d, want %d", i, p.z, want)
		}
	}
}
