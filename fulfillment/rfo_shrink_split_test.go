package fulfillment_test

import (
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestSplitAfterAnInterruptedShrinkStillReleasesTheUnits: units cancelled
// on the order were taken off a fulfillment order by Process, which then
// crashed before releasing their stock; a Split of the rest of that line
// dropped the line (left with 0 units) from the fulfillment order, and the
// next Process found no line to release the recorded shrink from: it marked
// the release done and the cancelled units stayed reserved for ever (after
// the order completed). Now the release is made from what the shrink
// recorded.
func TestSplitAfterAnInterruptedShrinkStillReleasesTheUnits(t *testing.T) {
	var n, k atomic.Int64
	k.Store(1 << 40)
	e := newEnv(t, &envConfig{
		opts:    fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
		wrapInv: func(s inventory.Store) inventory.Store { return &crashInv{Store: s, n: &n, k: &k} },
	})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("TEE", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	e.stock("TEE", "east", 10)
	o := e.place(nil, small("MUG", 5), small("TEE", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(fos) != 1 {
		t.Fatalf("%d fulfillment orders", len(fos))
	}
	e.cancelOnOrder(o, 2)
	// The shrink is saved, its release (the next inventory write) fails.
	n.Store(0)
	k.Store(1)
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process did not fail at the release")
	}
	k.Store(1 << 40)
	fo, err := e.svc.FulfillmentOrder(e.ctx, fos[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	mug := fo.Lines[0].LineID
	if fo.Lines[0].SKU != "MUG" || fo.Lines[0].Quantity != 3 {
		t.Fatalf("after the shrink: %+v", fo.Lines)
	}
	if _, err := e.svc.Split(e.ctx, fo.ID, []fulfillment.SplitLine{{LineID: mug, Quantity: 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 3 {
		t.Errorf("MUG reserved %d, want the 3 units the order still wants (2 cancelled)", lv.Reserved)
	}
	// Ship everything and check nothing stays reserved.
	all, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	for _, f := range all {
		if f.Status.Final() {
			continue
		}
		if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{f.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ConfirmPicks(e.ctx, f.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {5, 2, 3, 3, 3, 0}, "TEE": {2, 0, 2, 2, 2, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	for _, sku := range []oms.SKU{"MUG", "TEE"} {
		if lv := e.level(sku, "east"); lv.Reserved != 0 {
			t.Errorf("%s still reserved after shipping: %+v", sku, lv)
		}
	}
	rs, _ := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(o.ID), OpenOnly: true})
	for _, r := range rs {
		t.Errorf("reservation %s still open: %+v", r.ID, r.Lines)
	}
	e.reconcile()
	_ = order.StatusCompleted
}
