package pgstore_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestFulfillmentUpdateOfAVersionBeyondInt32: the update of an
// allocation, fulfillment order or shipment compared "version = $n - 1",
// which PostgreSQL typed as integer, so a version past 2^31 failed to
// encode instead of finding the aggregate missing (or stale) as the memory
// store does. Now it is oms.ErrNotFound, as in the memory store.
func TestFulfillmentUpdateOfAVersionBeyondInt32(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, v := range []int64{1 << 31, math.MaxInt64} {
		for _, c := range []*fulfillment.Change{
			{Allocations: []*fulfillment.Allocation{{ID: oms.NewID(), Version: v}}},
			{FulfillmentOrders: []*fulfillment.FulfillmentOrder{{ID: oms.NewID(), OrderID: oms.NewID(), Version: v, CreatedAt: at}}},
			{Shipments: []*fulfillment.Shipment{{ID: oms.NewID(), OrderID: oms.NewID(), Version: v, CreatedAt: at}}},
		} {
			mem := fulfillment.NewMemoryStore(nil).Save(ctx, c)
			if err := db.Fulfillment().Save(ctx, c); !errors.Is(err, oms.ErrNotFound) || !errors.Is(mem, oms.ErrNotFound) {
				t.Errorf("Save of version %d of an unknown aggregate = %v, memory store %v; want oms.ErrNotFound", v, err, mem)
			}
		}
	}
}
