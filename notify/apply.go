package notify

import (
	"strconv"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/tracking"
)

// change is one event read: the document it changes and how.
type change struct {
	doc   oms.ID
	apply func(p *Progress, d *decider)
	// exchange, when set, is a replacement order to mark as the exchange
	// of doc.
	exchange oms.ID
}

// decider decides milestones on one Progress.
type decider struct {
	p   *Progress
	now time.Time
	// byTracking is Options.DeliveredByTracking.
	byTracking bool
}

// decide adds a milestone unless its scope already has it or a later one.
func (d *decider) decide(kind Kind, scope string, det Details) {
	s := d.p.scope(scope)
	r := Rank(kind)
	for _, k := range s.Kinds {
		if k == kind {
			return
		}
	}
	if r < s.Rank {
		return
	}
	s.Rank = r
	s.Kinds = append(s.Kinds, kind)
	d.p.Pending = append(d.p.Pending, Milestone{Kind: kind, Scope: scope, At: d.now, Details: det})
}

// firstEventTime and lastEventTime bound the event times a Progress
// records: what encoding/json (RFC 3339) writes, years 0 to 9999.
var (
	firstEventTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	lastEventTime  = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// eventTime returns e's time as a Progress records it: within years 0 to
// 9999 (an event's time beyond, which an outbox may carry, is the nearest
// end of that range), so that the document always encodes as JSON.
func eventTime(e oms.Event) time.Time {
	t := e.Time
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 || t.Year() < 0 || t.Year() > 9999 {
		t = t.UTC()
	}
	switch {
	case t.Before(firstEventTime):
		return firstEventTime
	case t.After(lastEventTime):
		return lastEventTime
	}
	return t
}

// units refuses a line's units below least: no package makes such an
// event, and taken as they come they would make counters negative, and
// differences of counters wrap. (Counters saturate at the top.)
func units(entity, field string, i int, q, least int64) error {
	if q < least {
		return oms.Validationf(entity, field+"["+strconv.Itoa(i)+"].quantity", "%d units is below %d", q, least)
	}
	return nil
}

func shipmentScope(id oms.ID) string { return "shipment:" + string(id) }
func returnScope(id oms.ID) string   { return "return:" + string(id) }

// read decodes e. It returns ok false for an event notify does not use,
// and an error for a known event whose payload cannot be read.
func read(e oms.Event) (change, bool, error) {
	switch e.Type {
	case order.EventPlaced:
		var pl order.PlacedPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		for i, l := range pl.Lines {
			if err := units("order event", "lines", i, l.Quantity, 0); err != nil {
				return change{}, false, err
			}
		}
		return change{doc: e.AggregateID, apply: func(p *Progress, d *decider) {
			if p.Number == "" {
				p.Number = pl.Number
			}
			if p.Customer.ID == "" {
				p.Customer.ID = pl.CustomerID
			}
			if p.Customer.Email == "" {
				p.Customer.Email = pl.Email
			}
			if p.Status == "" {
				p.Status = "placed"
			}
			for _, l := range pl.Lines {
				x := p.line(l.LineID)
				x.SKU = l.SKU
				if x.Quantity == 0 && x.Cancelled == 0 {
					x.Quantity = l.Quantity
				}
			}
		}}, true, nil
	case order.EventConfirmed:
		var pl order.ConfirmedPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		for i, l := range pl.Lines {
			if err := units("order event", "lines", i, l.Quantity, 0); err != nil {
				return change{}, false, err
			}
		}
		return change{doc: e.AggregateID, apply: func(p *Progress, d *decider) {
			p.Number = pl.Number
			p.Customer = Contact{ID: pl.Customer.ID, Name: pl.Customer.Name, Email: pl.Customer.Email, Phone: pl.Customer.Phone}
			if p.Status == "" || p.Status == "placed" {
				p.Status = "confirmed"
			}
			p.Total = pl.Totals.GrandTotal
			for _, l := range pl.Lines {
				x := p.line(l.LineID)
				x.SKU, x.Name, x.Quantity, x.Total = l.SKU, l.Name, l.Quantity, l.Total
			}
			if p.ExchangeOf == "" {
				d.decide(KindOrderConfirmed, "order", Details{})
			}
			partial(p, d)
		}}, true, nil
	case order.EventCancelled, order.EventLinesCancelled:
		var pl order.CancelPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		for i, l := range pl.Lines {
			if err := units("order event", "lines", i, l.Quantity, 1); err != nil {
				return change{}, false, err
			}
		}
		whole := e.Type == order.EventCancelled
		version := e.AggregateVersion
		return change{doc: e.AggregateID, apply: func(p *Progress, d *decider) {
			var lines []LineQuantity
			for _, l := range pl.Lines {
				x := p.line(l.LineID)
				x.Cancelled = satAdd(x.Cancelled, l.Quantity)
				x.Quantity = max(0, x.Quantity-l.Quantity)
				lines = append(lines, LineQuantity{LineID: l.LineID, SKU: x.SKU, Name: x.Name, Quantity: l.Quantity})
			}
			if whole {
				p.Status = "cancelled"
				d.decide(KindOrderCancelled, "order", Details{Lines: lines})
				return
			}
			if p.Status != "cancelled" {
				d.decide(KindLinesCancelled, "cancellation:"+strconv.FormatInt(version, 10), Details{Lines: lines})
			}
		}}, true, nil
	case order.EventShipped, order.EventDelivered, order.EventReturned:
		var pl order.CounterPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		for i, l := range pl.Lines {
			if err := units("order event", "lines", i, l.Quantity, 1); err != nil {
				return change{}, false, err
			}
		}
		typ := e.Type
		return change{doc: e.AggregateID, apply: func(p *Progress, d *decider) {
			key := typ + "/" + pl.Key
			for _, k := range p.Counted {
				if k == key {
					return
				}
			}
			p.Counted = append(p.Counted, key)
			for _, l := range pl.Lines {
				x := p.line(l.LineID)
				switch typ {
				case order.EventShipped:
					x.Shipped = satAdd(x.Shipped, l.Quantity)
				case order.EventDelivered:
					x.Delivered = satAdd(x.Delivered, l.Quantity)
				default:
					x.Returned = satAdd(x.Returned, l.Quantity)
				}
			}
			if typ == order.EventShipped {
				partial(p, d)
			}
		}}, true, nil
	case order.EventCompleted:
		return change{doc: e.AggregateID, apply: func(p *Progress, d *decider) {
			if p.Status != "cancelled" {
				p.Status = "completed"
			}
		}}, true, nil
	case order.EventRefunded:
		var pl order.RefundedPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		if pl.Amount.IsNegative() {
			return change{}, false, oms.Validationf("order event", "amount", "a refund of %s is negative", pl.Amount)
		}
		at := eventTime(e)
		return change{doc: e.AggregateID, apply: func(p *Progress, d *decider) {
			for _, r := range p.Refunds {
				if r.Key == pl.Key {
					return
				}
			}
			p.Refunds = append(p.Refunds, RefundView{Key: pl.Key, Amount: pl.Amount, Reason: pl.Reason, At: at})
			d.decide(KindRefundIssued, "refund:"+pl.Key, Details{Amount: pl.Amount})
		}}, true, nil

	case tracking.EventRegistered, tracking.EventStatusChanged, tracking.EventEstimateChanged, tracking.EventExceptionDetected:
		return readTracking(e)

	case fulfillment.EventShipmentCreated, fulfillment.EventLabelPurchased, fulfillment.EventShipped, fulfillment.EventReadyForPickup, fulfillment.EventPickedUp, fulfillment.EventPackageDelivered, fulfillment.EventDelivered, fulfillment.EventException:
		var pl fulfillment.ShipmentPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		if pl.OrderID == "" {
			return change{}, false, oms.Validationf("shipment event", "order_id", "is required")
		}
		return change{doc: pl.OrderID, apply: func(p *Progress, d *decider) {
			applyShipment(p, d, e.Type, e.AggregateID, eventTime(e), pl)
		}}, true, nil

	case returns.EventRequested, returns.EventClaimOpened, returns.EventApproved, returns.EventRejected, returns.EventCancelled, returns.EventExpired,
		returns.EventLabelIssued, returns.EventInTransit, returns.EventReceived, returns.EventInspected, returns.EventRefunded, returns.EventStoreCreditIssued,
		returns.EventExchangeCreated, returns.EventCompleted:
		return readReturn(e)
	}
	return change{}, false, nil
}

// partial decides partially_shipped when some active units shipped and
// some did not.
func partial(p *Progress, d *decider) {
	if p.Status == "" || p.Status == "placed" {
		return // the lines are not confirmed yet
	}
	var shipped, rest int64
	var left []LineQuantity
	for _, l := range p.Lines {
		shipped = satAdd(shipped, min(l.Shipped, l.Quantity))
		if l.Quantity > l.Shipped {
			rest = satAdd(rest, l.Quantity-l.Shipped)
			left = append(left, LineQuantity{LineID: l.LineID, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity - l.Shipped})
		}
	}
	if shipped > 0 && rest > 0 && p.Status != "cancelled" {
		d.decide(KindPartiallyShipped, "order", Details{Lines: left})
	}
}

func readTracking(e oms.Event) (change, bool, error) {
	var snap tracking.Snapshot
	var sc tracking.StatusChangedPayload
	var ex tracking.ExceptionDetectedPayload
	switch e.Type {
	case tracking.EventStatusChanged:
		if err := e.Decode(&sc); err != nil {
			return change{}, false, err
		}
		snap = sc.Snapshot
	case tracking.EventExceptionDetected:
		if err := e.Decode(&ex); err != nil {
			return change{}, false, err
		}
		snap = ex.Snapshot
	default:
		if err := e.Decode(&snap); err != nil {
			return change{}, false, err
		}
	}
	if snap.ShipmentRef == "" {
		return change{}, false, oms.Validationf("tracking event", "shipment_ref", "is required")
	}
	doc := snap.OrderRef
	if doc == "" {
		doc = snap.ShipmentRef
	}
	return change{doc: doc, apply: func(p *Progress, d *decider) {
		if p.Customer.ID == "" {
			p.Customer.ID = snap.CustomerID
		}
		s := p.shipment(snap.ShipmentRef)
		if s.Carrier == "" {
			s.Carrier = snap.Carrier
		}
		if s.PromisedBy.IsZero() {
			s.PromisedBy = snap.PromisedBy
		}
		pk := s.pkg(-1, snap.TrackingNumber)
		// The snapshot tells the tracker as of this event: an older one
		// than already read (delivered late, out of order) is stale.
		// (An event without a version is taken as it comes.) A stale
		// event still decides its milestone, which ranks guard, but
		// leaves the package's and the shipment's status as they are.
		v := e.AggregateVersion
		fresh := v <= 0 || v >= pk.TrackerVersion
		if fresh {
			pk.TrackerVersion = max(pk.TrackerVersion, v)
			if snap.TrackingURL != "" {
				pk.TrackingURL = snap.TrackingURL
			}
			if d := estimateOf(snap); !d.IsZero() {
				pk.EstimatedDelivery = d
			}
			if !pk.Delivered {
				pk.Status = snap.Status
			}
		}
		scope := shipmentScope(s.ID)
		switch e.Type {
		case tracking.EventStatusChanged:
			pk.Timeline = append(pk.Timeline, TimelineEntry{At: sc.At, Status: sc.Status, Reason: sc.Reason, Text: sc.RawText})
			switch sc.Status {
			case tracking.StatusInTransit:
				if fresh && s.Status == ShipmentException && !s.troubled() {
					s.Status = ShipmentShipped // on its way again
				}
				shipped(p, d, s, eventTime(e))
			case tracking.StatusOutForDelivery:
				// A parcel moving on does not clear another parcel's
				// trouble (as for in transit).
				if fresh && !s.final() && (s.Status != ShipmentException || !s.troubled()) {
					s.Status = ShipmentOutForDelivery
				}
				d.decide(KindOutForDelivery, scope, Details{})
			case tracking.StatusAvailableForPickup:
				if fresh && !s.final() && (s.Status != ShipmentException || !s.troubled()) {
					s.Status = ShipmentReadyForPickup
				}
				d.decide(KindReadyForPickup, scope, Details{})
			case tracking.StatusDelivered:
				pk.Delivered = true
				delivered(p, d, s, eventTime(e))
			case tracking.StatusDeliveryFailed, tracking.StatusException, tracking.StatusReturning, tracking.StatusReturned, tracking.StatusExpired:
				if sc.Reason == tracking.ReasonTrackingError {
					break // the tracking API failed, not the parcel
				}
				reason := string(sc.Reason)
				if reason == "" {
					reason = string(sc.Status)
				}
				exception(d, s, reason, nextFor(string(sc.Reason), sc.Status), fresh)
			}
		case tracking.EventExceptionDetected:
			if ex.Alert.Reason == tracking.ReasonTrackingError || snap.Reason == tracking.ReasonTrackingError {
				break
			}
			reason := string(ex.Alert.Reason)
			if reason == "" {
				reason = string(ex.Alert.Kind)
			}
			next := nextFor(string(ex.Alert.Reason), ex.Alert.Status)
			if next == NextWait && ex.Alert.Kind != "" {
				next = nextFor(string(ex.Alert.Kind), ex.Alert.Status)
			}
			exception(d, s, reason, next, fresh)
		}
		s.estimate()
	}}, true, nil
}

// shipped marks s shipped and decides shipped (exchange_shipped for the
// replacement order of an exchange).
func shipped(p *Progress, d *decider, s *ShipmentView, at time.Time) {
	if s.Status == ShipmentPending {
		s.Status = ShipmentShipped
	}
	if s.ShippedAt.IsZero() || at.Before(s.ShippedAt) {
		s.ShippedAt = at // the first report, whatever order they came in
	}
	kind := KindShipped
	if p.ExchangeOf != "" {
		kind = KindExchangeShipped
	}
	if p.Decided(shipmentScope(s.ID), KindShipped) || p.Decided(shipmentScope(s.ID), KindExchangeShipped) {
		return
	}
	d.decide(kind, shipmentScope(s.ID), Details{ShipmentID: s.ID})
}

// delivered decides delivered once fulfillment said the whole shipment
// was delivered and every package notify knows of was seen delivered:
// tracking's deliveries are per package (one parcel of three arriving is
// not the shipment's delivery), and a redelivered or late event must not
// let the shipment's delivery overtake a package's.
//
// With Options.DeliveredByTracking (hosts without fulfillment), every
// parcel tracking reported for the shipment being delivered is enough.
func delivered(p *Progress, d *decider, s *ShipmentView, at time.Time) {
	if !s.AllDelivered && (!d.byTracking || len(s.Packages) == 0) {
		return
	}
	for _, pk := range s.Packages {
		if !pk.Delivered {
			return
		}
	}
	if s.Status != ShipmentPickedUp {
		s.Status = ShipmentDelivered
	}
	if s.DeliveredAt.IsZero() {
		s.DeliveredAt = at
	}
	d.decide(KindDelivered, shipmentScope(s.ID), Details{ShipmentID: s.ID})
}

// exception decides delivery_exception; current says the report is not
// older than what the shipment shows, so that it may show it.
func exception(d *decider, s *ShipmentView, reason, next string, current bool) {
	if current && !s.final() {
		s.Status = ShipmentException
		s.Exception = reason
	}
	d.decide(KindDeliveryException, shipmentScope(s.ID), Details{ShipmentID: s.ID, Reason: reason, Next: next})
}

func applyShipment(p *Progress, d *decider, typ string, id oms.ID, at time.Time, pl fulfillment.ShipmentPayload) {
	s := p.shipment(id)
	if pl.Carrier != "" {
		s.Carrier = pl.Carrier
	}
	var pk *PackageView
	if pl.Package >= 0 {
		pk = s.pkg(pl.Package, pl.TrackingNumber)
	}
	switch typ {
	case fulfillment.EventShipped:
		if pl.Package < 0 {
			shipped(p, d, s, at)
		}
	case fulfillment.EventReadyForPickup:
		if !s.final() {
			s.Status = ShipmentReadyForPickup
		}
		d.decide(KindReadyForPickup, shipmentScope(s.ID), Details{ShipmentID: s.ID})
	case fulfillment.EventPickedUp:
		s.Status = ShipmentPickedUp
		s.AllDelivered = true
		for i := range s.Packages {
			s.Packages[i].Delivered = true
		}
		delivered(p, d, s, at)
	case fulfillment.EventPackageDelivered:
		if pk != nil {
			pk.Delivered = true
			pk.Status = tracking.StatusDelivered
		}
		delivered(p, d, s, at)
	case fulfillment.EventDelivered:
		s.AllDelivered = true
		delivered(p, d, s, at)
	case fulfillment.EventException:
		if pk != nil && !pk.Delivered {
			// The parcel is in trouble until tracking scans it again, so
			// that another parcel moving on does not clear the shipment's
			// exception.
			pk.Status = tracking.StatusException
		}
		exception(d, s, pl.Exception, nextFor(exceptionReason(pl.Exception), ""), true)
	}
	s.estimate()
}

// exceptionReason returns the reason part of a fulfillment exception code
// ("delivery_failed:address_issue" gives "address_issue").
func exceptionReason(code string) string {
	for i := len(code) - 1; i >= 0; i-- {
		if code[i] == ':' {
			return code[i+1:]
		}
	}
	return code
}

func readReturn(e oms.Event) (change, bool, error) {
	id := e.AggregateID
	at := eventTime(e)
	var orderID oms.ID
	var apply func(p *Progress, d *decider)
	var exchange oms.ID
	switch e.Type {
	case returns.EventRequested, returns.EventClaimOpened:
		var pl returns.RequestedPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		for i, l := range pl.Lines {
			if err := units("return event", "lines", i, l.Quantity, 1); err != nil {
				return change{}, false, err
			}
		}
		orderID = pl.OrderID
		apply = func(p *Progress, d *decider) {
			if p.Customer.ID == "" {
				p.Customer.ID = pl.CustomerID
			}
			r := p.returnOf(id)
			if len(r.Lines) == 0 {
				for _, l := range pl.Lines {
					x := p.line(l.OrderLineID)
					r.Lines = append(r.Lines, LineQuantity{LineID: l.OrderLineID, SKU: l.SKU, Name: x.Name, Quantity: l.Quantity})
				}
			}
		}
	case returns.EventLabelIssued:
		var pl returns.LabelPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		orderID = pl.OrderID
		apply = func(p *Progress, d *decider) {
			r := p.returnOf(id)
			r.Carrier, r.LabelURL, r.Tracking = pl.Carrier, pl.URL, nil
			for _, tn := range pl.TrackingNumbers {
				r.Tracking = append(r.Tracking, TrackingLink{Number: tn})
			}
			advanceReturn(r, "label_issued")
			det := Details{ReturnID: id, Carrier: pl.Carrier, Tracking: r.Tracking, LabelURL: pl.URL}
			if p.Decided(returnScope(id), KindReturnApproved) {
				d.decide(KindReturnLabel, returnScope(id), det)
			} else {
				d.decide(KindReturnApproved, returnScope(id), det)
			}
		}
	case returns.EventReceived:
		var pl returns.ReceivedPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		orderID = pl.OrderID
		apply = func(p *Progress, d *decider) {
			r := p.returnOf(id)
			if pl.Complete {
				advanceReturn(r, "received")
			} else {
				advanceReturn(r, "partially_received")
			}
			d.decide(KindReturnReceived, returnScope(id), Details{ReturnID: id})
		}
	case returns.EventRefunded:
		var pl returns.RefundPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		orderID = pl.OrderID
		apply = func(p *Progress, d *decider) {
			p.returnOf(id).Refunded = pl.Breakdown.Total
		}
	case returns.EventStoreCreditIssued:
		var pl returns.CreditPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		orderID = pl.OrderID
		apply = func(p *Progress, d *decider) {}
	case returns.EventExchangeCreated:
		var pl returns.ExchangePayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		orderID, exchange = pl.OrderID, pl.ReplacementOrderID
		apply = func(p *Progress, d *decider) {
			p.returnOf(id).ReplacementOrderID = pl.ReplacementOrderID
		}
	default:
		var pl returns.StatusPayload
		if err := e.Decode(&pl); err != nil {
			return change{}, false, err
		}
		orderID = pl.OrderID
		typ := e.Type
		apply = func(p *Progress, d *decider) {
			r := p.returnOf(id)
			if pl.To != "" {
				advanceReturn(r, string(pl.To))
			}
			if typ == returns.EventApproved {
				d.decide(KindReturnApproved, returnScope(id), Details{ReturnID: id, Carrier: r.Carrier, Tracking: r.Tracking, LabelURL: r.LabelURL})
			}
		}
	}
	if orderID == "" {
		return change{}, false, oms.Validationf("return event", "order_id", "is required")
	}
	_ = at
	return change{doc: orderID, apply: apply, exchange: exchange}, true, nil
}

// returnOrder ranks the return statuses so that a status read late never
// moves a return back.
var returnOrder = map[string]int{
	"requested": 0, "approved": 1, "label_issued": 2, "in_transit": 3, "partially_received": 4, "received": 5,
	"inspected": 6, "rejected": 9, "cancelled": 9, "expired": 9, "completed": 9,
}

func advanceReturn(r *ReturnView, to string) {
	if returnOrder[to] >= returnOrder[r.Status] {
		r.Status = to
	}
}

// satAdd adds without wrapping past the int64 range.
func satAdd(a, b int64) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		if b > 0 {
			return 1<<63 - 1
		}
		return -1 << 63
	}
	return s
}

// estimateOf returns the snapshot's estimated delivery day.
func estimateOf(snap tracking.Snapshot) oms.Date { return snap.EstimatedDelivery }
