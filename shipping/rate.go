package shipping

import (
	"math"
	"slices"
	"strconv"

	"github.com/omskit/oms"
)

// MaxBusinessDays is the most business days of transit or handling that
// rates, estimates and carrier tables accept (a year's worth). Counting
// business days is a walk over the calendar, so a larger number, such as a
// carrier's malformed answer, is refused rather than counted for hours.
const MaxBusinessDays = 365

// RateRequest asks a carrier what shipping some parcels would cost. It is a
// value; carriers must not modify its slices.
type RateRequest struct {
	// Origin is where the parcels ship from (a warehouse or, for a return,
	// the customer). Rating needs at least the country; carriers may need
	// the postal code too.
	Origin oms.Address `json:"origin"`
	// Destination is where the parcels go.
	Destination oms.Address `json:"destination"`
	// Parcels are the parcels of one shipment; at least one.
	Parcels []Parcel `json:"parcels"`
	// ShipDate is the day the parcels are handed to the carrier; the zero
	// oms.Date lets the carrier assume its next pickup.
	ShipDate oms.Date `json:"ship_date"`
	// Levels restricts the answer to these service levels; empty means all.
	Levels []oms.ServiceLevel `json:"levels,omitempty"`
	// Return marks a return shipment (customer to warehouse).
	Return bool `json:"return,omitempty"`
	// Currency is the currency the caller expects prices in; the shopper
	// rejects rates in any other. Empty accepts any currency.
	Currency oms.Currency `json:"currency,omitempty"`
	// Carriers restricts a rate shop to these carrier codes; empty asks
	// every carrier. Carriers themselves ignore it.
	Carriers []string `json:"carriers,omitempty"`
}

// Validate returns a *oms.ValidationError listing every problem of r, or
// nil: unknown countries, no parcels, a bad parcel, a ship date that is
// not a valid day (oms.Date.Valid), an unknown level or currency.
func (r RateRequest) Validate() error {
	v := &oms.ValidationError{Entity: "rate request"}
	if !oms.ValidCountry(r.Origin.Country) {
		v.Add("origin.country", "unknown country %q", r.Origin.Country)
	}
	if !oms.ValidCountry(r.Destination.Country) {
		v.Add("destination.country", "unknown country %q", r.Destination.Country)
	}
	if len(r.Parcels) == 0 {
		v.Add("parcels", "at least one parcel is required")
	}
	if !r.ShipDate.IsZero() && !r.ShipDate.Valid() {
		v.Add("ship_date", "%04d-%02d-%02d is not a day from year 0 to 9999", r.ShipDate.Year, int(r.ShipDate.Month), r.ShipDate.Day)
	}
	for i, p := range r.Parcels {
		p.validate(v, indexField("parcels", i))
	}
	for i, l := range r.Levels {
		if !l.Valid() {
			v.Add(indexField("levels", i), "unknown service level %q", l)
		}
	}
	if r.Currency != "" && !r.Currency.Valid() {
		v.Add("currency", "unknown currency %q", r.Currency)
	}
	for i, c := range r.Carriers {
		if c == "" {
			v.Add(indexField("carriers", i), "is empty")
		}
	}
	return v.Err()
}

// WantsLevel reports whether the request accepts service level l.
func (r RateRequest) WantsLevel(l oms.ServiceLevel) bool {
	return len(r.Levels) == 0 || slices.Contains(r.Levels, l)
}

// TotalWeight returns the sum of the parcels' weights (saturating at the
// largest Weight instead of overflowing).
func (r RateRequest) TotalWeight() oms.Weight {
	var w oms.Weight
	for _, p := range r.Parcels {
		w = addWeight(w, p.Weight)
	}
	return w
}

// addWeight adds non-negative weights, saturating instead of overflowing.
func addWeight(a, b oms.Weight) oms.Weight {
	if s := a + b; s >= a {
		return s
	}
	return oms.Weight(math.MaxInt64)
}

func (r RateRequest) clone() RateRequest {
	r.Parcels = slices.Clone(r.Parcels)
	r.Levels = slices.Clone(r.Levels)
	r.Carriers = slices.Clone(r.Carriers)
	return r
}

// Rate is one carrier service's offer for a shipment. It is a value; copy it
// freely.
type Rate struct {
	// Carrier is the code of the carrier that quoted it.
	Carrier string `json:"carrier"`
	// ServiceCode identifies the service at the carrier, such as "ground".
	ServiceCode string `json:"service_code"`
	// ServiceName is the service's display name, such as "UPS Ground".
	ServiceName string `json:"service_name"`
	// Level is the service's speed class.
	Level oms.ServiceLevel `json:"level"`
	// Price is what the shop pays the carrier, rounded to the minor unit.
	Price oms.Money `json:"price"`
	// ListPrice is the carrier's retail price when known (the zero Money
	// otherwise), in Price's currency.
	ListPrice oms.Money `json:"list_price"`
	// BillableWeight is the weight the carrier bills, when known.
	BillableWeight oms.Weight `json:"billable_weight,omitempty"`
	// TransitDays is the number of business days in transit (0 for same
	// day).
	TransitDays int `json:"transit_days"`
	// Delivery is the expected delivery date or window, when known.
	Delivery Window `json:"delivery"`
	// Guaranteed says the carrier guarantees Delivery.Latest (money back
	// otherwise).
	Guaranteed bool `json:"guaranteed,omitempty"`
	// QuoteID is the carrier's reference for the quote, if it has one;
	// LabelRequest passes it back.
	QuoteID string `json:"quote_id,omitempty"`
}

