package returns

import (
	"time"

	"github.com/omskit/oms"
)

// AggregateKind is the oms.Event.AggregateKind of return events.
const AggregateKind = "return"

// Event types. Every accepted change saves at least one of them with the
// return, in the same write, through the store's outbox.
const (
	EventRequested         = "return.requested"
	EventApproved          = "return.approved"
	EventRejected          = "return.rejected"
	EventCancelled         = "return.cancelled"
	EventExpired           = "return.expired"
	EventLabelIssued       = "return.label_issued"
	EventInTransit         = "return.in_transit"
	EventReceived          = "return.received"
	EventInspected         = "return.inspected"
	EventStockMoved        = "return.stock_moved"
	EventRefundRequested   = "return.refund_requested"
	EventRefunded          = "return.refunded"
	EventStoreCreditIssued = "return.store_credit_issued"
	EventExchangeCreated   = "return.exchange_created"
	EventCompleted         = "return.completed"
	EventClaimOpened       = "return.claim_opened"
)

// StatusPayload is the payload of the events that only move the status
// (approved, rejected, cancelled, expired, in_transit, completed).
type StatusPayload struct {
	OrderID oms.ID `json:"order_id"`
	From    Status `json:"from"`
	To      Status `json:"to"`
	// Note is the reason given (a rejection, a cancellation).
	Note string `json:"note,omitempty"`
	// Outcomes are set on return.completed.
	Outcomes []Resolution `json:"outcomes,omitempty"`
}

// RequestedPayload is the payload of return.requested and
// return.claim_opened.
type RequestedPayload struct {
	OrderID    oms.ID     `json:"order_id"`
	CustomerID oms.ID     `json:"customer_id,omitempty"`
	Kind       Kind       `json:"kind"`
	Claim      ClaimType  `json:"claim,omitempty"`
	Lines      []LineNote `json:"lines"`
}

// LineNote names a quantity of a return line.
type LineNote struct {
	LineID      oms.ID  `json:"line_id"`
	OrderLineID oms.ID  `json:"order_line_id"`
	SKU         oms.SKU `json:"sku"`
	Quantity    int64   `json:"quantity"`
	Reason      Reason  `json:"reason,omitempty"`
}

// LabelPayload is the payload of return.label_issued.
type LabelPayload struct {
	OrderID         oms.ID    `json:"order_id"`
	Carrier         string    `json:"carrier"`
	LabelID         string    `json:"label_id"`
	TrackingNumbers []string  `json:"tracking_numbers"`
	Price           oms.Money `json:"price"`
	URL             string    `json:"url,omitempty"`
}

// ReceivedPayload is the payload of return.received: the units that
// arrived with this receipt.
type ReceivedPayload struct {
	OrderID oms.ID     `json:"order_id"`
	Key     string     `json:"key"`
	Lines   []LineNote `json:"lines"`
	// Complete is set when every authorized unit has arrived.
	Complete bool `json:"complete"`
}

// InspectedPayload is the payload of return.inspected.
type InspectedPayload struct {
	OrderID oms.ID       `json:"order_id"`
	Key     string       `json:"key"`
	Units   []Inspection `json:"units"`
	// Complete is set when every received unit is inspected.
	Complete bool `json:"complete"`
}

// StockMovedPayload is the payload of return.stock_moved.
type StockMovedPayload struct {
	Moves []StockMove `json:"moves"`
}

// RefundPayload is the payload of return.refund_requested and
// return.refunded.
type RefundPayload struct {
	OrderID   oms.ID    `json:"order_id"`
	Key       string    `json:"key"`
	Breakdown Breakdown `json:"breakdown"`
}

// CreditPayload is the payload of return.store_credit_issued.
type CreditPayload struct {
	OrderID    oms.ID    `json:"order_id"`
	CustomerID oms.ID    `json:"customer_id,omitempty"`
	Amount     oms.Money `json:"amount"`
}

// ExchangePayload is the payload of return.exchange_created.
type ExchangePayload struct {
	OrderID            oms.ID     `json:"order_id"`
	ReplacementOrderID oms.ID     `json:"replacement_order_id"`
	Advance            bool       `json:"advance,omitempty"`
	ReservationID      oms.ID     `json:"reservation_id,omitempty"`
	Difference         Difference `json:"difference"`
	// ChargeOrderID is the order charging what an advance exchange
	// left due once inspected (ExchangeRecord.ChargeOrderID).
	ChargeOrderID oms.ID `json:"charge_order_id,omitempty"`
}

// pendingEvent is an event not yet stamped with its version and time.
type pendingEvent struct {
	typ     string
	payload any
}

// stamp turns the pending events of one change into oms.Events carrying
// the return's new version and the change's time.
func stamp(r *Return, at time.Time, pending []pendingEvent) ([]oms.Event, error) {
	out := make([]oms.Event, 0, len(pending))
	for _, p := range pending {
		e, err := oms.NewEvent(p.typ, AggregateKind, r.ID, r.Version, at, p.payload)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
