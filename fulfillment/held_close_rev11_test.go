package fulfillment_test

import (
	"testing"

	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestThirdPartyShippedWhileHeldCloses: a provider that accepted a
// fulfillment order ships it although the shop put a hold on it since;
// ThirdPartyShipped records the shipment and closes the fulfillment order
// (its hold released), and the delivery news that follows moves the
// order. It used to fail after committing the stock and counting the
// units shipped, leaving the shipment pending, so the delivery was
// dropped.
func TestThirdPartyShippedWhileHeldCloses(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Provider: &fakeProvider{accept: true}})
	e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.stock("MUG", "3pl", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := res.FulfillmentOrders[0].ID
	if fo, err := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: fulfillment.HoldIncorrectAddress}); err != nil || fo.Status != fulfillment.StatusOnHold {
		t.Fatalf("hold on an accepted request: %v", err)
	}
	sh, err := e.svc.ThirdPartyShipped(e.ctx, id, fulfillment.ThirdPartyShipment{Carrier: "fake", TrackingNumbers: []string{"T1"}})
	if err != nil {
		t.Fatalf("shipped by the provider while held: %v", err)
	}
	if sh.Status != fulfillment.ShipmentShipped {
		t.Errorf("shipment %s, want shipped", sh.Status)
	}
	fo, _ := e.svc.FulfillmentOrder(e.ctx, id)
	if fo.Status != fulfillment.StatusClosed || fo.OnHold() || fo.Request != fulfillment.RequestClosed {
		t.Errorf("fulfillment order %s (on hold %t, request %s), want closed without open hold", fo.Status, fo.OnHold(), fo.Request)
	}
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: "T1", Status: tracking.StatusDelivered, At: t0}); err != nil {
		t.Fatal(err)
	}
	if got := e.order(o.ID); got.Status != order.StatusCompleted || counters(got)["MUG"] != [6]int64{2, 0, 2, 2, 2, 2} {
		t.Errorf("order after delivery: %s %v", got.Status, counters(got))
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("3pl stock: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}

// TestPickedUpWhileHeldCloses: a customer collects a pickup order whose
// fulfillment order was put on hold after it was made ready; PickedUp
// records it and closes the fulfillment order (its hold released). It
// used to fail after committing the stock and counting the units
// delivered, every retry failing again.
func TestPickedUpWhileHeldCloses(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
	e.stock("MUG", "shop", 5)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	if sh.Status != fulfillment.ShipmentReadyForPickup {
		t.Fatalf("shipment %s, want ready_for_pickup", sh.Status)
	}
	if _, err := e.svc.AddHold(e.ctx, sh.FulfillmentOrder, fulfillment.HoldInput{Reason: fulfillment.HoldCustomerRequest}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.PickedUp(e.ctx, sh.ID)
	if err != nil {
		t.Fatalf("picked up while held: %v", err)
	}
	if got.Status != fulfillment.ShipmentPickedUp {
		t.Errorf("shipment %s, want picked_up", got.Status)
	}
	fo, _ := e.svc.FulfillmentOrder(e.ctx, sh.FulfillmentOrder)
	if fo.Status != fulfillment.StatusClosed || fo.OnHold() {
		t.Errorf("fulfillment order %s (on hold %t), want closed without open hold", fo.Status, fo.OnHold())
	}
	if o := e.order(o.ID); o.Status != order.StatusCompleted {
		t.Errorf("order %s, want completed", o.Status)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("shop stock: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}
