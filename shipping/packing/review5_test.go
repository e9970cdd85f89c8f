package packing_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// TestTotalVolumeOfManyLargeParcelsDoesNotWrap: Result.TotalVolume added
// the parcels' volumes in an int64, so 10,000 units of 100 m a side (the
// largest Pack accepts), each shipping alone or as is in 10^15 mm³,
// totalled a negative volume (10^19 wrapped) and 100,000 of them a
// volume smaller than 10,000 of them. Now the total saturates at the
// largest Volume, so more parcels never total less.
func TestTotalVolumeOfManyLargeParcelsDoesNotWrap(t *testing.T) {
	huge := oms.Dimensions{Length: 100 * oms.Metre, Width: 100 * oms.Metre, Height: 100 * oms.Metre}
	boxes := []packing.BoxType{{Name: "hangar", Inner: huge}}
	var prev [2]oms.Volume
	for _, n := range []int64{1, 9_000, 10_000, packing.MaxUnits} {
		for k, it := range []packing.Item{
			{ID: "alone", Dimensions: huge, Weight: oms.Kilograms(1), Quantity: n, ShipsAlone: true},
			{ID: "as_is", Dimensions: huge, Weight: oms.Kilograms(1), Quantity: n, ShipsAsIs: true},
		} {
			r, err := packing.Pack([]packing.Item{it}, boxes, nil)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(r.Boxes)) != n {
				t.Fatalf("%s × %d: %d parcels", it.ID, n, len(r.Boxes))
			}
			got := r.TotalVolume()
			if got < prev[k] {
				t.Errorf("%s × %d: TotalVolume = %d, below %d for fewer parcels", it.ID, n, got, prev[k])
			}
			if n <= 9_000 && got != oms.Volume(n*1e15) {
				t.Errorf("%s × %d: TotalVolume = %d, want %d", it.ID, n, got, n*1e15)
			}
			if n > 9_223 && got != math.MaxInt64 {
				t.Errorf("%s × %d: TotalVolume = %d, want the largest Volume", it.ID, n, got)
			}
			prev[k] = got
		}
	}
}

// TestFreeBoxCostsSurviveJSON: BoxType.Cost, PackedBox.Cost and
// Result.Cost were tagged omitzero, and oms.Money.IsZero is true for a
// zero amount in any currency, so a free box type (0.00 EUR) and the
// parcels and total a cost function priced at 0.00 EUR were left out of
// the JSON and came back as the zero Money, with no currency: the round
// trip changed the value (and a total of 0.00 EUR no longer compared with
// other EUR totals). Now only the zero Money (no cost) is left out.
func TestFreeBoxCostsSurviveJSON(t *testing.T) {
	free := oms.MustParseMoney("0.00 EUR")
	boxes := []packing.BoxType{{Name: "free", Inner: oms.DimensionsMM(100, 100, 100), Cost: free}}
	items := []packing.Item{{ID: "cube", Dimensions: oms.DimensionsMM(50, 50, 50), Weight: oms.Grams(100), Quantity: 2}}
	cost := func(box packing.BoxType, _ packing.PackedBox) (oms.Money, error) { return box.Cost, nil }
	r, err := packing.Pack(items, boxes, &packing.Options{Cost: cost})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Cost.Equal(free) || len(r.Boxes) != 1 || !r.Boxes[0].Cost.Equal(free) {
		t.Fatalf("packing cost %v, boxes %d", r.Cost, len(r.Boxes))
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back packing.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, back); d != "" {
		t.Errorf("Result JSON round trip (-want +got):\n%s\n%s", d, b)
	}
	b, err = json.Marshal(boxes)
	if err != nil {
		t.Fatal(err)
	}
	var boxesBack []packing.BoxType
	if err := json.Unmarshal(b, &boxesBack); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(boxes, boxesBack); d != "" {
		t.Errorf("BoxType JSON round trip (-want +got):\n%s\n%s", d, b)
	}
	// Unset costs are still left out.
	b, _ = json.Marshal(packing.BoxType{Name: "S", Inner: oms.DimensionsMM(1, 1, 1)})
	if want := `{"name":"S","inner":{"length":1000,"width":1000,"height":1000},"empty_weight":0}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
}
