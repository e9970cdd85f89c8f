package shipping_test

import (
	"context"
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

// TestPackingCostFromTableRates lets the cost objective price parcels with
// a table-rate carrier: domestic ground costs 6.00 USD plus 1.10 USD a
// started kilogram of billable weight (5000 cm³/kg), plus 0.35 USD fuel a
// parcel. Two small boxes (4,096 cm³: 1 kg billable, 7.45 USD each) cost
// less than the one large box that holds both units (125,000 cm³: 25 kg,
// 33.85 USD), and the packing says it used more boxes than the fewest.
func TestPackingCostFromTableRates(t *testing.T) {
	carrier := tableCarrier(t)
	req := shipping.RateRequest{
		Origin:      oms.Address{Country: "US", Region: "NY", PostalCode: "10001"},
		Destination: oms.Address{Country: "US", Region: "CA", PostalCode: "90028"},
		Currency:    oms.USD,
	}
	cost := shipping.PackingCost(context.Background(), carrier, req, "ground")
	items := []packing.Item{{ID: "lampshade", Dimensions: oms.DimensionsMM(150, 150, 150), Weight: oms.Grams(200), Quantity: 2}}
	boxes := []packing.BoxType{
		{Name: "S", Inner: oms.DimensionsMM(160, 160, 160), EmptyWeight: oms.Grams(100)},
		{Name: "L", Inner: oms.DimensionsMM(500, 500, 500), EmptyWeight: oms.Grams(600)},
	}
	byBoxes, err := packing.Pack(items, boxes, &packing.Options{Cost: cost})
	if err != nil {
		t.Fatal(err)
	}
	byCost, err := packing.Pack(items, boxes, &packing.Options{Objective: packing.ObjectiveCost, Cost: cost})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []packing.Result{byBoxes, byCost} {
		if err := packing.Check(items, boxes, p); err != nil {
			t.Fatal(err)
		}
	}
	// Each parcel's cost is the carrier's ground price for it.
	for _, b := range byCost.Boxes {
		rates, err := carrier.Rates(context.Background(), shipping.RateRequest{Origin: req.Origin, Destination: req.Destination, Currency: oms.USD,
			Parcels: []shipping.Parcel{shipping.PackedParcel(b)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rates {
			if r.ServiceCode == "ground" && !r.Price.Equal(b.Cost) {
				t.Errorf("box %s costs %s, ground rate %s", b.Name, b.Cost, r.Price)
			}
		}
	}
	if !byBoxes.Cost.Equal(usd("33.85")) || len(byBoxes.Boxes) != 1 {
		t.Errorf("box count: %d boxes, %s; want 1, 33.85 USD", len(byBoxes.Boxes), byBoxes.Cost)
	}
	if !byCost.Cost.Equal(usd("14.90")) || len(byCost.Boxes) != 2 || byCost.MinBoxes != 1 {
		t.Errorf("cost: %d boxes (fewest %d), %s; want 2 (fewest 1), 14.90 USD", len(byCost.Boxes), byCost.MinBoxes, byCost.Cost)
	}
	bad := shipping.PackingCost(context.Background(), carrier, req, "teleport")
	if _, err := packing.Pack(items, boxes, &packing.Options{Objective: packing.ObjectiveCost, Cost: bad}); err == nil {
		t.Error("a service the carrier lacks gave no error")
	}
}
