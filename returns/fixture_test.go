package returns_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping/shippingtest"
)

var (
	customerAddress = oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"}
	warehouse       = oms.Address{Name: "Returns dept", Line1: "1 Dock Rd", City: "Columbus", Region: "OH", PostalCode: "43004", Country: "US"}
	start           = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

// lossyGateway is the fake gateway, except that it can lose the answer of
// refunds that went through: the money moved, the caller saw an error.
type lossyGateway struct {
	*ordertest.FakeGateway
	mu   sync.Mutex
	lose int
}

func (g *lossyGateway) loseNextRefunds(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lose = n
}

func (g *lossyGateway) Refund(ctx context.Context, req order.RefundRequest) (order.PaymentResult, error) {
	res, err := g.FakeGateway.Refund(ctx, req)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil && g.lose > 0 {
		g.lose--
		return order.PaymentResult{}, errors.New("gateway timeout after the refund went through")
	}
	return res, err
}

// registrar records tracking registrations.
type registrar struct {
	mu   sync.Mutex
	regs []returns.TrackingRegistration
}

func (r *registrar) Register(_ context.Context, reg returns.TrackingRegistration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.regs {
		if x == reg {
			return nil
		}
	}
	r.regs = append(r.regs, reg)
	return nil
}

// tb is what the fixture needs of a test; examples pass a panicker.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// panicker is a tb for examples.
type panicker struct{}

func (panicker) Helper()                           {}
func (panicker) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (panicker) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// shop wires the order, inventory, carrier and returns services over
// memory stores sharing one outbox and one manual clock.
type shop struct {
	t        tb
	ctx      context.Context
	clock    *oms.ManualClock
	outbox   *oms.MemoryOutbox
	gw       *lossyGateway
	orders   *order.Service
	orderDB  *order.MemoryStore
	inv      *inventory.Service
	carrier  *shippingtest.FakeCarrier
	tracking *registrar
	store    *returns.MemoryStore
	svc      *returns.Service
}

func newShop(t tb, policy *returns.Policy) *shop {
	t.Helper()
	s := &shop{t: t, ctx: context.Background(), clock: oms.NewManualClock(start), outbox: oms.NewMemoryOutbox(nil),
		gw: &lossyGateway{FakeGateway: ordertest.NewFakeGateway()}, tracking: &registrar{}}
	s.orderDB = order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: s.outbox})
	s.orders = order.NewService(s.orderDB, &order.ServiceOptions{Clock: s.clock, Gateway: s.gw})
	s.inv = inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: s.outbox}), &inventory.ServiceOptions{Clock: s.clock})
	for _, loc := range []oms.ID{"WH1", "WH2"} {
		if err := s.inv.PutLocation(s.ctx, inventory.Location{ID: loc, Name: string(loc), Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sku := range []oms.SKU{"MUG-BLUE", "TEE-M", "TEE-L", "LAMP"} {
		if err := s.inv.PutItem(s.ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.inv.Receive(s.ctx, inventory.Receipt{SKU: sku, Location: "WH1", Quantity: 10}); err != nil {
			t.Fatal(err)
		}
	}
	s.carrier = shippingtest.NewFakeCarrier("ups", &shippingtest.FakeCarrierOptions{Clock: s.clock, TrackingNumbers: []string{"1ZRET1", "1ZRET2", "1ZRET3", "1ZRET4"}})
	s.store = returns.NewMemoryStore(&returns.MemoryStoreOptions{Outbox: s.outbox})
	if policy == nil {
		p := returns.DefaultPolicy()
		p.AdvanceExchanges = true
		policy = &p
	}
	var err error
	s.svc, err = returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: s.carrier,
		ReturnAddress: warehouse, Tracking: s.tracking, Policy: policy, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// delivered places the two-line order (3 blue mugs at 12.00 with 2.88
// tax, a tee at 20.00 with 1.60 tax, 10.00 off, 5.00 shipping: 55.48),
// ships and delivers it: everything is captured.
func (s *shop) delivered(key string) *order.Order {
	s.t.Helper()
	return s.deliveredN(key, 3, 1)
}

// deliveredN is delivered with mugs mugs (tax 0.96 each) and tees tees
// (tax 1.60 each).
func (s *shop) deliveredN(key string, mugs, tees int64) *order.Order {
	s.t.Helper()
	o, err := s.orders.Place(s.ctx, order.PlaceInput{
		IdempotencyKey: key, Currency: oms.USD, Channel: "web",
		Customer:        order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: customerAddress,
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: mugs, UnitPrice: usd("12.00"), Tax: usd("0.96").Mul(mugs)},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: tees, UnitPrice: usd("20.00"), Tax: usd("1.60").Mul(tees)},
		},
		Discounts:      []order.Discount{{Code: "WELCOME10", Amount: usd("10.00")}},
		ShippingCharge: usd("5.00"),
		Payment:        order.PaymentInput{Method: "tok_visa"},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if o, err = s.orders.Confirm(s.ctx, o.ID); err != nil {
		s.t.Fatal(err)
	}
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: mugs}, {LineID: o.Lines[1].ID, Quantity: tees}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
	} {
		if o, err = step(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}); err != nil {
			s.t.Fatal(err)
		}
	}
	if o.Status != order.StatusCompleted || !o.Payment.Captured.Equal(o.Totals.GrandTotal) {
		s.t.Fatalf("order %s, captured %s", o.Status, o.Payment.Captured)
	}
	return o
}

func (s *shop) order(id oms.ID) *order.Order {
	s.t.Helper()
	o, err := s.orders.Get(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

func (s *shop) ret(id oms.ID) *returns.Return {
	s.t.Helper()
	r, err := s.store.Get(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

func (s *shop) level(sku oms.SKU, loc oms.ID) inventory.Level {
	s.t.Helper()
	l, err := s.inv.Level(s.ctx, sku, loc)
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

func (s *shop) eventTypes(id oms.ID) []string {
	var out []string
	for _, e := range s.outbox.Events(id) {
		out = append(out, e.Type)
	}
	return out
}

func ok[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
