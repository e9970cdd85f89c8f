package returns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
)

// LabelInput asks for a return label.
type LabelInput struct {
	// ServiceCode is the carrier service to buy; required.
	ServiceCode string `json:"service_code"`
	// Parcels are the parcels coming back; at least one.
	Parcels []shipping.Parcel `json:"parcels"`
	// Format is the label file format; empty means the carrier's default.
	Format shipping.LabelFormat `json:"format,omitempty"`
}

// LabelKey returns the idempotency key a return's label is bought with.
func LabelKey(id oms.ID) string { return string(oms.DeriveID(id, "label")) }

// IssueLabel buys a return label for an approved return through the
// Carrier's shipping.LabelBuyer (LabelRequest.Return set), from the
// order's shipping address to the service's ReturnAddress, with a key
// derived from the return (LabelKey): a retry after a crash or a timeout
// gets the label first bought and pays nothing more. The return moves to
// label_issued (return.label_issued) and the tracking numbers are
// registered with the TrackingRegistrar. A return with a label returns
// it unchanged. Under ReturnShippingCustomer no label is bought (the
// customer arranges the way back): oms.ErrInvalidTransition.
func (s *Service) IssueLabel(ctx context.Context, id oms.ID, in LabelInput) (*Return, error) {
	lb, ok := s.carrier.(shipping.LabelBuyer)
	if s.carrier == nil || !ok {
		return nil, fmt.Errorf("%w: returns: no carrier that buys labels is configured", oms.ErrUnsupported)
	}
	v := validation()
	checkText(v, "service_code", in.ServiceCode, true)
	if len(in.Parcels) == 0 {
		v.Add("parcels", "at least one parcel is required")
	}
	for i, p := range in.Parcels {
		v.Merge(fmt.Sprintf("parcels[%d]", i), p.Validate())
	}
	if in.Format != "" && !in.Format.Valid() {
		v.Add("format", "unknown label format %q", in.Format)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Label != nil {
		return r, s.register(ctx, r)
	}
	if r.Status != StatusApproved {
		return nil, transitionError(r, StatusLabelIssued, "")
	}
	if r.ReturnShipping == ReturnShippingCustomer {
		return nil, transitionError(r, StatusLabelIssued, "the customer arranges return shipping under this policy")
	}
	if r.Kind == KindClaim {
		return nil, transitionError(r, StatusLabelIssued, "a claim has nothing to send back")
	}
	o, err := s.orders.Get(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	key := LabelKey(r.ID)
	label, err := lb.BuyLabel(ctx, shipping.LabelRequest{
		IdempotencyKey: key, ServiceCode: in.ServiceCode, Origin: o.ShippingAddress, Destination: s.address,
		Parcels: in.Parcels, Return: true, Reference: "RMA " + string(r.ID), Format: in.Format,
		ShipDate: oms.DateIn(s.clock.Now(), s.policy.loc()),
	})
	if err != nil {
		return nil, fmt.Errorf("returns: %s: buy label: %w", r.ID, err)
	}
	r, _, err = s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Label != nil {
			return nil, nil
		}
		if err := transition(r, StatusLabelIssued); err != nil {
			return nil, err
		}
		r.Label = &Label{Carrier: label.Carrier, ID: label.ID, ServiceCode: label.ServiceCode,
			TrackingNumbers: slices.Clone(label.TrackingNumbers), Price: label.Price, URL: label.URL, Key: key, At: now}
		if r.Label.Carrier == "" {
			r.Label.Carrier = s.carrier.Code()
		}
		return []pendingEvent{{EventLabelIssued, LabelPayload{OrderID: r.OrderID, Carrier: r.Label.Carrier, LabelID: label.ID,
			TrackingNumbers: r.Label.TrackingNumbers, Price: label.Price, URL: label.URL}}}, nil
	})
	if err != nil {
		return nil, err
	}
	return r, s.register(ctx, r)
}

func (s *Service) register(ctx context.Context, r *Return) error {
	if s.tracking == nil || r.Label == nil {
		return nil
	}
	for _, tn := range r.Label.TrackingNumbers {
		err := s.tracking.Register(ctx, TrackingRegistration{ReturnID: r.ID, OrderID: r.OrderID, CustomerID: r.CustomerID,
			Carrier: r.Label.Carrier, TrackingNumber: tn})
		if err != nil {
			return fmt.Errorf("returns: %s: register tracking %s: %w", r.ID, tn, err)
		}
	}
	return nil
}

