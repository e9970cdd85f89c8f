package order_test

import (
	"testing"

	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

func TestMemoryStore(t *testing.T) {
	ordertest.TestStore(t, func(t *testing.T) order.Store { return order.NewMemoryStore(nil) })
}
