package omstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/omskit/oms"
)

// EventOptions are the go-cmp options that compare events read back from
// an outbox with the events saved: times as instants (time.Time.Equal)
// and payloads as JSON values (JSONEqual), since a database may change the
// zone of a time and the whitespace, key order and escapes of a payload.
func EventOptions() cmp.Options {
	return cmp.Options{
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
		cmp.Comparer(func(a, b json.RawMessage) bool { return JSONEqual(a, b) }),
	}
}

// JSONEqual reports whether a and b hold the same JSON value: objects
// with the same members in any order, numbers compared by their digits
// (so that 9007199254740993 differs from 9007199254740992), strings after
// unescaping. An empty payload equals only an empty payload; a payload
// that is not valid JSON equals only the same bytes.
func JSONEqual(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	va, erra := decodeJSON(a)
	vb, errb := decodeJSON(b)
	if erra != nil || errb != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

// base is the time of the suite's events. Times are whole microseconds:
// PostgreSQL's timestamptz keeps no more.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)

// newEvent returns an event of aggregate agg at version v whose ID is made
// for base+idOffset milliseconds, so that the suite controls how IDs sort
// against save order. Offsets stay below 1,000: oms.NewIDAt remembers
// 1,024 milliseconds and pays a scan for each one more.
func newEvent(agg oms.ID, v int64, idOffset int) oms.Event {
	return oms.Event{
		ID:               oms.NewIDAt(base.Add(time.Duration(idOffset) * time.Millisecond)),
		Type:             "test.happened",
		AggregateKind:    "test",
		AggregateID:      agg,
		AggregateVersion: v,
		Time:             base.Add(time.Duration(v) * time.Second),
		Payload:          json.RawMessage(fmt.Sprintf(`{"aggregate":%q,"version":%d}`, agg, v)),
	}
}

// interleaved returns the events of aggregates a, b and c saved in turn
// (a1 b1 c1 a2 b2 c2 ...), perVersion versions each, with IDs that sort
// in neither save order nor its reverse.
func interleaved(perVersion int) []oms.Event {
	aggs := []oms.ID{"agg-a", "agg-b", "agg-c"}
	n := perVersion * len(aggs)
	var out []oms.Event
	for v := 1; v <= perVersion; v++ {
		for _, a := range aggs {
			i := len(out)
			// A permutation of 0..n-1 that is neither increasing nor
			// decreasing (7 and n are coprime for the sizes used).
			out = append(out, newEvent(a, int64(v), (i*7+3)%n))
		}
	}
	return out
}

func ids(events []oms.Event) []oms.ID {
	out := make([]oms.ID, 0, len(events))
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

// without returns the events whose aggregate is not in skip.
func without(events []oms.Event, skip ...oms.ID) []oms.Event {
	var out []oms.Event
	for _, e := range events {
		skipped := false
		for _, s := range skip {
			skipped = skipped || e.AggregateID == s
		}
		if !skipped {
			out = append(out, e)
		}
	}
	return out
}

// TestOutbox runs the conformance suite against the outboxes h makes, one
// fresh outbox per subtest. Every oms.Outbox implementation must pass it.
// See the package documentation for what it checks.
func TestOutbox(t *testing.T, h OutboxHarness) {
	ctx := context.Background()
	fresh := func(t *testing.T, events ...oms.Event) (oms.Outbox, Appender) {
		t.Helper()
		o, app := h.MakeOutbox(ctx, t)
		if o == nil || app == nil {
			t.Fatal("omstest: the harness made a nil outbox or appender")
		}
		if len(events) > 0 {
			if err := app(ctx, events...); err != nil {
				t.Fatalf("Append(%d events): %v", len(events), err)
			}
		}
		return o, app
	}
	pending := func(t *testing.T, o oms.Outbox, limit int, skip ...oms.ID) []oms.Event {
		t.Helper()
		got, err := o.Pending(ctx, limit, skip...)
		if err != nil {
			t.Fatalf("Pending(%d, %v): %v", limit, skip, err)
		}
		return got
	}
	checkPending := func(t *testing.T, o oms.Outbox, what string, want []oms.Event) {
		t.Helper()
		got := pending(t, o, len(want)+100)
		if slices.Equal(ids(want), ids(got)) {
			return
		}
		if d := cmp.Diff(ids(want), ids(got), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: pending event IDs (-want +got):\n%s", what, d)
		}
	}

	t.Run("PendingEmpty", func(t *testing.T) {
		o, _ := fresh(t)
		if got := pending(t, o, 10); len(got) != 0 {
			t.Errorf("Pending of a new outbox returned %d events, want none", len(got))
		}
	})

	t.Run("PendingOldestFirst", func(t *testing.T) {
		events := interleaved(5)
		o, app := fresh(t, events[:4]...)
		// Later writes, one event and several at a time.
		if err := app(ctx, events[4]); err != nil {
			t.Fatal(err)
		}
		if err := app(ctx, events[5:]...); err != nil {
			t.Fatal(err)
		}
		got := pending(t, o, 100)
		if d := cmp.Diff(ids(events), ids(got)); d != "" {
			t.Errorf("Pending did not return the events in the order saved (-want +got):\n%s", d)
		}
	})

	t.Run("PendingLimit", func(t *testing.T) {
		events := interleaved(4)
		o, _ := fresh(t, events...)
		for _, limit := range []int{1, 2, 5, len(events) - 1, len(events), len(events) + 1, math.MaxInt32, math.MaxInt} {
			got := pending(t, o, limit)
			want := events[:min(limit, len(events))]
			if d := cmp.Diff(ids(want), ids(got)); d != "" {
				t.Errorf("Pending(limit %d) ignored its limit or order (-want +got):\n%s", limit, d)
			}
		}
	})

	t.Run("PendingLimitNotPositive", func(t *testing.T) {
		events := interleaved(2)
		o, _ := fresh(t, events...)
		for _, limit := range []int{0, -1, math.MinInt32, math.MinInt} {
			got, err := o.Pending(ctx, limit)
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Pending(limit %d): err = %v, want an error matching oms.ErrValidation", limit, err)
			}
			if len(got) != 0 {
				t.Errorf("Pending(limit %d) refused but returned %d events", limit, len(got))
			}
		}
		checkPending(t, o, "after refused reads", events)
	})

	t.Run("PendingSkip", func(t *testing.T) {
		events := interleaved(4)
		o, _ := fresh(t, events...)
		many := []oms.ID{"agg-b", "", "agg-b"}
		for i := range 20 {
			many = append(many, oms.ID(fmt.Sprintf("unknown-%d", i)))
		}
		for _, tc := range []struct {
			limit int
			skip  []oms.ID
		}{
			{100, []oms.ID{"agg-a"}},
			{100, []oms.ID{"agg-a", "agg-c"}},
			{100, []oms.ID{"agg-c", "agg-b", "agg-a"}},
			{100, []oms.ID{"unknown"}},
			{100, many},
			// The limit counts the events left after skipping: a read
			// that applies LIMIT before leaving out the skipped
			// aggregates returns too few.
			{3, []oms.ID{"agg-a"}},
			{2, []oms.ID{"agg-a", "agg-b"}},
			{5, many},
		} {
			got := pending(t, o, tc.limit, tc.skip...)
			want := without(events, tc.skip...)
			want = want[:min(tc.limit, len(want))]
			if d := cmp.Diff(ids(want), ids(got), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Pending(limit %d, skip %d aggregates %v) ignored skip or limit (-want +got):\n%s", tc.limit, len(tc.skip), tc.skip[:min(3, len(tc.skip))], d)
			}
		}
		checkPending(t, o, "after reads with skip", events)
	})

	t.Run("RoundTrip", func(t *testing.T) {
		paris := time.FixedZone("CET", 3600)
		events := []oms.Event{
			{ID: oms.NewIDAt(base), Type: "order.placed", AggregateKind: "order", AggregateID: oms.NewIDAt(base), AggregateVersion: 1,
				Time: base, Payload: json.RawMessage(`{"b": 2,  "a": [1, 2, {"c": null}], "s": "caf\u00e9 \"q\" <&> \n"}`)},
			{ID: oms.NewIDAt(base), Type: "stock.moved", AggregateKind: "inventory", AggregateID: "sku:MUG-42", AggregateVersion: math.MaxInt64,
				Time: time.Date(9999, 12, 31, 23, 59, 59, 999999000, paris), Payload: json.RawMessage(`{"big":9007199254740993,"neg":-9223372036854775808,"frac":12.5}`)},
			{ID: oms.NewIDAt(base), Type: "empty.payload", AggregateKind: "k", AggregateID: "a-1", AggregateVersion: 2,
				Time: time.Unix(0, 0).UTC()},
			{ID: oms.NewIDAt(base), Type: "array.payload", AggregateKind: "k", AggregateID: "a-1", AggregateVersion: 3,
				Time: time.Date(2026, 10, 25, 2, 30, 0, 1000, time.FixedZone("", -9*3600-1800)), Payload: json.RawMessage(`[ "x" , [] , {} , true , false ]`)},
			{ID: oms.NewIDAt(base), Type: "string.payload", AggregateKind: "k", AggregateID: "a-1", AggregateVersion: 4,
				Time: base, Payload: json.RawMessage(`"\u65e5\u672c \ud83d\ude00"`)},
		}
		o, _ := fresh(t, events...)
		got := pending(t, o, 100)
		if d := cmp.Diff(events, got, EventOptions()); d != "" {
			t.Errorf("events read back differ from the events saved (-saved +read):\n%s", d)
		}
		// The caller owns what Pending returns: changing it changes
		// nothing stored.
		for i := range got {
			if len(got[i].Payload) > 0 {
				got[i].Payload[0] = 'X'
			}
			got[i].Type = "changed"
		}
		if d := cmp.Diff(events, pending(t, o, 100), EventOptions()); d != "" {
			t.Errorf("changing the events Pending returned changed the outbox (-saved +read):\n%s", d)
		}
	})

	t.Run("MarkPublished", func(t *testing.T) {
		events := interleaved(3)
		o, _ := fresh(t, events...)
		mark := func(what string, ids ...oms.ID) {
			t.Helper()
			if err := o.MarkPublished(ctx, ids...); err != nil {
				t.Fatalf("MarkPublished %s: %v", what, err)
			}
		}
		mark("no IDs")
		checkPending(t, o, "MarkPublished with no IDs", events)
		mark("events 0 and 4", events[0].ID, events[4].ID)
		rest := append(append([]oms.Event{}, events[1:4]...), events[5:]...)
		checkPending(t, o, "published events are not pending; the others stay, in order", rest)
		mark("events 0 and 4 again", events[4].ID, events[0].ID)
		mark("unknown IDs", "unknown-1", "", oms.NewID())
		mark("known and unknown", "unknown-2", events[8].ID, events[8].ID)
		rest = rest[:len(rest)-1]
		checkPending(t, o, "after idempotent and unknown MarkPublished", rest)
		if n, err := o.MarkFailed(ctx, events[0].ID, "late failure"); n != 0 || err != nil {
			t.Errorf("MarkFailed of a published event = %d, %v; want 0, nil", n, err)
		}
		if err := o.MarkDead(ctx, events[4].ID, "late"); err != nil {
			t.Errorf("MarkDead of a published event: %v", err)
		}
		checkPending(t, o, "after MarkFailed and MarkDead of published events", rest)
		mark("the rest", ids(rest)...)
		checkPending(t, o, "after publishing everything", nil)
	})

	t.Run("MarkFailed", func(t *testing.T) {
		events := interleaved(2)
		o, _ := fresh(t, events...)
		fail := func(id oms.ID, reason string, want int) {
			t.Helper()
			n, err := o.MarkFailed(ctx, id, reason)
			if err != nil || n != want {
				t.Errorf("MarkFailed(%s) = %d, %v; want %d attempts, nil", id, n, err, want)
			}
		}
		fail(events[1].ID, "timeout", 1)
		fail(events[1].ID, "", 2)
		fail(events[3].ID, "bus down", 1)
		fail(events[1].ID, strings.Repeat("très long ", 1000), 3)
		fail(events[3].ID, "bus down", 2)
		fail(events[1].ID, "timeout", 4)
		fail("unknown", "x", 0)
		fail("", "x", 0)
		fail(oms.NewID(), "x", 0)
		checkPending(t, o, "failed events stay pending, in place", events)
		if err := o.MarkDead(ctx, events[3].ID, "gave up"); err != nil {
			t.Fatal(err)
		}
		fail(events[3].ID, "after death", 0)
		if err := o.MarkPublished(ctx, events[1].ID); err != nil {
			t.Fatal(err)
		}
		fail(events[1].ID, "after publication", 0)
		fail(events[0].ID, "first", 1)
	})

	t.Run("ReasonsAreArbitraryText", func(t *testing.T) {
		// A reason is the publisher's error message: any bytes a host's
		// bus or webhook answered. Refusing one (a text column refuses NUL
		// and invalid UTF-8) leaves the relay unable to count attempts or
		// to give up, and the event blocks its aggregate for ever.
		events := interleaved(1)
		o, _ := fresh(t, events...)
		reasons := []string{"nul \x00 byte", "invalid \xff\xfe UTF-8", "", strings.Repeat("long reason ", 6000), "\x00"}
		for i, reason := range reasons {
			n, err := o.MarkFailed(ctx, events[0].ID, reason)
			if err != nil || n != i+1 {
				t.Errorf("MarkFailed with reason %.20q = %d, %v; want %d attempts, nil", reason, n, err, i+1)
			}
		}
		for i, reason := range []string{"nul \x00 byte", "invalid \xff UTF-8"} {
			if err := o.MarkDead(ctx, events[i+1].ID, reason); err != nil {
				t.Errorf("MarkDead with reason %q: %v", reason, err)
			}
		}
		checkPending(t, o, "after MarkDead with arbitrary reasons", events[:1])
	})

	t.Run("MarkDead", func(t *testing.T) {
		events := interleaved(3) // a1 b1 c1 a2 b2 c2 a3 b3 c3
		o, _ := fresh(t, events...)
		if err := o.MarkDead(ctx, events[0].ID, "poison"); err != nil {
			t.Fatalf("MarkDead: %v", err)
		}
		want := events[1:]
		checkPending(t, o, "a dead letter leaves Pending; its aggregate's later events stay", want)
		if got := pending(t, o, 100, "agg-b", "agg-c"); !cmp.Equal(ids(got), []oms.ID{events[3].ID, events[6].ID}) {
			t.Errorf("Pending of agg-a after its first event died = %v, want %v", ids(got), []oms.ID{events[3].ID, events[6].ID})
		}
		for _, id := range []oms.ID{events[0].ID, "unknown", "", oms.NewID()} {
			if err := o.MarkDead(ctx, id, "again"); err != nil {
				t.Errorf("MarkDead(%s) of a dead or unknown event: %v", id, err)
			}
		}
		if err := o.MarkPublished(ctx, events[4].ID); err != nil {
			t.Fatal(err)
		}
		if err := o.MarkDead(ctx, events[4].ID, "late"); err != nil {
			t.Errorf("MarkDead of a published event: %v", err)
		}
		want = append(append([]oms.Event{}, events[1:4]...), events[5:]...)
		checkPending(t, o, "after MarkDead of dead, unknown and published events", want)
		if n, err := o.MarkFailed(ctx, events[0].ID, "x"); n != 0 || err != nil {
			t.Errorf("MarkFailed of a dead letter = %d, %v; want 0, nil", n, err)
		}
		// A failed event that then dies leaves Pending too.
		if _, err := o.MarkFailed(ctx, events[8].ID, "x"); err != nil {
			t.Fatal(err)
		}
		if err := o.MarkDead(ctx, events[8].ID, "gave up"); err != nil {
			t.Fatal(err)
		}
		checkPending(t, o, "after MarkDead of a failed event", want[:len(want)-1])
	})

	t.Run("DrainsALongBacklog", func(t *testing.T) {
		// More events than fit in one read (or in one chunk of the memory
		// outbox, or than its pruning threshold), read a batch at a time;
		// each batch is published but for a few dead letters.
		const aggs, total, write, batch = 13, 1300, 50, 100
		o, app := fresh(t)
		var model []oms.Event // pending, in save order
		versions := map[oms.ID]int64{}
		for len(model) < total {
			var w []oms.Event
			for len(w) < write {
				i := len(model) + len(w)
				agg := oms.ID(fmt.Sprintf("agg-%02d", i*7%aggs))
				versions[agg]++
				w = append(w, newEvent(agg, versions[agg], i*31%1000))
			}
			if err := app(ctx, w...); err != nil {
				t.Fatalf("Append: %v", err)
			}
			model = append(model, w...)
		}
		for round := 0; len(model) > 0; round++ {
			got := pending(t, o, batch)
			want := model[:min(batch, len(model))]
			if !slices.Equal(ids(want), ids(got)) {
				d := cmp.Diff(ids(want), ids(got))
				t.Fatalf("round %d: Pending(%d) with %d events pending (-want +got):\n%s", round, batch, len(model), d)
			}
			var done []oms.ID
			for i, e := range got {
				if i%10 == 3 {
					if err := o.MarkDead(ctx, e.ID, "poison"); err != nil {
						t.Fatal(err)
					}
					continue
				}
				done = append(done, e.ID)
			}
			if err := o.MarkPublished(ctx, done...); err != nil {
				t.Fatal(err)
			}
			model = model[len(got):]
		}
		checkPending(t, o, "after draining the backlog", nil)
	})

	t.Run("ConcurrentAppendsKeepAggregateOrder", func(t *testing.T) {
		const writers, perWriter = 16, 24
		o, app := fresh(t)
		start := make(chan struct{})
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				agg := oms.ID(fmt.Sprintf("agg-%02d", w))
				<-start
				for v := 1; v <= perWriter; {
					// One event per write, sometimes two.
					batch := []oms.Event{newEvent(agg, int64(v), (w*perWriter+v)*37%1000)}
					if v%3 == 0 && v < perWriter {
						batch = append(batch, newEvent(agg, int64(v+1), (w*perWriter+v+1)*37%1000))
					}
					if err := app(ctx, batch...); err != nil {
						errs <- err
						return
					}
					v += len(batch)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent Append: %v", err)
		}
		got := pending(t, o, writers*perWriter+10)
		if len(got) != writers*perWriter {
			t.Errorf("Pending returned %d events after %d concurrent appends", len(got), writers*perWriter)
		}
		last := map[oms.ID]int64{}
		seen := map[oms.ID]bool{}
		for _, e := range got {
			if seen[e.ID] {
				t.Errorf("event %s returned twice", e.ID)
			}
			seen[e.ID] = true
			if e.AggregateVersion != last[e.AggregateID]+1 {
				t.Errorf("%s: version %d after version %d: per-aggregate order lost under concurrent appends", e.AggregateID, e.AggregateVersion, last[e.AggregateID])
			}
			last[e.AggregateID] = e.AggregateVersion
		}
	})

	t.Run("ConcurrentMarks", func(t *testing.T) {
		events := interleaved(6)
		o, _ := fresh(t, events...)
		const goroutines = 12
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []string
		report := func(format string, args ...any) {
			mu.Lock()
			failures = append(failures, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range events {
					e := events[(i+g*5)%len(events)]
					if g%2 == 0 {
						if err := o.MarkPublished(ctx, e.ID, events[i].ID); err != nil {
							report("MarkPublished: %v", err)
						}
					} else if n, err := o.MarkFailed(ctx, e.ID, "racing"); err != nil || n < 0 || n > goroutines {
						report("MarkFailed(%s) = %d, %v during concurrent marks", e.ID, n, err)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		for _, f := range failures {
			t.Error(f)
		}
		checkPending(t, o, "after concurrent MarkPublished and MarkFailed", nil)
		for _, e := range events {
			if n, err := o.MarkFailed(ctx, e.ID, "after"); n != 0 || err != nil {
				t.Errorf("MarkFailed(%s) after concurrent publication = %d, %v; want 0, nil", e.ID, n, err)
			}
		}
	})

	t.Run("ConcurrentMarkFailedCountsEveryAttempt", func(t *testing.T) {
		const rounds, goroutines = 4, 16
		events := interleaved(rounds)[:rounds]
		o, _ := fresh(t, events...)
		for _, e := range events {
			start := make(chan struct{})
			got := make(chan int, goroutines)
			errs := make(chan error, goroutines)
			var wg sync.WaitGroup
			for range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					n, err := o.MarkFailed(ctx, e.ID, "racing")
					if err != nil {
						errs <- err
					}
					got <- n
				}()
			}
			close(start)
			wg.Wait()
			close(got)
			close(errs)
			for err := range errs {
				t.Errorf("concurrent MarkFailed: %v", err)
			}
			seen := make([]bool, goroutines+1)
			for n := range got {
				if n < 1 || n > goroutines || seen[n] {
					t.Errorf("concurrent MarkFailed of %s returned attempts %d twice or out of 1..%d: an attempt was lost", e.ID, n, goroutines)
					continue
				}
				seen[n] = true
			}
			if n, err := o.MarkFailed(ctx, e.ID, "after"); n != goroutines+1 || err != nil {
				t.Errorf("MarkFailed(%s) after %d concurrent ones = %d, %v; want %d", e.ID, goroutines, n, err, goroutines+1)
			}
		}
		checkPending(t, o, "after concurrent MarkFailed", events)
	})

	t.Run("RelayPublishesEverythingOnce", func(t *testing.T) {
		testRelay(ctx, t, fresh, 0)
	})
	t.Run("RelayDeadLettersAndMovesOn", func(t *testing.T) {
		testRelay(ctx, t, fresh, 3)
	})
}

// testRelay drains an outbox holding 8 aggregates × 16 events with a Relay
// whose publisher fails every third call (at most twice per event), and, when maxAttempts > 0, always
// fails one poison event, which must become a dead letter while its
// aggregate's later events go out.
func testRelay(ctx context.Context, t *testing.T, fresh func(*testing.T, ...oms.Event) (oms.Outbox, Appender), maxAttempts int) {
	const aggs, per, maxHiccups = 8, 16, 2
	var events []oms.Event
	for v := 1; v <= per; v++ {
		for a := range aggs {
			events = append(events, newEvent(oms.ID(fmt.Sprintf("agg-%d", a)), int64(v), (v*aggs+a)*13%1000))
		}
	}
	o, app := fresh(t)
	for i := 0; i < len(events); i += 5 {
		if err := app(ctx, events[i:min(i+5, len(events))]...); err != nil {
			t.Fatal(err)
		}
	}
	var poison oms.ID
	if maxAttempts > 0 {
		poison = events[3*aggs+2].ID // agg-2 version 4
	}
	calls, again := 0, 0 // publisher calls, publications of published events
	hiccups := map[oms.ID]int{}
	published := map[oms.ID]int{}
	var order []oms.Event
	pub := oms.PublisherFunc(func(_ context.Context, e oms.Event) error {
		calls++
		if e.ID == poison {
			return errors.New("poison")
		}
		if calls%3 == 0 && hiccups[e.ID] < maxHiccups {
			// Never maxAttempts times in a row: only the poison dies.
			hiccups[e.ID]++
			return errors.New("bus hiccup")
		}
		published[e.ID]++
		if published[e.ID] > 1 {
			again++
		}
		order = append(order, e)
		return nil
	})
	dead := map[oms.ID]int{}
	r := oms.NewRelay(o, pub, &oms.RelayOptions{BatchSize: 7, MaxAttempts: maxAttempts,
		OnDeadLetter: func(_ context.Context, e oms.Event, _ error) { dead[e.ID]++ }})
	// Every pass publishes an event or makes a failed attempt; no event
	// fails more than maxHiccups times and the poison dies after
	// maxAttempts, so a correct outbox is empty within this many passes.
	passes := 0
	for ; passes < (maxHiccups+1)*len(events)+maxAttempts; passes++ {
		rest, err := o.Pending(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) == 0 {
			break
		}
		_, _ = r.RunOnce(ctx) // the errors are the publisher's failures, expected
		if again > 0 {
			t.Errorf("after %d relay passes, %d events were published again: published events came back from Pending", passes+1, again)
			return
		}
	}
	if rest, _ := o.Pending(ctx, len(events)+1); len(rest) != 0 {
		t.Errorf("after %d relay passes %d events are still pending: the relay can never finish", passes, len(rest))
	}
	last := map[oms.ID]int64{}
	for _, e := range order {
		if e.AggregateVersion <= last[e.AggregateID] {
			t.Errorf("%s version %d published after version %d", e.AggregateID, e.AggregateVersion, last[e.AggregateID])
		}
		last[e.AggregateID] = e.AggregateVersion
	}
	for _, e := range events {
		want := 1
		if e.ID == poison {
			want = 0
		}
		if published[e.ID] != want {
			t.Errorf("%s %s version %d published %d times, want %d", e.ID, e.AggregateID, e.AggregateVersion, published[e.ID], want)
		}
	}
	if maxAttempts > 0 {
		if d := cmp.Diff(map[oms.ID]int{poison: 1}, dead); d != "" {
			t.Errorf("dead letters (-want +got):\n%s", d)
		}
		if n, err := o.MarkFailed(ctx, poison, "x"); n != 0 || err != nil {
			t.Errorf("MarkFailed of the dead-lettered event = %d, %v; want 0, nil", n, err)
		}
	}
}
