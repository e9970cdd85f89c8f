package inventory_test

import (
	"testing"

	"github.com/omskit/oms/inventory/inventorytest"
)

// TestMemoryStore runs the conformance suite on the in-memory store.
func TestMemoryStore(t *testing.T) {
	inventorytest.TestStore(t, inventorytest.NewMemoryHarness)
}
