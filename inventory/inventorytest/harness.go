package inventorytest

import (
	"context"
	"fmt"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// Harness gives the suite what it needs of one store implementation, as
// go-cloud's drivertest harnesses do: new stores, and the events each
// store saved. Every Store write appends its events to the store's outbox
// in the same atomic write; Events is how the suite checks that it did
// (after every kind of write) and that a refused write saved none. A store
// whose events cannot be read cannot be proven, so Events has no opt-out:
// an error from it fails the suite.
type Harness interface {
	// MakeStore returns a new, empty store.
	MakeStore(ctx context.Context) (inventory.Store, error)
	// Events returns every event s has saved to its outbox, in the order
	// it saved them (published or not). s was made by MakeStore.
	Events(ctx context.Context, s inventory.Store) ([]oms.Event, error)
	// Close releases what the harness holds. The suite calls it once per
	// test, after the test.
	Close()
}

// HarnessMaker returns a new Harness for one test of the suite.
type HarnessMaker func(ctx context.Context, t testing.TB) (Harness, error)

// MemoryHarness is the Harness of inventory.MemoryStore. Wrap sets an
// optional wrapper around every store it makes (the suite's tests of
// itself use it for broken stores); the events are read from the wrapped
// memory store's outbox.
type MemoryHarness struct {
	// Wrap, when set, wraps each new memory store.
	Wrap func(*inventory.MemoryStore) inventory.Store

	inner map[inventory.Store]*inventory.MemoryStore
}

// NewMemoryHarness is a HarnessMaker of MemoryHarness without a wrapper.
func NewMemoryHarness(context.Context, testing.TB) (Harness, error) {
	return &MemoryHarness{}, nil
}

// MakeStore implements Harness.
func (h *MemoryHarness) MakeStore(context.Context) (inventory.Store, error) {
	m := inventory.NewMemoryStore(nil)
	var s inventory.Store = m
	if h.Wrap != nil {
		s = h.Wrap(m)
	}
	if h.inner == nil {
		h.inner = map[inventory.Store]*inventory.MemoryStore{}
	}
	h.inner[s] = m
	return s, nil
}

// Events implements Harness.
func (h *MemoryHarness) Events(_ context.Context, s inventory.Store) ([]oms.Event, error) {
	m, ok := h.inner[s]
	if !ok {
		return nil, fmt.Errorf("inventorytest: store %T was not made by this harness", s)
	}
	return m.Outbox().Events(""), nil
}

// Close implements Harness.
func (h *MemoryHarness) Close() {}
