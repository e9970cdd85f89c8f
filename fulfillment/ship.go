package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

// ShipmentID returns the ID of a fulfillment order's shipment.
func ShipmentID(fulfillmentOrder oms.ID) oms.ID { return oms.DeriveID(fulfillmentOrder, "shipment") }

// LabelKey returns the idempotency key of a package's label purchase.
func LabelKey(fulfillmentOrder oms.ID, pkg int) string {
	return string(oms.DeriveID(fulfillmentOrder, "label:"+itoa(int64(pkg))))
}

// CommitKey returns the key of a package's stock commit.
func CommitKey(fulfillmentOrder oms.ID, pkg int) string {
	return string(oms.DeriveID(fulfillmentOrder, "commit:"+itoa(int64(pkg))))
}

// Ship rate-shops a packed fulfillment order with the order's service
// level and promised date, buys each package's label (keyed by the
// fulfillment order and the package index, so a retry never buys twice),
// creates the Shipment, commits the stock per package, moves the order's
// shipped counters, settles payment per the capture policy and registers
// every tracking number. A pickup order becomes ready for pickup instead,
// without label. An order hold or a fulfillment order hold stops it
// before each label is bought (oms.ErrOnHold); a cancelled fulfillment
// order is an error matching oms.ErrInvalidTransition. Running it again
// finishes what an interruption left. Units cancelled on the order while
// the labels were bought make the order refuse the shipment: it is given
// up (its labels voided) and what is left moves to a new fulfillment
// order, to pack and ship (an error matching oms.ErrInvalidTransition
// says so).
func (s *Service) Ship(ctx context.Context, id oms.ID) (*Shipment, error) {
	return s.ship(ctx, id, nil, nil, nil)
}

// ship is Ship. fo, when set, is the fulfillment order as the caller's
// last read or save left it, handed over; nil loads it. fresh, when set,
// is the order as the order service's last read or write left it, with
// no label bought since (it serves as the order loaded before the first
// label); nil loads it when needed.
//
// r, when set, learns the order as settling payment left it.
func (s *Service) ship(ctx context.Context, id oms.ID, fo *FulfillmentOrder, fresh *order.Order, r *run) (*Shipment, error) {
	var err error
	if fo == nil || fo.ID != id {
		if fo, err = s.store.FulfillmentOrder(ctx, id); err != nil {
			return nil, err
		}
	}
	if fresh != nil && fresh.ID != fo.OrderID {
		fresh = nil
	}
	shID := ShipmentID(id)
	var sh *Shipment            // as created just now, when it was
	var loc *inventory.Location // as read for the rates, when it was
	if fo.Shipment != "" {
		fresh = nil // the labels may have been bought by an earlier run
	} else {
		if err := s.canShip(fo); err != nil {
			return nil, err
		}
		if s.opts.VerifyPacking && !fo.Pickup {
			for _, p := range fo.Packages {
				if !p.Verified {
					return nil, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(fo.Status), To: "shipped", Reason: fmt.Sprintf("package %d is not verified", p.Index)}
				}
			}
		}
		o := fresh
		if o == nil {
			if o, err = s.orders.Get(ctx, fo.OrderID); err != nil {
				return nil, err
			}
		}
		if err := checkOrder(o, "shipped"); err != nil {
			return nil, err
		}
		fresh = o
		sh = &Shipment{ID: shID, OrderID: fo.OrderID, FulfillmentOrder: id, Location: fo.Location, Status: ShipmentPending,
			Pickup: fo.Pickup, Packages: clonePackages(fo.Packages)}
		if t, ok := orderPromised(o); ok {
			sh.PromisedBy = t
		}
		if fo.Pickup {
			sh.Packages = []Package{{Index: 0, Items: pickedItems(fo), Status: PackagePending}}
		} else {
			l, err := s.inv.Location(ctx, fo.Location)
			if err != nil {
				return nil, err
			}
			loc = &l
			rate, err := s.chooseRate(ctx, o, fo, l)
			if err != nil {
				return nil, err
			}
			sh.Carrier, sh.ServiceCode, sh.ServiceName, sh.Level, sh.Cost = rate.Carrier, rate.ServiceCode, rate.ServiceName, rate.Level, rate.Price
		}
		// Units cancelled on the order since it was read (while the
		// packages were rated, say) leave before the shipment exists.
		if !fo.Reship {
			cur, err := s.orders.Get(ctx, fo.OrderID)
			if err != nil {
				return nil, err
			}
			// Counters only fall by a cancel: lines with nothing cancelled
			// hold no excess, and the other fulfillment orders are not read.
			var all []*FulfillmentOrder
			if cancelledAny(fo, cur) {
				if all, err = s.store.FulfillmentOrders(ctx, fo.OrderID); err != nil {
					return nil, err
				}
			}
			if all != nil && !fits(fo, cur, all) {
				if _, err := s.shrinkAfterRefusal(ctx, fo.OrderID, &cur); err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("%w: %w", errUnitsCancelled, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(fo.Status), To: "shipped",
					Reason: "units were cancelled on the order: they left the fulfillment order, which is packed again"})
			}
			fresh = cur
		}
		if sh, err = s.createShipment(ctx, fo, sh, true); err != nil {
			return nil, err
		}
	}
	if sh == nil {
		if sh, err = s.store.Shipment(ctx, shID); err != nil {
			return nil, err
		}
	}
	var cur *FulfillmentOrder
	if !sh.Pickup && !sh.ThirdParty {
		if sh, cur, err = s.buyLabels(ctx, sh, fresh, loc); err != nil {
			return sh, err
		}
	}
	orderID, reship := sh.OrderID, fo.Reship
	out, err := s.finishLoaded(ctx, shID, fresh, sh, cur, r)
	if err != nil && errors.Is(err, oms.ErrValidation) && !reship {
		// The order refused the shipment: units may have been cancelled
		// on it while the labels were bought. The shipment is then given
		// up and what is left re-cut (see recutFO).
		var o *order.Order
		if shrunk, serr := s.shrinkAfterRefusal(ctx, orderID, &o); serr != nil {
			return out, serr
		} else if shrunk {
			return out, fmt.Errorf("%w: %w", errUnitsCancelled, &oms.TransitionError{Entity: "shipment", ID: shID, From: string(ShipmentPending), To: string(ShipmentShipped),
				Reason: "units were cancelled on the order: the shipment is given up, what is left moved to a new fulfillment order (recut)"})
		}
	}
	return out, err
}

