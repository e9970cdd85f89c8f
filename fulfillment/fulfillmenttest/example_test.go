package fulfillmenttest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/fulfillment/fulfillmenttest"
)

// The promises TestStore checks, shown on the memory harness's store:
// a change is saved with its events, tracking numbers are found as
// normalized, and a stale write is refused and saves no event. (The
// memory harness uses its *testing.T only to report a failure, so nil
// serves outside a test.)
func ExampleMemoryHarness() {
	ctx := context.Background()
	h := fulfillmenttest.MemoryHarness{}
	s := h.MakeStore(nil)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fo := fulfillment.FulfillmentOrder{ID: "fo-1", OrderID: "ord-1", Location: "dc", Status: fulfillment.StatusOpen,
		Lines: []fulfillment.Line{{LineID: "l1", SKU: "MUG", Quantity: 2}}, Version: 1, CreatedAt: at, UpdatedAt: at}
	sh := &fulfillment.Shipment{ID: "shp-1", OrderID: "ord-1", FulfillmentOrder: "fo-1", Location: "dc", Carrier: "ups",
		Status: fulfillment.ShipmentPending, Version: 1, CreatedAt: at, UpdatedAt: at,
		Packages: []fulfillment.Package{{Index: 0, TrackingNumber: "1z 999", Status: fulfillment.PackageLabelled}}}
	// save writes f with one event, and the shipments if any.
	save := func(f fulfillment.FulfillmentOrder, typ string, shipments ...*fulfillment.Shipment) error {
		e, _ := oms.NewEvent(typ, fulfillment.KindFulfillmentOrder, f.ID, f.Version, at, nil)
		return s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{&f}, Shipments: shipments, Events: []oms.Event{e}})
	}
	_ = save(fo, fulfillment.EventCreated, sh)
	found, _ := s.ShipmentByTracking(ctx, "UPS", "1Z999")
	fmt.Println("shipment of UPS 1Z999:", found.ID)

	picking, cancelled := fo, fo // two writers read version 1
	picking.Status, picking.Version = fulfillment.StatusInProgress, 2
	cancelled.Status, cancelled.Version = fulfillment.StatusCancelled, 2
	fmt.Println("first write:", save(picking, fulfillment.EventStatusChanged))
	fmt.Println("stale write refused:", errors.Is(save(cancelled, fulfillment.EventStatusChanged), oms.ErrConflict))

	got, _ := s.FulfillmentOrder(ctx, "fo-1")
	fmt.Println("fo-1:", got.Status, "version", got.Version)
	for _, e := range h.Events(nil, s, "fo-1") {
		fmt.Println("event:", e.Type, e.AggregateVersion)
	}
	// Output:
	// shipment of UPS 1Z999: shp-1
	// first write: <nil>
	// stale write refused: true
	// fo-1: in_progress version 2
	// event: fulfillment_order.created 1
	// event: fulfillment_order.status_changed 2
}
