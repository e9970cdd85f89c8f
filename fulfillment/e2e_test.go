package fulfillment_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestEndToEndSplitShortPickTwoPackageDelivery: place, confirm, allocate
// across two locations, pick with a short pick, pack, ship both, deliver
// one package of a two-package shipment (not yet delivered), then the
// other (shipment and order delivered), with exact counters and events.
func TestEndToEndSplitShortPickTwoPackageDelivery(t *testing.T) {
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("BIG", "")
	e.item("SMALL", "")
	e.stock("BIG", "east", 2)
	e.stock("BIG", "west", 5)
	e.stock("SMALL", "west", 3)
	o := e.place(nil, big("BIG", 2), small("SMALL", 2))

	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FulfillmentOrders) != 2 || len(res.Waiting) != 2 {
		t.Fatalf("want 2 fulfillment orders waiting for pickers, got %d (%+v)", len(res.FulfillmentOrders), res.Waiting)
	}
	east, west := res.FulfillmentOrders[0], res.FulfillmentOrders[1]
	if east.Location != "east" {
		east, west = west, east
	}
	if east.Location != "east" || west.Location != "west" || east.Status != fulfillment.StatusInProgress {
		t.Fatalf("plan: east %s %s, west %s %s", east.Location, east.Status, west.Location, west.Status)
	}
	// Short pick at west: one SMALL of two is missing; no other location
	// has SMALL and the SKU denies backorders, so it is cancelled.
	if _, err := e.svc.ConfirmPicks(e.ctx, west.ID, []fulfillment.Picked{{LineID: west.Lines[0].LineID, Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, east.ID, nil); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 2 {
		t.Fatalf("want 2 shipments, got %d", len(res.Shipments))
	}
	var eastSh, westSh *fulfillment.Shipment
	for _, sh := range res.Shipments {
		if sh.Location == "east" {
			eastSh = sh
		} else {
			westSh = sh
		}
	}
	if len(eastSh.Packages) != 2 || len(westSh.Packages) != 1 {
		t.Fatalf("packages: east %d, west %d", len(eastSh.Packages), len(westSh.Packages))
	}
	if got := e.level("SMALL", "west"); got.OnHand != 1 || got.Reserved != 0 {
		t.Errorf("west SMALL after a short pick of 1 and shipping 1: %+v", got)
	}
	if got := e.level("BIG", "east"); got.OnHand != 0 || got.Reserved != 0 {
		t.Errorf("east BIG: %+v", got)
	}
	e.reconcile()
	want := map[oms.SKU][6]int64{"BIG": {2, 0, 2, 2, 2, 0}, "SMALL": {2, 1, 1, 1, 1, 0}}
	if d := cmp.Diff(want, counters(e.order(o.ID))); d != "" {
		t.Fatalf("counters after shipping (-want +got):\n%s", d)
	}
	if p := e.carrier.Purchases(); p != 3 {
		t.Errorf("labels bought: %d, want 3", p)
	}

	e.trackingStatus(westSh.Packages[0].TrackingNumber, tracking.StatusDelivered, "")
	e.trackingStatus(eastSh.Packages[0].TrackingNumber, tracking.StatusInTransit, "")
	e.trackingStatus(eastSh.Packages[0].TrackingNumber, tracking.StatusDelivered, "")
	sh, err := e.svc.Shipment(e.ctx, eastSh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != fulfillment.ShipmentShipped || sh.Packages[0].Status != fulfillment.PackageDelivered {
		t.Fatalf("one of two packages delivered: shipment %s, package %s", sh.Status, sh.Packages[0].Status)
	}
	if got := e.order(o.ID); got.Status != order.StatusProcessing {
		t.Fatalf("order %s before the last package", got.Status)
	}
	e.trackingStatus(eastSh.Packages[1].TrackingNumber, tracking.StatusDelivered, "")
	if sh, _ = e.svc.Shipment(e.ctx, eastSh.ID); sh.Status != fulfillment.ShipmentDelivered {
		t.Fatalf("shipment %s after both packages", sh.Status)
	}
	got := e.order(o.ID)
	if got.Status != order.StatusCompleted {
		t.Fatalf("order %s, want completed", got.Status)
	}
	want = map[oms.SKU][6]int64{"BIG": {2, 0, 2, 2, 2, 2}, "SMALL": {2, 1, 1, 1, 1, 1}}
	if d := cmp.Diff(want, counters(got)); d != "" {
		t.Fatalf("final counters (-want +got):\n%s", d)
	}
	if !got.Payment.Captured.Equal(got.Totals.GrandTotal) {
		t.Errorf("captured %s, grand total %s", got.Payment.Captured, got.Totals.GrandTotal)
	}
	// The east shipment's events, in order.
	var types []string
	for _, ev := range e.outbox.Events(eastSh.ID) {
		types = append(types, ev.Type)
	}
	wantTypes := []string{fulfillment.EventShipmentCreated, fulfillment.EventLabelPurchased, fulfillment.EventLabelPurchased,
		fulfillment.EventShipped, fulfillment.EventPackageDelivered, fulfillment.EventPackageDelivered, fulfillment.EventDelivered}
	if d := cmp.Diff(wantTypes, types); d != "" {
		t.Errorf("east shipment events (-want +got):\n%s", d)
	}
	types = nil
	for _, ev := range e.outbox.Events(west.ID) {
		types = append(types, ev.Type)
	}
	wantTypes = []string{fulfillment.EventCreated, fulfillment.EventStatusChanged, fulfillment.EventPicked,
		fulfillment.EventPacked, fulfillment.EventStatusChanged}
	if d := cmp.Diff(wantTypes, types); d != "" {
		t.Errorf("west fulfillment order events (-want +got):\n%s", d)
	}
	if fo, _ := e.svc.FulfillmentOrder(e.ctx, west.ID); fo.Status != fulfillment.StatusIncomplete {
		t.Errorf("west picked short: %s, want incomplete", fo.Status)
	}
	if fo, _ := e.svc.FulfillmentOrder(e.ctx, east.ID); fo.Status != fulfillment.StatusClosed {
		t.Errorf("east: %s, want closed", fo.Status)
	}
	// Running the flow again changes nothing.
	before := len(e.outbox.Events(eastSh.ID))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.outbox.Events(eastSh.ID)); n != before || e.carrier.Purchases() != 3 {
		t.Errorf("a re-run changed things: %d events (was %d), %d labels", n, before, e.carrier.Purchases())
	}
	if !strings.Contains(string(got.Status), "completed") {
		t.Fatal(got.Status)
	}
}
