package order

import (
	"context"
	"fmt"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// Quotation is what Place will compute for the same PlaceInput: each
// line's amounts with its share of the order discounts and its tax, the
// shipping charge and its tax, and the totals. A checkout shows it, and
// authorizes Totals.GrandTotal: Place then finds the payment authorized
// for the grand total and adds no awaiting_payment hold.
type Quotation struct {
	// Currency is the currency of every amount.
	Currency oms.Currency `json:"currency"`
	// Lines are the quoted lines, in the order of PlaceInput.Lines.
	Lines []QuotedLine `json:"lines"`
	// ShippingCharge is the shipping charge (never reduced by discounts);
	// ShippingTax its tax.
	ShippingCharge oms.Money `json:"shipping_charge"`
	ShippingTax    oms.Money `json:"shipping_tax"`
	// TaxIncluded says the prices include their taxes (VAT style).
	TaxIncluded bool `json:"tax_included,omitempty"`
	// Totals are the order's totals exactly as Place stores them. The line
	// IDs in Totals.Lines are those of the order Place creates when the
	// input has an IdempotencyKey, and provisional otherwise.
	Totals Totals `json:"totals"`
}

// QuotedLine is one line of a Quotation.
type QuotedLine struct {
	SKU       oms.SKU   `json:"sku"`
	Quantity  int64     `json:"quantity"`
	UnitPrice oms.Money `json:"unit_price"`
	// Subtotal is UnitPrice × Quantity.
	Subtotal oms.Money `json:"subtotal"`
	// LineDiscount is the line's own discounts; OrderDiscount its share
	// of the order-level discounts.
	LineDiscount  oms.Money `json:"line_discount"`
	OrderDiscount oms.Money `json:"order_discount"`
	// Amount is Subtotal - LineDiscount - OrderDiscount: the taxable
	// amount given to the TaxCalculator.
	Amount oms.Money `json:"amount"`
	// Tax is the line's tax (included in Amount when TaxIncluded).
	Tax oms.Money `json:"tax"`
	// Total is what the line costs the customer: Amount + Tax, or Amount
	// when TaxIncluded.
	Total oms.Money `json:"total"`
}

// Quote returns what Place computes for in, with the Service's
// TaxCalculator: the same validation (every problem listed in a
// *oms.ValidationError), the same discount proration, taxes and totals,
// to the cent. It saves nothing, calls no gateway and takes no order
// number.
func (s *Service) Quote(ctx context.Context, in PlaceInput) (*Quotation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, _, err := s.build(in, true)
	if err != nil {
		return nil, err
	}
	if err := s.price(ctx, o, in); err != nil {
		return nil, err
	}
	if err := checkRecordable(o.Totals); err != nil {
		return nil, err
	}
	return quotationOf(o), nil
}

// checkRecordable refuses totals with an amount of 10^(40 - minor units)
// or more (1e38 USD): oms.Money is written with at most 40 digits, so no
// order or event could carry it. Quote and Place both call it after
// pricing, so they refuse the same carts, before any gateway call; Edit
// calls it on the edited totals.
func checkRecordable(t Totals) error {
	v := &oms.ValidationError{Entity: entity}
	check := func(field string, m oms.Money) { checkAmountRecordable(v, t.Currency, field, m) }
	for i, lt := range t.Lines {
		check(linesField(i, "subtotal"), lt.Subtotal)
		check(linesField(i, "tax"), lt.Tax)
		check(linesField(i, "total"), lt.Total)
	}
	check("totals.subtotal", t.Subtotal)
	check("totals.discount", t.Discount)
	check("totals.shipping", t.Shipping)
	check("totals.tax", t.Tax)
	check("totals.grand_total", t.GrandTotal)
	return v.Err()
}

// checkAmountRecordable adds a problem to v when m is 10^(40 - minor units
// of cur) or more, the bound of checkRecordable.
func checkAmountRecordable(v *oms.ValidationError, cur oms.Currency, field string, m oms.Money) {
	limit := decimal.New(1, int32(40-cur.MinorUnits()))
	if !m.Amount().Abs().LessThan(limit) {
		v.Add(field, "%s %s is too large: every amount must be below 1e%d", clip(m.StringAmount()), cur, 40-cur.MinorUnits())
	}
}

// ComputesTaxes reports whether the Service computes the taxes of Quote
// and Place with a TaxCalculator (ServiceOptions.Tax): a PlaceInput then
// gives no taxes and leaves TaxIncluded false.
func (s *Service) ComputesTaxes() bool { return s.tax != nil }

// Quote returns what a Service with TaxCalculator tax (nil: the explicit
// taxes of in) would quote and place for in; see Service.Quote. With a nil
// or pure tax it is a pure function: ctx only reaches tax.
func Quote(ctx context.Context, in PlaceInput, tax TaxCalculator) (*Quotation, error) {
	return NewService(nil, &ServiceOptions{Tax: tax}).Quote(ctx, in)
}

func quotationOf(o *Order) *Quotation {
	t := o.Totals
	q := &Quotation{Currency: o.Currency, ShippingCharge: o.ShippingCharge, ShippingTax: o.ShippingTax,
		TaxIncluded: o.TaxIncluded, Totals: t, Lines: make([]QuotedLine, len(o.Lines))}
	q.Totals.Lines = append([]LineTotals(nil), t.Lines...)
	for i, l := range o.Lines {
		lt := t.Lines[i]
		q.Lines[i] = QuotedLine{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Subtotal: lt.Subtotal,
			LineDiscount: lt.LineDiscount, OrderDiscount: lt.OrderDiscount,
			Amount: sub(sub(lt.Subtotal, lt.LineDiscount), lt.OrderDiscount), Tax: lt.Tax, Total: lt.Total}
	}
	return q
}

// price asks the TaxCalculator, when the Service has one, for the taxes of
// o (built by build from in, priced without tax) and reprices o with them.
func (s *Service) price(ctx context.Context, o *Order, in PlaceInput) error {
	if s.tax == nil {
		return nil
	}
	req := TaxRequest{Currency: o.Currency, ShipFrom: normalizedOrZero(in.ShipFrom), ShipTo: o.ShippingAddress,
		Shipping: o.ShippingCharge, Lines: make([]TaxLine, len(o.Lines))}
	if req.ShipTo == (oms.Address{}) {
		req.ShipTo = o.BillingAddress
	}
	for i, l := range o.Lines {
		lt := o.Totals.Lines[i]
		req.Lines[i] = TaxLine{SKU: l.SKU, Quantity: l.Quantity, TaxCode: l.TaxCode,
			Amount: sub(sub(lt.Subtotal, lt.LineDiscount), lt.OrderDiscount)}
	}
	res, err := s.tax.Tax(ctx, req)
	if err != nil {
		return fmt.Errorf("order: tax calculator: %w", err)
	}
	if err := checkTaxResult(req, res); err != nil {
		return err
	}
	// Checked rounded; stored at the minor unit (0.100 USD is 0.10 USD).
	for i := range o.Lines {
		o.Lines[i].Tax = moneyOr(res.Lines[i], o.Currency).Round()
	}
	o.ShippingTax = moneyOr(res.Shipping, o.Currency).Round()
	o.TaxIncluded = res.Included
	t, err := ComputeTotals(o)
	if err != nil {
		return err
	}
	o.Totals = t
	return nil
}

// checkTaxResult refuses an answer that cannot be stored: wrong length,
// another currency, negative or unrounded amounts, or included taxes
// larger than what includes them.
func checkTaxResult(req TaxRequest, res TaxResult) error {
	v := &oms.ValidationError{Entity: "tax result"}
	if len(res.Lines) != len(req.Lines) {
		v.Add("lines", "has %d taxes for %d lines", len(res.Lines), len(req.Lines))
		return fmt.Errorf("order: tax calculator: %w", v)
	}
	check := func(field string, tax, base oms.Money) {
		switch {
		case tooLong(tax):
			// Checked first: any arithmetic on it may not return.
			v.Add(field, "has more digits than an amount may have (exponent %d)", tax.Amount().Exponent())
		case tax.Currency() == "" && tax.IsZero():
		case tax.Currency() != req.Currency:
			v.Add(field, "is in %q, the order in %s", string(tax.Currency()), req.Currency)
		case tax.IsNegative():
			v.Add(field, "must not be negative, got %s", tax)
		case !tax.IsRounded():
			v.Add(field, "%s has more decimals than %s allows", tax.Amount(), req.Currency)
		case res.Included && gt(tax, base):
			v.Add(field, "included tax %s exceeds the amount %s that includes it", tax, base)
		}
	}
	for i, tax := range res.Lines {
		check(fmt.Sprintf("lines[%d]", i), tax, req.Lines[i].Amount)
	}
	check("shipping", res.Shipping, req.Shipping)
	if err := v.Err(); err != nil {
		return fmt.Errorf("order: tax calculator: %w", err)
	}
	return nil
}
