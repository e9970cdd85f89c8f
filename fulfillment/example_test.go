package fulfillment_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

type quiet struct{ testing.TB }

func (quiet) Helper() {}

func exampleShop(opts fulfillment.ServiceOptions) *env {
	e := newEnv(quiet{&testing.T{}}, &envConfig{opts: opts})
	e.location("east", 1, nil)
	e.location("west", 2, func(l *inventory.Location) { l.Pickup = true })
	e.location("3pl", 3, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	for _, s := range []oms.SKU{"MUG", "TEE"} {
		e.item(s, "")
	}
	return e
}

// A split shipment: the east warehouse has the mugs, the west one the
// T-shirts; Process ships from both.
func ExampleService_Process() {
	e := exampleShop(fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	e.stock("TEE", "west", 5)
	o := e.place(nil, small("MUG", 2), small("TEE", 1))
	res, err := e.svc.Process(context.Background(), o.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	slices.SortFunc(res.Shipments, func(a, b *fulfillment.Shipment) int { return strings.Compare(string(a.Location), string(b.Location)) })
	for _, sh := range res.Shipments {
		fmt.Println(sh.Location, sh.Status, sh.ServiceCode, len(sh.Packages), "package(s)")
	}
	fmt.Println("order", res.Order.FulfillmentStatus())
	// Output:
	// east shipped ground 1 package(s)
	// west shipped ground 1 package(s)
	// order shipped
}

// A move: the fulfillment order goes from east to west before work starts.
func ExampleService_Move() {
	e := exampleShop(fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	ctx := context.Background()
	e.stock("MUG", "east", 5)
	e.stock("MUG", "west", 5)
	o := e.place(nil, small("MUG", 2))
	fos, _ := e.svc.Allocate(ctx, o.ID)
	moved, err := e.svc.Move(ctx, fos[0].ID, "west")
	if err != nil {
		fmt.Println(err)
		return
	}
	old, _ := e.svc.FulfillmentOrder(ctx, fos[0].ID)
	east, _ := e.inv.Level(ctx, "MUG", "east")
	west, _ := e.inv.Level(ctx, "MUG", "west")
	fmt.Println("old:", old.Location, old.Status, "new:", moved.Location, moved.Status)
	fmt.Println("reserved east", east.Reserved, "west", west.Reserved)
	// Output:
	// old: east closed new: west open
	// reserved east 0 west 2
}

// A pickup order: no label; ready for pickup, then picked up.
func ExampleService_PickedUp() {
	e := exampleShop(fulfillment.ServiceOptions{})
	ctx := context.Background()
	e.stock("MUG", "west", 5)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "west"} }, small("MUG", 1))
	res, err := e.svc.Process(ctx, o.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	sh := res.Shipments[0]
	fmt.Println(sh.Location, sh.Status, "labels:", e.carrier.Purchases())
	sh, _ = e.svc.PickedUp(ctx, sh.ID)
	fmt.Println(sh.Status, e.order(o.ID).Status)
	// Output:
	// west ready_for_pickup labels: 0
	// picked_up completed
}

type provider struct{}

func (provider) Submit(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	return fulfillment.ProviderDecision{Accepted: true, Message: "will ship today"}, nil
}

func (provider) Cancel(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	return fulfillment.ProviderDecision{Accepted: false, Message: "already shipped"}, nil
}

// A third-party request: Process submits it; the provider ships and
// reports its tracking number.
func ExampleService_ThirdPartyShipped() {
	e := exampleShop(fulfillment.ServiceOptions{Provider: provider{}})
	ctx := context.Background()
	e.stock("TEE", "3pl", 9)
	o := e.place(nil, small("TEE", 3))
	res, err := e.svc.Process(ctx, o.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fo := res.FulfillmentOrders[0]
	fmt.Println(fo.Location, fo.Request, res.Waiting[0].Reason)
	sh, err := e.svc.ThirdPartyShipped(ctx, fo.ID, fulfillment.ThirdPartyShipment{Carrier: "fake", TrackingNumbers: []string{"3PL-1"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fo, _ = e.svc.FulfillmentOrder(ctx, fo.ID)
	fmt.Println(sh.Status, fo.Status, fo.Request, e.order(o.ID).FulfillmentStatus())
	// Output:
	// 3pl accepted with provider: accepted
	// shipped closed closed shipped
}

// The planner alone: fewest shipments first, priority to break ties; the
// SKU that allows backorders waits at the location with stock on its way.
func ExampleAllocate() {
	here := inventory.Coordinates{Latitude: 40.7, Longitude: -74.0}
	locs := []inventory.Location{
		{ID: "nyc", Active: true, Ships: true, Priority: 2, Coordinates: &inventory.Coordinates{Latitude: 40.7, Longitude: -73.9}},
		{ID: "chi", Active: true, Ships: true, Priority: 1, Coordinates: &inventory.Coordinates{Latitude: 41.9, Longitude: -87.6}},
	}
	plan, err := fulfillment.Allocate(fulfillment.PlanRequest{
		Lines: []fulfillment.PlanLine{
			{LineID: "l1", SKU: "MUG", Quantity: 2},
			{LineID: "l2", SKU: "TEE", Quantity: 1},
			{LineID: "l3", SKU: "HAT", Quantity: 3},
		},
		Coordinates: &here,
		Locations:   locs,
		Stock: []fulfillment.Supply{
			{SKU: "MUG", Location: "chi", Available: 1}, {SKU: "MUG", Location: "nyc", Available: 5},
			{SKU: "TEE", Location: "chi", Available: 4}, {SKU: "TEE", Location: "nyc", Available: 1},
		},
		Inbound:  []fulfillment.InboundSupply{{SKU: "HAT", Location: "chi", Quantity: 50}},
		Policies: []fulfillment.SKUPolicy{{SKU: "MUG", Tracked: true}, {SKU: "TEE", Tracked: true}, {SKU: "HAT", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}},
		Strategy: fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority()),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range plan.Shipments {
		fmt.Println("ship from", s.Location, s.Lines)
	}
	for _, b := range plan.Backorders {
		fmt.Println("backorder", b.Quantity, b.SKU, "at", b.Location, b.Reason)
	}
	// Output:
	// ship from nyc [{l1 MUG 2} {l2 TEE 1}]
	// backorder 3 HAT at chi no_stock
}
