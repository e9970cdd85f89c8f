package tracking

import (
	"time"

	"github.com/omskit/oms"
)

// AggregateKind is the aggregate kind of tracking's outbox events.
const AggregateKind = "tracker"

// Outbox event types. Each event's payload is the exported type named
// here; decode it with oms.Event.Decode.
const (
	// EventRegistered: a tracker was registered. Payload: RegisteredPayload.
	EventRegistered = "tracking.registered"
	// EventStatusChanged: the current status or reason changed. Payload:
	// StatusChangedPayload.
	EventStatusChanged = "tracking.status_changed"
	// EventEstimateChanged: the carrier's delivery estimate changed.
	// Payload: EstimateChangedPayload.
	EventEstimateChanged = "tracking.estimate_changed"
	// EventExceptionDetected: the sweep flagged a problem. Payload:
	// ExceptionDetectedPayload.
	EventExceptionDetected = "tracking.exception_detected"
)

// Snapshot is the part of a tracker that consumers of its events need
// (to notify the customer, update an order) without reading it back.
type Snapshot struct {
	// Carrier and TrackingNumber are the tracker's key.
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// ShipmentRef, OrderRef and CustomerID are the host's references given
	// at registration (OrderRef and CustomerID may be empty).
	ShipmentRef oms.ID `json:"shipment_ref,omitempty"`
	OrderRef    oms.ID `json:"order_ref,omitempty"`
	CustomerID  oms.ID `json:"customer_id,omitempty"`
	// TrackingURL is the carrier's public tracking page.
	TrackingURL string `json:"tracking_url,omitempty"`
	// Status and Reason are the tracker's current values after the change.
	Status Status `json:"status"`
	Reason Reason `json:"reason,omitempty"`
	// PromisedBy is the promised delivery day (zero: none) and
	// DestinationZone the IANA zone it ends in (empty: UTC).
	PromisedBy      oms.Date `json:"promised_by,omitzero"`
	DestinationZone string   `json:"destination_zone,omitempty"`
	// EstimatedDelivery is the carrier's current estimated delivery day;
	// zero when the carrier gave none.
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
}

// Snapshot returns t's snapshot.
func (t *Tracker) Snapshot() Snapshot {
	return Snapshot{
		Carrier: t.Carrier, TrackingNumber: t.TrackingNumber, ShipmentRef: t.ShipmentRef,
		OrderRef: t.OrderRef, CustomerID: t.CustomerID, TrackingURL: t.TrackingURL,
		Status: t.Status, Reason: t.Reason, PromisedBy: t.PromisedBy,
		DestinationZone: t.DestinationZone, EstimatedDelivery: t.EstimatedDelivery,
	}
}

// RegisteredPayload is the payload of EventRegistered: the new tracker.
type RegisteredPayload struct {
	Snapshot
}

// StatusChangedPayload is the payload of EventStatusChanged.
type StatusChangedPayload struct {
	Snapshot
	// From is the status before; Status (in Snapshot) the one after.
	From Status `json:"from"`
	// At is the time of the deciding scan.
	At time.Time `json:"at"`
	// RawCode and RawText are the deciding scan's carrier values.
	RawCode string `json:"raw_code,omitempty"`
	RawText string `json:"raw_text,omitempty"`
}

// EstimateChangedPayload is the payload of EventEstimateChanged; the new
// estimate is Snapshot.EstimatedDelivery.
type EstimateChangedPayload struct {
	Snapshot
	// Previous is the estimate before the change; zero when there was none.
	Previous oms.Date `json:"previous,omitzero"`
}

// ExceptionDetectedPayload is the payload of EventExceptionDetected.
type ExceptionDetectedPayload struct {
	Snapshot
	// Alert is the problem the sweep raised.
	Alert Alert `json:"alert"`
}

func newEvent(typ string, t *Tracker, at time.Time, payload any) (oms.Event, error) {
	return oms.NewEvent(typ, AggregateKind, t.ID, t.Version, at, payload)
}
