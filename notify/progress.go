package notify

import (
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// Progress is what notify knows of one order: the read model it builds
// from the events of every package (the customer, the lines, the
// shipments with their packages and tracking timelines, the returns and
// refunds), the milestones decided per scope, and the messages still to
// send. A Store keeps one Progress per order (or, for tracking events
// that name no order, per shipment) as one document, written with a
// version check.
type Progress struct {
	// ID is the order's ID; for tracking events without an order
	// reference, the shipment's.
	ID oms.ID `json:"id"`
	// Version counts saves: 1 for the first. A Store's save checks it.
	Version int64 `json:"version"`
	// Number is the order's human-readable number.
	Number string `json:"number,omitempty"`
	// Customer is whom messages about the order go to.
	Customer Contact `json:"customer"`
	// Status is the order's status as the events told it: "placed",
	// "confirmed", "completed" or "cancelled"; empty before any order event.
	Status string `json:"status,omitempty"`
	// Total is the order's grand total when confirmed.
	Total oms.Money `json:"total"`
	// Lines are the order's lines and their counters.
	Lines []LineView `json:"lines,omitempty"`
	// Shipments, Returns and Refunds are the order's, in the order notify
	// learned of them.
	Shipments []ShipmentView `json:"shipments,omitempty"`
	Returns   []ReturnView   `json:"returns,omitempty"`
	Refunds   []RefundView   `json:"refunds,omitempty"`
	// ExchangeOf is the original order when this order replaces goods of
	// an exchange; its shipments are announced as exchange_shipped.
	ExchangeOf oms.ID `json:"exchange_of,omitempty"`
	// Counted lists the keys of the order counter moves applied (so that
	// a counter event seen twice counts once).
	Counted []string `json:"counted,omitempty"`
	// Scopes are the milestones decided per scope.
	Scopes []ScopeState `json:"scopes,omitempty"`
	// Pending are decided milestones not yet sent (waiting for a contact,
	// for the digest window, or retried after a failed send).
	Pending []Milestone `json:"pending,omitempty"`
	// DueAt is when the pending milestones are to be sent; zero while
	// nothing can be sent (none pending, or no contact known yet). Store.Due
	// lists progress by it.
	DueAt time.Time `json:"due_at,omitzero"`
	// Applied holds the IDs of the events applied, so that a redelivered
	// event changes nothing.
	Applied []oms.ID `json:"applied,omitempty"`
	// UpdatedAt is when an event last changed the document, on the
	// Notifier's clock (sending its messages does not move it).
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Contact is the order's customer as the events named them.
type Contact struct {
	// ID is the host's customer ID; empty for a guest.
	ID    oms.ID `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

func (c Contact) known() bool { return c.ID != "" || c.Email != "" || c.Phone != "" }

// ScopeState is the milestones decided for one scope.
type ScopeState struct {
	// Scope names it: "order", "shipment:<id>", "return:<id>",
	// "refund:<key>" or "cancellation:<version>".
	Scope string `json:"scope"`
	// Rank is the highest rank decided (see Rank).
	Rank int `json:"rank"`
	// Kinds are the milestones decided, in order.
	Kinds []Kind `json:"kinds"`
}

// Milestone is a decided milestone and what its message shows.
type Milestone struct {
	Kind  Kind   `json:"kind"`
	Scope string `json:"scope"`
	// At is when it was decided, on the Notifier's clock.
	At time.Time `json:"at"`
	// Details are the milestone's own values; shipment details are
	// refreshed from the shipment when the message is rendered.
	Details Details `json:"details"`
}

// Details are the values of one milestone that its templates show. Any of
// them may be empty; the templates read whole sentences either way.
type Details struct {
	// ShipmentID and ReturnID name the shipment or return concerned.
	ShipmentID oms.ID `json:"shipment_id,omitempty"`
	ReturnID   oms.ID `json:"return_id,omitempty"`
	// Carrier and Tracking describe the parcels (shipped, exceptions,
	// the return label's parcels).
	Carrier  string         `json:"carrier,omitempty"`
	Tracking []TrackingLink `json:"tracking,omitempty"`
	// EstimatedDelivery is the carrier's estimated day; zero when none.
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
	// Reason is why a shipment is in trouble: a tracking.Reason, an alert
	// kind or a fulfillment exception code.
	Reason string `json:"reason,omitempty"`
	// Next says what happens next after an exception: one of the Next*
	// constants.
	Next string `json:"next,omitempty"`
	// Amount is a refund's amount.
	Amount oms.Money `json:"amount"`
	// LabelURL is the return label to print.
	LabelURL string `json:"label_url,omitempty"`
	// Lines are the units concerned (cancelled lines; for
	// partially_shipped the units still to ship).
	Lines []LineQuantity `json:"lines,omitempty"`
}

// TrackingLink is one parcel's tracking number and public page.
type TrackingLink struct {
	Number string `json:"number"`
	URL    string `json:"url,omitempty"`
}

// LineQuantity is a quantity of one order line, named as the customer
// saw it.
type LineQuantity struct {
	LineID   oms.ID  `json:"line_id"`
	SKU      oms.SKU `json:"sku,omitempty"`
	Name     string  `json:"name,omitempty"`
	Quantity int64   `json:"quantity"`
}

// What happens after a delivery exception (Details.Next).
const (
	// NextRetry: the carrier tries again (a failed attempt).
	NextRetry = "retry"
	// NextContact: the customer should get in touch (address, payment due,
	// refused).
	NextContact = "contact"
	// NextReplace: the shop replaces or refunds the goods (lost, damaged).
	NextReplace = "replace"
	// NextRefund: the parcel goes back to the shop; a refund follows.
	NextRefund = "refund"
	// NextPickup: the parcel waits to be collected from the carrier.
	NextPickup = "pickup"
	// NextWait: the shop is on it (stalled, late, weather, customs).
	NextWait = "wait"
)

// nextFor says what happens next after a problem with this reason (and
// tracking status, when known).
func nextFor(reason string, status tracking.Status) string {
	switch reason {
	case string(tracking.ReasonAddressIssue), string(tracking.ReasonPaymentRequired), string(tracking.ReasonRefused),
		string(tracking.ReasonRecipientMoved):
		return NextContact
	case string(tracking.ReasonLost), string(tracking.ReasonDamaged):
		return NextReplace
	case string(tracking.ReasonReturnToSender), "returned_to_sender":
		return NextRefund
	case string(tracking.ReasonHeld):
		return NextPickup
	case string(tracking.ReasonRecipientUnavailable), string(tracking.ReasonBusinessClosed), string(tracking.AlertFailedAttempt):
		return NextRetry
	}
	switch status {
	case tracking.StatusDeliveryFailed:
		return NextRetry
	case tracking.StatusReturning, tracking.StatusReturned:
		return NextRefund
	}
	return NextWait
}

// LineView is one order line for the customer.
type LineView struct {
	LineID oms.ID  `json:"line_id"`
	SKU    oms.SKU `json:"sku"`
	Name   string  `json:"name,omitempty"`
	// Quantity is the active quantity (ordered minus cancelled).
	Quantity int64 `json:"quantity"`
	// Cancelled, Shipped, Delivered and Returned count units.
	Cancelled int64 `json:"cancelled,omitempty"`
	Shipped   int64 `json:"shipped,omitempty"`
	Delivered int64 `json:"delivered,omitempty"`
	Returned  int64 `json:"returned,omitempty"`
	// Total is the line's price after discounts, with tax.
	Total oms.Money `json:"total"`
}

// Shipment statuses in the customer-facing view.
const (
	ShipmentPending        = "pending"
	ShipmentShipped        = "shipped"
	ShipmentOutForDelivery = "out_for_delivery"
	ShipmentReadyForPickup = "ready_for_pickup"
	ShipmentException      = "exception"
	ShipmentDelivered      = "delivered"
	ShipmentPickedUp       = "picked_up"
)

// ShipmentView is one shipment for the customer.
type ShipmentView struct {
	ID      oms.ID `json:"id"`
	Carrier string `json:"carrier,omitempty"`
	// Status is one of the Shipment* constants.
	Status string `json:"status"`
	// Exception names the latest problem while Status is exception.
	Exception string `json:"exception,omitempty"`
	// Packages are the shipment's parcels, by index when fulfillment named
	// it, else in the order tracking reported them.
	Packages []PackageView `json:"packages,omitempty"`
	// AllDelivered says fulfillment reported every package delivered.
	AllDelivered bool `json:"all_delivered,omitempty"`
	// PromisedBy is the promised delivery day; EstimatedDelivery the
	// latest carrier estimate of its undelivered packages.
	PromisedBy        oms.Date  `json:"promised_by,omitzero"`
	EstimatedDelivery oms.Date  `json:"estimated_delivery,omitzero"`
	ShippedAt         time.Time `json:"shipped_at,omitzero"`
	DeliveredAt       time.Time `json:"delivered_at,omitzero"`
}

// PackageView is one parcel of a shipment for the customer.
type PackageView struct {
	// Index is the package's index in its shipment; -1 until fulfillment
	// names it.
	Index          int    `json:"index"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	TrackingURL    string `json:"tracking_url,omitempty"`
	// Status is the latest tracking status.
	Status tracking.Status `json:"status,omitempty"`
	// Delivered is set once the package was reported delivered.
	Delivered         bool     `json:"delivered,omitempty"`
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
	// TrackerVersion is the version of the newest tracking event read for
	// the package (its outbox AggregateVersion): Status, TrackingURL and
	// EstimatedDelivery come from it, and an older event delivered late
	// (a bus that reorders) no longer overwrites them.
	TrackerVersion int64 `json:"tracker_version,omitempty"`
	// Timeline is the package's tracking history, oldest first.
	Timeline []TimelineEntry `json:"timeline,omitempty"`
}

// TimelineEntry is one tracking status change of a package.
type TimelineEntry struct {
	At     time.Time       `json:"at"`
	Status tracking.Status `json:"status"`
	Reason tracking.Reason `json:"reason,omitempty"`
	// Text is the carrier's own words, when it gave any.
	Text string `json:"text,omitempty"`
}

// ReturnView is one return for the customer.
type ReturnView struct {
	ID oms.ID `json:"id"`
	// Status is the return's status (returns.Status values).
	Status string `json:"status"`
	// Lines are the units asked to send back.
	Lines []LineQuantity `json:"lines,omitempty"`
	// Carrier, Tracking and LabelURL describe the return label.
	Carrier  string         `json:"carrier,omitempty"`
	Tracking []TrackingLink `json:"tracking,omitempty"`
	LabelURL string         `json:"label_url,omitempty"`
	// Refunded is what the return refunded, zero until then.
	Refunded oms.Money `json:"refunded"`
	// ReplacementOrderID is the exchange's new order, if any.
	ReplacementOrderID oms.ID `json:"replacement_order_id,omitempty"`
}

// RefundView is one refund for the customer.
type RefundView struct {
	// Key is the refund's key.
	Key    string    `json:"key"`
	Amount oms.Money `json:"amount"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

func (p *Progress) applied(id oms.ID) bool { return slices.Contains(p.Applied, id) }

func (p *Progress) scope(name string) *ScopeState {
	for i := range p.Scopes {
		if p.Scopes[i].Scope == name {
			return &p.Scopes[i]
		}
	}
	p.Scopes = append(p.Scopes, ScopeState{Scope: name})
	return &p.Scopes[len(p.Scopes)-1]
}

// Decided reports whether kind was decided for scope.
func (p *Progress) Decided(scope string, kind Kind) bool {
	for _, s := range p.Scopes {
		if s.Scope == scope {
			return slices.Contains(s.Kinds, kind)
		}
	}
	return false
}

func (p *Progress) line(id oms.ID) *LineView {
	for i := range p.Lines {
		if p.Lines[i].LineID == id {
			return &p.Lines[i]
		}
	}
	p.Lines = append(p.Lines, LineView{LineID: id})
	return &p.Lines[len(p.Lines)-1]
}

func (p *Progress) shipment(id oms.ID) *ShipmentView {
	for i := range p.Shipments {
		if p.Shipments[i].ID == id {
			return &p.Shipments[i]
		}
	}
	p.Shipments = append(p.Shipments, ShipmentView{ID: id, Status: ShipmentPending})
	return &p.Shipments[len(p.Shipments)-1]
}

func (p *Progress) findShipment(id oms.ID) *ShipmentView {
	for i := range p.Shipments {
		if p.Shipments[i].ID == id {
			return &p.Shipments[i]
		}
	}
	return nil
}

func (p *Progress) returnOf(id oms.ID) *ReturnView {
	for i := range p.Returns {
		if p.Returns[i].ID == id {
			return &p.Returns[i]
		}
	}
	p.Returns = append(p.Returns, ReturnView{ID: id, Status: "requested"})
	return &p.Returns[len(p.Returns)-1]
}

// pkg returns the package with this index or tracking number, adding it
// when the shipment has none such; a package first known by its tracking
// number takes the index fulfillment names later.
func (s *ShipmentView) pkg(index int, number string) *PackageView {
	if number != "" {
		// Tracking keys numbers upper-case without spaces; a label may
		// print them otherwise.
		want := tracking.NewKey("", number).TrackingNumber
		for i := range s.Packages {
			if tracking.NewKey("", s.Packages[i].TrackingNumber).TrackingNumber == want {
				if index >= 0 && s.Packages[i].Index < 0 {
					s.Packages[i].Index = index
				}
				return &s.Packages[i]
			}
		}
	}
	if index >= 0 {
		for i := range s.Packages {
			if s.Packages[i].Index == index {
				if s.Packages[i].TrackingNumber == "" {
					s.Packages[i].TrackingNumber = number
				}
				return &s.Packages[i]
			}
		}
	}
	s.Packages = append(s.Packages, PackageView{Index: index, TrackingNumber: number})
	slices.SortStableFunc(s.Packages, func(a, b PackageView) int {
		switch {
		case a.Index < 0 && b.Index < 0:
			return 0
		case a.Index < 0:
			return 1
		case b.Index < 0:
			return -1
		}
		return a.Index - b.Index
	})
	for i := range s.Packages {
		if s.Packages[i].Index == index && s.Packages[i].TrackingNumber == number {
			return &s.Packages[i]
		}
	}
	return &s.Packages[len(s.Packages)-1] // unreachable: the package was just added
}

// estimate recomputes the shipment's estimate: the latest of its
// undelivered packages' estimates.
func (s *ShipmentView) estimate() {
	var d oms.Date
	for _, p := range s.Packages {
		if !p.Delivered && !p.EstimatedDelivery.IsZero() && (d.IsZero() || p.EstimatedDelivery.After(d)) {
			d = p.EstimatedDelivery
		}
	}
	s.EstimatedDelivery = d
}

// troubled reports whether a package of s has a problem status.
func (s *ShipmentView) troubled() bool {
	return slices.ContainsFunc(s.Packages, func(p PackageView) bool { return p.Status.Problem() })
}

// links returns the tracking links of the shipment's packages.
func (s *ShipmentView) links() []TrackingLink {
	var out []TrackingLink
	for _, p := range s.Packages {
		if p.TrackingNumber != "" {
			out = append(out, TrackingLink{Number: p.TrackingNumber, URL: p.TrackingURL})
		}
	}
	return out
}

// Clone returns a deep copy of p (nil for nil).
func (p *Progress) Clone() *Progress {
	if p == nil {
		return nil
	}
	c := *p
	c.Lines = slices.Clone(p.Lines)
	c.Shipments = slices.Clone(p.Shipments)
	for i := range c.Shipments {
		c.Shipments[i].Packages = slices.Clone(c.Shipments[i].Packages)
		for j := range c.Shipments[i].Packages {
			c.Shipments[i].Packages[j].Timeline = slices.Clone(c.Shipments[i].Packages[j].Timeline)
		}
	}
	c.Returns = slices.Clone(p.Returns)
	for i := range c.Returns {
		c.Returns[i].Lines = slices.Clone(c.Returns[i].Lines)
		c.Returns[i].Tracking = slices.Clone(c.Returns[i].Tracking)
	}
	c.Refunds = slices.Clone(p.Refunds)
	c.Counted = slices.Clone(p.Counted)
	c.Scopes = slices.Clone(p.Scopes)
	for i := range c.Scopes {
		c.Scopes[i].Kinds = slices.Clone(c.Scopes[i].Kinds)
	}
	c.Pending = slices.Clone(p.Pending)
	for i := range c.Pending {
		c.Pending[i].Details = c.Pending[i].Details.clone()
	}
	c.Applied = slices.Clone(p.Applied)
	return &c
}

func (d Details) clone() Details {
	d.Tracking = slices.Clone(d.Tracking)
	d.Lines = slices.Clone(d.Lines)
	return d
}

// final reports whether the shipment reached the customer (delivered or
// picked up): later news never moves its status back.
func (s *ShipmentView) final() bool {
	return s.Status == ShipmentDelivered || s.Status == ShipmentPickedUp
}