func pickedItems(fo *FulfillmentOrder) []PackageItem {
	var out []PackageItem
	for _, l := range fo.Lines {
		if l.Picked == 0 {
			continue
		}
		if k := slices.IndexFunc(out, func(it PackageItem) bool { return it.LineID == l.LineID }); k >= 0 {
			out[k].Quantity += l.Picked
		} else {
			out = append(out, PackageItem{LineID: l.LineID, SKU: l.SKU, Quantity: l.Picked})
		}
	}
	return out
}

// canShip refuses fulfillment orders that cannot ship now.
func (s *Service) canShip(fo *FulfillmentOrder) error {
	switch {
	case fo.OnHold():
		return fmt.Errorf("fulfillment: fulfillment order %s is on hold: %w", fo.ID, oms.ErrOnHold)
	case fo.Status != StatusInProgress:
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: "shipped", Reason: "only in-progress fulfillment orders ship"}
	case fo.Request != RequestNone:
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Request), To: "shipped", Reason: "a provider ships it (ThirdPartyShipped)"}
	case !fo.Pickup && len(fo.Packages) == 0:
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: "shipped", Reason: "not packed"}
	case fo.Pickup && !fo.done("picked"):
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: "ready_for_pickup", Reason: "not picked"}
	}
	return nil
}

// chooseRate rate-shops the packages with the order's level and date.
// loc is fo's location.
func (s *Service) chooseRate(ctx context.Context, o *order.Order, fo *FulfillmentOrder, loc inventory.Location) (shipping.Rate, error) {
	if s.shopper == nil {
		return shipping.Rate{}, fmt.Errorf("fulfillment: no carriers configured: %w", oms.ErrUnsupported)
	}
	req := shipping.RateRequest{Origin: loc.Address, Destination: o.ShippingAddress, ShipDate: oms.DateOf(s.now().UTC()), Currency: o.Currency}
	for _, p := range fo.Packages {
		req.Parcels = append(req.Parcels, p.Parcel)
	}
	if l, ok := orderLevel(o); ok {
		req.Levels = []oms.ServiceLevel{l}
	}
	res, err := s.shopper.Shop(ctx, req)
	if err != nil {
		return shipping.Rate{}, err
	}
	policy := s.opts.RatePolicy
	if policy.Strategy == "" {
		if d, ok := orderPromised(o); ok {
			policy.Strategy, policy.DeliverBy = shipping.StrategyDeliverBy, d
		}
	}
	rate, err := policy.Select(res.Rates)
	if errors.Is(err, shipping.ErrNoRate) && policy.Strategy == shipping.StrategyDeliverBy {
		// Nothing arrives by the promised date: ship the fastest.
		rate, err = shipping.Fastest(policy.Filter.Apply(res.Rates))
	}
	if err != nil {
		return shipping.Rate{}, fmt.Errorf("fulfillment: fulfillment order %s: %w (carriers: %v)", fo.ID, err, res.Err())
	}
	return rate, nil
}

