package oms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// RelayOptions tunes a Relay. The zero value (or nil) gives the defaults.
type RelayOptions struct {
	// BatchSize is how many pending events one pass reads. Default 100.
	BatchSize int
	// PollInterval is how long Run waits when the outbox is empty.
	// Default one second.
	PollInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait after a publisher error; it
	// doubles on each failed pass in a row. Defaults 100ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// Clock times the waits; a ManualClock lets tests drive them. Default
	// the system clock.
	Clock Clock
	// Logger receives publisher errors at warn level. Default: no logging.
	Logger *slog.Logger
}

// Relay drains an Outbox to a Publisher: at least once, and in order per
// aggregate (an event is never published before an earlier event of the
// same aggregate). A publisher error for one aggregate holds back that
// aggregate's later events until a retry succeeds; other aggregates go on.
// Run one Relay per outbox; its methods must not be called concurrently.
type Relay struct {
	outbox Outbox
	pub    Publisher
	opts   RelayOptions
}

// NewRelay returns a relay from outbox to pub.
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
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = 30 * time.Second
		if o.MaxBackoff < o.MinBackoff {
			o.MaxBackoff = o.MinBackoff
		}
	}
	if o.Clock == nil {
		o.Clock = SystemClock()
	}
	return &Relay{outbox: outbox, pub: pub, opts: o}
}

// maxWindowBatches bounds how far past one batch RunOnce looks for events
// of other aggregates when a batch is full of events held back behind a
// failure.
const maxWindowBatches = 16

// RunOnce reads one batch of pending events, publishes them in order and
// marks the published ones. It returns how many it published and, when any
// publish failed, an error joining the failures (the failed events stay
// pending). Events of an aggregate after one of its failures are left for
// the next pass. When a full batch held such events back, RunOnce reads a
// window twice as large, and so on up to 16 batches, so that one failing
// aggregate with a long backlog does not hold back the others.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	var (
		done    []ID
		errs    []error
		blocked map[ID]bool
		tried   map[ID]bool
	)
	for limit := r.opts.BatchSize; ; limit *= 2 {
		events, err := r.outbox.Pending(ctx, limit)
		if err != nil {
			if tried == nil {
				return 0, fmt.Errorf("oms: relay: read outbox: %w", err)
			}
			errs = append(errs, fmt.Errorf("oms: relay: read outbox: %w", err))
			break
		}
		if tried == nil {
			tried = make(map[ID]bool, len(events))
		}
		heldBack := false
		for _, e := range events {
			if tried[e.ID] {
				continue
			}
			tried[e.ID] = true
			if blocked[e.AggregateID] {
				heldBack = true
				continue
			}
			if err := ctx.Err(); err != nil {
				break
			}
			if err := r.pub.Publish(ctx, e); err != nil {
				if blocked == nil {
					blocked = map[ID]bool{}
				}
				blocked[e.AggregateID] = true
				errs = append(errs, fmt.Errorf("oms: relay: publish %s %s: %w", e.Type, e.ID, err))
				if r.opts.Logger != nil {
					r.opts.Logger.Warn("oms relay: publish failed", "event", e.ID, "type", e.Type, "aggregate", e.AggregateID, "err", err)
				}
				continue
			}
			done = append(done, e.ID)
		}
		if !heldBack || len(events) < limit || limit >= maxWindowBatches*r.opts.BatchSize || ctx.Err() != nil {
			break
		}
	}
	if len(done) > 0 {
		// Mark even when ctx is done: the events went out, and marking them
		// spares a duplicate after a restart.
		if err := r.outbox.MarkPublished(context.WithoutCancel(ctx), done...); err != nil {
			errs = append(errs, fmt.Errorf("oms: relay: mark published: %w", err))
		}
	}
	return len(done), errors.Join(errs...)
}

// Run relays until ctx is done, then returns nil. It drains full batches
// back to back, waits PollInterval when the outbox is empty, and backs off
// exponentially after a pass with publisher or outbox errors.
func (r *Relay) Run(ctx context.Context) error {
	backoff := r.opts.MinBackoff
	for {
		if ctx.Err() != nil {
			return nil
		}
		n, err := r.RunOnce(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			wait = backoff
			// Double without overflowing: a MaxBackoff near the largest
			// Duration made the doubled backoff negative, and Run then
			// retried a failing publisher in a hot loop.
			if backoff > r.opts.MaxBackoff/2 {
				backoff = r.opts.MaxBackoff
			} else {
				backoff *= 2
			}
		case n >= r.opts.BatchSize:
			backoff = r.opts.MinBackoff
			continue
		default:
			backoff = r.opts.MinBackoff
			wait = r.opts.PollInterval
		}
		select {
		case <-ctx.Done():
			return nil
		case <-After(r.opts.Clock, wait):
		}
	}
}
