package notify

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/omskit/oms"
)

// MemoryStore is an in-memory Store. It copies values going in and coming
// out, so a caller can never change what it holds. It is safe for
// concurrent use. The zero value is an empty store, ready to use.
type MemoryStore struct {
	mu       sync.Mutex
	progress map[oms.ID]*Progress
	versions map[oms.ID]int64
	due      map[oms.ID]time.Time
	prefs    map[oms.ID]Preferences
	claims   map[string]Claim
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		progress: map[oms.ID]*Progress{}, versions: map[oms.ID]int64{}, due: map[oms.ID]time.Time{},
		prefs: map[oms.ID]Preferences{}, claims: map[string]Claim{},
	}
}

func (s *MemoryStore) init() {
	if s.progress == nil {
		s.progress, s.versions, s.due = map[oms.ID]*Progress{}, map[oms.ID]int64{}, map[oms.ID]time.Time{}
		s.prefs, s.claims = map[oms.ID]Preferences{}, map[string]Claim{}
	}
}

func validID(entity string, id oms.ID) error {
	if err := oms.ValidateID(id); err != nil {
		v := newProblems(entity)
		v.Merge("", err)
		return v.Err()
	}
	return nil
}

// Progress implements Store.
func (s *MemoryStore) Progress(ctx context.Context, id oms.ID) (*Progress, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	p, ok := s.progress[id]
	s.mu.Unlock()
	if !ok {
		return nil, notFound("progress", id)
	}
	return p.Clone(), nil
}

// SaveProgress implements Store.
func (s *MemoryStore) SaveProgress(ctx context.Context, p *Progress) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p == nil {
		return oms.Validationf("progress", "progress", "is required")
	}
	if err := validID("progress", p.ID); err != nil {
		return err
	}
	if p.Version < 1 {
		return oms.Validationf("progress", "version", "must be at least 1, got %d", p.Version)
	}
	c := p.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	cur, exists := s.versions[p.ID]
	switch {
	case p.Version == 1 && exists:
		return oms.ConflictError("progress", p.ID, 0, cur)
	case p.Version > 1 && !exists:
		return notFound("progress", p.ID)
	case p.Version > 1 && cur != p.Version-1:
		return oms.ConflictError("progress", p.ID, p.Version-1, cur)
	}
	s.progress[p.ID] = c
	s.versions[p.ID] = p.Version
	if p.DueAt.IsZero() {
		delete(s.due, p.ID)
	} else {
		s.due[p.ID] = p.DueAt
	}
	return nil
}

// Due implements Store.
func (s *MemoryStore) Due(ctx context.Context, by time.Time, after oms.ID, limit int) ([]oms.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, oms.Validationf("due", "limit", "must be positive, got %d", limit)
	}
	s.mu.Lock()
	var ids []oms.ID
	for id, at := range s.due {
		if !at.After(by) && id > after {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	slices.Sort(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

func clonePrefs(p Preferences) Preferences {
	p.Channels = slices.Clone(p.Channels)
	if p.PerKind != nil {
		m := make(map[Kind][]Channel, len(p.PerKind))
		for k, v := range p.PerKind {
			if v == nil {
				v = []Channel{}
			}
			m[k] = slices.Clone(v)
		}
		p.PerKind = m
	}
	return p
}

// Preferences implements Store.
func (s *MemoryStore) Preferences(ctx context.Context, customer oms.ID) (Preferences, error) {
	if err := ctx.Err(); err != nil {
		return Preferences{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.prefs[customer]
	if !ok {
		return Preferences{}, notFound("preferences", customer)
	}
	return clonePrefs(p), nil
}

// SetPreferences implements Store.
func (s *MemoryStore) SetPreferences(ctx context.Context, customer oms.ID, p Preferences) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validID("preferences", customer); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.prefs[customer] = clonePrefs(p)
	return nil
}

// claimArgs checks a claim call's context and arguments.
func claimArgs(ctx context.Context, key, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ValidateClaim(key, token)
}

// Claim implements Store.
func (s *MemoryStore) Claim(ctx context.Context, key, token string, at time.Time) (Claim, error) {
	if err := claimArgs(ctx, key, token); err != nil {
		return Claim{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if c, ok := s.claims[key]; ok {
		return c, nil
	}
	c := Claim{Token: token, State: ClaimHeld, At: at}
	s.claims[key] = c
	return c, nil
}

// MarkSent implements Store.
func (s *MemoryStore) MarkSent(ctx context.Context, key, token string) error {
	if err := claimArgs(ctx, key, token); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.claims[key]
	if !ok || c.Token != token {
		return claimNotHeld(key, token)
	}
	c.State = ClaimSent
	s.claims[key] = c
	return nil
}

// Release implements Store.
func (s *MemoryStore) Release(ctx context.Context, key, token string) error {
	if err := claimArgs(ctx, key, token); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.claims[key]; ok && c.Token == token && c.State == ClaimHeld {
		delete(s.claims, key)
	}
	return nil
}
