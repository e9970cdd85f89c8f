package pgstore_test

import (
	"context"
	"os"
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

// variants skips t unless OMS_PGSTORE_VARIANTS is set: the suite's
// concurrency tests take a minute on PostgreSQL, so the default run (and
// CI) runs the suite once, over the store as shops use it; the variants
// below run it again over each other reservation path. TestInventoryStore
// reaches the transaction path too (first reservations at a level,
// preorders, untracked lines, refusals it cannot name) and
// TestMultiProcessNoOversell/batcher the batcher.
func variants(t *testing.T) {
	if os.Getenv("OMS_PGSTORE_VARIANTS") == "" {
		t.Skip("set OMS_PGSTORE_VARIANTS=1 to run the suite over every reservation path")
	}
}

// TestInventoryStoreTransactionPath runs the suite with every reservation
// through the locking transaction (the path the one statement falls back
// to).
func TestInventoryStoreTransactionPath(t *testing.T) {
	variants(t)
	t.Parallel()
	inventorytest.TestStore(t, inventoryHarnesses(pgstore.TransactionOnly))
}

// TestInventoryStoreBatcher runs the suite with every reservation through
// a ReserveBatcher (the suite's concurrent tests make real batches).
func TestInventoryStoreBatcher(t *testing.T) {
	variants(t)
	t.Parallel()
	inventorytest.TestStore(t, func(_ context.Context, t testing.TB) (inventorytest.Harness, error) {
		return &inventoryHarness{t: t, wrap: func(s *pgstore.InventoryStore) inventory.Store {
			b := pgstore.NewReserveBatcher(s, nil)
			t.Cleanup(b.Close)
			return b
		}}, nil
	})
}

// TestLedgerFilterWithTextPostgreSQLCannotHold: a ledger filter whose SKU,
// location or key holds a NUL byte or invalid UTF-8 matches nothing, as in
// the memory store, rather than failing with the database's encoding
// error.
func TestLedgerFilterWithTextPostgreSQLCannotHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t).Inventory()
	for _, f := range []inventory.LedgerFilter{{Key: "k\x00"}, {SKU: "A\x00"}, {Location: "\xff"}, {Key: "\xfe\xff"}} {
		es, err := s.Ledger(ctx, f)
		if err != nil || len(es) != 0 {
			t.Errorf("Ledger(%+v) = %d entries, %v; want none, no error", f, len(es), err)
		}
	}
}
