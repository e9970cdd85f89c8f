package returns

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/shopspring/decimal"
)

// ReturnShippingPayer says who pays for the way back.
type ReturnShippingPayer string

// Who pays return shipping.
const (
	// ReturnShippingFree: the shop buys the label and pays for it.
	ReturnShippingFree ReturnShippingPayer = "free"
	// ReturnShippingDeducted: the shop buys the label and deducts its
	// price (or Policy.ReturnShippingFee) from the refund.
	ReturnShippingDeducted ReturnShippingPayer = "deducted"
	// ReturnShippingCustomer: the customer sends the goods back at their
	// own cost; the shop buys no label.
	ReturnShippingCustomer ReturnShippingPayer = "customer"
)

// Valid reports whether p is one of the payers.
func (p ReturnShippingPayer) Valid() bool {
	return p == ReturnShippingFree || p == ReturnShippingDeducted || p == ReturnShippingCustomer
}

// ShippingRefund says whether the order's own shipping charge (and its
// tax) is refunded with returned goods.
type ShippingRefund string

// Shipping refund rules.
const (
	// ShippingRefundNever: the shipping charge is never refunded.
	ShippingRefundNever ShippingRefund = "never"
	// ShippingRefundFullReturn: what is left of the shipping charge is
	// refunded with the refund that makes every unit of the order
	// refunded.
	ShippingRefundFullReturn ShippingRefund = "full_return"
	// ShippingRefundProrated: each refunded unit takes its exact share of
	// the shipping charge (the shares of every unit sum to the charge).
	ShippingRefundProrated ShippingRefund = "prorated"
)

// Valid reports whether s is one of the rules.
func (s ShippingRefund) Valid() bool {
	return s == ShippingRefundNever || s == ShippingRefundFullReturn || s == ShippingRefundProrated
}

// Fee is a restocking fee: a percentage of the returned units' value plus
// a fixed amount per unit, never more than the value.
type Fee struct {
	// Percent is the share of the value, from 0 to 1 (0.15 is 15%).
	Percent decimal.Decimal `json:"percent"`
	// PerUnit is a fixed amount per returned unit; the zero Money is none.
	// It must be in the order's currency: a request (or CalculateRefund)
	// whose units it applies to in an order of another currency is
	// refused with a *oms.ValidationError, as the fee could be neither
	// charged nor converted.
	PerUnit oms.Money `json:"per_unit"`
}

// IsZero reports whether the fee charges nothing.
func (f Fee) IsZero() bool { return f.Percent.IsZero() && f.PerUnit.IsZero() }

// Rule overrides the policy for one SKU or one category. A rule naming a
// SKU takes precedence over a rule naming a category; among rules of the
// same kind the first that matches wins.
type Rule struct {
	// SKU or Category selects the items (set one).
	SKU      oms.SKU `json:"sku,omitempty"`
	Category string  `json:"category,omitempty"`
	// WindowDays replaces the return window when positive.
	WindowDays int `json:"window_days,omitempty"`
	// FinalSale items are sold without returns.
	FinalSale bool `json:"final_sale,omitempty"`
	// NonReturnable items cannot be returned (hygiene, perishables).
	NonReturnable bool `json:"non_returnable,omitempty"`
	// RestockingFee replaces the policy's fee when set.
	RestockingFee *Fee `json:"restocking_fee,omitempty"`
	// NoExchange refuses exchanges of these items.
	NoExchange bool `json:"no_exchange,omitempty"`
}

