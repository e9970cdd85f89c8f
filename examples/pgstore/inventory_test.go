package pgstore_test

import (
	"testing"

	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

func TestInventoryStore(t *testing.T) {
	inventorytest.TestStore(t, func(t *testing.T) inventory.Store { return open(t).Inventory() })
}
