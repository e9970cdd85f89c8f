package returns

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/shopspring/decimal"
)

// RefundItem is a quantity of one order line to refund.
type RefundItem struct {
	// OrderLineID is the order line.
	OrderLineID oms.ID `json:"order_line_id"`
	// Quantity is how many units, at least 1.
	Quantity int64 `json:"quantity"`
	// Reason decides whether the restocking fee and return shipping are
	// waived (Policy.WaivedFor).
	Reason Reason `json:"reason"`
}

// CalcInput is what CalculateRefund refunds.
type CalcInput struct {
	// Items are the units to refund; an order line may appear once.
	Items []RefundItem `json:"items"`
	// ReturnShippingCost is what the way back cost the shop (the return
	// label's price), deducted under ReturnShippingDeducted, rounded to
	// the currency's minor unit; the zero Money (or an amount in another
	// currency) means Policy.ReturnShippingFee.
	ReturnShippingCost oms.Money `json:"return_shipping_cost"`
	// Claim waives the restocking fee and the return-shipping deduction
	// (nothing came back through the customer's fault).
	Claim bool `json:"claim,omitempty"`
}

// LineRefund is one order line's part of a refund, with how it was
// computed. Every amount is in the order's currency and rounded.
type LineRefund struct {
	OrderLineID oms.ID  `json:"order_line_id"`
	SKU         oms.SKU `json:"sku"`
	Quantity    int64   `json:"quantity"`
	// Subtotal is the units' price (unit price times Quantity).
	Subtotal oms.Money `json:"subtotal"`
	// LineDiscount and OrderDiscount are the units' exact shares of the
	// line's own discounts and of the order-level discounts.
	LineDiscount  oms.Money `json:"line_discount"`
	OrderDiscount oms.Money `json:"order_discount"`
	// Tax is the units' exact share of the line's tax.
	Tax oms.Money `json:"tax"`
	// Value is Subtotal - LineDiscount - OrderDiscount + Tax (without
	// "+ Tax" when the order's prices include their tax): what the
	// customer paid for the units.
	Value oms.Money `json:"value"`
	// RestockingFee and ReturnShipping are deducted from Value.
	RestockingFee  oms.Money `json:"restocking_fee"`
	ReturnShipping oms.Money `json:"return_shipping"`
	// Capped is what was held back so the refund stays within what was
	// captured and not yet refunded.
	Capped oms.Money `json:"capped"`
	// Amount is what the line refunds: Value - RestockingFee -
	// ReturnShipping - Capped.
	Amount oms.Money `json:"amount"`
}

// Breakdown is a computed refund: per line, plus the order's shipping.
// Total = the lines' Amounts + Shipping, and never more than captured
// minus refunded.
type Breakdown struct {
	// Currency is the order's currency.
	Currency oms.Currency `json:"currency"`
	// Lines are the refunded order lines, in the order of the items.
	Lines []LineRefund `json:"lines"`
	// Shipping is the part of the order's shipping charge (with its tax)
	// refunded, per Policy.ShippingRefund.
	Shipping oms.Money `json:"shipping"`
	// Value sums the lines' Values; RestockingFee and ReturnShipping the
	// deductions.
	Value          oms.Money `json:"value"`
	RestockingFee  oms.Money `json:"restocking_fee"`
	ReturnShipping oms.Money `json:"return_shipping"`
	// Total is what the customer gets back.
	Total oms.Money `json:"total"`
}

func (b Breakdown) clone() Breakdown {
	b.Lines = slices.Clone(b.Lines)
	return b
}

// RefundInput returns the order refund command for b: the Total with its
// per-line and shipping breakdown.
func (b Breakdown) RefundInput(key, reason string, orderVersion int64) order.RefundInput {
	in := order.RefundInput{Key: key, Amount: b.Total, Shipping: b.Shipping, Reason: reason, OrderVersion: orderVersion}
	for _, l := range b.Lines {
		in.Lines = append(in.Lines, order.RefundLine{LineID: l.OrderLineID, Quantity: l.Quantity, Amount: l.Amount})
	}
	return in
}

