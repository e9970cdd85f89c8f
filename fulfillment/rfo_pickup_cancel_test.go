package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestCancelledOrderReleasesAReadyPickup: a pickup order cancelled while
// its units waited at the store (shipment ready for pickup, stock still
// only reserved) kept them reserved for ever: Process took the ready
// shipment as past the point of no return and left it. PickedUp then
// committed the stock (it left inventory) before the order refused to
// count the units shipped, so a cancelled order's goods were gone and the
// shipment stayed ready for ever. Now Process cancels the fulfillment
// order and releases the stock, and PickedUp of a cancelled order is
// refused before any stock moves.
func TestCancelledOrderReleasesAReadyPickup(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
	e.stock("MUG", "shop", 5)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 1 || res.Shipments[0].Status != fulfillment.ShipmentReadyForPickup {
		t.Fatalf("shipments: %+v", res.Shipments)
	}
	sh := res.Shipments[0]
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "customer"}); err != nil {
		t.Fatalf("order cancel: %v", err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Errorf("Process of the cancelled order: %v", err)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 5 || lv.Reserved != 0 {
		t.Errorf("after the cancel: %+v, want the 2 units released", lv)
	}
	if fo, _ := e.svc.FulfillmentOrder(e.ctx, sh.FulfillmentOrder); fo.Status != fulfillment.StatusCancelled {
		t.Errorf("fulfillment order %s, want cancelled", fo.Status)
	}
	if _, err := e.svc.PickedUp(e.ctx, sh.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("PickedUp of a cancelled order: err = %v, want oms.ErrInvalidTransition", err)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 5 || lv.Reserved != 0 {
		t.Errorf("after PickedUp of a cancelled order: %+v, want no stock moved", lv)
	}
	if got := e.order(o.ID); got.Status != order.StatusCancelled {
		t.Errorf("order %s", got.Status)
	}
	rs, _ := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(o.ID), OpenOnly: true})
	for _, r := range rs {
		t.Errorf("reservation %s still open: %+v", r.ID, r.Lines)
	}
	e.reconcile()
}
