package oms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// panickyPublisher panics while publishing the events of the aggregates in
// panics (with the value given), and records the rest.
type panickyPublisher struct {
	fakePublisher
	panics map[ID]any
}

func (p *panickyPublisher) Publish(ctx context.Context, e Event) error {
	p.mu.Lock()
	v, ok := p.panics[e.AggregateID]
	if ok {
		p.calls++
	}
	p.mu.Unlock()
	if ok {
		panic(v)
	}
	return p.fakePublisher.Publish(ctx, e)
}

// TestRelayRecoversPublisherPanic is issue 10 item 13: a publisher panic
// escaped RunOnce and Run and stopped the relay. It is now a failed publish
// whose error carries the panic value, and the relay goes on.
func TestRelayRecoversPublisherPanic(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	o.Append(testEvent("a", 1), testEvent("b", 1), testEvent("a", 2), testEvent("c", 1), testEvent("b", 2))
	p := &panickyPublisher{panics: map[ID]any{"a": "boom at a", "c": io.ErrUnexpectedEOF}}
	r := NewRelay(o, p, nil)
	n, err := r.RunOnce(ctx)
	if n != 2 {
		t.Errorf("RunOnce published %d, want b's 2", n)
	}
	if err == nil || !strings.Contains(err.Error(), "publisher panicked: boom at a") {
		t.Errorf("RunOnce error = %v, want the panic value", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("RunOnce error = %v, want it to wrap the error the publisher panicked with", err)
	}
	if got := o.PendingCount(); got != 3 {
		t.Errorf("PendingCount = %d, want a's 2 and c's 1", got)
	}
	// Only a's first event was tried: its second waits behind it.
	if _, _, calls := p.snapshot(); calls != 4 {
		t.Errorf("publisher called %d times, want 4", calls)
	}

	// Run survives panics too, and publishes the rest once the publisher
	// stops panicking.
	c := NewManualClock(t0)
	run := startRelay(t, NewRelay(o, p, &RelayOptions{Clock: c, MinBackoff: time.Second, MaxBackoff: time.Second}), c, time.Second)
	run.drive(func(round int) bool { return round == 3 })
	p.mu.Lock()
	p.panics = nil
	p.mu.Unlock()
	run.drive(func(int) bool { return o.PendingCount() == 0 })
	run.stop()
	checkDelivery(t, []Event{testEvent("a", 1), testEvent("b", 1), testEvent("a", 2), testEvent("c", 1), testEvent("b", 2)}, &p.fakePublisher)
}

// TestRelayFailingAggregateNeverBlocksOthers is issue 10 item 14: with
// 1,700 pending events of a permanently failing aggregate ahead of them, 0
// of a healthy aggregate's 50 events were published after 50 passes. One
// pass now publishes a full batch of them (all 50 with the default batch of
// 100), whatever the backlog, and so does Run.
func TestRelayFailingAggregateNeverBlocksOthers(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name            string
		stuckAggregates int
		perStuck        int
		batch           int
	}{
		{"1700 events of one aggregate", 1, 1700, 0},
		{"1700 events, batches of 16", 1, 1700, 16},
		{"100 failing aggregates of 40 events", 100, 40, 0},
		{"5000 events of one aggregate, batches of 1", 1, 5000, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewMemoryOutbox(nil)
			fail := map[ID]bool{}
			for a := range tc.stuckAggregates {
				agg := ID(fmt.Sprintf("stuck-%03d", a))
				fail[agg] = true
				for v := 1; v <= tc.perStuck; v++ {
					o.Append(testEvent(agg, int64(v)))
				}
			}
			var healthy []Event
			for v := int64(1); v <= 50; v++ {
				healthy = append(healthy, testEvent("healthy", v))
			}
			o.Append(healthy...)
			p := &fakePublisher{failAgg: fail}
			r := NewRelay(o, p, &RelayOptions{BatchSize: tc.batch})
			batch := max(tc.batch, 1)
			if tc.batch == 0 {
				batch = 100
			}
			// One pass publishes a batch of healthy events past the failing
			// aggregates, however long their backlog.
			wantPasses := (50 + batch - 1) / batch
			published := 0
			for pass := 1; pass <= wantPasses; pass++ {
				n, err := r.RunOnce(ctx)
				if want := min(batch, 50-published); n != want || !errors.Is(err, errPublish) {
					t.Fatalf("pass %d: RunOnce = %d, %v; want %d and the publisher's error", pass, n, err, want)
				}
				published += n
			}
			checkDelivery(t, healthy, p)
			// Each failing aggregate was tried once per pass, at its first
			// event.
			if _, _, calls := p.snapshot(); calls != 50+wantPasses*tc.stuckAggregates {
				t.Errorf("publisher called %d times, want %d", calls, 50+wantPasses*tc.stuckAggregates)
			}
		})
	}

	// Under Run, driven by a ManualClock, with the healthy events arriving
	// while the relay backs off.
	o := NewMemoryOutbox(nil)
	for v := int64(1); v <= 1700; v++ {
		o.Append(testEvent("stuck", v))
	}
	p := &fakePublisher{failAgg: map[ID]bool{"stuck": true}}
	c := NewManualClock(t0)
	run := startRelay(t, NewRelay(o, p, &RelayOptions{Clock: c}), c, time.Minute)
	var healthy []Event
	run.drive(func(round int) bool {
		if round < 50 {
			e := testEvent("healthy", int64(round+1))
			healthy = append(healthy, e)
			o.Append(e)
		}
		return round == 50
	})
	run.stop()
	if got := o.PendingCount(); got != 1700 {
		t.Errorf("PendingCount = %d, want the stuck aggregate's 1700", got)
	}
	checkDelivery(t, healthy, p)
}

