package shipping

import (
	"errors"
	"fmt"

	"github.com/omskit/oms"
)

// CheckoutRule defines one delivery choice offered to customers at checkout
// ("Standard", "Express", "Same day"): which rates may back it, how the
// backing rate is chosen, what the customer pays, and how much slack the
// promise adds.
type CheckoutRule struct {
	// Code identifies the choice, such as "standard". Unique among rules.
	Code string `json:"code"`
	// Name is what the customer sees, such as "Standard (3-5 days)".
	Name string `json:"name"`
	// Policy filters the rates and chooses the one that backs the choice
	// (for example Filter.Levels = standard and economy, cheapest).
	Policy Policy `json:"policy"`
	// Price turns the backing rate's price into the customer's price
	// (markups, a flat price, free shipping over an order value). Empty:
	// the customer pays the rate's price.
	Price Adjustments `json:"price,omitempty"`
	// PadDays adds calendar days to the latest day of the promise, as a
	// safety margin, from 0 to MaxBusinessDays. The earliest day is kept.
	PadDays int `json:"pad_days,omitempty"`
}

// CheckoutOption is one delivery choice for the customer.
type CheckoutOption struct {
	// Code identifies the choice (the CheckoutRule's code), for the order
	// to record.
	Code string `json:"code"`
	// Name is the CheckoutRule's name, what the customer reads.
	Name string `json:"name"`
	// Price is what the customer pays, rounded to the minor unit.
	Price oms.Money `json:"price"`
	// Promise is the delivery window promised to the customer; zero when
	// the backing rate has no known delivery window (or padding would push
	// it past year 9999).
	Promise Window `json:"promise"`
	// Rate is the rate behind the choice; Rate.Price is what the shop pays.
	Rate Rate `json:"rate"`
}

// ValidateCheckoutRules returns a *oms.ValidationError listing every
// problem of rules, or nil.
func ValidateCheckoutRules(rules []CheckoutRule) error {
	v := &oms.ValidationError{Entity: "checkout rules"}
	seen := map[string]int{}
	for i, r := range rules {
		f := indexField("rules", i) + "."
		switch j, dup := seen[r.Code]; {
		case r.Code == "":
			v.Add(f+"code", "is required")
		case dup:
			v.Add(f+"code", "duplicate %q (also rules[%d])", r.Code, j)
		default:
			seen[r.Code] = i
		}
		if r.Name == "" {
			v.Add(f+"name", "is required")
		}
		r.Policy.validate(v, f+"policy.")
		r.Price.validate(v, f+"price.")
		if r.PadDays < 0 || r.PadDays > MaxBusinessDays {
			v.Add(f+"pad_days", "must be between 0 and %d, got %d", MaxBusinessDays, r.PadDays)
		}
	}
	return v.Err()
}

// CheckoutOptions turns rates (usually a ShopResult's, with delivery windows
// filled by EstimateRates) into the customer's choices, one per rule in
// rule order. A rule that no rate satisfies offers nothing and is left out.
// orderValue drives free-shipping rules (the zero Money when unknown). It is
// a pure function. The error matches oms.ErrValidation for bad rules and
// oms.ErrCurrencyMismatch for amounts in different currencies.
func CheckoutOptions(rates []Rate, orderValue oms.Money, rules []CheckoutRule) ([]CheckoutOption, error) {
	if err := ValidateCheckoutRules(rules); err != nil {
		return nil, err
	}
	out := make([]CheckoutOption, 0, len(rules))
	for _, rule := range rules {
		rate, err := rule.Policy.Select(rates)
		if errors.Is(err, ErrNoRate) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("shipping: checkout option %q: %w", rule.Code, err)
		}
		price, err := rule.Price.price(rate, orderValue)
		if err != nil {
			return nil, fmt.Errorf("shipping: checkout option %q: %w", rule.Code, err)
		}
		promise := rate.Delivery
		if !promise.IsZero() {
			promise.Latest = promise.Latest.AddDays(rule.PadDays)
			if !promise.Latest.Valid() {
				promise = Window{} // padded past year 9999: no day to promise
			}
		}
		out = append(out, CheckoutOption{Code: rule.Code, Name: rule.Name, Price: price, Promise: promise, Rate: rate})
	}
	return out, nil
}
