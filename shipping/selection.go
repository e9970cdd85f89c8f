package shipping

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/omskit/oms"
)

// Strategy is how a Policy chooses among rates, stable on the wire.
type Strategy string

// Strategies.
const (
	// StrategyCheapest picks the lowest price; ties go to the faster rate.
	StrategyCheapest Strategy = "cheapest"
	// StrategyFastest picks the earliest delivery; ties go to the cheaper
	// rate.
	StrategyFastest Strategy = "fastest"
	// StrategyBestValue picks the lowest price plus CostPerDay for every
	// transit day (see BestValue).
	StrategyBestValue Strategy = "best_value"
	// StrategyDeliverBy picks the cheapest rate whose latest delivery day
	// is on or before DeliverBy (see CheapestBy).
	StrategyDeliverBy Strategy = "deliver_by"
)

// Valid reports whether s is one of the defined strategies.
func (s Strategy) Valid() bool {
	switch s {
	case StrategyCheapest, StrategyFastest, StrategyBestValue, StrategyDeliverBy:
		return true
	}
	return false
}

// RateFilter narrows a list of rates. The zero value keeps every rate.
//
// Allow and Deny hold carrier codes ("ups", every service of the carrier)
// and service keys ("ups/ground", one service; see Rate.Key). A rate is
// kept when Allow is empty or it matches an entry of Allow, and it matches
// no entry of Deny: deny wins.
type RateFilter struct {
	// Allow lists the carrier codes and service keys kept; empty keeps
	// all.
	Allow []string `json:"allow,omitempty"`
	// Deny lists the carrier codes and service keys dropped.
	Deny []string `json:"deny,omitempty"`
	// Levels keeps only rates of these service levels; empty keeps all.
	Levels []oms.ServiceLevel `json:"levels,omitempty"`
	// GuaranteedOnly keeps only rates whose delivery is guaranteed.
	GuaranteedOnly bool `json:"guaranteed_only,omitempty"`
}

// Match reports whether the filter keeps r.
func (f RateFilter) Match(r Rate) bool {
	matches := func(list []string) bool {
		return slices.Contains(list, r.Carrier) || slices.Contains(list, r.Key())
	}
	switch {
	case len(f.Allow) > 0 && !matches(f.Allow):
		return false
	case matches(f.Deny):
		return false
	case len(f.Levels) > 0 && !slices.Contains(f.Levels, r.Level):
		return false
	case f.GuaranteedOnly && !r.Guaranteed:
		return false
	}
	return true
}

