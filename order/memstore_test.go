package order_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

func TestMemoryStore(t *testing.T) {
	ordertest.TestStore(t, ordertest.OutboxHarness(
		func() order.Store { return order.NewMemoryStore(nil) },
		func(s order.Store) *oms.MemoryOutbox { return s.(*order.MemoryStore).Outbox() }))
}