// TestRelayDeadLetterAfterMaxAttempts is issue 10 item 14's dead-letter
// path: after MaxAttempts failed attempts the event is kept by the outbox
// as a dead letter, the host's hook is called with it, and its aggregate
// moves on to its next events in the same pass. Attempts are counted by
// the outbox, so a new relay goes on counting.
func TestRelayDeadLetterAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	c := NewManualClock(t0)
	o := NewMemoryOutbox(&MemoryOutboxOptions{Clock: c})
	all := []Event{testEvent("poison", 1), testEvent("ok", 1), testEvent("poison", 2), testEvent("poison", 3)}
	o.Append(all...)
	var p fakePublisher
	failing := PublisherFunc(func(ctx context.Context, e Event) error {
		if e.ID == "poison/v1" {
			p.mu.Lock()
			p.calls++
			p.mu.Unlock()
			return errPublish
		}
		return p.Publish(ctx, e)
	})
	type hookCall struct {
		ID    ID
		Cause string
	}
	var hooked []hookCall
	opts := &RelayOptions{MaxAttempts: 3, OnDeadLetter: func(_ context.Context, e Event, cause error) {
		hooked = append(hooked, hookCall{e.ID, cause.Error()})
	}}
	for pass := 1; pass <= 2; pass++ {
		// A new relay each pass: the count lives in the outbox.
		n, err := NewRelay(o, failing, opts).RunOnce(ctx)
		want := 0
		if pass == 1 {
			want = 1 // ok/v1
		}
		if n != want || !errors.Is(err, errPublish) {
			t.Fatalf("pass %d: RunOnce = %d, %v", pass, n, err)
		}
		if len(hooked) != 0 || len(o.DeadLetters()) != 0 {
			t.Fatalf("pass %d: dead-lettered before MaxAttempts: %v", pass, hooked)
		}
	}
	c.Advance(time.Hour)
	n, err := NewRelay(o, failing, opts).RunOnce(ctx)
	if n != 2 || !errors.Is(err, errPublish) || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("third pass: RunOnce = %d, %v; want poison's later 2 and the give-up error", n, err)
	}
	wantHook := []hookCall{{"poison/v1", "publisher down"}}
	if diff := cmp.Diff(wantHook, hooked); diff != "" {
		t.Errorf("OnDeadLetter calls (-want +got):\n%s", diff)
	}
	dl := o.DeadLetters()
	want := []DeadLetter{{Event: testEvent("poison", 1), Attempts: 3, Reason: "gave up after 3 attempts: publisher down", At: t0.Add(time.Hour)}}
	if diff := cmp.Diff(want, dl); diff != "" {
		t.Errorf("DeadLetters (-want +got):\n%s", diff)
	}
	if got := o.PendingCount(); got != 0 {
		t.Errorf("PendingCount = %d, want 0", got)
	}
	if got := len(o.Events("poison")); got != 3 {
		t.Errorf("Events(poison) = %d, want the dead letter kept beside the published 2", got)
	}
	published, _, _ := p.snapshot()
	var got []ID
	for _, e := range published {
		got = append(got, e.ID)
	}
	if diff := cmp.Diff([]ID{"ok/v1", "poison/v2", "poison/v3"}, got); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}

	// Requeued, the event is pending again with a fresh count; once the
	// publisher takes it, it goes out.
	if n, err := o.Requeue(ctx, "poison/v1", "ok/v1", "unknown"); n != 1 || err != nil {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	if o.PendingCount() != 1 || o.DeadLetters() != nil {
		t.Fatalf("after Requeue: pending %d, dead letters %v", o.PendingCount(), o.DeadLetters())
	}
	if n, err := NewRelay(o, &p, opts).RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("RunOnce after Requeue = %d, %v", n, err)
	}

	// Without MaxAttempts, an event fails for ever and holds its aggregate
	// back; a hook that panics does not stop the relay.
	o2 := NewMemoryOutbox(nil)
	o2.Append(testEvent("poison", 1), testEvent("poison", 2))
	r := NewRelay(o2, failing, nil)
	for range 50 {
		if n, err := r.RunOnce(ctx); n != 0 || !errors.Is(err, errPublish) {
			t.Fatalf("RunOnce without MaxAttempts = %d, %v", n, err)
		}
	}
	if o2.PendingCount() != 2 || o2.DeadLetters() != nil {
		t.Fatalf("without MaxAttempts: pending %d, dead letters %v", o2.PendingCount(), o2.DeadLetters())
	}
	o3 := NewMemoryOutbox(nil)
	o3.Append(testEvent("poison", 1), testEvent("poison", 2))
	panicking := &RelayOptions{MaxAttempts: 1, OnDeadLetter: func(context.Context, Event, error) { panic("hook down") }}
	if n, err := NewRelay(o3, failing, panicking).RunOnce(ctx); n != 1 || !errors.Is(err, errPublish) {
		t.Fatalf("RunOnce with a panicking hook = %d, %v", n, err)
	}
	if len(o3.DeadLetters()) != 1 {
		t.Errorf("dead letters = %v", o3.DeadLetters())
	}
}

