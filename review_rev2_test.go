package oms_test

// Hostile-input review (rev2) of package oms through its public API: every
// test here failed before the fix named in its comment.

import (
	"math"
	"testing"

	"github.com/omskit/oms"
)

// TestDateAddDaysOfAHugeCountNeverGoesBackwards: AddDays added n to the
// day of the month inside time.AddDate, which wraps an int: 9999-12-31
// plus math.MaxInt days was 9999-12-30, a day before it, and plus
// math.MinInt days the same day. A count beyond ±2^30 days (2.9
// million years, past every valid date) now counts as ±2^30, so adding
// more days never gives an earlier day.
func TestDateAddDaysOfAHugeCountNeverGoesBackwards(t *testing.T) {
	for _, d := range []oms.Date{oms.NewDate(0, 1, 1), oms.NewDate(2026, 3, 1), oms.NewDate(9999, 12, 31)} {
		prev := d.AddDays(math.MinInt)
		if !prev.Before(d) {
			t.Errorf("%v.AddDays(math.MinInt) = %v, not before it", d, prev)
		}
		for _, n := range []int{math.MinInt + 1, -1 << 30, -3652424, -1, 0, 1, 3652424, 1 << 30, math.MaxInt - 1, math.MaxInt} {
			got := d.AddDays(n)
			if got.Before(prev) {
				t.Errorf("%v.AddDays(%d) = %v, before the result %v of a smaller count", d, n, got, prev)
			}
			if n > 0 && !got.After(d) || n < 0 && !got.Before(d) || n == 0 && got != d {
				t.Errorf("%v.AddDays(%d) = %v, on the wrong side of it", d, n, got)
			}
			prev = got
		}
	}
	if got := oms.NewDate(2026, 3, 1).AddDays(30); got != oms.NewDate(2026, 3, 31) {
		t.Errorf("2026-03-01 + 30 days = %v", got)
	}
}