// CalculateRefund computes the refund of in.Items from order o under
// policy p. It is pure and exact:
//
//   - A line's units are numbered in the order they are refunded: the
//     next unit after the line's Refunded counter is the first of this
//     refund. The first k units of a line are worth their exact share of
//     each of the line's amounts (subtotal, line discounts, order-discount
//     share, tax), split with oms.Money.Allocate in the weights k and
//     active-k; a refund of q units takes the share of the first
//     Refunded+q units less the share of the first Refunded. So the
//     shares of one line summed over all its refunds equal the line's
//     total exactly: no cent lost or invented.
//   - The order's shipping (with its tax) is refunded per
//     p.ShippingRefund, the same way across all units of the order.
//   - Unless in.Claim or the line's reason is waived, the restocking fee
//     (percent of the value, rounded, plus the per-unit amount, at most
//     the value) is deducted per line; under ReturnShippingDeducted the
//     return shipping cost is deducted once, spread over the lines that
//     are not waived in proportion to what they refund.
//   - A line never refunds more than its total not yet refunded, and the
//     whole never more than captured minus refunded: what is over is
//     held back (Capped), from shipping first, then from the last lines.
//
// Bad items (unknown or repeated lines, quantities not positive or beyond
// the units shipped and not yet refunded) are refused with a
// *oms.ValidationError naming each.
func CalculateRefund(o *order.Order, p *Policy, in CalcInput) (Breakdown, error) {
	return calculateRefund(o, p, in, nil, 0)
}

