package fulfillment

import (
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// Line is one order line's share of a fulfillment order.
type Line struct {
	// LineID is the order line served.
	LineID oms.ID  `json:"line_id"`
	SKU    oms.SKU `json:"sku"`
	// Quantity is the units this fulfillment order must fulfil.
	Quantity int64 `json:"quantity"`
	// Picked counts units confirmed picked.
	Picked int64 `json:"picked"`
	// Short counts units the picker could not find; they left this
	// fulfillment order (re-allocated, backordered or cancelled).
	Short int64 `json:"short"`
	// Shipped counts units handed to a carrier or the customer.
	Shipped int64 `json:"shipped"`
	// Reservation is the inventory reservation holding the line's units
	// at the fulfillment order's location.
	Reservation oms.ID `json:"reservation"`
}

// ToPick returns the units still to pick: Quantity - Picked - Short.
func (l Line) ToPick() int64 { return l.Quantity - l.Picked - l.Short }

// HoldReason says why a fulfillment order is held.
type HoldReason string

// Hold reasons.
const (
	HoldAwaitingPayment    HoldReason = "awaiting_payment"
	HoldHighRisk           HoldReason = "high_risk_of_fraud"
	HoldIncorrectAddress   HoldReason = "incorrect_address"
	HoldInventoryOutOfSync HoldReason = "inventory_out_of_stock"
	HoldCustomerRequest    HoldReason = "customer_request"
	HoldOther              HoldReason = "other"
)

// Valid reports whether r is a known hold reason.
func (r HoldReason) Valid() bool {
	switch r {
	case HoldAwaitingPayment, HoldHighRisk, HoldIncorrectAddress, HoldInventoryOutOfSync, HoldCustomerRequest, HoldOther:
		return true
	}
	return false
}

// Hold stops work on a fulfillment order until released.
type Hold struct {
	// ID identifies the hold within its fulfillment order (the caller's
	// key when one was given).
	ID     oms.ID     `json:"id"`
	Reason HoldReason `json:"reason"`
	Note   string     `json:"note,omitempty"`
	At     time.Time  `json:"at"`
	// ReleasedAt is zero while the hold is open.
	ReleasedAt time.Time `json:"released_at,omitzero"`
}

// Open reports whether the hold is not released.
func (h Hold) Open() bool { return h.ReleasedAt.IsZero() }

// Package is one parcel packed for a fulfillment order: its box, its
// contents and, once shipped, its label and tracking.
type Package struct {
	// Index is the package's position in its fulfillment order, from 0;
	// label and commit keys derive from it.
	Index int `json:"index"`
	// Box is the box type's name ("" for a unit shipped as is).
	Box    string          `json:"box,omitempty"`
	Parcel shipping.Parcel `json:"parcel"`
	Items  []PackageItem   `json:"items"`
	// Verified says a packer scanned the contents and they matched.
	Verified bool `json:"verified,omitempty"`
	// LabelID, TrackingNumber, LabelURL and Cost come with the label.
	LabelID        string    `json:"label_id,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	LabelURL       string    `json:"label_url,omitempty"`
	Cost           oms.Money `json:"cost"`
	// Status is the package's tracking state.
	Status PackageStatus `json:"status"`
	// Committed says the package's stock left inventory (keyed commit).
	Committed bool `json:"committed,omitempty"`
	// Registered says the tracking number is registered with tracking.
	Registered bool `json:"registered,omitempty"`
	// Delivered says the order's delivered counter moved for it.
	Delivered bool `json:"delivered,omitempty"`
	// Exception names the last problem reported, when Status is
	// exception, lost or returned.
	Exception string `json:"exception,omitempty"`
	// ReshippedAs is the fulfillment order that re-ships a lost package.
	ReshippedAs oms.ID `json:"reshipped_as,omitempty"`
}

// PackageItem is a quantity of an order line in a package.
type PackageItem struct {
	LineID   oms.ID  `json:"line_id"`
	SKU      oms.SKU `json:"sku"`
	Quantity int64   `json:"quantity"`
}

func clonePackages(ps []Package) []Package {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Items = slices.Clone(out[i].Items)
	}
	return out
}

// FulfillmentOrder is the unit of work of one location: the order lines
// (or parts of them) it ships, its status, holds, picks, packages and, for
// third-party locations, the request to the provider. Change it through a
// Service; the stores hand out copies.
type FulfillmentOrder struct {
	ID      oms.ID `json:"id"`
	OrderID oms.ID `json:"order_id"`
	// Location is where the units are reserved and picked.
	Location oms.ID `json:"location"`
	Lines    []Line `json:"lines"`
	Status   Status `json:"status"`
	// HeldFrom is the status to return to when the last hold is released.
	HeldFrom Status `json:"held_from,omitempty"`
	Holds    []Hold `json:"holds,omitempty"`
	// Pickup marks a store-pickup order: no label, ready then picked up.
	Pickup bool `json:"pickup,omitempty"`
	// Backorder marks units reserved beyond stock; FulfillAt is when stock
	// is expected (zero when unknown).
	Backorder bool      `json:"backorder,omitempty"`
	FulfillAt time.Time `json:"fulfill_at,omitzero"`
	// Reship marks a fulfillment order that re-ships a lost package: the
	// order's counters already moved for its units.
	Reship bool `json:"reship,omitempty"`
	// Request is the third-party request status (RequestNone for the
	// shop's own locations).
	Request RequestStatus `json:"request,omitempty"`
	// Packages are set by packing.
	Packages []Package `json:"packages,omitempty"`
	// Shipment is the shipment created for the packages.
	Shipment oms.ID `json:"shipment,omitempty"`
	// MovedTo names where the units went when the order was closed by a
	// move or a merge; SplitFrom and MergedFrom record the origins.
	MovedTo    oms.ID   `json:"moved_to,omitempty"`
	SplitFrom  oms.ID   `json:"split_from,omitempty"`
	MergedFrom []oms.ID `json:"merged_from,omitempty"`
	// Steps records the keyed side effects already done (order counters,
	// inventory releases and losses), so a re-run skips them.
	Steps []string `json:"steps,omitempty"`
	// Version counts saved changes, from 1.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Clone returns a deep copy.
func (fo *FulfillmentOrder) Clone() *FulfillmentOrder {
	if fo == nil {
		return nil
	}
	c := *fo
	c.Lines = slices.Clone(fo.Lines)
	c.Holds = slices.Clone(fo.Holds)
	c.Packages = clonePackages(fo.Packages)
	c.MergedFrom = slices.Clone(fo.MergedFrom)
	c.Steps = slices.Clone(fo.Steps)
	return &c
}

// OnHold reports whether a hold is open.
func (fo *FulfillmentOrder) OnHold() bool {
	for _, h := range fo.Holds {
		if h.Open() {
			return true
		}
	}
	return false
}

// Units returns the units the fulfillment order must still fulfil
// (quantity minus short).
func (fo *FulfillmentOrder) Units() int64 {
	var n int64
	for _, l := range fo.Lines {
		n += l.Quantity - l.Short
	}
	return n
}

func (fo *FulfillmentOrder) done(step string) bool { return slices.Contains(fo.Steps, step) }

func (fo *FulfillmentOrder) mark(step string) {
	if !fo.done(step) {
		fo.Steps = append(fo.Steps, step)
	}
}

// Shipment is what left a location for the customer: one carrier service,
// one or more packages with their labels and tracking numbers, or a store
// pickup without label.
type Shipment struct {
	ID               oms.ID `json:"id"`
	OrderID          oms.ID `json:"order_id"`
	FulfillmentOrder oms.ID `json:"fulfillment_order"`
	Location         oms.ID `json:"location"`
	// Carrier, ServiceCode, ServiceName and Level are the chosen rate's.
	Carrier     string           `json:"carrier,omitempty"`
	ServiceCode string           `json:"service_code,omitempty"`
	ServiceName string           `json:"service_name,omitempty"`
	Level       oms.ServiceLevel `json:"level,omitempty"`
	// Cost is the rate's price (the sum of the labels once bought).
	Cost oms.Money `json:"cost"`
	// PromisedBy is the delivery date promised to the customer, if any.
	PromisedBy oms.Date  `json:"promised_by,omitzero"`
	Packages   []Package `json:"packages"`
	Pickup     bool      `json:"pickup,omitempty"`
	// ThirdParty marks a shipment a provider reported (no label bought
	// here).
	ThirdParty bool           `json:"third_party,omitempty"`
	Status     ShipmentStatus `json:"status"`
	// Exception names the latest problem while Status is exception.
	Exception string `json:"exception,omitempty"`
	// Steps records the keyed side effects done (order counters, capture).
	Steps       []string  `json:"steps,omitempty"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ShippedAt   time.Time `json:"shipped_at,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Clone returns a deep copy.
func (sh *Shipment) Clone() *Shipment {
	if sh == nil {
		return nil
	}
	c := *sh
	c.Packages = clonePackages(sh.Packages)
	c.Steps = slices.Clone(sh.Steps)
	return &c
}

func (sh *Shipment) done(step string) bool { return slices.Contains(sh.Steps, step) }

func (sh *Shipment) mark(step string) {
	if !sh.done(step) {
		sh.Steps = append(sh.Steps, step)
	}
}

// AllocationStatus is where an order's allocation is.
type AllocationStatus string

// Allocation statuses.
const (
	// AllocationPlanned: the plan is saved; the reservation may or may not
	// exist yet.
	AllocationPlanned AllocationStatus = "planned"
	// AllocationDone: the fulfillment orders exist.
	AllocationDone AllocationStatus = "done"
)

// Valid reports whether s is a known allocation status.
func (s AllocationStatus) Valid() bool { return s == AllocationPlanned || s == AllocationDone }

// Allocation records an order's plan before its stock is reserved, so
// that a flow interrupted between the reservation and the fulfillment
// orders re-creates the same ones. Its ID derives from the order (or, for
// a re-allocation, from its cause).
type Allocation struct {
	ID      oms.ID `json:"id"`
	OrderID oms.ID `json:"order_id"`
	// Reservation is the inventory reservation of the plan.
	Reservation oms.ID `json:"reservation"`
	Plan        Plan   `json:"plan"`
	// Attempts counts the plans made after shortages from races, over
	// every run (each run re-plans at most Options.MaxReplans times).
	Attempts int              `json:"attempts"`
	Status   AllocationStatus `json:"status"`
	// Reship marks a re-allocation for a lost package.
	Reship    bool      `json:"reship,omitempty"`
	Pickup    bool      `json:"pickup,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Clone returns a deep copy.
func (a *Allocation) Clone() *Allocation {
	if a == nil {
		return nil
	}
	c := *a
	c.Plan = a.Plan.Clone()
	return &c
}

// Orphan is a tracking update for a tracking number no shipment knows,
// kept so the host can investigate (a label bought outside the flow, a
// mistyped number).
type Orphan struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// Status is the tracking status reported (a tracking.Status).
	Status string `json:"status"`
	// EventID is the tracking event's ID, when it came through an event.
	EventID string `json:"event_id,omitempty"`
	// At is when the news happened (the scan time, else receipt time).
	At time.Time `json:"at"`
}
