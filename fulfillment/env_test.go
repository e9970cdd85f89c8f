package fulfillment_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

var customer = oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"}

func whAddr(city string) oms.Address {
	return oms.Address{Name: "DC " + city, Line1: "1 Dock Rd", City: city, Region: "NJ", PostalCode: "07102", Country: "US"}
}

// env is one shop: order, inventory, tracking and fulfillment services
// over memory stores sharing an outbox, a fake carrier and gateway.
type env struct {
	t       testing.TB
	ctx     context.Context
	clock   *oms.ManualClock
	outbox  *oms.MemoryOutbox
	orders  *order.Service
	inv     *inventory.Service
	track   *tracking.Service
	store   fulfillment.Store
	carrier *shippingtest.FakeCarrier
	gw      *ordertest.FakeGateway
	svc     *fulfillment.Service
	seq     int
}

type envConfig struct {
	opts     fulfillment.ServiceOptions
	wrap     func(fulfillment.Store) fulfillment.Store
	wrapInv  func(inventory.Store) inventory.Store
	wrapOrd  func(order.Store) order.Store
	wrapTrk  func(tracking.Store) tracking.Store
	carrier  func(*shippingtest.FakeCarrier) shipping.Carrier
	noTrack  bool
	outbox   *oms.MemoryOutbox
	gwPolicy order.CapturePolicy
}

func newEnv(t testing.TB, cfg *envConfig) *env {
	t.Helper()
	if cfg == nil {
		cfg = &envConfig{}
	}
	e := &env{t: t, ctx: context.Background(), clock: oms.NewManualClock(t0)}
	e.outbox = cfg.outbox
	if e.outbox == nil {
		e.outbox = oms.NewMemoryOutbox(nil)
	}
	e.gw = ordertest.NewFakeGateway()
	var os order.Store = order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: e.outbox})
	if cfg.wrapOrd != nil {
		os = cfg.wrapOrd(os)
	}
	pol := cfg.gwPolicy
	if pol == "" {
		pol = order.CaptureOnShipment
	}
	e.orders = order.NewService(os, &order.ServiceOptions{Clock: e.clock, Gateway: e.gw, CapturePolicy: pol})
	var is inventory.Store = inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: e.outbox})
	if cfg.wrapInv != nil {
		is = cfg.wrapInv(is)
	}
	e.inv = inventory.NewService(is, &inventory.ServiceOptions{Clock: e.clock})
	if !cfg.noTrack {
		var ts tracking.Store = tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: e.outbox})
		if cfg.wrapTrk != nil {
			ts = cfg.wrapTrk(ts)
		}
		e.track = tracking.NewService(ts, &tracking.ServiceOptions{Clock: e.clock})
	}
	e.store = fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: e.outbox})
	if cfg.wrap != nil {
		e.store = cfg.wrap(e.store)
	}
	e.carrier = shippingtest.NewFakeCarrier("fake", &shippingtest.FakeCarrierOptions{Clock: e.clock})
	opts := cfg.opts
	opts.Clock = e.clock
	var c shipping.Carrier = e.carrier
	if cfg.carrier != nil {
		c = cfg.carrier(e.carrier)
	}
	if opts.Carriers == nil {
		opts.Carriers = []shipping.Carrier{c}
	}
	svc, err := fulfillment.NewService(e.store, e.orders, e.inv, e.track, &opts)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

func (e *env) location(id oms.ID, prio int, mod func(*inventory.Location)) {
	e.t.Helper()
	l := inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: prio,
		Address: whAddr(string(id)), Channels: []inventory.Channel{"web"}}
	if mod != nil {
		mod(&l)
	}
	if err := e.inv.PutLocation(e.ctx, l); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) item(sku oms.SKU, mode inventory.BackorderMode) {
	e.t.Helper()
	it := inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: mode}}
	if mode == inventory.BackorderPreorder {
		it.Backorder.Limit, it.Backorder.ExpectedAt = 10, t0.AddDate(0, 0, 14)
	}
	if err := e.inv.PutItem(e.ctx, it); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) stock(sku oms.SKU, loc oms.ID, qty int64) {
	e.t.Helper()
	if _, err := e.inv.Receive(e.ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: qty}); err != nil {
		e.t.Fatal(err)
	}
}

type lineSpec struct {
	sku  oms.SKU
	qty  int64
	dims oms.Dimensions
}

func small(sku oms.SKU, qty int64) lineSpec {
	return lineSpec{sku: sku, qty: qty, dims: oms.DimensionsMM(100, 80, 60)}
}

func big(sku oms.SKU, qty int64) lineSpec {
	return lineSpec{sku: sku, qty: qty, dims: oms.DimensionsMM(550, 380, 380)}
}

// place places and confirms an order.
func (e *env) place(mod func(*order.PlaceInput), lines ...lineSpec) *order.Order {
	e.t.Helper()
	e.seq++
	in := order.PlaceInput{IdempotencyKey: "cart-" + itoa(e.seq), Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "cus_1", Email: "ada@example.com"},
		ShippingAddress: customer, Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard},
		Payment: order.PaymentInput{Method: "tok_visa"}}
	for _, l := range lines {
		in.Lines = append(in.Lines, order.LineInput{SKU: l.sku, Name: string(l.sku), Quantity: l.qty, UnitPrice: usd("10.00"),
			UnitWeight: oms.Grams(400), UnitDimensions: l.dims})
	}
	if mod != nil {
		mod(&in)
	}
	o, err := e.orders.Place(e.ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	if o, err = e.orders.Confirm(e.ctx, o.ID); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

// deliver reports a package delivered through tracking and relays the
// events to the fulfillment service.
func (e *env) trackingStatus(number string, st tracking.Status, reason tracking.Reason) {
	e.t.Helper()
	e.clock.Advance(time.Hour)
	if _, err := e.track.Apply(e.ctx, tracking.Update{Carrier: "fake", TrackingNumber: number, Events: []tracking.Event{{
		ID: number + string(st) + e.clock.Now().String(), Time: e.clock.Now(), Status: st, Reason: reason}}}); err != nil {
		e.t.Fatal(err)
	}
	e.relay()
}

// relay hands every pending event to the fulfillment service.
func (e *env) relay() {
	e.t.Helper()
	r := oms.NewRelay(e.outbox, oms.PublisherFunc(e.svc.HandleEvent), nil)
	for {
		n, err := r.RunOnce(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (e *env) level(sku oms.SKU, loc oms.ID) inventory.Level {
	e.t.Helper()
	l, err := e.inv.Level(e.ctx, sku, loc)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

func (e *env) reconcile() {
	e.t.Helper()
	r, err := e.inv.Reconcile(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if !r.Clean() {
		e.t.Fatalf("inventory does not reconcile: %+v", r.Mismatches)
	}
}

func (e *env) order(id oms.ID) *order.Order {
	e.t.Helper()
	o, err := e.orders.Get(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// counters returns each line's counters as "sku q/c/a/f/s/d".
func counters(o *order.Order) map[oms.SKU][6]int64 {
	out := map[oms.SKU][6]int64{}
	for _, l := range o.Lines {
		out[l.SKU] = [6]int64{l.Quantity, l.Cancelled, l.Allocated, l.Fulfilled, l.Shipped, l.Delivered}
	}
	return out
}
