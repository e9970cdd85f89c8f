package packing

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/omskit/oms"
)

// pkOrder is an order of the BoxPacker corpus.
type pkOrder struct {
	id    string
	items []Item
	// BoxPacker's box counts, gross weight variances (g²) and volume
	// utilisations (%) with keep-flat (2D) and free (3D) rotation.
	want2D, want3D int
	var2D, var3D   float64
	util2D, util3D float64
}

func pkReadCSV(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "boxpacker", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

func pkAtoi(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func pkAtof(t testing.TB, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pkCorpus loads the BoxPacker corpus: its box types and its orders in file
// order. CSV lengths are mm (width, length, depth), weights g.
func pkCorpus(t testing.TB) ([]BoxType, []pkOrder) {
	t.Helper()
	var boxes []BoxType
	for _, r := range pkReadCSV(t, "boxes.csv") {
		n := func(i int) int64 { return pkAtoi(t, r[i]) }
		boxes = append(boxes, BoxType{
			Name:        r[0],
			Outer:       oms.DimensionsMM(n(2), n(1), n(3)),
			EmptyWeight: oms.Grams(n(4)),
			Inner:       oms.DimensionsMM(n(6), n(5), n(7)),
			MaxWeight:   oms.Grams(n(8)),
		})
	}
	var orders []pkOrder
	index := map[string]int{}
	for _, r := range pkReadCSV(t, "items.csv") {
		n := func(i int) int64 { return pkAtoi(t, r[i]) }
		i, ok := index[r[0]]
		if !ok {
			i = len(orders)
			index[r[0]] = i
			orders = append(orders, pkOrder{id: r[0]})
		}
		orders[i].items = append(orders[i].items, Item{
			ID:         r[2],
			Quantity:   n(1),
			Dimensions: oms.DimensionsMM(n(4), n(3), n(5)),
			Weight:     oms.Grams(n(6)),
		})
	}
	for _, r := range pkReadCSV(t, "expected.csv") {
		i, ok := index[r[0]]
		if !ok {
			t.Fatalf("expected.csv: unknown order %s", r[0])
		}
		o := &orders[i]
		o.want2D, o.want3D = int(pkAtoi(t, r[1])), int(pkAtoi(t, r[4]))
		o.var2D, o.util2D = pkAtof(t, r[2]), pkAtof(t, r[3])
		o.var3D, o.util3D = pkAtof(t, r[5]), pkAtof(t, r[6])
	}
	return boxes, orders
}

// pkWithRotation returns a copy of items with rotation r.
func pkWithRotation(items []Item, r Rotation) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		it.Rotation = r
		out[i] = it
	}
	return out
}

// pkPrintf prints a line of the corpus totals to standard output rather
// than the test log, so that it shows without -v when go test runs in the
// package's directory. (Run on a package list, as in "go test ./...", go
// test prints nothing but the summary of a passing package, -v aside.)
func pkPrintf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// TestPackCorpus packs every order of BoxPacker's corpus with free rotation
// (3D) and keep-flat rotation (2D, RotationUpright: the item's depth stays
// vertical) and holds the box counts against BoxPacker's, order by order.
func TestPackCorpus(t *testing.T) {
	boxes, orders := pkCorpus(t)
	if len(orders) != 4288 {
		t.Fatalf("%d orders, want 4288", len(orders))
	}
	for _, mode := range []struct {
		name string
		rot  Rotation
		want func(pkOrder) (boxes int, variance, util float64)
	}{
		{"3D", RotationAny, func(o pkOrder) (int, float64, float64) { return o.want3D, o.var3D, o.util3D }},
		{"2D", RotationUpright, func(o pkOrder) (int, float64, float64) { return o.want2D, o.var2D, o.util2D }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			ours, theirs, worse, better := 0, 0, 0, 0
			var util, theirUtil, vars, theirVars, ourVol, theirVol float64
			same := 0
			for _, o := range orders {
				items := pkWithRotation(o.items, mode.rot)
				p := pkMustPack(t, items, boxes, nil)
				if !p.Complete() {
					t.Errorf("order %s: unpacked %+v", o.id, p.Unpacked)
				}
				want, wantVar, wantUtil := mode.want(o)
				ours += len(p.Boxes)
				theirs += want
				// Utilisation as BoxPacker reports it: item volume over
				// the boxes' inner volume, averaged over orders.
				var iv, bv float64
				for _, b := range p.Boxes {
					in := boxes[b.Type].Inner
					bv += float64(in.Length) * float64(in.Width) * float64(in.Height)
					iv += b.Utilisation * float64(in.Length) * float64(in.Width) * float64(in.Height)
				}
				util += 100 * iv / bv
				theirUtil += wantUtil
				ourVol += bv
				if wantUtil > 0 {
					theirVol += 100 * iv / wantUtil // its boxes' volume, from its utilisation
				}
				if len(p.Boxes) == want && want > 1 {
					same++
					vars += p.WeightVariance()
					theirVars += wantVar
				}
				switch {
				case len(p.Boxes) > want:
					worse++
					t.Errorf("order %s: %d boxes, BoxPacker %d", o.id, len(p.Boxes), want)
				case len(p.Boxes) < want:
					better++
				}
			}
			n := float64(len(orders))
			pkPrintf("%s: %d boxes, BoxPacker %d; %d orders with fewer boxes than BoxPacker, %d with more", mode.name, ours, theirs, better, worse)
			pkPrintf("%s: mean volume utilisation %.1f%%, BoxPacker %.1f%%; mean weight variance %.0f g², BoxPacker %.0f g² (over the %d orders where both use the same number of boxes, two or more)",
				mode.name, util/n, theirUtil/n, vars/float64(max(same, 1)), theirVars/float64(max(same, 1)), same)
			pkPrintf("%s: inner volume of the boxes %.2f m³, BoxPacker about %.2f m³ (worked out from its utilisation)", mode.name, ourVol/1e18, theirVol/1e18)
			if ours > theirs {
				t.Errorf("%s: %d boxes in total, BoxPacker %d", mode.name, ours, theirs)
			}
		})
	}
}

// BenchmarkPackCorpus packs every order of the corpus, with free rotation
// (3D) and with keep-flat rotation (2D).
func BenchmarkPackCorpus(b *testing.B) {
	boxes, orders := pkCorpus(b)
	for _, mode := range []struct {
		name string
		rot  Rotation
	}{{"3D", RotationAny}, {"2D", RotationUpright}} {
		items := make([][]Item, len(orders))
		for i, o := range orders {
			items[i] = pkWithRotation(o.items, mode.rot)
		}
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := pkCPUTime()
			for b.Loop() {
				for _, it := range items {
					if _, err := Pack(it, boxes, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(pkCPUTime()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(b.N*len(orders))/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