// calculateRefund is CalculateRefund with the units of each line valued
// already without a refund of their own (valued, per order line: store
// credit and exchanges of other returns): the units refunded now are
// numbered after them as well as after the line's Refunded units.
// credited counts the units of the order that other returns gave back as
// store credit: for the order's shipping they count as refunded, so the
// shipping shares follow them and a full return is one whatever came
// back first.
func calculateRefund(o *order.Order, p *Policy, in CalcInput, valued map[oms.ID]int64, credited int64) (Breakdown, error) {
	if o == nil {
		return Breakdown{}, oms.Validationf("refund", "order", "is nil")
	}
	cur := o.Currency
	zero := oms.Zero(cur)
	if !zero.Valid() {
		return Breakdown{}, oms.Validationf("refund", "currency", "order %s has no valid currency", o.ID)
	}
	if p == nil {
		p = &Policy{}
	}
	// The totals are derived again rather than trusted: ComputeTotals also
	// refuses amounts in another currency.
	t, err := order.ComputeTotals(o)
	if err != nil {
		return Breakdown{}, err
	}
	if err := sameCurrency(o); err != nil {
		return Breakdown{}, err
	}
	v := &oms.ValidationError{Entity: "refund"}
	if tooLong(in.ReturnShippingCost) {
		v.Add("return_shipping_cost", "has more digits than an amount may have (exponent %d)", in.ReturnShippingCost.Amount().Exponent())
	}
	if len(in.Items) == 0 {
		v.Add("items", "at least one item is required")
	}
	seen := map[oms.ID]int{}
	idx := make([]int, len(in.Items))
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
		idx[i] = -1
		for k := range o.Lines {
			if o.Lines[k].ID == it.OrderLineID {
				idx[i] = k
			}
		}
		if j, dup := seen[it.OrderLineID]; dup {
			v.Add(f+".order_line_id", "line %s is already given in items[%d]", it.OrderLineID, j)
			continue
		}
		seen[it.OrderLineID] = i
		if idx[i] < 0 {
			v.Add(f+".order_line_id", "no line %s in order %s", it.OrderLineID, o.ID)
			continue
		}
		l := o.Lines[idx[i]]
		if it.Quantity <= 0 || it.Quantity > l.Shipped-l.Refunded {
			v.Add(f+".quantity", "line %s: %d units asked, %d shipped and not yet refunded", l.ID, it.Quantity, max(0, l.Shipped-l.Refunded))
		}
		if !in.Claim {
			p.checkFeeCurrency(v, f, l.SKU, it.Reason, cur)
		}
	}
	if !in.Claim && in.ReturnShippingCost.Currency() != cur && slices.ContainsFunc(in.Items, func(it RefundItem) bool { return !p.waived(it.Reason) }) {
		p.checkShippingFeeCurrency(v, cur) // the fee stands for the label's price
	}
	if err := v.Err(); err != nil {
		return Breakdown{}, err
	}
	b := Breakdown{Currency: cur, Shipping: zero, Value: zero, RestockingFee: zero, ReturnShipping: zero, Total: zero}
	var refundedUnits, activeUnits, asked int64
	for _, l := range o.Lines {
		refundedUnits += l.Refunded
		activeUnits += l.Active()
	}
	refundedUnits = min(refundedUnits+max(credited, 0), activeUnits)
	for i, it := range in.Items {
		l := o.Lines[idx[i]]
		lt := t.Lines[idx[i]]
		asked += it.Quantity
		from := l.Refunded
		if n := valued[l.ID]; n > 0 {
			from = max(l.Refunded, min(l.Refunded+n, lt.Quantity-it.Quantity))
		}
		to := from + it.Quantity
		share := func(m oms.Money) (oms.Money, error) { return span(m, from, to, lt.Quantity) }
		lr := LineRefund{OrderLineID: l.ID, SKU: l.SKU, Quantity: it.Quantity}
		if lr.Subtotal, err = share(lt.Subtotal); err != nil {
			return Breakdown{}, err
		}
		if lr.LineDiscount, err = share(lt.LineDiscount); err != nil {
			return Breakdown{}, err
		}
		if lr.OrderDiscount, err = share(lt.OrderDiscount); err != nil {
			return Breakdown{}, err
		}
		if lr.Tax, err = share(lt.Tax); err != nil {
			return Breakdown{}, err
		}
		lr.Value = minus(minus(lr.Subtotal, lr.LineDiscount), lr.OrderDiscount)
		if !t.TaxIncluded {
			lr.Value = plus(lr.Value, lr.Tax) // else the price holds the tax
		}
		lr.RestockingFee, lr.ReturnShipping, lr.Capped = zero, zero, zero
		if !in.Claim && !p.waived(it.Reason) {
			f := p.fee(l.SKU)
			fee := lr.Value.MulRate(f.Percent).Round()
			if !f.PerUnit.IsZero() {
				fee = plus(fee, f.PerUnit.Mul(it.Quantity)) // in cur: checked above
			}
			lr.RestockingFee = minMoney(fee, lr.Value)
		}
		lr.Amount = minus(lr.Value, lr.RestockingFee)
		b.Lines = append(b.Lines, lr)
	}
	// Return shipping, once per refund, over the lines not waived.
	if p.payer() == ReturnShippingDeducted && !in.Claim {
		cost := in.ReturnShippingCost
		if cost.Currency() != cur {
			cost = p.ReturnShippingFee
		}
		// A label billed in fractions of the minor unit is deducted
		// rounded, as every amount of a refund is.
		cost = cost.Round()
		weights := make([]decimal.Decimal, len(b.Lines))
		pool := zero
		for i, it := range in.Items {
			if !p.waived(it.Reason) && b.Lines[i].Amount.IsPositive() {
				weights[i] = b.Lines[i].Amount.Amount()
				pool = plus(pool, b.Lines[i].Amount)
			}
		}
		if cost.Currency() == cur && cost.IsPositive() && pool.IsPositive() {
			parts, err := minMoney(cost, pool).Allocate(weights)
			if err != nil {
				return Breakdown{}, err
			}
			for i := range b.Lines {
				b.Lines[i].ReturnShipping = parts[i]
				b.Lines[i].Amount = minus(b.Lines[i].Amount, parts[i])
			}
		}
	}
	// The order's shipping.
	shipTotal := t.ShippingTotal()
	switch p.shippingRefund() {
	case ShippingRefundProrated:
		s, err := span(shipTotal, refundedUnits, refundedUnits+asked, activeUnits)
		if err != nil {
			return Breakdown{}, err
		}
		b.Shipping = s
	case ShippingRefundFullReturn:
		if refundedUnits+asked >= activeUnits {
			b.Shipping = shipTotal
		}
	}
	b.Shipping = maxMoney(minMoney(b.Shipping, minus(shipTotal, orZero(o.RefundedShipping, cur))), zero)
	// Caps: a line's total not yet refunded, then captured minus refunded.
	for i := range b.Lines {
		l := o.Lines[idx[i]]
		left := maxMoney(minus(t.Lines[idx[i]].Total, orZero(l.RefundedAmount, cur)), zero)
		if over := minus(b.Lines[i].Amount, left); over.IsPositive() {
			b.Lines[i].Capped = plus(b.Lines[i].Capped, over)
			b.Lines[i].Amount = left
		}
	}
	total := b.Shipping
	for _, lr := range b.Lines {
		total = plus(total, lr.Amount)
	}
	left := maxMoney(minus(orZero(o.Payment.Captured, cur), orZero(o.Payment.Refunded, cur)), zero)
	if over := minus(total, left); over.IsPositive() {
		take := minMoney(over, b.Shipping)
		b.Shipping = minus(b.Shipping, take)
		over = minus(over, take)
		for i := len(b.Lines) - 1; i >= 0 && over.IsPositive(); i-- {
			take := minMoney(over, b.Lines[i].Amount)
			b.Lines[i].Amount = minus(b.Lines[i].Amount, take)
			b.Lines[i].Capped = plus(b.Lines[i].Capped, take)
			over = minus(over, take)
		}
	}
	b.Total = b.Shipping
	for _, lr := range b.Lines {
		b.Value = plus(b.Value, lr.Value)
		b.RestockingFee = plus(b.RestockingFee, lr.RestockingFee)
		b.ReturnShipping = plus(b.ReturnShipping, lr.ReturnShipping)
		b.Total = plus(b.Total, lr.Amount)
	}
	return b, nil
}

