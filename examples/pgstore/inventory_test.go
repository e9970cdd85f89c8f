package pgstore_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// inventoryHarness runs inventorytest's suite on PostgreSQL: a schema per
// store (dropped when the test ends), events read from its outbox table.
type inventoryHarness struct {
	t    testing.TB
	wrap func(*pgstore.InventoryStore) inventory.Store
	dbs  storeDBs[inventory.Store]
}

func (h *inventoryHarness) MakeStore(context.Context) (inventory.Store, error) {
	db := open(h.t)
	s := h.wrap(db.Inventory())
	return h.dbs.put(s, db), nil
}

func (h *inventoryHarness) Events(ctx context.Context, s inventory.Store) ([]oms.Event, error) {
	return h.dbs.get(h.t, s).Outbox().All(ctx)
}

func (h *inventoryHarness) Close() {}

func inventoryHarnesses(wrap func(*pgstore.InventoryStore) inventory.Store) inventorytest.HarnessMaker {
	return func(_ context.Context, t testing.TB) (inventorytest.Harness, error) {
		return &inventoryHarness{t: t, wrap: wrap}, nil
	}
}

// TestInventoryStore runs the suite with reservations as one statement
// where they can be.
func TestInventoryStore(t *testing.T) {
	t.Parallel()
	inventorytest.TestStore(t, inventoryHarnesses(func(s *pgstore.InventoryStore) inventory.Store { return s }))
}

// TestInventoryStoreTransactionPath runs the suite with every reservation
// through the locking transaction (the path the one statement falls back
// to).
func TestInventoryStoreTransactionPath(t *testing.T) {
	t.Parallel()
	inventorytest.TestStore(t, inventoryHarnesses(pgstore.TransactionOnly))
}

// TestInventoryStoreBatcher runs the suite with every reservation through
// a ReserveBatcher (the suite's concurrent tests make real batches).
func TestInventoryStoreBatcher(t *testing.T) {
	t.Parallel()
	inventorytest.TestStore(t, func(_ context.Context, t testing.TB) (inventorytest.Harness, error) {
		return &inventoryHarness{t: t, wrap: func(s *pgstore.InventoryStore) inventory.Store {
			b := pgstore.NewReserveBatcher(s, nil)
			t.Cleanup(b.Close)
			return b
		}}, nil
	})
}
