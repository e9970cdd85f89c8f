package packing_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// TestPackFillsABoxBesideItsFirstUnitsNotOnlyAboveThem: past 120 units a
// box is filled by shelves, and the shelves started only above the units
// already in it. Sheets standing on edge (2,900 mm tall in a 3,400 mm
// crate) left no room above them, so a crate that holds 1,800 sheets took
// 120: 250 sheets and a sample took 2 crates, and with 2 crates on hand the
// sample and 10 sheets were left unpacked. The sheets alone took 1 crate.
func TestPackFillsABoxBesideItsFirstUnitsNotOnlyAboveThem(t *testing.T) {
	sheet := packing.Item{ID: "sheet", Dimensions: oms.DimensionsMM(2900, 1400, 1), Weight: oms.Grams(800), Quantity: 250}
	sample := packing.Item{ID: "sample", Dimensions: oms.DimensionsMM(1, 200, 2400), Weight: oms.Grams(50), Quantity: 1}
	crate := packing.BoxType{Name: "crate", Inner: oms.DimensionsMM(1800, 1500, 3400), EmptyWeight: oms.Kilograms(40)}
	limited := crate
	limited.Limited, limited.Supply = true, 2
	for _, tt := range []struct {
		name  string
		items []packing.Item
		box   packing.BoxType
	}{
		{"sheets", []packing.Item{sheet}, crate},
		{"sheets and a sample", []packing.Item{sample, sheet}, crate},
		{"sheets and a sample, 2 crates on hand", []packing.Item{sample, sheet}, limited},
	} {
		t.Run(tt.name, func(t *testing.T) {
			boxes := []packing.BoxType{tt.box}
			r, err := packing.Pack(tt.items, boxes, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := packing.Check(tt.items, boxes, r); err != nil {
				t.Fatal(err)
			}
			if len(r.Boxes) != 1 || !r.Complete() {
				t.Errorf("%d crates, unpacked %+v; want everything in 1 crate", len(r.Boxes), r.Unpacked)
			}
		})
	}
}