// createShipment saves a new shipment and links it to its fulfillment
// order, in one write; an existing one (a replay) is kept.
//
// It returns the shipment as saved, or nil when an earlier or a
// concurrent run created it (the caller loads it). With handed, fo and sh
// are the caller's to give: the first attempt saves them as they are
// instead of copies (fo and sh must not be used afterwards).
func (s *Service) createShipment(ctx context.Context, fo *FulfillmentOrder, sh *Shipment, handed bool) (*Shipment, error) {
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		c := &Change{}
		f, saved := fo, sh
		if !handed || attempt > 0 {
			f, saved = fo.Clone(), sh.Clone()
			saved.Version = 0
		}
		payload := shipmentPayload(saved, -1, "")
		f.Shipment = sh.ID
		if err := s.addFO(c, f, []pendingEvent{{}}); err != nil {
			return nil, err
		}
		if err := s.addShipment(c, saved, []pendingEvent{{EventShipmentCreated, payload}}); err != nil {
			return nil, err
		}
		err := s.store.Save(ctx, c)
		if err == nil {
			return saved, nil
		}
		if errors.Is(err, oms.ErrDuplicate) {
			return nil, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
		cur, lerr := s.store.FulfillmentOrder(ctx, fo.ID)
		if lerr != nil {
			return nil, lerr
		}
		if cur.Shipment == sh.ID {
			return nil, nil
		}
		if err := s.canShip(cur); err != nil && !(sh.ThirdParty && cur.Request != RequestNone) {
			return nil, err
		}
		fo = cur
	}
	return nil, fmt.Errorf("fulfillment: shipment %s: gave up: %w", sh.ID, oms.ErrConflict)
}

func shipmentPayload(sh *Shipment, pkg int, exception string) ShipmentPayload {
	p := ShipmentPayload{OrderID: sh.OrderID, FulfillmentOrder: sh.FulfillmentOrder, Status: sh.Status, Carrier: sh.Carrier, Package: pkg, Exception: exception}
	if pkg >= 0 && pkg < len(sh.Packages) {
		p.TrackingNumber = sh.Packages[pkg].TrackingNumber
	}
	return p
}

// buyLabels buys the label of every package that has none, checking the
// order's and the fulfillment order's holds before each purchase.
//
// fresh, when set, is the order loaded just before (no label bought
// since): it serves the first purchase's hold check.
//
// sh is handed over (it is changed). It also returns the fulfillment
// order as loaded for the last hold check, when it was (nil otherwise).
//
// loc, when set, is the shipment's location as read for the rates.
func (s *Service) buyLabels(ctx context.Context, sh *Shipment, fresh *order.Order, loc *inventory.Location) (*Shipment, *FulfillmentOrder, error) {
	// Each label is saved as soon as it is bought, also when a later
	// purchase is stopped (a hold, a cancel, a carrier error): a label
	// bought is never forgotten, and a run interrupted after some saves
	// keeps them. A purchase whose save was lost is replayed under its key
	// by the next run, which buys nothing. (One save for all the labels
	// made a run replay every purchase before it saved any, so a store
	// failing now and then never kept the labels of a large shipment.)
	var fo *FulfillmentOrder
	var ferr error
	saved := false
	for {
		var bought []boughtLabel
		bought, fo, ferr = s.purchaseLabels(ctx, &sh, fresh, &loc, 1)
		fresh = nil
		if len(bought) == 0 {
			break
		}
		b := bought[0]
		next, err := s.updateLoadedShipment(ctx, sh.ID, sh, func(x *Shipment) ([]pendingEvent, error) {
			q := &x.Packages[b.pkg]
			if q.LabelID != "" {
				return nil, nil
			}
			q.LabelID, q.TrackingNumber, q.LabelURL, q.Cost, q.Status = b.label.ID, b.label.TrackingNumbers[0], b.label.URL, b.label.Price, PackageLabelled
			if sum, ok := labelsCost(x); ok {
				x.Cost = sum // the rate's price until then
			}
			return []pendingEvent{{EventLabelPurchased, shipmentPayload(x, b.pkg, "")}}, nil
		})
		if err != nil {
			return next, fo, err
		}
		sh, saved = next, true
		if ferr != nil {
			break
		}
	}
	if !saved {
		return sh, fo, ferr
	}
	// A cancel saved meanwhile voided the labels it saw; these it could
	// not see.
	after, err := s.store.FulfillmentOrder(ctx, sh.FulfillmentOrder)
	if err != nil {
		return sh, fo, err
	}
	if after.Status == StatusCancelled {
		if err := s.voidLabels(ctx, sh.ID); err != nil {
			return sh, after, err
		}
		return sh, after, &oms.TransitionError{Entity: "fulfillment order", ID: after.ID, From: string(after.Status), To: "shipped", Reason: "cancelled"}
	}
	return sh, after, ferr
}

