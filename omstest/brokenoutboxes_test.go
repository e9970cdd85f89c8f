package omstest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/omskit/oms"
	"github.com/omskit/oms/omstest"
)

// Each broken outbox wraps a MemoryOutbox and breaks one promise of the
// oms.Outbox contract the way a naive SQL adapter would.

// passThrough breaks nothing: the suite must pass it.
type passThrough struct{ *oms.MemoryOutbox }

// ignoresSkip leaves out the "aggregate_id <> ALL($2)" condition.
type ignoresSkip struct{ *oms.MemoryOutbox }

func (o ignoresSkip) Pending(ctx context.Context, limit int, _ ...oms.ID) ([]oms.Event, error) {
	return o.MemoryOutbox.Pending(ctx, limit)
}

// ignoresLimit leaves out the LIMIT.
type ignoresLimit struct{ *oms.MemoryOutbox }

func (o ignoresLimit) Pending(ctx context.Context, limit int, skip ...oms.ID) ([]oms.Event, error) {
	if limit <= 0 {
		return o.MemoryOutbox.Pending(ctx, limit, skip...)
	}
	return o.MemoryOutbox.Pending(ctx, math.MaxInt, skip...)
}

// limitBeforeSkip reads a batch and leaves out the skipped aggregates
// afterwards, so a read with skip returns fewer than limit events while
// more are pending.
type limitBeforeSkip struct{ *oms.MemoryOutbox }

func (o limitBeforeSkip) Pending(ctx context.Context, limit int, skip ...oms.ID) ([]oms.Event, error) {
	events, err := o.MemoryOutbox.Pending(ctx, limit)
	return slices.DeleteFunc(events, func(e oms.Event) bool { return slices.Contains(skip, e.AggregateID) }), err
}

// orderedByID orders by the event ID (ORDER BY id) instead of the save
// sequence.
type orderedByID struct{ *oms.MemoryOutbox }

func (o orderedByID) Pending(ctx context.Context, limit int, skip ...oms.ID) ([]oms.Event, error) {
	if limit <= 0 {
		return o.MemoryOutbox.Pending(ctx, limit, skip...)
	}
	all, err := o.MemoryOutbox.Pending(ctx, math.MaxInt, skip...)
	slices.SortStableFunc(all, func(a, b oms.Event) int { return cmp.Compare(a.ID, b.ID) })
	return all[:min(limit, len(all))], err
}

// failedNotCounting sets attempts = 1 instead of attempts = attempts + 1.
type failedNotCounting struct{ *oms.MemoryOutbox }

func (o failedNotCounting) MarkFailed(ctx context.Context, id oms.ID, reason string) (int, error) {
	n, err := o.MemoryOutbox.MarkFailed(ctx, id, reason)
	return min(n, 1), err
}

// lostAttempts reads the attempts, then writes them plus one in another
// statement (SELECT attempts ...; UPDATE ... SET attempts = $2), so that
// concurrent failures of one event overwrite each other.
type lostAttempts struct {
	*oms.MemoryOutbox
	mu       *sync.Mutex
	attempts map[oms.ID]int
}

func (o lostAttempts) MarkFailed(ctx context.Context, id oms.ID, reason string) (int, error) {
	if n, err := o.MemoryOutbox.MarkFailed(ctx, id, reason); n == 0 || err != nil {
		return n, err // not pending
	}
	o.mu.Lock()
	n := o.attempts[id]
	o.mu.Unlock()
	runtime.Gosched() // the round trip between the two statements
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts[id] = n + 1
	return n + 1, nil
}

// textReason stores reasons in a text column, which refuses NUL bytes and
// invalid UTF-8.
type textReason struct{ *oms.MemoryOutbox }

func checkText(reason string) error {
	if !utf8.ValidString(reason) || strings.ContainsRune(reason, 0) {
		return errors.New(`ERROR: invalid byte sequence for encoding "UTF8" (SQLSTATE 22021)`)
	}
	return nil
}

func (o textReason) MarkFailed(ctx context.Context, id oms.ID, reason string) (int, error) {
	if err := checkText(reason); err != nil {
		return 0, err
	}
	return o.MemoryOutbox.MarkFailed(ctx, id, reason)
}

func (o textReason) MarkDead(ctx context.Context, id oms.ID, reason string) error {
	if err := checkText(reason); err != nil {
		return err
	}
	return o.MemoryOutbox.MarkDead(ctx, id, reason)
}

