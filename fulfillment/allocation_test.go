package fulfillment_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// racingInventory lets another buyer take stock just before the first
// reservations of the flow (a lost race).
type racingInventory struct {
	inventory.Store
	mu    sync.Mutex
	races int
	steal func(ctx context.Context, s inventory.Store)
	// giveBack, when set, runs after the flow's reservation failed: the
	// other buyer lets go, so the next plan sees the stock again.
	giveBack func(ctx context.Context)
}

func (s *racingInventory) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	s.mu.Lock()
	race := s.races > 0
	if race {
		s.races--
	}
	s.mu.Unlock()
	if race {
		s.steal(ctx, s.Store)
	}
	res, created, err := s.Store.Reserve(ctx, r, ev)
	if race && s.giveBack != nil {
		s.giveBack(ctx)
	}
	return res, created, err
}

func TestAllocateReplansAfterLosingRace(t *testing.T) {
	var inv *racingInventory
	n := 0
	e := newEnv(t, &envConfig{wrapInv: func(s inventory.Store) inventory.Store {
		inv = &racingInventory{Store: s, races: 1}
		inv.steal = func(ctx context.Context, st inventory.Store) {
			n++
			_, _, _ = st.Reserve(ctx, inventory.Reservation{ID: oms.ID(fmt.Sprintf("thief-%d", n)), Status: inventory.StatusActive, Version: 1,
				Lines: []inventory.ReservationLine{{SKU: "MUG", Location: "east", Quantity: 4}}}, oms.Event{})
		}
		return inv
	}})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 4)
	e.stock("MUG", "west", 4)
	o := e.place(nil, small("MUG", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(fos) != 1 || fos[0].Location != "west" {
		t.Fatalf("after losing east to a race: %+v", fos)
	}
	a, _ := e.store.Allocation(e.ctx, fulfillment.AllocationID(o.ID))
	if a.Attempts != 1 {
		t.Errorf("attempts %d", a.Attempts)
	}
	// Racing every time, the other buyer letting go after each lost race:
	// the shortage is reported after MaxReplans.
	inv.races = 100
	inv.steal = func(ctx context.Context, st inventory.Store) {
		n++
		_, _, _ = st.Reserve(ctx, inventory.Reservation{ID: oms.ID(fmt.Sprintf("thief-%d", n)), Status: inventory.StatusActive, Version: 1,
			Lines: []inventory.ReservationLine{{SKU: "MUG", Location: "west", Quantity: 1}}}, oms.Event{})
	}
	inv.giveBack = func(ctx context.Context) {
		if _, err := e.inv.Release(ctx, inventory.ReleaseRequest{Key: "give-back", Reservation: oms.ID(fmt.Sprintf("thief-%d", n))}); err != nil {
			t.Error(err)
		}
	}
	o2 := e.place(nil, small("MUG", 1))
	_, err = e.svc.Allocate(e.ctx, o2.ID)
	var se *fulfillment.ShortageError
	if !errors.As(err, &se) || len(se.Lines) != 1 {
		t.Fatalf("err = %v, want a *ShortageError", err)
	}
}

func TestFewestShipmentsHeuristicBeyondExactSearch(t *testing.T) {
	r := fulfillment.PlanRequest{Strategy: fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority())}
	// 14 locations each holding one SKU, and one big location far down the
	// priority list holding all: the greedy cover finds it.
	for i := 0; i < 14; i++ {
		id := oms.ID(fmt.Sprintf("L%02d", i))
		r.Locations = append(r.Locations, loc(id, i, 0, 0))
		r.Stock = append(r.Stock, sup(oms.SKU(fmt.Sprintf("S%d", i%5)), id, 5))
	}
	r.Locations = append(r.Locations, loc("BIG", 99, 0, 0))
	for k := 0; k < 5; k++ {
		r.Stock = append(r.Stock, sup(oms.SKU(fmt.Sprintf("S%d", k)), "BIG", 5))
		r.Lines = append(r.Lines, pl(oms.ID(fmt.Sprint(k)), oms.SKU(fmt.Sprintf("S%d", k)), 2))
	}
	p, err := fulfillment.Allocate(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Locations(); len(got) != 1 || got[0] != "BIG" {
		t.Errorf("heuristic: %v, want [BIG]", got)
	}
	r.Strategy = nil
	if p, _ := fulfillment.Allocate(r); len(p.Shipments) != 5 {
		t.Errorf("priority: %d shipments", len(p.Shipments))
	}
}

func TestTableRateCostEstimates(t *testing.T) {
	c := shippingtest.NewFakeCarrier("fake", nil)
	est := fulfillment.TableRateCost(c, customer)
	got, err := est(loc("A", 1, 0, 0), shipping.Parcel{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(500)})
	if err != nil || !got.Equal(usd("7.50")) {
		t.Errorf("estimate: %v %v, want the cheapest 7.50 USD", got, err)
	}
	c.SetError(errors.New("down"))
	if _, err := est(loc("A", 1, 0, 0), shipping.Parcel{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(500)}); err == nil {
		t.Error("a failing carrier gave an estimate")
	}
	r := baseRequest()
	r.Strategy = fulfillment.ByLowestCost()
	r.Cost = func(l inventory.Location, p shipping.Parcel) (oms.Money, error) {
		return oms.Money{}, errors.New("unknown")
	}
	if _, err := fulfillment.Allocate(r); err != nil {
		t.Errorf("unknown costs: %v", err)
	}
}

func TestStatusTables(t *testing.T) {
	for _, s := range fulfillment.Statuses() {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if s.Final() != (s == fulfillment.StatusClosed || s == fulfillment.StatusCancelled || s == fulfillment.StatusIncomplete) {
			t.Errorf("%s final = %v", s, s.Final())
		}
	}
	if fulfillment.Status("lost").Valid() || fulfillment.CanTransition(fulfillment.StatusClosed, fulfillment.StatusOpen) {
		t.Error("status table accepts nonsense")
	}
	for _, r := range []fulfillment.RequestStatus{fulfillment.RequestNone, fulfillment.RequestSubmitted, fulfillment.RequestClosed} {
		if !r.Valid() {
			t.Errorf("request %q not valid", r)
		}
	}
	if fulfillment.RequestStatus("maybe").Valid() || fulfillment.ShipmentStatus("gone").Valid() || fulfillment.PackageStatus("x").Valid() {
		t.Error("unknown statuses accepted")
	}
	if !fulfillment.ShipmentDelivered.Valid() || !fulfillment.PackageLost.Valid() || !fulfillment.HoldOther.Valid() || fulfillment.HoldReason("x").Valid() {
		t.Error("known statuses refused")
	}
	if fulfillment.CanShipmentTransition(fulfillment.ShipmentDelivered, fulfillment.ShipmentShipped) {
		t.Error("a delivered shipment may not go back")
	}
}

func TestPickupShortAndPickedUpErrors(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
	e.stock("MUG", "shop", 5)
	e.stock("MUG", "east", 5)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("MUG", 3))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	if fo.Location != "shop" || !fo.Pickup {
		t.Fatalf("pickup plan: %+v", fo)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, []fulfillment.Picked{{LineID: fo.Lines[0].LineID, Quantity: 2}}); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Shipments) != 1 {
		t.Fatalf("%v", err)
	}
	sh := res.Shipments[0]
	if sh.Status != fulfillment.ShipmentReadyForPickup || sh.Packages[0].Items[0].Quantity != 2 {
		t.Fatalf("ready: %s %+v", sh.Status, sh.Packages)
	}
	if got := e.order(o.ID); got.Lines[0].Cancelled != 1 {
		t.Errorf("the unit picked short at the pickup store is cancelled: %+v", got.Lines[0])
	}
	if sh, err = e.svc.PickedUp(e.ctx, sh.ID); err != nil || sh.Status != fulfillment.ShipmentPickedUp {
		t.Fatalf("picked up: %v", err)
	}
	if again, err := e.svc.PickedUp(e.ctx, sh.ID); err != nil || again.Version != sh.Version {
		t.Errorf("replayed pick-up: %v", err)
	}
	if got := e.order(o.ID); got.Status != order.StatusCompleted || got.Lines[0].Delivered != 2 {
		t.Errorf("order after pick-up: %s %+v", got.Status, got.Lines[0])
	}
	if fo, _ = e.svc.FulfillmentOrder(e.ctx, fo.ID); fo.Status != fulfillment.StatusIncomplete {
		t.Errorf("pickup fulfillment order: %s", fo.Status)
	}
	if lv := e.level("MUG", "shop"); lv.OnHand != 2 || lv.Reserved != 0 {
		t.Errorf("shop stock: %+v", lv)
	}
	e.reconcile()
	// A shipped order is not a pickup.
	o2 := e.place(nil, small("MUG", 1))
	if _, err := e.svc.Process(e.ctx, o2.ID); err != nil {
		t.Fatal(err)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o2.ID)
	e.svc.ConfirmPicks(e.ctx, fos[0].ID, nil)
	res, _ = e.svc.Process(e.ctx, o2.ID)
	if _, err := e.svc.PickedUp(e.ctx, res.Shipments[0].ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("picking up a shipped order: %v", err)
	}
	if _, err := e.svc.PickedUp(e.ctx, "nope"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown shipment: %v", err)
	}
}