// Policy is a shop's return policy. The zero Policy accepts returns on
// the day of delivery only, for every reason, without fees, with free
// return shipping and no shipping refund; DefaultPolicy is a common
// starting point.
type Policy struct {
	// WindowDays is how many days after the day of delivery returns are
	// accepted (the window closes at the end of that day in Location).
	WindowDays int `json:"window_days"`
	// ChannelWindowDays replaces WindowDays for an order channel.
	ChannelWindowDays map[string]int `json:"channel_window_days,omitempty"`
	// Rules override the policy for SKUs and categories.
	Rules []Rule `json:"rules,omitempty"`
	// Categories maps SKUs to the categories the rules name.
	Categories map[oms.SKU]string `json:"categories,omitempty"`
	// Reasons are the accepted reasons; empty means every reason.
	Reasons []Reason `json:"reasons,omitempty"`
	// RestockingFee is charged on returned units unless their reason is
	// in WaivedFor.
	RestockingFee Fee `json:"restocking_fee"`
	// WaivedFor lists the reasons that are the shop's fault: neither
	// restocking fee nor return shipping is charged for them. Nil means
	// damaged, defective, wrong_item and not_as_described.
	WaivedFor []Reason `json:"waived_for,omitempty"`
	// ReturnShipping says who pays the way back. Empty means free.
	ReturnShipping ReturnShippingPayer `json:"return_shipping,omitempty"`
	// ReturnShippingFee is deducted under ReturnShippingDeducted when the
	// label's price is not known (the zero Money: nothing). It must be in
	// the order's currency: a request (or CalculateRefund) it would be
	// deducted from in an order of another currency is refused with a
	// *oms.ValidationError, as it could be neither deducted nor converted.
	ReturnShippingFee oms.Money `json:"return_shipping_fee"`
	// ShippingRefund says whether the order's shipping is refunded. Empty
	// means never.
	ShippingRefund ShippingRefund `json:"shipping_refund,omitempty"`
	// Exchanges allows the exchange resolution; AdvanceExchanges allows
	// shipping the replacement before the return arrives.
	Exchanges        bool `json:"exchanges,omitempty"`
	AdvanceExchanges bool `json:"advance_exchanges,omitempty"`
	// StoreCredit allows the store credit resolution.
	StoreCredit bool `json:"store_credit,omitempty"`
	// Dispositions map an inspected unit's condition to where it goes when
	// the inspector names no disposition. Unset conditions take the
	// defaults: new and opened are restocked, used are refurbished,
	// damaged are quarantined.
	Dispositions map[Condition]Disposition `json:"dispositions,omitempty"`
	// ExpireAfter is how long an approved return may take to be sent back
	// before SweepExpired expires it (at the latest at the end of year
	// 9999); zero means never.
	ExpireAfter time.Duration `json:"expire_after,omitempty"`
	// Location is the time zone of the window's calendar days; nil means
	// UTC.
	Location *time.Location `json:"-"`
}

// DefaultPolicy returns a common policy: 30 days, every reason, no
// restocking fee, free return shipping, shipping refunded with a full
// return, exchanges and store credit allowed, approved returns expire
// after 30 days.
func DefaultPolicy() Policy {
	return Policy{WindowDays: 30, ReturnShipping: ReturnShippingFree, ShippingRefund: ShippingRefundFullReturn,
		Exchanges: true, StoreCredit: true, ExpireAfter: 30 * 24 * time.Hour}
}

// clone returns a deep copy of p: no map, slice or fee is shared.
func (p Policy) clone() Policy {
	p.ChannelWindowDays = maps.Clone(p.ChannelWindowDays)
	p.Rules = slices.Clone(p.Rules)
	for i, r := range p.Rules {
		if r.RestockingFee != nil {
			f := *r.RestockingFee
			p.Rules[i].RestockingFee = &f
		}
	}
	p.Categories = maps.Clone(p.Categories)
	p.Reasons = slices.Clone(p.Reasons)
	p.WaivedFor = slices.Clone(p.WaivedFor)
	p.Dispositions = maps.Clone(p.Dispositions)
	return p
}

// maxPercentDecimals bounds the decimals of a restocking fee's percent.
const maxPercentDecimals = 18

// tooLong reports an amount whose exponent or coefficient is beyond what
// oms.NewMoney takes; printing, rounding or comparing it would scale it
// by 10^exponent.
func tooLong(m oms.Money) bool {
	d := m.Amount()
	e := d.Exponent()
	return e < -oms.MaxAmountExponent || e > oms.MaxAmountExponent || d.Coefficient().BitLen() > oms.MaxAmountBits
}

// checkAmount records a problem under field unless m is the zero Money or
// a non-negative amount in minor units of a size an amount may have.
func checkAmount(v *oms.ValidationError, field string, m oms.Money) {
	switch {
	case tooLong(m):
		v.Add(field, "has more digits than an amount may have (exponent %d)", m.Amount().Exponent())
	case m.IsNegative() || m.Valid() && !m.IsRounded():
		v.Add(field, "must be a non-negative amount in minor units, got %s", m)
	}
}

// MaxWindowDays bounds the return windows a Policy accepts (ten years).
const MaxWindowDays = 3660

