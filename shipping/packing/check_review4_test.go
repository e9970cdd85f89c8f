package packing_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// review4Packing packs one 100 mm cube into a 200 mm box and returns the
// input and a valid packing of it.
func review4Packing(t *testing.T) ([]packing.Item, []packing.BoxType, packing.Result) {
	t.Helper()
	items := []packing.Item{{ID: "a", Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(100), Quantity: 1}}
	boxes := []packing.BoxType{{Name: "b", Inner: oms.DimensionsMM(200, 200, 200)}}
	r, err := packing.Pack(items, boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := packing.Check(items, boxes, r); err != nil {
		t.Fatalf("Check of Pack's own result: %v", err)
	}
	return items, boxes, r
}

// review4Edit returns a copy of r whose first box can be edited freely.
func review4Edit(r packing.Result) packing.Result {
	r.Boxes = slices.Clone(r.Boxes)
	r.Boxes[0].Items = slices.Clone(r.Boxes[0].Items)
	return r
}

func TestCheckRefusesAUnitPlacedNearTheLargestLength(t *testing.T) {
	items, boxes, r := review4Packing(t)
	for _, axis := range []string{"x", "y", "z"} {
		bad := review4Edit(r)
		p := &bad.Boxes[0].Items[0].Position
		far := oms.Length(math.MaxInt64 - 10) // far + 100 mm wraps negative
		switch axis {
		case "x":
			p.X = far
		case "y":
			p.Y = far
		case "z":
			p.Z = far
		}
		err := packing.Check(items, boxes, bad)
		if err == nil || !strings.Contains(err.Error(), "sticks out") {
			t.Errorf("%s = %s: Check = %v, want a unit that sticks out of its box", axis, far, err)
		}
	}
}

func TestCheckRefusesUnpackedQuantitiesThatWrapToTheLinesQuantity(t *testing.T) {
	items, boxes, _ := review4Packing(t)
	// MaxInt64 + MaxInt64 + 3 wraps to 1, the line's quantity.
	bad := packing.Result{Stopped: true, Unpacked: []packing.UnpackedItem{
		{Item: 0, ID: "a", Quantity: math.MaxInt64, Reason: packing.UnpackedStopped},
		{Item: 0, ID: "a", Quantity: math.MaxInt64, Reason: packing.UnpackedStopped},
		{Item: 0, ID: "a", Quantity: 3, Reason: packing.UnpackedStopped},
	}}
	if err := packing.Check(items, boxes, bad); err == nil {
		t.Fatal("Check accepted 2⁶⁴+1 units listed as unpacked for a line of 1")
	}
	// One unit too many (placed and listed) is refused as before.
	_, _, r := review4Packing(t)
	r.Unpacked = []packing.UnpackedItem{{Item: 0, ID: "a", Quantity: 1, Reason: packing.UnpackedNoBox}}
	if err := packing.Check(items, boxes, r); err == nil {
		t.Fatal("Check accepted a unit both placed and listed as unpacked")
	}
}

func TestCheckRefusesANaNUtilisation(t *testing.T) {
	items, boxes, r := review4Packing(t)
	bad := review4Edit(r)
	bad.Boxes[0].Utilisation = math.NaN()
	if err := packing.Check(items, boxes, bad); err == nil {
		t.Fatal("Check accepted a NaN utilisation (the packing says 0.125)")
	}
}

func TestCheckRefusesInputThatPackRefuses(t *testing.T) {
	items, boxes, r := review4Packing(t)
	// The same packing, against a line whose unit weighs -100 g (the box's
	// weights edited to match): Pack refuses the line, and so must Check.
	badItems := slices.Clone(items)
	badItems[0].Weight = -badItems[0].Weight
	bad := review4Edit(r)
	bad.Boxes[0].Items[0].Weight = badItems[0].Weight
	bad.Boxes[0].ContentWeight, bad.Boxes[0].GrossWeight = badItems[0].Weight, badItems[0].Weight
	if err := packing.Check(badItems, boxes, bad); err == nil {
		t.Error("Check accepted a packing of a unit weighing -100 g")
	}
	if _, err := packing.Pack(badItems, boxes, nil); err == nil {
		t.Error("Pack accepted a unit weighing -100 g")
	}
}
