// Command quickstart walks one order through oms from checkout to the
// customer's door and back, all in memory: quote and place the order, let
// fulfillment allocate it across two warehouses, pick, pack, rate-shop and
// ship it, follow its tracking to delivery, and take one item back for a
// refund. Every store saves its events to one outbox, and a relay hands
// them to the fulfillment service (which moves shipments on tracking
// events) and to notify, which tells the customer of each milestone once
// (printed here). It
// needs no setup:
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/democarrier"
	"github.com/omskit/oms/examples/internal/demopay"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
	"github.com/omskit/oms/tracking"
	"github.com/shopspring/decimal"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

func dc(name, city, region, postal string) oms.Address {
	return oms.Address{Company: "Example Goods", Name: name, Line1: "1 Dock Rd", City: city, Region: region, PostalCode: postal, Country: "US"}
}

// shop is every service of the tour, over memory stores that share one
// outbox and one clock.
type shop struct {
	clock   *oms.ManualClock
	outbox  *oms.MemoryOutbox
	orders  *order.Service
	stock   *inventory.Service
	tracker *tracking.Service
	ship    *fulfillment.Service
	returns *returns.Service
	notify  *notify.Notifier
	carrier *democarrier.Carrier
}

func newShop(w io.Writer) (*shop, error) {
	s := &shop{clock: oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	s.outbox = oms.NewMemoryOutbox(nil)
	// New York charges sales tax on goods and shipping, added on top.
	tax, err := order.NewTaxTable([]order.TaxRate{{Country: "US", Region: "NY", Rate: decimal.RequireFromString("0.08875"), Shipping: true}})
	if err != nil {
		return nil, err
	}
	s.orders = order.NewService(order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: s.outbox}),
		&order.ServiceOptions{Clock: s.clock, Gateway: demopay.New(), CapturePolicy: order.CaptureOnShipment, Tax: tax})
	s.stock = inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: s.outbox}), &inventory.ServiceOptions{Clock: s.clock})
	s.tracker = tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: s.outbox}), &tracking.ServiceOptions{Clock: s.clock})
	s.carrier = democarrier.New(&democarrier.Options{Clock: s.clock})
	s.ship, err = fulfillment.NewService(fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: s.outbox}),
		s.orders, s.stock, s.tracker, &fulfillment.ServiceOptions{
			Clock:    s.clock,
			Carriers: []shipping.Carrier{s.carrier},
			// Fewest shipments first; between equals, the location's priority.
			Strategy: fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority()),
			Boxes: []packing.BoxType{
				{Name: "S", Inner: oms.DimensionsMM(260, 210, 110), Outer: oms.DimensionsMM(270, 220, 120), EmptyWeight: oms.Grams(150), MaxWeight: oms.Kilograms(10)},
				{Name: "M", Inner: oms.DimensionsMM(310, 260, 210), Outer: oms.DimensionsMM(320, 270, 220), EmptyWeight: oms.Grams(250), MaxWeight: oms.Kilograms(20)},
			},
		})
	if err != nil {
		return nil, err
	}
	s.returns, err = returns.NewService(returns.NewMemoryStore(&returns.MemoryStoreOptions{Outbox: s.outbox}), &returns.ServiceOptions{
		Orders: s.orders, Inventory: s.stock, Carrier: s.carrier, ReturnAddress: dc("Returns", "Newark", "NJ", "07102"), Clock: s.clock,
	})
	if err != nil {
		return nil, err
	}
	// The customer hears of each milestone once; here the "e-mail" is
	// printed.
	s.notify, err = notify.New(notify.NewMemoryStore(), &notify.Options{Clock: s.clock,
		Sender: notify.SenderFunc(func(_ context.Context, m notify.Message) error {
			fmt.Fprintf(w, "  %s to %s: %s\n    %s\n", m.Channel, m.To, m.Subject, body(m.Text))
			return nil
		})})
	return s, err
}

// Publish hands one saved event to the shop's consumers, as a message bus
// would: fulfillment follows tracking's events, notify tells the customer.
// The relay calls it for every event, at least once and in order per
// aggregate; both consumers ignore what they have already seen.
func (s *shop) Publish(ctx context.Context, e oms.Event) error {
	if err := s.ship.HandleEvent(ctx, e); err != nil {
		return err
	}
	return s.notify.Publish(ctx, e)
}

