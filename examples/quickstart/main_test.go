package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestQuickstart runs the tour and checks what it prints, so an example
// that no longer runs, or tells another story, breaks the build.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("quickstart output (-want +got):\n%s", diff)
	}
}

const want = `order 1001 confirmed: subtotal 76.00 USD, discount 10.00 USD, shipping 5.00 USD, tax 6.08 USD, total 77.08 USD
reserved: order allocated, mugs on hand 40, reserved 3, available 37
packed box M: 5 units, 1660g gross, 31% full
rate parcelco/ground        standard  10.00 USD
rate citycourier/next_day   overnight 11.00 USD
chosen: parcelco/ground
shipped: order shipped
tracking update: 2 new, 0 duplicate, status delivered
tracking update: 1 new, 1 duplicate, status delivered
order completed, delivered
published 7 order events
published 2 reservation events
published 2 sku events
published 2 tracker events
stock ledger reconciles: true
`
