// Command quickstart walks one order through oms from checkout to the
// customer's door, all in memory: place the order, reserve its stock, pack it
// into boxes, rate-shop two carriers, ship it, follow its tracking to
// delivery, and relay every domain event to a publisher. It needs no setup:
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
	"github.com/omskit/oms/tracking"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

var warehouse = oms.Address{Company: "Example Goods", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}

// run is the whole tour; w receives what a shop's log would show.
func run(ctx context.Context, w io.Writer) error {
	// One clock and one outbox for the whole shop: every store saves its
	// events into the outbox in the same write as its aggregate.
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	outbox := oms.NewMemoryOutbox(nil)
	orders := order.NewService(order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: outbox}), &order.ServiceOptions{Clock: clock})
	stock := inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: outbox}), &inventory.ServiceOptions{Clock: clock})
	tracker := tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: outbox}), &tracking.ServiceOptions{Clock: clock})

	// 1. Stock: one warehouse, two SKUs.
	if err := stock.PutLocation(ctx, inventory.Location{ID: "newark", Name: "Newark DC", Kind: inventory.KindWarehouse,
		Active: true, Ships: true, Address: warehouse, Channels: []inventory.Channel{"web"}}); err != nil {
		return err
	}
	for sku, qty := range map[oms.SKU]int64{"MUG-BLUE": 40, "TEE-M": 12} {
		if err := stock.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			return err
		}
		if _, err := stock.Receive(ctx, inventory.Receipt{SKU: sku, Location: "newark", Quantity: qty}); err != nil {
			return err
		}
	}

	// 2. Checkout: place the order. The idempotency key makes a retried
	// checkout return the same order.
	in := order.PlaceInput{
		IdempotencyKey: "cart-7",
		Currency:       oms.USD,
		Customer:       order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York",
			Region: "NY", PostalCode: "10118", Country: "US", Residential: true},
		Shipping: order.ShippingOption{ServiceLevel: "standard", Name: "Standard"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: 3, UnitPrice: usd("12.00"), Tax: usd("2.88"),
				UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 2, UnitPrice: usd("20.00"), Tax: usd("3.20"),
				UnitWeight: oms.Grams(180), UnitDimensions: oms.DimensionsMM(250, 200, 20)},
		},
		Discounts:      []order.Discount{{Code: "WELCOME10", Amount: usd("10.00")}},
		ShippingCharge: usd("5.00"),
		Payment:        order.PaymentInput{Authorized: usd("77.08"), Reference: "auth_123"},
	}
	o, err := orders.Place(ctx, in)
	if err != nil {
		return err
	}
	if o, err = orders.Confirm(ctx, o.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "order %s %s: subtotal %s, discount %s, shipping %s, tax %s, total %s\n",
		o.Number, o.Status, o.Totals.Subtotal, o.Totals.Discount, o.Totals.Shipping, o.Totals.Tax, o.Totals.GrandTotal)

	// 3. Allocate: reserve every line in one all-or-nothing operation, under
	// an ID derived from the order, so running this step again finds the
	// reservation instead of reserving twice.
	resID := oms.DeriveID(o.ID, "reservation")
	var resLines []inventory.Line
	var all []order.LineQuantity
	for _, l := range o.Lines {
		resLines = append(resLines, inventory.Line{SKU: l.SKU, Location: "newark", Quantity: l.Quantity})
		all = append(all, order.LineQuantity{LineID: l.ID, Quantity: l.Quantity})
	}
	for range 2 { // the second pass is a replay: nothing new is reserved
		if _, err := stock.Reserve(ctx, inventory.ReserveRequest{ID: resID, Reference: string(o.ID), Lines: resLines}); err != nil {
			return err
		}
	}
	if o, err = orders.RecordAllocation(ctx, o.ID, order.CounterInput{Key: string(resID), Lines: all}); err != nil {
		return err
	}
	mugs, err := stock.Level(ctx, "MUG-BLUE", "newark")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "reserved: order %s, mugs on hand %d, reserved %d, available %d\n", o.FulfillmentStatus(), mugs.OnHand, mugs.Reserved, mugs.Available())

	// 4. Pack: choose boxes and place every unit.
	var items []packing.Item
	for _, l := range o.Lines {
		items = append(items, packing.Item{ID: string(l.SKU), SKU: l.SKU, Dimensions: l.UnitDimensions, Weight: l.UnitWeight, Quantity: l.Quantity, Rotation: packing.RotationAny})
	}
	boxes := []packing.BoxType{
		{Name: "S", Inner: oms.DimensionsMM(260, 210, 110), Outer: oms.DimensionsMM(270, 220, 120), EmptyWeight: oms.Grams(150), MaxWeight: oms.Kilograms(10)},
		{Name: "M", Inner: oms.DimensionsMM(310, 260, 210), Outer: oms.DimensionsMM(320, 270, 220), EmptyWeight: oms.Grams(250), MaxWeight: oms.Kilograms(20)},
		{Name: "L", Inner: oms.DimensionsMM(410, 310, 310), Outer: oms.DimensionsMM(420, 320, 320), EmptyWeight: oms.Grams(400), MaxWeight: oms.Kilograms(30)},
	}
	packed, err := packing.Pack(items, boxes, nil)
	if err != nil {
		return err
	}
	if !packed.Complete() {
		return fmt.Errorf("could not pack: %+v", packed.Unpacked)
	}
	var parcels []shipping.Parcel
	for _, b := range packed.Boxes {
		fmt.Fprintf(w, "packed box %s: %d units, %s gross, %.0f%% full\n", b.Name, len(b.Items), b.GrossWeight, 100*b.Utilisation)
		parcels = append(parcels, shipping.Parcel{Dimensions: b.Outer, Weight: b.GrossWeight, Contents: "housewares"})
	}

	// 5. Rate-shop two carriers at once and take the cheapest rate.
	shopper, err := newShopper(clock)
	if err != nil {
		return err
	}
	res, err := shopper.Shop(ctx, shipping.RateRequest{Origin: warehouse, Destination: o.ShippingAddress, Parcels: parcels, Currency: oms.USD})
	if err != nil {
		return err
	}
	for _, r := range res.Rates {
		fmt.Fprintf(w, "rate %-22s %-9s %s\n", r.Key(), r.Level, r.Price)
	}
	best, err := shipping.Cheapest(res.Rates)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "chosen: %s\n", best.Key())

	// 6. Ship: record packing and shipment on the order, take the units off
	// the shelf, and start tracking the parcel.
	const trackingNumber = "1Z999AA10123456784"
	if o, err = orders.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "pack-1", Lines: all}); err != nil {
		return err
	}
	if o, err = orders.RecordShipment(ctx, o.ID, order.CounterInput{Key: "ship-1", Reference: trackingNumber, Lines: all}); err != nil {
		return err
	}
	if _, err := stock.Commit(ctx, inventory.CommitRequest{Key: "ship-1", Reservation: resID}); err != nil {
		return err
	}
	if _, err := tracker.Register(ctx, tracking.Registration{Carrier: best.Carrier, TrackingNumber: trackingNumber,
		ShipmentRef: "ship-1", OrderRef: o.ID, CustomerID: "cus_1"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "shipped: order %s\n", o.FulfillmentStatus())

	// 7. Track: carrier scans arrive out of order and twice; the tracker
	// ends delivered all the same.
	scan := func(hour int, status, text string) tracking.Event {
		e := tracking.MapEvent(tracking.EasyPostMapper{}, status, "", text)
		e.Time = time.Date(2026, 11, 24, hour, 0, 0, 0, time.UTC)
		return e
	}
	delivered := scan(14, "delivered", "Delivered, front door")
	for _, batch := range [][]tracking.Event{
		{scan(8, "in_transit", "Arrived at facility"), delivered},
		{scan(9, "out_for_delivery", "Out for delivery"), delivered},
	} {
		clock.Advance(time.Hour)
		r, err := tracker.Apply(ctx, tracking.Update{Carrier: best.Carrier, TrackingNumber: trackingNumber, Events: batch})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "tracking update: %d new, %d duplicate, status %s\n", r.Applied, r.Duplicates, r.Status)
	}
	if o, err = orders.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "delivered-" + trackingNumber, Reference: trackingNumber, Lines: all}); err != nil {
		return err
	}
	fmt.Fprintf(w, "order %s, %s\n", o.Status, o.FulfillmentStatus())

	// 8. Relay: hand every saved event to the host's publisher, in order
	// per aggregate.
	counts := map[string]int{}
	relay := oms.NewRelay(outbox, oms.PublisherFunc(func(_ context.Context, e oms.Event) error {
		counts[e.AggregateKind]++
		return nil
	}), nil)
	for outbox.PendingCount() > 0 {
		if _, err := relay.RunOnce(ctx); err != nil {
			return err
		}
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "published %d %s events\n", counts[k], k)
	}
	rep, err := stock.Reconcile(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "stock ledger reconciles: %v\n", rep.Clean())
	return nil
}