// purchaseLabels buys the missing labels in package order, at most
// limit of them, and returns those bought, with the error that stopped
// it. *loc is the shipment's location, read when nil.
// It also returns the fulfillment order as loaded for the last hold check.
//
// Before a package's first purchase the shipment records the attempt
// (labelAttempt), saved in *shp: a purchase whose answer is lost is then
// known to a cancel, which replays it under its key to void the label.
// The fulfillment order is read again after that save, so a cancel saved
// before it stops the purchase, and one saved after it sees the attempt.
func (s *Service) purchaseLabels(ctx context.Context, shp **Shipment, fresh *order.Order, locp **inventory.Location, limit int) ([]boughtLabel, *FulfillmentOrder, error) {
	sh := *shp
	buyer, ok := s.buyers[sh.Carrier]
	var bought []boughtLabel
	var fo *FulfillmentOrder
	for _, p := range sh.Packages {
		if p.LabelID != "" {
			continue
		}
		if len(bought) >= limit {
			break
		}
		if !ok {
			return bought, fo, fmt.Errorf("fulfillment: carrier %q does not buy labels: %w", sh.Carrier, oms.ErrUnsupported)
		}
		o := fresh
		fresh = nil
		if o == nil {
			var err error
			if o, err = s.orders.Get(ctx, sh.OrderID); err != nil {
				return bought, fo, err
			}
		}
		if err := checkOrder(o, "shipped"); err != nil {
			return bought, fo, err
		}
		var err error
		if fo, err = s.store.FulfillmentOrder(ctx, sh.FulfillmentOrder); err != nil {
			return bought, fo, err
		}
		if fo.OnHold() {
			return bought, fo, fmt.Errorf("fulfillment: fulfillment order %s is on hold: %w", fo.ID, oms.ErrOnHold)
		}
		if fo.Status == StatusCancelled {
			return bought, fo, &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: "shipped", Reason: "cancelled"}
		}
		if *locp == nil {
			l, err := s.inv.Location(ctx, sh.Location)
			if err != nil {
				return bought, fo, err
			}
			*locp = &l
		}
		if step := labelAttempt(p.Index); !sh.done(step) {
			next, err := s.updateLoadedShipment(ctx, sh.ID, sh, func(x *Shipment) ([]pendingEvent, error) {
				if x.done(step) {
					return nil, nil
				}
				x.mark(step)
				return []pendingEvent{{}}, nil
			})
			if err != nil {
				return bought, fo, err
			}
			sh, *shp = next, next
			if fo, err = s.store.FulfillmentOrder(ctx, sh.FulfillmentOrder); err != nil {
				return bought, fo, err
			}
			if fo.OnHold() {
				return bought, fo, fmt.Errorf("fulfillment: fulfillment order %s is on hold: %w", fo.ID, oms.ErrOnHold)
			}
			if fo.Status == StatusCancelled {
				return bought, fo, &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: "shipped", Reason: "cancelled"}
			}
		}
		label, err := buyer.BuyLabel(ctx, s.labelRequest(sh, p, *locp, o))
		if err != nil {
			return bought, fo, err
		}
		if len(label.TrackingNumbers) == 0 {
			return bought, fo, fmt.Errorf("fulfillment: carrier %s returned label %s without a tracking number", sh.Carrier, label.ID)
		}
		// The number is registered with tracking and recorded on the
		// order after the stock leaves: one they refuse would stop the
		// shipment there for ever, the goods gone.
		n := label.TrackingNumbers[0]
		if p := textProblem(n, order.MaxTextLength); p != "" {
			return bought, fo, fmt.Errorf("fulfillment: carrier %s returned label %s with a tracking number that %s", sh.Carrier, label.ID, p)
		}
		if err := tracking.NewKey(sh.Carrier, n).Validate(); err != nil {
			return bought, fo, fmt.Errorf("fulfillment: carrier %s returned label %s with tracking number %.64q: %v", sh.Carrier, label.ID, n, err)
		}
		bought = append(bought, boughtLabel{p.Index, label})
	}
	return bought, fo, nil
}

