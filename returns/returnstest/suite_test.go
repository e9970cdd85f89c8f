package returnstest_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/returns/returnstest"
)

func memory() returnstest.Harness {
	s := returns.NewMemoryStore(nil)
	return returnstest.Harness{Store: s, Events: s.Outbox().Events}
}

func TestMemoryStore(t *testing.T) {
	returnstest.TestStore(t, func(*testing.T) returnstest.Harness { return memory() })
}

// sharing hands out the stored pointer instead of a copy.
type sharing struct {
	*returns.MemoryStore
	last map[oms.ID]*returns.Return
}

func (s *sharing) Create(ctx context.Context, r *returns.Return, evs []oms.Event) error {
	if err := s.MemoryStore.Create(ctx, r, evs); err != nil {
		return err
	}
	s.last[r.ID] = r
	return nil
}

func (s *sharing) Get(ctx context.Context, id oms.ID) (*returns.Return, error) {
	if r, ok := s.last[id]; ok {
		return r, nil
	}
	return s.MemoryStore.Get(ctx, id)
}

// blind ignores the expected version.
type blind struct{ *returns.MemoryStore }

func (s blind) Update(ctx context.Context, r *returns.Return, _ int64, evs []oms.Event) error {
	cur, err := s.MemoryStore.Get(ctx, r.ID)
	if err != nil {
		return err
	}
	r = r.Clone()
	r.Version = cur.Version + 1
	return s.MemoryStore.Update(ctx, r, cur.Version, evs)
}

// forgetful drops the events of updates.
type forgetful struct{ *returns.MemoryStore }

func (s forgetful) Update(ctx context.Context, r *returns.Return, expected int64, _ []oms.Event) error {
	return s.MemoryStore.Update(ctx, r, expected, nil)
}

// unordered lists newest first and never finds tracking numbers.
type unordered struct{ *returns.MemoryStore }

func (s unordered) ListByOrder(ctx context.Context, id oms.ID) ([]*returns.Return, error) {
	l, err := s.MemoryStore.ListByOrder(ctx, id)
	slices.Reverse(l)
	return l, err
}

func (s unordered) GetByTracking(ctx context.Context, tn string) (*returns.Return, error) {
	return nil, oms.NotFoundError("return", tn)
}

// eager lists every approved return as expiring.
type eager struct{ *returns.MemoryStore }

func (s eager) ListExpiring(ctx context.Context, before time.Time, limit int) ([]*returns.Return, error) {
	return s.MemoryStore.ListExpiring(ctx, before.Add(100*time.Hour), limit)
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	broken := map[string]struct {
		make func(*returns.MemoryStore) returns.Store
		want string
	}{
		"shares values":    {func(m *returns.MemoryStore) returns.Store { return &sharing{m, map[oms.ID]*returns.Return{}} }, "Copies"},
		"ignores versions": {func(m *returns.MemoryStore) returns.Store { return blind{m} }, "UpdateVersions"},
		"drops events":     {func(m *returns.MemoryStore) returns.Store { return forgetful{m} }, "ConcurrentUpdates"},
		"lists unordered":  {func(m *returns.MemoryStore) returns.Store { return unordered{m} }, "ListByOrderAndTracking"},
		"expires early":    {func(m *returns.MemoryStore) returns.Store { return eager{m} }, "ListExpiring"},
	}
	for name, b := range broken {
		errs := returnstest.Check(func() returnstest.Harness {
			m := returns.NewMemoryStore(nil)
			return returnstest.Harness{Store: b.make(m), Events: m.Outbox().Events}
		})
		found := false
		for _, err := range errs {
			found = found || strings.HasPrefix(err.Error(), b.want+":")
		}
		if !found {
			t.Errorf("%s: the suite did not fail %s: %v", name, b.want, errs)
		}
	}
	if errs := returnstest.Check(memory); len(errs) != 0 {
		t.Errorf("the memory store fails the suite: %v", errs)
	}
}