// CarrierStatus is a normalized tracking status of a return parcel, as
// the tracking package names them ("in_transit", "delivered", ...).
type CarrierStatus string

// The carrier statuses Track acts on; others are accepted and ignored.
const (
	CarrierInTransit          CarrierStatus = "in_transit"
	CarrierOutForDelivery     CarrierStatus = "out_for_delivery"
	CarrierAvailableForPickup CarrierStatus = "available_for_pickup"
	CarrierDelivered          CarrierStatus = "delivered"
)

// TrackingUpdate is a carrier event for a return parcel.
type TrackingUpdate struct {
	// Key identifies the event (the tracking event's ID); required.
	Key string `json:"key"`
	// TrackingNumber is the return label's tracking number.
	TrackingNumber string `json:"tracking_number"`
	// Status is the normalized status.
	Status CarrierStatus `json:"status"`
}

// Track follows a return parcel: the host calls it for each tracking
// event of a registered return label (from a tracking.Service event
// handler). In transit (or out for delivery) moves an approved or
// label_issued return to in_transit; delivered receives every unit not
// yet received (as Receive would, keyed by the event); the same event
// again repeats that receipt, which changes nothing on the return and
// finishes the order's returned counters if they failed. Other statuses,
// and events for returns already past them, change nothing. An unknown
// tracking number matches oms.ErrNotFound.
func (s *Service) Track(ctx context.Context, in TrackingUpdate) (*Return, error) {
	v := validation()
	checkKeyShape(v, "key", in.Key, true)
	checkText(v, "tracking_number", in.TrackingNumber, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, err := s.store.GetByTracking(ctx, in.TrackingNumber)
	if err != nil {
		return nil, err
	}
	switch in.Status {
	case CarrierInTransit, CarrierOutForDelivery, CarrierAvailableForPickup:
		r, _, err = s.update(ctx, r.ID, func(r *Return, now time.Time) ([]pendingEvent, error) {
			if r.Status != StatusApproved && r.Status != StatusLabelIssued {
				return nil, nil
			}
			from := r.Status
			if err := transition(r, StatusInTransit); err != nil {
				return nil, err
			}
			return []pendingEvent{{EventInTransit, StatusPayload{OrderID: r.OrderID, From: from, To: StatusInTransit}}}, nil
		})
		return r, err
	case CarrierDelivered:
		return s.trackDelivered(ctx, r, string(oms.DeriveID(r.ID, "tracking:"+in.Key)))
	}
	return r, nil
}

// trackDelivered receives every unit of r not yet received under the
// receipt key. A receipt that another one (a concurrent event, a scan)
// overtook is refused by Receive on the changed return: it looks again at
// what is left, as if it had come second.
func (s *Service) trackDelivered(ctx context.Context, r *Return, key string) (*Return, error) {
	for attempt := 0; ; attempt++ {
		if k, ok := r.applied("receive:" + key); ok && len(k.Received) > 0 {
			// A repeat of this event: its receipt is on the return;
			// repeating it finishes the order's counters if they failed.
			return s.Receive(ctx, r.ID, ReceiveInput{Key: key, Lines: k.Received})
		}
		var lines []ReceiveLine
		for _, l := range r.Lines {
			if n := l.Quantity - l.Received; n > 0 {
				lines = append(lines, ReceiveLine{LineID: l.ID, Quantity: n})
			}
		}
		if len(lines) == 0 || r.Status.Final() || r.Status == StatusInspected {
			return r, nil
		}
		out, err := s.Receive(ctx, r.ID, ReceiveInput{Key: key, Lines: lines})
		if err == nil || attempt >= s.retries || !errors.Is(err, oms.ErrInvalidTransition) && !errors.Is(err, oms.ErrValidation) {
			return out, err
		}
		cur, gerr := s.store.Get(ctx, r.ID)
		if gerr != nil {
			return nil, gerr
		}
		if _, mine := cur.applied("receive:" + key); mine || cur.Version == r.Version {
			return out, err // the receipt was saved, or refused on the return as it was
		}
		r = cur
	}
}

// ReceiveLine is a quantity of a return line that arrived.
type ReceiveLine struct {
	LineID   oms.ID `json:"line_id"`
	Quantity int64  `json:"quantity"`
}

// ReceiveInput records units that arrived at the warehouse.
type ReceiveInput struct {
	// Key identifies the receipt (a scan, a tracking event); required. A
	// replay changes nothing; other content matches oms.ErrDuplicate.
	Key string `json:"key"`
	// Lines are the units that arrived, per return line.
	Lines []ReceiveLine `json:"lines"`
}

// Receive records units that arrived: at most each line's authorized
// units not yet received. The return moves to partially_received or
// received (return.received), and the order's returned counters move
// through the order service (keyed by the receipt, so a retry moves them
// once). Receiving against a cancelled, rejected, expired, inspected or
// completed return, or a claim, is refused with a *oms.TransitionError;
// bad quantities with a *oms.ValidationError naming the line; both change
// nothing.
func (s *Service) Receive(ctx context.Context, id oms.ID, in ReceiveInput) (*Return, error) {
	v := validation()
	checkKeyShape(v, "key", in.Key, true)
	if len(in.Lines) == 0 {
		v.Add("lines", "at least one line is required")
	}
	seen := map[oms.ID]int{}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		checkKeyShape(v, f+".line_id", string(l.LineID), true)
		if j, dup := seen[l.LineID]; dup {
			v.Add(f+".line_id", "line %s is already given in lines[%d]", l.LineID, j)
		}
		seen[l.LineID] = i
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			v.Add(f+".quantity", "must be between 1 and %d, got %d", oms.MaxQuantity, l.Quantity)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	digest := digestOf("receive", in.Lines)
	r, _, err := s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if replay, err := checkKey(r, "receive:", in.Key, digest); replay || err != nil {
			return nil, err
		}
		switch r.Status {
		case StatusApproved, StatusLabelIssued, StatusInTransit, StatusPartiallyReceived:
		default:
			return nil, transitionError(r, StatusReceived, "a "+string(r.Status)+" return receives nothing")
		}
		if r.Kind == KindClaim {
			return nil, transitionError(r, StatusReceived, "a claim has nothing to send back")
		}
		v := validation()
		p := ReceivedPayload{OrderID: r.OrderID, Key: in.Key}
		for i, rl := range in.Lines {
			k := r.lineIndex(rl.LineID)
			if k < 0 {
				v.Add(fmt.Sprintf("lines[%d].line_id", i), "no line %s in return %s", rl.LineID, r.ID)
				continue
			}
			l := &r.Lines[k]
			if rl.Quantity > l.Quantity-l.Received {
				v.Add(fmt.Sprintf("lines[%d].quantity", i), "line %s (%s): %d received, but only %d of %d authorized units are still expected",
					l.ID, l.SKU, rl.Quantity, l.Quantity-l.Received, l.Quantity)
				continue
			}
			l.Received += rl.Quantity
			p.Lines = append(p.Lines, LineNote{LineID: l.ID, OrderLineID: l.OrderLineID, SKU: l.SKU, Quantity: rl.Quantity})
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		q, rec, _, _, _ := r.Units()
		to := StatusPartiallyReceived
		if rec == q {
			to = StatusReceived
		}
		if r.Status != to {
			if err := transition(r, to); err != nil {
				return nil, err
			}
		}
		r.ReceivedAt = now
		p.Complete = rec == q
		recordKey(r, "receive:", in.Key, digest)
		r.AppliedKeys[len(r.AppliedKeys)-1].Received = slices.Clone(in.Lines)
		return []pendingEvent{{EventReceived, p}}, nil
	})
	if err != nil {
		return nil, err
	}
	return r, s.recordReturned(ctx, r, in)
}

// recordReturned moves the order's returned counters for the receipt,
// keyed by the return and the receipt.
func (s *Service) recordReturned(ctx context.Context, r *Return, in ReceiveInput) error {
	byOrderLine := map[oms.ID]int64{}
	var ids []oms.ID
	for _, rl := range in.Lines {
		l, ok := r.Line(rl.LineID)
		if !ok {
			continue
		}
		if _, seen := byOrderLine[l.OrderLineID]; !seen {
			ids = append(ids, l.OrderLineID)
		}
		byOrderLine[l.OrderLineID] += rl.Quantity
	}
	ci := order.CounterInput{Key: string(oms.DeriveID(r.ID, "receive:"+in.Key)), Reference: "return " + string(r.ID)}
	for _, id := range ids {
		ci.Lines = append(ci.Lines, order.LineQuantity{LineID: id, Quantity: byOrderLine[id]})
	}
	if len(ci.Lines) == 0 {
		return nil
	}
	if _, err := s.orders.RecordReturn(ctx, r.OrderID, ci); err != nil {
		return fmt.Errorf("returns: %s: record returned units on order %s: %w", r.ID, r.OrderID, err)
	}
	return nil
}
