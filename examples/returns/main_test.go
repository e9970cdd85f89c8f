package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestReturns runs the example and checks the lines that tell its story:
// the exact per-unit refund with the fee and label waived for the broken mug
// only, a repeated Resolve refunding once, an even exchange with nothing due,
// the replacement shipped, the stock where the inspection sent it and the
// gateway's totals.
func TestReturns(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"order 1001 completed: total 51.16 USD (discount 10.00 USD, shipping 5.00 USD, tax 4.16 USD), captured 51.16 USD",
		"return 1 label_issued: label PARC0000000002, 6.80 USD, charged to the customer's refund",
		"MUG   value 10.65 USD (price 12.00 USD - discount share 2.31 USD + tax 0.96 USD) - restocking 0.00 USD - label 0.00 USD = 10.65 USD",
		"TEE-M value 17.75 USD (price 20.00 USD - discount share 3.85 USD + tax 1.60 USD) - restocking 1.78 USD - label 6.80 USD = 9.17 USD",
		"shipping refunded 0.00 USD; refund 19.82 USD; return 1 completed",
		"return 2 completed: exchange worth 17.76 USD for a replacement costing 17.76 USD: due 0.00 USD, credited 0.00 USD",
		"replacement order 1002 completed: 1 TEE-L, total 0.00 USD",
		"TEE-M on hand 10, damaged 0",
		"TEE-L on hand 9, damaged 0",
		"MUG   on hand 9, damaged 1",
		"order 1001: returned; gateway captured 51.16 USD, refunded 19.82 USD",
		"stock ledger reconciles: true",
	)
}
