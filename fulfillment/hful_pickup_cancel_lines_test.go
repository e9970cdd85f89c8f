package fulfillment_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestUnitsCancelledOnTheOrderOfAReadyPickupLetItBeCollected: a pickup
// order waits at the store (ready for pickup, stock reserved) when the
// host cancels one of its units on the order. PickedUp then asked the
// order to count every unit shipped, which it refused for ever: the
// customer could not collect the rest. Now Process gives the waiting
// shipment up and makes the rest ready again; the customer collects it,
// and the cancelled unit's stock is released.
func TestUnitsCancelledOnTheOrderOfAReadyPickupLetItBeCollected(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
	e.stock("MUG", "shop", 5)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 3))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 1 || res.Shipments[0].Status != fulfillment.ShipmentReadyForPickup {
		t.Fatalf("shipments: %+v", res.Shipments)
	}
	e.cancelOnOrder(o, 1)
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatalf("Process after the cancel: %v", err)
	}
	var ready *fulfillment.Shipment
	for _, sh := range res.Shipments {
		if sh.Status != fulfillment.ShipmentReadyForPickup {
			continue
		}
		fo, err := e.svc.FulfillmentOrder(e.ctx, sh.FulfillmentOrder)
		if err != nil {
			t.Fatal(err)
		}
		if fo.Status == fulfillment.StatusCancelled {
			continue
		}
		if ready != nil {
			t.Fatalf("two shipments ready for pickup")
		}
		ready = sh
	}
	if ready == nil {
		t.Fatalf("no shipment ready for pickup: %+v", res.Shipments)
	}
	if _, err := e.svc.PickedUp(e.ctx, ready.ID); err != nil {
		t.Fatalf("PickedUp: %v", err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 2}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("shop: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}

// TestPickedUpAfterUnitsCancelledOnTheOrderCollectsWhatIsLeft: the host
// cancels a unit of a pickup waiting at the store and the customer
// collects the rest at once, before any Process: PickedUp was refused by
// the order for ever. Now it re-cuts the pickup, makes what is left ready
// and collects it.
func TestPickedUpAfterUnitsCancelledOnTheOrderCollectsWhatIsLeft(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
	e.stock("MUG", "shop", 5)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 3))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 1)
	sh, err := e.svc.PickedUp(e.ctx, res.Shipments[0].ID)
	if err != nil {
		t.Fatalf("PickedUp: %v", err)
	}
	if sh.Status != fulfillment.ShipmentPickedUp || sh.ID == res.Shipments[0].ID {
		t.Errorf("PickedUp returned shipment %s (%s), want the new one picked up", sh.ID, sh.Status)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 2}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("shop: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	// A replay of the first shipment's pickup returns the one collected
	// and changes nothing.
	again, err := e.svc.PickedUp(e.ctx, res.Shipments[0].ID)
	if err != nil || again.ID != sh.ID || again.Version != sh.Version {
		t.Errorf("replay: %v, %+v; want shipment %s unchanged", err, again, sh.ID)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("after replay: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}

// TestPickedUpAfterUnitsCancelledConvergesAcrossCrashes: the same with the
// k-th write failing (before or after it took effect); PickedUp of the
// first shipment, retried, ends as a clean run.
func TestPickedUpAfterUnitsCancelledConvergesAcrossCrashes(t *testing.T) {
	for _, after := range []bool{false, true} {
		for k := 1; k <= 25; k++ {
			t.Run(itoa(k), func(t *testing.T) {
				f := &faults{k: k, after: after}
				e := newEnv(t, &envConfig{
					wrap:    func(s fulfillment.Store) fulfillment.Store { return faultyFulfillment{s, f} },
					wrapInv: func(s inventory.Store) inventory.Store { return faultyInventory{s, f} },
					wrapOrd: func(s order.Store) order.Store { return faultyOrders{s, f} },
				})
				e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
				e.item("MUG", "")
				e.stock("MUG", "shop", 5)
				o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 3))
				res, err := e.svc.Process(e.ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				e.cancelOnOrder(o, 1)
				f.mu.Lock()
				f.on = true
				f.mu.Unlock()
				retryInjected(t, "picked up", func() error {
					_, err := e.svc.PickedUp(e.ctx, res.Shipments[0].ID)
					return err
				})
				f.mu.Lock()
				f.on = false
				f.mu.Unlock()
				if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 2}}, counters(e.order(o.ID))); diff != "" {
					t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
				}
				if lv := e.level("MUG", "shop"); lv.OnHand != 3 || lv.Reserved != 0 {
					t.Errorf("shop: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
				}
				e.reconcile()
			})
		}
	}
}