// TestMemoryOutboxRetention is issue 10 item 15: MemoryOutbox kept every
// published event for ever. It now keeps the RetainPublished most recent
// published events (and, with RetainFor, only those published within that
// time), pruning in batches; pending events and dead letters stay.
func TestMemoryOutboxRetention(t *testing.T) {
	ctx := context.Background()
	publishAll := func(o *MemoryOutbox) {
		t.Helper()
		es, err := o.Pending(ctx, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]ID, len(es))
		for i, e := range es {
			ids[i] = e.ID
		}
		if err := o.MarkPublished(ctx, ids...); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("count", func(t *testing.T) {
		o := NewMemoryOutbox(&MemoryOutboxOptions{RetainPublished: 100})
		o.Append(testEvent("stuck", 1)) // stays pending throughout
		if err := o.MarkDead(ctx, "stuck/v1", "test"); err != nil {
			t.Fatal(err)
		}
		o.Append(testEvent("stuck", 2))
		most := 0
		for v := int64(1); v <= 20_000; v++ {
			o.Append(testEvent("a", v))
			if v%500 == 0 {
				if err := o.MarkPublished(ctx, eventID("a", v-499)); err != nil { // one out of order
					t.Fatal(err)
				}
				es, _ := o.Pending(ctx, 1000)
				var ids []ID
				for _, e := range es {
					if e.AggregateID == "a" {
						ids = append(ids, e.ID)
					}
				}
				_ = o.MarkPublished(ctx, ids...)
				most = max(most, len(o.Events("")))
			}
		}
		// Bounded: the retained 100, plus at most one pruning batch.
		if most > 100+2+minPrune+1 {
			t.Errorf("the outbox held up to %d events, want at most %d", most, 100+2+minPrune+1)
		}
		if n := o.Prune(); n == 0 {
			t.Error("Prune dropped nothing")
		}
		es := o.Events("a")
		if len(es) != 100 || es[0].ID != eventID("a", 19_901) || es[99].ID != eventID("a", 20_000) {
			t.Errorf("retained %d events of a, from %v; want the last 100", len(es), es[0].ID)
		}
		if got := o.Events("stuck"); len(got) != 2 || o.PendingCount() != 1 || len(o.DeadLetters()) != 1 {
			t.Errorf("pending %d, dead %d, stuck events %d: want the pending event and the dead letter kept", o.PendingCount(), len(o.DeadLetters()), len(got))
		}
		// Pruned events are no longer known: marking or appending them
		// again works on what is held.
		if err := o.MarkPublished(ctx, eventID("a", 1)); err != nil {
			t.Fatal(err)
		}
		if es, err := o.Pending(ctx, 10); err != nil || len(es) != 1 || es[0].ID != "stuck/v2" {
			t.Errorf("Pending after pruning = %v, %v", es, err)
		}
	})

	t.Run("age", func(t *testing.T) {
		c := NewManualClock(t0)
		o := NewMemoryOutbox(&MemoryOutboxOptions{RetainPublished: -1, RetainFor: time.Hour, Clock: c})
		for v := int64(1); v <= 10; v++ {
			o.Append(testEvent("old", v))
		}
		publishAll(o)
		c.Advance(59 * time.Minute)
		o.Append(testEvent("new", 1))
		publishAll(o)
		if got := len(o.Events("")); got != 11 {
			t.Fatalf("held %d events within the hour, want 11", got)
		}
		c.Advance(2 * time.Minute) // the old ones are now 61 minutes old
		o.Append(testEvent("newer", 1))
		publishAll(o) // MarkPublished prunes in batches: not yet
		if got := len(o.Events("")); got != 12 {
			t.Fatalf("held %d events at 61 minutes, want 12", got)
		}
		c.Advance(15 * time.Minute) // 76 minutes: past 1.25 × RetainFor
		o.Append(testEvent("pending", 1))
		publishAll(o)
		if got := len(o.Events("old")); got != 0 {
			t.Errorf("held %d old events after the hour, want 0", got)
		}
		if got := len(o.Events("")); got != 3 {
			t.Errorf("held %d events, want new/v1, newer/v1, pending/v1", got)
		}
		c.Advance(10 * time.Hour)
		if n := o.Prune(); n != 3 || len(o.Events("")) != 0 {
			t.Errorf("Prune = %d, left %d", n, len(o.Events("")))
		}
	})

	t.Run("keep all", func(t *testing.T) {
		o := NewMemoryOutbox(&MemoryOutboxOptions{RetainPublished: -1})
		for v := int64(1); v <= 3000; v++ {
			o.Append(testEvent("a", v))
		}
		publishAll(o)
		if n := o.Prune(); n != 0 || len(o.Events("")) != 3000 {
			t.Errorf("Prune with no retention limit = %d, held %d", n, len(o.Events("")))
		}
	})

	t.Run("default", func(t *testing.T) {
		var o MemoryOutbox // the zero value keeps DefaultRetainPublished
		for v := int64(1); v <= DefaultRetainPublished+10; v++ {
			o.Append(testEvent("a", v))
		}
		publishAll(&o)
		o.Prune()
		if got := len(o.Events("")); got != DefaultRetainPublished {
			t.Errorf("zero value held %d, want %d", got, DefaultRetainPublished)
		}
	})
}

