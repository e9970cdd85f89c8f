package inventory_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// staleInboundStore answers its first Inbound read with the delivery as
// it was, after letting another process act (before) in between: the
// read is stale by the time its caller writes.
type staleInboundStore struct {
	inventory.Store
	once   sync.Once
	before func()
}

func (s *staleInboundStore) Inbound(ctx context.Context, id oms.ID) (inventory.Inbound, error) {
	in, err := s.Store.Inbound(ctx, id)
	s.once.Do(func() {
		if s.before != nil {
			s.before()
		}
	})
	return in, err
}

// TestKeyedReceiptRepeatedByTwoProcessesAgainstTheDeliveryItClosesIsAReplay:
// two processes make the same keyed receipt, which closes its delivery,
// at the same time. The second loses the race on the delivery's version
// and retries; by then the delivery expects no more units. The receipt
// was made under its key, so the second must answer the first entry (as
// a repeat afterwards does), not refuse with "expects 0 more units".
func TestKeyedReceiptRepeatedByTwoProcessesAgainstTheDeliveryItClosesIsAReplay(t *testing.T) {
	store := inventory.NewMemoryStore(nil)
	e := inventorytest.NewEnv(store)
	inventorytest.Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 0)
	in, err := e.Service.Expect(ctx, inventory.Expectation{ID: "po-9", SKU: "A", Location: "wh", Quantity: 4})
	if err != nil {
		t.Fatal(err)
	}
	rc := inventory.Receipt{InboundID: in.ID, Quantity: 4, Key: "po-9-dock"}
	var first inventory.LedgerEntry
	var firstErr error
	wrapped := &staleInboundStore{Store: store}
	wrapped.before = func() { first, firstErr = e.Service.Receive(ctx, rc) }
	other := inventory.NewService(wrapped, &inventory.ServiceOptions{Clock: e.Clock})
	second, err := other.Receive(ctx, rc)
	if firstErr != nil {
		t.Fatalf("first process: %v", firstErr)
	}
	if err != nil || second.Seq != first.Seq {
		t.Fatalf("second process: %+v, %v; want the first entry %d", second, err, first.Seq)
	}
	if lv, _ := e.Service.Level(ctx, "A", "wh"); lv.OnHand != 4 || lv.Incoming != 0 {
		t.Errorf("level %+v, want 4 on hand, none incoming", lv)
	}
	// Other content under the key is still a duplicate, not a validation error.
	if _, err := e.Service.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 3, Key: "po-9-dock"}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("same key, other units: %v, want ErrDuplicate", err)
	}
}
