package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestRateshop runs the example and checks the lines that tell its story:
// the rates that came back in time, the slow carrier's timeout, the failing
// carrier's error, the breakers opening and skipping, and the recovery.
func TestRateshop(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"round 1: rates that came back in time, cheapest first",
		"parcelco/ground        standard  3-day  7.90 USD  delivered by 2026-11-30",
		"citycourier/next_day   overnight 1-day 11.00 USD  delivered by 2026-11-24",
		"parcelco/express       express   2-day 14.50 USD  delivered by 2026-11-25",
		"slowpost     timeout  rates 0  breaker closed",
		`shipping: carrier "slowpost" timeout: shipping: carrier timed out: no answer within its timeout of 300ms`,
		"flakyship    failed   rates 0  breaker closed",
		`shipping: carrier "flakyship" failed: flakyship: HTTP 503 Service Unavailable`,
		"cheapest parcelco/ground, fastest citycourier/next_day, best value at 2.00 USD a day citycourier/next_day",
		"slowpost is a timeout (errors.Is ErrCarrierTimeout; also oms.ErrUnavailable: true)",
		"flakyship failed with its own error (errors.Is errUpstream)",
		"round 2: 3 rates",
		"slowpost     timeout  rates 0  breaker open",
		"flakyship    failed   rates 0  breaker open",
		"round 3: 3 rates, slow and failing carriers not asked",
		"slowpost     skipped  rates 0  breaker open",
		"flakyship    skipped  rates 0  breaker open",
		"round 4, a minute later: 4 rates",
		"slowpost     timeout  rates 0  breaker open",
		"flakyship    ok       rates 1  breaker closed",
	)
}
