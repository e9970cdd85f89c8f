package fulfillment_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestConcurrentProcessScarceStock: 1,000 orders processed by 16 workers
// over shared, scarce stock: nothing is oversold, and every order is fully
// allocated, partly backordered (its SKU allows it) or refused with a
// shortage error with nothing reserved.
func TestConcurrentProcessScarceStock(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	e := newEnv(t, &envConfig{noTrack: true})
	locs := []oms.ID{"l1", "l2", "l3", "l4"}
	for i, l := range locs {
		e.location(l, i, nil)
	}
	skus := []oms.SKU{"D1", "D2", "D3", "B1"}
	for _, s := range skus {
		mode := inventory.BackorderDeny
		if s == "B1" {
			mode = inventory.BackorderAllow
		}
		e.item(s, mode)
		for _, l := range locs {
			e.stock(s, l, 60)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	orders := make([]*order.Order, n)
	for i := range orders {
		var lines []lineSpec
		for _, s := range skus {
			if rng.IntN(2) == 0 {
				lines = append(lines, small(s, int64(1+rng.IntN(3))))
			}
		}
		if len(lines) == 0 {
			lines = append(lines, small("D1", 1))
		}
		orders[i] = e.place(nil, lines...)
	}
	var mu sync.Mutex
	refused := map[oms.ID]bool{}
	work := make(chan *order.Order)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				_, err := e.svc.Process(e.ctx, o.ID)
				var se *fulfillment.ShortageError
				switch {
				case errors.As(err, &se) && errors.Is(err, oms.ErrInsufficientStock):
					mu.Lock()
					refused[o.ID] = true
					mu.Unlock()
				case err != nil:
					t.Errorf("order %s: %v", o.ID, err)
				}
			}
		}()
	}
	for _, o := range orders {
		work <- o
	}
	close(work)
	wg.Wait()

	var full, backordered int
	for _, o := range orders {
		got := e.order(o.ID)
		fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
		if refused[o.ID] {
			for _, l := range got.Lines {
				if l.Allocated != 0 {
					t.Fatalf("refused order %s has line %s allocated %d", o.ID, l.SKU, l.Allocated)
				}
			}
			if len(fos) != 0 {
				t.Fatalf("refused order %s has %d fulfillment orders", o.ID, len(fos))
			}
			rs, _ := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(o.ID), OpenOnly: true})
			if len(rs) != 0 {
				t.Fatalf("refused order %s holds a reservation", o.ID)
			}
			continue
		}
		back := false
		for _, fo := range fos {
			back = back || fo.Backorder || !fo.Status.Final()
		}
		for _, l := range got.Lines {
			if l.Allocated != l.Quantity {
				t.Fatalf("order %s line %s allocated %d of %d", o.ID, l.SKU, l.Allocated, l.Quantity)
			}
			if !back && l.Shipped != l.Quantity {
				t.Fatalf("order %s line %s shipped %d of %d", o.ID, l.SKU, l.Shipped, l.Quantity)
			}
		}
		if back {
			backordered++
		} else {
			full++
		}
	}
	for _, s := range skus {
		for _, l := range locs {
			lv := e.level(s, l)
			if lv.OnHand < 0 || s != "B1" && lv.Reserved > lv.OnHand {
				t.Errorf("%s at %s oversold: %+v", s, l, lv)
			}
		}
	}
	e.reconcile()
	if full == 0 || len(refused) == 0 || backordered == 0 {
		t.Errorf("the mix should hold every outcome: %d shipped, %d backordered, %d refused", full, backordered, len(refused))
	}
	t.Logf("%d orders: %d shipped in full, %d partly backordered, %d refused", n, full, backordered, len(refused))
}
