package oms

import (
	"context"
	"hash/maphash"
	"strconv"
	"testing"
	"time"
)

// BenchmarkMemoryOutboxAppend measures the cost a memory store pays inside
// its critical section for each event it saves.
func BenchmarkMemoryOutboxAppend(b *testing.B) {
	o := NewMemoryOutbox(nil)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	payload := []byte(`{"id":"r1","lines":[{"sku":"SKU-1","location":"dc","quantity":1}]}`)
	ids := make([]ID, 4096)
	for i := range ids {
		ids[i] = ID("agg-" + strconv.Itoa(i))
	}
	events := make([]ID, b.N)
	for i := range events {
		events[i] = NewIDAt(at)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o.Append(Event{ID: events[i], Type: "inventory.reserved", AggregateKind: "reservation",
			AggregateID: ids[i%len(ids)], AggregateVersion: 1, Time: at, Payload: payload})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if o.PendingCount() != b.N {
		b.Fatalf("pending %d, want %d", o.PendingCount(), b.N)
	}
}

// TestMemoryOutboxHashCollision forces two event IDs onto one index hash,
// as a 64-bit hash collision would, and checks that both events are kept,
// found, deduplicated and marked on their own.
func TestMemoryOutboxHashCollision(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	a, b := testEvent("a", 1), testEvent("b", 1)
	o.Append(a)
	// Make b's hash point at a's slot, as if the two hashes were equal.
	o.index.put(maphash.String(o.seed, string(b.ID)), 0)
	o.Append(b, b)
	if got := o.PendingCount(); got != 2 {
		t.Fatalf("PendingCount = %d, want 2", got)
	}
	if i, ok := o.find(b.ID); !ok || i != 1 {
		t.Fatalf("find(b) = %d, %v; want 1, true", i, ok)
	}
	if err := o.MarkPublished(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	pending, err := o.Pending(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != a.ID {
		t.Fatalf("pending after marking b = %v, want only a", pending)
	}
}

// TestMemoryOutboxManyEvents grows the index and the chunks well past their
// first sizes and checks every event is still found once.
func TestMemoryOutboxManyEvents(t *testing.T) {
	ctx := context.Background()
	o := NewMemoryOutbox(nil)
	const n = 5000
	var ids []ID
	for i := 0; i < n; i++ {
		e := testEvent(ID("agg-"+strconv.Itoa(i%7)), int64(i))
		ids = append(ids, e.ID)
		o.Append(e, e)
	}
	if got := o.PendingCount(); got != n {
		t.Fatalf("PendingCount = %d, want %d", got, n)
	}
	if err := o.MarkPublished(ctx, ids[:n-1]...); err != nil {
		t.Fatal(err)
	}
	pending, err := o.Pending(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != ids[n-1] {
		t.Fatalf("pending = %d events, want only the last", len(pending))
	}
	if got := len(o.Events("")); got != n {
		t.Fatalf("Events = %d, want %d", got, n)
	}
}