func TestDigitalLinesDeliveredWithAllocation(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(func(in *order.PlaceInput) {
		in.Lines = append(in.Lines, order.LineInput{SKU: "EBOOK", Name: "ebook", Quantity: 1, UnitPrice: usd("5.00"), NoShipping: true})
	}, small("MUG", 1))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FulfillmentOrders) != 1 || len(res.Shipments) != 1 {
		t.Fatalf("%d fulfillment orders", len(res.FulfillmentOrders))
	}
	for _, l := range res.Order.Lines {
		if l.SKU == "EBOOK" && l.Delivered != 1 {
			t.Errorf("digital line: %+v", l)
		}
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
}

func TestOrderCancelledByHostReleasesStock(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 2)
	e.stock("MUG", "west", 5)
	o := e.place(nil, small("MUG", 4))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, fo := range res.FulfillmentOrders {
		if fo.Status != fulfillment.StatusCancelled {
			t.Errorf("%s at %s: %s", fo.ID, fo.Location, fo.Status)
		}
	}
	for _, l := range []oms.ID{"east", "west"} {
		if lv := e.level("MUG", l); lv.Reserved != 0 {
			t.Errorf("%s still reserved: %+v", l, lv)
		}
	}
	e.reconcile()
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
}

func TestAllocateExtremeQuantities(t *testing.T) {
	r := baseRequest()
	r.Cost = func(inventory.Location, shipping.Parcel) (oms.Money, error) { return usd("1.00"), nil }
	r.Strategy = fulfillment.ByLowestCost()
	r.Lines = []fulfillment.PlanLine{{LineID: "1", SKU: "X", Quantity: oms.MaxQuantity, UnitWeight: oms.Weight(1 << 40), UnitDimensions: oms.DimensionsMM(1, 1, 1)}}
	r.Stock = []fulfillment.Supply{sup("X", "A", oms.MaxQuantity), sup("X", "B", -oms.MaxQuantity), sup("X", "B", -oms.MaxQuantity)}
	r.Policies = []fulfillment.SKUPolicy{{SKU: "X", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: oms.MaxQuantity}}}
	p, err := fulfillment.Allocate(r)
	if err != nil || len(p.Shipments) != 1 || p.Shipments[0].Lines[0].Quantity != oms.MaxQuantity {
		t.Fatalf("%v %+v", err, p)
	}
	many := baseRequest()
	for i := 0; i <= fulfillment.MaxPlanLines; i++ {
		many.Lines = append(many.Lines, pl(oms.ID(fmt.Sprint("x", i)), "X", 1))
	}
	if _, err := fulfillment.Allocate(many); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("%d lines: %v", len(many.Lines), err)
	}
}

