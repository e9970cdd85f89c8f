// Package omstest holds the conformance suite of oms.Outbox: TestOutbox,
// which every Outbox implementation (the in-memory oms.MemoryOutbox, a
// table in the host's database) runs against itself through an
// OutboxHarness, in the style of go-cloud's drivertest packages.
//
// The model the suite checks is the outbox's row lifecycle. A store saves
// events as pending, in order, inside the write that changes their
// aggregate; a Relay reads them back oldest first and settles each:
//
//	      Append (in a store's write)
//	                │
//	                ▼
//	          ┌─────────┐ ◄──┐
//	          │ pending │    │ MarkFailed (attempts + 1)
//	          └─────────┘ ───┘
//	MarkPublished │    │ MarkDead
//	              ▼    ▼
//	    ┌───────────┐ ┌──────┐
//	    │ published │ │ dead │
//	    └───────────┘ └──────┘
//
// Only pending events are returned by Pending; MarkFailed counts attempts
// of pending events only (0 for any other); MarkPublished and MarkDead
// ignore IDs they cannot apply to. The suite checks, on a fresh outbox per
// subtest: order of Pending (save order, not ID order), limit and skip
// (the limit counts the events left after skipping), refusal of a limit
// that is not positive (oms.ErrValidation, nothing changed), the round
// trip of every Event field (time compared as an instant at microsecond
// precision, payload compared as a JSON value, as a JSONB column
// normalises it), MarkPublished, MarkFailed and MarkDead with known,
// unknown, published and dead IDs, reasons that are any bytes (a
// publisher's error may hold NUL or invalid UTF-8), a backlog of 1,300 events drained a
// batch at a time against a model, per-aggregate order under concurrent
// appends, concurrent marks of the same events (no lost attempt), and a
// Relay over the outbox publishing every event once through a publisher
// that fails sometimes, with and without a dead letter.
//
// A database outbox passes a harness that makes an empty outbox table and
// appends the way its stores do:
//
//	omstest.TestOutbox(t, omstest.HarnessFunc(func(ctx context.Context, t *testing.T) (oms.Outbox, omstest.Appender) {
//		db := newDatabaseOnEmptySchema(t)
//		return db.Outbox(), db.Outbox().Append
//	}))
//
// The suite's own tests run it against broken outboxes (skip ignored,
// limit ignored, limit applied before skip, ID order instead of save
// order, MarkFailed not counting, attempts lost by a read-then-write
// MarkFailed, reasons refused by a text column, MarkDead a no-op, published events still pending, payload
// altered) and require each to fail.
package omstest

import (
	"context"
	"testing"

	"github.com/omskit/oms"
)

// Appender saves events in an outbox as one store write does: all of them
// or none, in the order given, after every event saved before. It must be
// safe for concurrent use (the suite appends from many goroutines).
type Appender func(ctx context.Context, events ...oms.Event) error

// OutboxHarness is what TestOutbox needs from the Outbox under test: fresh
// outboxes, and a way to save events in them (Append is not part of
// oms.Outbox: stores append inside their own writes).
type OutboxHarness interface {
	// MakeOutbox returns a new, empty outbox and the Appender that saves
	// events in it. The suite calls it once per subtest.
	MakeOutbox(ctx context.Context, t *testing.T) (oms.Outbox, Appender)
}

// HarnessFunc adapts a function to OutboxHarness.
type HarnessFunc func(ctx context.Context, t *testing.T) (oms.Outbox, Appender)

// MakeOutbox calls f.
func (f HarnessFunc) MakeOutbox(ctx context.Context, t *testing.T) (oms.Outbox, Appender) {
	return f(ctx, t)
}

// MemoryHarness is the harness of oms.MemoryOutbox: each outbox is
// NewMemoryOutbox(opts) (opts may be nil), appended to with its Append.
func MemoryHarness(opts *oms.MemoryOutboxOptions) OutboxHarness {
	return HarnessFunc(func(context.Context, *testing.T) (oms.Outbox, Appender) {
		o := oms.NewMemoryOutbox(opts)
		return o, MemoryAppender(o)
	})
}

// MemoryAppender returns the Appender of a MemoryOutbox (for harnesses of
// outboxes that wrap one).
func MemoryAppender(o *oms.MemoryOutbox) Appender {
	return func(ctx context.Context, events ...oms.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		o.Append(events...)
		return nil
	}
}
