package packing

import (
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
)

// pkBoxMM returns a box type with inner sides in mm, 5 mm walls, and
// weights in grams.
func pkBoxMM(name string, l, w, h, empty, max int64) BoxType {
	return BoxType{
		Name:        name,
		Inner:       oms.DimensionsMM(l, w, h),
		Outer:       oms.DimensionsMM(l+10, w+10, h+10),
		EmptyWeight: oms.Grams(empty),
		MaxWeight:   oms.Grams(max),
	}
}

// pkIdentical10k is 10,000 units of one SKU and three box types.
func pkIdentical10k() ([]Item, []BoxType) {
	items := []Item{{ID: "mug", Dimensions: oms.DimensionsMM(120, 95, 95), Weight: oms.Grams(350), Quantity: 10000}}
	boxes := []BoxType{
		pkBoxMM("S", 300, 200, 150, 150, 10000),
		pkBoxMM("M", 400, 300, 300, 300, 20000),
		pkBoxMM("L", 600, 400, 400, 500, 30000),
	}
	return items, boxes
}

// pkMixed returns n units of mixed sizes: n/20 SKUs of 20 units each
// (sizes 20 to 250 mm, weights 20 g to 2 kg, a seeded random draw), and five
// box types.
func pkMixed(n int) ([]Item, []BoxType) {
	r := rand.New(rand.NewPCG(1, 2))
	var items []Item
	for i := 0; i < n/20; i++ {
		d := oms.DimensionsMM(20+r.Int64N(231), 20+r.Int64N(151), 10+r.Int64N(100))
		items = append(items, Item{ID: string(rune('A'+i%26)) + string(rune('a'+i/26)), Dimensions: d, Weight: oms.Grams(20 + r.Int64N(1981)), Quantity: 20})
	}
	boxes := []BoxType{
		pkBoxMM("XS", 200, 150, 100, 80, 5000),
		pkBoxMM("S", 300, 200, 150, 150, 10000),
		pkBoxMM("M", 400, 300, 300, 300, 20000),
		pkBoxMM("L", 600, 400, 400, 500, 30000),
		pkBoxMM("XL", 800, 600, 500, 900, 40000),
	}
	return items, boxes
}

func pkBench(b *testing.B, items []Item, boxes []BoxType) {
	units := int64(0)
	for _, it := range items {
		units += it.Quantity
	}
	p, err := Pack(items, boxes, nil)
	if err != nil {
		b.Fatal(err)
	}
	pkCheck(b, items, boxes, p)
	if !p.Complete() {
		b.Fatalf("unpacked: %+v", p.Unpacked)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := pkCPUTime()
	for b.Loop() {
		if _, err := Pack(items, boxes, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pkCPUTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(int64(b.N)*units)/b.Elapsed().Seconds(), "units/s")
	b.ReportMetric(float64(len(p.Boxes)), "boxes")
}

// BenchmarkPackIdentical10k packs 10,000 identical units into three box
// types.
func BenchmarkPackIdentical10k(b *testing.B) {
	items, boxes := pkIdentical10k()
	pkBench(b, items, boxes)
}

// BenchmarkPackMixed1000 packs 1,000 units of 50 SKUs into five box types.
func BenchmarkPackMixed1000(b *testing.B) {
	items, boxes := pkMixed(1000)
	pkBench(b, items, boxes)
}

// BenchmarkPackBulk10k packs 10,000 identical units (a bulk case of
// TestPackSameAnswerHoweverUnitsAreListed) listed as one line and as one
// line per unit: the same boxes, in about the same time.
func BenchmarkPackBulk10k(b *testing.B) {
	it, boxes := pkBulk(2, 10000)
	b.Run("grouped", func(b *testing.B) { pkBench(b, []Item{it}, boxes) })
	b.Run("per-unit", func(b *testing.B) { pkBench(b, pkPerUnit(it), boxes) })
}
