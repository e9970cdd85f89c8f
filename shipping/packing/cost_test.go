package packing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
)

// pkHalfKgRate prices a parcel at base plus perHalfKg for each half
// kilogram of billable weight (which DimFactorMetric5000 rounds up to
// half kilograms).
func pkHalfKgRate(base, perHalfKg string) RateFunc {
	b, p := oms.MustParseMoney(base), oms.MustParseMoney(perHalfKg)
	return func(w oms.Weight) (oms.Money, error) {
		return b.Add(p.Mul(int64(w / (500 * oms.Gram))))
	}
}

// TestPackCostTwoSmallBoxesBeatOneLarge checks choices worked out by hand.
// Two drums (290x190x190 mm, 1 kg) fit one large box (outer 610x410x410 mm:
// 102,541 cm³, 21 kg billable at 5000 cm³/kg) or two small ones (outer
// 310x210x210 mm: 13,671 cm³, 3 kg billable each).
func TestPackCostTwoSmallBoxesBeatOneLarge(t *testing.T) {
	items := []Item{{ID: "drum", Dimensions: oms.DimensionsMM(290, 190, 190), Weight: oms.Kilograms(1), Quantity: 2}}
	boxes := []BoxType{
		{Name: "small", Inner: oms.DimensionsMM(300, 200, 200), Outer: oms.DimensionsMM(310, 210, 210), EmptyWeight: oms.Grams(200)},
		{Name: "large", Inner: oms.DimensionsMM(600, 400, 400), Outer: oms.DimensionsMM(610, 410, 410), EmptyWeight: oms.Grams(800)},
	}
	for _, tc := range []struct {
		name      string
		rate      RateFunc
		objective Objective
		want      []string
		cost      string
		minBoxes  int
	}{
		// 5 + 0.50 x 42 half-kg = 26.00 for the large box; 5 + 0.50 x 6
		// = 8.00 for each small one.
		{"dimensional weight: two small boxes", pkHalfKgRate("5.00 EUR", "0.50 EUR"), ObjectiveCost, []string{"small", "small"}, "16.00 EUR", 1},
		{"dimensional weight, box count first: one large", pkHalfKgRate("5.00 EUR", "0.50 EUR"), ObjectiveBoxes, []string{"large"}, "26.00 EUR", 1},
		// 40 + 0.05 x 42 = 42.10 for the large box; 2 x (40 + 0.05 x 6)
		// = 80.60 for two small ones.
		{"high fee per parcel: one large box", pkHalfKgRate("40.00 EUR", "0.05 EUR"), ObjectiveCost, []string{"large"}, "42.10 EUR", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pkMustPack(t, items, boxes, &Options{Objective: tc.objective, Cost: ParcelCost(oms.DimFactorMetric5000, tc.rate)})
			if diff := cmp.Diff(tc.want, pkSummarise(p).Boxes); diff != "" {
				t.Errorf("boxes (-want +got):\n%s", diff)
			}
			if !p.Cost.Equal(oms.MustParseMoney(tc.cost)) || p.MinBoxes != tc.minBoxes {
				t.Errorf("cost %s, min boxes %d; want %s, %d", p.Cost, p.MinBoxes, tc.cost, tc.minBoxes)
			}
			var sum oms.Money
			for i, b := range p.Boxes {
				if i == 0 {
					sum = b.Cost
				} else {
					sum, _ = sum.Add(b.Cost)
				}
			}
			if !sum.Equal(p.Cost) {
				t.Errorf("box costs add up to %s, result says %s", sum, p.Cost)
			}
		})
	}
}

