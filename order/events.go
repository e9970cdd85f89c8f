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
	LineID   oms.ID `json:"line_id"`
	Quantity int64  `json:"quantity"`
}

// LineSummary names a line with its SKU, in the events that add or remove
// lines.
type LineSummary struct {
	LineID   oms.ID  `json:"line_id"`
	SKU      oms.SKU `json:"sku"`
	Quantity int64   `json:"quantity"`
}

// PlacedPayload is the payload of order.placed.
type PlacedPayload struct {
	Number     string        `json:"number"`
	CustomerID oms.ID        `json:"customer_id,omitempty"`
	Email      string        `json:"email"`
	Channel    string        `json:"channel,omitempty"`
	Lines      []LineSummary `json:"lines"`
	GrandTotal oms.Money     `json:"grand_total"`
}

// StatusPayload is the payload of order.confirmed and order.completed.
type StatusPayload struct {
	From Status `json:"from"`
	To   Status `json:"to"`
}

// HoldPayload is the payload of order.hold_added and order.hold_released.
type HoldPayload struct {
	HoldID oms.ID     `json:"hold_id"`
	Reason HoldReason `json:"reason"`
	By     string     `json:"by,omitempty"`
	Note   string     `json:"note,omitempty"`
}

// CancelPayload is the payload of order.cancelled and
// order.lines_cancelled. Released lists the allocated units that the
// cancellation freed, for the fulfillment and inventory packages to
// release their reservations.
type CancelPayload struct {
	Lines    []LineQuantity `json:"lines"`
	Released []LineQuantity `json:"released,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	By       string         `json:"by,omitempty"`
}

// EditPayload is the payload of order.edited.
type EditPayload struct {
	Added      []LineSummary  `json:"added,omitempty"`
	Removed    []LineSummary  `json:"removed,omitempty"`
	Changed    []LineQuantity `json:"changed,omitempty"`
	By         string         `json:"by,omitempty"`
	Before     oms.Money      `json:"grand_total_before"`
	GrandTotal oms.Money      `json:"grand_total"`
}

// CounterPayload is the payload of order.allocated, order.fulfilled,
// order.shipped, order.delivered and order.returned.
type CounterPayload struct {
	Key       string         `json:"key"`
	Reference string         `json:"reference,omitempty"`
	Lines     []LineQuantity `json:"lines"`
}

// NotePayload is the payload of order.note_added.
type NotePayload struct {
	By   string `json:"by,omitempty"`
	Text string `json:"text"`
}

// PaymentPayload is the payload of the order.payment_* events.
type PaymentPayload struct {
	Kind      TransactionKind `json:"kind"`
	Amount    oms.Money       `json:"amount"`
	Reference string          `json:"reference,omitempty"`
	Key       string          `json:"key"`
}

// PaymentFailedPayload is the payload of order.payment_failed, saved when
// an authorization is declined or fails.
type PaymentFailedPayload struct {
	Kind   TransactionKind `json:"kind"`
	Amount oms.Money       `json:"amount"`
	Key    string          `json:"key"`
	Error  string          `json:"error"`
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