// deadNoop records nothing when an event dies (its UPDATE was forgotten).
type deadNoop struct{ *oms.MemoryOutbox }

func (deadNoop) MarkDead(context.Context, oms.ID, string) error { return nil }

// publishedStillPending never records a publication (the UPDATE ran in a
// transaction that was never committed), so published events come back.
type publishedStillPending struct{ *oms.MemoryOutbox }

func (publishedStillPending) MarkPublished(context.Context, ...oms.ID) error { return nil }

// payloadAltered decodes payloads into Go values and encodes them again:
// numbers pass through float64 and lose digits past 2^53.
type payloadAltered struct{ *oms.MemoryOutbox }

func (o payloadAltered) Pending(ctx context.Context, limit int, skip ...oms.ID) ([]oms.Event, error) {
	events, err := o.MemoryOutbox.Pending(ctx, limit, skip...)
	for i, e := range events {
		var v any
		if len(e.Payload) > 0 && json.Unmarshal(e.Payload, &v) == nil {
			events[i].Payload, _ = json.Marshal(v)
		}
	}
	return events, err
}

// wrap returns the harness of outboxes that wrap a fresh MemoryOutbox.
func wrap(w func(*oms.MemoryOutbox) oms.Outbox) omstest.OutboxHarness {
	return omstest.HarnessFunc(func(context.Context, *testing.T) (oms.Outbox, omstest.Appender) {
		m := oms.NewMemoryOutbox(nil)
		return w(m), omstest.MemoryAppender(m)
	})
}

// brokenOutboxes are the outboxes TestOutbox must fail, with a part of
// the failure message it must give.
var brokenOutboxes = map[string]struct {
	wrap func(*oms.MemoryOutbox) oms.Outbox
	want string
}{
	"ignores_skip":        {func(m *oms.MemoryOutbox) oms.Outbox { return ignoresSkip{m} }, "ignored skip or limit"},
	"ignores_limit":       {func(m *oms.MemoryOutbox) oms.Outbox { return ignoresLimit{m} }, "ignored its limit"},
	"limit_before_skip":   {func(m *oms.MemoryOutbox) oms.Outbox { return limitBeforeSkip{m} }, "ignored skip or limit"},
	"ordered_by_id":       {func(m *oms.MemoryOutbox) oms.Outbox { return orderedByID{m} }, "in the order saved"},
	"failed_not_counting": {func(m *oms.MemoryOutbox) oms.Outbox { return failedNotCounting{m} }, "want 2 attempts"},
	"lost_attempts": {func(m *oms.MemoryOutbox) oms.Outbox {
		return lostAttempts{m, &sync.Mutex{}, map[oms.ID]int{}}
	}, "an attempt was lost"},
	"text_reason":             {func(m *oms.MemoryOutbox) oms.Outbox { return textReason{m} }, "MarkFailed with reason"},
	"dead_noop":               {func(m *oms.MemoryOutbox) oms.Outbox { return deadNoop{m} }, "a dead letter leaves Pending"},
	"published_still_pending": {func(m *oms.MemoryOutbox) oms.Outbox { return publishedStillPending{m} }, "published events are not pending"},
	"payload_altered":         {func(m *oms.MemoryOutbox) oms.Outbox { return payloadAltered{m} }, "differ from the events saved"},
}

func TestMemoryOutboxPasses(t *testing.T) {
	omstest.TestOutbox(t, omstest.MemoryHarness(nil))
}

func TestPassThroughOutboxPasses(t *testing.T) {
	omstest.TestOutbox(t, wrap(func(m *oms.MemoryOutbox) oms.Outbox { return passThrough{m} }))
}

// TestOutboxCatchesBrokenOutboxes runs the conformance suite against each
// broken outbox in a child process (a failing suite fails its test) and
// checks that it fails, saying why.
func TestOutboxCatchesBrokenOutboxes(t *testing.T) {
	if name := os.Getenv("OMSTEST_BROKEN_OUTBOX"); name != "" {
		omstest.TestOutbox(t, wrap(brokenOutboxes[name].wrap))
		return
	}
	for name, bo := range brokenOutboxes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxCatchesBrokenOutboxes$", "-test.count=1")
			cmd.Env = append(os.Environ(), "OMSTEST_BROKEN_OUTBOX="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the conformance suite passed a broken outbox:\n%s", out)
			}
			if !strings.Contains(string(out), bo.want) {
				t.Errorf("the failure does not say %q:\n%s", bo.want, out)
			}
		})
	}
}
