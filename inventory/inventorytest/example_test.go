package inventorytest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// An Env is a service over a fresh store of a harness, with a manual
// clock; the harness hands back the events the store saved. This is what
// the suite checks after every write: an accepted write saves its events,
// a refused one saves none.
func ExampleNewHarnessEnv() {
	ctx := context.Background()
	h := &inventorytest.MemoryHarness{}
	env, err := inventorytest.NewHarnessEnv(ctx, h)
	if err != nil {
		fmt.Println(err)
		return
	}
	seen := 0
	newEvents := func(what string) {
		all, _ := h.Events(ctx, env.Store)
		types := []string{}
		for _, e := range all[seen:] {
			types = append(types, e.Type)
		}
		fmt.Println(what, "saved", types)
		seen = len(all)
	}
	svc := env.Service
	_ = svc.PutLocation(ctx, inventory.Location{ID: "dc", Name: "DC", Kind: inventory.KindWarehouse, Active: true, Ships: true})
	_ = svc.PutItem(ctx, inventory.Item{SKU: "MUG", Tracked: true})
	_, _ = svc.Receive(ctx, inventory.Receipt{SKU: "MUG", Location: "dc", Quantity: 3})
	newEvents("receive")

	r, _ := svc.Reserve(ctx, inventory.ReserveRequest{ID: "cart-1", Lines: []inventory.Line{{SKU: "MUG", Location: "dc", Quantity: 2}}, HoldFor: 15 * time.Minute})
	fmt.Println("hold expires", r.ExpiresAt.Format(time.DateTime))
	newEvents("reserve")

	_, err = svc.Reserve(ctx, inventory.ReserveRequest{ID: "cart-2", Lines: []inventory.Line{{SKU: "MUG", Location: "dc", Quantity: 2}}})
	fmt.Println("refused:", errors.Is(err, oms.ErrInsufficientStock))
	newEvents("refused reserve")

	env.Clock.Advance(time.Hour)
	expired, _ := svc.SweepExpired(ctx, env.Clock.Now())
	fmt.Println("expired", expired)
	newEvents("sweep")
	// Output:
	// receive saved [inventory.stock_moved]
	// hold expires 2026-03-01 09:15:00
	// reserve saved [inventory.reserved]
	// refused: true
	// refused reserve saved []
	// expired [cart-1]
	// sweep saved [inventory.reservation_expired]
}
