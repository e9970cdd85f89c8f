// Command split allocates an order that no single warehouse can fill. The
// planner is a pure function: the example asks it the same question under
// three strategies (priority order, fewest shipments, nearest first) and with
// splitting forbidden. Then the fulfillment service reserves the plan in one
// all-or-nothing reservation, ships from two warehouses, and the order is
// delivered when both parcels have arrived.
//
//	go run ./examples/split
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/democarrier"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "split:", err)
		os.Exit(1)
	}
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// The shop's three warehouses, in priority order, and where they are.
var warehouses = []inventory.Location{
	warehouse("newark", "Newark", "NJ", "07102", 1, 40.73, -74.17),
	warehouse("dallas", "Dallas", "TX", "75201", 2, 32.78, -96.80),
	warehouse("reno", "Reno", "NV", "89501", 3, 39.53, -119.81),
}

func warehouse(id oms.ID, city, region, zip string, prio int, lat, lon float64) inventory.Location {
	return inventory.Location{ID: id, Name: city + " DC", Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: prio,
		Channels: []inventory.Channel{"web"}, Coordinates: &inventory.Coordinates{Latitude: lat, Longitude: lon},
		Address: oms.Address{Company: "Example Goods", Line1: "1 Dock Rd", City: city, Region: region, PostalCode: zip, Country: "US"}}
}

// stock is what each warehouse has: nobody has everything.
var stock = map[oms.ID]map[oms.SKU]int64{
	"newark": {"MUG": 10, "TEE": 1},
	"dallas": {"MUG": 2, "TEE": 3},
	"reno":   {"TEE": 5, "LAMP": 2},
}

// The customer, in Seattle.
var (
	customer = oms.Address{Name: "Grace Hopper", Line1: "400 Broad St", City: "Seattle", Region: "WA", PostalCode: "98109", Country: "US"}
	seattle  = inventory.Coordinates{Latitude: 47.62, Longitude: -122.35}
	lines    = []order.LineInput{
		{SKU: "MUG", Name: "Mug", Quantity: 2, UnitPrice: usd("12.00"), UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)},
		{SKU: "TEE", Name: "T-shirt", Quantity: 3, UnitPrice: usd("20.00"), UnitWeight: oms.Grams(180), UnitDimensions: oms.DimensionsMM(250, 200, 20)},
		{SKU: "LAMP", Name: "Desk lamp", Quantity: 1, UnitPrice: usd("45.00"), UnitWeight: oms.Grams(1800), UnitDimensions: oms.DimensionsMM(200, 200, 300)},
	}
)

func run(ctx context.Context, w io.Writer) error {
	if err := plans(w); err != nil {
		return err
	}
	return service(ctx, w)
}

// plans asks the pure planner for the order under several strategies.
func plans(w io.Writer) error {
	req := fulfillment.PlanRequest{ShipTo: customer, Coordinates: &seattle, Locations: warehouses}
	for i, l := range lines {
		req.Lines = append(req.Lines, fulfillment.PlanLine{LineID: oms.ID(fmt.Sprintf("line-%d", i+1)), SKU: l.SKU, Quantity: l.Quantity})
	}
	for _, wh := range warehouses {
		for sku, n := range stock[wh.ID] {
			req.Stock = append(req.Stock, fulfillment.Supply{SKU: sku, Location: wh.ID, Available: n})
		}
		fmt.Fprintf(w, "%-7s has %s\n", wh.ID, have(stock[wh.ID]))
	}
	fmt.Fprintf(w, "order: 2 MUG, 3 TEE, 1 LAMP to Seattle\n\n")
	for _, s := range []struct {
		name     string
		strategy fulfillment.Strategy
	}{
		{"priority order", fulfillment.ByPriority()},
		{"fewest shipments", fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority())},
		{"nearest first", fulfillment.ByNearest()},
	} {
		req.Strategy = s.strategy
		plan, err := fulfillment.Allocate(req)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-17s %d shipments: %s\n", s.name+":", len(plan.Shipments), describe(plan))
	}

	// With splitting forbidden, no warehouse can ship the whole order and
	// these SKUs deny backorders: the plan is refused, naming the lines.
	req.Strategy, req.Rules = fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority()), fulfillment.Rules{MaxShipments: 1}
	_, err := fulfillment.Allocate(req)
	var short *fulfillment.ShortageError
	if !errors.As(err, &short) {
		return fmt.Errorf("one shipment only: want a shortage, got %v", err)
	}
	var missing []string
	for _, l := range short.Lines {
		missing = append(missing, fmt.Sprintf("%s %d of %d", l.SKU, l.Available, l.Requested))
	}
	fmt.Fprintf(w, "%-17s refused, the best single warehouse lacks %s (ErrInsufficientStock: %v)\n",
		"one shipment:", strings.Join(missing, ", "), errors.Is(err, oms.ErrInsufficientStock))
	return nil
}

