package fulfillment_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestCancelOfAPackedFulfillmentOrderLeavesTheOthersWhole: of 3 units,
// one was split off, picked and packed (the order counted it fulfilled)
// and that fulfillment order then cancelled. The order cancelled the unit
// but kept counting it fulfilled (its fulfilled units fell only once its
// allocated ones fell below them), so the next Process took a unit the
// customer still wanted off the other fulfillment order (the order
// seemed to expect 1 unpacked unit, not 2), and the order, 1 shipped of
// 2 "fulfilled", never completed. Now the packed unit leaves the order's
// fulfilled units with it: the other 2 ship and the order completes on
// delivery.
func TestCancelOfAPackedFulfillmentOrderLeavesTheOthersWhole(t *testing.T) {
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	o := e.place(nil, small("MUG", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.Split(e.ctx, fos[0].ID, []fulfillment.SplitLine{{LineID: o.Lines[0].ID, Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{b.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, b.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Pack(e.ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(e.ctx, b.ID, "dropped"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{fos[0].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, fos[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 8 || lv.Reserved != 0 {
		t.Errorf("MUG: %+v, want 2 shipped and nothing reserved", lv)
	}
	for _, sh := range res.Shipments {
		for _, p := range sh.Packages {
			e.trackingStatus(p.TrackingNumber, tracking.StatusDelivered, "")
		}
	}
	if got := e.order(o.ID); got.Status != order.StatusCompleted {
		t.Errorf("order %s after every shipment was delivered, want completed (%v)", got.Status, counters(got))
	}
	e.reconcile()
}
