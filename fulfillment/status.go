package fulfillment

import (
	"github.com/omskit/oms"
)

// Status is where a fulfillment order is in its life. See the package doc
// for the diagram.
type Status string

// Fulfillment order statuses.
const (
	// StatusOpen: stock is reserved at the location; work may start.
	StatusOpen Status = "open"
	// StatusScheduled: the units are reserved as backorders or preorders
	// and wait for stock (FulfillAt says when it is expected).
	StatusScheduled Status = "scheduled"
	// StatusOnHold: a hold stops all work; releasing the last hold returns
	// the order to the status it was held in.
	StatusOnHold Status = "on_hold"
	// StatusInProgress: picking, packing or shipping has started.
	StatusInProgress Status = "in_progress"
	// StatusIncomplete: final; shipped, with some units picked short
	// (they went to another fulfillment order or were cancelled).
	StatusIncomplete Status = "incomplete"
	// StatusClosed: final; every unit shipped or was handed over, or the
	// units moved to other fulfillment orders (move, merge).
	StatusClosed Status = "closed"
	// StatusCancelled: final; nothing shipped and the stock was released.
	StatusCancelled Status = "cancelled"
)

// statusTable is the fulfillment order state machine: from → allowed
// targets.
var statusTable = map[Status][]Status{
	StatusOpen:       {StatusInProgress, StatusOnHold, StatusScheduled, StatusClosed, StatusCancelled},
	StatusScheduled:  {StatusOpen, StatusOnHold, StatusClosed, StatusCancelled},
	StatusOnHold:     {StatusOpen, StatusScheduled, StatusInProgress, StatusCancelled},
	StatusInProgress: {StatusOnHold, StatusClosed, StatusIncomplete, StatusCancelled},
	StatusIncomplete: nil,
	StatusClosed:     nil,
	StatusCancelled:  nil,
}

// Statuses returns every fulfillment order status.
func Statuses() []Status {
	return []Status{StatusOpen, StatusScheduled, StatusOnHold, StatusInProgress, StatusIncomplete, StatusClosed, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := statusTable[s]
	return ok
}

// Final reports whether no move leaves s.
func (s Status) Final() bool { return s.Valid() && len(statusTable[s]) == 0 }

// CanTransition reports whether the table allows a move from one status to
// another.
func CanTransition(from, to Status) bool {
	for _, t := range statusTable[from] {
		if t == to {
			return true
		}
	}
	return false
}

// transition moves fo to status to, or returns a *oms.TransitionError
// naming the fulfillment order, the from and the to.
func (fo *FulfillmentOrder) transition(to Status, why string) error {
	if !CanTransition(fo.Status, to) {
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: string(to), Reason: why}
	}
	fo.Status = to
	return nil
}

// RequestStatus is where the request to a third-party location (a 3PL or
// dropship supplier) stands. Locations the shop runs itself stay
// RequestNone.
type RequestStatus string

// Request statuses for third-party fulfillment orders.
const (
	// RequestNone: the location is the shop's own; no request is made.
	RequestNone RequestStatus = ""
	// RequestUnsubmitted: not yet sent to the provider.
	RequestUnsubmitted RequestStatus = "unsubmitted"
	// RequestSubmitted: sent; the provider has not answered.
	RequestSubmitted RequestStatus = "submitted"
	// RequestAccepted: the provider will fulfil it.
	RequestAccepted RequestStatus = "accepted"
	// RequestRejected: the provider refused; the shop may move the
	// fulfillment order elsewhere or submit again.
	RequestRejected RequestStatus = "rejected"
	// RequestCancellationRequested: the shop asked the provider to cancel.
	RequestCancellationRequested RequestStatus = "cancellation_requested"
	// RequestCancellationAccepted: final; the provider cancelled.
	RequestCancellationAccepted RequestStatus = "cancellation_accepted"
	// RequestCancellationRejected: the provider refused to cancel (it has
	// shipped or will).
	RequestCancellationRejected RequestStatus = "cancellation_rejected"
	// RequestClosed: final; the provider shipped.
	RequestClosed RequestStatus = "closed"
)

