package packing

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPackConcurrentCallsAgree packs corpus orders from several goroutines
// at once, with and without a per-box limit (bins released by one packing
// are reused by the next, whatever goroutine runs it, with counts sized for
// its kinds), and expects every result to equal the one packed alone.
func TestPackConcurrentCallsAgree(t *testing.T) {
	boxes, orders := pkCorpus(t)
	n := 240
	if pkRace {
		n = 60
	}
	var cases [][]Item
	for i, o := range orders[:n] {
		items := pkWithRotation(o.items, RotationAny)
		if i%3 == 1 {
			items[0].MaxPerBox = 2
		}
		cases = append(cases, items)
	}
	want := make([]Result, len(cases))
	for i, items := range cases {
		want[i] = pkMustPack(t, items, boxes, nil)
	}
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan string, workers*len(cases))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range cases {
				i := (j*7 + w*13) % len(cases)
				got, err := Pack(cases[i], boxes, nil)
				if err != nil {
					errs <- err.Error()
					continue
				}
				if d := cmp.Diff(want[i], got); d != "" {
					errs <- orders[i].id + ": " + d
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
