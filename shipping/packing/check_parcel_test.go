package packing_test

import (
	"slices"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// TestCheckRefusesAParcelWhoseOuterSizeIsNotItsBoxTypes: Check compared a
// box's name and volume with its box type but not its outer size, so a
// stored packing whose parcel claimed another shape of the same volume
// (1200x400x200 mm for a 600x400x400 mm box: another length, another
// girth, another carrier limit) passed, and the parcel was rated and
// labelled with the wrong size.
func TestCheckRefusesAParcelWhoseOuterSizeIsNotItsBoxTypes(t *testing.T) {
	items := []packing.Item{{ID: "a", Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(100), Quantity: 1}}
	boxes := []packing.BoxType{{Name: "b", Inner: oms.DimensionsMM(590, 390, 390), Outer: oms.DimensionsMM(600, 400, 400)}}
	r, err := packing.Pack(items, boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := packing.Check(items, boxes, r); err != nil {
		t.Fatalf("Check of Pack's own result: %v", err)
	}
	for _, outer := range []oms.Dimensions{
		oms.DimensionsMM(1200, 400, 200), // same volume, another shape
		oms.DimensionsMM(400, 400, 600),  // the box's sides in another order
		{},
	} {
		bad := r
		bad.Boxes = slices.Clone(r.Boxes)
		bad.Boxes[0].Outer = outer
		if err := packing.Check(items, boxes, bad); err == nil {
			t.Errorf("outer %s for a box type of outer %s: Check = nil, want an error", outer, boxes[0].Outer)
		}
	}
}

// TestCheckRefusesAnAsIsParcelThatMisdescribesItsUnit: for a unit shipped
// as is, Check compared only the parcel's weight and size with the item,
// so a stored packing whose unit named another line's ID or SKU, another
// weight, or a turned size passed, as did a parcel with a wrong name,
// volume or content weight.
func TestCheckRefusesAnAsIsParcelThatMisdescribesItsUnit(t *testing.T) {
	items := []packing.Item{
		{ID: "rug", SKU: "RUG-1", Dimensions: oms.DimensionsMM(2000, 300, 300), Weight: oms.Kilograms(5), Quantity: 1, ShipsAsIs: true},
		{ID: "cup", Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(300), Quantity: 1},
	}
	boxes := []packing.BoxType{{Name: "b", Inner: oms.DimensionsMM(200, 200, 200)}}
	r, err := packing.Pack(items, boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := packing.Check(items, boxes, r); err != nil {
		t.Fatalf("Check of Pack's own result: %v", err)
	}
	at := slices.IndexFunc(r.Boxes, func(b packing.PackedBox) bool { return b.AsIs })
	if at < 0 {
		t.Fatalf("no as-is parcel in %+v", r.Boxes)
	}
	edits := map[string]func(b *packing.PackedBox){
		"unit id":          func(b *packing.PackedBox) { b.Items[0].ID = "cup" },
		"unit sku":         func(b *packing.PackedBox) { b.Items[0].SKU = "CUP-1" },
		"unit weight":      func(b *packing.PackedBox) { b.Items[0].Weight = oms.Grams(1) },
		"unit placed":      func(b *packing.PackedBox) { b.Items[0].Placed = oms.DimensionsMM(1, 1, 1) },
		"unit orientation": func(b *packing.PackedBox) { b.Items[0].Orientation = "sideways" },
		"unit position":    func(b *packing.PackedBox) { b.Items[0].Position = packing.Position{Z: oms.Millimetres(5)} },
		"name":             func(b *packing.PackedBox) { b.Name = "b" },
		"volume":           func(b *packing.PackedBox) { b.Volume = 1 },
		"content weight":   func(b *packing.PackedBox) { b.ContentWeight = 0 },
	}
	for name, edit := range edits {
		bad := r
		bad.Boxes = slices.Clone(r.Boxes)
		bad.Boxes[at].Items = slices.Clone(r.Boxes[at].Items)
		edit(&bad.Boxes[at])
		if err := packing.Check(items, boxes, bad); err == nil {
			t.Errorf("as-is parcel with a wrong %s: Check = nil, want an error", name)
		}
	}
}

// TestCheckRefusesAnAsIsUnitListedAsUnpacked: a unit that ships as is
// needs no box, so only a stopped search can leave it out; Check took it
// listed as too large (it fits no box type, which it never needs), too
// heavy or out of boxes, so a stored packing could drop a parcel for good.
func TestCheckRefusesAnAsIsUnitListedAsUnpacked(t *testing.T) {
	items := []packing.Item{{ID: "rug", Dimensions: oms.DimensionsMM(2000, 300, 300), Weight: oms.Kilograms(5), Quantity: 1, ShipsAsIs: true}}
	boxes := []packing.BoxType{
		{Name: "small", Inner: oms.DimensionsMM(200, 200, 200)},
		{Name: "long", Inner: oms.DimensionsMM(2100, 400, 400), MaxWeight: oms.Kilograms(1)},
		{Name: "spare", Inner: oms.DimensionsMM(2100, 400, 400), Limited: true},
	}
	for _, reason := range []packing.UnpackedReason{packing.UnpackedTooLarge, packing.UnpackedTooHeavy, packing.UnpackedNoBox} {
		for _, bs := range [][]packing.BoxType{boxes[:1], boxes[1:2], boxes[2:]} {
			bad := packing.Result{Unpacked: []packing.UnpackedItem{{Item: 0, ID: "rug", Quantity: 1, Reason: reason}}}
			if err := packing.Check(items, bs, bad); err == nil {
				t.Errorf("as-is unit listed %s with box types %+v: Check = nil, want an error", reason, bs)
			}
		}
	}
	stopped := packing.Result{Stopped: true, Unpacked: []packing.UnpackedItem{{Item: 0, ID: "rug", Quantity: 1, Reason: packing.UnpackedStopped}}}
	if err := packing.Check(items, boxes, stopped); err != nil {
		t.Errorf("as-is unit left out by a stopped search: %v", err)
	}
}
