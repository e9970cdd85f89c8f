package order

import (
	"time"

	"github.com/omskit/oms"
)

// AggregateKind is the oms.Event.AggregateKind of order events.
const AggregateKind = "order"

// Event types. Every accepted change saves at least one of them with the
// order, in the same write, through the store's outbox.
const (
	EventPlaced            = "order.placed"
	EventConfirmed         = "order.confirmed"
	EventHoldAdded         = "order.hold_added"
	EventHoldReleased      = "order.hold_released"
	EventCancelled         = "order.cancelled"
	EventLinesCancelled    = "order.lines_cancelled"
	EventEdited            = "order.edited"
	EventAllocated         = "order.allocated"
	EventFulfilled         = "order.fulfilled"
	EventShipped           = "order.shipped"
	EventDelivered         = "order.delivered"
	EventReturned          = "order.returned"
	EventCompleted         = "order.completed"
	EventNoteAdded         = "order.note_added"
	EventPaymentAuthorized = "order.payment_authorized"
	EventPaymentCaptured   = "order.payment_captured"
	EventPaymentVoided     = "order.payment_voided"
	EventPaymentRefunded   = "order.payment_refunded"
	EventPaymentRequested  = "order.payment_requested"
	EventPaymentFailed     = "order.payment_failed"
)

// LineQuantity is a quantity of one line, the unit of the counter moves and
// of cancellations.
type LineQuantity struct {
	// LineID identifies the line within its order.
	LineID oms.ID `json:"line_id"`
	// Quantity is a number of units, positive.
	Quantity int64 `json:"quantity"`
}

// LineSummary names a line with its SKU, in the events that add or remove
// lines.
type LineSummary struct {
	LineID oms.ID  `json:"line_id"`
	SKU    oms.SKU `json:"sku"`
	// Quantity is the line's ordered quantity.
	Quantity int64 `json:"quantity"`
}

// PlacedPayload is the payload of order.placed.
type PlacedPayload struct {
	// Number is the order's human-readable number.
	Number string `json:"number"`
	// CustomerID is the host's customer ID; empty for a guest.
	CustomerID oms.ID `json:"customer_id,omitempty"`
	// Email is the customer's e-mail address.
	Email   string `json:"email"`
	Channel string `json:"channel,omitempty"`
	// Lines are the ordered lines.
	Lines []LineSummary `json:"lines"`
	// GrandTotal is what the customer pays (Totals.GrandTotal).
	GrandTotal oms.Money `json:"grand_total"`
}

// ConfirmedPayload is the payload of order.confirmed. It carries what a
// confirmation message or a downstream system needs without reading the
// order back: the customer, the number, where it goes, the lines and the
// totals as confirmed.
type ConfirmedPayload struct {
	// From is the status the order left (pending); To is confirmed.
	From Status `json:"from"`
	To   Status `json:"to"`
	// Number is the order's human-readable number.
	Number string `json:"number"`
	// Customer is who placed the order.
	Customer Customer `json:"customer"`
	Channel  string   `json:"channel,omitempty"`
	// ShippingAddress is where the goods go (zero when nothing ships).
	ShippingAddress oms.Address `json:"shipping_address"`
	// Shipping is the chosen service level and the promised window.
	Shipping ShippingOption `json:"shipping"`
	// Lines are the lines with units still active.
	Lines []ConfirmedLine `json:"lines"`
	// Totals are the order's totals when it was confirmed.
	Totals Totals `json:"totals"`
}

// ConfirmedLine is one line of a ConfirmedPayload.
type ConfirmedLine struct {
	LineID oms.ID  `json:"line_id"`
	SKU    oms.SKU `json:"sku"`
	// Name is the product name the customer saw.
	Name string `json:"name"`
	// Quantity is the active quantity (ordered minus cancelled).
	Quantity int64 `json:"quantity"`
	// UnitPrice is the price of one unit before discounts and tax.
	UnitPrice oms.Money `json:"unit_price"`
	// Total is what the line costs after discounts, with its tax
	// (LineTotals.Total).
	Total oms.Money `json:"total"`
	// RequiresShipping is false for goods that are not shipped.
	RequiresShipping bool `json:"requires_shipping"`
}

// StatusPayload is the payload of order.completed: the status the order
// left and the one it entered.
type StatusPayload struct {
	From Status `json:"from"`
	To   Status `json:"to"`
}

// HoldPayload is the payload of order.hold_added and order.hold_released.
type HoldPayload struct {
	// HoldID identifies the hold within the order (for ReleaseHold).
	HoldID oms.ID     `json:"hold_id"`
	Reason HoldReason `json:"reason"`
	// By is who added or released the hold ("system" or "payment" for
	// the Service's own holds).
	By   string `json:"by,omitempty"`
	Note string `json:"note,omitempty"`
}

