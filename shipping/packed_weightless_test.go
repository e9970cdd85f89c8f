package shipping_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
)

// TestWeightlessPackedBoxCanBePriced: packing accepts units and boxes of
// no recorded weight, but their box made a parcel of weight 0, which every
// rate request refuses, so the cost objective could not price it at all.
// The parcel weighs the least a parcel may (one milligram) and is billed
// the carrier's minimum: here 6.00 USD plus 1.10 USD for the first started
// kilogram plus 0.35 USD fuel.
func TestWeightlessPackedBoxCanBePriced(t *testing.T) {
	carrier := tableCarrier(t)
	req := shipping.RateRequest{
		Origin:      oms.Address{Country: "US", Region: "NY", PostalCode: "10001"},
		Destination: oms.Address{Country: "US", Region: "CA", PostalCode: "90028"},
		Currency:    oms.USD,
	}
	items := []packing.Item{
		{ID: "gift-card", Dimensions: oms.DimensionsMM(85, 55, 1), Quantity: 3},
		{ID: "sticker", Dimensions: oms.DimensionsMM(50, 50, 1), Quantity: 1, ShipsAsIs: true},
	}
	boxes := []packing.BoxType{{Name: "envelope", Inner: oms.DimensionsMM(100, 70, 10)}}
	cost := shipping.PackingCost(context.Background(), carrier, req, "ground")
	r, err := packing.Pack(items, boxes, &packing.Options{Objective: packing.ObjectiveCost, Cost: cost})
	if err != nil {
		t.Fatalf("packing weightless units by cost: %v", err)
	}
	if len(r.Boxes) != 2 || !r.Cost.Equal(usd("14.90")) {
		t.Errorf("got %d parcels costing %s, want 2 costing 14.90 USD", len(r.Boxes), r.Cost)
	}
	for i, p := range shipping.PackedParcels(r) {
		if p.Weight != oms.Milligram {
			t.Errorf("parcel %d weighs %s, want 1 mg", i, p.Weight)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("parcel %d: %v", i, err)
		}
	}
}
