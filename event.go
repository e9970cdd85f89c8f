package oms

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// Event is a domain event: something that happened to one aggregate. Stores
// save an aggregate's new events in the same atomic write as the aggregate
// (the outbox), and a Relay hands them to the host's Publisher.
type Event struct {
	// ID is unique per event; consumers de-duplicate by it.
	ID ID `json:"id"`
	// Type names what happened, such as "order.placed".
	Type string `json:"type"`
	// AggregateKind is the kind of aggregate, such as "order".
	AggregateKind string `json:"aggregate_kind"`
	// AggregateID identifies the aggregate.
	AggregateID ID `json:"aggregate_id"`
	// AggregateVersion is the aggregate's version after the change.
	AggregateVersion int64 `json:"aggregate_version"`
	// Time is when it happened, from the domain's Clock.
	Time time.Time `json:"time"`
	// Payload is the event's data as JSON.
	Payload json.RawMessage `json:"payload,omitempty"`
}

// NewEvent builds an event with a new ID and payload marshalled to JSON.
func NewEvent(typ, kind string, aggregateID ID, version int64, at time.Time, payload any) (Event, error) {
	e := Event{
		ID:               NewIDAt(at),
		Type:             typ,
		AggregateKind:    kind,
		AggregateID:      aggregateID,
		AggregateVersion: version,
		Time:             at,
	}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return Event{}, fmt.Errorf("oms: event %s payload: %w", typ, err)
		}
		e.Payload = b
	}
	return e, nil
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("oms: event %s %s payload: %w", e.Type, e.ID, err)
	}
	return nil
}

// Publisher delivers events to the host's world: a message bus, webhooks,
// an e-mail sender. The host implements it. Publish may be called again
// with an event it already received (delivery is at least once); consumers
// de-duplicate by Event.ID. A Relay calls Publish from one goroutine.
type Publisher interface {
	Publish(ctx context.Context, e Event) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, e Event) error

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, e Event) error { return f(ctx, e) }

// Outbox is the store side of event delivery: the events saved with their
// aggregates that are not yet published. The host implements it over the
// same database as its stores (a table written in the aggregate's
// transaction).
type Outbox interface {
	// Pending returns up to limit unpublished events, oldest first in the
	// order they were saved, which keeps each aggregate's events in
	// version order.
	Pending(ctx context.Context, limit int) ([]Event, error)
	// MarkPublished records that the events were published. Unknown or
	// already published IDs are ignored.
	MarkPublished(ctx context.Context, ids ...ID) error
}

// MemoryOutbox is an in-memory Outbox, the embedded default and the one
// tests use. The memory stores of the domain packages append to it inside
// their own atomic writes. It keeps every event (published ones too) so
// that histories can be read back. It is safe for concurrent use. The zero
// value is an empty outbox ready to use.
type MemoryOutbox struct {
	mu sync.Mutex
	// Events live in fixed-size chunks, so that appending never copies the
	// events already held (a store appends inside its critical section).
	chunks [][]outboxSlot
	n      int // events held
	// index maps a hash of each event ID to its position; the rare IDs
	// whose hash is taken by another ID go to overflow.
	seed      maphash.Seed
	index     outboxIndex
	overflow  map[ID]int
	published int // how many are marked published
	next      int // position of the oldest event that may be unpublished
}

type outboxSlot struct {
	e         Event
	published bool
}

// outboxChunk is how many events one chunk holds.
const outboxChunk = 1024

var _ Outbox = (*MemoryOutbox)(nil)

// NewMemoryOutbox returns an empty outbox.
func NewMemoryOutbox() *MemoryOutbox {
	o := &MemoryOutbox{}
	o.init()
	return o
}

func (o *MemoryOutbox) init() {
	if o.overflow == nil {
		o.seed = maphash.MakeSeed()
		o.overflow = map[ID]int{}
	}
}

// find returns the position of the event with ID id.
func (o *MemoryOutbox) find(id ID) (int, bool) {
	if i, ok := o.index.get(maphash.String(o.seed, string(id))); ok && o.slot(i).e.ID == id {
		return i, true
	}
	i, ok := o.overflow[id]
	return i, ok
}

func (o *MemoryOutbox) slot(i int) *outboxSlot {
	return &o.chunks[i/outboxChunk][i%outboxChunk]
}