// Validate returns a *oms.ValidationError listing every problem of p, or
// nil.
func (p *Policy) Validate() error {
	v := &oms.ValidationError{Entity: "return policy"}
	window := func(f string, d int) {
		if d < 0 || d > MaxWindowDays {
			v.Add(f, "must be between 0 and %d days, got %d", MaxWindowDays, d)
		}
	}
	window("window_days", p.WindowDays)
	for ch, d := range p.ChannelWindowDays {
		window("channel_window_days."+ch, d)
	}
	fee := func(f string, fe Fee) {
		// The exponent first: comparing or printing a decimal scales it
		// by 10^exponent.
		if e := fe.Percent.Exponent(); e < -maxPercentDecimals || e > 1 || fe.Percent.Coefficient().BitLen() > oms.MaxAmountBits {
			v.Add(f+".percent", "has more digits than a percent may have (exponent %d, at most %d decimals)", e, maxPercentDecimals)
		} else if fe.Percent.IsNegative() || fe.Percent.GreaterThan(decimal.NewFromInt(1)) {
			v.Add(f+".percent", "must be between 0 and 1, got %s", fe.Percent)
		}
		checkAmount(v, f+".per_unit", fe.PerUnit)
	}
	fee("restocking_fee", p.RestockingFee)
	for i, r := range p.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		if (r.SKU == "") == (r.Category == "") {
			v.Add(f, "name a sku or a category")
		}
		window(f+".window_days", r.WindowDays)
		if r.RestockingFee != nil {
			fee(f+".restocking_fee", *r.RestockingFee)
		}
	}
	for i, r := range p.Reasons {
		if !r.Valid() {
			v.Add(fmt.Sprintf("reasons[%d]", i), "%q is not a return reason", r)
		}
	}
	for i, r := range p.WaivedFor {
		if !r.Valid() {
			v.Add(fmt.Sprintf("waived_for[%d]", i), "%q is not a return reason", r)
		}
	}
	if p.ReturnShipping != "" && !p.ReturnShipping.Valid() {
		v.Add("return_shipping", "%q is not free, deducted or customer", p.ReturnShipping)
	}
	checkAmount(v, "return_shipping_fee", p.ReturnShippingFee)
	if p.ShippingRefund != "" && !p.ShippingRefund.Valid() {
		v.Add("shipping_refund", "%q is not never, full_return or prorated", p.ShippingRefund)
	}
	for c, d := range p.Dispositions {
		if !c.Valid() || c == ConditionMissing || !d.Valid() {
			v.Add("dispositions."+string(c), "%q -> %q: a condition other than missing and a disposition are required", c, d)
		}
	}
	if p.ExpireAfter < 0 {
		v.Add("expire_after", "must not be negative, got %s", p.ExpireAfter)
	}
	return v.Err()
}

// checkFeeCurrency records a problem when the restocking fee that applies
// to sku returned for reason charges a per-unit amount in another
// currency than cur (the order's): such a fee can be neither charged nor
// converted, and must not be shown as if it were.
func (p *Policy) checkFeeCurrency(v *oms.ValidationError, field string, sku oms.SKU, reason Reason, cur oms.Currency) {
	if p.waived(reason) {
		return
	}
	if f := p.fee(sku); !f.PerUnit.IsZero() && f.PerUnit.Currency() != cur {
		v.Add(field, "the restocking fee of %s is %s per unit, not in the order's currency %s", sku, f.PerUnit, cur)
	}
}

// checkShippingFeeCurrency records a problem when the return shipping fee
// would be deducted (ReturnShippingDeducted) in an order of currency cur
// but is in another currency: it can be neither deducted nor converted,
// and must not be left out silently.
func (p *Policy) checkShippingFeeCurrency(v *oms.ValidationError, cur oms.Currency) {
	if p.payer() == ReturnShippingDeducted && !p.ReturnShippingFee.IsZero() && p.ReturnShippingFee.Currency() != cur {
		v.Add("return_shipping_fee", "the policy's return shipping fee %s is not in the order's currency %s", p.ReturnShippingFee, cur)
	}
}

// Disposition returns where a unit in condition c goes by default (empty
// for a missing unit).
func (p *Policy) Disposition(c Condition) Disposition {
	if d, ok := p.Dispositions[c]; ok {
		return d
	}
	switch c {
	case ConditionNew, ConditionOpened:
		return DispositionRestock
	case ConditionUsed:
		return DispositionRefurbish
	case ConditionDamaged:
		return DispositionQuarantine
	}
	return ""
}

func (p *Policy) payer() ReturnShippingPayer {
	if p.ReturnShipping == "" {
		return ReturnShippingFree
	}
	return p.ReturnShipping
}

