package oms

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
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
// transaction, with a sequence number for the save order, a publication
// time, a count of failed attempts, and a dead-letter time and reason).
// A Relay calls it from one goroutine.
type Outbox interface {
	// Pending returns up to limit events that are neither published nor
	// dead letters, oldest first in the order they were saved (which keeps
	// each aggregate's events in version order), leaving out every event of
	// the aggregates listed in skip. A Relay skips the aggregates it found
	// failing in the same pass, so that however long their backlog, the
	// next read reaches the other aggregates. In SQL:
	//
	//	SELECT ... FROM outbox
	//	WHERE published_at IS NULL AND dead_at IS NULL
	//	  AND aggregate_id <> ALL($2)
	//	ORDER BY seq LIMIT $1
	//
	// A limit that is not positive is an error matching ErrValidation.
	Pending(ctx context.Context, limit int, skip ...ID) ([]Event, error)
	// MarkPublished records that the events were published. Unknown or
	// already published IDs are ignored.
	MarkPublished(ctx context.Context, ids ...ID) error
	// MarkFailed records one failed publication of a pending event with
	// the reason, and returns how many failed attempts the event has now
	// (1 after its first failure). Attempts are counted in the outbox, so
	// a restarted relay goes on counting. An unknown, published or dead
	// event returns 0 and no error.
	MarkFailed(ctx context.Context, id ID, reason string) (attempts int, err error)
	// MarkDead turns a pending event into a dead letter: Pending no longer
	// returns it (its aggregate's later events go on), and the outbox keeps
	// it with the reason for inspection and replay. An unknown, published or
	// dead event is ignored.
	MarkDead(ctx context.Context, id ID, reason string) error
}

// DeadLetter is an event a Relay gave up publishing, kept by the outbox for
// inspection.
type DeadLetter struct {
	// Event is the event as saved.
	Event Event `json:"event"`
	// Attempts is how many times publishing it failed.
	Attempts int `json:"attempts"`
	// Reason says why the relay gave up, with the last publisher error.
	Reason string `json:"reason"`
	// At is when it became a dead letter, on the outbox's clock.
	At time.Time `json:"at"`
}

// DefaultRetainPublished is how many published events a MemoryOutbox keeps
// by default.
const DefaultRetainPublished = 10_000

// MemoryOutboxOptions tunes a MemoryOutbox. The zero value (or nil) gives
// the defaults.
type MemoryOutboxOptions struct {
	// RetainPublished is how many published events the outbox keeps for
	// reading back with Events (the most recently saved ones); older
	// published events are pruned. Zero means DefaultRetainPublished; a
	// negative value keeps every published event (the outbox then grows
	// without bound). Pending events and dead letters are never pruned.
	RetainPublished int
	// RetainFor, when positive, also prunes published events published
	// longer ago than this on Clock, however few there are. MarkPublished
	// prunes by age once the oldest published event is 1.25 × RetainFor
	// old (so that pruning happens in batches); Prune prunes at once.
	RetainFor time.Duration
	// Clock stamps publications and dead letters, and ages them for
	// RetainFor. Default the system clock.
	Clock Clock
}

// MemoryOutbox is an in-memory Outbox, the embedded default and the one
// tests use. The memory stores of the domain packages append to it inside
// their own atomic writes. Besides the pending events it keeps dead letters
// (until Requeue) and a bounded history of published events (see
// MemoryOutboxOptions), so that histories can be read back. It is safe for
// concurrent use. The zero value is an empty outbox with the default
// options, ready to use.
//
// Pruning: published events beyond the retention are dropped in batches
// (at least 1,024 and a quarter of the outbox at a time, so pruning costs
// O(1) per event), during MarkPublished or when Prune is called. An event
// appended again after its pruning is new to the outbox: Append
// de-duplicates only against the events it holds.
type MemoryOutbox struct {
	mu   sync.Mutex
	opts MemoryOutboxOptions
	// Events live in fixed-size chunks, so that appending never copies the
	// events already held (a store appends inside its critical section).
	chunks [][]outboxSlot
	n      int // events held
	// index maps a hash of each event ID to its position; the rare IDs
	// whose hash is taken by another ID go to overflow.
	seed      maphash.Seed
	index     outboxIndex
	overflow  map[ID]int
	published int // how many held events are published
	dead      int // how many held events are dead letters
	next      int // position of the oldest event that may be pending
	// oldestPublished is the earliest publication time (Unix seconds) of
	// the published events held; valid when published > 0.
	oldestPublished int64
	// failures holds the failed attempts of pending events and the
	// details of dead letters: few events, so kept out of the slots.
	failures map[ID]*outboxFailure
}

