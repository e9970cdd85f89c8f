package fulfillment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// beforeCommit runs hook once, before the first stock commit reaches the
// store.
type beforeCommit struct {
	inventory.Store
	once sync.Once
	hook func(context.Context)
}

func (s *beforeCommit) Apply(ctx context.Context, c *inventory.Change) error {
	if c != nil && c.Op == "commit" && s.hook != nil {
		s.once.Do(func() { s.hook(ctx) })
	}
	return s.Store.Apply(ctx, c)
}

// TestOrderCancelledJustBeforeTheStockCommitShipsNothing: the host
// cancels the order after Process checked that it was not cancelled and
// before the shipment's stock was committed. Either the cancel wins (no
// stock leaves: on hand unchanged, nothing reserved, labels voided) or the
// shipment does (the cancel is refused: the units are shipped); never a
// cancelled order whose stock left the warehouse. Process used to commit
// the stock first and record the shipment on the order after, so the
// cancel won and the stock was committed all the same.
func TestOrderCancelledJustBeforeTheStockCommitShipsNothing(t *testing.T) {
	var e *env
	var cancelErr error
	cancelled := false
	inv := &beforeCommit{}
	e = newEnv(t, &envConfig{wrapInv: func(s inventory.Store) inventory.Store {
		inv.Store = s
		return inv
	}})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	inv.hook = func(ctx context.Context) {
		_, cancelErr = e.orders.Cancel(ctx, o.ID, order.CancelInput{Reason: "changed my mind"})
		cancelled = cancelErr == nil
	}
	_, _ = e.svc.Process(e.ctx, o.ID)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatalf("second run: %v", err)
	}
	got := e.order(o.ID)
	lv := e.level("MUG", "east")
	if cancelled {
		if got.Status != order.StatusCancelled {
			t.Fatalf("cancel accepted, order is %s", got.Status)
		}
		if lv.OnHand != 5 || lv.Reserved != 0 {
			t.Errorf("cancelled order: MUG at east on hand %d reserved %d, want 5 and 0 (no stock leaves for a cancelled order)", lv.OnHand, lv.Reserved)
		}
		shs, _ := e.svc.Shipments(e.ctx, o.ID)
		for _, sh := range shs {
			if sh.Status == fulfillment.ShipmentShipped {
				t.Errorf("shipment %s of the cancelled order shipped", sh.ID)
			}
			for _, p := range sh.Packages {
				if p.LabelID != "" && !e.carrier.Voided(p.LabelID) {
					t.Errorf("label %s of the cancelled order not voided", p.LabelID)
				}
			}
		}
	} else {
		if cancelErr == nil {
			t.Fatal("the hook did not run: no commit reached the store")
		}
		if got.Status == order.StatusCancelled {
			t.Fatalf("cancel refused (%v) but the order is cancelled", cancelErr)
		}
		if lv.OnHand != 3 || lv.Reserved != 0 {
			t.Errorf("shipped order: MUG at east on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
		}
		if got.Lines[0].Shipped != 2 {
			t.Errorf("shipped %d units, want 2", got.Lines[0].Shipped)
		}
	}
	e.reconcile()
}