// labelAttempt is the shipment's step recording that a package's label
// purchase was attempted (its answer may have been lost).
func labelAttempt(pkg int) string { return "label_attempt:" + itoa(int64(pkg)) }

// labelRequest is the purchase of package p's label of sh, from loc to
// o's shipping address, under the package's LabelKey.
func (s *Service) labelRequest(sh *Shipment, p Package, loc *inventory.Location, o *order.Order) shipping.LabelRequest {
	return shipping.LabelRequest{
		IdempotencyKey: LabelKey(sh.FulfillmentOrder, p.Index), ServiceCode: sh.ServiceCode,
		Origin: loc.Address, Destination: o.ShippingAddress, Parcels: []shipping.Parcel{p.Parcel},
		ShipDate: oms.DateOf(s.now().UTC()), Reference: o.Number,
	}
}

// labelsCost returns the sum of the labels' prices once every package of
// sh has its label (false before, or when a price is missing or in
// another currency than the others).
func labelsCost(sh *Shipment) (oms.Money, bool) {
	var sum oms.Money
	for i, p := range sh.Packages {
		if p.LabelID == "" || !p.Cost.Valid() {
			return oms.Money{}, false
		}
		if i == 0 {
			sum = p.Cost
			continue
		}
		var err error
		if sum, err = sum.Add(p.Cost); err != nil {
			return oms.Money{}, false
		}
	}
	return sum, len(sh.Packages) > 0
}

type boughtLabel struct {
	pkg   int
	label shipping.Label
}

// finishShipment runs the steps after the labels: commit, order counters,
// payment, tracking, statuses. Each recognises that it already happened.
//
// o, when set, is a recent copy of the order (its customer is read, and
// a missing shipped key only costs a replayed counter move).
func (s *Service) finishShipment(ctx context.Context, id oms.ID, o *order.Order) (*Shipment, error) {
	return s.finishLoaded(ctx, id, o, nil, nil, nil)
}

