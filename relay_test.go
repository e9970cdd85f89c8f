package oms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// eventID names the test event of an aggregate's version.
func eventID(agg ID, version int64) ID { return ID(fmt.Sprintf("%s/v%d", agg, version)) }

func testEvent(agg ID, version int64) Event {
	return Event{
		ID: eventID(agg, version), Type: "thing.changed", AggregateKind: "thing", AggregateID: agg,
		AggregateVersion: version, Time: t0, Payload: json.RawMessage(fmt.Sprintf(`{"v":%d}`, version)),
	}
}

// interleavedEvents returns versions from+1..from+perAgg of each aggregate,
// interleaved at random as concurrent writers would save them (each
// aggregate's versions in order).
func interleavedEvents(r *rand.Rand, aggs []ID, from, perAgg int) []Event {
	next := map[ID]int{}
	var live []ID
	for _, a := range aggs {
		next[a] = from + 1
		live = append(live, a)
	}
	var out []Event
	for len(live) > 0 {
		i := r.IntN(len(live))
		a := live[i]
		out = append(out, testEvent(a, int64(next[a])))
		next[a]++
		if next[a] > from+perAgg {
			live = append(live[:i], live[i+1:]...)
		}
	}
	return out
}

func aggIDs(n int) []ID {
	out := make([]ID, n)
	for i := range out {
		out[i] = ID(fmt.Sprintf("agg-%02d", i))
	}
	return out
}

var errPublish = errors.New("publisher down")

// fakePublisher records what it is asked to publish and fails on demand. It
// checks, on every call, that every earlier version of the event's
// aggregate has already been published.
type fakePublisher struct {
	mu         sync.Mutex
	rng        *rand.Rand // fails at random when set
	failRate   float64
	failAgg    map[ID]bool // aggregates that always fail
	afterOK    func(n int) // called with the count of successes so far
	calls      int
	published  []Event // successful publishes, duplicates included
	ok         map[ID]bool
	violations []string
}

func (p *fakePublisher) Publish(ctx context.Context, e Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.ok == nil {
		p.ok = map[ID]bool{}
	}
	for v := int64(1); v < e.AggregateVersion; v++ {
		if !p.ok[eventID(e.AggregateID, v)] {
			p.violations = append(p.violations, fmt.Sprintf("%s attempted before %s was published", e.ID, eventID(e.AggregateID, v)))
		}
	}
	if p.failAgg[e.AggregateID] || (p.rng != nil && p.rng.Float64() < p.failRate) {
		return errPublish
	}
	p.ok[e.ID] = true
	p.published = append(p.published, e)
	if p.afterOK != nil {
		p.afterOK(len(p.published))
	}
	return nil
}

func (p *fakePublisher) snapshot() (published []Event, violations []string, calls int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.published...), append([]string(nil), p.violations...), p.calls
}

// checkDelivery checks that every event of all was published at least once,
// that each aggregate's first publications came in version order, and that
// no event was attempted before the earlier ones of its aggregate were
// published. It returns the number of duplicate publications.
func checkDelivery(t *testing.T, all []Event, p *fakePublisher) int {
	t.Helper()
	published, violations, _ := p.snapshot()
	for _, v := range violations {
		t.Error(v)
	}
	first := map[ID]bool{}
	order := map[ID][]int64{}
	for _, e := range published {
		if first[e.ID] {
			continue
		}
		first[e.ID] = true
		order[e.AggregateID] = append(order[e.AggregateID], e.AggregateVersion)
	}
	want := map[ID][]int64{}
	for _, e := range all {
		if !first[e.ID] {
			t.Errorf("event %s was never published", e.ID)
		}
		want[e.AggregateID] = append(want[e.AggregateID], e.AggregateVersion)
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("first publications per aggregate (-want +got):\n%s", diff)
	}
	return len(published) - len(first)
}

// recordingClock is a ManualClock that records the waits asked of it.
type recordingClock struct {
	*ManualClock
	mu    sync.Mutex
	waits []time.Duration
}

