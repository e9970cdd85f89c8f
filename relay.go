package oms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"
)

// RelayOptions tunes a Relay. The zero value (or nil) gives the defaults.
type RelayOptions struct {
	// BatchSize is how many pending events one read of the outbox returns.
	// Default 100.
	BatchSize int
	// PollInterval is how long Run waits when the outbox has nothing more
	// to publish. Default one second.
	PollInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait after a pass with publisher
	// or outbox errors (and how long Run leaves a failing aggregate alone
	// while others keep it busy); it doubles on each failed pass in a row,
	// up to MaxBackoff. Defaults 100ms and 30s; a MaxBackoff below
	// MinBackoff is raised to MinBackoff.
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts is how many times the relay tries to publish one event
	// before it gives up on it: the event becomes a dead letter (kept by
	// the outbox for inspection, see Outbox.MarkDead), OnDeadLetter is
	// called, and the event's aggregate moves on to its next event. The
	// count is the outbox's (Outbox.MarkFailed), so it survives restarts;
	// the first publication is attempt 1. Under Run, attempts are spaced by
	// the backoff (see Run); RunOnce and Drain try every failing event once
	// per pass. Zero (the default) retries for ever, which holds the
	// aggregate's later events back as long as the event fails: a
	// publisher outage then delays events but loses none.
	MaxAttempts int
	// OnDeadLetter, when set, is called once the outbox has kept an event
	// as a dead letter after MaxAttempts failed attempts, with the last
	// publisher error: the host alerts someone, or files the event
	// somewhere to replay it. A panic in it is recovered and logged.
	OnDeadLetter func(ctx context.Context, e Event, cause error)
	// Clock times the waits of Run (through its After when it is a Timer,
	// as ManualClock is, so tests drive Run without sleeping). Default the
	// system clock.
	Clock Clock
	// Logger receives publisher errors at warn level and dead letters at
	// error level. Default: no logging.
	Logger *slog.Logger
}

// Relay drains an Outbox to a Publisher: at least once, and in order per
// aggregate (an event is never published before an earlier event of the
// same aggregate, except after that earlier event became a dead letter).
//
// A publisher error (or panic, recovered and reported as an error carrying
// the panic value) for one aggregate holds back that aggregate's later
// events until a retry succeeds; the other aggregates go on, however long
// the failing aggregate's backlog: within one pass the relay reads the
// outbox again leaving out the aggregates that failed. With MaxAttempts
// set, an event that keeps failing becomes a dead letter and its aggregate
// moves on.
//
// Run the relay with Run in production. Tests and examples either drive
// Run with a ManualClock, or call Drain (or RunOnce in a loop) to publish
// what is pending without waiting:
//
//	for {
//		n, err := relay.RunOnce(ctx)
//		if n == 0 {
//			return err // nothing more can be published now
//		}
//	}
//
// Run one Relay per outbox; its methods must not be called concurrently.
type Relay struct {
	outbox Outbox
	pub    Publisher
	opts   RelayOptions
}

// NewRelay returns a relay from outbox to pub; opts may be nil.
func NewRelay(outbox Outbox, pub Publisher, opts *RelayOptions) *Relay {
	var o RelayOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.MaxAttempts < 0 {
		o.MaxAttempts = 0
	}
	if o.Clock == nil {
		o.Clock = SystemClock()
	}
	return &Relay{outbox: outbox, pub: pub, opts: o}
}

// RunOnce makes one pass: it reads a batch of pending events, publishes
// them in order and marks the published ones. When an event fails, the
// later events of its aggregate are held back; if the batch was full,
// RunOnce reads again leaving out the aggregates that failed in this pass,
// and so on, so that the other aggregates' events are reached whatever the
// failing aggregates' backlog. Each failing aggregate costs one publish
// attempt per pass.
//
// It returns how many events it published and, when a publish or an
// outbox call failed, an error joining the failures (the failed events
// stay pending, or become dead letters after MaxAttempts).
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	n, _, _, err := r.pass(ctx, nil)
	return n, err
}

