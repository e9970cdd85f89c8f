package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// TestShipAfterUnitsCancelledWhileLabelsAreBoughtHandsOverTheRest: a shop
// driving the steps itself (manual picking, Pack, Ship): units cancelled
// on the order while Ship bought the labels made every Ship of that
// fulfillment order fail for ever. Now Ship gives the shipment up, says
// so (oms.ErrInvalidTransition), and what is left waits in a new
// fulfillment order, which packs and ships.
func TestShipAfterUnitsCancelledWhileLabelsAreBoughtHandsOverTheRest(t *testing.T) {
	var e *env
	var o *order.Order
	e = newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}, carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier {
		return &hookLabels{FakeCarrier: c, after: func(n int) {
			if n == 1 {
				if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{
					Lines: []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}}, Reason: "customer"}); err != nil {
					t.Error(err)
				}
			}
		}}
	}})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.item("TEE", "")
	e.stock("MUG", "east", 5)
	e.stock("TEE", "east", 5)
	o = e.place(nil, big("TEE", 1), small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fos[0].ID
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{id}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Pack(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Ship(e.ctx, id)
	if !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("Ship with units cancelled while labels were bought: %v, want oms.ErrInvalidTransition", err)
	}
	if _, err = e.svc.Ship(e.ctx, id); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("Ship again: %v, want oms.ErrInvalidTransition", err)
	}
	all, err := e.svc.FulfillmentOrders(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var next *fulfillment.FulfillmentOrder
	for _, fo := range all {
		if !fo.Status.Final() {
			if next != nil {
				t.Fatalf("two live fulfillment orders")
			}
			next = fo
		}
	}
	if next == nil || next.Units() != 2 {
		t.Fatalf("live fulfillment order %+v, want one with 2 units", next)
	}
	if _, err := e.svc.Pack(e.ctx, next.ID); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if _, err := e.svc.Ship(e.ctx, next.ID); err != nil {
		t.Fatalf("Ship: %v", err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {2, 1, 1, 1, 1, 0}, "TEE": {1, 0, 1, 1, 1, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	for sku, want := range map[oms.SKU]int64{"MUG": 4, "TEE": 4} {
		if lv := e.level(sku, "east"); lv.Reserved != 0 || lv.OnHand != want {
			t.Errorf("%s: on hand %d reserved %d, want %d and 0", sku, lv.OnHand, lv.Reserved, want)
		}
	}
	e.reconcile()
}
