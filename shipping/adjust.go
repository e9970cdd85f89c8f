package shipping

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/omskit/oms"
)

// AdjustmentKind is the kind of a price rule, stable on the wire.
type AdjustmentKind string

// Adjustment kinds.
const (
	// AdjustPercent changes the price by Percent per cent: 10 is a 10%
	// markup, -15 a 15% discount.
	AdjustPercent AdjustmentKind = "percent"
	// AdjustFixed adds Amount: 1.50 is a markup, -2.00 a discount.
	AdjustFixed AdjustmentKind = "fixed"
	// AdjustFlat replaces the price with Amount (a flat 4.99 for standard).
	AdjustFlat AdjustmentKind = "flat"
	// AdjustFreeOver makes shipping free when the order value is at least
	// Threshold.
	AdjustFreeOver AdjustmentKind = "free_over"
)

// Valid reports whether k is one of the defined kinds.
func (k AdjustmentKind) Valid() bool {
	switch k {
	case AdjustPercent, AdjustFixed, AdjustFlat, AdjustFreeOver:
		return true
	}
	return false
}

// Adjustment is one price rule applied to a rate's price: a markup, a
// discount, a flat price or free shipping over an order value.
type Adjustment struct {
	// Kind says which fields apply.
	Kind AdjustmentKind `json:"kind"`
	// Percent is the change in per cent, for AdjustPercent: at least -100,
	// within the exponent and size bounds of an amount
	// (oms.MaxAmountExponent, oms.MaxAmountBits).
	Percent decimal.Decimal `json:"percent"`
	// Amount is the amount added (AdjustFixed) or the price (AdjustFlat).
	Amount oms.Money `json:"amount"`
	// Threshold is the order value from which shipping is free
	// (AdjustFreeOver); an order worth exactly Threshold qualifies.
	Threshold oms.Money `json:"threshold"`
	// Only limits the rule to the rates it matches; the zero value applies
	// it to every rate.
	Only RateFilter `json:"only"`
}

// Validate returns a *oms.ValidationError listing every problem of a, or
// nil.
func (a Adjustment) Validate() error {
	v := &oms.ValidationError{Entity: "adjustment"}
	a.validate(v, "")
	return v.Err()
}

func (a Adjustment) validate(v *oms.ValidationError, prefix string) {
	switch a.Kind {
	case AdjustPercent:
		if e := a.Percent.Exponent(); e < -oms.MaxAmountExponent || e > oms.MaxAmountExponent || a.Percent.Coefficient().BitLen() > oms.MaxAmountBits {
			// Comparing or dividing it would compute 10 to the power of
			// its exponent (or panic past the int32 range).
			v.Add(prefix+"percent", "has more digits than a percentage may have (exponent %d, %d bits)", e, a.Percent.Coefficient().BitLen())
		} else if a.Percent.LessThan(decimal.NewFromInt(-100)) {
			v.Add(prefix+"percent", "must be at least -100, got %s", a.Percent)
		}
	case AdjustFixed:
		if !a.Amount.Valid() {
			v.Add(prefix+"amount", "is required")
		}
	case AdjustFlat:
		switch {
		case !a.Amount.Valid():
			v.Add(prefix+"amount", "is required")
		case a.Amount.IsNegative():
			v.Add(prefix+"amount", "must not be negative, got %s", a.Amount)
		}
	case AdjustFreeOver:
		switch {
		case !a.Threshold.Valid():
			v.Add(prefix+"threshold", "is required")
		case a.Threshold.IsNegative():
			v.Add(prefix+"threshold", "must not be negative, got %s", a.Threshold)
		}
	default:
		v.Add(prefix+"kind", "unknown adjustment kind %q", a.Kind)
	}
	a.Only.validate(v, prefix+"only.")
}

// Adjustments is a list of price rules applied in order. It is a value and
// a pure function of its input.
type Adjustments []Adjustment

// Validate returns a *oms.ValidationError listing every problem of as, or
// nil.
func (as Adjustments) Validate() error {
	v := &oms.ValidationError{Entity: "adjustments"}
	as.validate(v, "")
	return v.Err()
}

func (as Adjustments) validate(v *oms.ValidationError, prefix string) {
	for i, a := range as {
		a.validate(v, prefix+indexField("adjustments", i)+".")
	}
}

// Price returns the price of r after the rules that match it, for an order
// worth orderValue (the zero Money when unknown: no free shipping then).
// Each rule works on the exact result of the one before; the final price
// is rounded once with oms.Money.Round and never below zero. Errors match
// oms.ErrValidation for a bad rule and oms.ErrCurrencyMismatch when an
// amount or threshold is in another currency than the rate or the order.
func (as Adjustments) Price(r Rate, orderValue oms.Money) (oms.Money, error) {
	if err := as.Validate(); err != nil {
		return oms.Money{}, err
	}
	return as.price(r, orderValue)
}

func (as Adjustments) price(r Rate, orderValue oms.Money) (oms.Money, error) {
	p := r.Price
	for i, a := range as {
		if !a.Only.Match(r) {
			continue
		}
		var err error
		switch a.Kind {
		case AdjustPercent:
			// Shift, not Div: Div rounds to 16 decimal places, which
			// changed percentages with more decimals.
			p, err = p.Add(p.MulRate(a.Percent.Shift(-2)))
		case AdjustFixed:
			p, err = p.Add(a.Amount)
		case AdjustFlat:
			if a.Amount.Currency() != p.Currency() {
				err = fmt.Errorf("%w: %s flat price for a rate in %s", oms.ErrCurrencyMismatch, a.Amount.Currency(), p.Currency())
			}
			p = a.Amount
		case AdjustFreeOver:
			if a.Threshold.Currency() != p.Currency() {
				err = fmt.Errorf("%w: %s threshold for a rate in %s", oms.ErrCurrencyMismatch, a.Threshold.Currency(), p.Currency())
				break
			}
			if !orderValue.Valid() {
				continue
			}
			var c int
			if c, err = orderValue.Cmp(a.Threshold); err == nil && c >= 0 {
				p = oms.Zero(p.Currency())
			}
		}
		if err != nil {
			return oms.Money{}, fmt.Errorf("shipping: adjustments[%d] on %s: %w", i, r.Key(), err)
		}
	}
	if p.IsNegative() {
		p = oms.Zero(p.Currency())
	}
	return p.Round(), nil
}

// Apply returns copies of rates with Price replaced by the adjusted price
// (see Price); ListPrice and everything else are kept.
func (as Adjustments) Apply(rates []Rate, orderValue oms.Money) ([]Rate, error) {
	if err := as.Validate(); err != nil {
		return nil, err
	}
	out := slices.Clone(rates)
	for i := range out {
		p, err := as.price(out[i], orderValue)
		if err != nil {
			return nil, err
		}
		out[i].Price = p
	}
	return out, nil
}
