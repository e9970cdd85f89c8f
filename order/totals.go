package order

import (
	"fmt"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// Totals are an order's amounts, all in the order's currency and all
// rounded to its minor unit. ComputeTotals derives them; they are never
// edited by hand.
type Totals struct {
	// Currency is the order's currency.
	Currency oms.Currency `json:"currency"`
	// Subtotal is the sum of unit price times active quantity (ordered
	// minus cancelled) over the lines.
	Subtotal oms.Money `json:"subtotal"`
	// LineDiscounts is the sum of the lines' own discounts.
	LineDiscounts oms.Money `json:"line_discounts"`
	// OrderDiscounts is the part of the order-level discounts applied (at
	// most what the lines are worth after their own discounts).
	OrderDiscounts oms.Money `json:"order_discounts"`
	// Discount is LineDiscounts plus OrderDiscounts.
	Discount oms.Money `json:"discount"`
	// Shipping is the shipping charge; zero once every unit is cancelled.
	// Discounts never reduce it: free shipping is a zero ShippingCharge.
	Shipping oms.Money `json:"shipping"`
	// ShippingTax is the tax on Shipping; zero once every unit is
	// cancelled. It is part of Tax.
	ShippingTax oms.Money `json:"shipping_tax"`
	// Tax is the lines' tax plus the shipping tax.
	Tax oms.Money `json:"tax"`
	// TaxIncluded reports that prices and the shipping charge include
	// their tax (VAT style, Order.TaxIncluded): Tax is then the part of
	// the amounts that is tax, and is not added again.
	TaxIncluded bool `json:"tax_included,omitempty"`
	// GrandTotal is what the customer pays: Subtotal - Discount +
	// Shipping + Tax, or Subtotal - Discount + Shipping when TaxIncluded.
	GrandTotal oms.Money `json:"grand_total"`
	// Lines are the per-line amounts, in the order of Order.Lines. They sum
	// exactly to Subtotal, LineDiscounts, OrderDiscounts and the lines'
	// part of Tax.
	Lines []LineTotals `json:"lines"`
}

// LineTotals are one line's amounts for its active quantity.
type LineTotals struct {
	// LineID identifies the line.
	LineID oms.ID `json:"line_id"`
	// Quantity is the active quantity (ordered minus cancelled).
	Quantity int64 `json:"quantity"`
	// Subtotal is unit price times Quantity.
	Subtotal oms.Money `json:"subtotal"`
	// LineDiscount is the line's own discounts for Quantity.
	LineDiscount oms.Money `json:"line_discount"`
	// OrderDiscount is this line's share of the order-level discounts.
	OrderDiscount oms.Money `json:"order_discount"`
	// Tax is the line's tax for Quantity.
	Tax oms.Money `json:"tax"`
	// Total is Subtotal - LineDiscount - OrderDiscount + Tax, or without
	// "+ Tax" when the tax is included in the price (Totals.TaxIncluded).
	Total oms.Money `json:"total"`
}

// ComputeTotals derives the totals of o. It is pure and exact:
//
//   - A line's subtotal is its unit price times its active quantity.
//   - A line's discounts and tax are given for its full quantity; when
//     units are cancelled the active part is split off with
//     oms.Money.Allocate, so the active and cancelled parts always sum to
//     the amount given.
//   - Order-level discounts are capped at the lines' worth after their own
//     discounts and prorated across the lines in proportion to that worth
//     with oms.Money.Allocate: the shares sum exactly to the discount, and
//     the remainder goes deterministically to the earliest lines with the
//     largest fractions.
//   - Shipping and its tax count while any unit is active; discounts
//     never reduce the shipping charge.
//   - Taxes are added on top, unless o.TaxIncluded says the prices and the
//     shipping charge already include them.
//
// Every amount must be in o.Currency (a zero oms.Money counts as zero);
// otherwise the error matches oms.ErrCurrencyMismatch. Amounts of a placed
// order are rounded to the minor unit, so every total is too.
func ComputeTotals(o *Order) (Totals, error) {
	if o == nil {
		return Totals{}, oms.Validationf(entity, "", "order is nil")
	}
	cur := o.Currency
	zero := oms.Zero(cur)
	if !zero.Valid() {
		return Totals{}, oms.Validationf(entity, "currency", "%q is not an active ISO 4217 code", string(cur))
	}
	t := Totals{
		Currency: cur, Subtotal: zero, LineDiscounts: zero, OrderDiscounts: zero,
		Discount: zero, Shipping: zero, ShippingTax: zero, Tax: zero, GrandTotal: zero,
		TaxIncluded: o.TaxIncluded,
		Lines:       make([]LineTotals, len(o.Lines)),
	}
	var active int64
	weights := make([]decimal.Decimal, len(o.Lines))
	net := zero
	for i, l := range o.Lines {
		a := l.Active()
		active += a
		lt := LineTotals{LineID: l.ID, Quantity: a, OrderDiscount: zero}
		price, err := inCurrency(l.UnitPrice, cur, i, "unit_price")
		if err != nil {
			return Totals{}, err
		}
		lt.Subtotal = price.Mul(a)
		disc := zero
		for j, d := range l.Discounts {
			m, err := inCurrency(d.Amount, cur, i, fmt.Sprintf("discounts[%d].amount", j))
			if err != nil {
				return Totals{}, err
			}
			disc = add(disc, m)
		}
		if lt.LineDiscount, err = activePart(disc, a, l.Quantity); err != nil {
			return Totals{}, err
		}
		tax, err := inCurrency(l.Tax, cur, i, "tax")
		if err != nil {
			return Totals{}, err
		}
		if lt.Tax, err = activePart(tax, a, l.Quantity); err != nil {
			return Totals{}, err
		}
		lineNet := sub(lt.Subtotal, lt.LineDiscount)
		if lineNet.IsNegative() {
			return Totals{}, oms.Validationf(entity, linesField(i, "discounts"), "discounts %s exceed the subtotal %s", lt.LineDiscount, lt.Subtotal)
		}
		weights[i] = lineNet.Amount()
		net = add(net, lineNet)
		t.Subtotal = add(t.Subtotal, lt.Subtotal)
		t.LineDiscounts = add(t.LineDiscounts, lt.LineDiscount)
		t.Tax = add(t.Tax, lt.Tax)
		t.Lines[i] = lt
	}
	orderDisc := zero
	for j, d := range o.Discounts {
		if tooLong(d.Amount) {
			return Totals{}, oms.Validationf(entity, fmt.Sprintf("discounts[%d].amount", j), "has more digits than an amount may have (exponent %d)", d.Amount.Amount().Exponent())
		}
		if d.Amount.Currency() != cur && !(d.Amount.Currency() == "" && d.Amount.IsZero()) {
			return Totals{}, fmt.Errorf("%w: discounts[%d].amount is in %q, the order in %s", oms.ErrCurrencyMismatch, j, d.Amount.Currency(), cur)
		}
		orderDisc = add(orderDisc, d.Amount)
	}
	if orderDisc.Amount().GreaterThan(net.Amount()) {
		orderDisc = net
	}
	if orderDisc.IsPositive() {
		shares, err := orderDisc.Allocate(weights)
		if err != nil {
			return Totals{}, err
		}
		for i := range t.Lines {
			t.Lines[i].OrderDiscount = shares[i]
		}
		t.OrderDiscounts = orderDisc
	}
	for i := range t.Lines {
		lt := &t.Lines[i]
		lt.Total = sub(sub(lt.Subtotal, lt.LineDiscount), lt.OrderDiscount)
		if !t.TaxIncluded {
			lt.Total = add(lt.Total, lt.Tax)
		}
	}
	if active > 0 {
		ship, err := inCurrency(o.ShippingCharge, cur, -1, "shipping_charge")
		if err != nil {
			return Totals{}, err
		}
		shipTax, err := inCurrency(o.ShippingTax, cur, -1, "shipping_tax")
		if err != nil {
			return Totals{}, err
		}
		t.Shipping = ship
		t.ShippingTax = shipTax
		t.Tax = add(t.Tax, shipTax)
	}
	t.Discount = add(t.LineDiscounts, t.OrderDiscounts)
	t.GrandTotal = add(sub(t.Subtotal, t.Discount), t.Shipping)
	if !t.TaxIncluded {
		t.GrandTotal = add(t.GrandTotal, t.Tax)
	}
	return t, nil
}

// activePart returns the part of amount (given for qty units) that belongs
// to the active units, split exactly with Allocate.
func activePart(amount oms.Money, active, qty int64) (oms.Money, error) {
	switch {
	case active == qty || amount.IsZero():
		return amount, nil
	case active <= 0 || qty <= 0:
		return oms.Zero(amount.Currency()), nil
	}
	parts, err := amount.Allocate([]decimal.Decimal{decimal.NewFromInt(active), decimal.NewFromInt(qty - active)})
	if err != nil {
		return oms.Money{}, err
	}
	return parts[0], nil
}

// inCurrency returns m, or zero in cur for the zero Money, or an error
// naming the field when m is in another currency or too long to compute
// with (adding it would compute a power of ten of its exponent).
func inCurrency(m oms.Money, cur oms.Currency, line int, field string) (oms.Money, error) {
	if tooLong(m) {
		if line >= 0 {
			field = linesField(line, field)
		}
		return oms.Money{}, oms.Validationf(entity, field, "has more digits than an amount may have (exponent %d)", m.Amount().Exponent())
	}
	switch m.Currency() {
	case cur:
		return m, nil
	case "":
		if m.IsZero() {
			return oms.Zero(cur), nil
		}
	}
	if line >= 0 {
		field = linesField(line, field)
	}
	return oms.Money{}, fmt.Errorf("%w: %s is in %q, the order in %s", oms.ErrCurrencyMismatch, field, m.Currency(), cur)
}

// add and sub work on amounts already checked to share one currency.
func add(a, b oms.Money) oms.Money {
	switch {
	case b.IsZero() && a.Valid() && (b.Currency() == a.Currency() || b.Currency() == ""):
		return a
	case a.IsZero() && b.Valid() && (a.Currency() == b.Currency() || a.Currency() == ""):
		return b
	}
	s, err := a.Add(b)
	if err != nil {
		panic("order: internal currency mix: " + err.Error())
	}
	return s
}

func sub(a, b oms.Money) oms.Money {
	if b.IsZero() && b.Currency() == a.Currency() {
		return a
	}
	s, err := a.Sub(b)
	if err != nil {
		panic("order: internal currency mix: " + err.Error())
	}
	return s
}

func linesField(i int, name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }

// ShippedValue returns the part of the grand total that belongs to the
// shipped units: for each line the shipped share of its total (split
// exactly with Allocate), plus shipping and its tax once any unit has
// shipped. When every active unit has shipped it equals t.GrandTotal. The
// capture-at-shipment policy captures this amount (plus what Refund gave
// back beyond the current totals; see PlanSettlement).
func ShippedValue(o *Order, t Totals) (oms.Money, error) {
	if o == nil {
		return oms.Money{}, oms.Validationf(entity, "", "order is nil")
	}
	// The totals may be built by hand: every amount must be in their
	// currency (a zero oms.Money counts as zero).
	cur := t.Currency
	if cur == "" {
		cur = o.Currency
	}
	v := oms.Zero(cur)
	var shipped int64
	for i, l := range o.Lines {
		if i >= len(t.Lines) {
			return oms.Money{}, oms.Validationf(entity, "totals.lines", "has %d lines, the order %d", len(t.Lines), len(o.Lines))
		}
		shipped += l.Shipped
		total, err := inCurrency(t.Lines[i].Total, cur, i, "total")
		if err != nil {
			return oms.Money{}, err
		}
		part, err := activePart(total, l.Shipped, l.Active())
		if err != nil {
			return oms.Money{}, err
		}
		v = add(v, part)
	}
	if shipped > 0 {
		ship, err := inCurrency(t.Shipping, cur, -1, "totals.shipping")
		if err != nil {
			return oms.Money{}, err
		}
		v = add(v, ship)
		if !t.TaxIncluded {
			tax, err := inCurrency(t.Tax, cur, -1, "totals.tax")
			if err != nil {
				return oms.Money{}, err
			}
			lineTax := oms.Zero(cur)
			for i, lt := range t.Lines {
				m, err := inCurrency(lt.Tax, cur, i, "tax")
				if err != nil {
					return oms.Money{}, err
				}
				lineTax = add(lineTax, m)
			}
			v = add(v, sub(tax, lineTax))
		}
	}
	return v, nil
}
