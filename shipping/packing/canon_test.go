package packing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
)

// pkBulk returns a bulk case: n identical units of a seeded random size
// (sides 20 to 69 mm, 5 to 44 g, a random rotation rule) and three box
// types.
func pkBulk(seed uint64, n int64) (Item, []BoxType) {
	r := rand.New(rand.NewPCG(seed, 13))
	rules := []Rotation{RotationAny, RotationAny, RotationUpright, RotationFlat}
	it := Item{
		ID:         "bulk",
		SKU:        "BULK-1",
		Dimensions: oms.DimensionsMM(20+r.Int64N(50), 20+r.Int64N(50), 20+r.Int64N(50)),
		Weight:     oms.Grams(5 + r.Int64N(40)),
		Quantity:   n,
		Rotation:   rules[r.IntN(len(rules))],
	}
	boxes := []BoxType{
		pkBoxMM("S", 300, 200, 150, 150, 10000),
		pkBoxMM("M", 400, 300, 300, 300, 20000),
		pkBoxMM("L", 600, 400, 400, 500, 30000),
	}
	return it, boxes
}

// pkPerUnit lists it as one line per unit, each with its own ID.
func pkPerUnit(it Item) []Item {
	items := make([]Item, it.Quantity)
	for i := range items {
		u := it
		u.ID = fmt.Sprintf("%s-%d", it.ID, i)
		u.Quantity = 1
		items[i] = u
	}
	return items
}

// TestPackSameAnswerHoweverUnitsAreListed packs the same bulk cases as
// one line and as one line per unit (as a fulfillment flow does when units
// carry serials) and gets the same boxes, each line's units reported where
// they went.
func TestPackSameAnswerHoweverUnitsAreListed(t *testing.T) {
	seeds := 20
	if testing.Short() || pkRace {
		seeds = 5
	}
	for seed := range uint64(seeds) {
		it, boxes := pkBulk(seed, 1500+int64(seed)*50)
		one := pkMustPack(t, []Item{it}, boxes, nil)
		per := pkPerUnit(it)
		many := pkMustPack(t, per, boxes, nil)
		if !one.Complete() || !many.Complete() {
			t.Fatalf("seed %d: unpacked %+v / %+v", seed, one.Unpacked, many.Unpacked)
		}
		if len(one.Boxes) != len(many.Boxes) {
			t.Errorf("seed %d (%s, %s): %d boxes as one line, %d as one line per unit", seed, it.Dimensions, it.Rotation, len(one.Boxes), len(many.Boxes))
			continue
		}
		if diff := cmp.Diff(pkSummarise(one).Boxes, pkSummarise(many).Boxes); diff != "" {
			t.Errorf("seed %d: box types differ (-one line +per unit):\n%s", seed, diff)
		}
		seen := make([]bool, len(per))
		for _, b := range many.Boxes {
			for _, u := range b.Items {
				if seen[u.Item] {
					t.Fatalf("seed %d: line %d placed twice", seed, u.Item)
				}
				seen[u.Item] = true
				if u.ID != per[u.Item].ID {
					t.Fatalf("seed %d: unit of line %d reports ID %q", seed, u.Item, u.ID)
				}
			}
		}
	}
}

