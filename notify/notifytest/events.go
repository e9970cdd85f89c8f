package notifytest

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/tracking"
)

// Script builds the outbox events of one order as order, tracking,
// fulfillment and returns save them: each event gets a new ID, its
// aggregate's next version and the script's time, which advances a
// second per event. A Script is not safe for concurrent use.
type Script struct {
	// Order is the order's ID; Number its human-readable number.
	Order  oms.ID
	Number string
	// Customer is who placed the order.
	Customer order.Customer
	// Currency is the order's currency; default EUR.
	Currency oms.Currency
	// At is the time of the next event.
	At       time.Time
	versions map[oms.ID]int64
	carriers map[oms.ID]string
}

// NewScript returns a script for order id with number and customer,
// starting at at.
func NewScript(id oms.ID, number string, customer order.Customer, at time.Time) *Script {
	return &Script{Order: id, Number: number, Customer: customer, Currency: "EUR", At: at,
		versions: map[oms.ID]int64{}, carriers: map[oms.ID]string{}}
}

func (s *Script) event(typ, kind string, agg oms.ID, payload any) oms.Event {
	s.versions[agg]++
	b, err := json.Marshal(payload)
	if err != nil {
		panic("notifytest: " + typ + ": " + err.Error()) // the payloads here always marshal
	}
	e := oms.Event{ID: oms.NewIDAt(s.At), Type: typ, AggregateKind: kind, AggregateID: agg,
		AggregateVersion: s.versions[agg], Time: s.At, Payload: b}
	s.At = s.At.Add(time.Second)
	return e
}

func (s *Script) money(amount string) oms.Money {
	m, err := oms.ParseAmount(amount, s.Currency)
	if err != nil {
		panic("notifytest: amount " + amount + ": " + err.Error())
	}
	return m
}

// Line is an order line for Confirmed.
type Line struct {
	ID       oms.ID
	SKU      oms.SKU
	Name     string
	Quantity int64
	// Total is the line's total as an amount in the script's currency
	// ("19.90"); empty means zero.
	Total string
}

// Placed returns order.placed.
func (s *Script) Placed(lines ...Line) oms.Event {
	p := order.PlacedPayload{Number: s.Number, CustomerID: s.Customer.ID, Email: s.Customer.Email, GrandTotal: s.money("0")}
	for _, l := range lines {
		p.Lines = append(p.Lines, order.LineSummary{LineID: l.ID, SKU: l.SKU, Quantity: l.Quantity})
	}
	return s.event(order.EventPlaced, order.AggregateKind, s.Order, p)
}

// Confirmed returns order.confirmed with the lines; the grand total is
// the sum of the lines' totals.
func (s *Script) Confirmed(lines ...Line) oms.Event {
	total := s.money("0")
	p := order.ConfirmedPayload{From: order.StatusPending, To: order.StatusConfirmed, Number: s.Number, Customer: s.Customer}
	for _, l := range lines {
		amt := "0"
		if l.Total != "" {
			amt = l.Total
		}
		lt := s.money(amt)
		total, _ = total.Add(lt)
		p.Lines = append(p.Lines, order.ConfirmedLine{LineID: l.ID, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: s.money("0"), Total: lt, RequiresShipping: true})
	}
	p.Totals.Currency = s.Currency
	p.Totals.GrandTotal = total
	return s.event(order.EventConfirmed, order.AggregateKind, s.Order, p)
}

// Cancelled returns order.cancelled for the units given (every active
// unit, as the order package lists them).
func (s *Script) Cancelled(units ...order.LineQuantity) oms.Event {
	return s.event(order.EventCancelled, order.AggregateKind, s.Order, order.CancelPayload{Lines: units, Reason: "customer"})
}

// LinesCancelled returns order.lines_cancelled.
func (s *Script) LinesCancelled(units ...order.LineQuantity) oms.Event {
	return s.event(order.EventLinesCancelled, order.AggregateKind, s.Order, order.CancelPayload{Lines: units, Reason: "customer"})
}

// OrderShipped returns order.shipped: the order's shipped counters move
// by units under key (a shipment ID).
func (s *Script) OrderShipped(key string, units ...order.LineQuantity) oms.Event {
	return s.event(order.EventShipped, order.AggregateKind, s.Order, order.CounterPayload{Key: key, Lines: units})
}

