package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TrackingUpdate is tracking news for one package: a status change or an
// alert of tracking's exception sweep.
type TrackingUpdate struct {
	Carrier        string          `json:"carrier"`
	TrackingNumber string          `json:"tracking_number"`
	Status         tracking.Status `json:"status"`
	Reason         tracking.Reason `json:"reason,omitempty"`
	// Alert, when set, is an exception the sweep raised (stalled, late).
	Alert tracking.AlertKind `json:"alert,omitempty"`
	At    time.Time          `json:"at"`
	// EventID is the tracking event's ID, kept with orphans.
	EventID string `json:"event_id,omitempty"`
}

// HandleEvent consumes tracking's outbox events (tracking.status_changed
// and tracking.exception_detected; others are ignored), as a relay's
// publisher or a bus subscriber. See ApplyTracking.
func (s *Service) HandleEvent(ctx context.Context, e oms.Event) error {
	var u TrackingUpdate
	switch e.Type {
	case tracking.EventStatusChanged:
		var p tracking.StatusChangedPayload
		if err := e.Decode(&p); err != nil {
			return err
		}
		u = TrackingUpdate{Carrier: p.Carrier, TrackingNumber: p.TrackingNumber, Status: p.Status, Reason: p.Reason, At: p.At, EventID: string(e.ID)}
	case tracking.EventExceptionDetected:
		var p tracking.ExceptionDetectedPayload
		if err := e.Decode(&p); err != nil {
			return err
		}
		u = TrackingUpdate{Carrier: p.Carrier, TrackingNumber: p.TrackingNumber, Status: p.Status, Reason: p.Alert.Reason, Alert: p.Alert.Kind, At: p.Alert.At, EventID: string(e.ID)}
	default:
		return nil
	}
	_, err := s.ApplyTracking(ctx, u)
	return err
}