// CancelPayload is the payload of order.cancelled and
// order.lines_cancelled.
type CancelPayload struct {
	// Lines are the units cancelled by this change (empty when the order
	// is cancelled because every unit already was).
	Lines []LineQuantity `json:"lines"`
	// Released lists the allocated units that the cancellation freed, for
	// the fulfillment and inventory packages to release their
	// reservations.
	Released []LineQuantity `json:"released,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	By       string         `json:"by,omitempty"`
}

// EditPayload is the payload of order.edited.
type EditPayload struct {
	// Added and Removed are the lines added and removed.
	Added   []LineSummary `json:"added,omitempty"`
	Removed []LineSummary `json:"removed,omitempty"`
	// Changed are the lines whose ordered quantity changed, with the new
	// quantity.
	Changed []LineQuantity `json:"changed,omitempty"`
	By      string         `json:"by,omitempty"`
	// Before and GrandTotal are the grand totals before and after.
	Before     oms.Money `json:"grand_total_before"`
	GrandTotal oms.Money `json:"grand_total"`
}

// CounterPayload is the payload of order.allocated, order.fulfilled,
// order.shipped, order.delivered and order.returned.
type CounterPayload struct {
	// Key is the caller's key of the move (a fulfillment order or
	// shipment ID).
	Key string `json:"key"`
	// Reference is the caller's free text (a tracking number).
	Reference string `json:"reference,omitempty"`
	// Lines are the units moved, added to the counter.
	Lines []LineQuantity `json:"lines"`
}

// NotePayload is the payload of order.note_added.
type NotePayload struct {
	By   string `json:"by,omitempty"`
	Text string `json:"text"`
}

// PaymentPayload is the payload of order.payment_requested,
// order.payment_authorized, order.payment_captured, order.payment_voided
// and order.payment_refunded.
type PaymentPayload struct {
	Kind   TransactionKind `json:"kind"`
	Amount oms.Money       `json:"amount"`
	// Reference is the gateway's ID of the transaction (empty while
	// requested).
	Reference string `json:"reference,omitempty"`
	// Key is the idempotency key sent to the gateway.
	Key string `json:"key"`
}

// PaymentFailedPayload is the payload of order.payment_failed, saved when
// an authorization is declined or fails.
type PaymentFailedPayload struct {
	Kind   TransactionKind `json:"kind"`
	Amount oms.Money       `json:"amount"`
	// Key is the idempotency key sent to the gateway.
	Key string `json:"key"`
	// Error is the gateway's error text, clipped.
	Error string `json:"error"`
}

// NewPayload returns a pointer to a new, zero payload of the type that
// events of eventType carry (such as *ConfirmedPayload for
// EventConfirmed), for a consumer to decode oms.Event.Payload into; nil
// for an event type this package does not save.
func NewPayload(eventType string) any {
	switch eventType {
	case EventPlaced:
		return new(PlacedPayload)
	case EventConfirmed:
		return new(ConfirmedPayload)
	case EventCompleted:
		return new(StatusPayload)
	case EventHoldAdded, EventHoldReleased:
		return new(HoldPayload)
	case EventCancelled, EventLinesCancelled:
		return new(CancelPayload)
	case EventEdited:
		return new(EditPayload)
	case EventAllocated, EventFulfilled, EventShipped, EventDelivered, EventReturned:
		return new(CounterPayload)
	case EventNoteAdded:
		return new(NotePayload)
	case EventPaymentAuthorized, EventPaymentCaptured, EventPaymentVoided, EventPaymentRefunded, EventPaymentRequested:
		return new(PaymentPayload)
	case EventPaymentFailed:
		return new(PaymentFailedPayload)
	}
	return nil
}

// EventTypes returns every event type this package saves.
func EventTypes() []string {
	return []string{EventPlaced, EventConfirmed, EventHoldAdded, EventHoldReleased, EventCancelled, EventLinesCancelled,
		EventEdited, EventAllocated, EventFulfilled, EventShipped, EventDelivered, EventReturned, EventCompleted,
		EventNoteAdded, EventPaymentAuthorized, EventPaymentCaptured, EventPaymentVoided, EventPaymentRefunded,
		EventPaymentRequested, EventPaymentFailed}
}

// pendingEvent is an event not yet stamped with its version and time.
type pendingEvent struct {
	typ     string
	payload any
}

// stamp turns the pending events of one change into oms.Events carrying
// the order's new version and the change's time.
func stamp(o *Order, at time.Time, pending []pendingEvent) ([]oms.Event, error) {
	out := make([]oms.Event, 0, len(pending))
	for _, p := range pending {
		e, err := oms.NewEvent(p.typ, AggregateKind, o.ID, o.Version, at, p.payload)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
