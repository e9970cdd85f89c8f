package pgstore_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/fulfillment/fulfillmenttest"
)

// fulfillmentHarness runs fulfillmenttest's suite on PostgreSQL.
type fulfillmentHarness struct{ dbs storeDBs[fulfillment.Store] }

func (h *fulfillmentHarness) MakeStore(t *testing.T) fulfillment.Store {
	db := open(t)
	return h.dbs.put(db.Fulfillment(), db)
}

func (h *fulfillmentHarness) Events(t *testing.T, s fulfillment.Store, aggregate oms.ID) []oms.Event {
	evs, err := h.dbs.get(t, s).Outbox().Events(context.Background(), aggregate)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return evs
}

func TestFulfillmentStore(t *testing.T) {
	t.Parallel()
	fulfillmenttest.TestStore(t, &fulfillmentHarness{})
}
