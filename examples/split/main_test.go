package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestSplit runs the example and checks the lines that tell its story: the
// plans under three strategies, the refusal when splitting is forbidden, two
// shipments with one label each however often Process runs, the stock left,
// and the order delivered only when both parcels have arrived.
func TestSplit(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"priority order:   3 shipments: newark 2 MUG, 1 TEE | dallas 2 TEE | reno 1 LAMP",
		"fewest shipments: 2 shipments: reno 3 TEE, 1 LAMP | newark 2 MUG",
		"nearest first:    2 shipments: reno 3 TEE, 1 LAMP | dallas 2 MUG",
		"one shipment:     refused, the best single warehouse lacks LAMP 0 of 1 (ErrInsufficientStock: true)",
		"order 1001 placed: 129.00 USD",
		"shipment from reno   parcelco ground, 9.50 USD: box medium [1 LAMP, 3 TEE] PARC0000000001",
		"shipment from newark parcelco ground, 5.90 USD: box small [2 MUG] PARC0000000002",
		"labels bought: 2 (Process ran twice); order shipped",
		"newark  left: 8 MUG, 1 TEE",
		"reno    left: 2 TEE, 1 LAMP",
		"parcel from reno delivered: order processing, partially_delivered",
		"parcel from newark delivered: order completed, delivered",
	)
}
