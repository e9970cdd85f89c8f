package fulfillment

import (
	"time"

	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
	"github.com/omskit/oms/tracking"
)

// PickMode says who confirms picks.
type PickMode string

// Pick modes.
const (
	// PickAuto: Process confirms every pick in full itself (a shop
	// without a pick step, or a simulation).
	PickAuto PickMode = "auto"
	// PickManual: Process starts picking and waits for ConfirmPicks.
	PickManual PickMode = "manual"
)

// Valid reports whether m is a known pick mode.
func (m PickMode) Valid() bool { return m == PickAuto || m == PickManual }

// ServiceOptions configures NewService. The zero value (or nil) means defaults.
type ServiceOptions struct {
	// Clock is where the service reads time. Nil means the system clock.
	Clock oms.Clock
	// Carriers are rate-shopped for every shipment; label buying needs
	// carriers that implement shipping.LabelBuyer.
	Carriers []shipping.Carrier
	// Shopper tunes the rate shopper built over Carriers; nil means
	// defaults.
	Shopper *shipping.RateShopperOptions
	// RatePolicy chooses among rates of the order's service level. The
	// zero Policy means: the cheapest rate delivering by the promised date
	// when the order has one, else the cheapest.
	RatePolicy shipping.Policy
	// Boxes are the box types packing uses. Nil means DefaultBoxes.
	Boxes []packing.BoxType
	// PackBudget bounds the packer's search (see packing.Options);
	// zero means a small budget fit for interactive use (200,000).
	PackBudget int64
	// Bins locates SKUs in a location for pick lists; nil sorts by SKU.
	Bins BinLocator
	// Provider receives requests for third-party locations.
	Provider Provider
	// Strategy orders locations for allocation; nil means
	// Then(ByPriority()).
	Strategy Strategy
	// Rules constrain every plan (split, held locations, backorders).
	Rules Rules
	// Cost, when set, returns a cost estimator for an order (for
	// ByLowestCost).
	Cost func(o *order.Order) CostEstimator
	// Picking says who confirms picks; empty means PickAuto.
	Picking PickMode
	// VerifyPacking makes Process wait until every package is verified
	// with VerifyPack before buying labels.
	VerifyPacking bool
	// MaxReplans bounds the re-plans after a reservation lost a race for
	// stock; zero means 3.
	MaxReplans int
	// MaxRetries bounds the retries (after the first attempt) of a
	// command that lost an optimistic concurrency race (oms.ErrConflict),
	// as in order and inventory; zero
	// means 16.
	MaxRetries int
	// Zone returns the IANA time zone of a delivery address, in which the
	// promised date ends for tracking's lateness rule; nil means UTC.
	Zone func(a oms.Address) string
	// Logger receives warnings; nil means none.
	Logger *slog.Logger
}

// DefaultBoxes returns three general boxes: small (20×15×10 cm), medium
// (40×30×20 cm) and large (60×40×40 cm), up to 30 kg.
func DefaultBoxes() []packing.BoxType {
	return []packing.BoxType{
		{Name: "small", Inner: oms.DimensionsMM(200, 150, 100), EmptyWeight: oms.Grams(100), MaxWeight: oms.Kilograms(30)},
		{Name: "medium", Inner: oms.DimensionsMM(400, 300, 200), EmptyWeight: oms.Grams(300), MaxWeight: oms.Kilograms(30)},
		{Name: "large", Inner: oms.DimensionsMM(600, 400, 400), EmptyWeight: oms.Grams(700), MaxWeight: oms.Kilograms(30)},
	}
}

// Service allocates orders to locations and carries them through pick,
// pack, ship and delivery, over its Store and the leaf services. Every
// command is a step that can run again after a failure: it recognises
// what already happened. It is safe for concurrent use.
type Service struct {
	store   Store
	orders  *order.Service
	inv     *inventory.Service
	track   *tracking.Service
	shopper *shipping.RateShopper
	buyers  map[string]shipping.LabelBuyer
	opts    ServiceOptions
}