// TestMemoryOutboxFailedAndDead checks MarkFailed and MarkDead on every
// kind of event, and Pending's skip list.
func TestMemoryOutboxFailedAndDead(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	o.Append(testEvent("a", 1), testEvent("b", 1), testEvent("a", 2), testEvent("c", 1))
	for i, want := range []int{1, 2, 3} {
		if n, err := o.MarkFailed(ctx, "a/v1", fmt.Sprint("try ", i)); n != want || err != nil {
			t.Fatalf("MarkFailed = %d, %v; want %d", n, err, want)
		}
	}
	_ = o.MarkPublished(ctx, "b/v1")
	for _, id := range []ID{"b/v1", "unknown"} {
		if n, err := o.MarkFailed(ctx, id, "x"); n != 0 || err != nil {
			t.Errorf("MarkFailed(%s) = %d, %v; want 0, nil", id, n, err)
		}
		if err := o.MarkDead(ctx, id, "x"); err != nil {
			t.Errorf("MarkDead(%s) = %v", id, err)
		}
	}
	if err := o.MarkDead(ctx, "a/v1", "gave up"); err != nil {
		t.Fatal(err)
	}
	if n, err := o.MarkFailed(ctx, "a/v1", "x"); n != 0 || err != nil {
		t.Errorf("MarkFailed(dead) = %d, %v", n, err)
	}
	if err := o.MarkPublished(ctx, "a/v1"); err != nil || len(o.DeadLetters()) != 1 {
		t.Errorf("MarkPublished(dead) = %v; dead letters %v", err, o.DeadLetters())
	}
	ids := func(es []Event, err error) []ID {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []ID
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	if diff := cmp.Diff([]ID{"a/v2", "c/v1"}, ids(o.Pending(ctx, 10))); diff != "" {
		t.Errorf("Pending (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ID{"c/v1"}, ids(o.Pending(ctx, 10, "a"))); diff != "" {
		t.Errorf("Pending skipping a (-want +got):\n%s", diff)
	}
	many := []ID{"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "c"}
	if diff := cmp.Diff([]ID{"a/v2"}, ids(o.Pending(ctx, 10, many...))); diff != "" {
		t.Errorf("Pending skipping many (-want +got):\n%s", diff)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := o.MarkFailed(cancelled, "a/v2", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("MarkFailed(cancelled) = %v", err)
	}
	if err := o.MarkDead(cancelled, "a/v2", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("MarkDead(cancelled) = %v", err)
	}
	if _, err := o.Requeue(cancelled, "a/v1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Requeue(cancelled) = %v", err)
	}
}

// TestRelayModel runs the relay over many passes against a publisher that
// fails at random, panics at random and never takes some poison events,
// with MaxAttempts and a small retention, and checks after the outbox has
// drained: every event was published or became a dead letter (never both);
// only poison events and events that failed MaxAttempts times in a row
// became dead letters; no event was attempted before every earlier event of
// its aggregate was published or dead; the outbox stayed bounded.
func TestRelayModel(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			const maxAttempts = 4
			aggs := aggIDs(10)
			all := interleavedEvents(rng, aggs, 0, 30)
			poison := map[ID]bool{}
			for range 6 {
				poison[all[rng.IntN(len(all))].ID] = true
			}
			o := NewMemoryOutbox(&MemoryOutboxOptions{RetainPublished: 20})
			var (
				mu        sync.Mutex
				published = map[ID]bool{}
				deadSeen  = map[ID]bool{}
				failsRow  = map[ID]int{}
				problems  []string
			)
			settled := func(id ID) bool { return published[id] || deadSeen[id] }
			pub := PublisherFunc(func(_ context.Context, e Event) error {
				mu.Lock()
				defer mu.Unlock()
				for v := int64(1); v < e.AggregateVersion; v++ {
					if !settled(eventID(e.AggregateID, v)) {
						problems = append(problems, fmt.Sprintf("%s attempted before %s settled", e.ID, eventID(e.AggregateID, v)))
					}
				}
				switch x := rng.Float64(); {
				case poison[e.ID] || x < 0.2:
					failsRow[e.ID]++
					return errPublish
				case x < 0.25:
					failsRow[e.ID]++
					panic("flaky")
				}
				failsRow[e.ID] = 0
				published[e.ID] = true
				return nil
			})
			opts := &RelayOptions{BatchSize: 7, MaxAttempts: maxAttempts, OnDeadLetter: func(_ context.Context, e Event, _ error) {
				mu.Lock()
				defer mu.Unlock()
				if deadSeen[e.ID] {
					problems = append(problems, fmt.Sprintf("%s dead-lettered twice", e.ID))
				}
				if failsRow[e.ID] != maxAttempts {
					problems = append(problems, fmt.Sprintf("%s dead after %d failures in a row", e.ID, failsRow[e.ID]))
				}
				deadSeen[e.ID] = true
			}}
			r := NewRelay(o, pub, opts)
			appended := 0
			most := 0
			for pass := 0; pass < 10_000; pass++ {
				if appended < len(all) && rng.IntN(2) == 0 {
					k := min(len(all)-appended, 1+rng.IntN(20))
					o.Append(all[appended : appended+k]...)
					appended += k
				}
				_, _ = r.RunOnce(ctx)
				most = max(most, len(o.Events("")))
				if appended == len(all) && o.PendingCount() == 0 {
					break
				}
			}
			if o.PendingCount() != 0 {
				t.Fatalf("%d events still pending", o.PendingCount())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range problems {
				t.Error(p)
			}
			dead := map[ID]bool{}
			for _, d := range o.DeadLetters() {
				dead[d.Event.ID] = true
				if d.Attempts != maxAttempts {
					t.Errorf("dead letter %s after %d attempts", d.Event.ID, d.Attempts)
				}
			}
			for _, e := range all {
				switch {
				case published[e.ID] && dead[e.ID]:
					t.Errorf("%s both published and dead", e.ID)
				case !published[e.ID] && !dead[e.ID]:
					t.Errorf("%s neither published nor dead", e.ID)
				case poison[e.ID] && !dead[e.ID]:
					t.Errorf("poison %s not dead", e.ID)
				case dead[e.ID] != deadSeen[e.ID]:
					t.Errorf("%s: dead letter %v, hook called %v", e.ID, dead[e.ID], deadSeen[e.ID])
				}
			}
			if bound := 20 + minPrune + len(all); most > bound {
				t.Errorf("outbox held %d events, want at most %d", most, bound)
			}
		})
	}
}

// TestRelayWithoutOutboxOrPublisher checks that a relay built from nil
// parts refuses to run instead of panicking.
func TestRelayWithoutOutboxOrPublisher(t *testing.T) {
	ctx := context.Background()
	if _, err := NewRelay(nil, PublisherFunc(func(context.Context, Event) error { return nil }), nil).RunOnce(ctx); !errors.Is(err, ErrValidation) {
		t.Errorf("nil outbox: %v", err)
	}
	if _, err := NewRelay(NewMemoryOutbox(nil), nil, nil).Drain(ctx); !errors.Is(err, ErrValidation) {
		t.Errorf("nil publisher: %v", err)
	}
}

// TestRelayRunSpacesRetriesUnderLoad checks that heavy traffic does not
// turn a failing event's retries into a hot loop: while other aggregates
// keep Run busy with full batches, the failing aggregate waits for its
// backoff on the Clock, so MaxAttempts counts attempts spaced by the
// backoff. (Retried on every pass, an event that failed for a moment was
// dead-lettered within a few milliseconds of traffic.)
func TestRelayRunSpacesRetriesUnderLoad(t *testing.T) {
	o := NewMemoryOutbox(nil)
	o.Append(testEvent("stuck", 1))
	var healthy []Event
	for _, agg := range aggIDs(10) {
		for v := int64(1); v <= 100; v++ {
			healthy = append(healthy, testEvent(agg, v))
		}
	}
	o.Append(healthy...)
	var p fakePublisher
	p.failAgg = map[ID]bool{"stuck": true}
	c := NewManualClock(t0)
	r := NewRelay(o, &p, &RelayOptions{BatchSize: 10, MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: time.Second, PollInterval: time.Minute, Clock: c})
	stuckCalls := func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.calls - len(p.published)
	}
	run := startRelay(t, r, c, time.Second)
	run.drive(func(round int) bool {
		switch round {
		case 0:
			// The clock has not moved: every healthy event went out and the
			// failing one was tried once.
			if got := o.PendingCount(); got != 1 {
				t.Errorf("PendingCount = %d at the first wait, want the stuck event", got)
			}
			if got := stuckCalls(); got != 1 {
				t.Errorf("stuck event tried %d times before the clock moved, want 1", got)
			}
			if dl := o.DeadLetters(); dl != nil {
				t.Errorf("dead-lettered before the clock moved: %v", dl)
			}
		case 1:
			if got := stuckCalls(); got != 2 {
				t.Errorf("stuck event tried %d times after one backoff, want 2", got)
			}
		}
		return o.PendingCount() == 0
	})
	run.stop()
	if got := stuckCalls(); got != 3 {
		t.Errorf("stuck event tried %d times, want MaxAttempts = 3", got)
	}
	if dl := o.DeadLetters(); len(dl) != 1 || dl[0].Attempts != 3 {
		t.Errorf("dead letters = %v", dl)
	}
	checkDelivery(t, healthy, &p)
}
