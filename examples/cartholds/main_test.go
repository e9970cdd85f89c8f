package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestCartholds runs the example and checks the lines that tell its story:
// holds taking the stock, a late cart refused, an extension, the sweep
// returning only the expired hold, a replayed expired hold, checkout clearing
// the expiry, and a ledger that reconciles.
func TestCartholds(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"10:00  drop opens: on hand 5, held 0, available 5",
		"10:00  cart-ben holds 3 until 10:15: on hand 5, held 5, available 0",
		"10:03  cart-cy refused (errors.Is ErrInsufficientStock: true): requested 1, available 0",
		"10:10  cart-ana still browsing: hold extended until 10:25",
		"10:14  sweep: 0 expired []",
		"10:15  sweep: 1 expired [cart-ben]",
		"10:15  after the sweep: on hand 5, held 2, available 3",
		"10:15  cart-cy holds 1: on hand 5, held 3, available 2",
		"10:15  cart-ben comes back: its hold is expired, holding 0",
		"10:15  cart-ben-2 holds the last 2 pairs: on hand 5, held 5, available 0",
		"10:17  cart-ana checks out: hold committed, expiry cleared true: on hand 3, held 3, available 0",
		"10:47  sweep: 2 expired [cart-ben-2 cart-cy]",
		"10:47  end of the drop: on hand 3, held 0, available 3",
		"events: 4 reserved, 1 extended, 3 expired, 1 committed; ledger reconciles: true",
	)
}
