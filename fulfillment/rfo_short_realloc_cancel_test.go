package fulfillment_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// failReserve fails the next reservation once armed.
type failReserve struct {
	inventory.Store
	armed atomic.Bool
}

func (s *failReserve) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if s.armed.CompareAndSwap(true, false) {
		return inventory.Reservation{}, false, errInjected
	}
	return s.Store.Reserve(ctx, r, ev)
}

// TestCancelAfterAnInterruptedReallocationOfAShortPickFinishesIt: a
// short pick's re-allocation saved its plan and failed to reserve (a store
// failure), then the fulfillment order was cancelled. The cancel took the
// planned re-allocation for done ("those units live on there"), so it
// neither cancelled the short units on the order nor did anyone allocate
// them: the order kept them allocated to no fulfillment order and never
// completed. Now the cancel finishes the interrupted re-allocation, as an
// uninterrupted ConfirmPicks would have: the short units live on at the
// other location and the rest is cancelled.
func TestCancelAfterAnInterruptedReallocationOfAShortPickFinishesIt(t *testing.T) {
	var fr *failReserve
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
		wrapInv: func(s inventory.Store) inventory.Store { fr = &failReserve{Store: s}; return fr }})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("TEE", inventory.BackorderDeny)
	e.stock("MUG", "east", 5)
	e.stock("MUG", "west", 5)
	e.stock("TEE", "east", 5)
	o := e.place(nil, small("MUG", 3), small("TEE", 1))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fos[0].ID
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{id}); err != nil {
		t.Fatal(err)
	}
	fr.armed.Store(true)
	if _, err := e.svc.ConfirmPicks(e.ctx, id, []fulfillment.Picked{{LineID: o.Lines[0].ID, Quantity: 1}}); err == nil {
		t.Fatal("ConfirmPicks did not fail at the re-allocation's reservation")
	}
	if _, err := e.svc.Cancel(e.ctx, id, "dropped"); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatalf("Process: %v", err)
	}
	got := e.order(o.ID)
	// As if ConfirmPicks had not been interrupted: the 2 short units were
	// re-allocated to west, the picked one and the TEE cancelled.
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 0, 0, 0}, "TEE": {1, 1, 0, 0, 0, 0}}, counters(got)); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	held := int64(0)
	all, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	for _, f := range all {
		if f.Status != fulfillment.StatusCancelled && f.MovedTo == "" {
			for _, l := range f.Lines {
				if l.LineID == o.Lines[0].ID {
					held += l.Quantity - l.Short
				}
			}
		}
	}
	if held != got.Lines[0].Allocated {
		t.Errorf("MUG allocated %d on the order, live fulfillment orders hold %d", got.Lines[0].Allocated, held)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 {
		t.Errorf("MUG at east still reserved: %+v", lv)
	}
	if lv := e.level("MUG", "west"); lv.Reserved != 2 {
		t.Errorf("MUG at west: %+v, want the 2 re-allocated units reserved", lv)
	}
	e.reconcile()
}