// outboxSlot is one event held. It stays small: every memory store's
// write appends one per event.
type outboxSlot struct {
	e     Event
	state uint8 // slotPending, slotPublished or slotDead
	// publishedAt is when the event was published, in Unix seconds.
	publishedAt int64
}

const (
	slotPending uint8 = iota
	slotPublished
	slotDead
)

type outboxFailure struct {
	attempts int
	reason   string
	deadAt   time.Time
}

// outboxChunk is how many events one chunk holds.
const outboxChunk = 1024

// minPrune is the fewest events a pruning pass drops.
const minPrune = 1024

var _ Outbox = (*MemoryOutbox)(nil)

// NewMemoryOutbox returns an empty outbox; opts may be nil.
func NewMemoryOutbox(opts *MemoryOutboxOptions) *MemoryOutbox {
	o := &MemoryOutbox{}
	if opts != nil {
		o.opts = *opts
	}
	o.init()
	return o
}

func (o *MemoryOutbox) init() {
	if o.overflow == nil {
		o.seed = maphash.MakeSeed()
		o.overflow = map[ID]int{}
		o.failures = map[ID]*outboxFailure{}
	}
}

func (o *MemoryOutbox) now() time.Time {
	if o.opts.Clock == nil {
		return time.Now()
	}
	return o.opts.Clock.Now()
}

// retain returns how many published events to keep, or -1 for all.
func (o *MemoryOutbox) retain() int {
	switch r := o.opts.RetainPublished; {
	case r == 0:
		return DefaultRetainPublished
	case r < 0:
		return -1
	default:
		return r
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

// push stores s at position o.n and indexes it under hash h; taken says
// that h already names another event.
func (o *MemoryOutbox) push(s outboxSlot, h uint64, taken bool) {
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
	o.chunks[c] = append(o.chunks[c], s)
	if taken {
		o.overflow[s.e.ID] = o.n
	} else {
		o.index.put(h, o.n)
	}
	o.n++
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
		o.push(outboxSlot{e: e}, h, taken)
	}
	o.mu.Unlock()
}

func copyEvent(e Event) Event {
	if e.Payload != nil {
		e.Payload = append(json.RawMessage(nil), e.Payload...)
	}
	return e
}

func (s *outboxSlot) pending() bool { return s.state == slotPending }

// Pending implements Outbox.
func (o *MemoryOutbox) Pending(ctx context.Context, limit int, skip ...ID) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, Validationf("outbox", "limit", "must be positive, got %d", limit)
	}
	skipped := func(ID) bool { return false }
	switch {
	case len(skip) > 8:
		set := make(map[ID]bool, len(skip))
		for _, id := range skip {
			set[id] = true
		}
		skipped = func(id ID) bool { return set[id] }
	case len(skip) > 0:
		skipped = func(id ID) bool { return slices.Contains(skip, id) }
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.next < o.n && !o.slot(o.next).pending() {
		o.next++
	}
	var out []Event
	for i := o.next; i < o.n && len(out) < limit; i++ {
		if s := o.slot(i); s.pending() && !skipped(s.e.AggregateID) {
			out = append(out, copyEvent(s.e))
		}
	}
	return out, nil
}

// MarkPublished implements Outbox. It also prunes published events beyond
// the retention, in batches.
func (o *MemoryOutbox) MarkPublished(ctx context.Context, ids ...ID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	now := o.now()
	sec := now.Unix()
	for _, id := range ids {
		if i, ok := o.find(id); ok {
			if s := o.slot(i); s.pending() {
				s.state = slotPublished
				s.publishedAt = sec
				if o.published == 0 || sec < o.oldestPublished {
					o.oldestPublished = sec
				}
				o.published++
				if len(o.failures) > 0 {
					delete(o.failures, id)
				}
			}
		}
	}
	threshold := max(minPrune, o.n/4)
	switch r := o.retain(); {
	case r >= 0 && o.published-r >= threshold:
		o.prune(now)
	case o.opts.RetainFor > 0 && o.published > 0 && now.Sub(time.Unix(o.oldestPublished, 0)) > o.pruneAge():
		o.prune(now)
	}
	return nil
}

