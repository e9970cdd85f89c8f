// Command rateshop asks four carriers for rates at once: two answer at once,
// one is too slow for the shop's patience and one is down. The shopper returns
// what came back in time with a report per carrier, and its circuit breakers
// stop asking the troubled carriers until a cool-down has passed.
//
//	go run ./examples/rateshop
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rateshop:", err)
		os.Exit(1)
	}
}

// patience is how long the shop waits for any one carrier. The slow carrier
// needs far longer, so it always misses it; the others answer from memory in
// microseconds.
const patience = 300 * time.Millisecond

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// run shops the same parcel four times and prints what each round returned.
func run(ctx context.Context, w io.Writer) error {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	flaky := &flakyCarrier{}
	flaky.down.Store(true)
	carriers, err := newCarriers(clock, flaky)
	if err != nil {
		return err
	}
	shopper, err := shipping.NewRateShopper(carriers, &shipping.RateShopperOptions{
		Clock:            clock,    // breaker cool-downs run on it
		CarrierTimeout:   patience, // each carrier's own deadline
		BreakerThreshold: 2,        // two failures in a row open a breaker
		BreakerCoolDown:  time.Minute,
	})
	if err != nil {
		return err
	}
	req := shipping.RateRequest{
		Origin:      oms.Address{Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"},
		Destination: oms.Address{Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Parcels:     []shipping.Parcel{{Dimensions: oms.DimensionsMM(320, 270, 220), Weight: oms.Grams(1660), Contents: "housewares"}},
		ShipDate:    oms.NewDate(2026, time.November, 23),
		Currency:    oms.USD,
	}

	fmt.Fprintf(w, "asking %s; each has %s to answer\n", strings.Join(shopper.Carriers(), ", "), patience)

	// Round 1: everything that came back in time, and why the rest did not.
	res, err := shopper.Shop(ctx, req)
	if err != nil {
		return err // only a bad request or a done context end up here
	}
	fmt.Fprintln(w, "\nround 1: rates that came back in time, cheapest first")
	for _, r := range res.Rates {
		fmt.Fprintf(w, "  %-22s %-9s %d-day %9s  delivered by %s\n", r.Key(), r.Level, r.TransitDays, r.Price, r.Delivery.Latest)
	}
	printReports(w, shopper, res)
	cheapest, err := shipping.Cheapest(res.Rates)
	if err != nil {
		return err
	}
	fastest, err := shipping.Fastest(res.Rates)
	if err != nil {
		return err
	}
	value, err := shipping.BestValue(res.Rates, usd("2.00"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  cheapest %s, fastest %s, best value at 2.00 USD a day %s\n", cheapest.Key(), fastest.Key(), value.Key())
	for _, e := range res.Errors() {
		switch {
		case errors.Is(e, shipping.ErrCarrierTimeout):
			fmt.Fprintf(w, "  %s is a timeout (errors.Is ErrCarrierTimeout; also oms.ErrUnavailable: %v)\n", e.Carrier, errors.Is(e, oms.ErrUnavailable))
		case errors.Is(e, errUpstream):
			fmt.Fprintf(w, "  %s failed with its own error (errors.Is errUpstream)\n", e.Carrier)
		}
	}

	// Round 2: the same failures again reach the breakers' threshold.
	if res, err = shopper.Shop(ctx, req); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nround 2: %d rates\n", len(res.Rates))
	printReports(w, shopper, res)

	// Round 3: both breakers are open, so the shopper skips those carriers
	// and answers without waiting for the slow one.
	if res, err = shopper.Shop(ctx, req); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nround 3: %d rates, slow and failing carriers not asked\n", len(res.Rates))
	printReports(w, shopper, res)

	// Round 4: a minute later (on the shopper's clock) each breaker lets one
	// trial call through. The failing carrier is back up and closes its
	// breaker; the slow one is still slow and opens its breaker again.
	clock.Advance(time.Minute)
	flaky.down.Store(false)
	if res, err = shopper.Shop(ctx, req); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nround 4, a minute later: %d rates\n", len(res.Rates))
	printReports(w, shopper, res)
	return nil
}

// printReports prints one line per carrier: its outcome, how many rates it
// gave, its breaker's state and its error.
func printReports(w io.Writer, shopper *shipping.RateShopper, res *shipping.ShopResult) {
	for _, rep := range res.Carriers {
		state, _ := shopper.BreakerState(rep.Carrier)
		fmt.Fprintf(w, "  %-12s %-8s rates %d  breaker %s\n", rep.Carrier, rep.Status, rep.Rates, state)
		if rep.Err != nil {
			fmt.Fprintf(w, "    %v\n", rep.Err)
		}
	}
}

// newCarriers returns the shop's four carriers: two that price from memory,
// one slow and one that fails while it is down.
func newCarriers(clock oms.Clock, flaky *flakyCarrier) ([]shipping.Carrier, error) {
	parcelco, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code: "parcelco",
		Services: []shipping.FlatRateService{
			{Code: "ground", Name: "Ground", Level: oms.LevelStandard, Price: usd("7.90"), TransitDays: 3, TransitDaysMax: 5},
			{Code: "express", Name: "Express", Level: oms.LevelExpress, Price: usd("14.50"), TransitDays: 2},
		},
		Clock: clock,
	})
	if err != nil {
		return nil, err
	}
	courier, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code: "citycourier",
		Services: []shipping.FlatRateService{
			{Code: "next_day", Name: "Next day", Level: oms.LevelOvernight, Price: usd("11.00"), TransitDays: 1, Countries: []string{"US"}},
		},
		Clock: clock,
	})
	if err != nil {
		return nil, err
	}
	return []shipping.Carrier{parcelco, courier, slowCarrier{}, flaky}, nil
}

// slowCarrier stands for a carrier API that takes a minute to answer. Like
// every well-behaved carrier it gives up when its context is done, with an
// error wrapping the context's error.
type slowCarrier struct{}

func (slowCarrier) Code() string { return "slowpost" }

func (slowCarrier) Rates(ctx context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	select {
	case <-t.C:
		return []shipping.Rate{{Carrier: "slowpost", ServiceCode: "economy", ServiceName: "Economy",
			Level: oms.LevelEconomy, Price: usd("4.00"), TransitDays: 7}}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("slowpost: waiting for the API: %w", ctx.Err())
	}
}

// errUpstream is what flakyCarrier's API answers while it is down.
var errUpstream = errors.New("flakyship: HTTP 503 Service Unavailable")

// flakyCarrier answers with one rate, or fails while down is set.
type flakyCarrier struct{ down atomic.Bool }

func (*flakyCarrier) Code() string { return "flakyship" }

func (f *flakyCarrier) Rates(ctx context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	if f.down.Load() {
		return nil, errUpstream
	}
	return []shipping.Rate{{Carrier: "flakyship", ServiceCode: "saver", ServiceName: "Saver",
		Level: oms.LevelStandard, Price: usd("6.80"), TransitDays: 4}}, nil
}