// OrderDelivered returns order.delivered.
func (s *Script) OrderDelivered(key string, units ...order.LineQuantity) oms.Event {
	return s.event(order.EventDelivered, order.AggregateKind, s.Order, order.CounterPayload{Key: key, Lines: units})
}

// Refunded returns order.refunded of amount (in the script's currency)
// under key.
func (s *Script) Refunded(key, amount string) oms.Event {
	return s.event(order.EventRefunded, order.AggregateKind, s.Order, order.RefundedPayload{
		Key: key, Amount: s.money(amount), Shipping: s.money("0"), PaymentKey: order.RefundPaymentKey(s.Order, key),
	})
}

// Shipment events, as fulfillment saves them: aggregate kind
// fulfillment.KindShipment, the shipment's ID as aggregate, a
// fulfillment.ShipmentPayload.
func (s *Script) shipment(typ string, shipment oms.ID, pkg int, tn, exception string) oms.Event {
	status := map[string]fulfillment.ShipmentStatus{
		fulfillment.EventShipmentCreated: fulfillment.ShipmentPending, fulfillment.EventLabelPurchased: fulfillment.ShipmentPending,
		fulfillment.EventShipped: fulfillment.ShipmentShipped, fulfillment.EventPackageDelivered: fulfillment.ShipmentShipped,
		fulfillment.EventDelivered: fulfillment.ShipmentDelivered, fulfillment.EventException: fulfillment.ShipmentException,
		fulfillment.EventReadyForPickup: fulfillment.ShipmentReadyForPickup, fulfillment.EventPickedUp: fulfillment.ShipmentPickedUp,
	}[typ]
	return s.event(typ, fulfillment.KindShipment, shipment, fulfillment.ShipmentPayload{
		OrderID: s.Order, FulfillmentOrder: oms.DeriveID(shipment, "fo"), Status: status,
		Carrier: s.carriers[shipment], Package: pkg, TrackingNumber: tn, Exception: exception,
	})
}

// ShipmentCreated returns shipment.created for a shipment with carrier.
func (s *Script) ShipmentCreated(shipment oms.ID, carrier string) oms.Event {
	s.carriers[shipment] = carrier
	return s.shipment(fulfillment.EventShipmentCreated, shipment, -1, "", "")
}

// LabelPurchased returns shipment.label_purchased for package index pkg
// with its tracking number.
func (s *Script) LabelPurchased(shipment oms.ID, pkg int, trackingNumber string) oms.Event {
	return s.shipment(fulfillment.EventLabelPurchased, shipment, pkg, trackingNumber, "")
}

// ShipmentShipped returns shipment.shipped for the whole shipment.
func (s *Script) ShipmentShipped(shipment oms.ID) oms.Event {
	return s.shipment(fulfillment.EventShipped, shipment, -1, "", "")
}

// PackageDelivered returns shipment.package_delivered for package pkg.
func (s *Script) PackageDelivered(shipment oms.ID, pkg int, trackingNumber string) oms.Event {
	return s.shipment(fulfillment.EventPackageDelivered, shipment, pkg, trackingNumber, "")
}

// ShipmentDelivered returns shipment.delivered: every package delivered.
func (s *Script) ShipmentDelivered(shipment oms.ID) oms.Event {
	return s.shipment(fulfillment.EventDelivered, shipment, -1, "", "")
}

// ShipmentException returns shipment.exception for package pkg with the
// fulfillment exception code ("delivery_failed:address_issue", "lost").
func (s *Script) ShipmentException(shipment oms.ID, pkg int, trackingNumber, code string) oms.Event {
	return s.shipment(fulfillment.EventException, shipment, pkg, trackingNumber, code)
}

// ReadyForPickup returns shipment.ready_for_pickup.
func (s *Script) ReadyForPickup(shipment oms.ID) oms.Event {
	return s.shipment(fulfillment.EventReadyForPickup, shipment, -1, "", "")
}

// PickedUp returns shipment.picked_up: the customer collected the
// shipment.
func (s *Script) PickedUp(shipment oms.ID) oms.Event {
	return s.shipment(fulfillment.EventPickedUp, shipment, -1, "", "")
}

