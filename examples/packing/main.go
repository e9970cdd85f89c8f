// Command packing chooses boxes for an order and places every unit in them
// in 3D: mugs any way up, books lying flat, a lamp standing upright with
// nothing on top, a vase in a box of its own, a rolled rug shipped in its own
// wrapping and a surfboard no box can take. It prints where each unit sits,
// proves the packing with the checker, and turns the boxes into parcels with
// their billable weights. Then it packs six mugs for the fewest boxes and for
// the lowest shipping bill (the cost objective), which are not the same.
//
//	go run ./examples/packing
package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "packing:", err)
		os.Exit(1)
	}
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// The order's lines, as a packing station sees them.
var items = []packing.Item{
	{ID: "mug", SKU: "MUG-BLUE", Quantity: 4, Dimensions: oms.DimensionsMM(120, 90, 100), Weight: oms.Grams(350)},
	{ID: "book", SKU: "BOOK-ATLAS", Quantity: 3, Dimensions: oms.DimensionsMM(240, 170, 40), Weight: oms.Grams(600),
		Rotation: packing.RotationFlat},
	{ID: "lamp", SKU: "LAMP-BRASS", Quantity: 1, Dimensions: oms.DimensionsMM(200, 200, 300), Weight: oms.Grams(1800),
		Rotation: packing.RotationUpright, NoStack: true},
	{ID: "vase", SKU: "VASE-GLASS", Quantity: 1, Dimensions: oms.DimensionsMM(150, 150, 300), Weight: oms.Grams(900),
		Rotation: packing.RotationUpright, ShipsAlone: true},
	{ID: "rug", SKU: "RUG-ROLLED", Quantity: 1, Dimensions: oms.DimensionsMM(1200, 150, 150), Weight: oms.Grams(4000),
		ShipsAsIs: true},
	{ID: "surfboard", SKU: "SURF-7FT", Quantity: 1, Dimensions: oms.DimensionsMM(2130, 560, 70), Weight: oms.Grams(5500)},
}

// The box types on the packing bench.
var boxes = []packing.BoxType{
	{Name: "S", Inner: oms.DimensionsMM(260, 210, 110), Outer: oms.DimensionsMM(270, 220, 120), EmptyWeight: oms.Grams(150), MaxWeight: oms.Kilograms(10), Cost: usd("0.60")},
	{Name: "M", Inner: oms.DimensionsMM(310, 260, 210), Outer: oms.DimensionsMM(320, 270, 220), EmptyWeight: oms.Grams(250), MaxWeight: oms.Kilograms(20), Cost: usd("0.90")},
	{Name: "L", Inner: oms.DimensionsMM(410, 310, 310), Outer: oms.DimensionsMM(420, 320, 320), EmptyWeight: oms.Grams(400), MaxWeight: oms.Kilograms(30), Cost: usd("1.40")},
	{Name: "XL", Inner: oms.DimensionsMM(510, 410, 410), Outer: oms.DimensionsMM(520, 420, 420), EmptyWeight: oms.Grams(650), MaxWeight: oms.Kilograms(30), Cost: usd("2.10")},
}

// ground is the carrier's dimensional-weight rule: 5000 cm³ count as a
// kilogram, billed in half kilograms.
var ground = oms.DimFactor{Divisor: 5000}