// pass is RunOnce leaving out the aggregates in held (not attempted at
// all). It also returns the aggregates that failed and are held back, and
// whether reading the outbox or marking events published failed.
func (r *Relay) pass(ctx context.Context, held []ID) (published int, failed []ID, outboxFailed bool, _ error) {
	if r.outbox == nil || r.pub == nil {
		return 0, nil, false, Validationf("relay", "outbox", "a relay needs an outbox and a publisher")
	}
	var (
		errs    []error
		blocked map[ID]bool
		skip    = slices.Clone(held)
	)
	for {
		if ctx.Err() != nil {
			if published == 0 && len(errs) == 0 {
				return 0, failed, false, fmt.Errorf("oms: relay: %w", ctx.Err())
			}
			break
		}
		events, err := r.outbox.Pending(ctx, r.opts.BatchSize, skip...)
		if err != nil {
			errs = append(errs, fmt.Errorf("oms: relay: read outbox: %w", err))
			outboxFailed = true
			break
		}
		var done []ID
		newlyBlocked := false
		for _, e := range events {
			if blocked[e.AggregateID] {
				continue // held back behind its failed event
			}
			if ctx.Err() != nil {
				break
			}
			err := r.publish(ctx, e)
			if err == nil {
				done = append(done, e.ID)
				continue
			}
			dead, err := r.failed(ctx, e, err)
			errs = append(errs, err)
			if dead {
				continue // the aggregate moves on
			}
			if blocked == nil {
				blocked = map[ID]bool{}
			}
			blocked[e.AggregateID] = true
			skip = append(skip, e.AggregateID)
			failed = append(failed, e.AggregateID)
			newlyBlocked = true
		}
		if len(done) > 0 {
			// Mark even when ctx is done: the events went out, and marking
			// them spares a duplicate after a restart.
			if err := r.outbox.MarkPublished(context.WithoutCancel(ctx), done...); err != nil {
				errs = append(errs, fmt.Errorf("oms: relay: mark published: %w", err))
				published += len(done)
				outboxFailed = true
				break
			}
			published += len(done)
		}
		// Read on past a full batch in which an aggregate failed: more of
		// its events may fill the next batches, and the next read leaves
		// it out.
		if !newlyBlocked || len(events) < r.opts.BatchSize {
			break
		}
	}
	return published, failed, outboxFailed, errors.Join(errs...)
}

// publish calls the publisher, turning a panic into an error that carries
// the panic value (and wraps it when it is an error).
func (r *Relay) publish(ctx context.Context, e Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if r.opts.Logger != nil {
				r.opts.Logger.Warn("oms relay: publisher panicked", "event", e.ID, "panic", v, "stack", string(debug.Stack()))
			}
			if verr, ok := v.(error); ok {
				err = fmt.Errorf("publisher panicked: %w", verr)
			} else {
				err = fmt.Errorf("publisher panicked: %v", v)
			}
		}
	}()
	return r.pub.Publish(ctx, e)
}

// failed records a failed publication of e and, after MaxAttempts, makes
// it a dead letter. It returns whether e is now a dead letter, and the
// error to report.
func (r *Relay) failed(ctx context.Context, e Event, cause error) (dead bool, err error) {
	perr := fmt.Errorf("oms: relay: publish %s %s: %w", e.Type, e.ID, cause)
	if r.opts.Logger != nil {
		r.opts.Logger.Warn("oms relay: publish failed", "event", e.ID, "type", e.Type, "aggregate", e.AggregateID, "err", cause)
	}
	if ctx.Err() != nil {
		// The relay is stopping: the failure may be the cancellation's,
		// not the event's; it does not count as an attempt.
		return false, perr
	}
	attempts, err := r.outbox.MarkFailed(ctx, e.ID, cause.Error())
	if err != nil {
		return false, errors.Join(perr, fmt.Errorf("oms: relay: record failed attempt of %s: %w", e.ID, err))
	}
	if r.opts.MaxAttempts == 0 || attempts < r.opts.MaxAttempts {
		return false, perr
	}
	reason := fmt.Sprintf("gave up after %d attempts: %v", attempts, cause)
	if err := r.outbox.MarkDead(ctx, e.ID, reason); err != nil {
		return false, errors.Join(perr, fmt.Errorf("oms: relay: dead-letter %s: %w", e.ID, err))
	}
	if r.opts.Logger != nil {
		r.opts.Logger.Error("oms relay: event dead-lettered", "event", e.ID, "type", e.Type, "aggregate", e.AggregateID, "attempts", attempts, "err", cause)
	}
	r.deadLetter(ctx, e, cause)
	return true, fmt.Errorf("oms: relay: publish %s %s: %s: %w", e.Type, e.ID, reason, cause)
}