// finishLoaded is finishShipment from sh and fo as the caller's last
// read or save left them, handed over (they are changed); nil loads them.
// r, when set, learns the order as settling payment left it.
func (s *Service) finishLoaded(ctx context.Context, id oms.ID, o *order.Order, sh *Shipment, fo *FulfillmentOrder, r *run) (*Shipment, error) {
	var err error
	if sh == nil || sh.ID != id {
		if sh, err = s.store.Shipment(ctx, id); err != nil {
			return nil, err
		}
	}
	if sh.done("finished") {
		return sh, nil
	}
	if fo == nil || fo.ID != sh.FulfillmentOrder {
		if fo, err = s.store.FulfillmentOrder(ctx, sh.FulfillmentOrder); err != nil {
			return nil, err
		}
	}
	if !sh.Pickup {
		// The order may have been cancelled while the labels were bought:
		// no stock leaves for a cancelled order (Process voids the labels
		// and releases the stock).
		if o, err = s.orders.Get(ctx, sh.OrderID); err != nil {
			return sh, err
		}
		if o.Status == order.StatusCancelled {
			return sh, cancelledOrder(sh)
		}
		// A fulfillment order cancelled before its shipment was recorded
		// (re-cut after units were cancelled on the order) gave it up.
		if fo.Status == StatusCancelled && !hasKey(o, "shipped:"+string(sh.ID)) {
			return sh, &oms.TransitionError{Entity: "shipment", ID: sh.ID, From: string(sh.Status), To: string(ShipmentShipped), Reason: "its fulfillment order is cancelled"}
		}
		// The shipment is recorded on the order before any stock leaves:
		// the order's own update refuses it when a cancel came first, and
		// refuses a cancel of the units once it is recorded, so the order
		// and the stock never disagree (a cancel between a check and the
		// commit used to win, and the stock was committed all the same).
		// A re-run finds the shipment's key recorded and commits.
		// A re-cut (recutFO) and this record exclude each other through
		// the fulfillment order (see beginRecording).
		if !fo.Reship && !hasKey(o, "shipped:"+string(sh.ID)) {
			counts := shipmentCounts(sh)
			if sh.ThirdParty {
				// The provider's units are counted fulfilled first (a
				// ThirdPartyShipped interrupted before it did so), and
				// those it shipped beyond the order are not counted.
				if !fo.done("order_fulfilled") {
					if err := s.recordPacked(ctx, fo); err != nil {
						return sh, err
					}
					if fo, err = s.store.FulfillmentOrder(ctx, fo.ID); err != nil {
						return sh, err
					}
				}
				counts = withoutBeyond(fo, counts)
			}
			if fo, err = s.beginRecording(ctx, fo, sh); err != nil {
				return sh, err
			}
			if _, err := s.orders.RecordShipment(ctx, sh.OrderID, order.CounterInput{Key: string(sh.ID), Lines: counts, Reference: firstTracking(sh)}); err != nil {
				if now, gerr := s.orders.Get(ctx, sh.OrderID); gerr == nil && now.Status == order.StatusCancelled {
					return sh, cancelledOrder(sh)
				}
				if errors.Is(err, oms.ErrValidation) {
					if eerr := s.endRecording(ctx, fo.ID); eerr != nil {
						return sh, eerr
					}
				}
				return sh, err
			}
		}
		if sh, err = s.commitPackages(ctx, sh, fo); err != nil {
			return sh, err
		}
	}
	if o == nil {
		if o, err = s.orders.Get(ctx, sh.OrderID); err != nil {
			return sh, err
		}
	}
	if !sh.Pickup {
		settled, err := s.orders.SettlePayment(ctx, sh.OrderID)
		if err != nil {
			return sh, err
		}
		if r != nil {
			r.order = settled
		}
		for _, p := range sh.Packages {
			if p.TrackingNumber != "" && !p.Registered {
				if err := s.register(ctx, o, sh, p); err != nil {
					return sh, err
				}
			}
		}
	}
	return s.closeShipment(ctx, sh, fo)
}