func (c *recordingClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return c.ManualClock.After(d)
}

func (c *recordingClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// relayRun is a Relay.Run in a goroutine, driven by a ManualClock.
type relayRun struct {
	t      *testing.T
	clock  *ManualClock
	step   time.Duration // advance per wait: at least every wait the relay asks for
	cancel context.CancelFunc
	errc   chan error
}

func startRelay(t *testing.T, r *Relay, c *ManualClock, step time.Duration) *relayRun {
	ctx, cancel := context.WithCancel(context.Background())
	return startRelayCtx(t, ctx, cancel, r, c, step)
}

func startRelayCtx(t *testing.T, ctx context.Context, cancel context.CancelFunc, r *Relay, c *ManualClock, step time.Duration) *relayRun {
	run := &relayRun{t: t, clock: c, step: step, cancel: cancel, errc: make(chan error, 1)}
	go func() { run.errc <- r.Run(ctx) }()
	return run
}

// drive waits for the relay to park on the clock, calls parked (which
// returns true to stop driving with the relay parked), advances the clock,
// and repeats. It returns true if Run returned on its own (its error is
// then checked to be nil).
func (run *relayRun) drive(parked func(round int) bool) (returned bool) {
	run.t.Helper()
	for round := 0; round < 100_000; round++ {
		waiting := make(chan struct{})
		go func() { run.clock.BlockUntil(1); close(waiting) }()
		select {
		case err := <-run.errc:
			if err != nil {
				run.t.Errorf("Run returned %v, want nil", err)
			}
			run.clock.After(run.step) // release the watcher
			<-waiting
			run.clock.Advance(run.step)
			return true
		case <-waiting:
		}
		if parked(round) {
			return false
		}
		run.clock.Advance(run.step)
	}
	run.t.Fatal("relay still running after 100000 waits")
	return false
}

// stop cancels the relay, checks that Run returns nil, and clears the wait
// it leaves on the clock.
func (run *relayRun) stop() {
	run.t.Helper()
	run.cancel()
	select {
	case err := <-run.errc:
		if err != nil {
			run.t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(30 * time.Second):
		run.t.Fatal("Run did not return after cancel")
	}
	run.clock.Advance(run.step)
	if n := run.clock.Waiters(); n != 0 {
		run.t.Fatalf("%d waiters left on the clock", n)
	}
}

func TestMemoryOutbox(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	a1, a2, b1, a3 := testEvent("a", 1), testEvent("a", 2), testEvent("b", 1), testEvent("a", 3)
	o.Append(a1, a2, a1) // a duplicate in the same call
	o.Append(b1, a2)     // and in a later call
	o.Append()
	o.Append(a3)
	ids := func(es []Event) []ID {
		var out []ID
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	if diff := cmp.Diff([]ID{"a/v1", "a/v2", "b/v1", "a/v3"}, ids(o.Events(""))); diff != "" {
		t.Errorf("Events(\"\") (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ID{"a/v1", "a/v2", "a/v3"}, ids(o.Events("a"))); diff != "" {
		t.Errorf("Events(a) (-want +got):\n%s", diff)
	}
	if got := o.Events("none"); got != nil {
		t.Errorf("Events(none) = %v", got)
	}
	if got := o.PendingCount(); got != 4 {
		t.Errorf("PendingCount = %d, want 4", got)
	}

	pending := func(limit int) []ID {
		t.Helper()
		es, err := o.Pending(ctx, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ids(es)
	}
	if diff := cmp.Diff([]ID{"a/v1", "a/v2"}, pending(2)); diff != "" {
		t.Errorf("Pending(2) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ID{"a/v1", "a/v2", "b/v1", "a/v3"}, pending(10)); diff != "" {
		t.Errorf("Pending(10) (-want +got):\n%s", diff)
	}
	// Marking out of order leaves the others pending in order.
	if err := o.MarkPublished(ctx, "b/v1", "unknown", "b/v1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ID{"a/v1", "a/v2", "a/v3"}, pending(10)); diff != "" {
		t.Errorf("Pending after marking b/v1 (-want +got):\n%s", diff)
	}
	if err := o.MarkPublished(ctx, "a/v1", "a/v2"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ID{"a/v3"}, pending(10)); diff != "" {
		t.Errorf("Pending after marking a/v1, a/v2 (-want +got):\n%s", diff)
	}
	if got := o.PendingCount(); got != 1 {
		t.Errorf("PendingCount = %d, want 1", got)
	}
	// Published events stay in the history; a replayed Append adds nothing.
	o.Append(a1)
	if got := len(o.Events("")); got != 4 {
		t.Errorf("Events after replay: %d, want 4", got)
	}
	_ = o.MarkPublished(ctx, "a/v3")
	if got := pending(10); got != nil {
		t.Errorf("Pending with nothing left = %v", got)
	}
	if got := o.PendingCount(); got != 0 {
		t.Errorf("PendingCount = %d, want 0", got)
	}

	// Bad limits and cancelled contexts.
	for _, limit := range []int{0, -1} {
		if _, err := o.Pending(ctx, limit); !errors.Is(err, ErrValidation) {
			t.Errorf("Pending(%d) error = %v", limit, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := o.Pending(cancelled, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Pending(cancelled) error = %v", err)
	}
	if err := o.MarkPublished(cancelled, "a/v1"); !errors.Is(err, context.Canceled) {
		t.Errorf("MarkPublished(cancelled) error = %v", err)
	}
}

func TestMemoryOutboxCopies(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	e := testEvent("a", 1)
	o.Append(e) // Append takes ownership of e.Payload
	got, _ := o.Pending(ctx, 1)
	if string(got[0].Payload) != `{"v":1}` {
		t.Fatalf("Pending payload = %s", got[0].Payload)
	}
	got[0].Payload[1] = 'Y'
	if h := o.Events("a"); string(h[0].Payload) != `{"v":1}` {
		t.Fatalf("Pending returned the stored payload: %s", h[0].Payload)
	}
	h := o.Events("")
	h[0].Payload[1] = 'Z'
	if again, _ := o.Pending(ctx, 1); string(again[0].Payload) != `{"v":1}` {
		t.Fatalf("Events returned the stored payload: %s", again[0].Payload)
	}
	// Events without payload stay without.
	o.Append(Event{ID: "bare", AggregateID: "b"})
	if h := o.Events("b"); h[0].Payload != nil {
		t.Errorf("payload of a bare event = %q", h[0].Payload)
	}
}

func TestMemoryOutboxZeroValue(t *testing.T) {
	var o MemoryOutbox
	ctx := context.Background()
	if err := o.MarkPublished(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if es, err := o.Pending(ctx, 5); err != nil || es != nil {
		t.Fatalf("Pending on empty outbox = %v, %v", es, err)
	}
	o.Append(testEvent("a", 1))
	if err := o.MarkPublished(ctx, "a/v1"); err != nil || o.PendingCount() != 0 {
		t.Fatalf("zero outbox: %v, pending %d", err, o.PendingCount())
	}
}

// TestMemoryOutboxConcurrent appends, reads and marks from many goroutines;
// run it with -race.
func TestMemoryOutboxConcurrent(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			agg := ID(fmt.Sprintf("agg-%d", w))
			for v := int64(1); v <= 200; v++ {
				o.Append(testEvent(agg, v))
				if es, err := o.Pending(ctx, 3); err == nil && len(es) > 0 {
					_ = o.MarkPublished(ctx, es[0].ID)
				}
				_ = o.PendingCount()
				_ = o.Events(agg)
			}
		}()
	}
	wg.Wait()
	if got := len(o.Events("")); got != 1600 {
		t.Errorf("Events = %d, want 1600", got)
	}
	for a := 0; a < 8; a++ {
		h := o.Events(ID(fmt.Sprintf("agg-%d", a)))
		for i, e := range h {
			if e.AggregateVersion != int64(i+1) {
				t.Fatalf("aggregate %d: event %d has version %d", a, i, e.AggregateVersion)
			}
		}
	}
}

func TestNewRelayDefaults(t *testing.T) {
	o := NewMemoryOutbox(nil)
	p := PublisherFunc(func(context.Context, Event) error { return nil })
	c := NewManualClock(t0)
	tests := []struct {
		name string
		in   *RelayOptions
		want RelayOptions
	}{
		{"nil", nil, RelayOptions{BatchSize: 100, PollInterval: time.Second, MinBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second}},
		{"set", &RelayOptions{BatchSize: 5, PollInterval: time.Minute, MinBackoff: time.Second, MaxBackoff: 10 * time.Second, Clock: c},
			RelayOptions{BatchSize: 5, PollInterval: time.Minute, MinBackoff: time.Second, MaxBackoff: 10 * time.Second, Clock: c}},
		{"max below min", &RelayOptions{MinBackoff: time.Second, MaxBackoff: time.Millisecond},
			RelayOptions{BatchSize: 100, PollInterval: time.Second, MinBackoff: time.Second, MaxBackoff: time.Second}},
		{"negative", &RelayOptions{BatchSize: -1, PollInterval: -1, MinBackoff: -1, MaxBackoff: -1, MaxAttempts: -1},
			RelayOptions{BatchSize: 100, PollInterval: time.Second, MinBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second}},
		{"min above default max", &RelayOptions{MinBackoff: time.Minute},
			RelayOptions{BatchSize: 100, PollInterval: time.Second, MinBackoff: time.Minute, MaxBackoff: time.Minute}},
	}
	for _, tc := range tests {
		r := NewRelay(o, p, tc.in)
		got := r.opts
		if tc.want.Clock == nil {
			if _, ok := got.Clock.(systemClock); !ok {
				t.Errorf("%s: default clock is %T, want the system clock", tc.name, got.Clock)
			}
			got.Clock = nil
		}
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b Clock) bool { return a == b })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestRelayRunOnce(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	all := interleavedEvents(rand.New(rand.NewPCG(1, 1)), aggIDs(3), 0, 3)
	o.Append(all...)
	p := &fakePublisher{}
	r := NewRelay(o, p, nil)
	n, err := r.RunOnce(ctx)
	if n != 9 || err != nil {
		t.Fatalf("RunOnce = %d, %v; want 9, nil", n, err)
	}
	published, _, _ := p.snapshot()
	if diff := cmp.Diff(all, published); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
	if o.PendingCount() != 0 {
		t.Errorf("PendingCount = %d after RunOnce", o.PendingCount())
	}
	if n, err := r.RunOnce(ctx); n != 0 || err != nil {
		t.Errorf("second RunOnce = %d, %v; want 0, nil", n, err)
	}
	if _, _, calls := p.snapshot(); calls != 9 {
		t.Errorf("publisher called %d times, want 9", calls)
	}
}

func TestRelayRunOnceBatches(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	all := interleavedEvents(rand.New(rand.NewPCG(2, 2)), aggIDs(2), 0, 5)
	o.Append(all...)
	p := &fakePublisher{}
	r := NewRelay(o, p, &RelayOptions{BatchSize: 4})
	for _, want := range []int{4, 4, 2, 0} {
		if n, err := r.RunOnce(ctx); n != want || err != nil {
			t.Fatalf("RunOnce = %d, %v; want %d, nil", n, err, want)
		}
	}
	if dups := checkDelivery(t, all, p); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
}

func TestRelayRunOnceFailingAggregate(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	aggs := aggIDs(3)
	all := interleavedEvents(rand.New(rand.NewPCG(3, 3)), aggs, 0, 4)
	o.Append(all...)
	var logs bytes.Buffer
	p := &fakePublisher{failAgg: map[ID]bool{aggs[1]: true}}
	r := NewRelay(o, p, &RelayOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	n, err := r.RunOnce(ctx)
	if n != 8 || !errors.Is(err, errPublish) {
		t.Fatalf("RunOnce = %d, %v; want 8 and the publisher's error", n, err)
	}
	if !strings.HasPrefix(err.Error(), "oms: relay: publish thing.changed "+string(eventID(aggs[1], 1))+": publisher down") {
		t.Errorf("error = %q", err)
	}
	// Only the first event of the failing aggregate was tried.
	if _, _, calls := p.snapshot(); calls != 9 {
		t.Errorf("publisher called %d times, want 9", calls)
	}
	if got := o.PendingCount(); got != 4 {
		t.Errorf("PendingCount = %d, want the failing aggregate's 4", got)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "publish failed") || !strings.Contains(logs.String(), string(aggs[1])) {
		t.Errorf("log = %q", logs.String())
	}
	// The aggregate recovers: its events go out in order.
	p.mu.Lock()
	p.failAgg = nil
	p.mu.Unlock()
	if n, err := r.RunOnce(ctx); n != 4 || err != nil {
		t.Fatalf("RunOnce after recovery = %d, %v", n, err)
	}
	if dups := checkDelivery(t, all, p); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
}

// TestRelayRunOnceLongBacklog checks that a failing aggregate whose held-back
// events fill whole batches does not hide the events of other aggregates
// behind them, however many batches they fill.
func TestRelayRunOnceLongBacklog(t *testing.T) {
	ctx := context.Background()
	for _, backlog := range []int{1, 2, 3, 10, 46, 47, 48, 1000} {
		o := NewMemoryOutbox(nil)
		for v := 1; v <= backlog; v++ {
			o.Append(testEvent("stuck", int64(v)))
		}
		o.Append(testEvent("other", 1), testEvent("third", 1))
		p := &fakePublisher{failAgg: map[ID]bool{"stuck": true}}
		r := NewRelay(o, p, &RelayOptions{BatchSize: 3})
		n, err := r.RunOnce(ctx)
		if !errors.Is(err, errPublish) {
			t.Errorf("backlog %d: RunOnce error = %v", backlog, err)
		}
		if _, _, calls := p.snapshot(); calls != 1+n {
			t.Errorf("backlog %d: publisher called %d times, want %d", backlog, calls, 1+n)
		}
		if n != 2 {
			t.Errorf("backlog %d: RunOnce published %d, want 2", backlog, n)
		}
	}
}

// flakyOutbox is a MemoryOutbox whose reads and marks fail on demand.
type flakyOutbox struct {
	*MemoryOutbox
	mu          sync.Mutex
	rng         *rand.Rand
	markFail    float64
	pendingErrs int // fail this many Pending calls
	pendingFrom int // after this many successful ones
	reads       int
}

func (o *flakyOutbox) Pending(ctx context.Context, limit int, skip ...ID) ([]Event, error) {
	o.mu.Lock()
	o.reads++
	fail := o.reads > o.pendingFrom && o.pendingErrs > 0
	if fail {
		o.pendingErrs--
	}
	o.mu.Unlock()
	if fail {
		return nil, ErrUnavailable
	}
	return o.MemoryOutbox.Pending(ctx, limit, skip...)
}

func (o *flakyOutbox) MarkPublished(ctx context.Context, ids ...ID) error {
	o.mu.Lock()
	fail := o.rng != nil && o.rng.Float64() < o.markFail
	o.mu.Unlock()
	if fail {
		return ErrUnavailable
	}
	return o.MemoryOutbox.MarkPublished(ctx, ids...)
}

func TestRelayRunOnceOutboxErrors(t *testing.T) {
	ctx := context.Background()
	o := &flakyOutbox{MemoryOutbox: NewMemoryOutbox(nil), pendingErrs: 1}
	o.Append(testEvent("a", 1))
	p := &fakePublisher{}
	r := NewRelay(o, p, nil)
	if n, err := r.RunOnce(ctx); n != 0 || !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), "oms: relay: read outbox: ") {
		t.Errorf("RunOnce with a failing read = %d, %v", n, err)
	}
	o.rng, o.markFail = rand.New(rand.NewPCG(1, 2)), 1
	if n, err := r.RunOnce(ctx); n != 1 || !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), "oms: relay: mark published: ") {
		t.Errorf("RunOnce with a failing mark = %d, %v", n, err)
	}
	// Not marked: published again on the next pass (at least once).
	o.markFail = 0
	if n, err := r.RunOnce(ctx); n != 1 || err != nil {
		t.Errorf("RunOnce after recovery = %d, %v", n, err)
	}
	if published, _, _ := p.snapshot(); len(published) != 2 || o.PendingCount() != 0 {
		t.Errorf("published %d times, pending %d", len(published), o.PendingCount())
	}

	// A read failing while looking past a batch keeps what was published.
	o2 := &flakyOutbox{MemoryOutbox: NewMemoryOutbox(nil), pendingErrs: 1, pendingFrom: 1}
	o2.Append(testEvent("stuck", 1), testEvent("stuck", 2), testEvent("other", 1))
	p2 := &fakePublisher{failAgg: map[ID]bool{"stuck": true}}
	if n, err := NewRelay(o2, p2, &RelayOptions{BatchSize: 2}).RunOnce(ctx); n != 0 || !errors.Is(err, ErrUnavailable) || !errors.Is(err, errPublish) {
		t.Errorf("RunOnce with a failing second read = %d, %v", n, err)
	}
}

func TestRelayRunOnceCancelledMidBatch(t *testing.T) {
	o := NewMemoryOutbox(nil)
	all := interleavedEvents(rand.New(rand.NewPCG(4, 4)), aggIDs(2), 0, 5)
	o.Append(all...)
	ctx, cancel := context.WithCancel(context.Background())
	p := &fakePublisher{afterOK: func(n int) {
		if n == 3 {
			cancel()
		}
	}}
	n, err := NewRelay(o, p, nil).RunOnce(ctx)
	if n != 3 || err != nil {
		t.Fatalf("RunOnce = %d, %v; want 3, nil", n, err)
	}
	// What went out is marked even though ctx was cancelled.
	if got := o.PendingCount(); got != 7 {
		t.Errorf("PendingCount = %d, want 7", got)
	}
	if _, err := NewRelay(o, p, nil).RunOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("RunOnce with a cancelled ctx: %v", err)
	}
}

// TestRelayRunIntermittent runs the relay against a publisher that fails at
// random (seeded), stops it twice (once while it waits, once in the middle
// of a pass), starts new relays on the same outbox, and checks that every
// event was published at least once, in order per aggregate, with no
// duplicates (the memory outbox always records what was published).
func TestRelayRunIntermittent(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			aggs := aggIDs(12)
			o := NewMemoryOutbox(nil)
			all := interleavedEvents(rng, aggs, 0, 10)
			o.Append(all...)
			p := &fakePublisher{rng: rand.New(rand.NewPCG(seed, 7)), failRate: 0.3}
			c := NewManualClock(t0)
			opts := &RelayOptions{BatchSize: 8, PollInterval: time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, Clock: c}
			const step = time.Second

			// Relay 1: new events arrive while it runs; stopped while it waits.
			run := startRelay(t, NewRelay(o, p, opts), c, step)
			returned := run.drive(func(round int) bool {
				if round == 2 {
					more := interleavedEvents(rng, aggs, 10, 5)
					all = append(all, more...)
					o.Append(more...)
				}
				return round == 4
			})
			if returned {
				t.Fatal("relay 1 returned before it was stopped")
			}
			run.stop()
			more := interleavedEvents(rng, aggs, 15, 5)
			all = append(all, more...)
			o.Append(more...)

			// Relay 2: stopped by its publisher in the middle of a pass.
			if o.PendingCount() < 5 {
				t.Fatalf("only %d events pending before relay 2", o.PendingCount())
			}
			published, _, _ := p.snapshot()
			stopAt := len(published) + 5
			ctx2, cancel2 := context.WithCancel(context.Background())
			p.mu.Lock()
			p.afterOK = func(n int) {
				if n == stopAt {
					cancel2()
				}
			}
			p.mu.Unlock()
			run2 := startRelayCtx(t, ctx2, cancel2, NewRelay(o, p, opts), c, step)
			if !run2.drive(func(int) bool { return false }) {
				t.Fatal("relay 2 did not stop")
			}
			p.mu.Lock()
			p.afterOK = nil
			p.mu.Unlock()

			// Relay 3 drains the rest.
			run3 := startRelay(t, NewRelay(o, p, opts), c, step)
			run3.drive(func(int) bool { return o.PendingCount() == 0 })
			run3.stop()

			if dups := checkDelivery(t, all, p); dups != 0 {
				t.Errorf("%d duplicate publications", dups)
			}
			_, _, calls := p.snapshot()
			t.Logf("%d events, %d publish calls", len(all), calls)
			if calls <= len(all) {
				t.Errorf("publisher called %d times for %d events: the failures did not happen", calls, len(all))
			}
		})
	}
}

// TestRelayRunFlakyOutbox adds failing marks: events are published again
// (at least once), still in order per aggregate.
func TestRelayRunFlakyOutbox(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	o := &flakyOutbox{MemoryOutbox: NewMemoryOutbox(nil), rng: rand.New(rand.NewPCG(6, 6)), markFail: 0.3, pendingErrs: 3, pendingFrom: 2}
	all := interleavedEvents(rng, aggIDs(6), 0, 12)
	o.Append(all...)
	p := &fakePublisher{rng: rand.New(rand.NewPCG(7, 7)), failRate: 0.2}
	c := NewManualClock(t0)
	run := startRelay(t, NewRelay(o, p, &RelayOptions{BatchSize: 5, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond, Clock: c}), c, time.Second)
	run.drive(func(int) bool { return o.PendingCount() == 0 })
	run.stop()
	dups := checkDelivery(t, all, p)
	if dups == 0 {
		t.Error("no duplicates although marks failed")
	}
	t.Logf("%d events, %d duplicate publications", len(all), dups)
}

// TestRelayRunBlockedAggregate checks that an aggregate whose events keep
// failing does not hold back the others.
func TestRelayRunBlockedAggregate(t *testing.T) {
	aggs := aggIDs(4)
	o := NewMemoryOutbox(nil)
	all := interleavedEvents(rand.New(rand.NewPCG(8, 8)), aggs, 0, 30)
	o.Append(all...)
	p := &fakePublisher{failAgg: map[ID]bool{aggs[2]: true}}
	c := NewManualClock(t0)
	run := startRelay(t, NewRelay(o, p, &RelayOptions{BatchSize: 10, MinBackoff: time.Millisecond, MaxBackoff: time.Second, Clock: c}), c, time.Minute)
	run.drive(func(int) bool { return o.PendingCount() == 30 })
	var others []Event
	for _, e := range all {
		if e.AggregateID != aggs[2] {
			others = append(others, e)
		}
	}
	if dups := checkDelivery(t, others, p); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
	// Once the aggregate recovers, its events follow in order.
	p.mu.Lock()
	p.failAgg = nil
	p.mu.Unlock()
	run.drive(func(int) bool { return o.PendingCount() == 0 })
	run.stop()
	checkDelivery(t, all, p)
}

// TestRelayRunBackoff checks the waits Run asks of its clock: full batches
// back to back, the poll interval when idle, and after failures a backoff
// that doubles up to MaxBackoff and resets after a success.
func TestRelayRunBackoff(t *testing.T) {
	o := NewMemoryOutbox(nil)
	for v := int64(1); v <= 5; v++ {
		o.Append(testEvent("a", v))
	}
	p := &fakePublisher{}
	c := &recordingClock{ManualClock: NewManualClock(t0)}
	const poll = 5 * time.Second
	r := NewRelay(o, p, &RelayOptions{BatchSize: 2, PollInterval: poll, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Clock: c})
	run := startRelay(t, r, c.ManualClock, poll)
	run.drive(func(int) bool { return true })
	// Two full batches went out back to back, then one of one: one wait.
	if diff := cmp.Diff([]time.Duration{poll}, c.recorded()); diff != "" {
		t.Errorf("waits while draining (-want +got):\n%s", diff)
	}
	if o.PendingCount() != 0 {
		t.Fatalf("PendingCount = %d", o.PendingCount())
	}

	p.mu.Lock()
	p.failAgg = map[ID]bool{"b": true}
	p.mu.Unlock()
	o.Append(testEvent("b", 1))
	run.drive(func(round int) bool { return round == 7 })
	want := []time.Duration{poll, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second, time.Second}
	if diff := cmp.Diff(want, c.recorded()); diff != "" {
		t.Errorf("waits while failing (-want +got):\n%s\n%v", diff, c.recorded())
	}

	// Recovery resets the backoff; the next failure starts again at the
	// minimum.
	p.mu.Lock()
	p.failAgg = nil
	p.mu.Unlock()
	run.drive(func(round int) bool { return round == 1 })
	p.mu.Lock()
	p.failAgg = map[ID]bool{"c": true}
	p.mu.Unlock()
	o.Append(testEvent("c", 1))
	run.drive(func(round int) bool { return round == 2 })
	want = append(want, poll, 100*time.Millisecond, 200*time.Millisecond)
	if diff := cmp.Diff(want, c.recorded()); diff != "" {
		t.Errorf("waits after recovery (-want +got):\n%s", diff)
	}
	run.stop()
}

func TestRelayRunOutboxErrorBacksOff(t *testing.T) {
	o := &flakyOutbox{MemoryOutbox: NewMemoryOutbox(nil), pendingErrs: 2}
	o.Append(testEvent("a", 1))
	p := &fakePublisher{}
	c := &recordingClock{ManualClock: NewManualClock(t0)}
	run := startRelay(t, NewRelay(o, p, &RelayOptions{MinBackoff: time.Second, MaxBackoff: time.Minute, PollInterval: time.Hour, Clock: c}), c.ManualClock, time.Hour)
	run.drive(func(int) bool { return o.PendingCount() == 0 })
	run.stop()
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, time.Hour}, c.recorded()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestRelayRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &fakePublisher{}
	o := NewMemoryOutbox(nil)
	o.Append(testEvent("a", 1))
	if err := NewRelay(o, p, nil).Run(ctx); err != nil {
		t.Errorf("Run with a cancelled ctx = %v, want nil", err)
	}
	if _, _, calls := p.snapshot(); calls != 0 {
		t.Errorf("publisher called %d times", calls)
	}
}

