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

// allow reports whether a call may go ahead at now, and marks a half-open
// trial in flight.
func (b *breaker) allow(now time.Time, coolDown time.Duration) bool {
	switch b.state(now, coolDown) {
	case BreakerClosed:
		return true
	case BreakerHalfOpen:
		if b.trial {
			return false
		}
		b.trial = true
		return true
	default:
		return false
	}
}

// record notes the outcome of an allowed call: failed says it counts as a
// failure, neutral that it counts as neither (the caller's deadline ran
// out).
func (b *breaker) record(now time.Time, failed, neutral bool, threshold int) {
	wasTrial := b.trial
	b.trial = false
	switch {
	case neutral:
	case !failed:
		b.open, b.failures = false, 0
	case wasTrial || b.open:
		b.openedAt = now
	default:
		b.failures++
		if b.failures >= threshold {
			b.open, b.openedAt, b.failures = true, now, 0
		}
	}
}
