package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestChannels runs the example and checks the lines that tell its story:
// the opening quantities with safety stock and the marketplace buffer, a
// burst of twelve orders coalesced into one update per channel, a till sale
// reaching only the channels its store serves, a quiet sync sending nothing,
// and the low-stock and replenished alerts.
func TestChannels(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"09:00 opening: sync appends 3 events",
		"-> marketplace HOODIE-GRY-M: 13 (was 0)",
		"-> pos         HOODIE-GRY-M:  4 (was 0)",
		"-> web         HOODIE-GRY-M: 24 (was 0)",
		"09:01 after 12 web orders: sync appends 3 events",
		"-> marketplace HOODIE-GRY-M:  1 (was 13)",
		"-> web         HOODIE-GRY-M: 12 (was 24)",
		"-> buyer       HOODIE-GRY-M: low_stock, 14 available, reorder point 15",
		"relay published 15 events, 3 of them from the sync",
		"09:02 after 2 sold at the till: sync appends 2 events",
		"-> pos         HOODIE-GRY-M:  2 (was 4)",
		"-> web         HOODIE-GRY-M: 10 (was 12)",
		"09:03 quiet minute: sync appends 0 events",
		"relay published 0 events, 0 of them from the sync",
		"09:04 after a delivery of 24: sync appends 3 events",
		"-> buyer       HOODIE-GRY-M: stock_replenished, 36 available, reorder point 15",
		"web         may sell 34 from dc, soho",
		"marketplace may sell 25 from dc",
		"pos         may sell  2 from soho",
	)
}
