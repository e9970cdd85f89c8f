package returns

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/omskit/oms"
)

// MemoryStoreOptions configures a MemoryStore. The zero value (or nil)
// gives the defaults.
type MemoryStoreOptions struct {
	// Outbox receives each write's events inside the write. Default: a new
	// oms.MemoryOutbox. Share one outbox among the memory stores of several
	// packages to relay all their events with one oms.Relay.
	Outbox *oms.MemoryOutbox
}

// MemoryStore is the in-memory Store. Returns are copied in and out; each
// write saves the return and appends its events to the outbox under one
// lock. It is safe for concurrent use.
type MemoryStore struct {
	mu       sync.RWMutex
	returns  map[oms.ID]*Return
	byOrder  map[oms.ID][]oms.ID
	tracking map[string]oms.ID
	outbox   *oms.MemoryOutbox
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore(opts *MemoryStoreOptions) *MemoryStore {
	s := &MemoryStore{returns: map[oms.ID]*Return{}, byOrder: map[oms.ID][]oms.ID{}, tracking: map[string]oms.ID{}}
	if opts != nil {
		s.outbox = opts.Outbox
	}
	if s.outbox == nil {
		s.outbox = oms.NewMemoryOutbox(nil)
	}
	return s
}

// Outbox returns the outbox the store appends events to.
func (s *MemoryStore) Outbox() *oms.MemoryOutbox { return s.outbox }

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, id oms.ID) (*Return, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.returns[id]
	if !ok {
		return nil, oms.NotFoundError(entity, id)
	}
	return r.Clone(), nil
}

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, r *Return, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStored(r); err != nil {
		return err
	}
	if r.Version != 1 {
		return oms.Validationf(entity, "version", "a new return has version 1, got %d", r.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.returns[r.ID]; ok {
		return fmt.Errorf("%w: return %s already exists", oms.ErrDuplicate, r.ID)
	}
	s.returns[r.ID] = r.Clone()
	ids := s.byOrder[r.OrderID]
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= r.ID })
	s.byOrder[r.OrderID] = slices.Insert(ids, i, r.ID)
	s.index(r)
	s.outbox.Append(events...)
	return nil
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, r *Return, expected int64, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStored(r); err != nil {
		return err
	}
	if r.Version != expected+1 {
		return oms.Validationf(entity, "version", "must be the expected version %d plus one, got %d", expected, r.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.returns[r.ID]
	if !ok {
		return oms.NotFoundError(entity, r.ID)
	}
	if cur.Version != expected {
		return oms.ConflictError(entity, r.ID, expected, cur.Version)
	}
	if cur.OrderID != r.OrderID {
		return oms.Validationf(entity, "order_id", "cannot change from %s to %s", cur.OrderID, r.OrderID)
	}
	s.returns[r.ID] = r.Clone()
	s.index(r)
	s.outbox.Append(events...)
	return nil
}

func (s *MemoryStore) index(r *Return) {
	if r.Label == nil {
		return
	}
	for _, tn := range r.Label.TrackingNumbers {
		s.tracking[tn] = r.ID
	}
}

// ListByOrder implements Store.
func (s *MemoryStore) ListByOrder(ctx context.Context, orderID oms.ID) ([]*Return, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.byOrder[orderID]
	out := make([]*Return, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.returns[id].Clone())
	}
	return out, nil
}

// GetByTracking implements Store.
func (s *MemoryStore) GetByTracking(ctx context.Context, trackingNumber string) (*Return, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.tracking[trackingNumber]
	if !ok || trackingNumber == "" {
		return nil, oms.NotFoundError("return tracking number", trackingNumber)
	}
	return s.returns[id].Clone(), nil
}

// ListExpiring implements Store.
func (s *MemoryStore) ListExpiring(ctx context.Context, before time.Time, limit int) ([]*Return, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []*Return
	for _, r := range s.returns {
		if (r.Status == StatusApproved || r.Status == StatusLabelIssued) && !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(before) {
			out = append(out, r.Clone())
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ExpiresAt.Equal(out[j].ExpiresAt) {
			return out[i].ExpiresAt.Before(out[j].ExpiresAt)
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// checkStored rejects returns no store should hold.
func checkStored(r *Return) error {
	if r == nil {
		return oms.Validationf(entity, "", "return is nil")
	}
	v := validation()
	if err := oms.ValidateID(r.ID); err != nil {
		v.Add("id", "%q is not a valid ID", string(r.ID))
	}
	if err := oms.ValidateID(r.OrderID); err != nil {
		v.Add("order_id", "%q is not a valid ID", string(r.OrderID))
	}
	if !r.Status.Valid() {
		v.Add("status", "%q is not a return status", string(r.Status))
	}
	if !r.Kind.Valid() {
		v.Add("kind", "%q is not return or claim", string(r.Kind))
	}
	return v.Err()
}