// closeShipment marks the shipment shipped (or ready for pickup) and
// closes its fulfillment order, in one write.
//
// sh and fo are the versions loaded last (the first attempt saves over
// them; a conflict reloads both). closeShipment may change them.
func (s *Service) closeShipment(ctx context.Context, sh *Shipment, fo *FulfillmentOrder) (*Shipment, error) {
	id, foID := sh.ID, sh.FulfillmentOrder
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		// A final fulfillment order beside an unfinished shipment is a
		// pair read across another run's close (both are saved in one
		// write): read them again. The fulfillment order is read first,
		// so a close landing between the two reads shows as a finished
		// shipment, never as a closed order beside a pending shipment.
		if attempt > 0 || (fo.Status.Final() && !sh.done("finished")) {
			var err error
			if fo, err = s.store.FulfillmentOrder(ctx, foID); err != nil {
				return nil, err
			}
			if sh, err = s.store.Shipment(ctx, id); err != nil {
				return nil, err
			}
		}
		if sh.done("finished") {
			return sh, nil
		}
		now := s.now().UTC()
		var sevs []pendingEvent
		if sh.Pickup {
			if err := sh.transition(ShipmentReadyForPickup); err != nil {
				return nil, err
			}
			sevs = append(sevs, pendingEvent{EventReadyForPickup, shipmentPayload(sh, -1, "")})
		} else {
			if err := sh.transition(ShipmentShipped); err != nil {
				return nil, err
			}
			for i := range sh.Packages {
				sh.Packages[i].Registered = sh.Packages[i].TrackingNumber != ""
				sh.Packages[i].Status = PackageInTransit
				sh.Packages[i].Committed = true
			}
			sh.ShippedAt = now
			sevs = append(sevs, pendingEvent{EventShipped, shipmentPayload(sh, -1, "")})
		}
		sh.mark("finished")
		c := &Change{}
		if err := s.addShipment(c, sh, sevs); err != nil {
			return nil, err
		}
		if !sh.Pickup {
			fevs := fo.unhold(now, "shipped")
			from := fo.Status
			to := StatusClosed
			for _, l := range fo.Lines {
				if l.Short > 0 {
					to = StatusIncomplete
				}
			}
			for i := range fo.Lines {
				fo.Lines[i].Shipped = fo.Lines[i].Picked
				if fo.Request != RequestNone {
					fo.Lines[i].Shipped = fo.Lines[i].Quantity - fo.Lines[i].Short
				}
			}
			if fo.Request != RequestNone && fo.Request != RequestClosed {
				rf := fo.Request
				if err := fo.requestTransition(RequestClosed); err != nil {
					return nil, err
				}
				fevs = append(fevs, pendingEvent{EventRequestChanged, RequestPayload{OrderID: fo.OrderID, From: rf, To: RequestClosed}})
			}
			if fo.Status == StatusOpen {
				_ = fo.transition(StatusInProgress, "shipped by provider")
			}
			if err := fo.transition(to, "shipped"); err != nil {
				return nil, err
			}
			fevs = append(fevs, statusEvent(fo, from, "shipped"))
			if err := s.addFO(c, fo, fevs); err != nil {
				return nil, err
			}
		}
		err := s.store.Save(ctx, c)
		if err == nil {
			return sh, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fulfillment: shipment %s: gave up: %w", id, oms.ErrConflict)
}

func firstTracking(sh *Shipment) string {
	for _, p := range sh.Packages {
		if p.TrackingNumber != "" {
			return p.TrackingNumber
		}
	}
	return ""
}

// shipmentCounts sums a shipment's units per order line.
func shipmentCounts(sh *Shipment) []order.LineQuantity {
	var out []order.LineQuantity
	for _, p := range sh.Packages {
		out = addCounts(out, p.Items)
	}
	return out
}

func addCounts(out []order.LineQuantity, items []PackageItem) []order.LineQuantity {
	for _, it := range items {
		if k := slices.IndexFunc(out, func(x order.LineQuantity) bool { return x.LineID == it.LineID }); k >= 0 {
			out[k].Quantity += it.Quantity
		} else {
			out = append(out, order.LineQuantity{LineID: it.LineID, Quantity: it.Quantity})
		}
	}
	return out
}

// commitPackages commits each package's stock under its key. The
// packages are marked committed with the shipment's next save (a commit
// replayed under its key moves nothing).
func (s *Service) commitPackages(ctx context.Context, sh *Shipment, fo *FulfillmentOrder) (*Shipment, error) {
	var todo []int
	for _, p := range sh.Packages {
		if !p.Committed {
			todo = append(todo, p.Index)
		}
	}
	if len(todo) == 0 {
		return sh, nil
	}
	// Consume the fulfillment order's lines (and their reservations) in
	// package order, so each package commits from known reservations.
	avail := slices.Clone(fo.Lines)
	for i := range avail {
		avail[i].Quantity -= avail[i].Short
		if fo.Request == RequestNone && !fo.Pickup {
			avail[i].Quantity = avail[i].Picked
		}
	}
	for _, p := range sh.Packages {
		groups := map[oms.ID][]stockLine{}
		var order []oms.ID
		for _, it := range p.Items {
			left := it.Quantity
			for k := range avail {
				if avail[k].LineID != it.LineID || left == 0 || avail[k].Quantity == 0 {
					continue
				}
				q := min(left, avail[k].Quantity)
				avail[k].Quantity -= q
				left -= q
				r := avail[k].Reservation
				if _, ok := groups[r]; !ok {
					order = append(order, r)
				}
				groups[r] = append(groups[r], stockLine{SKU: it.SKU, Location: fo.Location, LineID: it.LineID, Quantity: q})
			}
		}
		if p.Committed {
			continue
		}
		for _, r := range order {
			key := CommitKey(fo.ID, p.Index)
			if len(order) > 1 {
				key = string(oms.DeriveID(oms.ID(key), string(r)))
			}
			if err := s.commitStock(ctx, key, r, groups[r]); err != nil {
				return sh, err
			}
		}
	}
	return sh, nil
}

// cancelledOrder refuses to ship sh because its order is cancelled.
func cancelledOrder(sh *Shipment) error {
	return &oms.TransitionError{Entity: "shipment", ID: sh.ID, From: string(sh.Status), To: string(ShipmentShipped), Reason: "the order is cancelled"}
}
