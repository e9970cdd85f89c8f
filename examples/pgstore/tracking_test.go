package pgstore_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// trackingHarness runs trackingtest's suite on PostgreSQL: a schema per
// store, events read from its outbox table.
type trackingHarness struct{ dbs storeDBs[tracking.Store] }

func (h *trackingHarness) MakeStore(t *testing.T) tracking.Store {
	db := open(t)
	return h.dbs.put(db.Tracking(), db)
}

func (h *trackingHarness) Events(t *testing.T, s tracking.Store) []oms.Event {
	t.Helper()
	evs, err := h.dbs.get(t, s).Outbox().All(context.Background())
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return evs
}

func TestTrackingStore(t *testing.T) {
	t.Parallel()
	trackingtest.TestStore(t, &trackingHarness{})
}