func (r *Relay) deadLetter(ctx context.Context, e Event, cause error) {
	if r.opts.OnDeadLetter == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil && r.opts.Logger != nil {
			r.opts.Logger.Error("oms relay: OnDeadLetter panicked", "event", e.ID, "panic", v)
		}
	}()
	r.opts.OnDeadLetter(ctx, copyEvent(e), cause)
}

// Drain makes passes until one publishes nothing, or until reading or
// marking the outbox fails (events whose marking failed stay pending, and
// another pass would publish them again), and returns how many events it
// published and the last pass's error (the failures that remain: events
// that could not be published now). It never waits: tests, examples and
// command-line tools call it where a long-running process calls Run.
func (r *Relay) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, _, outboxFailed, err := r.pass(ctx, nil)
		total += n
		if n == 0 || outboxFailed || ctx.Err() != nil {
			return total, err
		}
	}
}

// Run relays until ctx is done, then returns nil. A relay built without an
// outbox or a publisher returns an error matching ErrValidation at once. It waits on the Clock's
// After, so a ManualClock drives it in tests (ManualClock.BlockUntil(1)
// returns once Run is waiting).
//
// After a pass that published a full batch or more (and could read and
// mark the outbox), Run starts the next pass at once; otherwise it waits
// PollInterval. Failures back off: after a
// pass with publisher or outbox errors, Run waits a backoff that doubles
// from MinBackoff to MaxBackoff on each failing pass in a row and resets
// after a pass without errors. While other aggregates keep Run busy with
// full batches, the aggregates that failed are not retried before their
// backoff has passed on the Clock either, so a failing event is tried at
// most once per backoff however heavy the traffic (and MaxAttempts counts
// attempts spaced by the backoff, not passes).
func (r *Relay) Run(ctx context.Context) error {
	if r.outbox == nil || r.pub == nil {
		return Validationf("relay", "outbox", "a relay needs an outbox and a publisher")
	}
	backoff := r.opts.MinBackoff
	var (
		held      []ID      // failing aggregates not retried before heldUntil
		heldUntil time.Time // on the Clock
	)
	for {
		if ctx.Err() != nil {
			return nil
		}
		if len(held) > 0 && !r.opts.Clock.Now().Before(heldUntil) {
			held = nil
		}
		n, failed, outboxFailed, err := r.pass(ctx, held)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return nil
		case n >= r.opts.BatchSize && !outboxFailed:
			// Others' events are waiting: go on at once, holding back the
			// aggregates that failed until their backoff has passed. (Not
			// after an outbox error: a full batch whose marking failed is
			// still pending, and going on at once would publish it again
			// and again in a hot loop; it backs off below.)
			if err == nil && len(held) == 0 {
				backoff = r.opts.MinBackoff
				continue
			}
			if len(failed) > 0 {
				if len(held) == 0 {
					heldUntil = r.opts.Clock.Now().Add(backoff)
					backoff = r.nextBackoff(backoff)
				}
				held = append(held, failed...)
			}
			continue
		case err != nil:
			wait = backoff
			backoff = r.nextBackoff(backoff)
		case len(held) > 0:
			// Nothing else to do: wait until the held aggregates are due
			// (or the poll interval, if sooner).
			wait = min(r.opts.PollInterval, max(heldUntil.Sub(r.opts.Clock.Now()), 0))
		default:
			backoff = r.opts.MinBackoff
			wait = r.opts.PollInterval
		}
		held = nil // after a wait, every aggregate is tried again
		select {
		case <-ctx.Done():
			return nil
		case <-After(r.opts.Clock, wait):
		}
	}
}

// nextBackoff doubles b up to MaxBackoff, without overflowing: a MaxBackoff
// near the largest Duration made the doubled backoff negative, and Run then
// retried a failing publisher in a hot loop.
func (r *Relay) nextBackoff(b time.Duration) time.Duration {
	if b > r.opts.MaxBackoff/2 {
		return r.opts.MaxBackoff
	}
	return 2 * b
}
