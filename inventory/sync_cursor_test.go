package inventory_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// heldCursorStore reports changed SKUs without moving the sync cursor over
// them while held, as pgstore does while a writer of the inventory tables
// is in flight past its Options.InFlightWait.
type heldCursorStore struct {
	*inventory.MemoryStore
	held bool
}

func (s *heldCursorStore) ChangedSKUs(ctx context.Context, after int64) ([]oms.SKU, int64, error) {
	skus, next, err := s.MemoryStore.ChangedSKUs(ctx, after)
	if s.held {
		next = after
	}
	return skus, next, err
}

// TestSyncPublishesNothingWhileTheCursorCannotMove: while the store
// reported changes without moving the cursor, Sync published them with
// the unmoved cursor as the version, the same version as the previous
// sync's events of the SKU. Now it publishes nothing then, and the latest
// availability with a larger version once the cursor moves on.
func TestSyncPublishesNothingWhileTheCursorCannotMove(t *testing.T) {
	ctx := context.Background()
	st := &heldCursorStore{MemoryStore: inventory.NewMemoryStore(nil)}
	svc := inventory.NewService(st, &inventory.ServiceOptions{Clock: oms.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))})
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "wh", Kind: inventory.KindWarehouse, Active: true,
		Channels: []inventory.Channel{"web"}, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	receive := func(ref string) {
		t.Helper()
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 1, Reference: ref}); err != nil {
			t.Fatal(err)
		}
	}
	receive("r1")
	if n, err := svc.Sync(ctx); err != nil || n != 1 {
		t.Fatalf("first sync: %d events, %v", n, err)
	}
	st.held = true
	receive("r2")
	if n, err := svc.Sync(ctx); err != nil || n != 0 {
		t.Errorf("sync while the cursor cannot move: %d events, %v; want none", n, err)
	}
	st.held = false
	receive("r3")
	if n, err := svc.Sync(ctx); err != nil || n != 1 {
		t.Errorf("sync once the cursor moves: %d events, %v; want 1", n, err)
	}
	evs, err := st.Outbox().Pending(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	last := int64(-1)
	var qty int64
	for _, e := range evs {
		if e.Type != inventory.EventChannelAvailability {
			continue
		}
		if e.AggregateVersion <= last {
			t.Errorf("availability version %d after %d", e.AggregateVersion, last)
		}
		last = e.AggregateVersion
		var p inventory.ChannelAvailabilityPayload
		if err := e.Decode(&p); err != nil {
			t.Fatal(err)
		}
		qty = p.Quantity
	}
	if qty != 3 {
		t.Errorf("last availability published %d, want 3", qty)
	}
}
