package oms_test

import (
	"testing"
	"time"

	"github.com/omskit/oms"
)

// TestNewIDAtOfAFrozenClockStaysIncreasing: a manual clock held at one
// instant (a test's, or a clock that stands still) makes IDs with
// NewIDAt while other milliseconds come and go (NewID's wall clock ticking
// on, other clocks). The generator forgot the millisecond with the oldest
// time once it remembered 1024, however recently it was used, so the
// frozen clock's next ID started again from random entropy and sorted
// before the ones made just before it (TestNewIDAtSameMillisecond failed
// under go test -count=2 this way). It now forgets the millisecond used
// least recently.
func TestNewIDAtOfAFrozenClockStaysIncreasing(t *testing.T) {
	frozen := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	later := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var prev oms.ID
	for i := 0; i < 5000; i++ {
		id := oms.NewIDAt(frozen)
		if id <= prev {
			t.Fatalf("step %d: NewIDAt of the frozen instant gave %s after %s", i, id, prev)
		}
		prev = id
		oms.NewIDAt(later.Add(time.Duration(i) * time.Millisecond))
	}
}
