package sim

import (
	"context"
	"errors"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/demopay"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

// Stores are the stores a simulated shop runs on. Every store appends its
// events to Outbox in the same write, which the simulation's relay drains.
// A nil Notify runs notify on its memory store; a nil OrderNumbers numbers
// orders with order's default sequence.
type Stores struct {
	// Outbox holds every store's events until the relay publishes them.
	Outbox oms.Outbox
	// Orders is the order.Store.
	Orders order.Store
	// Inventory is the inventory.Store; it must be empty.
	Inventory inventory.Store
	// Tracking is the tracking.Store.
	Tracking tracking.Store
	// Fulfillment is the fulfillment.Store.
	Fulfillment fulfillment.Store
	// Returns is the returns.Store.
	Returns returns.Store
	// Notify is notify's store; nil is a memory store.
	Notify notify.Store
	// OrderNumbers numbers the orders (a database sequence, so that many
	// processes share one series); nil is order's default sequence.
	OrderNumbers order.NumberGenerator
}

// MemoryStores returns every store in memory over one memory outbox: what
// a run uses when Config.Stores is nil.
func MemoryStores() *Stores {
	out := oms.NewMemoryOutbox(nil)
	return &Stores{
		Outbox:      out,
		Orders:      order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: out}),
		Inventory:   inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: out}),
		Tracking:    tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: out}),
		Fulfillment: fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: out}),
		Returns:     returns.NewMemoryStore(&returns.MemoryStoreOptions{Outbox: out}),
		Notify:      notify.NewMemoryStore(),
	}
}

// shop is the whole shop over a Stores: the services, a demo payment
// gateway, and one relay that hands every event to the services that react
// to it.
type shop struct {
	Orders      *order.Service
	Stock       *inventory.Service
	Tracking    *tracking.Service
	Fulfillment *fulfillment.Service
	Returns     *returns.Service
	Notify      *notify.Notifier
	relay       *oms.Relay
}

// shopOptions are the shop's collaborators.
type shopOptions struct {
	clock         oms.Clock
	carriers      []shipping.Carrier
	shopper       *shipping.RateShopperOptions
	sender        notify.Sender
	returnAddress oms.Address
}

// newShop wires the services over st.
func newShop(st *Stores, opts shopOptions) (*shop, error) {
	if st.Outbox == nil || st.Orders == nil || st.Inventory == nil || st.Tracking == nil || st.Fulfillment == nil || st.Returns == nil {
		return nil, oms.Validationf("sim", "stores", "need an outbox and the order, inventory, tracking, fulfillment and returns stores")
	}
	if len(opts.carriers) == 0 {
		return nil, oms.Validationf("sim", "carriers", "is empty")
	}
	ns := st.Notify
	if ns == nil {
		ns = notify.NewMemoryStore()
	}
	s := &shop{}
	s.Orders = order.NewService(st.Orders, &order.ServiceOptions{Clock: opts.clock, Gateway: demopay.New(),
		CapturePolicy: order.CaptureOnShipment, Numbers: st.OrderNumbers})
	s.Stock = inventory.NewService(st.Inventory, &inventory.ServiceOptions{Clock: opts.clock})
	s.Tracking = tracking.NewService(st.Tracking, &tracking.ServiceOptions{Clock: opts.clock})
	var err error
	if s.Fulfillment, err = fulfillment.NewService(st.Fulfillment, s.Orders, s.Stock, s.Tracking, &fulfillment.ServiceOptions{
		Clock: opts.clock, Carriers: opts.carriers, Shopper: opts.shopper,
		Strategy: fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority()),
	}); err != nil {
		return nil, err
	}
	if s.Returns, err = returns.NewService(st.Returns, &returns.ServiceOptions{
		Orders: s.Orders, Inventory: s.Stock, Carrier: opts.carriers[0], ReturnAddress: opts.returnAddress, Clock: opts.clock,
	}); err != nil {
		return nil, err
	}
	if s.Notify, err = notify.New(ns, &notify.Options{Sender: opts.sender, Clock: opts.clock}); err != nil {
		return nil, err
	}
	s.relay = oms.NewRelay(st.Outbox, oms.PublisherFunc(s.publish), &oms.RelayOptions{Clock: opts.clock})
	return s, nil
}

// publish hands an event to every service that reacts to events: notify
// takes them all; fulfillment follows the parcels' tracking.
func (s *shop) publish(ctx context.Context, e oms.Event) error {
	err := s.Notify.Publish(ctx, e)
	if e.AggregateKind == tracking.AggregateKind {
		err = errors.Join(err, s.Fulfillment.HandleEvent(ctx, e))
	}
	return err
}

// Drain publishes every pending event (and the events their handling
// saves), and returns how many it published.
func (s *shop) Drain(ctx context.Context) (int, error) {
	return s.relay.Drain(ctx)
}
