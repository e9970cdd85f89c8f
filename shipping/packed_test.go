package shipping_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
)

func TestPackedParcelsFromPacking(t *testing.T) {
	items := []packing.Item{
		{ID: "line-1", SKU: "MUG-BLUE", Dimensions: oms.DimensionsMM(120, 95, 95), Weight: oms.Grams(350), Quantity: 2},
		{ID: "line-2", SKU: "POSTER", Dimensions: oms.DimensionsMM(600, 80, 80), Weight: oms.Grams(200), Quantity: 1, ShipsAsIs: true},
	}
	boxes := []packing.BoxType{{Name: "S", Inner: oms.DimensionsMM(300, 200, 150), Outer: oms.DimensionsMM(310, 210, 160), EmptyWeight: oms.Grams(150), MaxWeight: oms.Kilograms(10)}}
	r, err := packing.Pack(items, boxes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := packing.Check(items, boxes, r); err != nil {
		t.Fatal(err)
	}
	got := shipping.PackedParcels(r)
	want := []shipping.Parcel{
		{Dimensions: oms.DimensionsMM(310, 210, 160), Weight: oms.Grams(850), Preset: "S"},
		{Dimensions: oms.DimensionsMM(600, 80, 80), Weight: oms.Grams(200), Preset: "line-2"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("parcels (-want +got):\n%s", d)
	}
	for i, p := range got {
		if err := p.Validate(); err != nil {
			t.Errorf("parcel %d: %v", i, err)
		}
	}
	if n := len(shipping.PackedParcels(packing.Result{})); n != 0 {
		t.Errorf("empty packing gave %d parcels", n)
	}
}
