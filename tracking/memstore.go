package tracking

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/omskit/oms"
)

// MemoryStore is the in-memory Store: the embedded default and the one
// tests use. It copies trackers going in and out and appends each save's
// events to its outbox inside the same locked write. It is safe for
// concurrent use.
type MemoryStore struct {
	mu       sync.Mutex
	trackers map[Key]*Tracker
	orphans  map[Key][]Orphan
	outbox   *oms.MemoryOutbox
}

var _ Store = (*MemoryStore)(nil)

// MemoryStoreOptions configures a MemoryStore.
type MemoryStoreOptions struct {
	// Outbox receives the saved events; nil means a new one.
	Outbox *oms.MemoryOutbox
}

// NewMemoryStore returns an empty store.
func NewMemoryStore(opts *MemoryStoreOptions) *MemoryStore {
	s := &MemoryStore{
		trackers: map[Key]*Tracker{},
		orphans:  map[Key][]Orphan{},
	}
	if opts != nil {
		s.outbox = opts.Outbox
	}
	if s.outbox == nil {
		s.outbox = oms.NewMemoryOutbox(nil)
	}
	return s
}

// Outbox returns the store's outbox.
func (s *MemoryStore) Outbox() *oms.MemoryOutbox { return s.outbox }

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, key Key) (*Tracker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trackers[key]
	if !ok {
		return nil, oms.NotFoundError("tracker", key.String())
	}
	return t.Clone(), nil
}

// Save implements Store.
func (s *MemoryStore) Save(ctx context.Context, t *Tracker, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t == nil {
		return oms.Validationf("tracker", "", "is nil")
	}
	if err := t.Key().Validate(); err != nil {
		return err
	}
	if t.Version < 1 {
		return oms.Validationf("tracker", "version", "must be at least 1, got %d", t.Version)
	}
	key := t.Key()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.trackers[key]
	switch {
	case t.Version == 1 && ok:
		return oms.ConflictError("tracker", key.String(), 0, cur.Version)
	case t.Version > 1 && !ok:
		return oms.NotFoundError("tracker", key.String())
	case t.Version > 1 && cur.Version != t.Version-1:
		return oms.ConflictError("tracker", key.String(), t.Version-1, cur.Version)
	}
	s.trackers[key] = t.Clone()
	s.outbox.Append(events...)
	return nil
}

// List implements Store.
func (s *MemoryStore) List(ctx context.Context, f Filter) ([]*Tracker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]Key, 0, len(s.trackers))
	for k, t := range s.trackers {
		if f.Match(t) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return KeyLess(keys[i], keys[j]) })
	if f.Limit > 0 && len(keys) > f.Limit {
		keys = keys[:f.Limit]
	}
	out := make([]*Tracker, len(keys))
	for i, k := range keys {
		out[i] = s.trackers[k].Clone()
	}
	return out, nil
}

// AddOrphans implements Store.
func (s *MemoryStore) AddOrphans(ctx context.Context, orphans ...Orphan) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	added := 0
	held := map[Key]map[string]bool{} // the IDs of each key, built once per call
	for _, o := range orphans {
		ids, ok := held[o.Key]
		if !ok {
			ids = make(map[string]bool, len(s.orphans[o.Key]))
			for _, have := range s.orphans[o.Key] {
				ids[have.Event.ID] = true
			}
			held[o.Key] = ids
		}
		if ids[o.Event.ID] {
			continue
		}
		ids[o.Event.ID] = true
		s.orphans[o.Key] = append(s.orphans[o.Key], o)
		added++
	}
	return added, nil
}

// Orphans implements Store.
func (s *MemoryStore) Orphans(ctx context.Context, key Key) ([]Orphan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Orphan
	if key == (Key{}) {
		for _, os := range s.orphans {
			out = append(out, os...)
		}
	} else {
		out = append(out, s.orphans[key]...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return KeyLess(out[i].Key, out[j].Key)
		}
		return after(out[j].Event, out[i].Event)
	})
	return out, nil
}

// DeleteOrphans implements Store.
func (s *MemoryStore) DeleteOrphans(ctx context.Context, key Key, eventIDs ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	drop := map[string]bool{}
	for _, id := range eventIDs {
		drop[id] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var kept []Orphan
	for _, o := range s.orphans[key] {
		if !drop[o.Event.ID] {
			kept = append(kept, o)
		}
	}
	if len(kept) == 0 {
		delete(s.orphans, key)
	} else {
		s.orphans[key] = kept
	}
	return nil
}

// PruneOrphans implements Store.
func (s *MemoryStore) PruneOrphans(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if limit <= 0 {
		return 0, oms.Validationf("prune orphans", "limit", "must be positive, got %d", limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type old struct {
		key Key
		at  time.Time
		id  string
	}
	var olds []old
	for k, os := range s.orphans {
		for _, o := range os {
			if o.ReceivedAt.Before(before) {
				olds = append(olds, old{k, o.ReceivedAt, o.Event.ID})
			}
		}
	}
	sort.Slice(olds, func(i, j int) bool {
		if !olds[i].at.Equal(olds[j].at) {
			return olds[i].at.Before(olds[j].at)
		}
		if olds[i].key != olds[j].key {
			return KeyLess(olds[i].key, olds[j].key)
		}
		return olds[i].id < olds[j].id
	})
	if len(olds) > limit {
		olds = olds[:limit]
	}
	drop := map[Key]map[string]bool{}
	for _, o := range olds {
		if drop[o.key] == nil {
			drop[o.key] = map[string]bool{}
		}
		drop[o.key][o.id] = true
	}
	for k, ids := range drop {
		kept := s.orphans[k][:0:0]
		for _, o := range s.orphans[k] {
			if !ids[o.Event.ID] {
				kept = append(kept, o)
			}
		}
		if len(kept) == 0 {
			delete(s.orphans, k)
		} else {
			s.orphans[k] = kept
		}
	}
	return len(olds), nil
}
