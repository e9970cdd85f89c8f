package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestReplenish runs the example and checks the plan: the history read from
// the ledger, the chosen forecasts, safety stocks and reorder points, orders
// only for the SKUs at or below their reorder point (in whole cases, at
// least the minimum), and nothing more suggested once they are on order.
func TestReplenish(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"sales history Oct 5 to Nov 29, service level 95%",
		"MUG-BLUE       339  holt trend        6.8   1.5   10d      8      80       81      0",
		"TEE-ORGANIC    506  holt trend       14.4   2.3   14d     14     232       14    700",
		"CANDLE-FIG     283  moving avg 28d    4.9   4.7    7d     21      55       17    108",
		"POSTER-MAP      17  holt trend        0.2   0.5   21d      4       7       43      0",
		"PO-1042:  700 TEE-ORGANIC  due Dec 14",
		"PO-1042:  108 CANDLE-FIG   due Dec 7",
		"after the order: MUG-BLUE     position   81, reorder point  80, suggested 0",
		"after the order: TEE-ORGANIC  position  714, reorder point 232, suggested 0",
		"after the order: CANDLE-FIG   position  125, reorder point  55, suggested 0",
		"after the order: POSTER-MAP   position   43, reorder point   7, suggested 0",
	)
}
