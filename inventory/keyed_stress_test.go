package inventory_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// failAfterApply fails the k-th Apply, after it took effect when after.
type failAfterApply struct {
	inventory.Store
	n, k  atomic.Int64
	after bool
}

var errBoom = errors.New("boom")

func (s *failAfterApply) Apply(ctx context.Context, c *inventory.Change) error {
	if s.n.Add(1) == s.k.Load() {
		if !s.after {
			return errBoom
		}
		if err := s.Store.Apply(ctx, c); err != nil {
			return err
		}
		return errBoom
	}
	return s.Store.Apply(ctx, c)
}

// TestKeyedMovementsRepeatedByManyProcessesMoveOnce: eight goroutines over
// two Services make the same keyed movements; each key has one entry and
// none is refused.
func TestKeyedMovementsRepeatedByManyProcessesMoveOnce(t *testing.T) {
	for round := 0; round < 20; round++ {
		store := inventory.NewMemoryStore(nil)
		e := inventorytest.NewEnv(store)
		inventorytest.Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 5)
		in, err := e.Service.Expect(ctx, inventory.Expectation{ID: "po-1", SKU: "A", Location: "wh", Quantity: 6})
		if err != nil {
			t.Fatal(err)
		}
		svcs := []*inventory.Service{e.Service, inventory.NewService(store, &inventory.ServiceOptions{Clock: e.Clock})}
		var wg sync.WaitGroup
		var fails atomic.Int64
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				s := svcs[g%2]
				if _, err := s.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, Quantity: 5, Key: "loss"}); err != nil {
					t.Errorf("adjust: %v", err)
					fails.Add(1)
				}
				if _, err := s.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 3, Key: "r1"}); err != nil {
					t.Errorf("receive r1: %v", err)
				}
				if _, err := s.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 3, Key: "r2"}); err != nil {
					t.Errorf("receive r2: %v", err)
				}
				if _, err := s.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 2, Key: "rs"}); err != nil {
					t.Errorf("restock: %v", err)
				}
				if _, err := s.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 7, Key: "c"}); err != nil {
					t.Errorf("count: %v", err)
				}
			}(g)
		}
		wg.Wait()
		lv, _ := e.Service.Level(ctx, "A", "wh")
		if lv.Incoming != 0 {
			t.Fatalf("level %+v", lv)
		}
		es, _ := e.Service.Ledger(ctx, inventory.LedgerFilter{})
		keys := map[string]int{}
		for _, x := range es {
			if x.Key != "" {
				keys[x.Key]++
			}
		}
		for k, n := range keys {
			if n != 1 {
				t.Fatalf("key %s: %d entries", k, n)
			}
		}
	}
}

// TestKeyedMovementsRerunAfterAFailedWriteMoveOnce: the k-th write fails
// before or after it takes effect; re-running the failed movement moves
// stock once.
func TestKeyedMovementsRerunAfterAFailedWriteMoveOnce(t *testing.T) {
	for k := int64(1); k <= 8; k++ {
		for _, after := range []bool{false, true} {
			mem := inventory.NewMemoryStore(nil)
			e := inventorytest.NewEnv(mem)
			inventorytest.Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 5)
			in, err := e.Service.Expect(ctx, inventory.Expectation{ID: "po-1", SKU: "A", Location: "wh", Quantity: 6})
			if err != nil {
				t.Fatal(err)
			}
			fs := &failAfterApply{Store: mem, after: after}
			fs.k.Store(k)
			s := inventory.NewService(fs, &inventory.ServiceOptions{Clock: e.Clock})
			ops := []func() error{
				func() error {
					_, err := s.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, Quantity: 5, Key: "loss"})
					return err
				},
				func() error {
					_, err := s.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 6, Key: "r1"})
					return err
				},
				func() error {
					_, err := s.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 2, Key: "rs"})
					return err
				},
				func() error {
					_, err := s.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 7, Key: "c"})
					return err
				},
				func() error {
					_, err := s.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 1, Key: "f"})
					return err
				},
			}
			for i, op := range ops {
				err := op()
				if errors.Is(err, errBoom) {
					err = op()
				}
				if err != nil {
					t.Fatalf("k=%d after=%v op %d: %v", k, after, i, err)
				}
			}
			lv, _ := e.Service.Level(ctx, "A", "wh")
			if lv.OnHand != 8 || lv.Incoming != 0 {
				t.Fatalf("k=%d after=%v: level %+v, want 8 on hand", k, after, lv)
			}
		}
	}
}
