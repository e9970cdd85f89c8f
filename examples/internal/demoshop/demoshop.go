// Package demoshop wires a whole shop for the example programs: the order,
// inventory, tracking, fulfillment, returns and notify services over memory
// stores that share one outbox, a demo carrier and payment gateway, and one
// relay that hands every event to the services that react to it. It is the
// wiring a host writes once; the examples that need the whole flow share it.
package demoshop

import (
	"context"
	"errors"
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
)

// Options configures New. Clock is required; the rest has defaults.
type Options struct {
	// Clock is the shop's one clock.
	Clock oms.Clock
	// Carriers are rate-shopped for every shipment and buy return labels
	// (the first); default one democarrier.
	Carriers []shipping.Carrier
	// Shopper tunes the rate shopper (timeouts, breakers).
	Shopper *shipping.RateShopperOptions
	// Strategy orders locations for allocation; default fewest shipments,
	// then priority.
	Strategy fulfillment.Strategy
	// Boxes are the packing boxes; default fulfillment.DefaultBoxes.
	Boxes []packing.BoxType
	// Policy is the return policy; default returns.DefaultPolicy.
	Policy *returns.Policy
	// Sender receives the customer messages; default discards them.
	Sender notify.Sender
	// ReturnAddress is where returns go.
	ReturnAddress oms.Address
}

// Shop is one shop's services. Every service is safe for concurrent use;
// Drain runs from one goroutine at a time.
type Shop struct {
	// Clock is the shop's clock (Options.Clock).
	Clock oms.Clock
	// Outbox holds every service's events until Drain publishes them.
	Outbox *oms.MemoryOutbox
	// Gateway is the payment gateway orders authorize, capture and refund
	// through.
	Gateway *demopay.Gateway
	// The services, each over its memory store.
	Orders      *order.Service
	Stock       *inventory.Service
	Tracking    *tracking.Service
	Fulfillment *fulfillment.Service
	Returns     *returns.Service
	// Notify hears every event: it sends the customer messages to
	// Options.Sender and keeps each order's status view.
	Notify *notify.Notifier
	relay  *oms.Relay
}

// New wires a shop.
func New(opts Options) (*Shop, error) {
	if opts.Clock == nil {
		return nil, oms.Validationf("demoshop", "clock", "is required")
	}
	s := &Shop{Clock: opts.Clock, Outbox: oms.NewMemoryOutbox(nil), Gateway: demopay.New()}
	if opts.Carriers == nil {
		opts.Carriers = []shipping.Carrier{democarrier.New(&democarrier.Options{Clock: opts.Clock})}
	}
	if opts.Strategy == nil {
		opts.Strategy = fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority())
	}
	if opts.Sender == nil {
		opts.Sender = notify.SenderFunc(func(context.Context, notify.Message) error { return nil })
	}
	s.Orders = order.NewService(order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: s.Outbox}),
		&order.ServiceOptions{Clock: opts.Clock, Gateway: s.Gateway, CapturePolicy: order.CaptureOnShipment})
	s.Stock = inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: s.Outbox}), &inventory.ServiceOptions{Clock: opts.Clock})
	s.Tracking = tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: s.Outbox}), &tracking.ServiceOptions{Clock: opts.Clock})
	var err error
	if s.Fulfillment, err = fulfillment.NewService(fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: s.Outbox}), s.Orders, s.Stock, s.Tracking, &fulfillment.ServiceOptions{
		Clock: opts.Clock, Carriers: opts.Carriers, Shopper: opts.Shopper, Strategy: opts.Strategy, Boxes: opts.Boxes,
	}); err != nil {
		return nil, err
	}
	if s.Returns, err = returns.NewService(returns.NewMemoryStore(&returns.MemoryStoreOptions{Outbox: s.Outbox}), &returns.ServiceOptions{
		Orders: s.Orders, Inventory: s.Stock, Carrier: opts.Carriers[0], ReturnAddress: opts.ReturnAddress, Policy: opts.Policy, Clock: opts.Clock,
	}); err != nil {
		return nil, err
	}
	if s.Notify, err = notify.New(notify.NewMemoryStore(), &notify.Options{Sender: opts.Sender, Clock: opts.Clock}); err != nil {
		return nil, err
	}
	s.relay = oms.NewRelay(s.Outbox, oms.PublisherFunc(s.publish), &oms.RelayOptions{Clock: opts.Clock})
	return s, nil
}

// publish hands an event to every service that reacts to events: notify
// takes them all; fulfillment follows the parcels' tracking.
func (s *Shop) publish(ctx context.Context, e oms.Event) error {
	err := s.Notify.Publish(ctx, e)
	if e.AggregateKind == tracking.AggregateKind {
		err = errors.Join(err, s.Fulfillment.HandleEvent(ctx, e))
	}
	return err
}

// Drain publishes every pending event (and the events their handling
// saves), and returns how many it published. Run it from one goroutine at a
// time.
func (s *Shop) Drain(ctx context.Context) (int, error) {
	return s.relay.Drain(ctx)
}

// Scan applies a carrier scan made at time at to a parcel, as a webhook or a
// poll would.
func (s *Shop) Scan(ctx context.Context, carrier, number string, at time.Time, status tracking.Status, text, where string) error {
	e := tracking.Event{Time: at, Status: status, RawCode: string(status), RawText: text, Location: where}.Normalize()
	_, err := s.Tracking.Apply(ctx, tracking.Update{Carrier: carrier, TrackingNumber: number, Events: []tracking.Event{e}})
	return err
}
