package packing

import (
	"testing"

	"github.com/omskit/oms"
)

// pkFuzzInput decodes fuzz bytes into items and box types: small sides (so
// that items often fit), every rotation rule and item rule, limited
// supplies and weight limits.
func pkFuzzInput(data []byte) ([]Item, []BoxType) {
	next := func() int64 {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int64(b)
	}
	side := func() oms.Length { return oms.Millimetres(1+next()%40) + oms.Length(next()%4)*250 }
	var boxes []BoxType
	for n := 1 + next()%4; n > 0; n-- {
		b := BoxType{
			Name:        "box",
			Inner:       oms.Dimensions{Length: side() + 20*oms.Millimetre, Width: side() + 20*oms.Millimetre, Height: side() + 20*oms.Millimetre},
			EmptyWeight: oms.Grams(next() % 50),
		}
		if next()%2 == 0 {
			b.MaxWeight = b.EmptyWeight + oms.Grams(next()*40)
		}
		if next()%4 == 0 {
			b.Limited, b.Supply = true, next()%4
		}
		boxes = append(boxes, b)
	}
	rules := []Rotation{"", RotationAny, RotationUpright, RotationFlat, RotationNone}
	var items []Item
	for n := next() % 8; n > 0; n-- {
		it := Item{
			ID:         "item",
			Dimensions: oms.Dimensions{Length: side(), Width: side(), Height: side()},
			Weight:     oms.Grams(next() * 3),
			Quantity:   1 + next()%12,
			Rotation:   rules[next()%5],
		}
		switch f := next(); {
		case f%7 == 1:
			it.ShipsAlone = true
		case f%7 == 2:
			it.ShipsAsIs = true
		case f%7 == 3:
			it.NoStack = true
		case f%7 == 4:
			it.MaxPerBox = 1 + f%3
		}
		items = append(items, it)
	}
	return items, boxes
}

// FuzzPack packs random items into random boxes: Pack never panics, and
// every packing it returns passes the geometric checker, under either
// objective (and the cost objective never costs more).
func FuzzPack(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 30, 30, 30, 0, 0, 1, 5, 2, 10, 10, 10, 0, 40, 3, 0, 0})
	f.Add([]byte{3, 200, 10, 20, 30, 5, 0, 9, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte{2, 39, 39, 39, 1, 1, 100, 0, 7, 5, 5, 5, 3, 11, 11, 11, 2, 3, 20, 20, 20, 1, 40, 9, 2, 4, 3, 3, 3, 1, 200, 1, 3})
	f.Add([]byte{4, 255, 254, 253, 252, 251, 250, 249, 248, 247, 246, 245, 244, 243, 242, 241, 240, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	// Found by fuzzing: first fit across two boxes put every unit in the
	// first and returned the second empty.
	f.Add([]byte("20000000110000000001A0C1#20111C202#707"))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, boxes := pkFuzzInput(data)
		p, err := Pack(items, boxes, &Options{Budget: 200_000})
		if err != nil {
			t.Fatalf("valid input refused: %v", err)
		}
		if err := Check(items, boxes, p); err != nil {
			t.Fatalf("invalid packing: %v\nitems %+v\nboxes %+v", err, items, boxes)
		}
		// The cost objective: valid too, and never dearer.
		cost := ParcelCost(oms.DimFactorMetric5000, pkHalfKgRate("3.00 EUR", "0.40 EUR"))
		byBoxes, err := Pack(items, boxes, &Options{Budget: 200_000, Cost: cost})
		if err != nil {
			t.Fatalf("pricing refused: %v", err)
		}
		c, err := Pack(items, boxes, &Options{Budget: 200_000, Objective: ObjectiveCost, Cost: cost})
		if err != nil {
			t.Fatalf("cost objective refused: %v", err)
		}
		if err := Check(items, boxes, c); err != nil {
			t.Fatalf("invalid packing under the cost objective: %v\nitems %+v\nboxes %+v", err, items, boxes)
		}
		if len(c.Boxes) > 0 && len(byBoxes.Boxes) > 0 && c.Complete() == byBoxes.Complete() {
			if d, err := c.Cost.Cmp(byBoxes.Cost); err != nil || d > 0 {
				t.Fatalf("cost objective %s dearer than box count %s (%v)", c.Cost, byBoxes.Cost, err)
			}
		}
	})
}
