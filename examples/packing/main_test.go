package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/omskit/oms/examples/internal/outputtest"
)

// TestPacking runs the example and checks the lines that tell its story:
// the boxes chosen, the rules kept (the lamp upright, the books flat, the
// vase alone, the rug as is), the surfboard refused as too large, the
// checker's verdict, the parcels' billable weights, and the cost objective
// choosing two small boxes over one medium box because the medium box is
// billed for its air.
func TestPacking(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	outputtest.Lines(t, out.String(),
		"3 parcels, 113.0 litres outside, weights spread 1702 g (std dev)",
		"parcel 1: box L 420×320×320 mm, 5400g gross, 54% full: 1 LAMP-BRASS, 3 BOOK-ATLAS, 4 MUG-BLUE",
		"LAMP-BRASS at x   0 y   0 z   0 mm, turned lwh to 200×200×300 mm",
		"BOOK-ATLAS at x 200 y   0 z  80 mm, turned wlh to 170×240×40 mm",
		"parcel 2: box L 420×320×320 mm, 1300g gross, 17% full: 1 VASE-GLASS",
		"parcel 3: rug ships as is, 1200×150×150 mm, 4000g",
		"not packed: 1 surfboard: too_large (ship it by freight)",
		"checker: the packing is sound",
		"L    420×320×320 mm  actual 5400g   dimensional 9000g   billed 9000g",
		"rug  1200×150×150 mm actual 4000g   dimensional 5500g   billed 5500g",
		"six mugs, each parcel priced at its box + 0.50 + 2.40 per billed kg:",
		"fewest boxes: 1 parcels, 11.00 USD: box M with 6 MUG-BLUE, 2350g gross: 11.00 USD",
		"lowest cost:  2 parcels, 10.60 USD: box S with 4 MUG-BLUE, 1550g gross: 5.90 USD; box S with 2 MUG-BLUE, 850g gross: 4.70 USD",
	)
}