// sameCurrency checks the refund counters and payment sums of o, which
// ComputeTotals does not read.
func sameCurrency(o *order.Order) error {
	check := func(field string, m oms.Money) error {
		if m.Currency() != o.Currency && !(m.Currency() == "" && m.IsZero()) {
			return fmt.Errorf("%w: refund: order %s: %s is in %q, the order in %s", oms.ErrCurrencyMismatch, o.ID, field, m.Currency(), o.Currency)
		}
		return nil
	}
	for i, l := range o.Lines {
		if err := check(fmt.Sprintf("lines[%d].refunded_amount", i), l.RefundedAmount); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		m    oms.Money
	}{{"refunded_shipping", o.RefundedShipping}, {"payment.captured", o.Payment.Captured}, {"payment.refunded", o.Payment.Refunded}} {
		if err := check(f.name, f.m); err != nil {
			return err
		}
	}
	return nil
}

// span returns the share of m (for n units) of units from+1..to: the share
// of the first to units less the share of the first from, each split
// exactly with Allocate, so consecutive spans sum to m.
func span(m oms.Money, from, to, n int64) (oms.Money, error) {
	a, err := firstShare(m, to, n)
	if err != nil {
		return oms.Money{}, err
	}
	b, err := firstShare(m, from, n)
	if err != nil {
		return oms.Money{}, err
	}
	return minus(a, b), nil
}

// firstShare returns the share of m that belongs to the first k of n
// units: the first part of m.Allocate([k, n-k]).
func firstShare(m oms.Money, k, n int64) (oms.Money, error) {
	switch {
	case k <= 0 || m.IsZero() || n <= 0:
		return oms.Zero(m.Currency()), nil
	case k >= n:
		return m, nil
	}
	// Allocate with two weights gives the first part floor(u*k/n) minor
	// units, plus the one unit left over when its remainder is at least
	// the other's (ties go to the first): when 2*(u*k mod n) >= n. Done in
	// 128-bit integers when the amount fits, else by Allocate itself.
	if u, err := m.MinorUnits(); err == nil && u > 0 && m.IsRounded() {
		hi, lo := bits.Mul64(uint64(u), uint64(k))
		if hi < uint64(n) {
			q, r := bits.Div64(hi, lo, uint64(n))
			if r != 0 && 2*r >= uint64(n) {
				q++
			}
			return oms.FromMinor(int64(q), m.Currency())
		}
	}
	parts, err := m.Allocate([]decimal.Decimal{decimal.NewFromInt(k), decimal.NewFromInt(n - k)})
	if err != nil {
		return oms.Money{}, err
	}
	return parts[0], nil
}

// orZero returns m, or zero in cur for the zero Money.
func orZero(m oms.Money, cur oms.Currency) oms.Money {
	if m.Currency() == "" {
		return oms.Zero(cur)
	}
	return m
}

// plus and minus work on amounts of one currency (checked by the
// callers); the zero Money counts as zero.
func plus(a, b oms.Money) oms.Money {
	s, err := a.Add(b)
	if err != nil {
		panic("returns: internal currency mix: " + err.Error())
	}
	return s
}

func minus(a, b oms.Money) oms.Money {
	if b.Currency() == "" {
		return a
	}
	if a.Currency() == "" {
		a = oms.Zero(b.Currency())
	}
	s, err := a.Sub(b)
	if err != nil {
		panic("returns: internal currency mix: " + err.Error())
	}
	return s
}

func minMoney(a, b oms.Money) oms.Money {
	if a.Amount().GreaterThan(b.Amount()) {
		return b
	}
	return a
}

func maxMoney(a, b oms.Money) oms.Money {
	if a.Amount().LessThan(b.Amount()) {
		return b
	}
	return a
}
