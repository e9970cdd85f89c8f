package order

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// TaxCalculator computes an order's taxes. The host implements it over an
// external tax service, or uses a TaxTable. When ServiceOptions.Tax is
// set, Quote and Place call it once per placement with the lines'
// amounts after every discount; without it, the taxes given in PlaceInput
// are used as they are. Implementations must be safe for concurrent use
// and should be deterministic for one request: Place calls it again, so a
// checkout that authorized Quote's total gets the same total only if the
// answer is the same.
type TaxCalculator interface {
	// Tax returns the tax of each line of req and of its shipping. An
	// error refuses the quote or the placement.
	Tax(ctx context.Context, req TaxRequest) (TaxResult, error)
}

// TaxFunc adapts a function to TaxCalculator.
type TaxFunc func(ctx context.Context, req TaxRequest) (TaxResult, error)

// Tax calls f; a nil f is an error.
func (f TaxFunc) Tax(ctx context.Context, req TaxRequest) (TaxResult, error) {
	if f == nil {
		return TaxResult{}, errors.New("order: TaxFunc is nil")
	}
	return f(ctx, req)
}

// TaxRequest is what a TaxCalculator is asked to tax.
type TaxRequest struct {
	// Currency is the currency of every amount.
	Currency oms.Currency `json:"currency"`
	// ShipFrom is where the goods ship from (PlaceInput.ShipFrom); it may
	// be the zero Address.
	ShipFrom oms.Address `json:"ship_from"`
	// ShipTo is the shipping address, or the billing address when nothing
	// ships (digital goods); it may be the zero Address when neither is
	// given.
	ShipTo oms.Address `json:"ship_to"`
	// Lines are the order's lines, in the order of PlaceInput.Lines.
	Lines []TaxLine `json:"lines"`
	// Shipping is the shipping charge (never reduced by discounts).
	Shipping oms.Money `json:"shipping"`
}

// TaxLine is one line of a TaxRequest.
type TaxLine struct {
	SKU      oms.SKU `json:"sku"`
	Quantity int64   `json:"quantity"`
	// TaxCode is the line's LineInput.TaxCode (a product tax class such
	// as "reduced" or "zero"); empty for the standard rate.
	TaxCode string `json:"tax_code,omitempty"`
	// Amount is what the line costs after its own discounts and its share
	// of the order discounts, for the full quantity: the taxable amount.
	Amount oms.Money `json:"amount"`
}

// TaxResult is a TaxCalculator's answer.
type TaxResult struct {
	// Included says the amounts of the request already include the tax
	// (VAT style): the tax is then the tax part of each amount and the
	// grand total does not grow. False adds the taxes on top.
	Included bool `json:"included,omitempty"`
	// Lines holds the tax of each request line, in the request's order:
	// same length, same currency, not negative, rounded to the minor unit,
	// and when Included at most the line's amount.
	Lines []oms.Money `json:"lines"`
	// Shipping is the tax on the shipping charge (the zero Money for
	// none); when Included at most the charge.
	Shipping oms.Money `json:"shipping"`
}

// TaxRate is one row of a TaxTable: the tax of a country, or of a region
// of it.
type TaxRate struct {
	// Country is the ISO 3166-1 alpha-2 code of the destination.
	Country string `json:"country"`
	// Region is the destination's region (oms.Address.Region, such as
	// "CA" or "QC"); empty for the whole country. A region's row replaces
	// its country's row (it is the combined rate there).
	Region string `json:"region,omitempty"`
	// Rate is the standard rate as a fraction: 0.2 for 20 %. Between 0
	// and 1, with at most 18 decimals (as every rate of Codes).
	Rate decimal.Decimal `json:"rate"`
	// Codes are the rates of product tax classes (TaxLine.TaxCode), such
	// as {"reduced": 0.05, "zero": 0}; a code not listed is taxed at Rate.
	Codes map[string]decimal.Decimal `json:"codes,omitempty"`
	// Included says prices include the tax there (VAT), as opposed to a
	// sales tax added on top.
	Included bool `json:"included,omitempty"`
	// Shipping says the shipping charge is taxed at Rate there; otherwise
	// shipping is not taxed.
	Shipping bool `json:"shipping,omitempty"`
}

// TaxTable is the table-based TaxCalculator: the destination's rate from a
// list of rates per country and region. A destination with no row pays no
// tax. Each line's tax is its amount times its rate (or, when prices
// include the tax, amount × rate / (1 + rate)), rounded by the one
// rounding rule (oms.Money.Round), line by line. A TaxTable is immutable
// and safe for concurrent use.
type TaxTable struct {
	rates map[string]TaxRate // by "CC" or "CC/REGION"
}

var _ TaxCalculator = (*TaxTable)(nil)