func (p *Policy) shippingRefund() ShippingRefund {
	if p.ShippingRefund == "" {
		return ShippingRefundNever
	}
	return p.ShippingRefund
}

func (p *Policy) loc() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// waived reports whether reason is the shop's fault.
func (p *Policy) waived(r Reason) bool {
	if p.WaivedFor == nil {
		return r == ReasonDamaged || r == ReasonDefective || r == ReasonWrongItem || r == ReasonNotAsDescribed
	}
	return slices.Contains(p.WaivedFor, r)
}

// rule returns the rule that applies to sku, if any.
func (p *Policy) rule(sku oms.SKU) (Rule, bool) {
	for _, r := range p.Rules {
		if r.SKU != "" && r.SKU == sku {
			return r, true
		}
	}
	if cat, ok := p.Categories[sku]; ok {
		for _, r := range p.Rules {
			if r.SKU == "" && r.Category == cat {
				return r, true
			}
		}
	}
	return Rule{}, false
}

// fee returns the restocking fee for sku.
func (p *Policy) fee(sku oms.SKU) Fee {
	if r, ok := p.rule(sku); ok && r.RestockingFee != nil {
		return *r.RestockingFee
	}
	return p.RestockingFee
}

// windowDays returns the return window of sku on channel.
func (p *Policy) windowDays(sku oms.SKU, channel string) int {
	if r, ok := p.rule(sku); ok && r.WindowDays > 0 {
		return r.WindowDays
	}
	if d, ok := p.ChannelWindowDays[channel]; ok && d > 0 {
		return d
	}
	return p.WindowDays
}

// lastDeadline is the last day an oms.Date writes (end of year 9999).
var lastDeadline = oms.NewDate(9999, time.December, 31)

// Deadline returns the last day on which sku, delivered at deliveredAt
// on channel, may be returned: at the latest the last day of year 9999.
func (p *Policy) Deadline(sku oms.SKU, channel string, deliveredAt time.Time) oms.Date {
	d := oms.DateIn(deliveredAt, p.loc()).AddDays(p.windowDays(sku, channel))
	if lastDeadline.Before(d) {
		return lastDeadline
	}
	return d
}

// Request line and verdict codes, stable for hosts that translate the
// customer-facing text themselves.
const (
	CodeEligible        = "eligible"
	CodeUnknownLine     = "unknown_line"
	CodeQuantity        = "quantity"
	CodeNotDelivered    = "not_delivered"
	CodeAlreadyDone     = "already_returned"
	CodeFinalSale       = "final_sale"
	CodeNonReturnable   = "non_returnable"
	CodeWindowClosed    = "window_closed"
	CodeReason          = "reason"
	CodeResolution      = "resolution"
	CodeDeliveryUnknown = "delivery_unknown"
)

// RequestLine asks to return units of one order line.
type RequestLine struct {
	// OrderLineID is the order line.
	OrderLineID oms.ID `json:"order_line_id"`
	// Quantity is how many units.
	Quantity int64 `json:"quantity"`
	// Reason is why; Comment the customer's words.
	Reason  Reason `json:"reason"`
	Comment string `json:"comment,omitempty"`
	// Resolution is what the customer asks for; empty means refund.
	Resolution Resolution `json:"resolution,omitempty"`
	// Replacement is the item wanted in exchange (Resolution exchange).
	Replacement *Replacement `json:"replacement,omitempty"`
}

// Verdict says whether one requested line may be returned and, if not,
// why, in words for the customer.
type Verdict struct {
	// OrderLineID and SKU name the line.
	OrderLineID oms.ID  `json:"order_line_id"`
	SKU         oms.SKU `json:"sku,omitempty"`
	// Eligible is true when the line may be returned as asked.
	Eligible bool `json:"eligible"`
	// Code names the rule that decided (CodeEligible when eligible).
	Code string `json:"code"`
	// Message says it to the customer.
	Message string `json:"message"`
	// Returnable is how many units of the line may still be returned.
	Returnable int64 `json:"returnable"`
	// Deadline is the last day of the line's return window.
	Deadline oms.Date `json:"deadline,omitzero"`
	// RestockingFee is the fee rule that will apply (zero when waived).
	RestockingFee Fee `json:"restocking_fee"`
}

