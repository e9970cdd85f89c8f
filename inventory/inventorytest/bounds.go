package inventorytest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// testSKUWideBackordersBounded: a SKU's backorders summed over its levels
// (the per-SKU counter a preorder limit is checked against) stay within
// 2^62 units, like a level's quantities. With 2^62 units backordered at
// one location, every write that would raise them is refused as a
// validation error and changes nothing, however the store writes it (one
// level, several levels, a level it has not written yet, a movement);
// writes that lower them go through, and a preorder limit set afterwards
// holds.
func testSKUWideBackordersBounded(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"a", "b", "c", "d"}, nil, 0)
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	// fill reserves lines of oms.MaxQuantity at loc, 1,000 a reservation.
	fill := func(loc oms.ID, lines int) error {
		for left := lines; left > 0; {
			k := min(left, 1000)
			ls := make([]inventory.Line, k)
			for i := range ls {
				ls[i] = inventory.Line{SKU: "P", Location: loc, Quantity: oms.MaxQuantity, Ref: "r" + strconv.Itoa(left-i)}
			}
			n++
			if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: oms.ID("fill-" + strconv.Itoa(n)), Lines: ls}); err != nil {
				return err
			}
			left -= k
		}
		return nil
	}
	// 2^62 units backordered at b: 4,096 lines of 2^50.
	if err := fill("b", 4096); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []oms.ID{"a", "c"} {
		if _, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "P", Location: loc, Quantity: 5, Reference: "po"}); err != nil {
			t.Fatal(err)
		}
	}
	reserve(t, e, "on-hand", ln("P", "a", 5))
	before, err := e.Store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.NewEvents(t)

	refused := []struct {
		name string
		do   func() error
	}{
		{"a unit beyond stock at one level", func() error {
			_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "one", Lines: []inventory.Line{ln("P", "a", 1)}})
			return err
		}},
		{"lines on two levels", func() error {
			_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "two", Lines: []inventory.Line{ln("P", "a", 1), ln("P", "c", 5)}})
			return err
		}},
		{"2^60 units at a level not written yet", func() error { return fill("d", 1000) }},
		{"a loss", func() error {
			_, err := e.Service.Adjust(ctx, inventory.Adjustment{SKU: "P", Location: "a", Reason: inventory.ReasonLoss, Quantity: 1})
			return err
		}},
		{"a count below the reserved units", func() error {
			_, err := e.Service.Count(ctx, inventory.Count{SKU: "P", Location: "a", Counted: 4})
			return err
		}},
	}
	for _, tc := range refused {
		if err := tc.do(); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s past 2^62 units backordered: %v, want a validation error", tc.name, err)
		}
	}
	after, err := e.Store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("refused writes changed the store (-before +after):\n%s", diff)
	}
	if evs := e.NewEvents(t); len(evs) != 0 {
		t.Errorf("refused writes saved events: %v", types(evs))
	}

	// Lowering the backorders goes through at the bound, and makes room.
	if _, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "P", Location: "b", Quantity: 1, Reference: "po"}); err != nil {
		t.Fatalf("a receipt lowering the backorders: %v", err)
	}
	if _, err := e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "fill-1"}); err != nil {
		t.Fatalf("a release lowering the backorders: %v", err)
	}
	reserve(t, e, "after-release", ln("P", "a", 1), ln("P", "d", 1))

	// A preorder limit holds against the counter.
	pre := inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: epoch.Add(30 * 24 * time.Hour)}
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "beyond", Lines: []inventory.Line{ln("P", "d", 10)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	wantLevel(t, e, "P", "d", qty{Reserved: 1})
	wantClean(t, e)
}

// testLoweredPreorderLimitSellsStock: a preorder limit lowered below the
// backorders already taken refuses new backorders but still lets stock on
// hand sell, whichever way the store writes the reservation (here with an
// untracked line beside it).
func testLoweredPreorderLimitSellsStock(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"a", "b"}, nil, 0)
	pre := inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: epoch.Add(30 * 24 * time.Hour)}
	for _, it := range []inventory.Item{{SKU: "P", Tracked: true, Backorder: pre}, {SKU: "U"}} {
		if err := e.Service.PutItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	reserve(t, e, "pre", ln("P", "a", 5))
	pre.Limit = 2
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "P", Location: "b", Quantity: 3, Reference: "po"}); err != nil {
		t.Fatal(err)
	}
	reserve(t, e, "stock", ln("P", "b", 1), ln("U", "b", 1))
	reserve(t, e, "stock-2", ln("P", "b", 2))
	_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "beyond", Lines: []inventory.Line{ln("P", "b", 1), ln("U", "b", 1)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	wantLevel(t, e, "P", "b", qty{OnHand: 3, Reserved: 3})
	wantClean(t, e)
}
