package inventory_test

import (
	"context"
	"errors"
	_ "math"
	_ "sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// Black-box review of package inventory: defects found through the public
// API only.

var bbT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type bb struct {
	ctx   context.Context
	store *inventory.MemoryStore
	clock *oms.ManualClock
	svc   *inventory.Service
}

func newBB(t *testing.T, store inventory.Store) *bb {
	t.Helper()
	b := &bb{ctx: context.Background(), store: inventory.NewMemoryStore(nil), clock: oms.NewManualClock(bbT0)}
	if store == nil {
		store = b.store
	}
	b.svc = inventory.NewService(store, &inventory.ServiceOptions{Clock: b.clock})
	return b
}

func (b *bb) put(t *testing.T, locs []oms.ID, it inventory.Item) {
	t.Helper()
	for i, id := range locs {
		if err := b.svc.PutLocation(b.ctx, inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse,
			Active: true, Priority: i, Channels: []inventory.Channel{"web"}, Ships: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.svc.PutItem(b.ctx, it); err != nil {
		t.Fatal(err)
	}
}

func (b *bb) receive(t *testing.T, sku oms.SKU, loc oms.ID, q int64) {
	t.Helper()
	if _, err := b.svc.Receive(b.ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: q}); err != nil {
		t.Fatal(err)
	}
}

func (b *bb) level(t *testing.T, sku oms.SKU, loc oms.ID) inventory.Level {
	t.Helper()
	lv, err := b.svc.Level(b.ctx, sku, loc)
	if err != nil {
		t.Fatal(err)
	}
	return lv
}

func (b *bb) events() int { return len(b.store.Outbox().Events("")) + b.store.Outbox().PendingCount() }

// A store whose Apply and Reserve take effect and then report a failure,
// as a database whose commit went through before the connection dropped.
type crashAfterWrite struct {
	inventory.Store
	crash atomic.Bool
}

var errCrash = errors.New("connection lost after commit")

func (s *crashAfterWrite) Apply(ctx context.Context, c *inventory.Change) error {
	if err := s.Store.Apply(ctx, c); err != nil {
		return err
	}
	if s.crash.Swap(false) {
		return errCrash
	}
	return nil
}

func (s *crashAfterWrite) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	out, created, err := s.Store.Reserve(ctx, r, ev)
	if err != nil {
		return out, created, err
	}
	if s.crash.Swap(false) {
		return inventory.Reservation{}, false, errCrash
	}
	return out, created, nil
}

func TestProbeInventory(t *testing.T) {
	b := newBB(t, nil)
	_ = b
}

// TestLoweredPreorderLimitStillSellsStockOnHand: after the SKU-wide
// preorder limit is lowered below the backorders already taken, reserving
// units that are on hand (which raises no backorder) must still succeed;
// only new backorders are refused.
func TestLoweredPreorderLimitStillSellsStockOnHand(t *testing.T) {
	b := newBB(t, nil)
	it := inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: bbT0.Add(720 * time.Hour)}}
	b.put(t, []oms.ID{"a", "b"}, it)
	b.receive(t, "P", "b", 5)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "pre", Lines: []inventory.Line{{SKU: "P", Location: "a", Quantity: 10}}}); err != nil {
		t.Fatal(err)
	}
	it.Backorder.Limit = 5
	if err := b.svc.PutItem(b.ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "instock", Lines: []inventory.Line{{SKU: "P", Location: "b", Quantity: 5}}}); err != nil {
		t.Errorf("reserving 5 of the 5 on hand at b after the preorder limit was lowered: %v", err)
	}
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "more", Lines: []inventory.Line{{SKU: "P", Location: "b", Quantity: 1}}}); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("a new backorder beyond the lowered limit: got %v, want a shortage", err)
	}
	ca, err := b.svc.ChannelAvailability(b.ctx, "P", "web")
	if err != nil {
		t.Fatal(err)
	}
	if ca.Quantity != 0 {
		t.Errorf("channel quantity = %d, want 0", ca.Quantity)
	}
}
