package fulfillment_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// statusMovesOf returns the status changes the outbox holds for a
// fulfillment order, in order, and fails on any the table forbids.
func statusMovesOf(t *testing.T, e *env, id oms.ID) (moves [][2]fulfillment.Status, released int) {
	t.Helper()
	for _, ev := range e.outbox.Events(id) {
		switch ev.Type {
		case fulfillment.EventHoldReleased:
			released++
		case fulfillment.EventStatusChanged:
			var p fulfillment.StatusPayload
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if p.From != p.To && !fulfillment.CanTransition(p.From, p.To) {
				t.Errorf("event moved fulfillment order %s %s → %s, which the table forbids", id, p.From, p.To)
			}
			moves = append(moves, [2]fulfillment.Status{p.From, p.To})
		}
	}
	return moves, released
}

// TestClosingAHeldFulfillmentOrderPublishesOnHoldToClosed: a held
// fulfillment order whose units left anyway (a provider's shipment, a
// pickup collected, a shipment finished while a hold landed) was closed
// with one status event "on_hold → closed", a move the table forbids, and
// no event for the holds it released. Subscribers replaying the table
// (and TestConcurrentCommandsOnOneOrder) saw an impossible move. Now the
// release is published as a hold release and a move back to the status
// it was held in, then the close.
func TestClosingAHeldFulfillmentOrderPublishesOnHoldToClosed(t *testing.T) {
	t.Run("third party shipped", func(t *testing.T) {
		e := twoSites(t, fulfillment.ServiceOptions{Provider: &fakeProvider{accept: true}})
		e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
		e.stock("MUG", "3pl", 5)
		o := e.place(nil, small("MUG", 2))
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		id := res.FulfillmentOrders[0].ID
		if _, err := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: fulfillment.HoldIncorrectAddress}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ThirdPartyShipped(e.ctx, id, fulfillment.ThirdPartyShipment{Carrier: "fake", TrackingNumbers: []string{"T1"}}); err != nil {
			t.Fatal(err)
		}
		moves, released := statusMovesOf(t, e, id)
		if released != 1 {
			t.Errorf("%d hold_released events, want 1", released)
		}
		if last := moves[len(moves)-1]; last[1] != fulfillment.StatusClosed {
			t.Errorf("last move %v, want one to closed", last)
		}
	})
	t.Run("picked up", func(t *testing.T) {
		e := twoSites(t, fulfillment.ServiceOptions{})
		e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
		e.stock("MUG", "shop", 5)
		o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 2))
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		sh := res.Shipments[0]
		for _, k := range []string{"a", "b"} {
			if _, err := e.svc.AddHold(e.ctx, sh.FulfillmentOrder, fulfillment.HoldInput{Key: k, Reason: fulfillment.HoldCustomerRequest}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.PickedUp(e.ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		moves, released := statusMovesOf(t, e, sh.FulfillmentOrder)
		if released != 2 {
			t.Errorf("%d hold_released events, want 2", released)
		}
		if last := moves[len(moves)-1]; last[1] != fulfillment.StatusClosed {
			t.Errorf("last move %v, want one to closed", last)
		}
	})
}