// TestPackCostNeverDearerThanBoxCount packs seeded random orders under both
// objectives with the same cost function: the cost objective never costs
// more, and sometimes less.
func TestPackCostNeverDearerThanBoxCount(t *testing.T) {
	cases := 120
	if testing.Short() || pkRace {
		cases = 30
	}
	boxes := []BoxType{
		pkBoxMM("XS", 200, 150, 100, 80, 5000),
		pkBoxMM("S", 300, 200, 150, 150, 10000),
		pkBoxMM("M", 400, 300, 300, 300, 20000),
		pkBoxMM("L", 600, 400, 400, 500, 30000),
	}
	for i, c := range []string{"0.30 EUR", "0.45 EUR", "0.80 EUR", "1.50 EUR"} {
		boxes[i].Cost = oms.MustParseMoney(c)
	}
	costs := map[string]CostFunc{
		"dimensional": ParcelCost(oms.DimFactorMetric5000, pkHalfKgRate("4.00 EUR", "0.60 EUR")),
		"per parcel":  ParcelCost(oms.DimFactorMetric5000, pkHalfKgRate("12.00 EUR", "0.10 EUR")),
	}
	cheaper := 0
	for seed := range uint64(cases) {
		r := rand.New(rand.NewPCG(seed, 5))
		var items []Item
		for j := range 1 + r.IntN(5) {
			items = append(items, Item{
				ID:         fmt.Sprintf("i%d", j),
				Dimensions: oms.DimensionsMM(30+r.Int64N(250), 30+r.Int64N(200), 20+r.Int64N(150)),
				Weight:     oms.Grams(50 + r.Int64N(3000)),
				Quantity:   1 + r.Int64N(4),
			})
		}
		for name, cost := range costs {
			byBoxes := pkMustPack(t, items, boxes, &Options{Cost: cost})
			byCost := pkMustPack(t, items, boxes, &Options{Objective: ObjectiveCost, Cost: cost})
			c, err := byCost.Cost.Cmp(byBoxes.Cost)
			if err != nil {
				t.Fatal(err)
			}
			if c > 0 {
				t.Errorf("seed %d, %s: cost objective %s, box-count objective %s", seed, name, byCost.Cost, byBoxes.Cost)
			}
			if c < 0 {
				cheaper++
			}
			if byCost.MinBoxes != len(byBoxes.Boxes) || len(byCost.Boxes) < byCost.MinBoxes {
				t.Errorf("seed %d, %s: min boxes %d with %d boxes, box-count packing %d", seed, name, byCost.MinBoxes, len(byCost.Boxes), len(byBoxes.Boxes))
			}
		}
	}
	if cheaper == 0 {
		t.Errorf("the cost objective was never cheaper in %d packings", 2*cases)
	}
	t.Logf("cost objective cheaper in %d of %d packings", cheaper, 2*cases)
}

func TestPackCostOptions(t *testing.T) {
	items := []Item{pkItemMM("a", 100, 100, 100, 500, 3)}
	boxes := []BoxType{pkBoxMM("S", 300, 200, 150, 150, 10000), pkBoxMM("M", 400, 300, 300, 300, 20000)}
	t.Run("cost objective without a cost function", func(t *testing.T) {
		_, err := Pack(items, boxes, &Options{Objective: ObjectiveCost})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("err = %v, want ErrValidation", err)
		}
	})
	t.Run("unknown objective", func(t *testing.T) {
		_, err := Pack(items, boxes, &Options{Objective: "cheapest"})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("err = %v, want ErrValidation", err)
		}
	})
	boom := errors.New("rate table unavailable")
	for name, cost := range map[string]CostFunc{
		"cost function fails": func(BoxType, PackedBox) (oms.Money, error) { return oms.Money{}, boom },
		"two currencies": func(b BoxType, _ PackedBox) (oms.Money, error) {
			if b.Name == "S" {
				return oms.MustParseMoney("1.00 EUR"), nil
			}
			return oms.MustParseMoney("1.00 USD"), nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Pack(items, boxes, &Options{Objective: ObjectiveCost, Cost: cost})
			if err == nil {
				t.Errorf("no error, packing %+v", p)
			}
			if name == "cost function fails" && !errors.Is(err, boom) {
				t.Errorf("err = %v, want it to wrap the cost function's error", err)
			}
		})
	}
	t.Run("box cost is added", func(t *testing.T) {
		b := []BoxType{pkBoxMM("S", 300, 200, 150, 150, 10000)}
		b[0].Cost = oms.MustParseMoney("0.75 EUR")
		p := pkMustPack(t, items, b, &Options{Cost: ParcelCost(oms.DimFactorMetric5000, pkHalfKgRate("5.00 EUR", "0.50 EUR"))})
		// Outer 310x210x160 mm: 10,416 cm³, 2.0832 kg: 2.5 kg billable
		// (gross 1.65 kg): 5 + 0.50 x 5 + 0.75.
		if !p.Cost.Equal(oms.MustParseMoney("8.25 EUR")) {
			t.Errorf("cost %s, want 8.25 EUR", p.Cost)
		}
	})
}