func run(ctx context.Context, w io.Writer) error {
	res, err := packing.PackContext(ctx, items, boxes, nil)
	if err != nil {
		return err // a *oms.ValidationError listing every bad item or box
	}
	fmt.Fprintf(w, "%d parcels, %.1f litres outside, weights spread %.0f g (std dev)\n",
		len(res.Boxes), res.TotalVolume().Litres(), math.Sqrt(res.WeightVariance()))
	for i, b := range res.Boxes {
		switch {
		case b.AsIs:
			fmt.Fprintf(w, "\nparcel %d: %s ships as is, %s, %s\n", i+1, b.Name, mm(b.Outer), b.GrossWeight)
			continue
		default:
			fmt.Fprintf(w, "\nparcel %d: box %s %s, %s gross, %.0f%% full: %s\n",
				i+1, b.Name, mm(b.Outer), b.GrossWeight, 100*b.Utilisation, contents(b))
		}
		for _, u := range b.Items {
			fmt.Fprintf(w, "  %-10s at x %3.0f y %3.0f z %3.0f mm, turned %s to %s\n", u.SKU,
				u.Position.X.Millimetres(), u.Position.Y.Millimetres(), u.Position.Z.Millimetres(), u.Orientation, mm(u.Placed))
		}
	}
	for _, u := range res.Unpacked {
		fmt.Fprintf(w, "\nnot packed: %d %s: %s (ship it by freight)\n", u.Quantity, u.ID, u.Reason)
	}

	// The checker verifies a packing against its input: every unit inside
	// its box, no overlaps, nothing floating, rules and weights kept, every
	// unit placed once or listed as unpacked. A packing station can trust a
	// packing that passes it, wherever it came from.
	if err := packing.Check(items, boxes, res); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nchecker: the packing is sound")

	// The boxes become the parcels of a rate request; carriers bill the
	// larger of the actual and the dimensional weight.
	fmt.Fprintln(w, "\nparcels for rate shopping (5000 cm³/kg, billed per 0.5 kg):")
	for _, p := range shipping.PackedParcels(res) {
		dim, err := oms.DimWeight(p.Dimensions, ground)
		if err != nil {
			return err
		}
		bill, err := p.BillableWeight(ground)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-4s %-15s actual %-7s dimensional %-7s billed %s\n", p.Preset, mm(p.Dimensions), p.Weight, dim, bill)
	}
	return byCost(ctx, w)
}

// byCost packs six mugs twice: for the fewest boxes, and for the lowest
// bill, where a parcel costs its box plus the carrier's price for its
// billable weight. Big boxes are billed for the air in them, so the cheapest
// packing can use more, smaller boxes.
func byCost(ctx context.Context, w io.Writer) error {
	// The carrier charges 0.50 a parcel and 2.40 a billed kilogram (billed
	// in half kilograms, the larger of actual and dimensional weight).
	rate := func(billable oms.Weight) (oms.Money, error) {
		kg := decimal.New(int64(billable/oms.Gram), -3)
		return usd("0.50").Add(usd("2.40").MulRate(kg).Round())
	}
	cost := packing.ParcelCost(ground, rate)
	mugs := []packing.Item{{ID: "mug", SKU: "MUG-BLUE", Quantity: 6, Dimensions: oms.DimensionsMM(120, 90, 100), Weight: oms.Grams(350)}}
	fmt.Fprintln(w, "\nsix mugs, each parcel priced at its box + 0.50 + 2.40 per billed kg:")
	for _, o := range []struct {
		name      string
		objective packing.Objective
	}{{"fewest boxes", packing.ObjectiveBoxes}, {"lowest cost", packing.ObjectiveCost}} {
		res, err := packing.PackContext(ctx, mugs, boxes, &packing.Options{Objective: o.objective, Cost: cost})
		if err != nil {
			return err
		}
		if err := packing.Check(mugs, boxes, res); err != nil {
			return err
		}
		var parts []string
		for _, b := range res.Boxes {
			parts = append(parts, fmt.Sprintf("box %s with %s, %s gross: %s", b.Name, contents(b), b.GrossWeight, b.Cost))
		}
		fmt.Fprintf(w, "  %-13s %d parcels, %s: %s\n", o.name+":", len(res.Boxes), res.Cost, strings.Join(parts, "; "))
	}
	return nil
}

// contents lists a box's units per SKU, in the order they were placed.
func contents(b packing.PackedBox) string {
	var order []oms.SKU
	n := map[oms.SKU]int{}
	for _, u := range b.Items {
		if n[u.SKU] == 0 {
			order = append(order, u.SKU)
		}
		n[u.SKU]++
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", n[s], s)
	}
	return strings.Join(parts, ", ")
}

// mm prints dimensions in whole millimetres.
func mm(d oms.Dimensions) string {
	return fmt.Sprintf("%.0f×%.0f×%.0f mm", d.Length.Millimetres(), d.Width.Millimetres(), d.Height.Millimetres())
}