// run is the whole tour; w receives what a shop's log would show.
func run(ctx context.Context, w io.Writer) error {
	s, err := newShop(w)
	if err != nil {
		return err
	}
	say := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	relay := oms.NewRelay(s.outbox, s, &oms.RelayOptions{Clock: s.clock})
	drain := func() error { _, err := relay.Drain(ctx); return err }

	// 1. Stock: mugs in Newark, T-shirts in Reno.
	say("== stock")
	for _, l := range []inventory.Location{
		{ID: "newark", Name: "Newark DC", Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: 1, Address: dc("Newark DC", "Newark", "NJ", "07102"), Channels: []inventory.Channel{"web"}},
		{ID: "reno", Name: "Reno DC", Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: 2, Address: dc("Reno DC", "Reno", "NV", "89501"), Channels: []inventory.Channel{"web"}},
	} {
		if err := s.stock.PutLocation(ctx, l); err != nil {
			return err
		}
	}
	for _, r := range []struct {
		sku oms.SKU
		loc oms.ID
		qty int64
	}{{"MUG-BLUE", "newark", 40}, {"TEE-M", "reno", 12}} {
		if err := s.stock.PutItem(ctx, inventory.Item{SKU: r.sku, Tracked: true}); err != nil {
			return err
		}
		if _, err := s.stock.Receive(ctx, inventory.Receipt{SKU: r.sku, Location: r.loc, Quantity: r.qty}); err != nil {
			return err
		}
		say("%s: %d on hand at %s", r.sku, r.qty, r.loc)
	}

	// 2. Checkout: quote the cart (tax from the table), then place it. The
	// gateway authorizes exactly the quoted total, and the idempotency key
	// makes a retried checkout return the same order.
	say("== checkout")
	in := order.PlaceInput{
		IdempotencyKey: "cart-7",
		Channel:        "web",
		Currency:       oms.USD,
		Customer:       order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York",
			Region: "NY", PostalCode: "10118", Country: "US", Residential: true},
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: 3, UnitPrice: usd("12.00"),
				UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 2, UnitPrice: usd("20.00"),
				UnitWeight: oms.Grams(180), UnitDimensions: oms.DimensionsMM(250, 200, 20)},
		},
		Discounts:      []order.Discount{{Code: "WELCOME10", Amount: usd("10.00")}},
		ShippingCharge: usd("5.00"),
		Payment:        order.PaymentInput{Method: "tok_visa"},
	}
	q, err := s.orders.Quote(ctx, in)
	if err != nil {
		return err
	}
	say("quote: subtotal %s, discount %s, shipping %s, tax %s, total %s",
		q.Totals.Subtotal, q.Totals.Discount, q.Totals.Shipping, q.Totals.Tax, q.Totals.GrandTotal)
	o, err := s.orders.Place(ctx, in)
	if err != nil {
		return err
	}
	if o, err = s.orders.Confirm(ctx, o.ID); err != nil {
		return err
	}
	say("order %s %s: total %s, authorized %s, on hold: %v", o.Number, o.Status, o.Totals.GrandTotal, o.Payment.Authorized, o.OnHold())
	if err := drain(); err != nil {
		return err
	}

	// 3. Fulfillment: one call allocates (one all-or-nothing reservation
	// under an ID derived from the order), picks, packs, rate-shops, buys
	// each label under a derived key, commits the stock and moves the
	// order. Running it again finds all of that done and does nothing.
	say("== fulfillment")
	res, err := s.ship.Process(ctx, o.ID)
	if err != nil {
		return err
	}
	if _, err := s.ship.Process(ctx, o.ID); err != nil {
		return err
	}
	shipments := res.Shipments
	slices.SortFunc(shipments, func(a, b *fulfillment.Shipment) int { return strings.Compare(string(a.Location), string(b.Location)) })
	for _, sh := range shipments {
		say("shipment from %s (the only location with %s): %s/%s %s (the cheapest rate at the level asked), cost %s",
			sh.Location, skus(sh), sh.Carrier, sh.ServiceCode, sh.Level, sh.Cost)
		for _, p := range sh.Packages {
			say("  box %s, %s gross, tracking %s", p.Box, p.Parcel.Weight, p.TrackingNumber)
		}
	}
	if o, err = s.orders.Get(ctx, o.ID); err != nil {
		return err
	}
	say("order %s, captured %s (on shipment), labels bought: %d", o.FulfillmentStatus(), o.Payment.Captured, s.carrier.Labels())
	if err := drain(); err != nil {
		return err
	}

	// 4. Tracking: scans arrive (one twice, one out of order). The relay
	// hands tracking's events to fulfillment, which marks each package and
	// delivers the shipment when its last package arrives, and to notify.
	say("== tracking")
	// The parcels travel for two days; scans reach us afterwards.
	s.clock.Set(time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC))
	scan := func(day, hour int, status, text string) tracking.Event {
		e := tracking.MapEvent(tracking.EasyPostMapper{}, status, "", text)
		e.Time = time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC)
		return e
	}
	for _, sh := range shipments {
		p := sh.Packages[0]
		delivered := scan(25, 14, "delivered", "Delivered, front door")
		for _, batch := range [][]tracking.Event{
			{scan(24, 8, "in_transit", "Arrived at facility"), delivered},
			{scan(25, 9, "out_for_delivery", "Out for delivery"), delivered},
		} {
			s.clock.Advance(time.Minute)
			r, err := s.tracker.Apply(ctx, tracking.Update{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Events: batch})
			if err != nil {
				return err
			}
			say("%s: %d new, %d duplicate scans, status %s", p.TrackingNumber, r.Applied, r.Duplicates, r.Status)
		}
		if err := drain(); err != nil {
			return err
		}
	}
	if o, err = s.orders.Get(ctx, o.ID); err != nil {
		return err
	}
	say("order %s, %s", o.Status, o.FulfillmentStatus())

	// 5. A return: one mug does not suit. The policy allows it, a label is
	// bought, the parcel comes back, is inspected and restocked, and the
	// refund is exactly the mug's share of price, discount and tax.
	say("== return")
	s.clock.Advance(48 * time.Hour)
	mug := o.Lines[0]
	ret, err := s.returns.Request(ctx, returns.RequestInput{Key: "rma-1", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Comment: "too small"}}})
	if err != nil {
		return err
	}
	if ret, err = s.returns.Approve(ctx, ret.ID, returns.StatusInput{By: "support"}); err != nil {
		return err
	}
	parcel := shipping.Parcel{Dimensions: oms.DimensionsMM(200, 150, 150), Weight: oms.Grams(500)}
	if ret, err = s.returns.IssueLabel(ctx, ret.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); err != nil {
		return err
	}
	say("return %s %s, label %s", ret.Status, ret.Lines[0].Reason, ret.Label.TrackingNumbers[0])
	for i, st := range []returns.CarrierStatus{returns.CarrierInTransit, returns.CarrierDelivered} {
		if ret, err = s.returns.Track(ctx, returns.TrackingUpdate{Key: fmt.Sprint("ret-scan-", i), TrackingNumber: ret.Label.TrackingNumbers[0], Status: st}); err != nil {
			return err
		}
		say("return %s", ret.Status)
	}
	if ret, err = s.returns.Inspect(ctx, ret.ID, returns.InspectInput{Key: "insp-1", Units: []returns.UnitInspection{
		{LineID: ret.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "newark"}}}); err != nil {
		return err
	}
	if ret, err = s.returns.Resolve(ctx, ret.ID, returns.ResolveInput{}); err != nil {
		return err
	}
	b := ret.Refund.Breakdown
	for _, l := range b.Lines {
		say("refund %s: %s", l.SKU, l.Amount)
	}
	say("return %s: refunded %s (restocking fee %s, return shipping %s)", ret.Status, b.Total, b.RestockingFee, b.ReturnShipping)
	if o, err = s.orders.Get(ctx, o.ID); err != nil {
		return err
	}
	if err := drain(); err != nil {
		return err
	}
	mugs, err := s.stock.Level(ctx, "MUG-BLUE", "newark")
	if err != nil {
		return err
	}
	say("order paid %s, refunded %s; mugs on hand at newark: %d", o.Payment.Captured, o.Payment.Refunded, mugs.OnHand)

	rep, err := s.stock.Reconcile(ctx)
	if err != nil {
		return err
	}
	say("stock ledger reconciles: %v", rep.Clean())
	return nil
}

// skus lists the SKUs a shipment carries.
func skus(sh *fulfillment.Shipment) string {
	var out []string
	for _, p := range sh.Packages {
		for _, it := range p.Items {
			s := fmt.Sprintf("%s x%d", it.SKU, it.Quantity)
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return strings.Join(out, ", ")
}

// body returns the first paragraph of a message after its greeting.
func body(text string) string {
	paras := strings.Split(strings.TrimSpace(text), "\n\n")
	if len(paras) > 1 {
		return strings.ReplaceAll(paras[1], "\n", " ")
	}
	return paras[0]
}
