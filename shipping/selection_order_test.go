package shipping_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestFastestDoesNotDependOnTheOrderOfTheRates: comparing delivery days for
// some pairs and transit days for others is no order. a (due January 8, 5
// transit days) beat c (due the 10th) by its window, c (3 days) beat b (no
// window, 4 days) and b beat a by transit days: a cycle, and [a b c] chose
// c while [b c a] chose a.
func TestFastestDoesNotDependOnTheOrderOfTheRates(t *testing.T) {
	jan := func(d int) shipping.Window {
		return shipping.Window{Earliest: oms.NewDate(2027, 1, d), Latest: oms.NewDate(2027, 1, d)}
	}
	a := shipping.Rate{Carrier: "a", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 5, Delivery: jan(8)}
	b := shipping.Rate{Carrier: "b", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 4}
	c := shipping.Rate{Carrier: "c", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 3, Delivery: jan(10)}
	for _, order := range [][]shipping.Rate{{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}} {
		got, err := shipping.Fastest(order)
		if err != nil {
			t.Fatal(err)
		}
		// Not every rate knows its window: the fewest transit days win.
		if got.Key() != "c/ground" {
			t.Errorf("Fastest(%v) = %s, want c/ground", keys(order), got.Key())
		}
	}
	// When every rate knows its window, the earliest delivery wins.
	for _, order := range [][]shipping.Rate{{a, c}, {c, a}} {
		if got, err := shipping.Fastest(order); err != nil || got.Key() != "a/ground" {
			t.Errorf("Fastest(%v) = %s, %v; want a/ground", keys(order), got.Key(), err)
		}
	}
}

// permutations calls f with every order of rates.
func permutations(rates []shipping.Rate, f func([]shipping.Rate)) {
	var rec func(k int)
	rec = func(k int) {
		if k == len(rates) {
			f(append([]shipping.Rate(nil), rates...))
			return
		}
		for i := k; i < len(rates); i++ {
			rates[k], rates[i] = rates[i], rates[k]
			rec(k + 1)
			rates[k], rates[i] = rates[i], rates[k]
		}
	}
	rec(0)
}

// TestSelectorsDoNotDependOnTheOrderOfTheRates checks every selector over
// every order of random lists drawn from few values, so that ties in price,
// days and windows, missing windows and mixed currencies are common: the
// same rate, or the same kind of error, whatever the order.
func TestSelectorsDoNotDependOnTheOrderOfTheRates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) int { return rng.IntN(n) }
	levels := []oms.ServiceLevel{oms.LevelOvernight, oms.LevelExpress, oms.LevelStandard}
	prices := []string{"4.00 USD", "5.00 USD", "5.00 USD", "6.00 USD", "5.00 EUR"}
	randomRate := func() shipping.Rate {
		r := shipping.Rate{
			Carrier:     []string{"a", "b", "c"}[pick(3)],
			ServiceCode: []string{"x", "y"}[pick(2)],
			Level:       levels[pick(len(levels))],
			Price:       oms.MustParseMoney(prices[pick(len(prices))]),
			TransitDays: 1 + pick(4),
			QuoteID:     []string{"", "q1", "q2"}[pick(3)],
		}
		if pick(3) > 0 {
			latest := 24 + pick(4)
			r.Delivery = shipping.Window{Earliest: day(latest - pick(2)), Latest: day(latest)}
		}
		return r
	}
	selectors := map[string]func([]shipping.Rate) (shipping.Rate, error){
		"cheapest":    shipping.Cheapest,
		"fastest":     shipping.Fastest,
		"best value":  func(rs []shipping.Rate) (shipping.Rate, error) { return shipping.BestValue(rs, usd("1.00")) },
		"cheapest by": func(rs []shipping.Rate) (shipping.Rate, error) { return shipping.CheapestBy(rs, day(26)) },
		"policy fastest": func(rs []shipping.Rate) (shipping.Rate, error) {
			return shipping.Policy{Strategy: shipping.StrategyFastest}.Select(rs)
		},
	}
	kind := func(err error) string {
		for _, e := range []error{shipping.ErrNoRate, oms.ErrCurrencyMismatch, oms.ErrValidation} {
			if errors.Is(err, e) {
				return e.Error()
			}
		}
		if err != nil {
			return "other: " + err.Error()
		}
		return ""
	}
	for trial := range 300 {
		rates := make([]shipping.Rate, 1+pick(5))
		for i := range rates {
			rates[i] = randomRate()
		}
		for name, sel := range selectors {
			want, wantErr := sel(rates)
			permutations(rates, func(order []shipping.Rate) {
				got, err := sel(order)
				if kind(err) != kind(wantErr) {
					t.Fatalf("trial %d %s: %v gives error %v, %v gives %v", trial, name, keys(rates), wantErr, keys(order), err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("trial %d %s: the order %v chose another rate than %v (-first +this):\n%s", trial, name, keys(order), keys(rates), diff)
				}
			})
		}
	}
}

// TestUnknownServiceLevelIsNotTheFastest: among rates equal in days and
// price, the faster service level wins; an unknown level ranked -1, before
// same day, and won.
func TestUnknownServiceLevelIsNotTheFastest(t *testing.T) {
	known := shipping.Rate{Carrier: "b", ServiceCode: "x", Level: oms.LevelOvernight, Price: usd("5.00"), TransitDays: 1, Delivery: on(24)}
	unknown := known
	unknown.Carrier, unknown.Level = "a", "warp"
	for _, order := range [][]shipping.Rate{{known, unknown}, {unknown, known}} {
		for name, sel := range map[string]func([]shipping.Rate) (shipping.Rate, error){"fastest": shipping.Fastest, "cheapest": shipping.Cheapest} {
			if got, err := sel(order); err != nil || got.Level != oms.LevelOvernight {
				t.Errorf("%s(%v) = %s (%s), %v; want the overnight rate", name, keys(order), got.Key(), got.Level, err)
			}
		}
	}
}