// Tracking returns tracking.status_changed for one parcel of shipment,
// as tracking saves it (one tracker per tracking number).
func (s *Script) Tracking(shipment oms.ID, trackingNumber string, status tracking.Status, reason tracking.Reason) oms.Event {
	carrier := s.carriers[shipment]
	if carrier == "" {
		carrier = "ups"
	}
	tracker := oms.DeriveID(shipment, "tracker/"+trackingNumber)
	return s.event(tracking.EventStatusChanged, tracking.AggregateKind, tracker, tracking.StatusChangedPayload{
		Snapshot: tracking.Snapshot{Carrier: carrier, TrackingNumber: trackingNumber, ShipmentRef: shipment,
			OrderRef: s.Order, CustomerID: s.Customer.ID, TrackingURL: "https://track.example/" + trackingNumber,
			Status: status, Reason: reason},
		From: tracking.StatusPreTransit, At: s.At, RawText: string(status),
	})
}

// Exception returns tracking.exception_detected for one parcel.
func (s *Script) Exception(shipment oms.ID, trackingNumber string, kind tracking.AlertKind, reason tracking.Reason) oms.Event {
	tracker := oms.DeriveID(shipment, "tracker/"+trackingNumber)
	return s.event(tracking.EventExceptionDetected, tracking.AggregateKind, tracker, tracking.ExceptionDetectedPayload{
		Snapshot: tracking.Snapshot{Carrier: s.carriers[shipment], TrackingNumber: trackingNumber, ShipmentRef: shipment,
			OrderRef: s.Order, CustomerID: s.Customer.ID, Status: tracking.StatusInTransit},
		Alert: tracking.Alert{ID: string(kind), Kind: kind, Reason: reason, Status: tracking.StatusInTransit, At: s.At},
	})
}

// ReturnRequested returns return.requested for units of the order.
func (s *Script) ReturnRequested(id oms.ID, units ...order.LineQuantity) oms.Event {
	p := returns.RequestedPayload{OrderID: s.Order, CustomerID: s.Customer.ID, Kind: returns.KindReturn}
	for i, u := range units {
		p.Lines = append(p.Lines, returns.LineNote{LineID: oms.DeriveID(id, "line/"+strconv.Itoa(i)), OrderLineID: u.LineID, Quantity: u.Quantity})
	}
	return s.event(returns.EventRequested, returns.AggregateKind, id, p)
}

// ReturnApproved returns return.approved.
func (s *Script) ReturnApproved(id oms.ID) oms.Event {
	return s.event(returns.EventApproved, returns.AggregateKind, id, returns.StatusPayload{OrderID: s.Order, From: returns.StatusRequested, To: returns.StatusApproved})
}

// ReturnLabel returns return.label_issued with the label's address.
func (s *Script) ReturnLabel(id oms.ID, url string, trackingNumbers ...string) oms.Event {
	return s.event(returns.EventLabelIssued, returns.AggregateKind, id, returns.LabelPayload{OrderID: s.Order, Carrier: "dhl",
		LabelID: "L-" + string(id), TrackingNumbers: trackingNumbers, Price: s.money("5.00"), URL: url})
}

// ReturnReceived returns return.received.
func (s *Script) ReturnReceived(id oms.ID, complete bool) oms.Event {
	return s.event(returns.EventReceived, returns.AggregateKind, id, returns.ReceivedPayload{OrderID: s.Order, Key: "receipt-" + string(id), Complete: complete})
}

// ExchangeCreated returns return.exchange_created naming the replacement
// order.
func (s *Script) ExchangeCreated(id, replacement oms.ID) oms.Event {
	return s.event(returns.EventExchangeCreated, returns.AggregateKind, id, returns.ExchangePayload{OrderID: s.Order, ReplacementOrderID: replacement,
		Difference: returns.Difference{Replacement: s.money("0"), Credit: s.money("0"), Due: s.money("0"), Credited: s.money("0")}})
}

// Recorder is a notify.Sender that records what it is sent; it can be
// made to fail. It is safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	msgs []notify.Message
	// Fail, when set, is called before recording; a non-nil error is
	// returned and the message not recorded.
	Fail func(m notify.Message) error
}

// Send implements notify.Sender.
func (r *Recorder) Send(ctx context.Context, m notify.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Fail != nil {
		if err := r.Fail(m); err != nil {
			return err
		}
	}
	r.msgs = append(r.msgs, m)
	return nil
}

// Messages returns a copy of the messages sent so far, in order.
func (r *Recorder) Messages() []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

// Reset forgets the messages sent so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = nil
}

var _ notify.Sender = (*Recorder)(nil)
