package returns

import (
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Return is the return authorization (RMA) aggregate: what a customer
// sends back from one order (or, for a claim, what went wrong without
// anything coming back), how it travels, what the shop found on
// inspection, and how it was resolved. Change it only through a Service,
// which enforces the state machine (Transitions), bumps Version and
// records events. A Return value is not safe for concurrent use; the
// Service and the stores hand out copies.
type Return struct {
	// ID identifies the return. It derives from the caller's key when one
	// is given, so a repeated request finds the first return.
	ID oms.ID `json:"id"`
	// Kind is KindReturn (goods come back) or KindClaim (nothing does).
	Kind Kind `json:"kind"`
	// Claim says what went wrong, for a claim.
	Claim ClaimType `json:"claim,omitempty"`
	// OrderID is the order the goods came from; CustomerID its customer.
	OrderID    oms.ID `json:"order_id"`
	CustomerID oms.ID `json:"customer_id,omitempty"`
	// Channel is the order's channel, which picks the return window.
	Channel string `json:"channel,omitempty"`
	// Currency is the order's currency.
	Currency oms.Currency `json:"currency"`
	// Status is the state in the state machine (see Transitions).
	Status Status `json:"status"`
	// Lines are the returned order lines.
	Lines []Line `json:"lines"`
	// Inspections record each inspected unit, oldest first.
	Inspections []Inspection `json:"inspections,omitempty"`
	// Moves are the stock movements the inspections asked of inventory;
	// Done once inventory applied them.
	Moves []StockMove `json:"moves,omitempty"`
	// ReturnShipping is who pays the way back, from the policy.
	ReturnShipping ReturnShippingPayer `json:"return_shipping"`
	// Label is the return label, once issued.
	Label *Label `json:"label,omitempty"`
	// AdvanceExchange asks for the replacement to ship at approval, before
	// the goods come back.
	AdvanceExchange bool `json:"advance_exchange,omitempty"`
	// Refund is the refund of the return, once computed.
	Refund *RefundRecord `json:"refund,omitempty"`
	// StoreCredit is the value the customer received as store credit (the
	// host issues it from the return.store_credit_issued event).
	StoreCredit oms.Money `json:"store_credit"`
	// Exchange is the replacement order, once placed.
	Exchange *ExchangeRecord `json:"exchange,omitempty"`
	// Outcomes say how the return was resolved (refunded, exchanged,
	// store credit), once completed.
	Outcomes []Resolution `json:"outcomes,omitempty"`
	// Note is the customer's or staff's remark; RejectReason and
	// CancelReason say why a return was rejected or cancelled.
	Note         string `json:"note,omitempty"`
	RejectReason string `json:"reject_reason,omitempty"`
	CancelReason string `json:"cancel_reason,omitempty"`
	// DeliveredAt is when the order's goods reached the customer, the
	// start of the return window.
	DeliveredAt time.Time `json:"delivered_at"`
	// ExpiresAt is when an approved return that was never sent back
	// expires (swept by Service.SweepExpired); zero means never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// AppliedKeys are the keys of keyed commands already applied (receipts,
	// tracking events, inspections), so that a replay changes nothing.
	AppliedKeys []AppliedKey `json:"applied_keys,omitempty"`
	// Version counts the saved changes: 1 when requested.
	Version int64 `json:"version"`
	// CreatedAt, UpdatedAt and the milestone times come from the
	// Service's Clock.
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ApprovedAt  time.Time `json:"approved_at,omitzero"`
	ReceivedAt  time.Time `json:"received_at,omitzero"`
	InspectedAt time.Time `json:"inspected_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
}

// Kind says whether goods come back.
type Kind string

// Kinds of returns.
const (
	// KindReturn: the customer sends goods back.
	KindReturn Kind = "return"
	// KindClaim: something went wrong in transit or in the warehouse and
	// nothing comes back (damaged on arrival, wrong item, missing item).
	KindClaim Kind = "claim"
)

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool { return k == KindReturn || k == KindClaim }

// Line is one order line of a return with its unit counters:
//
//	0 <= Inspected <= Received <= Quantity
//	Accepted + missing units = Inspected; Restocked <= Accepted
type Line struct {
	// ID identifies the line within its return.
	ID oms.ID `json:"id"`
	// OrderLineID is the order line the units come from.
	OrderLineID oms.ID `json:"order_line_id"`
	// SKU is the order line's SKU.
	SKU oms.SKU `json:"sku"`
	// Quantity is the units authorized to come back (or claimed).
	Quantity int64 `json:"quantity"`
	// Reason is why they come back.
	Reason Reason `json:"reason"`
	// Comment is the customer's own words.
	Comment string `json:"comment,omitempty"`
	// Resolution is what the customer asked for.
	Resolution Resolution `json:"resolution"`
	// Replacement is the item an exchange sends instead.
	Replacement *Replacement `json:"replacement,omitempty"`
	// Received counts units that arrived.
	Received int64 `json:"received"`
	// Inspected counts units inspected.
	Inspected int64 `json:"inspected"`
	// Accepted counts inspected units that were there (condition other
	// than missing): the units resolved. For a claim it is Quantity.
	Accepted int64 `json:"accepted"`
	// Restocked counts units put back into sellable stock.
	Restocked int64 `json:"restocked"`
}

// Replacement is the item an exchange sends instead of the returned one.
type Replacement struct {
	// SKU and Name describe the replacement item.
	SKU  oms.SKU `json:"sku"`
	Name string  `json:"name,omitempty"`
	// Quantity is how many replacement units; zero means the line's
	// quantity. Another quantity needs a UnitPrice: at the returned price
	// a replacement stands for the returned units one for one.
	Quantity int64 `json:"quantity,omitempty"`
	// UnitPrice is the replacement's price; the zero Money means the
	// returned unit's price (an even exchange, such as another size).
	UnitPrice oms.Money `json:"unit_price"`
	// Tax is the tax of all replacement units; the zero Money means the
	// returned units' tax share.
	Tax oms.Money `json:"tax"`
	// Location is where an advance exchange reserves the replacement's
	// stock.
	Location oms.ID `json:"location,omitempty"`
}

// Inspection is the verdict on returned units of one line.
type Inspection struct {
	// LineID is the return line; Quantity the units that got this verdict
	// (one record per unit when inspected one by one).
	LineID   oms.ID `json:"line_id"`
	Quantity int64  `json:"quantity"`
	// Condition is what the unit looked like; Disposition where it went.
	Condition   Condition   `json:"condition"`
	Disposition Disposition `json:"disposition,omitempty"`
	// Location is where the unit is stocked (any disposition but none).
	Location oms.ID `json:"location,omitempty"`
	// Note is the inspector's remark.
	Note string `json:"note,omitempty"`
	// Key is the inspection command's key.
	Key string    `json:"key"`
	At  time.Time `json:"at"`
}

// StockMove is one inventory movement an inspection asked for. Its
// Reference is the ledger entry's reference, so a retried inspection
// finds the movement it already made.
type StockMove struct {
	// Reference is the ledger entry's reference, unique per move.
	Reference string `json:"reference"`
	// SKU, Location and Quantity say which units move where.
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	Quantity int64   `json:"quantity"`
	// Kind is restock (sellable), quarantine (damaged stock) or write_off
	// (out of damaged stock).
	Kind MoveKind `json:"kind"`
	// Done is set once inventory applied the movement.
	Done bool `json:"done"`
}

// MoveKind names what a StockMove does in inventory.
type MoveKind string

// Stock move kinds, with their inventory ledger reasons.
const (
	// MoveRestock puts units into sellable stock (return_restock).
	MoveRestock MoveKind = "restock"
	// MoveQuarantine puts units into damaged stock (return_quarantine).
	MoveQuarantine MoveKind = "quarantine"
	// MoveWriteOff takes units out of damaged stock (write_off).
	MoveWriteOff MoveKind = "write_off"
)

// Valid reports whether k is one of the move kinds.
func (k MoveKind) Valid() bool { return k == MoveRestock || k == MoveQuarantine || k == MoveWriteOff }

// Label is a return label bought through the shipping package.
type Label struct {
	// Carrier is the carrier's code; ID the carrier's label ID.
	Carrier     string `json:"carrier"`
	ID          string `json:"id"`
	ServiceCode string `json:"service_code"`
	// TrackingNumbers has one tracking number per parcel.
	TrackingNumbers []string `json:"tracking_numbers"`
	// Price is what the label cost the shop.
	Price oms.Money `json:"price"`
	// URL is where the customer downloads it, when the carrier hosts it.
	URL string `json:"url,omitempty"`
	// Key is the idempotency key the label was bought with.
	Key string    `json:"key"`
	At  time.Time `json:"at"`
}

// RefundRecord is the refund of a return: the breakdown computed from the
// order and the policy, and whether the order recorded it.
type RefundRecord struct {
	// Key is the refund's key at the order (order.RefundInput.Key).
	Key string `json:"key"`
	// OrderVersion is the order version the breakdown was computed from.
	OrderVersion int64 `json:"order_version"`
	// Breakdown is the computed refund.
	Breakdown Breakdown `json:"breakdown"`
	// Done is set once the order recorded the refund and the gateway
	// confirmed it.
	Done bool `json:"done"`
	// OriginalOrderID and Original are set when the returned units are
	// an exchange's replacement, paid (in part) by the credit of the
	// units the customer sent back from the original order: that credit
	// is no money of the replacement order, so its share of the returned
	// units is refunded on the original order (amount only, keyed Key +
	// "-original"), within what that order captured and did not refund.
	OriginalOrderID oms.ID     `json:"original_order_id,omitempty"`
	Original        *Breakdown `json:"original,omitempty"`
	// ChargeOrderID and Charge are set when the returned units are the
	// replacement of an advance exchange whose replacements of units
	// never returned were charged on an order of their own
	// (ExchangeRecord.ChargeOrderID): that charge also paid for the
	// replacement, so its share of the returned units is refunded on the
	// charge order (amount only, keyed Key + "-charge"), within what that
	// order captured and did not refund.
	ChargeOrderID oms.ID     `json:"charge_order_id,omitempty"`
	Charge        *Breakdown `json:"charge,omitempty"`
}

// ExchangeRecord links a return to its replacement order.
type ExchangeRecord struct {
	// OrderID is the replacement order.
	OrderID oms.ID `json:"order_id,omitempty"`
	// Advance is set when the replacement shipped before the return came
	// back; ReservationID holds its stock from approval.
	Advance       bool   `json:"advance,omitempty"`
	ReservationID oms.ID `json:"reservation_id,omitempty"`
	// Difference is the exact price difference.
	Difference Difference `json:"difference"`
	// Lines are the replacement order's lines.
	Lines []order.LineInput `json:"lines"`
	// Credit is the part of the credit applied to the replacement order
	// as its discount.
	Credit oms.Money `json:"credit"`
	// ChargeOrderID is the order that charges what an advance exchange
	// leaves due once inspected: the replacements shipped at approval
	// against the credit of units that never came back (or came back
	// missing) are paid for there (Difference.Due), with
	// ResolveInput.PaymentMethod, captured at placement; the return
	// completes only once it is captured (a declined card leaves it
	// awaiting payment, which a Resolve with another method pays).
	ChargeOrderID oms.ID `json:"charge_order_id,omitempty"`
}

// AppliedKey records a keyed command already applied, with a digest of
// its content.
type AppliedKey struct {
	Key    string `json:"key"`
	Digest string `json:"digest"`
	// Received are the units a receipt took (receipts only), so that a
	// repeated tracking event can finish its receipt's order counters.
	Received []ReceiveLine `json:"received,omitempty"`
}

// Clone returns a deep copy of r: no slice, map or pointer is shared.
func (r *Return) Clone() *Return {
	if r == nil {
		return nil
	}
	c := *r
	c.Lines = slices.Clone(r.Lines)
	for i := range c.Lines {
		if p := c.Lines[i].Replacement; p != nil {
			cp := *p
			c.Lines[i].Replacement = &cp
		}
	}
	c.Inspections = slices.Clone(r.Inspections)
	c.Moves = slices.Clone(r.Moves)
	if r.Label != nil {
		l := *r.Label
		l.TrackingNumbers = slices.Clone(r.Label.TrackingNumbers)
		c.Label = &l
	}
	if r.Refund != nil {
		rf := *r.Refund
		rf.Breakdown = r.Refund.Breakdown.clone()
		if r.Refund.Original != nil {
			b := r.Refund.Original.clone()
			rf.Original = &b
		}
		if r.Refund.Charge != nil {
			b := r.Refund.Charge.clone()
			rf.Charge = &b
		}
		c.Refund = &rf
	}
	if r.Exchange != nil {
		e := *r.Exchange
		e.Lines = slices.Clone(r.Exchange.Lines)
		for i := range e.Lines {
			e.Lines[i].Discounts = slices.Clone(e.Lines[i].Discounts)
		}
		c.Exchange = &e
	}
	c.Outcomes = slices.Clone(r.Outcomes)
	c.AppliedKeys = slices.Clone(r.AppliedKeys)
	for i := range c.AppliedKeys {
		c.AppliedKeys[i].Received = slices.Clone(c.AppliedKeys[i].Received)
	}
	return &c
}

// Line returns the return line with id and whether it exists.
func (r *Return) Line(id oms.ID) (Line, bool) {
	if i := r.lineIndex(id); i >= 0 {
		return r.Lines[i], true
	}
	return Line{}, false
}

func (r *Return) lineIndex(id oms.ID) int {
	for i := range r.Lines {
		if r.Lines[i].ID == id {
			return i
		}
	}
	return -1
}

// Units returns the units authorized, received, inspected, accepted and
// restocked, summed over the lines.
func (r *Return) Units() (quantity, received, inspected, accepted, restocked int64) {
	for _, l := range r.Lines {
		quantity += l.Quantity
		received += l.Received
		inspected += l.Inspected
		accepted += l.Accepted
		restocked += l.Restocked
	}
	return
}

// Open reports whether the return still holds units of its order: every
// status but rejected, cancelled and expired.
func (r *Return) Open() bool {
	switch r.Status {
	case StatusRejected, StatusCancelled, StatusExpired:
		return false
	}
	return true
}

func (r *Return) applied(key string) (AppliedKey, bool) {
	for _, k := range r.AppliedKeys {
		if k.Key == key {
			return k, true
		}
	}
	return AppliedKey{}, false
}