// cancellingClock fires every wait at once, records it, and cancels the
// run after limit waits.
type cancellingClock struct {
	mu     sync.Mutex
	waits  []time.Duration
	limit  int
	cancel context.CancelFunc
}

func (c *cancellingClock) Now() time.Time { return t0 }

func (c *cancellingClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	if len(c.waits) >= c.limit {
		c.cancel()
	}
	ch := make(chan time.Time, 1)
	ch <- t0
	return ch
}

// TestRelayRunBackoffHugeMax keeps a publisher failing for 100 passes under
// a MaxBackoff near the largest Duration: doubling the backoff must stop at
// the maximum instead of overflowing into negative waits (which made Run
// retry the failing publisher in a hot loop).
func TestRelayRunBackoffHugeMax(t *testing.T) {
	o := NewMemoryOutbox(nil)
	o.Append(testEvent("a", 1))
	p := &fakePublisher{failAgg: map[ID]bool{"a": true}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &cancellingClock{limit: 100, cancel: cancel}
	const maxBackoff = time.Duration(math.MaxInt64)
	r := NewRelay(o, p, &RelayOptions{MinBackoff: time.Second, MaxBackoff: maxBackoff, Clock: c})
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	want := time.Second
	for i, d := range c.waits {
		if d != want {
			t.Fatalf("wait %d = %v, want %v (waits %v)", i, d, want, c.waits)
		}
		if want > maxBackoff/2 {
			want = maxBackoff
		} else {
			want *= 2
		}
	}
}
