package packing_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// TestPackNeverListsAUnitOutOfBoxesBesideASpareBox: with limited boxes,
// the cost objective's search merged two boxes into one (cheaper), which
// freed a box, and left the units listed "no_box" unpacked beside it: 240
// sheets went in one of the two boxes on hand, and a sample and 10 more
// sheets that fit the other were reported as having no box left. A unit
// listed out of boxes must fit no box type that has boxes left; Check says
// so too.
func TestPackNeverListsAUnitOutOfBoxesBesideASpareBox(t *testing.T) {
	items := []packing.Item{
		{ID: "sample", Dimensions: oms.DimensionsMM(1, 200, 2400), Weight: oms.Grams(1), Quantity: 1},
		{ID: "sheet", Dimensions: oms.DimensionsMM(2900, 1400, 1), Weight: oms.Grams(1), Quantity: 250},
	}
	boxes := []packing.BoxType{{Name: "crate", Inner: oms.DimensionsMM(1800, 1500, 3400), Limited: true, Supply: 2}}
	rate := func(w oms.Weight) (oms.Money, error) { return oms.MustParseMoney("3.00 EUR"), nil }
	for _, obj := range []packing.Objective{packing.ObjectiveBoxes, packing.ObjectiveCost} {
		r, err := packing.Pack(items, boxes, &packing.Options{Objective: obj, Cost: packing.ParcelCost(oms.DimFactorMetric5000, rate)})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range r.Unpacked {
			if u.Reason == packing.UnpackedNoBox && len(r.Boxes) < int(boxes[0].Supply) {
				t.Errorf("%s: %d of item %d listed %s with %d of %d boxes used", obj, u.Quantity, u.Item, u.Reason, len(r.Boxes), boxes[0].Supply)
			}
		}
		if err := packing.Check(items, boxes, r); err != nil {
			t.Errorf("%s: %v", obj, err)
		}
	}
	// Check refuses such a listing.
	one := packing.BoxType{Name: "crate", Inner: oms.DimensionsMM(100, 100, 100), Limited: true, Supply: 1}
	cube := []packing.Item{{ID: "cube", Dimensions: oms.DimensionsMM(50, 50, 50), Quantity: 1}}
	bad := packing.Result{Unpacked: []packing.UnpackedItem{{Item: 0, ID: "cube", Quantity: 1, Reason: packing.UnpackedNoBox}}}
	if err := packing.Check(cube, []packing.BoxType{one}, bad); err == nil {
		t.Error("a cube listed out of boxes with its box type unused: Check = nil, want an error")
	}
}

// TestCheckTakesAStoppedSearchsUnitsOutOfBoxesBesideASpareBox: a search
// stopped by its context may free a box after it listed units out of
// boxes; the packing is still valid, and Check takes it.
func TestCheckTakesAStoppedSearchsUnitsOutOfBoxesBesideASpareBox(t *testing.T) {
	one := packing.BoxType{Name: "crate", Inner: oms.DimensionsMM(100, 100, 100), Limited: true, Supply: 1}
	cube := []packing.Item{{ID: "cube", Dimensions: oms.DimensionsMM(50, 50, 50), Quantity: 1}}
	r := packing.Result{Stopped: true, Unpacked: []packing.UnpackedItem{{Item: 0, ID: "cube", Quantity: 1, Reason: packing.UnpackedNoBox}}}
	if err := packing.Check(cube, []packing.BoxType{one}, r); err != nil {
		t.Errorf("stopped search: %v", err)
	}
}
