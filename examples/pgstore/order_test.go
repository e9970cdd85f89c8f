package pgstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// storeDBs remembers the database of each store a harness made, so that
// the harness can read the store's outbox.
type storeDBs[S comparable] struct {
	mu  sync.Mutex
	dbs map[S]*pgstore.DB
}

func (m *storeDBs[S]) put(s S, db *pgstore.DB) S {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dbs == nil {
		m.dbs = map[S]*pgstore.DB{}
	}
	m.dbs[s] = db
	return s
}

func (m *storeDBs[S]) get(t testing.TB, s S) *pgstore.DB {
	m.mu.Lock()
	defer m.mu.Unlock()
	db, ok := m.dbs[s]
	if !ok {
		t.Fatalf("store %v was not made by the harness", s)
	}
	return db
}

func TestOrderStore(t *testing.T) {
	t.Parallel()
	var dbs storeDBs[order.Store]
	ordertest.TestStore(t, ordertest.HarnessFuncs{
		Make: func(_ context.Context, t *testing.T) order.Store {
			db := open(t)
			return dbs.put(db.Orders(), db)
		},
		EventsFor: func(ctx context.Context, t *testing.T, s order.Store, id oms.ID) []oms.Event {
			evs, err := dbs.get(t, s).Outbox().Events(ctx, id)
			if err != nil {
				t.Fatalf("outbox events: %v", err)
			}
			return evs
		},
	})
}