// TestPackGroupsIdenticalUnits lists the same units in other ways: split
// over lines in any proportion, interleaved with other items, turned
// (free rotation), and checks the box count and each line's units.
func TestPackGroupsIdenticalUnits(t *testing.T) {
	mug := pkItemMM("mug", 120, 95, 95, 350, 1)
	book := pkItemMM("book", 240, 170, 30, 600, 1)
	boxes := []BoxType{pkBoxMM("S", 300, 200, 150, 150, 10000), pkBoxMM("M", 400, 300, 300, 300, 20000)}
	with := func(it Item, id string, q int64, d oms.Dimensions) Item {
		it.ID, it.Quantity, it.Dimensions = id, q, d
		return it
	}
	base := []Item{with(mug, "mug", 30, mug.Dimensions), with(book, "book", 12, book.Dimensions)}
	want := pkMustPack(t, base, boxes, nil)
	for name, items := range map[string][]Item{
		"split": {with(mug, "m1", 7, mug.Dimensions), with(mug, "m2", 23, mug.Dimensions), with(book, "book", 12, book.Dimensions)},
		"interleaved": {with(mug, "m1", 10, mug.Dimensions), with(book, "b1", 6, book.Dimensions), with(mug, "m2", 10, mug.Dimensions),
			with(book, "b2", 6, book.Dimensions), with(mug, "m3", 10, mug.Dimensions)},
		"turned": {with(mug, "m1", 15, mug.Dimensions), with(mug, "m2", 15, oms.DimensionsMM(95, 95, 120)),
			with(book, "b1", 12, oms.DimensionsMM(30, 240, 170))},
	} {
		t.Run(name, func(t *testing.T) {
			got := pkMustPack(t, items, boxes, nil)
			if len(got.Boxes) != len(want.Boxes) || got.TotalVolume() != want.TotalVolume() {
				t.Errorf("%d boxes (%d mm³), want %d (%d mm³)", len(got.Boxes), got.TotalVolume(), len(want.Boxes), want.TotalVolume())
			}
		})
	}
	t.Run("not grouped: a per-box limit is per line", func(t *testing.T) {
		a := with(mug, "a", 4, mug.Dimensions)
		a.MaxPerBox = 2
		b := a
		b.ID = "b"
		p := pkMustPack(t, []Item{a, b}, boxes, nil)
		if len(p.Boxes) != 2 {
			t.Errorf("%d boxes, want 2 (two of each line a box)", len(p.Boxes))
		}
	})
	t.Run("unpacked units are reported per line", func(t *testing.T) {
		huge := pkItemMM("h1", 900, 900, 900, 100, 2)
		h2 := huge
		h2.ID, h2.Quantity = "h2", 3
		p := pkMustPack(t, []Item{huge, mug, h2}, boxes, nil)
		want := []UnpackedItem{{Item: 0, ID: "h1", Quantity: 2, Reason: UnpackedTooLarge}, {Item: 2, ID: "h2", Quantity: 3, Reason: UnpackedTooLarge}}
		if diff := cmp.Diff(want, p.Unpacked); diff != "" {
			t.Errorf("unpacked (-want +got):\n%s", diff)
		}
	})
	t.Run("units left without a box are reported per line", func(t *testing.T) {
		one := []BoxType{pkBoxMM("S", 300, 200, 150, 150, 10000)}
		one[0].Limited, one[0].Supply = true, 1
		a := pkItemMM("a", 150, 100, 75, 100, 5)
		b := a
		b.ID = "b"
		p := pkMustPack(t, []Item{a, b}, one, nil)
		want := []UnpackedItem{{Item: 1, ID: "b", Quantity: 2, Reason: UnpackedNoBox}}
		if diff := cmp.Diff(want, p.Unpacked); diff != "" {
			t.Errorf("unpacked (-want +got):\n%s", diff)
		}
	})
	t.Run("as-is units keep their own line's sides", func(t *testing.T) {
		a := pkItemMM("a", 500, 400, 300, 900, 1)
		a.ShipsAsIs = true
		b := a
		b.ID, b.Dimensions = "b", oms.DimensionsMM(300, 500, 400)
		p := pkMustPack(t, []Item{a, b}, boxes, nil)
		if len(p.Boxes) != 2 || p.Boxes[0].Name != "a" || p.Boxes[1].Outer != b.Dimensions {
			t.Errorf("as-is parcels %+v", p.Boxes)
		}
	})
}

// TestPackRefusesBadSKU: a SKU that oms.ValidateSKU refuses is a
// validation error naming the line; a line without a SKU is fine.
func TestPackRefusesBadSKU(t *testing.T) {
	boxes := []BoxType{pkBoxMM("S", 300, 200, 150, 150, 10000)}
	good := pkItemMM("a", 100, 100, 100, 100, 1)
	bad := good
	bad.SKU = "MUG BLUE"
	_, err := Pack([]Item{good, bad}, boxes, nil)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, oms.ErrValidation) || !strings.Contains(err.Error(), "items[1].sku") {
		t.Fatalf("err = %v, want a validation error on items[1].sku", err)
	}
	good.SKU = "MUG-BLUE"
	p := pkMustPack(t, []Item{good}, boxes, nil)
	if p.Boxes[0].Items[0].SKU != "MUG-BLUE" {
		t.Errorf("packed unit SKU %q", p.Boxes[0].Items[0].SKU)
	}
}
