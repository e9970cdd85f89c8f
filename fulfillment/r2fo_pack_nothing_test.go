package fulfillment_test

import (
	"testing"

	"github.com/omskit/oms/fulfillment"
)

// TestPackOfAFulfillmentOrderPickedAllShortIsAReplay: every unit of a
// fulfillment order was picked short (and re-allocated elsewhere); Pack,
// which has nothing to pack, saved a new version with another
// fulfillment_order.packed event (of no package) on every call, where a
// replay must change nothing.
func TestPackOfAFulfillmentOrderPickedAllShortIsAReplay(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 2)
	e.stock("MUG", "west", 2)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, []fulfillment.Picked{{LineID: fo.Lines[0].LineID, Quantity: 0}}); err != nil {
		t.Fatal(err)
	}
	first, err := e.svc.Pack(e.ctx, fo.ID)
	if err != nil {
		t.Fatal(err)
	}
	events := len(e.outbox.Events(fo.ID))
	for i := 0; i < 2; i++ {
		again, err := e.svc.Pack(e.ctx, fo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Version != first.Version || len(again.Packages) != 0 {
			t.Errorf("Pack %d again: version %d, %d packages; want version %d unchanged", i+2, again.Version, len(again.Packages), first.Version)
		}
	}
	if n := len(e.outbox.Events(fo.ID)); n != events {
		t.Errorf("%d events after the replays, want %d", n, events)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.FulfillmentOrder(e.ctx, fo.ID); got.Status != fulfillment.StatusIncomplete {
		t.Errorf("status %s, want incomplete", got.Status)
	}
}