// NewService returns a Service. orders and inv are required; track may be
// nil (no tracking registration); opts may be nil.
func NewService(store Store, orders *order.Service, inv *inventory.Service, track *tracking.Service, opts *ServiceOptions) (*Service, error) {
	if store == nil || orders == nil || inv == nil {
		return nil, oms.Validationf("fulfillment service", "", "store, orders and inventory are required")
	}
	s := &Service{store: store, orders: orders, inv: inv, track: track, buyers: map[string]shipping.LabelBuyer{}}
	if opts != nil {
		s.opts = *opts
	}
	o := &s.opts
	if o.Clock == nil {
		o.Clock = oms.SystemClock()
	}
	if o.Boxes == nil {
		o.Boxes = DefaultBoxes()
	}
	if o.PackBudget <= 0 {
		o.PackBudget = 200_000
	}
	if o.Picking == "" {
		o.Picking = PickAuto
	}
	if !o.Picking.Valid() {
		return nil, oms.Validationf("fulfillment options", "picking", "unknown pick mode %q", o.Picking)
	}
	// Refused now rather than by every Process, after it reserved, picked
	// and packed (the policy is used when a rate is chosen).
	if err := o.RatePolicy.Validate(); err != nil {
		return nil, fmt.Errorf("fulfillment options: rate_policy: %w", err)
	}
	if o.Rules.MaxShipments < 0 {
		return nil, oms.Validationf("fulfillment options", "rules.max_shipments", "must not be negative, got %d", o.Rules.MaxShipments)
	}
	if o.MaxReplans <= 0 {
		o.MaxReplans = 3
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 16
	}
	if len(o.Carriers) > 0 {
		sh, err := shipping.NewRateShopper(o.Carriers, o.Shopper)
		if err != nil {
			return nil, err
		}
		s.shopper = sh
		for _, c := range o.Carriers {
			if b, ok := c.(shipping.LabelBuyer); ok {
				s.buyers[c.Code()] = b
			}
		}
	}
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// FulfillmentOrder returns a fulfillment order.
func (s *Service) FulfillmentOrder(ctx context.Context, id oms.ID) (*FulfillmentOrder, error) {
	return s.store.FulfillmentOrder(ctx, id)
}

// FulfillmentOrders returns an order's fulfillment orders.
func (s *Service) FulfillmentOrders(ctx context.Context, orderID oms.ID) ([]*FulfillmentOrder, error) {
	return s.store.FulfillmentOrders(ctx, orderID)
}

// Shipment returns a shipment.
func (s *Service) Shipment(ctx context.Context, id oms.ID) (*Shipment, error) {
	return s.store.Shipment(ctx, id)
}

// Shipments returns an order's shipments.
func (s *Service) Shipments(ctx context.Context, orderID oms.ID) ([]*Shipment, error) {
	return s.store.Shipments(ctx, orderID)
}

func (s *Service) warn(msg string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Warn(msg, args...)
	}
}

// foChange is a pure change of one fulfillment order: it returns the
// events, none for a replay that changes nothing (and then it must not
// have changed fo).
type foChange func(fo *FulfillmentOrder) ([]pendingEvent, error)

// updateFO loads a fulfillment order, applies fn and saves, retrying after
// version conflicts.
func (s *Service) updateFO(ctx context.Context, id oms.ID, fn foChange) (*FulfillmentOrder, error) {
	return s.updateLoadedFO(ctx, id, nil, fn)
}