var requestTable = map[RequestStatus][]RequestStatus{
	RequestUnsubmitted:           {RequestSubmitted, RequestClosed},
	RequestSubmitted:             {RequestAccepted, RequestRejected, RequestCancellationRequested},
	RequestAccepted:              {RequestCancellationRequested, RequestClosed},
	RequestRejected:              {RequestSubmitted, RequestClosed},
	RequestCancellationRequested: {RequestCancellationAccepted, RequestCancellationRejected},
	RequestCancellationRejected:  {RequestCancellationRequested, RequestClosed},
	RequestCancellationAccepted:  nil,
	RequestClosed:                nil,
}

// Valid reports whether r is a known request status (RequestNone
// included).
func (r RequestStatus) Valid() bool {
	if r == RequestNone {
		return true
	}
	_, ok := requestTable[r]
	return ok
}

// CanRequestTransition reports whether the request table allows a move.
func CanRequestTransition(from, to RequestStatus) bool {
	for _, t := range requestTable[from] {
		if t == to {
			return true
		}
	}
	return false
}

func (fo *FulfillmentOrder) requestTransition(to RequestStatus) error {
	if !CanRequestTransition(fo.Request, to) {
		from := string(fo.Request)
		if from == "" {
			from = "none"
		}
		return &oms.TransitionError{Entity: "fulfillment request", ID: fo.ID, From: from, To: string(to)}
	}
	fo.Request = to
	return nil
}

// ShipmentStatus is where a shipment is.
type ShipmentStatus string

// Shipment statuses.
const (
	// ShipmentPending: rate chosen, labels being bought.
	ShipmentPending ShipmentStatus = "pending"
	// ShipmentShipped: every package has its label; the stock is committed
	// and the goods are with the carrier.
	ShipmentShipped ShipmentStatus = "shipped"
	// ShipmentDelivered: final; every package was delivered.
	ShipmentDelivered ShipmentStatus = "delivered"
	// ShipmentException: a package failed (attempt failed, stalled, lost,
	// returned to sender); more tracking may clear it.
	ShipmentException ShipmentStatus = "exception"
	// ShipmentReadyForPickup: a pickup order waits at the store.
	ShipmentReadyForPickup ShipmentStatus = "ready_for_pickup"
	// ShipmentPickedUp: final; the customer collected it.
	ShipmentPickedUp ShipmentStatus = "picked_up"
)

var shipmentTable = map[ShipmentStatus][]ShipmentStatus{
	ShipmentPending:        {ShipmentShipped, ShipmentReadyForPickup},
	ShipmentShipped:        {ShipmentDelivered, ShipmentException},
	ShipmentException:      {ShipmentShipped, ShipmentDelivered},
	ShipmentReadyForPickup: {ShipmentPickedUp},
	ShipmentDelivered:      nil,
	ShipmentPickedUp:       nil,
}

// Valid reports whether s is a known shipment status.
func (s ShipmentStatus) Valid() bool {
	_, ok := shipmentTable[s]
	return ok
}

// CanShipmentTransition reports whether the shipment table allows a move.
func CanShipmentTransition(from, to ShipmentStatus) bool {
	for _, t := range shipmentTable[from] {
		if t == to {
			return true
		}
	}
	return false
}

func (sh *Shipment) transition(to ShipmentStatus) error {
	if sh.Status == to {
		return nil
	}
	if !CanShipmentTransition(sh.Status, to) {
		return &oms.TransitionError{Entity: "shipment", ID: sh.ID, From: string(sh.Status), To: string(to)}
	}
	sh.Status = to
	return nil
}

// PackageStatus is where one package of a shipment is.
type PackageStatus string

// Package statuses.
const (
	PackagePending   PackageStatus = "pending"
	PackageLabelled  PackageStatus = "labelled"
	PackageInTransit PackageStatus = "in_transit"
	PackageDelivered PackageStatus = "delivered"
	// PackageException: the last tracking news is a problem (failed
	// attempt, stalled, returning).
	PackageException PackageStatus = "exception"
	// PackageLost: declared lost by the carrier or the shop.
	PackageLost PackageStatus = "lost"
	// PackageReturned: back at the sender.
	PackageReturned PackageStatus = "returned"
)

// Valid reports whether s is a known package status.
func (s PackageStatus) Valid() bool {
	switch s {
	case PackagePending, PackageLabelled, PackageInTransit, PackageDelivered, PackageException, PackageLost, PackageReturned:
		return true
	}
	return false
}
