package shipping

import "time"

// BreakerState is the state of a carrier's circuit breaker in a
// RateShopper.
//
//	          failures in a row >= threshold
//	closed ──────────────────────────────────▶ open
//	  ▲                                        │  │
//	  │ trial call succeeds      cool-down over│  ▲ trial call fails
//	  │                                        ▼  │
//	  └──────────────────────────────────── half_open
//
// A closed breaker lets every call through; an open one skips the carrier
// (reported as StatusSkipped) until the cool-down has passed on the
// shopper's clock; a half-open one lets one trial call through at a time.
type BreakerState string

// Breaker states.
const (
	BreakerClosed   BreakerState = "closed"
	BreakerOpen     BreakerState = "open"
	BreakerHalfOpen BreakerState = "half_open"
)

// Valid reports whether s is one of the defined states.
func (s BreakerState) Valid() bool {
	switch s {
	case BreakerClosed, BreakerOpen, BreakerHalfOpen:
		return true
	}
	return false
}

// breaker is one carrier's circuit breaker. The shopper guards it with its
// mutex.
type breaker struct {
	failures int       // consecutive failures while closed
	openedAt time.Time // when it last opened
	open     bool
	trial    bool // a half-open trial call is in flight
}

// state returns the breaker's state at now.
func (b *breaker) state(now time.Time, coolDown time.Duration) BreakerState {
	switch {
	case !b.open:
		return BreakerClosed
	case now.Sub(b.openedAt) >= coolDown:
		return BreakerHalfOpen
	default:
		return BreakerOpen
	}
}

// allow reports whether a call may go ahead at now, and whether it is the
// half-open trial (which it marks in flight).
func (b *breaker) allow(now time.Time, coolDown time.Duration) (ok, trial bool) {
	switch b.state(now, coolDown) {
	case BreakerClosed:
		return true, false
	case BreakerHalfOpen:
		if b.trial {
			return false, false
		}
		b.trial = true
		return true, true
	default:
		return false, false
	}
}

// record notes the outcome of an allowed call: failed says it counts as a
// failure, neutral that it counts as neither (the caller's deadline ran
// out), trial that it was the half-open trial. Only the trial's own
// outcome frees the trial slot: a call let through while the breaker was
// still closed may end while the trial is out, and must not let a second
// trial through.
func (b *breaker) record(now time.Time, failed, neutral, trial bool, threshold int) {
	if trial {
		b.trial = false
	}
	switch {
	case neutral:
	case !failed:
		b.open, b.failures = false, 0
	case b.open:
		b.openedAt = now // a failed trial (or older call) opens it again
	default:
		b.failures++
		if b.failures >= threshold {
			b.open, b.openedAt, b.failures = true, now, 0
		}
	}
}