// newShopper sets up two carriers the shop prices itself: a zone table for
// ground and express, and a flat-rate local courier.
func newShopper(clock oms.Clock) (*shipping.RateShopper, error) {
	ground, err := shipping.NewTableRateCarrier(shipping.TableRateConfig{
		Code:     "parcelco",
		Name:     "ParcelCo",
		Currency: oms.USD,
		Zones: []shipping.ZoneRule{
			{Zone: "domestic", Country: "US"},
			{Zone: "east", Country: "US", Region: "NY"},
		},
		Services: []shipping.TableService{
			{Code: "ground", Name: "Ground", Level: oms.LevelStandard},
			{Code: "express", Name: "Express", Level: oms.LevelExpress},
		},
		Rows: []shipping.TableRow{
			{Service: "ground", Zone: "east", TransitDays: 2, TransitDaysMax: 3, Brackets: []shipping.WeightBracket{
				{UpTo: oms.Kilograms(1), Price: usd("5.00")}, {UpTo: oms.Kilograms(5), Price: usd("7.50")}}},
			{Service: "ground", Zone: "domestic", TransitDays: 3, TransitDaysMax: 5, Base: usd("6.00"), PerKg: usd("1.10")},
			{Service: "express", Zone: "domestic", TransitDays: 1, Base: usd("15.00"), PerKg: usd("2.00")},
		},
		Surcharges: []shipping.Surcharge{{Name: "residential", Amount: usd("2.50"), ResidentialOnly: true}},
		Clock:      clock,
	})
	if err != nil {
		return nil, err
	}
	courier, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code: "citycourier",
		Services: []shipping.FlatRateService{
			{Code: "next_day", Name: "Next day", Level: oms.LevelOvernight, Price: usd("11.00"), TransitDays: 1, Countries: []string{"US"}},
		},
		Clock: clock,
	})
	if err != nil {
		return nil, err
	}
	return shipping.NewRateShopper([]shipping.Carrier{ground, courier}, &shipping.RateShopperOptions{Clock: clock})
}
