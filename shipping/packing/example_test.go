package packing_test

import (
	"fmt"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// Pack a small order: two books, a mug that must stay upright and an
// upright vase that ships in a box of its own.
func ExamplePack() {
	items := []packing.Item{
		{ID: "book", Dimensions: oms.DimensionsMM(240, 170, 30), Weight: oms.Grams(600), Quantity: 2},
		{ID: "mug", Dimensions: oms.DimensionsMM(120, 90, 100), Weight: oms.Grams(350), Quantity: 1, Rotation: packing.RotationUpright},
		{ID: "vase", Dimensions: oms.DimensionsMM(150, 150, 280), Weight: oms.Grams(900), Quantity: 1, Rotation: packing.RotationUpright, ShipsAlone: true},
	}
	boxes := []packing.BoxType{
		{Name: "small", Inner: oms.DimensionsMM(250, 180, 100), Outer: oms.DimensionsMM(260, 190, 110), EmptyWeight: oms.Grams(120), MaxWeight: oms.Kilograms(10)},
		{Name: "medium", Inner: oms.DimensionsMM(300, 250, 200), Outer: oms.DimensionsMM(310, 260, 210), EmptyWeight: oms.Grams(200), MaxWeight: oms.Kilograms(20)},
		{Name: "tall", Inner: oms.DimensionsMM(160, 160, 300), Outer: oms.DimensionsMM(170, 170, 310), EmptyWeight: oms.Grams(180), MaxWeight: oms.Kilograms(10)},
	}
	p, err := packing.Pack(items, boxes, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range p.Boxes {
		fmt.Printf("%s box, %s gross, %.0f%% full:\n", b.Name, b.GrossWeight, 100*b.Utilisation)
		for _, it := range b.Items {
			fmt.Printf("  %-4s at (%s, %s, %s) as %s\n", it.ID, it.Position.X, it.Position.Y, it.Position.Z, it.Placed)
		}
	}
	fmt.Println("unpacked:", len(p.Unpacked))
	// Output:
	// medium box, 1750g gross, 24% full:
	//   book at (0mm, 0mm, 0mm) as 240mmx170mmx30mm
	//   book at (0mm, 0mm, 30mm) as 240mmx170mmx30mm
	//   mug  at (0mm, 0mm, 60mm) as 90mmx120mmx100mm
	// tall box, 1080g gross, 82% full:
	//   vase at (0mm, 0mm, 0mm) as 150mmx150mmx280mm
	// unpacked: 0
}

// Choose boxes by what they cost to ship: with dimensional weight at 5000
// cm³/kg, two drums ship cheaper in two small boxes than in the one large
// box that holds both.
func ExampleParcelCost() {
	items := []packing.Item{{ID: "drum", Dimensions: oms.DimensionsMM(290, 190, 190), Weight: oms.Kilograms(1), Quantity: 2}}
	boxes := []packing.BoxType{
		{Name: "small", Inner: oms.DimensionsMM(300, 200, 200), Outer: oms.DimensionsMM(310, 210, 210), EmptyWeight: oms.Grams(200)},
		{Name: "large", Inner: oms.DimensionsMM(600, 400, 400), Outer: oms.DimensionsMM(610, 410, 410), EmptyWeight: oms.Grams(800)},
	}
	// 5.00 EUR a parcel plus 0.50 EUR a started half kilogram.
	rate := func(w oms.Weight) (oms.Money, error) {
		return oms.MustParseMoney("5.00 EUR").Add(oms.MustParseMoney("0.50 EUR").Mul(int64((w + 499*oms.Gram) / (500 * oms.Gram))))
	}
	cost := packing.ParcelCost(oms.DimFactorMetric5000, rate)
	for _, o := range []packing.Objective{packing.ObjectiveBoxes, packing.ObjectiveCost} {
		p, err := packing.Pack(items, boxes, &packing.Options{Objective: o, Cost: cost})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %d boxes (fewest %d), %s:", o, len(p.Boxes), p.MinBoxes, p.Cost)
		for _, b := range p.Boxes {
			fmt.Printf(" %s %s", b.Name, b.Cost)
		}
		fmt.Println()
	}
	// Output:
	// boxes: 1 boxes (fewest 1), 26.00 EUR: large 26.00 EUR
	// cost: 2 boxes (fewest 1), 16.00 EUR: small 8.00 EUR small 8.00 EUR
}