// Apply returns the rates f keeps, in order, in a new slice.
func (f RateFilter) Apply(rates []Rate) []Rate {
	out := make([]Rate, 0, len(rates))
	for _, r := range rates {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	return out
}

func (f RateFilter) validate(v *oms.ValidationError, prefix string) {
	for i, e := range f.Allow {
		if e == "" {
			v.Add(prefix+indexField("allow", i), "is empty")
		}
	}
	for i, e := range f.Deny {
		if e == "" {
			v.Add(prefix+indexField("deny", i), "is empty")
		}
	}
	for i, l := range f.Levels {
		if !l.Valid() {
			v.Add(prefix+indexField("levels", i), "unknown service level %q", l)
		}
	}
}

// Policy chooses one rate: it filters, then applies its strategy. It is a
// value and a pure function of its input.
type Policy struct {
	// Strategy is how to choose; empty means StrategyCheapest.
	Strategy Strategy `json:"strategy,omitempty"`
	// Filter narrows the rates first.
	Filter RateFilter `json:"filter"`
	// CostPerDay is what a day sooner is worth, for StrategyBestValue.
	CostPerDay oms.Money `json:"cost_per_day"`
	// DeliverBy is the day the parcel must arrive by, for
	// StrategyDeliverBy.
	DeliverBy oms.Date `json:"deliver_by"`
}

// Validate returns a *oms.ValidationError listing every problem of p, or
// nil.
func (p Policy) Validate() error {
	v := &oms.ValidationError{Entity: "rate policy"}
	p.validate(v, "")
	return v.Err()
}

func (p Policy) validate(v *oms.ValidationError, prefix string) {
	if p.Strategy != "" && !p.Strategy.Valid() {
		v.Add(prefix+"strategy", "unknown strategy %q", p.Strategy)
	}
	p.Filter.validate(v, prefix+"filter.")
	if p.Strategy == StrategyBestValue {
		switch {
		case !p.CostPerDay.Valid():
			v.Add(prefix+"cost_per_day", "is required for best_value")
		case p.CostPerDay.IsNegative():
			v.Add(prefix+"cost_per_day", "must not be negative, got %s", p.CostPerDay)
		}
	}
	if p.Strategy == StrategyDeliverBy && p.DeliverBy.IsZero() {
		v.Add(prefix+"deliver_by", "is required for deliver_by")
	} else if !p.DeliverBy.IsZero() && !p.DeliverBy.Valid() {
		// Dates compare field by field: February 30 would sort before
		// March 1, the day it stands for.
		v.Add(prefix+"deliver_by", "%04d-%02d-%02d is not a day from year 0 to 9999", p.DeliverBy.Year, int(p.DeliverBy.Month), p.DeliverBy.Day)
	}
}

// Select returns the rate the policy chooses. The error matches ErrNoRate
// when no rate qualifies, oms.ErrValidation for a bad policy and
// oms.ErrCurrencyMismatch when prices to compare are in different
// currencies.
func (p Policy) Select(rates []Rate) (Rate, error) {
	if err := p.Validate(); err != nil {
		return Rate{}, err
	}
	rates = p.Filter.Apply(rates)
	switch p.Strategy {
	case StrategyFastest:
		return Fastest(rates)
	case StrategyBestValue:
		return BestValue(rates, p.CostPerDay)
	case StrategyDeliverBy:
		return CheapestBy(rates, p.DeliverBy)
	default:
		return Cheapest(rates)
	}
}

// pickMin returns the rate that cmpFn orders first. cmpFn must be a total
// order of the rates (see offer): the choice does not depend on their
// order in the list.
func pickMin(rates []Rate, what string, cmpFn func(a, b Rate) (int, error)) (Rate, error) {
	if len(rates) == 0 {
		return Rate{}, fmt.Errorf("%w: %s of no rates", ErrNoRate, what)
	}
	best := rates[0]
	for _, r := range rates[1:] {
		c, err := cmpFn(r, best)
		if err != nil {
			return Rate{}, fmt.Errorf("shipping: %s: %s vs %s: %w", what, r.Key(), best.Key(), err)
		}
		if c < 0 {
			best = r
		}
	}
	return best, nil
}

// samePriceCurrency returns an error matching oms.ErrCurrencyMismatch
// unless every rate's price is in one currency. Checked up front, so that
// whether mixed prices are an error does not depend on which pairs the
// choice happens to compare.
func samePriceCurrency(rates []Rate, what string) error {
	for _, r := range rates[min(1, len(rates)):] {
		if _, err := r.Price.Cmp(rates[0].Price); err != nil {
			return fmt.Errorf("shipping: %s: %s vs %s: %w", what, r.Key(), rates[0].Key(), err)
		}
	}
	return nil
}

// arrivalOrder returns how the selectors order rates by delivery. It must
// be one order for the whole list: comparing delivery days for some pairs
// and transit days for others is not an order (a rate due on the 10th in
// 5 days, one without a window in 3 and one due on the 8th in 7 form a
// cycle), and the choice would depend on the order of the list.
//
// When every rate knows its delivery window, rates are ordered by the
// latest delivery day, then the earliest, then transit days. When some rate
// does not, windows cannot be compared with it: rates are ordered by
// transit days, then those with a window before those without, by latest
// and earliest delivery day. Then by service level, the faster first (an
// unknown level last).
func arrivalOrder(rates []Rate) func(a, b Rate) int {
	level := func(a, b Rate) int {
		return cmp.Or(cmp.Compare(levelRank(a.Level), levelRank(b.Level)), cmp.Compare(a.Level, b.Level))
	}
	window := func(a, b Rate) int {
		return cmp.Or(a.Delivery.Latest.Compare(b.Delivery.Latest), a.Delivery.Earliest.Compare(b.Delivery.Earliest))
	}
	if !slices.ContainsFunc(rates, func(r Rate) bool { return r.Delivery.IsZero() }) {
		return func(a, b Rate) int {
			return cmp.Or(window(a, b), cmp.Compare(a.TransitDays, b.TransitDays), level(a, b))
		}
	}
	return func(a, b Rate) int {
		if c := cmp.Compare(a.TransitDays, b.TransitDays); c != 0 {
			return c
		}
		switch az, bz := a.Delivery.IsZero(), b.Delivery.IsZero(); {
		case az && !bz:
			return 1
		case !az && bz:
			return -1
		}
		return cmp.Or(window(a, b), level(a, b))
	}
}

// levelRank orders service levels fastest first, and an unknown level
// (Rank -1) after every known one: nothing says it is fast.
func levelRank(l oms.ServiceLevel) int {
	if r := l.Rank(); r >= 0 {
		return r
	}
	return len(oms.ServiceLevels())
}

// offer is the last tie-break of the selectors, between rates equal in
// price and delivery: by carrier, service code and name, quote ID, then
// the other fields, so that the choice never depends on the order of the
// list.
func offer(a, b Rate) int {
	return cmp.Or(
		cmp.Compare(a.Carrier, b.Carrier),
		cmp.Compare(a.ServiceCode, b.ServiceCode),
		cmp.Compare(a.ServiceName, b.ServiceName),
		cmp.Compare(a.QuoteID, b.QuoteID),
		cmp.Compare(a.Price.String(), b.Price.String()),
		cmp.Compare(a.ListPrice.String(), b.ListPrice.String()),
		cmp.Compare(a.ListPrice.Currency(), b.ListPrice.Currency()),
		cmp.Compare(a.BillableWeight, b.BillableWeight),
		cmp.Compare(boolRank(a.Guaranteed), boolRank(b.Guaranteed)),
	)
}

// boolRank puts true before false.
func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

// Cheapest returns the lowest-priced rate; ties go to the faster rate (see
// Fastest), then to the lower carrier code and service code (and so on
// over the rate's other fields): the choice does not depend on the order
// of the list. The error matches ErrNoRate for no rates and
// oms.ErrCurrencyMismatch for mixed currencies.
func Cheapest(rates []Rate) (Rate, error) {
	if err := samePriceCurrency(rates, "cheapest"); err != nil {
		return Rate{}, err
	}
	arrival := arrivalOrder(rates)
	return pickMin(rates, "cheapest", func(a, b Rate) (int, error) {
		c, err := a.Price.Cmp(b.Price)
		if err != nil || c != 0 {
			return c, err
		}
		return cmp.Or(arrival(a, b), offer(a, b)), nil
	})
}

// Fastest returns the rate that arrives first. When every rate knows its
// delivery window, that is the earliest latest delivery day (then the
// earliest first day, then the fewest transit days); when some rate does
// not, windows cannot be compared with it and it is the fewest transit
// days (then a known window before none, the earlier window first). Then
// the faster service level; ties go to the cheaper rate, then to the lower
// carrier code and service code (and so on over the rate's other fields):
// the choice does not depend on the order of the list. Use EstimateRates
// first to give every rate a window. The error matches ErrNoRate for no
// rates and oms.ErrCurrencyMismatch when the rates that tie for the
// earliest delivery are priced in different currencies.
func Fastest(rates []Rate) (Rate, error) {
	if len(rates) == 0 {
		return Rate{}, fmt.Errorf("%w: fastest of no rates", ErrNoRate)
	}
	arrival := arrivalOrder(rates)
	// Prices break ties among the first to arrive only, and all of them:
	// whether their currencies differ must not depend on the order.
	first := slices.MinFunc(rates, arrival)
	var tied []Rate
	for _, r := range rates {
		if arrival(r, first) == 0 {
			tied = append(tied, r)
		}
	}
	if err := samePriceCurrency(tied, "fastest"); err != nil {
		return Rate{}, err
	}
	return pickMin(tied, "fastest", func(a, b Rate) (int, error) {
		c, err := a.Price.Cmp(b.Price)
		if err != nil || c != 0 {
			return c, err
		}
		return offer(a, b), nil
	})
}

// BestValue returns the rate with the lowest price plus costPerDay for each
// transit day: the trade-off is that one day sooner is worth paying up to
// costPerDay more. With costPerDay 2.00, ground at 5.00 in 5 days scores
// 15.00 and two-day at 9.00 in 3 days scores 15.00: a tie, which goes to
// the faster rate (see Fastest), then the cheaper, then the lower carrier
// code and service code (and so on over the rate's other fields): the
// choice does not depend on the order of the list. Express at 12.00 in 2
// days scores 16.00 and loses. A zero costPerDay is Cheapest; a very large
// one is Fastest by transit days.
// The error matches ErrNoRate for no rates, oms.ErrValidation for a
// negative costPerDay, and oms.ErrCurrencyMismatch when costPerDay or the
// prices differ in currency.
func BestValue(rates []Rate, costPerDay oms.Money) (Rate, error) {
	if costPerDay.IsNegative() {
		return Rate{}, oms.Validationf("rate policy", "cost_per_day", "must not be negative, got %s", costPerDay)
	}
	score := func(r Rate) (oms.Money, error) {
		return r.Price.Add(costPerDay.Mul(int64(r.TransitDays)))
	}
	// Score every rate, not only those compared: a single rate is never
	// compared, and its cost per day must be in its currency all the same.
	for _, r := range rates {
		if _, err := score(r); err != nil {
			return Rate{}, fmt.Errorf("shipping: best value: %s: %w", r.Key(), err)
		}
	}
	if err := samePriceCurrency(rates, "best value"); err != nil {
		return Rate{}, err
	}
	arrival := arrivalOrder(rates)
	return pickMin(rates, "best value", func(a, b Rate) (int, error) {
		sa, err := score(a)
		if err != nil {
			return 0, err
		}
		sb, err := score(b)
		if err != nil {
			return 0, err
		}
		c, err := sa.Cmp(sb)
		if err != nil || c != 0 {
			return c, err
		}
		if c := arrival(a, b); c != 0 {
			return c, nil
		}
		if c, err := a.Price.Cmp(b.Price); err != nil || c != 0 {
			return c, err
		}
		return offer(a, b), nil
	})
}

// CheapestBy returns the cheapest rate whose latest delivery day is on or
// before by. Rates without a known delivery window cannot promise a day
// and are left out (fill them with EstimateRates first), as are rates
// whose window's days are not valid days (oms.Date.Valid). The error matches
// ErrNoRate when no rate arrives in time, and oms.ErrValidation when by is
// not a valid day (oms.Date.Valid: the zero Date, February 30).
func CheapestBy(rates []Rate, by oms.Date) (Rate, error) {
	if !by.Valid() {
		// Dates compare field by field: February 30 would sort before
		// March 1, the day it stands for.
		return Rate{}, oms.Validationf("rate policy", "deliver_by", "%04d-%02d-%02d is not a day from year 0 to 9999", by.Year, int(by.Month), by.Day)
	}
	var inTime []Rate
	for _, r := range rates {
		// A window whose days are not valid days (February 30) cannot
		// promise one: compared field by field, it would sort before the
		// day it stands for.
		if r.Delivery.Earliest.Valid() && r.Delivery.Latest.Valid() && !r.Delivery.Latest.After(by) {
			inTime = append(inTime, r)
		}
	}
	if len(inTime) == 0 {
		return Rate{}, fmt.Errorf("%w: none of %d rates delivers by %s", ErrNoRate, len(rates), by)
	}
	return Cheapest(inTime)
}
