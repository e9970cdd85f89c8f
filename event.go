package oms

import (
	"context"
	"encoding/json"
	"fmt"
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
	mu        sync.Mutex
	events    []Event
	index     map[ID]int
	published map[ID]bool
	next      int // index of the oldest event that may be unpublished
}

var _ Outbox = (*MemoryOutbox)(nil)

// NewMemoryOutbox returns an empty outbox.
func NewMemoryOutbox() *MemoryOutbox {
	return &MemoryOutbox{index: map[ID]int{}, published: map[ID]bool{}}
}

// Append saves events as pending, in order. An event whose ID is already
// stored is skipped, so a replayed write adds nothing.
func (o *MemoryOutbox) Append(events ...Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.index == nil {
		o.index = map[ID]int{}
	}
	for _, e := range events {
		if _, dup := o.index[e.ID]; dup {
			continue
		}
		o.index[e.ID] = len(o.events)
		o.events = append(o.events, copyEvent(e))
	}
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
	for o.next < len(o.events) && o.published[o.events[o.next].ID] {
		o.next++
	}
	var out []Event
	for i := o.next; i < len(o.events) && len(out) < limit; i++ {
		if !o.published[o.events[i].ID] {
			out = append(out, copyEvent(o.events[i]))
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
	if o.published == nil {
		o.published = map[ID]bool{}
	}
	for _, id := range ids {
		if _, ok := o.index[id]; ok {
			o.published[id] = true
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
	for _, e := range o.events {
		if aggregateID == "" || e.AggregateID == aggregateID {
			out = append(out, copyEvent(e))
		}
	}
	return out
}

// PendingCount returns how many events are not yet published.
func (o *MemoryOutbox) PendingCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.events) - len(o.published)
}
