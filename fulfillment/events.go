package fulfillment

import (
	"time"

	"github.com/omskit/oms"
)

// Aggregate kinds of the package's events.
const (
	KindAllocation       = "fulfillment_allocation"
	KindFulfillmentOrder = "fulfillment_order"
	KindShipment         = "shipment"
)

// Event types. Payloads are the exported *Payload types below.
const (
	// EventAllocated: an order's plan is reserved and its fulfillment
	// orders exist (AllocatedPayload).
	EventAllocated = "fulfillment.allocated"
	// EventCreated: a fulfillment order was created (OrderPayload).
	EventCreated = "fulfillment_order.created"
	// EventStatusChanged: a fulfillment order changed status
	// (StatusPayload).
	EventStatusChanged = "fulfillment_order.status_changed"
	// EventHoldAdded and EventHoldReleased carry a HoldPayload.
	EventHoldAdded    = "fulfillment_order.hold_added"
	EventHoldReleased = "fulfillment_order.hold_released"
	// EventMoved, EventSplit and EventMerged carry a LinkPayload.
	EventMoved  = "fulfillment_order.moved"
	EventSplit  = "fulfillment_order.split"
	EventMerged = "fulfillment_order.merged"
	// EventPicked: picks confirmed (PickedPayload), short ones included.
	EventPicked = "fulfillment_order.picked"
	// EventPacked: packages made (PackedPayload).
	EventPacked = "fulfillment_order.packed"
	// EventRequestChanged: the third-party request moved
	// (RequestPayload).
	EventRequestChanged = "fulfillment_order.request_changed"
	// EventLinesCancelled: units the host cancelled on the order
	// (order.Service.CancelLines) left the fulfillment order before they
	// were packed, and their stock is released (LinesCancelledPayload).
	EventLinesCancelled = "fulfillment_order.lines_cancelled"
	// EventShippedBeyondOrder: a provider shipped units the order no
	// longer wants (cancelled on the order after the provider had them,
	// and it refused to cancel them, or was never asked): their stock
	// left with the shipment, but the order does not count them; the host
	// settles them with the provider or the customer
	// (LinesCancelledPayload, the units beyond the order).
	EventShippedBeyondOrder = "fulfillment_order.shipped_beyond_order"

	// Shipment events carry a ShipmentPayload.
	EventShipmentCreated  = "shipment.created"
	EventLabelPurchased   = "shipment.label_purchased"
	EventShipped          = "shipment.shipped"
	EventReadyForPickup   = "shipment.ready_for_pickup"
	EventPickedUp         = "shipment.picked_up"
	EventPackageDelivered = "shipment.package_delivered"
	EventDelivered        = "shipment.delivered"
	EventException        = "shipment.exception"
)

// AllocatedPayload is the payload of EventAllocated.
type AllocatedPayload struct {
	OrderID           oms.ID   `json:"order_id"`
	Reservation       oms.ID   `json:"reservation"`
	Plan              Plan     `json:"plan"`
	FulfillmentOrders []oms.ID `json:"fulfillment_orders"`
}

// OrderPayload is the payload of EventCreated.
type OrderPayload struct {
	OrderID  oms.ID `json:"order_id"`
	Location oms.ID `json:"location"`
	Status   Status `json:"status"`
	Lines    []Line `json:"lines"`
}

// LinesCancelledPayload is the payload of EventLinesCancelled: the units
// taken off, per line of the fulfillment order (its order line, SKU and
// reservation).
type LinesCancelledPayload struct {
	OrderID oms.ID `json:"order_id"`
	Lines   []Line `json:"lines"`
}

// StatusPayload is the payload of EventStatusChanged.
type StatusPayload struct {
	OrderID oms.ID `json:"order_id"`
	From    Status `json:"from"`
	To      Status `json:"to"`
	Reason  string `json:"reason,omitempty"`
}

// HoldPayload is the payload of EventHoldAdded and EventHoldReleased.
type HoldPayload struct {
	OrderID oms.ID `json:"order_id"`
	Hold    Hold   `json:"hold"`
}

// LinkPayload is the payload of EventMoved, EventSplit and EventMerged:
// the fulfillment orders the units came from and went to.
type LinkPayload struct {
	OrderID oms.ID   `json:"order_id"`
	From    []oms.ID `json:"from"`
	To      oms.ID   `json:"to"`
	// Location is the destination's location.
	Location oms.ID `json:"location"`
}

// PickedPayload is the payload of EventPicked.
type PickedPayload struct {
	OrderID oms.ID `json:"order_id"`
	Lines   []Line `json:"lines"`
	// Short is the number of units picked short.
	Short int64 `json:"short"`
}

// PackedPayload is the payload of EventPacked.
type PackedPayload struct {
	OrderID  oms.ID    `json:"order_id"`
	Packages []Package `json:"packages"`
}

// RequestPayload is the payload of EventRequestChanged.
type RequestPayload struct {
	OrderID oms.ID        `json:"order_id"`
	From    RequestStatus `json:"from"`
	To      RequestStatus `json:"to"`
	Message string        `json:"message,omitempty"`
}

// ShipmentPayload is the payload of the shipment events.
type ShipmentPayload struct {
	OrderID          oms.ID         `json:"order_id"`
	FulfillmentOrder oms.ID         `json:"fulfillment_order"`
	Status           ShipmentStatus `json:"status"`
	Carrier          string         `json:"carrier,omitempty"`
	// Package is the index of the package concerned, -1 for the whole
	// shipment.
	Package        int    `json:"package"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	// Exception says what went wrong, for EventException.
	Exception string `json:"exception,omitempty"`
}

type pendingEvent struct {
	typ     string
	payload any
}

// stampEvents makes the events of one aggregate version, appended to out
// (a change's events).
func stampEvents(out []oms.Event, kind string, id oms.ID, version int64, at time.Time, evs []pendingEvent) ([]oms.Event, error) {
	for _, pe := range evs {
		if pe.typ == "" {
			continue // a change saved without an event (a step marker)
		}
		e, err := oms.NewEvent(pe.typ, kind, id, version, at, pe.payload)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