// pruneAge is the age of the oldest published event at which
// MarkPublished prunes by age: 1.25 × RetainFor, saturated (the plain sum
// wraps negative above about 233 years, which pruned on every call).
func (o *MemoryOutbox) pruneAge() time.Duration {
	r := o.opts.RetainFor
	if r > math.MaxInt64-r/4 {
		return math.MaxInt64
	}
	return r + r/4
}

// MarkFailed implements Outbox.
func (o *MemoryOutbox) MarkFailed(ctx context.Context, id ID, reason string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	i, ok := o.find(id)
	if !ok {
		return 0, nil
	}
	if !o.slot(i).pending() {
		return 0, nil
	}
	f := o.failures[id]
	if f == nil {
		f = &outboxFailure{}
		o.failures[id] = f
	}
	if f.attempts < math.MaxInt {
		f.attempts++
	}
	f.reason = reason
	return f.attempts, nil
}

// MarkDead implements Outbox.
func (o *MemoryOutbox) MarkDead(ctx context.Context, id ID, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	if i, ok := o.find(id); ok {
		if s := o.slot(i); s.pending() {
			s.state = slotDead
			f := o.failures[id]
			if f == nil {
				f = &outboxFailure{}
				o.failures[id] = f
			}
			f.reason, f.deadAt = reason, o.now()
			o.dead++
		}
	}
	return nil
}

// DeadLetters returns the dead letters, in the order they were saved.
func (o *MemoryOutbox) DeadLetters() []DeadLetter {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []DeadLetter
	if o.dead == 0 {
		return nil
	}
	for _, c := range o.chunks {
		for i := range c {
			if s := &c[i]; s.state == slotDead {
				d := DeadLetter{Event: copyEvent(s.e)}
				if f := o.failures[s.e.ID]; f != nil {
					d.Attempts, d.Reason, d.At = f.attempts, f.reason, f.deadAt
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// Requeue turns dead letters back into pending events with no failed
// attempts, in their original place: a Relay publishes them on its next
// pass (after the host fixed what made them fail). IDs that are not dead
// letters are ignored. It returns how many it requeued.
func (o *MemoryOutbox) Requeue(ctx context.Context, ids ...ID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	n := 0
	for _, id := range ids {
		if i, ok := o.find(id); ok {
			if s := o.slot(i); s.state == slotDead {
				s.state = slotPending
				delete(o.failures, id)
				o.dead--
				n++
				o.next = min(o.next, i)
			}
		}
	}
	return n, nil
}

// Prune drops the published events beyond the retention now (MarkPublished
// does it in batches) and returns how many it dropped.
func (o *MemoryOutbox) Prune() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	return o.prune(o.now())
}

// prune rebuilds the outbox without the published events beyond the
// retention: older than RetainFor, or beyond the RetainPublished most
// recently saved ones. It costs O(events held).
func (o *MemoryOutbox) prune(now time.Time) int {
	retain := o.retain()
	ageLimit := o.opts.RetainFor > 0
	// Published in a second before cutoff: older than RetainFor.
	cutoff := now.Add(-o.opts.RetainFor).Unix()
	keep := make([]bool, o.n)
	kept, dropped := 0, 0
	for i := o.n - 1; i >= 0; i-- {
		s := o.slot(i)
		switch {
		case s.state != slotPublished:
			keep[i] = true
		case (retain >= 0 && kept >= retain) || (ageLimit && s.publishedAt < cutoff):
			dropped++
		default:
			keep[i] = true
			kept++
		}
	}
	first := true
	for i := 0; i < o.n; i++ {
		if s := o.slot(i); keep[i] && s.state == slotPublished && (first || s.publishedAt < o.oldestPublished) {
			o.oldestPublished, first = s.publishedAt, false
		}
	}
	if dropped == 0 {
		return 0
	}
	old, n := o.chunks, o.n
	o.chunks, o.n, o.index, o.overflow, o.next, o.published = nil, 0, outboxIndex{}, map[ID]int{}, 0, kept
	for i := 0; i < n; i++ {
		if !keep[i] {
			continue
		}
		s := old[i/outboxChunk][i%outboxChunk]
		h := maphash.String(o.seed, string(s.e.ID))
		_, taken := o.index.get(h)
		o.push(s, h, taken)
	}
	return dropped
}

// Events returns every stored event of the aggregate, in the order saved:
// pending, dead letters and the published events still retained. An empty
// aggregateID returns all events.
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

// PendingCount returns how many events are neither published nor dead
// letters.
func (o *MemoryOutbox) PendingCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n - o.published - o.dead
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