// Key returns "carrier/service_code", the name allow and deny lists use.
func (r Rate) Key() string { return r.Carrier + "/" + r.ServiceCode }

// Validate returns a *oms.ValidationError listing every problem of r, or
// nil: a missing carrier or service code, an unknown level, a price without
// currency, negative, not rounded to the minor unit or outside the bounds
// oms.NewMoney puts on amounts, a list price in another currency (or
// negative, or outside those bounds), transit days negative or over
// MaxBusinessDays, an inverted delivery window or one whose dates are not
// valid days (oms.Date.Valid: after year 9999, say).
func (r Rate) Validate() error {
	v := &oms.ValidationError{Entity: "rate"}
	if r.Carrier == "" {
		v.Add("carrier", "is required")
	}
	if r.ServiceCode == "" {
		v.Add("service_code", "is required")
	}
	if !r.Level.Valid() {
		v.Add("level", "unknown service level %q", r.Level)
	}
	switch {
	case !r.Price.Valid():
		v.Add("price", "has no currency")
	case r.Price.IsNegative():
		v.Add("price", "must not be negative, got %s", r.Price)
	case !boundedAmount(r.Price):
		v.Add("price", "has more digits than an amount may have, got %s", r.Price)
	case !r.Price.IsRounded():
		v.Add("price", "must be rounded to the currency's minor unit, got %s", r.Price)
	}
	if r.ListPrice.Valid() {
		if r.Price.Valid() && r.ListPrice.Currency() != r.Price.Currency() {
			v.Add("list_price", "currency %s differs from price currency %s", r.ListPrice.Currency(), r.Price.Currency())
		}
		if r.ListPrice.IsNegative() {
			v.Add("list_price", "must not be negative, got %s", r.ListPrice)
		}
		if !boundedAmount(r.ListPrice) {
			v.Add("list_price", "has more digits than an amount may have, got %s", r.ListPrice)
		}
	}
	if r.BillableWeight < 0 {
		v.Add("billable_weight", "must not be negative, got %s", r.BillableWeight)
	}
	if r.TransitDays < 0 || r.TransitDays > MaxBusinessDays {
		v.Add("transit_days", "must be between 0 and %d, got %d", MaxBusinessDays, r.TransitDays)
	}
	r.Delivery.validate(v, "delivery")
	if r.Guaranteed && r.Delivery.IsZero() {
		v.Add("delivery", "a guaranteed rate needs a delivery date")
	}
	return v.Err()
}

// boundedAmount reports whether m's amount is within the bounds oms.NewMoney
// puts on amounts (oms.MaxAmountExponent, oms.MaxAmountBits): comparing
// or writing one beyond them computes 10 to the power of its exponent.
func boundedAmount(m oms.Money) bool {
	a := m.Amount()
	e := a.Exponent()
	return e >= -oms.MaxAmountExponent && e <= oms.MaxAmountExponent && a.Coefficient().BitLen() <= oms.MaxAmountBits
}

// CarrierStatus is the outcome of one carrier in a rate shop.
type CarrierStatus string

// Carrier outcomes.
const (
	// StatusOK: the carrier answered with at least one valid rate.
	StatusOK CarrierStatus = "ok"
	// StatusNoService: the carrier answered that it has no service for the
	// shipment (ErrNoService), or answered no rates at all.
	StatusNoService CarrierStatus = "no_service"
	// StatusInvalid: the carrier returned malformed rates or rates in an
	// unexpected currency; they were dropped, its valid rates kept.
	StatusInvalid CarrierStatus = "invalid"
	// StatusFailed: the carrier returned an error.
	StatusFailed CarrierStatus = "failed"
	// StatusTimeout: the carrier did not answer within its timeout or the
	// caller's deadline.
	StatusTimeout CarrierStatus = "timeout"
	// StatusSkipped: the carrier was not asked because its circuit breaker
	// is open.
	StatusSkipped CarrierStatus = "skipped"
)

// Valid reports whether s is one of the defined statuses.
func (s CarrierStatus) Valid() bool {
	switch s {
	case StatusOK, StatusNoService, StatusInvalid, StatusFailed, StatusTimeout, StatusSkipped:
		return true
	}
	return false
}

func indexField(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}
