package fulfillment_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestProviderRefusingToCancelShipsItAllAndTheOrderRecordsWhatItWants:
// units cancelled on the order after the provider accepted them; the
// provider refuses to cancel and ships every unit it was sent. Its
// ThirdPartyShipped used to fail for ever (the order refused to count 3
// units fulfilled with 2 allocated), and every later Process too (the
// shipment it had created could not be recorded), the stock reserved for
// ever. Now the shipment is recorded: the order counts what it still
// wants, every unit's stock leaves, and the units shipped beyond the
// order are reported (EventShippedBeyondOrder).
func TestProviderRefusingToCancelShipsItAllAndTheOrderRecordsWhatItWants(t *testing.T) {
	p := &recordingProvider{refuse: true}
	e := providerShop(t, p)
	o := e.place(nil, small("MUG", 3))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 1)
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	if fo.Request != fulfillment.RequestCancellationRejected {
		t.Fatalf("request %s, want cancellation_rejected", fo.Request)
	}
	if _, err := e.svc.ThirdPartyShipped(e.ctx, fo.ID, fulfillment.ThirdPartyShipment{Carrier: "ups", TrackingNumbers: []string{"1Z1"}}); err != nil {
		t.Fatalf("ThirdPartyShipped of every unit the provider was sent: %v", err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatalf("Process after the provider shipped: %v", err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 2 || lv.Reserved != 0 {
		t.Errorf("3pl: on hand %d reserved %d, want 2 and 0 (3 left)", lv.OnHand, lv.Reserved)
	}
	got, err := e.store.FulfillmentOrder(e.ctx, fo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != fulfillment.StatusClosed || got.Request != fulfillment.RequestClosed {
		t.Errorf("fulfillment order %s, request %s; want closed and closed", got.Status, got.Request)
	}
	evs, err := e.outbox.Pending(e.ctx, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	beyond := map[oms.ID]int64{}
	for _, ev := range evs {
		if ev.Type != fulfillment.EventShippedBeyondOrder {
			continue
		}
		var p fulfillment.LinesCancelledPayload
		if err := ev.Decode(&p); err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Lines {
			beyond[ev.AggregateID] += l.Quantity
		}
	}
	if diff := cmp.Diff(map[oms.ID]int64{fo.ID: 1}, beyond); diff != "" {
		t.Errorf("units reported shipped beyond the order -want +got:\n%s", diff)
	}
	// A replay changes nothing.
	if _, err := e.svc.ThirdPartyShipped(e.ctx, fo.ID, fulfillment.ThirdPartyShipment{Carrier: "ups", TrackingNumbers: []string{"1Z1"}}); err != nil {
		t.Fatalf("replayed ThirdPartyShipped: %v", err)
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 2 || lv.Reserved != 0 {
		t.Errorf("after a replay 3pl: on hand %d reserved %d, want 2 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}
