package shipping

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestBreakerModel drives a breaker with random seeded sequences of calls
// (succeeding, failing or neutral) and clock moves, and checks it after
// every step against a simple reference model of the documented rules.
func TestBreakerModel(t *testing.T) {
	const coolDown = 30 * time.Second
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		threshold := 1 + rng.IntN(4)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		b := &breaker{}
		// The reference model.
		open, fails, openedAt := false, 0, time.Time{}
		for step := range 300 {
			if rng.IntN(4) == 0 {
				now = now.Add(time.Duration(rng.IntN(40)) * time.Second)
			}
			wantState := BreakerClosed
			if open {
				wantState = BreakerOpen
				if now.Sub(openedAt) >= coolDown {
					wantState = BreakerHalfOpen
				}
			}
			if got := b.state(now, coolDown); got != wantState || !got.Valid() {
				t.Fatalf("seed %d step %d: state %s, want %s", seed, step, got, wantState)
			}
			allowed, trial := b.allow(now, coolDown)
			if allowed != (wantState != BreakerOpen) || trial != (wantState == BreakerHalfOpen) {
				t.Fatalf("seed %d step %d: allow = %v, trial %v in state %s", seed, step, allowed, trial, wantState)
			}
			if !allowed {
				continue
			}
			if again, _ := b.allow(now, coolDown); wantState == BreakerHalfOpen && again {
				t.Fatalf("seed %d step %d: a second trial was allowed while one is in flight", seed, step)
			}
			outcome := rng.IntN(3) // 0 success, 1 failure, 2 neutral
			b.record(now, outcome == 1, outcome == 2, trial, threshold)
			switch {
			case outcome == 2:
			case outcome == 0:
				open, fails = false, 0
			case open: // a failed trial opens it again
				openedAt = now
			default:
				fails++
				if fails >= threshold {
					open, openedAt, fails = true, now, 0
				}
			}
		}
	}
}
