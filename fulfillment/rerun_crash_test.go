package fulfillment_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

var errCrash = errors.New("crash")

// crashInv and crashOrd fail the k-th write of either store (counted
// together), before it takes effect or, with after, once it has.
type crashInv struct {
	inventory.Store
	n, k  *atomic.Int64
	after bool
}

// crashWrite runs the write w as the next of the writes n counts: the k-th
// fails, before w or, with after, once w succeeded.
func crashWrite(n, k *atomic.Int64, after bool, w func() error) error {
	if n.Add(1) != k.Load() {
		return w()
	}
	if after {
		if err := w(); err != nil {
			return err
		}
	}
	return errCrash
}

func (s *crashInv) Apply(ctx context.Context, c *inventory.Change) error {
	return crashWrite(s.n, s.k, s.after, func() error { return s.Store.Apply(ctx, c) })
}

func (s *crashInv) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	var out inventory.Reservation
	var created bool
	err := crashWrite(s.n, s.k, s.after, func() error {
		var err error
		out, created, err = s.Store.Reserve(ctx, r, ev)
		return err
	})
	if err != nil {
		return inventory.Reservation{}, false, err
	}
	return out, created, nil
}

type crashOrd struct {
	order.Store
	n, k  *atomic.Int64
	after bool
}

func (s *crashOrd) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	return crashWrite(s.n, s.k, s.after, func() error { return s.Store.Update(ctx, o, expected, events) })
}

// TestProcessRerunAfterAFailedWriteShipsOnce: every write of the order
// and inventory stores of one Process (reserve, record the shipment,
// commit, ...) fails in turn, before or after taking effect; re-running
// Process ships the order once, with the stock committed once.
func TestProcessRerunAfterAFailedWriteShipsOnce(t *testing.T) {
	for k := int64(1); k <= 30; k++ {
		for _, after := range []bool{false, true} {
			var n atomic.Int64
			var kk atomic.Int64
			kk.Store(k + 1000) // armed after setup
			e := newEnv(t, &envConfig{
				wrapInv: func(s inventory.Store) inventory.Store { return &crashInv{Store: s, n: &n, k: &kk, after: after} },
				wrapOrd: func(s order.Store) order.Store { return &crashOrd{Store: s, n: &n, k: &kk, after: after} },
			})
			e.location("east", 1, nil)
			e.item("MUG", "")
			e.item("CUP", "")
			e.stock("MUG", "east", 5)
			e.stock("CUP", "east", 1)
			o := e.place(nil, small("MUG", 2), small("CUP", 1))
			n.Store(0)
			kk.Store(k)
			var err error
			for i := 0; i < 5; i++ {
				if _, err = e.svc.Process(e.ctx, o.ID); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("k=%d after=%v: %v", k, after, err)
			}
			got := e.order(o.ID)
			if got.Lines[0].Shipped != 2 || got.Lines[1].Shipped != 1 {
				t.Fatalf("k=%d after=%v: shipped %d %d", k, after, got.Lines[0].Shipped, got.Lines[1].Shipped)
			}
			if lv := e.level("MUG", "east"); lv.OnHand != 3 || lv.Reserved != 0 {
				t.Fatalf("k=%d after=%v: MUG %+v", k, after, lv)
			}
			if lv := e.level("CUP", "east"); lv.OnHand != 0 || lv.Reserved != 0 {
				t.Fatalf("k=%d after=%v: CUP %+v", k, after, lv)
			}
			shs, _ := e.svc.Shipments(e.ctx, o.ID)
			ns := 0
			for _, sh := range shs {
				if sh.Status == fulfillment.ShipmentShipped {
					ns++
				}
			}
			if ns != 1 {
				t.Fatalf("k=%d after=%v: %d shipped shipments", k, after, ns)
			}
			e.reconcile()
		}
	}
}