// Evaluate says, for each requested line, whether it may be returned from
// order o under the policy at now, and why not. deliveredAt is when the
// goods reached the customer (the window's start; zero means unknown,
// which no line passes). taken counts, per order line, the units already
// in other returns that are not rejected, cancelled or expired. Evaluate
// is pure; the first rule a line breaks decides its verdict, in this
// order: unknown line, quantity, nothing delivered, non-returnable, final
// sale, window, already returned (or more than can still be returned),
// reason, resolution.
func (p *Policy) Evaluate(o *order.Order, lines []RequestLine, deliveredAt, now time.Time, taken map[oms.ID]int64) []Verdict {
	out := make([]Verdict, len(lines))
	asked := map[oms.ID]int64{}
	for i, rl := range lines {
		v := &out[i]
		v.OrderLineID = rl.OrderLineID
		var ol order.Line
		ok := false
		if o != nil {
			ol, ok = o.Line(rl.OrderLineID)
		}
		if !ok {
			v.Code, v.Message = CodeUnknownLine, "This item is not part of the order."
			continue
		}
		sku := ol.SKU
		v.SKU = sku
		done := max(taken[ol.ID], ol.Returned, ol.Refunded)
		v.Returnable = max(0, ol.Delivered-done-asked[ol.ID])
		rule, hasRule := p.rule(sku)
		if !p.waived(rl.Reason) {
			v.RestockingFee = p.fee(sku)
		}
		if !deliveredAt.IsZero() {
			v.Deadline = p.Deadline(sku, o.Channel, deliveredAt)
		}
		name := ol.Name
		if name == "" {
			name = string(sku)
		}
		switch {
		case rl.Quantity <= 0:
			v.Code, v.Message = CodeQuantity, "Choose how many to return."
		case ol.Delivered == 0:
			v.Code, v.Message = CodeNotDelivered, fmt.Sprintf("%s has not been delivered yet.", name)
		case hasRule && rule.NonReturnable:
			v.Code, v.Message = CodeNonReturnable, fmt.Sprintf("%s can't be returned.", name)
		case hasRule && rule.FinalSale:
			v.Code, v.Message = CodeFinalSale, fmt.Sprintf("%s was a final sale and can't be returned.", name)
		case deliveredAt.IsZero():
			v.Code, v.Message = CodeDeliveryUnknown, fmt.Sprintf("We can't tell yet when %s was delivered.", name)
		case v.Deadline.Passed(now, p.loc()):
			v.Code, v.Message = CodeWindowClosed, fmt.Sprintf("The return window for %s closed on %s.", name, v.Deadline.In(time.UTC).Format("January 2, 2006"))
		case v.Returnable == 0:
			v.Code, v.Message = CodeAlreadyDone, fmt.Sprintf("%s has already been returned.", name)
		case rl.Quantity > v.Returnable:
			v.Code, v.Message = CodeQuantity, fmt.Sprintf("Only %d of %s can be returned.", v.Returnable, name)
		case !rl.Reason.Valid():
			v.Code, v.Message = CodeReason, "Choose a reason for the return."
		case len(p.Reasons) > 0 && !slices.Contains(p.Reasons, rl.Reason):
			v.Code, v.Message = CodeReason, fmt.Sprintf("We can't take %s back for the reason %q.", name, reasonText(rl.Reason))
		case rl.Resolution != "" && !rl.Resolution.Valid():
			v.Code, v.Message = CodeResolution, "Choose a refund, an exchange or store credit."
		case rl.Resolution == ResolutionExchange && (!p.Exchanges || hasRule && rule.NoExchange):
			v.Code, v.Message = CodeResolution, fmt.Sprintf("%s can't be exchanged; choose a refund instead.", name)
		case rl.Resolution == ResolutionStoreCredit && !p.StoreCredit:
			v.Code, v.Message = CodeResolution, "Store credit isn't offered; choose a refund instead."
		default:
			v.Eligible, v.Code = true, CodeEligible
			v.Message = fmt.Sprintf("%s can be returned until %s.", name, v.Deadline.In(time.UTC).Format("January 2, 2006"))
			asked[ol.ID] += rl.Quantity
		}
	}
	return out
}

func reasonText(r Reason) string {
	switch r {
	case ReasonDoesntFit:
		return "doesn't fit"
	case ReasonNoLongerNeeded:
		return "no longer needed"
	case ReasonWrongItem:
		return "wrong item"
	case ReasonNotAsDescribed:
		return "not as described"
	case ReasonArrivedLate:
		return "arrived late"
	}
	return string(r)
}