// updateLoadedFO is updateFO starting from cur, a copy of the fulfillment
// order the caller loaded (or saved) and hands over: the first attempt
// changes it in place without reading it again; the version check of the
// save catches a change made since (a conflict reloads and retries). A nil
// cur loads it.
func (s *Service) updateLoadedFO(ctx context.Context, id oms.ID, cur *FulfillmentOrder, fn foChange) (*FulfillmentOrder, error) {
	var err error
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		// The store hands out a copy: change it in place.
		next, handed := cur, cur != nil && cur.ID == id
		cur = nil
		if !handed {
			if next, err = s.store.FulfillmentOrder(ctx, id); err != nil {
				return nil, err
			}
		}
		evs, ferr := fn(next)
		if handed && (ferr != nil || len(evs) == 0) {
			// Refusals and replays are decided on the stored version.
			attempt--
			continue
		}
		if ferr != nil {
			return nil, ferr
		}
		if len(evs) == 0 {
			return next, nil
		}
		c := &Change{}
		if err = s.addFO(c, next, evs); err != nil {
			return nil, err
		}
		if err = s.store.Save(ctx, c); err == nil {
			return next, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fulfillment: fulfillment order %s: gave up after %d attempts: %w", id, s.opts.MaxRetries+1, err)
}

// addFO bumps fo's version and adds it and its events to c.
func (s *Service) addFO(c *Change, fo *FulfillmentOrder, evs []pendingEvent) error {
	if err := s.bump(c, KindFulfillmentOrder, fo.ID, &fo.Version, &fo.CreatedAt, &fo.UpdatedAt, evs); err != nil {
		return err
	}
	c.FulfillmentOrders = append(c.FulfillmentOrders, fo)
	return nil
}

// addShipment bumps sh's version and adds it and its events to c.
func (s *Service) addShipment(c *Change, sh *Shipment, evs []pendingEvent) error {
	if err := s.bump(c, KindShipment, sh.ID, &sh.Version, &sh.CreatedAt, &sh.UpdatedAt, evs); err != nil {
		return err
	}
	c.Shipments = append(c.Shipments, sh)
	return nil
}

// addAllocation bumps a's version and adds it and its events to c.
func (s *Service) addAllocation(c *Change, a *Allocation, evs []pendingEvent) error {
	if err := s.bump(c, KindAllocation, a.ID, &a.Version, &a.CreatedAt, &a.UpdatedAt, evs); err != nil {
		return err
	}
	c.Allocations = append(c.Allocations, a)
	return nil
}

// bump moves an aggregate to its next version, stamps its times (the
// creation time on version 1) and appends its events, stamped with that
// version, to c.
func (s *Service) bump(c *Change, kind string, id oms.ID, version *int64, created, updated *time.Time, evs []pendingEvent) error {
	now := s.opts.Clock.Now().UTC()
	*version++
	if *version == 1 {
		*created = now
	}
	*updated = now
	es, err := stampEvents(c.Events, kind, id, *version, now, evs)
	if err != nil {
		return err
	}
	c.Events = es
	return nil
}

// shChange is a pure change of one shipment.
type shChange func(sh *Shipment) ([]pendingEvent, error)

func (s *Service) updateShipment(ctx context.Context, id oms.ID, fn shChange) (*Shipment, error) {
	return s.updateLoadedShipment(ctx, id, nil, fn)
}

// updateLoadedShipment is updateShipment starting from cur, a copy the
// caller hands over (see updateLoadedFO).
func (s *Service) updateLoadedShipment(ctx context.Context, id oms.ID, cur *Shipment, fn shChange) (*Shipment, error) {
	var err error
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		next, handed := cur, cur != nil && cur.ID == id
		cur = nil
		if !handed {
			if next, err = s.store.Shipment(ctx, id); err != nil {
				return nil, err
			}
		}
		evs, ferr := fn(next)
		if handed && (ferr != nil || len(evs) == 0) {
			attempt-- // refusals and replays are decided on the stored version
			continue
		}
		if ferr != nil {
			return nil, ferr
		}
		if len(evs) == 0 {
			return next, nil
		}
		c := &Change{}
		if err = s.addShipment(c, next, evs); err != nil {
			return nil, err
		}
		if err = s.store.Save(ctx, c); err == nil {
			return next, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fulfillment: shipment %s: gave up after %d attempts: %w", id, s.opts.MaxRetries+1, err)
}

// statusEvent returns the status-changed event of a move from from.
func statusEvent(fo *FulfillmentOrder, from Status, reason string) pendingEvent {
	return pendingEvent{EventStatusChanged, StatusPayload{OrderID: fo.OrderID, From: from, To: fo.Status, Reason: reason}}
}

// hasKey reports whether the order already applied a keyed command.
func hasKey(o *order.Order, key string) bool {
	for _, k := range o.AppliedKeys {
		if k.Key == key {
			return true
		}
	}
	return false
}
