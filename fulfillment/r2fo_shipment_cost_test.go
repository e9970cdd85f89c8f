package fulfillment_test

import (
	"testing"
)

// TestShipmentCostIsTheSumOfItsLabels: Shipment.Cost is documented as
// the rate's price, then the sum of the labels once bought; it kept the
// rate's price (7.50 for a shipment of two labels of 7.50 each), so a
// host reading the shipment's cost counted half of what it paid.
func TestShipmentCostIsTheSumOfItsLabels(t *testing.T) {
	e := faultEnv(t, &faults{})
	o := e.place(nil, big("BIG", 2), small("SMALL", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	shs, err := e.svc.Shipments(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shs {
		sum := sh.Packages[0].Cost
		for _, p := range sh.Packages[1:] {
			if sum, err = sum.Add(p.Cost); err != nil {
				t.Fatal(err)
			}
		}
		if !sh.Cost.Equal(sum) {
			t.Errorf("shipment %s of %d labels costs %s; its labels cost %s", sh.ID, len(sh.Packages), sh.Cost, sum)
		}
	}
}