// NewTaxTable returns a TaxTable of rates, or a *oms.ValidationError
// naming every bad row (unknown country, rate outside 0..1, duplicate
// country and region).
func NewTaxTable(rates []TaxRate) (*TaxTable, error) {
	v := &oms.ValidationError{Entity: "tax table"}
	t := &TaxTable{rates: make(map[string]TaxRate, len(rates))}
	one := decimal.NewFromInt(1)
	for i, r := range rates {
		f := fmt.Sprintf("rates[%d]", i)
		if !oms.ValidCountry(r.Country) {
			v.Add(f+".country", "%q is not an ISO 3166-1 alpha-2 code", clip(r.Country))
		}
		if r.Region != strings.TrimSpace(r.Region) || len(r.Region) > 64 {
			v.Add(f+".region", "%q is not a region code", clip(r.Region))
		}
		if badRate(r.Rate) {
			v.Add(f+".rate", "has %d decimals, at most %d allowed", -r.Rate.Exponent(), maxRateDecimals)
		} else if r.Rate.IsNegative() || r.Rate.GreaterThan(one) {
			v.Add(f+".rate", "%s is outside 0..1", r.Rate)
		}
		codes := make(map[string]decimal.Decimal, len(r.Codes))
		for code, rate := range r.Codes {
			if badRate(rate) {
				v.Add(f+".codes."+clip(code), "has %d decimals, at most %d allowed", -rate.Exponent(), maxRateDecimals)
			} else if rate.IsNegative() || rate.GreaterThan(one) {
				v.Add(f+".codes."+clip(code), "%s is outside 0..1", rate)
			}
			codes[code] = rate
		}
		r.Codes = codes
		k := taxKey(r.Country, strings.ToUpper(r.Region))
		if _, dup := t.rates[k]; dup {
			v.Add(f, "a second row for %s", k)
		}
		t.rates[k] = r
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// maxRateDecimals bounds a tax rate's decimals (0.0825 has 4).
const maxRateDecimals = 18

// badRate reports a rate whose exponent is out of bounds, checked before
// any comparison or print of it (both would scale it by 10^exponent).
func badRate(r decimal.Decimal) bool {
	e := r.Exponent()
	return e < -maxRateDecimals || e > 1
}

func taxKey(country, region string) string {
	if region == "" {
		return country
	}
	return country + "/" + region
}

// Rate returns the row that applies to a destination, and whether one
// does (never for a nil TaxTable).
func (t *TaxTable) Rate(to oms.Address) (TaxRate, bool) {
	if t == nil {
		return TaxRate{}, false
	}
	if r, ok := t.rates[taxKey(to.Country, strings.ToUpper(strings.TrimSpace(to.Region)))]; ok && to.Region != "" {
		return r, true
	}
	r, ok := t.rates[to.Country]
	return r, ok
}

// Tax implements TaxCalculator. A nil TaxTable returns an error matching
// oms.ErrValidation.
func (t *TaxTable) Tax(ctx context.Context, req TaxRequest) (TaxResult, error) {
	if err := ctx.Err(); err != nil {
		return TaxResult{}, err
	}
	if t == nil {
		// A table NewTaxTable refused: taxing nothing would undercharge.
		return TaxResult{}, oms.Validationf("tax table", "", "is nil (NewTaxTable returned an error?)")
	}
	// Amounts too long to compute with (a hostile rate multiplied in) are
	// refused before any arithmetic, which would not return.
	v := &oms.ValidationError{Entity: "tax request"}
	for i, l := range req.Lines {
		if tooLong(l.Amount) {
			v.Add(fmt.Sprintf("lines[%d].amount", i), "has more digits than an amount may have (exponent %d)", l.Amount.Amount().Exponent())
		}
	}
	if tooLong(req.Shipping) {
		v.Add("shipping", "has more digits than an amount may have (exponent %d)", req.Shipping.Amount().Exponent())
	}
	if err := v.Err(); err != nil {
		return TaxResult{}, err
	}
	zero := oms.Zero(req.Currency)
	res := TaxResult{Lines: make([]oms.Money, len(req.Lines)), Shipping: zero}
	r, ok := t.Rate(req.ShipTo)
	if !ok {
		for i := range res.Lines {
			res.Lines[i] = zero
		}
		return res, nil
	}
	res.Included = r.Included
	for i, l := range req.Lines {
		rate := r.Rate
		if cr, ok := r.Codes[l.TaxCode]; ok && l.TaxCode != "" {
			rate = cr
		}
		res.Lines[i] = taxOf(l.Amount, rate, r.Included, req.Currency)
	}
	if r.Shipping {
		res.Shipping = taxOf(req.Shipping, r.Rate, r.Included, req.Currency)
	}
	return res, nil
}

// taxOf returns the tax of amount at rate, added on top or included.
func taxOf(amount oms.Money, rate decimal.Decimal, included bool, cur oms.Currency) oms.Money {
	if amount.IsZero() || rate.IsZero() {
		return oms.Zero(cur)
	}
	if !included {
		return amount.MulRate(rate).Round()
	}
	a := amount.Amount().Mul(rate).DivRound(decimal.NewFromInt(1).Add(rate), 16)
	m, err := oms.NewMoney(a, cur)
	if err != nil {
		return oms.Zero(cur)
	}
	return m.Round()
}
