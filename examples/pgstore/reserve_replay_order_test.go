package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// TestReserveReplayWithLinesInAnotherOrderIsAReplay: the Store contract
// says a Reserve under an existing ID with the same reference and lines,
// in any order, returns the reservation with created false (the memory
// store does). The adapter compared the lines in order, so the same lines
// listed in another order were refused as oms.ErrDuplicate on every path
// (one statement, transaction, batcher) for a caller of the Store itself.
// Lines that differ in a quantity stay a duplicate.
func TestReserveReplayWithLinesInAnotherOrderIsAReplay(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	batcher := pgstore.NewReserveBatcher(db.Inventory(), nil)
	t.Cleanup(batcher.Close)
	for _, c := range []struct {
		name string
		s    inventory.Store
	}{
		{"memory", inventory.NewMemoryStore(nil)},
		{"one statement", db.Inventory()},
		{"transaction", pgstore.TransactionOnly(db.Inventory())},
		{"batcher", batcher},
	} {
		for _, twoLevels := range []bool{false, true} {
			name := fmt.Sprintf("%s/two levels %v", c.name, twoLevels)
			sku := oms.SKU(fmt.Sprintf("RPO-%v-%s", twoLevels, oms.NewID()))
			for _, loc := range []oms.ID{"wh", "wh2"} {
				if err := c.s.PutLocation(ctx, inventory.Location{ID: loc, Name: string(loc), Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.s.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
				t.Fatal(err)
			}
			svc := inventory.NewService(c.s, nil)
			for _, loc := range []oms.ID{"wh", "wh2"} {
				if _, err := svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: 100}); err != nil {
					t.Fatal(err)
				}
			}
			second := oms.ID("wh")
			if twoLevels {
				second = "wh2"
			}
			lines := []inventory.ReservationLine{
				{SKU: sku, Location: "wh", Quantity: 2, Ref: "a"},
				{SKU: sku, Location: second, Quantity: 3, Ref: "b"},
				{SKU: sku, Location: "wh", Quantity: 4, Ref: "c"},
			}
			r := inventory.Reservation{ID: oms.NewID(), Reference: "ord-1", Status: inventory.StatusActive, Version: 1, Lines: lines}
			first, created, err := c.s.Reserve(ctx, r, oms.Event{})
			if err != nil || !created {
				t.Fatalf("%s: first Reserve: created %v, err %v", name, created, err)
			}
			permuted := r
			permuted.Lines = []inventory.ReservationLine{lines[2], lines[0], lines[1]}
			got, created, err := c.s.Reserve(ctx, permuted, oms.Event{})
			if err != nil || created {
				t.Errorf("%s: replay with lines permuted: created %v, err %v; want the reservation back, created false", name, created, err)
			} else if d := cmp.Diff(first.Lines, got.Lines); d != "" {
				t.Errorf("%s: replay returned other lines (-first +replay):\n%s", name, d)
			}
			other := r
			other.Lines = []inventory.ReservationLine{lines[2], lines[0], lines[1]}
			other.Lines[2].Quantity++
			if _, _, err := c.s.Reserve(ctx, other, oms.Event{}); !errors.Is(err, oms.ErrDuplicate) {
				t.Errorf("%s: replay with lines permuted and a quantity changed: err = %v, want oms.ErrDuplicate", name, err)
			}
			var reserved int64
			for _, loc := range []oms.ID{"wh", "wh2"} {
				lv, err := c.s.Level(ctx, sku, loc)
				if err != nil {
					t.Fatal(err)
				}
				reserved += lv.Reserved
			}
			if reserved != 9 {
				t.Errorf("%s: %d units reserved after the replays, want 9", name, reserved)
			}
		}
	}
}