// service runs the order through the fulfillment service: allocate,
// reserve, pick, pack, ship from two warehouses, deliver.
func service(ctx context.Context, w io.Writer) error {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	outbox := oms.NewMemoryOutbox(nil)
	orders := order.NewService(order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: outbox}), &order.ServiceOptions{Clock: clock})
	inv := inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: outbox}), &inventory.ServiceOptions{Clock: clock})
	track := tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: outbox}), &tracking.ServiceOptions{Clock: clock})
	carrier := democarrier.New(&democarrier.Options{Clock: clock})
	ful, err := fulfillment.NewService(fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: outbox}), orders, inv, track, &fulfillment.ServiceOptions{
		Clock:    clock,
		Carriers: []shipping.Carrier{carrier},
		Strategy: fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority()),
	})
	if err != nil {
		return err
	}
	for _, wh := range warehouses {
		if err := inv.PutLocation(ctx, wh); err != nil {
			return err
		}
	}
	for _, sku := range []oms.SKU{"MUG", "TEE", "LAMP"} {
		if err := inv.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			return err
		}
	}
	for _, wh := range warehouses {
		for sku, n := range stock[wh.ID] {
			if _, err := inv.Receive(ctx, inventory.Receipt{SKU: sku, Location: wh.ID, Quantity: n}); err != nil {
				return err
			}
		}
	}

	o, err := orders.Place(ctx, order.PlaceInput{IdempotencyKey: "cart-42", Channel: "web", Currency: oms.USD,
		Customer: order.Customer{ID: "cus_grace", Email: "grace@example.com", Name: "Grace Hopper"}, ShippingAddress: customer,
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"}, Lines: lines,
		Payment: order.PaymentInput{Authorized: usd("129.00"), Reference: "auth_42"}})
	if err != nil {
		return err
	}
	if o, err = orders.Confirm(ctx, o.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "\norder %s placed: %s\n", o.Number, o.Totals.GrandTotal)

	// Process runs every step the order needs now. Running it again (after
	// a crash, say) finds each step done and does nothing twice.
	res, err := ful.Process(ctx, o.ID)
	if err != nil {
		return err
	}
	if _, err := ful.Process(ctx, o.ID); err != nil {
		return err
	}
	for _, sh := range res.Shipments {
		fmt.Fprintf(w, "shipment from %-6s %s %s, %s: %s\n", sh.Location, sh.Carrier, sh.ServiceCode, sh.Cost, packages(sh))
	}
	fmt.Fprintf(w, "labels bought: %d (Process ran twice); order %s\n", carrier.Labels(), res.Order.FulfillmentStatus())
	for _, wh := range warehouses {
		var parts []string
		for _, sku := range []oms.SKU{"MUG", "TEE", "LAMP"} {
			if l, err := inv.Level(ctx, sku, wh.ID); err == nil && l.OnHand+l.Reserved > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", l.OnHand, sku))
			}
		}
		fmt.Fprintf(w, "  %-7s left: %s\n", wh.ID, strings.Join(parts, ", "))
	}

	// The carrier reports each parcel delivered; the order is delivered
	// when every package of every shipment is.
	for _, sh := range res.Shipments {
		clock.Advance(24 * time.Hour)
		for _, p := range sh.Packages {
			if _, err := ful.ApplyTracking(ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber,
				Status: tracking.StatusDelivered, At: clock.Now()}); err != nil {
				return err
			}
		}
		if o, err = orders.Get(ctx, o.ID); err != nil {
			return err
		}
		fmt.Fprintf(w, "parcel from %s delivered: order %s, %s\n", sh.Location, o.Status, o.FulfillmentStatus())
	}
	return nil
}

// describe prints a plan as "newark: 2 MUG, 1 TEE | reno: ...".
func describe(p fulfillment.Plan) string {
	var parts []string
	for _, s := range p.Shipments {
		var items []string
		for _, l := range s.Lines {
			items = append(items, fmt.Sprintf("%d %s", l.Quantity, l.SKU))
		}
		parts = append(parts, string(s.Location)+" "+strings.Join(items, ", "))
	}
	return strings.Join(parts, " | ")
}

// packages lists a shipment's boxes and what is in them.
func packages(sh *fulfillment.Shipment) string {
	var parts []string
	for _, p := range sh.Packages {
		var items []string
		for _, it := range p.Items {
			items = append(items, fmt.Sprintf("%d %s", it.Quantity, it.SKU))
		}
		parts = append(parts, fmt.Sprintf("box %s [%s] %s", p.Box, strings.Join(items, ", "), p.TrackingNumber))
	}
	return strings.Join(parts, "; ")
}

// have prints a warehouse's stock in a fixed SKU order.
func have(s map[oms.SKU]int64) string {
	var parts []string
	for _, sku := range []oms.SKU{"MUG", "TEE", "LAMP"} {
		if n := s[sku]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sku))
		}
	}
	return strings.Join(parts, ", ")
}
