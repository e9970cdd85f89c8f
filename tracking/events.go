package tracking

import (
	"time"

	"github.com/omskit/oms"
)

// AggregateKind is the aggregate kind of tracking's outbox events.
const AggregateKind = "tracker"

// Outbox event types.
const (
	// EventRegistered: a tracker was registered. Payload: Snapshot.
	EventRegistered = "tracking.registered"
	// EventStatusChanged: the current status or reason changed. Payload:
	// StatusChange.
	EventStatusChanged = "tracking.status_changed"
	// EventEstimateChanged: the carrier's delivery estimate changed.
	// Payload: Snapshot.
	EventEstimateChanged = "tracking.estimate_changed"
	// EventExceptionDetected: the sweep flagged a problem. Payload:
	// AlertRaised.
	EventExceptionDetected = "tracking.exception_detected"
)

// Snapshot is the part of a tracker that consumers of its events need.
type Snapshot struct {
	Carrier           string    `json:"carrier"`
	TrackingNumber    string    `json:"tracking_number"`
	ShipmentRef       string    `json:"shipment_ref,omitempty"`
	OrderRef          string    `json:"order_ref,omitempty"`
	CustomerID        string    `json:"customer_id,omitempty"`
	TrackingURL       string    `json:"tracking_url,omitempty"`
	Status            Status    `json:"status"`
	Reason            Reason    `json:"reason,omitempty"`
	PromisedBy        time.Time `json:"promised_by,omitzero"`
	EstimatedDelivery time.Time `json:"estimated_delivery,omitzero"`
}

// Snapshot returns t's snapshot.
func (t *Tracker) Snapshot() Snapshot {
	return Snapshot{
		Carrier: t.Carrier, TrackingNumber: t.TrackingNumber, ShipmentRef: t.ShipmentRef,
		OrderRef: t.OrderRef, CustomerID: t.CustomerID, TrackingURL: t.TrackingURL,
		Status: t.Status, Reason: t.Reason, PromisedBy: t.PromisedBy,
		EstimatedDelivery: t.EstimatedDelivery,
	}
}

// StatusChange is the payload of EventStatusChanged.
type StatusChange struct {
	Snapshot
	// From is the status before; Status (in Snapshot) the one after.
	From Status `json:"from"`
	// At is the time of the deciding scan.
	At time.Time `json:"at"`
	// RawCode and RawText are the deciding scan's carrier values.
	RawCode string `json:"raw_code,omitempty"`
	RawText string `json:"raw_text,omitempty"`
}

// AlertRaised is the payload of EventExceptionDetected.
type AlertRaised struct {
	Snapshot
	Alert Alert `json:"alert"`
}

func newEvent(typ string, t *Tracker, at time.Time, payload any) (oms.Event, error) {
	return oms.NewEvent(typ, AggregateKind, t.ID, t.Version, at, payload)
}