// Append saves events as pending, in order. An event whose ID is already
// stored is skipped, so a replayed write adds nothing. It holds the
// outbox's lock briefly and never copies the events already stored, so a
// store may call it inside its own critical section.
//
// Append takes ownership of each event's Payload, as bytes.NewBuffer does
// of its slice: the caller must not modify a payload after appending it.
// (Stores build a fresh payload for every event; not copying it again
// inside their writes is a quarter of a memory store's reservation
// throughput.) Pending and Events return copies, so readers can never
// change what the outbox holds.
func (o *MemoryOutbox) Append(events ...Event) {
	o.mu.Lock()
	o.init()
	for _, e := range events {
		h := maphash.String(o.seed, string(e.ID))
		i, taken := o.index.get(h)
		if taken {
			if o.slot(i).e.ID == e.ID {
				continue
			}
			if _, dup := o.overflow[e.ID]; dup {
				continue
			}
		}
		if o.n%outboxChunk == 0 {
			// The first chunk starts small and grows (an outbox that sees
			// few events stays small); later ones are allocated whole.
			size := outboxChunk
			if o.n == 0 {
				size = 16
			}
			o.chunks = append(o.chunks, make([]outboxSlot, 0, size))
		}
		c := len(o.chunks) - 1
		o.chunks[c] = append(o.chunks[c], outboxSlot{e: e})
		if taken {
			o.overflow[e.ID] = o.n
		} else {
			o.index.put(h, o.n)
		}
		o.n++
	}
	o.mu.Unlock()
}

func copyEvent(e Event) Event {
	if e.Payload != nil {
		e.Payload = append(json.RawMessage(nil), e.Payload...)
	}
	return e
}

// Pending implements Outbox.
func (o *MemoryOutbox) Pending(ctx context.Context, limit int) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, Validationf("outbox", "limit", "must be positive, got %d", limit)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.next < o.n && o.slot(o.next).published {
		o.next++
	}
	var out []Event
	for i := o.next; i < o.n && len(out) < limit; i++ {
		if s := o.slot(i); !s.published {
			out = append(out, copyEvent(s.e))
		}
	}
	return out, nil
}

// MarkPublished implements Outbox.
func (o *MemoryOutbox) MarkPublished(ctx context.Context, ids ...ID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	for _, id := range ids {
		if i, ok := o.find(id); ok {
			if s := o.slot(i); !s.published {
				s.published = true
				o.published++
			}
		}
	}
	return nil
}

// Events returns every stored event of the aggregate, in the order saved,
// published or not. An empty aggregateID returns all events.
func (o *MemoryOutbox) Events(aggregateID ID) []Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Event
	for _, c := range o.chunks {
		for i := range c {
			if aggregateID == "" || c[i].e.AggregateID == aggregateID {
				out = append(out, copyEvent(c[i].e))
			}
		}
	}
	return out
}

// PendingCount returns how many events are not yet published.
func (o *MemoryOutbox) PendingCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n - o.published
}

// outboxIndex is an open-addressing hash table from a 64-bit hash of an
// event ID to the event's position: leaner than a map for the one lookup
// and one insert each Append makes. Position p is stored as p+1, so that 0
// marks an empty slot.
type outboxIndex struct {
	slots []outboxIndexSlot
	used  int
}

type outboxIndexSlot struct {
	hash uint64
	pos  int
}

func (x *outboxIndex) get(h uint64) (int, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.pos == 0 {
			return 0, false
		}
		if s.hash == h {
			return s.pos - 1, true
		}
	}
}

// put adds h → pos; h must not be present.
func (x *outboxIndex) put(h uint64, pos int) {
	if 2*(x.used+1) > len(x.slots) {
		x.grow()
	}
	x.insert(h, pos+1)
	x.used++
}

func (x *outboxIndex) insert(h uint64, stored int) {
	mask := uint64(len(x.slots) - 1)
	i := h & mask
	for x.slots[i].pos != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = outboxIndexSlot{hash: h, pos: stored}
}

func (x *outboxIndex) grow() {
	old := x.slots
	n := 2 * len(old)
	if n < 1024 {
		n = 1024
	}
	x.slots = make([]outboxIndexSlot, n)
	for _, s := range old {
		if s.pos != 0 {
			x.insert(s.hash, s.pos)
		}
	}
}
