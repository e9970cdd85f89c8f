package tracking

import (
	"strings"
	"time"

	"github.com/omskit/oms"
)

var statusLabels = map[Status]string{
	StatusPreTransit:         "Label created",
	StatusInTransit:          "In transit",
	StatusOutForDelivery:     "Out for delivery",
	StatusAvailableForPickup: "Ready for pickup",
	StatusDelivered:          "Delivered",
	StatusDeliveryFailed:     "Delivery attempt failed",
	StatusException:          "Delivery problem",
	StatusReturning:          "Returning to sender",
	StatusReturned:           "Returned to sender",
	StatusCancelled:          "Cancelled",
	StatusExpired:            "No recent updates",
	StatusUnknown:            "Status unavailable",
}

// StatusLabel returns a customer-facing English label for s.
func StatusLabel(s Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return statusLabels[StatusUnknown]
}

var reasonLabels = map[Reason]string{
	ReasonWeather:              "weather",
	ReasonAddressIssue:         "a problem with the address",
	ReasonRecipientUnavailable: "nobody was available",
	ReasonRecipientMoved:       "the recipient has moved",
	ReasonBusinessClosed:       "the business was closed",
	ReasonRefused:              "delivery was refused",
	ReasonDamaged:              "the parcel was damaged",
	ReasonLost:                 "the parcel was lost",
	ReasonCustoms:              "customs",
	ReasonCarrierDelay:         "a carrier delay",
	ReasonHeld:                 "the parcel is held by the carrier",
	ReasonPaymentRequired:      "a payment is due",
	ReasonNoScan:               "no recent carrier updates",
	ReasonPastPromisedDate:     "it is past the promised date",
	ReasonEstimateAfterPromise: "the carrier expects it later than promised",
	ReasonReturnToSender:       "it is being returned to us",
}

// ReasonLabel returns a customer-facing English phrase for r: a known
// reason's phrase, an open-set reason with its underscores as spaces, or
// "" for no reason.
func ReasonLabel(r Reason) string {
	if l, ok := reasonLabels[r]; ok {
		return l
	}
	return strings.ReplaceAll(string(r), "_", " ")
}

// MilestoneState is where a milestone stands on the timeline.
type MilestoneState string

// Milestone states.
const (
	MilestoneDone     MilestoneState = "done"
	MilestoneCurrent  MilestoneState = "current"
	MilestoneUpcoming MilestoneState = "upcoming"
)

// Milestone is one step of the customer's timeline.
type Milestone struct {
	// Status is the step and Label its English text ("Shipped").
	Status Status `json:"status"`
	Label  string `json:"label"`
	// State says whether the step is done, current or upcoming.
	State MilestoneState `json:"state"`
	// At is when the step was first reached; zero when not reached or
	// skipped by the carrier.
	At time.Time `json:"at,omitzero"`
}

// ViewEvent is one scan as a customer sees it.
type ViewEvent struct {
	// Time is the scan's time (UTC).
	Time time.Time `json:"time"`
	// Status is the scan's normalized status and Label its English label.
	Status Status `json:"status"`
	Label  string `json:"label"`
	// Text is the carrier's message and Location where the scan happened,
	// as the carrier wrote them.
	Text     string `json:"text,omitempty"`
	Location string `json:"location,omitempty"`
}

// View is the customer-facing tracking page of a tracker: the current
// status, the milestones timeline and the scans newest first.
type View struct {
	// Carrier and TrackingNumber are the tracker's key; TrackingURL the
	// carrier's public page.
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	TrackingURL    string `json:"tracking_url,omitempty"`
	// Status and Reason are the current values; StatusLabel and
	// ReasonLabel their customer-facing English text.
	Status      Status `json:"status"`
	StatusLabel string `json:"status_label"`
	Reason      Reason `json:"reason,omitempty"`
	ReasonLabel string `json:"reason_label,omitempty"`
	// Attention says the parcel has a problem (Status.Problem).
	Attention bool `json:"attention"`
	// EstimatedDelivery is the carrier's estimated delivery day, zero when
	// none.
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
	// PromisedBy is the promised delivery day, zero when none.
	PromisedBy oms.Date `json:"promised_by,omitzero"`
	// Milestones is the timeline, first step first.
	Milestones []Milestone `json:"milestones"`
	// Events are the scans, newest first.
	Events []ViewEvent `json:"events"`
}

// NewView builds the tracking page of t. The timeline is label created,
// shipped, out for delivery (or ready for pickup), delivered; a parcel on
// its way back shows returning and returned after shipped instead (unless
// it was delivered after all). Steps the carrier skipped are done once a
// later step is reached.
func NewView(t *Tracker) View {
	if t == nil {
		return View{Events: []ViewEvent{}}
	}
	v := View{
		Carrier: t.Carrier, TrackingNumber: t.TrackingNumber, TrackingURL: t.TrackingURL,
		Status: t.Status, StatusLabel: StatusLabel(t.Status), Reason: t.Reason,
		ReasonLabel: ReasonLabel(t.Reason), Attention: t.Status.Problem(),
		EstimatedDelivery: t.EstimatedDelivery, PromisedBy: t.PromisedBy,
		Events: make([]ViewEvent, 0, len(t.Events)),
	}
	first := map[Status]time.Time{}
	for _, e := range t.Events { // sorted: the first seen is the earliest
		if _, ok := first[e.Status]; !ok {
			first[e.Status] = e.Time
		}
	}
	for i := len(t.Events) - 1; i >= 0; i-- {
		e := t.Events[i]
		v.Events = append(v.Events, ViewEvent{Time: e.Time, Status: e.Status, Label: StatusLabel(e.Status), Text: e.RawText, Location: e.Location})
	}
	steps := []Status{StatusPreTransit, StatusInTransit, StatusOutForDelivery, StatusDelivered}
	labels := map[Status]string{StatusPreTransit: "Label created", StatusInTransit: "Shipped", StatusOutForDelivery: "Out for delivery", StatusDelivered: "Delivered", StatusAvailableForPickup: "Ready for pickup", StatusReturning: "Returning to sender", StatusReturned: "Returned to sender"}
	_, pickup := first[StatusAvailableForPickup]
	_, returning := first[StatusReturning]
	_, returned := first[StatusReturned]
	switch {
	case (returning || returned) && t.Status != StatusDelivered:
		// (A parcel that turned back and was delivered after all ends
		// on the way to the customer.)
		steps = []Status{StatusPreTransit, StatusInTransit, StatusReturning, StatusReturned}
	case pickup:
		steps = []Status{StatusPreTransit, StatusInTransit, StatusAvailableForPickup, StatusDelivered}
		labels[StatusDelivered] = "Picked up"
	}
	// current is the furthest step reached: the step of the current status,
	// or for a status off the timeline (a failed attempt, an exception) the
	// furthest step with an event.
	current := 0
	for i, s := range steps {
		if _, ok := first[s]; ok {
			current = i
		}
		if s == t.Status {
			current = i
			break
		}
	}
	for i, s := range steps {
		m := Milestone{Status: s, Label: labels[s], At: first[s], State: MilestoneUpcoming}
		switch {
		case i < current:
			m.State = MilestoneDone
		case i == current:
			m.State = MilestoneCurrent
			if t.Status.Terminal() {
				m.State = MilestoneDone
			}
		}
		v.Milestones = append(v.Milestones, m)
	}
	return v
}