// TestAllocateAfterRefusalWhenStockArrives: an order refused after its
// re-plans ran out is allocated by a later run once stock is there (the
// re-plan budget is per run: a saved count of earlier re-plans stopped
// every later run from re-planning).
func TestAllocateAfterRefusalWhenStockArrives(t *testing.T) {
	var inv *racingInventory
	n := 0
	e := newEnv(t, &envConfig{wrapInv: func(s inventory.Store) inventory.Store {
		inv = &racingInventory{Store: s, races: 100}
		return inv
	}})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 1)
	inv.steal = func(ctx context.Context, st inventory.Store) {
		n++
		_, _, _ = st.Reserve(ctx, inventory.Reservation{ID: oms.ID(fmt.Sprintf("thief-%d", n)), Status: inventory.StatusActive, Version: 1,
			Lines: []inventory.ReservationLine{{SKU: "MUG", Location: "east", Quantity: 1}}}, oms.Event{})
	}
	inv.giveBack = func(ctx context.Context) {
		_, _ = e.inv.Release(ctx, inventory.ReleaseRequest{Key: "give-back", Reservation: oms.ID(fmt.Sprintf("thief-%d", n))})
	}
	o := e.place(nil, small("MUG", 1))
	if _, err := e.svc.Allocate(e.ctx, o.ID); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Fatalf("racing: %v", err)
	}
	inv.races = 0
	// The stock the saved plan counted on is gone; another location has some.
	if _, err := e.inv.Adjust(e.ctx, inventory.Adjustment{SKU: "MUG", Location: "east", Reason: inventory.ReasonLoss, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	e.location("west", 2, nil)
	e.stock("MUG", "west", 5)
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil || len(fos) != 1 || fos[0].Location != "west" {
		t.Fatalf("after the races: %v %+v", err, fos)
	}
}

// TestOrderCancelledAfterInterruptedAllocation: the reservation of an
// allocation interrupted before its fulfillment orders existed is
// released when the order is cancelled.
func TestOrderCancelledAfterInterruptedAllocation(t *testing.T) {
	f := &faults{}
	e := faultEnv(t, f)
	o := e.place(nil, small("SMALL", 2))
	f.on, f.k = true, 3 // plan saved (1), reserved (2), fulfillment orders not saved (3)
	if _, err := e.svc.Allocate(e.ctx, o.ID); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v", err)
	}
	if lv := e.level("SMALL", "west"); lv.Reserved != 2 {
		t.Fatalf("reserved %d", lv.Reserved)
	}
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "changed mind"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("SMALL", "west"); lv.Reserved != 0 {
		t.Errorf("reservation left after the order was cancelled: %+v", lv)
	}
	e.reconcile()
}
