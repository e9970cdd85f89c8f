package inventory_test

import (
	"testing"

	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

func TestMemoryStore(t *testing.T) {
	inventorytest.TestStore(t, func(t *testing.T) inventory.Store { return inventory.NewMemoryStore(nil) })
}
