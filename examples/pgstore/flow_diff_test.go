package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

// flowStores is one backend of the differential flow tests.
type flowStores struct {
	orders      order.Store
	inventory   inventory.Store
	tracking    tracking.Store
	fulfillment fulfillment.Store
	events      func(t *testing.T) []oms.Event
}

func memoryFlowStores() flowStores {
	ob := oms.NewMemoryOutbox(nil)
	return flowStores{
		orders:      order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: ob}),
		inventory:   inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: ob}),
		tracking:    tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: ob}),
		fulfillment: fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: ob}),
		events: func(t *testing.T) []oms.Event {
			evs, err := ob.Pending(context.Background(), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			return evs
		},
	}
}

func pgFlowStores(t *testing.T) flowStores {
	db := open(t)
	st := db.Stores()
	return flowStores{orders: st.Orders, inventory: st.Inventory, tracking: st.Tracking, fulfillment: st.Fulfillment,
		events: func(t *testing.T) []oms.Event {
			evs, err := st.Outbox.All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}}
}

type flowResult struct {
	Order             *order.Order
	FulfillmentOrders []*fulfillment.FulfillmentOrder
	Shipments         []*fulfillment.Shipment
	Ledger            []inventory.LedgerEntry
	Events            []oms.Event
}

func runFlow(t *testing.T, st flowStores, start time.Time) flowResult {
	t.Helper()
	ctx := context.Background()
	clock := oms.NewManualClock(start)
	orders := order.NewService(st.orders, &order.ServiceOptions{Clock: clock, Gateway: ordertest.NewFakeGateway()})
	inv := inventory.NewService(st.inventory, &inventory.ServiceOptions{Clock: clock})
	track := tracking.NewService(st.tracking, &tracking.ServiceOptions{Clock: clock})
	svc, err := fulfillment.NewService(st.fulfillment, orders, inv, track, &fulfillment.ServiceOptions{Clock: clock,
		Carriers: []shipping.Carrier{shippingtest.NewFakeCarrier("fake", nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true, Channels: []inventory.Channel{"web"},
		Address: oms.Address{Name: "W", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}}); err != nil {
		t.Fatal(err)
	}
	for _, sku := range []oms.SKU{"MUG", "TEE"} {
		if err := inv.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := inv.Receive(ctx, inventory.Receipt{SKU: sku, Location: "wh", Quantity: 10}); err != nil {
			t.Fatal(err)
		}
	}
	in := order.PlaceInput{IdempotencyKey: "k1", Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "cus_1", Email: "ada@example.com"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard},
		Payment:         order.PaymentInput{Method: "tok_visa"}, Metadata: map[string]string{}, Discounts: []order.Discount{}, Note: "hi",
		Lines: []order.LineInput{
			{SKU: "MUG", Name: "Mug", Quantity: 2, UnitPrice: usd("10.00"), UnitWeight: oms.Grams(400), UnitDimensions: oms.DimensionsMM(100, 80, 60)},
			{SKU: "TEE", Name: "Tee", Quantity: 1, UnitPrice: usd("0.00"), UnitWeight: oms.Grams(200), UnitDimensions: oms.DimensionsMM(100, 80, 60)},
		}}
	o, err := orders.Place(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if _, err := orders.Confirm(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	res, err := svc.Process(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	for _, sh := range res.Shipments {
		for _, p := range sh.Packages {
			if _, err := svc.ApplyTracking(ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber,
				Status: tracking.StatusDelivered, At: clock.Now(), EventID: "ev-" + p.TrackingNumber}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var r flowResult
	if r.Order, err = st.orders.Get(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if r.FulfillmentOrders, err = st.fulfillment.FulfillmentOrders(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if r.Shipments, err = st.fulfillment.Shipments(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if r.Ledger, err = st.inventory.Ledger(ctx, inventory.LedgerFilter{}); err != nil {
		t.Fatal(err)
	}
	r.Events = st.events(t)
	return r
}

var flowOpts = cmp.Options{
	eventOpts,
	cmpopts.IgnoreFields(oms.Event{}, "ID"),
	cmpopts.IgnoreFields(inventory.LedgerEntry{}, "Seq"),
}

// TestFulfillmentFlowMatchesTheMemoryStores runs one order from placement
// to delivery (place, confirm, Process, tracking news) over the memory
// stores and over the adapter, on a clock in UTC and on one in a zone
// whose offset has seconds, and compares the order, its fulfillment
// orders and shipments, the ledger and the outbox.
func TestFulfillmentFlowMatchesTheMemoryStores(t *testing.T) {
	for _, start := range []time.Time{
		time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("LMT", -(4*3600+56*60+2))),
	} {
		want := runFlow(t, memoryFlowStores(), start)
		got := runFlow(t, pgFlowStores(t), start)
		if d := cmp.Diff(want, got, flowOpts); d != "" {
			t.Errorf("start %v (-memory +pgstore):\n%s", start, d)
		}
	}
}
