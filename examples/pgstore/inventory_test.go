package pgstore_test

import (
	"testing"

	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

func TestInventoryStore(t *testing.T) {
	inventorytest.TestStore(t, func(t *testing.T) inventory.Store { return open(t).Inventory() })
}

// TestInventoryStoreTransactionPath runs the suite with every reservation
// through the locking transaction (the path the one statement falls back
// to).
func TestInventoryStoreTransactionPath(t *testing.T) {
	inventorytest.TestStore(t, func(t *testing.T) inventory.Store { return pgstore.TransactionOnly(open(t).Inventory()) })
}

// TestInventoryStoreBatcher runs the suite with every reservation through
// a ReserveBatcher (the suite's concurrent tests make real batches).
func TestInventoryStoreBatcher(t *testing.T) {
	inventorytest.TestStore(t, func(t *testing.T) inventory.Store {
		b := pgstore.NewReserveBatcher(open(t).Inventory(), nil)
		t.Cleanup(b.Close)
		return b
	})
}
