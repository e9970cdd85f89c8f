package order

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/omskit/oms"
)

// Order is the order aggregate: what a customer bought, where it goes, how
// much of each line has been allocated, packed, shipped, delivered,
// cancelled and returned, its holds, its payment summary and its lifecycle
// status. Change it only through a Service, which enforces the rules,
// keeps Totals current, bumps Version and records events. An Order value
// is not safe for concurrent use; the Service and the stores hand out
// copies.
type Order struct {
	// ID identifies the order.
	ID oms.ID `json:"id"`
	// Number is the human-readable order number from the Service's
	// NumberGenerator, such as "1001".
	Number string `json:"number"`
	// Channel names where the order came from ("web", "pos", a
	// marketplace); free-form.
	Channel string `json:"channel,omitempty"`
	// IdempotencyKey is the key Place was called with, if any. A store
	// keeps it unique.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Currency is the currency of every amount of the order.
	Currency oms.Currency `json:"currency"`
	// Customer is who placed the order.
	Customer Customer `json:"customer"`
	// ShippingAddress is where the goods go; required when any line
	// requires shipping.
	ShippingAddress oms.Address `json:"shipping_address"`
	// BillingAddress is the payer's address; optional.
	BillingAddress oms.Address `json:"billing_address"`
	// Shipping is the shipping option the customer chose.
	Shipping ShippingOption `json:"shipping"`
	// Lines are the order's lines, in the order they were added.
	Lines []Line `json:"lines"`
	// Discounts are order-level discounts, prorated across the lines by
	// ComputeTotals.
	Discounts []Discount `json:"discounts,omitempty"`
	// ShippingCharge is what the customer pays for shipping, before tax
	// (or including it when TaxIncluded). Order and line discounts never
	// change it; free shipping is a zero charge.
	ShippingCharge oms.Money `json:"shipping_charge"`
	// ShippingTax is the tax on the shipping charge.
	ShippingTax oms.Money `json:"shipping_tax"`
	// TaxIncluded says the unit prices and the shipping charge include
	// their tax (VAT style): Line.Tax and ShippingTax are then the tax
	// part of those amounts and the grand total does not add them again.
	// False (the default) adds taxes on top (US sales tax style).
	TaxIncluded bool `json:"tax_included,omitempty"`
	// Totals are the amounts ComputeTotals derives from the lines,
	// discounts, shipping and taxes, kept current by the Service.
	Totals Totals `json:"totals"`
	// Payment summarizes what the host's payment gateway authorized,
	// captured, voided and refunded.
	Payment Payment `json:"payment"`
	// Status is the lifecycle status.
	Status Status `json:"status"`
	// Holds are every hold the order has carried, open and released.
	Holds []Hold `json:"holds,omitempty"`
	// Notes are remarks by staff or systems, oldest first.
	Notes []Note `json:"notes,omitempty"`
	// Metadata holds the host's own key/value pairs.
	Metadata map[string]string `json:"metadata,omitempty"`
	// RefundedShipping is the shipping (with its tax) Service.Refund gave
	// back, at most the shipping charge plus its tax (the charge alone
	// when it includes its tax).
	RefundedShipping oms.Money `json:"refunded_shipping"`
	// CancelReason says why the order was cancelled, when it was.
	CancelReason string `json:"cancel_reason,omitempty"`
	// AppliedKeys records the caller keys of the counter moves and other
	// keyed commands already applied, so that a replay changes nothing.
	AppliedKeys []AppliedKey `json:"applied_keys,omitempty"`
	// Version counts the saved changes: 1 after placement, one more per
	// accepted change.
	Version int64 `json:"version"`
	// CreatedAt is when the order was placed; UpdatedAt when it last
	// changed. Both come from the Service's Clock.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ConfirmedAt, CancelledAt and CompletedAt record the lifecycle moves.
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

// Customer is who placed an order.
type Customer struct {
	// ID is the host's customer ID; empty for guest checkouts.
	ID oms.ID `json:"id,omitempty"`
	// Email is where order e-mails go.
	Email string `json:"email"`
	// Name and Phone are optional contact details.
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ShippingOption is the shipping service the customer chose and the
// delivery window the shop promised.
type ShippingOption struct {
	// ServiceLevel is the speed class the customer chose (one of
	// oms.ServiceLevels, or empty when the host does not say); the
	// shipping package's rate shopping matches it.
	ServiceLevel oms.ServiceLevel `json:"service_level,omitempty"`
	// Name is what the customer saw, such as "Express (1-2 days)".
	Name string `json:"name,omitempty"`
	// PromisedFrom and PromisedBy bound the promised delivery window as
	// calendar days in the destination's time zone: delivery is on time
	// when it happens by the end of PromisedBy there (see oms.Date.Passed).
	// Either may be zero; otherwise each is a calendar day of years 1 to
	// 9999, and PromisedBy is never before PromisedFrom.
	PromisedFrom oms.Date `json:"promised_from,omitzero"`
	PromisedBy   oms.Date `json:"promised_by,omitzero"`
}

// Discount is a reduction of a line or of the whole order. Amount is
// positive and is the reduction for the full quantity (for a line) or the
// whole order.
type Discount struct {
	// Code is the promotion or coupon code, if any.
	Code string `json:"code,omitempty"`
	// Description says what the discount is for.
	Description string `json:"description,omitempty"`
	// Amount is the reduction, a positive amount in the order's currency.
	Amount oms.Money `json:"amount"`
}

// Line is one product line of an order with its quantity counters. The
// counters only move within their bounds:
//
//	0 <= Returned <= Delivered <= Shipped <= Fulfilled <= Allocated <= Quantity - Cancelled
//	0 <= Cancelled <= Quantity
type Line struct {
	// ID identifies the line within its order.
	ID oms.ID `json:"id"`
	// SKU is the stock-keeping unit.
	SKU oms.SKU `json:"sku"`
	// Name is the product's name as shown to the customer.
	Name string `json:"name"`
	// Quantity is how many units were ordered (cancelled ones included).
	Quantity int64 `json:"quantity"`
	// UnitPrice is the price of one unit before discounts and tax.
	UnitPrice oms.Money `json:"unit_price"`
	// Discounts reduce the line; each amount is for the full quantity and
	// shrinks in proportion when units are cancelled.
	Discounts []Discount `json:"discounts,omitempty"`
	// Tax is the tax of the full quantity after every discount (added on
	// top, or the tax part of the price when Order.TaxIncluded); it
	// shrinks in proportion when units are cancelled.
	Tax oms.Money `json:"tax"`
	// TaxCode is the product's tax class given to the TaxCalculator;
	// empty for the standard rate.
	TaxCode string `json:"tax_code,omitempty"`
	// UnitWeight and UnitDimensions describe one unit, for packing and
	// rating.
	UnitWeight     oms.Weight     `json:"unit_weight,omitempty"`
	UnitDimensions oms.Dimensions `json:"unit_dimensions,omitzero"`
	// RequiresShipping is false for goods that are not shipped (digital
	// goods, services). Their counters move like any other line's; the
	// fulfillment and shipping packages skip them when building parcels.
	RequiresShipping bool `json:"requires_shipping"`
	// Allocated counts units assigned to a location with stock reserved.
	Allocated int64 `json:"allocated"`
	// Fulfilled counts units picked and packed.
	Fulfilled int64 `json:"fulfilled"`
	// Shipped counts units handed to a carrier.
	Shipped int64 `json:"shipped"`
	// Delivered counts units delivered to the customer.
	Delivered int64 `json:"delivered"`
	// Cancelled counts units cancelled before shipping.
	Cancelled int64 `json:"cancelled"`
	// Returned counts units the customer sent back and the shop received.
	Returned int64 `json:"returned"`
	// Refunded counts units refunded by Service.Refund (returned or
	// claimed goods), at most Shipped.
	Refunded int64 `json:"refunded,omitempty"`
	// RefundedAmount is the money Service.Refund gave back against this
	// line, at most the line's total.
	RefundedAmount oms.Money `json:"refunded_amount"`
}

// Active returns the units still wanted: Quantity - Cancelled.
func (l Line) Active() int64 { return l.Quantity - l.Cancelled }

// Unshipped returns the units still wanted and not yet shipped, the part a
// cancellation may take.
func (l Line) Unshipped() int64 { return l.Active() - l.Shipped }

// Subtotal returns UnitPrice times Quantity (cancelled units included).
func (l Line) Subtotal() oms.Money { return l.UnitPrice.Mul(l.Quantity) }

// Hold stops an order's fulfillment until released. An order can carry
// several holds at once; it proceeds when none is open.
type Hold struct {
	// ID identifies the hold within its order.
	ID oms.ID `json:"id"`
	// Reason is why the order is held.
	Reason HoldReason `json:"reason"`
	// Note explains the hold.
	Note string `json:"note,omitempty"`
	// By and At record who placed the hold and when.
	By string    `json:"by,omitempty"`
	At time.Time `json:"at"`
	// ReleasedBy, ReleasedAt and ReleaseNote record the release; a hold
	// with a zero ReleasedAt is open.
	ReleasedBy  string    `json:"released_by,omitempty"`
	ReleasedAt  time.Time `json:"released_at,omitzero"`
	ReleaseNote string    `json:"release_note,omitempty"`
}

// systemHoldID is the ID of a hold the Service itself adds, for the order
// version that adds it. Caller holds derive from "hold/caller:" + key
// (callerHoldID) or are fresh IDs, so the two never meet.
func systemHoldID(order oms.ID, r HoldReason, version int64) oms.ID {
	return oms.DeriveID(order, fmt.Sprintf("hold/system:%s:%d", r, version))
}

// callerHoldID is the ID of a hold added with a caller key.
func callerHoldID(order oms.ID, key string) oms.ID {
	return oms.DeriveID(order, "hold/caller:"+key)
}

// addHold appends h, refusing an ID the order already has.
func addHold(o *Order, h Hold) error {
	for _, x := range o.Holds {
		if x.ID == h.ID {
			return fmt.Errorf("%w: order %s already has a hold %s", oms.ErrDuplicate, o.ID, h.ID)
		}
	}
	o.Holds = append(o.Holds, h)
	return nil
}

// Open reports whether the hold is not released.
func (h Hold) Open() bool { return h.ReleasedAt.IsZero() }

// HoldReason says why an order is held.
type HoldReason string

// Hold reasons.
const (
	HoldAwaitingPayment     HoldReason = "awaiting_payment"
	HoldFraudReview         HoldReason = "fraud_review"
	HoldAddressVerification HoldReason = "address_verification"
	HoldCustomerRequest     HoldReason = "customer_request"
	HoldInventory           HoldReason = "inventory"
	HoldOther               HoldReason = "other"
)

// Valid reports whether r is one of the hold reasons.
func (r HoldReason) Valid() bool {
	switch r {
	case HoldAwaitingPayment, HoldFraudReview, HoldAddressVerification, HoldCustomerRequest, HoldInventory, HoldOther:
		return true
	}
	return false
}

// Note is a remark on an order.
type Note struct {
	By   string    `json:"by,omitempty"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// AppliedKey records a caller key that a keyed command already applied to
// the order, with a digest of its content.
type AppliedKey struct {
	// Key is the command name and the caller's key, such as
	// "shipment:SHP-1".
	Key string `json:"key"`
	// Digest identifies the command's content; a replay with another
	// content is refused with oms.ErrDuplicate.
	Digest string `json:"digest"`
	// Version is the order version the command produced.
	Version int64 `json:"version"`
}

// OpenHolds returns the holds that are not released, in the order added.
func (o *Order) OpenHolds() []Hold {
	var out []Hold
	for _, h := range o.Holds {
		if h.Open() {
			out = append(out, h)
		}
	}
	return out
}

// OnHold reports whether the order carries an open hold.
func (o *Order) OnHold() bool {
	for _, h := range o.Holds {
		if h.Open() {
			return true
		}
	}
	return false
}

// HasOpenHold reports whether a hold with reason r is open.
func (o *Order) HasOpenHold(r HoldReason) bool {
	for _, h := range o.Holds {
		if h.Open() && h.Reason == r {
			return true
		}
	}
	return false
}

// Line returns the line with id and whether it exists.
func (o *Order) Line(id oms.ID) (Line, bool) {
	if i := o.lineIndex(id); i >= 0 {
		return o.Lines[i], true
	}
	return Line{}, false
}

func (o *Order) lineIndex(id oms.ID) int {
	for i := range o.Lines {
		if o.Lines[i].ID == id {
			return i
		}
	}
	return -1
}

func (o *Order) appliedKey(key string) (AppliedKey, bool) {
	for _, k := range o.AppliedKeys {
		if k.Key == key {
			return k, true
		}
	}
	return AppliedKey{}, false
}

// Clone returns a deep copy of o: no slice or map is shared.
func (o *Order) Clone() *Order {
	if o == nil {
		return nil
	}
	c := *o
	c.Lines = slices.Clone(o.Lines)
	// The lines' discounts are copied into one array; each line's slice is
	// capped at its own part, so appending to one never reaches another.
	var all []Discount
	n, some := 0, false
	for i := range o.Lines {
		n += len(o.Lines[i].Discounts)
		some = some || o.Lines[i].Discounts != nil
	}
	if some {
		all = make([]Discount, 0, n)
	}
	for i := range c.Lines {
		if d := c.Lines[i].Discounts; d != nil {
			start := len(all)
			all = append(all, d...)
			c.Lines[i].Discounts = all[start:len(all):len(all)]
		}
	}
	c.Discounts = slices.Clone(o.Discounts)
	c.Totals.Lines = slices.Clone(o.Totals.Lines)
	c.Payment.Transactions = slices.Clone(o.Payment.Transactions)
	if o.Payment.Pending != nil {
		op := *o.Payment.Pending
		c.Payment.Pending = &op
	}
	c.Holds = slices.Clone(o.Holds)
	c.Notes = slices.Clone(o.Notes)
	c.Metadata = maps.Clone(o.Metadata)
	c.AppliedKeys = slices.Clone(o.AppliedKeys)
	return &c
}

// CheckCounters verifies every line's counters against their bounds and
// returns a *oms.ValidationError naming, for each line that breaks one,
// the first broken bound in the order quantity, cancelled, allocated,
// fulfilled, shipped, delivered, returned; or nil.
func (o *Order) CheckCounters() error {
	if o == nil {
		return nil
	}
	v := validation()
	for i, l := range o.Lines {
		checkLineCounters(v, i, l)
	}
	return v.Err()
}

func checkLineCounters(v *oms.ValidationError, i int, l Line) {
	f := func(name string) string { return linesField(i, name) }
	switch {
	case l.Quantity <= 0:
		v.Add(f("quantity"), "must be positive, got %d", l.Quantity)
	case l.Cancelled < 0 || l.Cancelled > l.Quantity:
		v.Add(f("cancelled"), "%d is outside 0..quantity %d", l.Cancelled, l.Quantity)
	case l.Allocated < 0 || l.Allocated > l.Active():
		v.Add(f("allocated"), "%d is outside 0..%d (quantity - cancelled)", l.Allocated, l.Active())
	case l.Fulfilled < 0 || l.Fulfilled > l.Allocated:
		v.Add(f("fulfilled"), "%d is outside 0..allocated %d", l.Fulfilled, l.Allocated)
	case l.Shipped < 0 || l.Shipped > l.Fulfilled:
		v.Add(f("shipped"), "%d is outside 0..fulfilled %d", l.Shipped, l.Fulfilled)
	case l.Delivered < 0 || l.Delivered > l.Shipped:
		v.Add(f("delivered"), "%d is outside 0..shipped %d", l.Delivered, l.Shipped)
	case l.Returned < 0 || l.Returned > l.Delivered:
		v.Add(f("returned"), "%d is outside 0..delivered %d", l.Returned, l.Delivered)
	}
}