// ApplyTracking moves a package, its shipment and the order's counters by
// tracking news: delivered packages move the order's delivered counters
// (once each) and a shipment is delivered when every package is; failed
// attempts, stalls, lateness, losses and returns mark the package and the
// shipment as an exception, with an event. An update for a tracking number
// no shipment has is recorded as an orphan and returns (nil, nil).
// Repeated news changes nothing. News of a delivery or a problem for a
// shipment still pending (its labels bought, not yet shipped) is refused
// with an error matching oms.ErrInvalidTransition and changes nothing:
// apply it again once Process has shipped it.
func (s *Service) ApplyTracking(ctx context.Context, u TrackingUpdate) (*Shipment, error) {
	if u.Carrier == "" || u.TrackingNumber == "" || len(u.Carrier) > 128 || len(u.TrackingNumber) > 128 {
		return nil, oms.Validationf("tracking update", "tracking_number", "carrier and tracking number are required (at most 128 bytes each)")
	}
	// Tracking's own values only: an unknown alert would put the shipment
	// in exception with its text, an unknown status be kept on an orphan.
	v := &oms.ValidationError{Entity: "tracking update"}
	if u.Status != "" && !u.Status.Valid() {
		v.Add("status", "unknown status %.64q", u.Status)
	}
	if !u.Reason.Valid() {
		v.Add("reason", "%.64q is not a reason (lower-case snake_case, at most 64 bytes)", u.Reason)
	}
	if u.Alert != "" && !u.Alert.Valid() {
		v.Add("alert", "unknown alert %.64q", u.Alert)
	}
	if len(u.EventID) > 256 {
		v.Add("event_id", "at most 256 bytes")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// As tracking quarantines such scans: a time outside years 1 to 9999
	// would become the shipment's delivery time, which JSON cannot write.
	if !u.At.IsZero() {
		if y, l := u.At.UTC().Year(), u.At.Year(); y < 1 || y > 9999 || l < 1 || l > 9999 {
			return nil, oms.Validationf("tracking update", "at", "%v is outside years 1 to 9999", u.At)
		}
	}
	sh, err := s.store.ShipmentByTracking(ctx, u.Carrier, u.TrackingNumber)
	if errors.Is(err, oms.ErrNotFound) {
		at := u.At
		if at.IsZero() {
			at = s.now().UTC()
		}
		return nil, s.store.Save(ctx, &Change{Orphans: []Orphan{{Carrier: u.Carrier, TrackingNumber: u.TrackingNumber, Status: string(u.Status), EventID: u.EventID, At: at}}})
	}
	if err != nil {
		return nil, err
	}
	idx := -1
	want := tracking.NewKey(u.Carrier, u.TrackingNumber)
	for _, p := range sh.Packages {
		if tracking.NewKey(sh.Carrier, p.TrackingNumber) == want {
			idx = p.Index
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("fulfillment: shipment %s has no package %s: %w", sh.ID, want, oms.ErrNotFound)
	}
	var next PackageStatus
	exception := ""
	switch {
	case u.Alert != "":
		next, exception = PackageException, string(u.Alert)
	case u.Status == tracking.StatusDelivered:
		next = PackageDelivered
	case u.Reason == tracking.ReasonLost:
		next, exception = PackageLost, "lost"
	case u.Status == tracking.StatusReturned:
		next, exception = PackageReturned, "returned_to_sender"
	case u.Status == tracking.StatusDeliveryFailed || u.Status == tracking.StatusException || u.Status == tracking.StatusReturning:
		next, exception = PackageException, string(u.Status)
		if u.Reason != "" {
			exception += ":" + string(u.Reason)
		}
	case u.Status == tracking.StatusInTransit || u.Status == tracking.StatusOutForDelivery || u.Status == tracking.StatusAvailableForPickup:
		next = PackageInTransit
	default:
		return sh, nil
	}
	sh, err = s.updateShipment(ctx, sh.ID, func(x *Shipment) ([]pendingEvent, error) {
		p := &x.Packages[idx]
		if x.Status == ShipmentPending {
			if next == PackageInTransit {
				return nil, nil // closing the shipment puts its packages in transit
			}
			// Its labels are bought but an interruption left it open (or
			// its commit waits for stock): news of a delivery or a problem
			// dropped now would never come again. Refused, it is applied
			// when it comes again (a relay retries) after Process ships.
			return nil, &oms.TransitionError{Entity: "shipment", ID: x.ID, From: string(x.Status), To: string(next),
				Reason: "not shipped yet: apply the news again once Process has shipped it"}
		}
		if p.Status == next && p.Exception == exception || p.Status == PackageDelivered {
			return nil, nil
		}
		if (p.Status == PackageLost || p.Status == PackageReturned) && next != PackageDelivered {
			return nil, nil
		}
		p.Status, p.Exception = next, exception
		var evs []pendingEvent
		switch next {
		case PackageDelivered:
			evs = append(evs, pendingEvent{EventPackageDelivered, shipmentPayload(x, idx, "")})
			all := true
			for _, q := range x.Packages {
				all = all && q.Status == PackageDelivered
			}
			if all {
				if err := x.transition(ShipmentDelivered); err != nil {
					return nil, err
				}
				x.DeliveredAt = u.At
				if x.DeliveredAt.IsZero() {
					x.DeliveredAt = s.now().UTC()
				}
				evs = append(evs, pendingEvent{EventDelivered, shipmentPayload(x, -1, "")})
			} else if x.Status == ShipmentException && !anyProblem(x) {
				_ = x.transition(ShipmentShipped)
			}
		case PackageInTransit:
			if x.Status == ShipmentException && !anyProblem(x) {
				_ = x.transition(ShipmentShipped)
				evs = append(evs, pendingEvent{EventShipped, shipmentPayload(x, idx, "")})
			}
			if len(evs) == 0 {
				evs = append(evs, pendingEvent{})
			}
		default:
			if err := x.transition(ShipmentException); err != nil {
				return nil, err
			}
			x.Exception = exception
			evs = append(evs, pendingEvent{EventException, shipmentPayload(x, idx, exception)})
		}
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	if next == PackageDelivered {
		return s.recordDelivered(ctx, sh.ID)
	}
	return sh, nil
}

func anyProblem(sh *Shipment) bool {
	for _, p := range sh.Packages {
		if p.Status == PackageException || p.Status == PackageLost || p.Status == PackageReturned {
			return true
		}
	}
	return false
}

// recordDelivered moves the order's delivered counters for every delivered
// package not yet counted, then marks them.
func (s *Service) recordDelivered(ctx context.Context, id oms.ID) (*Shipment, error) {
	sh, err := s.store.Shipment(ctx, id)
	if err != nil {
		return nil, err
	}
	var done []int
	var o *order.Order
	for _, p := range sh.Packages {
		if p.Status != PackageDelivered || p.Delivered {
			continue
		}
		key := string(oms.DeriveID(sh.ID, "delivered:"+itoa(int64(p.Index))))
		if o == nil {
			if o, err = s.orders.Get(ctx, sh.OrderID); err != nil {
				return sh, err
			}
		}
		var lq []order.LineQuantity
		if !hasKey(o, "delivered:"+key) {
			lq = undelivered(o, addCounts(nil, p.Items))
		}
		if len(lq) > 0 {
			if o, err = s.orders.RecordDelivery(ctx, sh.OrderID, order.CounterInput{Key: key, Lines: lq, Reference: p.TrackingNumber}); err != nil {
				return sh, err
			}
		}
		done = append(done, p.Index)
	}
	if len(done) == 0 {
		return sh, nil
	}
	return s.updateShipment(ctx, id, func(x *Shipment) ([]pendingEvent, error) {
		for _, i := range done {
			x.Packages[i].Delivered = true
		}
		return []pendingEvent{{}}, nil
	})
}

// undelivered caps each line's units at what the order has shipped and not
// yet counted delivered: a package declared lost and re-shipped may both
// arrive, and the units are delivered once.
func undelivered(o *order.Order, lq []order.LineQuantity) []order.LineQuantity {
	out := lq[:0]
	for _, q := range lq {
		l, ok := o.Line(q.LineID)
		if !ok {
			continue
		}
		if n := min(q.Quantity, l.Shipped-l.Delivered); n > 0 {
			out = append(out, order.LineQuantity{LineID: q.LineID, Quantity: n})
		}
	}
	return out
}

// PickedUp records that the customer collected a pickup order: the stock
// is committed, the order's shipped and delivered counters move, payment
// is settled, and the shipment and fulfillment order close. A replay
// changes nothing. Units cancelled on the order while the pickup waited
// stay at the store: what is left is made ready again (a new fulfillment
// order and shipment, as Process does) and collected, and that shipment
// is returned.
func (s *Service) PickedUp(ctx context.Context, id oms.ID) (*Shipment, error) {
	sh, err := s.store.Shipment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sh.Pickup {
		return nil, &oms.TransitionError{Entity: "shipment", ID: id, From: string(sh.Status), To: string(ShipmentPickedUp), Reason: "not a pickup order"}
	}
	if sh.Status == ShipmentPickedUp {
		return sh, nil
	}
	if sh.Status != ShipmentReadyForPickup {
		return nil, &oms.TransitionError{Entity: "shipment", ID: id, From: string(sh.Status), To: string(ShipmentPickedUp)}
	}
	fo, err := s.store.FulfillmentOrder(ctx, sh.FulfillmentOrder)
	if err != nil {
		return nil, err
	}
	if fo.Status == StatusCancelled {
		if fo.MovedTo != "" && fo.done(recutStep) {
			// Re-cut after units were cancelled on the order (a replay,
			// or Process got there first): what is left is collected.
			return s.pickUpRecut(ctx, fo.MovedTo)
		}
		return nil, &oms.TransitionError{Entity: "shipment", ID: id, From: string(sh.Status), To: string(ShipmentPickedUp), Reason: "its fulfillment order is cancelled"}
	}
	// The units are counted shipped on the order before their stock
	// leaves: the order refuses it once cancelled (and refuses a cancel
	// once it is counted), so a cancelled order's stock never leaves.
	lq := shipmentCounts(sh)
	if fo, err = s.beginRecording(ctx, fo, sh); errors.Is(err, oms.ErrInvalidTransition) {
		// Re-cut since it was read: what is left is collected (above).
		return s.PickedUp(ctx, id)
	} else if err != nil {
		return nil, err
	}
	if _, err := s.orders.RecordShipment(ctx, sh.OrderID, order.CounterInput{Key: string(sh.ID), Lines: lq}); err != nil {
		if errors.Is(err, oms.ErrValidation) {
			if eerr := s.endRecording(ctx, fo.ID); eerr != nil {
				return sh, eerr
			}
			if next, ok, herr := s.pickupAfterCancel(ctx, sh, fo); herr != nil || ok {
				return next, herr
			}
		}
		return sh, err
	}
	if sh, err = s.commitPackages(ctx, sh, fo); err != nil {
		return sh, err
	}
	if _, err := s.orders.RecordDelivery(ctx, sh.OrderID, order.CounterInput{Key: string(sh.ID), Lines: lq}); err != nil {
		return sh, err
	}
	if _, err := s.orders.SettlePayment(ctx, sh.OrderID); err != nil {
		return sh, err
	}
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		sh, err := s.store.Shipment(ctx, id)
		if err != nil {
			return nil, err
		}
		if sh.Status == ShipmentPickedUp {
			return sh, nil
		}
		fo, err := s.store.FulfillmentOrder(ctx, sh.FulfillmentOrder)
		if err != nil {
			return nil, err
		}
		now := s.now().UTC()
		_ = sh.transition(ShipmentPickedUp)
		sh.DeliveredAt, sh.ShippedAt = now, now
		for i := range sh.Packages {
			sh.Packages[i].Status, sh.Packages[i].Delivered = PackageDelivered, true
		}
		c := &Change{}
		if err := s.addShipment(c, sh, []pendingEvent{{EventPickedUp, shipmentPayload(sh, -1, "")}}); err != nil {
			return nil, err
		}
		fevs := fo.unhold(now, "picked up")
		from := fo.Status
		for i := range fo.Lines {
			fo.Lines[i].Shipped = fo.Lines[i].Picked
		}
		to := StatusClosed
		for _, l := range fo.Lines {
			if l.Short > 0 {
				to = StatusIncomplete
			}
		}
		if err := fo.transition(to, "picked up"); err != nil {
			return nil, err
		}
		if err := s.addFO(c, fo, append(fevs, statusEvent(fo, from, "picked up"))); err != nil {
			return nil, err
		}
		if err = s.store.Save(ctx, c); err == nil {
			return sh, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fulfillment: shipment %s: gave up: %w", id, oms.ErrConflict)
}

// ReshipLost re-ships the units of a lost (or returned) package once: they
// are re-allocated (a new reservation and fulfillment order, derived from
// the shipment and package, so a repeat returns the same one) and Process
// ships them again. The order's counters already count those units as
// shipped; its delivered counters move when the new parcel arrives. A
// package that is not lost or returned is an error matching
// oms.ErrInvalidTransition.
func (s *Service) ReshipLost(ctx context.Context, shipmentID oms.ID, pkg int) ([]*FulfillmentOrder, error) {
	sh, err := s.store.Shipment(ctx, shipmentID)
	if err != nil {
		return nil, err
	}
	if pkg < 0 || pkg >= len(sh.Packages) {
		return nil, oms.Validationf("reship", "package", "shipment %s has %d packages, no package %d", shipmentID, len(sh.Packages), pkg)
	}
	p := sh.Packages[pkg]
	if p.Status != PackageLost && p.Status != PackageReturned {
		return nil, &oms.TransitionError{Entity: "package", ID: shipmentID, From: string(p.Status), To: "reshipped", Reason: "only lost or returned packages are re-shipped"}
	}
	o, err := s.orders.Get(ctx, sh.OrderID)
	if err != nil {
		return nil, err
	}
	spec := allocSpec{id: oms.DeriveID(shipmentID, "reship:"+itoa(int64(pkg))), reship: true}
	for _, it := range p.Items {
		ol, _ := o.Line(it.LineID)
		spec.lines = append(spec.lines, PlanLine{LineID: it.LineID, SKU: it.SKU, Quantity: it.Quantity, UnitWeight: ol.UnitWeight, UnitDimensions: ol.UnitDimensions})
	}
	fos, a, err := s.allocate(ctx, o, spec)
	if err != nil {
		return nil, err
	}
	if p.ReshippedAs == "" && len(fos) > 0 {
		_, err = s.updateShipment(ctx, shipmentID, func(x *Shipment) ([]pendingEvent, error) {
			if x.Packages[pkg].ReshippedAs != "" {
				return nil, nil
			}
			x.Packages[pkg].ReshippedAs = a.ID
			return []pendingEvent{{}}, nil
		})
	}
	return fos, err
}

// pickupAfterCancel handles the order's refusal to count a waiting
// pickup's units shipped: when units were cancelled on the order meanwhile,
// the pickup is re-cut (see recutFO), what is left made ready and
// collected. ok is false when the refusal had another cause.
func (s *Service) pickupAfterCancel(ctx context.Context, sh *Shipment, fo *FulfillmentOrder) (*Shipment, bool, error) {
	var o *order.Order
	shrunk, err := s.shrinkAfterRefusal(ctx, sh.OrderID, &o)
	if err != nil || !shrunk {
		return nil, false, err
	}
	if fo, err = s.store.FulfillmentOrder(ctx, fo.ID); err != nil {
		return nil, true, err
	}
	switch {
	case fo.Status != StatusCancelled:
		// Another fulfillment order gave the units up: collect again.
		got, err := s.PickedUp(ctx, sh.ID)
		return got, true, err
	case fo.MovedTo == "":
		return nil, true, &oms.TransitionError{Entity: "shipment", ID: sh.ID, From: string(sh.Status), To: string(ShipmentPickedUp), Reason: "every unit was cancelled on the order"}
	}
	got, err := s.pickUpRecut(ctx, fo.MovedTo)
	return got, true, err
}

// pickUpRecut makes the pickup fulfillment order id (a re-cut one) ready,
// when it is not yet, and records it collected.
func (s *Service) pickUpRecut(ctx context.Context, id oms.ID) (*Shipment, error) {
	next, err := s.Ship(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.PickedUp(ctx, next.ID)
}
