package tracking

import "regexp"

// Status is the normalized state of a parcel, one list for every carrier
// and aggregator. It is stable on the wire and in databases.
type Status string

// The normalized statuses.
const (
	// StatusPreTransit: a label exists or the carrier has the shipment's
	// data, but the parcel has not been handed over (info received).
	StatusPreTransit Status = "pre_transit"
	// StatusInTransit: the carrier has the parcel and it is moving.
	StatusInTransit Status = "in_transit"
	// StatusOutForDelivery: on the vehicle for the last mile.
	StatusOutForDelivery Status = "out_for_delivery"
	// StatusAvailableForPickup: waiting at a pickup point or locker.
	StatusAvailableForPickup Status = "available_for_pickup"
	// StatusDelivered: handed to the recipient (or a neighbour, a safe place).
	StatusDelivered Status = "delivered"
	// StatusDeliveryFailed: a delivery attempt failed; the carrier usually
	// tries again.
	StatusDeliveryFailed Status = "delivery_failed"
	// StatusException: held, damaged, lost, customs or any other problem.
	StatusException Status = "exception"
	// StatusReturning: on its way back to the sender.
	StatusReturning Status = "returning"
	// StatusReturned: back with the sender.
	StatusReturned Status = "returned"
	// StatusCancelled: the label or shipment was cancelled.
	StatusCancelled Status = "cancelled"
	// StatusExpired: no information for a long time; the aggregator stopped
	// tracking.
	StatusExpired Status = "expired"
	// StatusUnknown: the carrier's code is not mapped. The event keeps the
	// raw code; an unknown event never sets the current status while any
	// known event exists.
	StatusUnknown Status = "unknown"
)

// Statuses returns every status in lifecycle order.
func Statuses() []Status {
	return []Status{
		StatusPreTransit, StatusInTransit, StatusOutForDelivery,
		StatusAvailableForPickup, StatusDelivered, StatusDeliveryFailed,
		StatusException, StatusReturning, StatusReturned, StatusCancelled,
		StatusExpired, StatusUnknown,
	}
}

// Valid reports whether s is one of the normalized statuses.
func (s Status) Valid() bool {
	_, ok := statusRank[s]
	return ok
}

// String returns the status.
func (s Status) String() string { return string(s) }

// Terminal reports whether s ends the parcel's journey: delivered, returned
// or cancelled. A terminal status is never replaced by a non-terminal one
// (see the precedence rule in the package documentation).
func (s Status) Terminal() bool { return phaseOf(s) == phaseTerminal }

// Problem reports whether s needs attention: a failed attempt, an
// exception, a return or an expiry.
func (s Status) Problem() bool {
	switch s {
	case StatusDeliveryFailed, StatusException, StatusReturning, StatusReturned, StatusExpired:
		return true
	}
	return false
}

// Phases of the precedence rule. A higher phase always wins over a lower
// one, whatever the times.
const (
	phaseUnknown  = 0 // unknown events: only when nothing else is known
	phaseForward  = 1 // on the way to the recipient (or stuck on the way)
	phaseReturn   = 2 // on the way back
	phaseTerminal = 3 // delivered, returned, cancelled
)

func phaseOf(s Status) int {
	switch s {
	case StatusDelivered, StatusReturned, StatusCancelled:
		return phaseTerminal
	case StatusReturning:
		return phaseReturn
	case StatusUnknown, "":
		return phaseUnknown
	}
	if !s.Valid() {
		return phaseUnknown
	}
	return phaseForward
}

// statusRank breaks ties between events with the same time: the higher
// rank sorts later (is "newer"). It follows the journey, with the terminal
// statuses last.
var statusRank = map[Status]int{
	StatusUnknown:            0,
	StatusPreTransit:         1,
	StatusExpired:            2,
	StatusInTransit:          3,
	StatusException:          4,
	StatusDeliveryFailed:     5,
	StatusOutForDelivery:     6,
	StatusAvailableForPickup: 7,
	StatusReturning:          8,
	StatusCancelled:          9,
	StatusReturned:           10,
	StatusDelivered:          11,
}

// Reason says why a parcel is delayed or in trouble. It is an open set:
// the constants below are the ones the mappers and the sweep produce, and a
// host may use its own lower-case snake_case values.
type Reason string

// Known reasons.
const (
	ReasonNone                 Reason = ""
	ReasonWeather              Reason = "weather"
	ReasonAddressIssue         Reason = "address_issue"
	ReasonRecipientUnavailable Reason = "recipient_unavailable"
	ReasonRecipientMoved       Reason = "recipient_moved"
	ReasonBusinessClosed       Reason = "business_closed"
	ReasonRefused              Reason = "refused"
	ReasonDamaged              Reason = "damaged"
	ReasonLost                 Reason = "lost"
	ReasonCustoms              Reason = "customs"
	ReasonCarrierDelay         Reason = "carrier_delay"
	ReasonHeld                 Reason = "held"
	ReasonPaymentRequired      Reason = "payment_required"
	ReasonUndeliverable        Reason = "undeliverable"
	ReasonLocationInaccessible Reason = "location_inaccessible"
	ReasonNoticeLeft           Reason = "notice_left"
	ReasonRescheduled          Reason = "rescheduled"
	ReasonContactCarrier       Reason = "contact_carrier"
	ReasonUnclaimed            Reason = "unclaimed"
	ReasonDisposed             Reason = "disposed"
	ReasonMissedPickup         Reason = "missed_pickup"
	ReasonRejectedByCarrier    Reason = "rejected_by_carrier"
	ReasonReturnToSender       Reason = "return_to_sender"
	ReasonTrackingError        Reason = "tracking_error"
	ReasonNoScan               Reason = "no_scan"
	ReasonPastPromisedDate     Reason = "past_promised_date"
	ReasonEstimateAfterPromise Reason = "estimate_after_promise"
	ReasonOther                Reason = "other"
)

var knownReasons = map[Reason]bool{
	ReasonWeather: true, ReasonAddressIssue: true, ReasonRecipientUnavailable: true,
	ReasonRecipientMoved: true, ReasonBusinessClosed: true, ReasonRefused: true,
	ReasonDamaged: true, ReasonLost: true, ReasonCustoms: true, ReasonCarrierDelay: true,
	ReasonHeld: true, ReasonPaymentRequired: true, ReasonUndeliverable: true,
	ReasonLocationInaccessible: true, ReasonNoticeLeft: true, ReasonRescheduled: true,
	ReasonContactCarrier: true, ReasonUnclaimed: true, ReasonDisposed: true,
	ReasonMissedPickup: true, ReasonRejectedByCarrier: true, ReasonReturnToSender: true,
	ReasonTrackingError: true, ReasonNoScan: true, ReasonPastPromisedDate: true,
	ReasonEstimateAfterPromise: true, ReasonOther: true,
}

var reasonShape = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Valid reports whether r is empty (no reason) or has the shape of a
// reason: lower-case snake_case, at most 64 bytes. Reasons are an open set,
// so any such value is valid; Known tells the package's own constants.
func (r Reason) Valid() bool { return r == "" || reasonShape.MatchString(string(r)) }

// Known reports whether r is one of the package's Reason constants.
func (r Reason) Known() bool { return knownReasons[r] }

// String returns the reason.
func (r Reason) String() string { return string(r) }
