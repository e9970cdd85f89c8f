package packing_test

import (
	"math"
	"testing"

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
