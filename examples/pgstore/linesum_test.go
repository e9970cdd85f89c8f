package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// TestReservationWhoseLinesOnOneLevelSumPastInt64IsRefused: the lines of
// one reservation on one level add up. Past 2^63 units (8,192 lines of
// oms.MaxQuantity) their sum wrapped an int64 in the one-level reservation
// (16,384 such lines summed to 0, so the reservation was saved and the
// level reserved nothing), and a
// numeric sum of them failed the multi-level statement with PostgreSQL's
// raw "bigint out of range". The memory store refuses such a reservation
// with oms.ErrValidation naming the level (past 2^62 units); so does every
// path of the adapter now, saving nothing. (The memory store is left out
// here: it checks the lines for duplicates in quadratic time, 20 s for
// these under -race.)
func TestReservationWhoseLinesOnOneLevelSumPastInt64IsRefused(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	batcher := pgstore.NewReserveBatcher(db.Inventory(), nil)
	t.Cleanup(batcher.Close)
	for _, c := range []struct {
		name string
		s    inventory.Store
	}{
		{"one statement", db.Inventory()},
		{"transaction", pgstore.TransactionOnly(db.Inventory())},
		{"batcher", batcher},
	} {
		for _, tc := range []struct {
			lines int
			other bool // a line on a second level too
		}{{16384, false}, {8192, true}} {
			sku := oms.SKU(fmt.Sprintf("S-%d-%v-%d", tc.lines, tc.other, len(c.name)))
			if err := c.s.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
				t.Fatal(err)
			}
			if err := c.s.PutLocation(ctx, inventory.Location{ID: "wh2", Name: "W2", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
				t.Fatal(err)
			}
			if err := c.s.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
				t.Fatal(err)
			}
			// The levels exist (stock received), so the one-statement paths
			// reach them.
			svc := inventory.NewService(c.s, nil)
			for _, loc := range []oms.ID{"wh", "wh2"} {
				if _, err := svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: 1}); err != nil {
					t.Fatal(err)
				}
			}
			r := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1}
			for j := range tc.lines {
				r.Lines = append(r.Lines, inventory.ReservationLine{SKU: sku, Location: "wh", Quantity: oms.MaxQuantity, Ref: fmt.Sprint("r", j)})
			}
			if tc.other {
				r.Lines = append(r.Lines, inventory.ReservationLine{SKU: sku, Location: "wh2", Quantity: 1})
			}
			_, _, err := c.s.Reserve(ctx, r, oms.Event{})
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s: %d lines of MaxQuantity on one level: err = %v, want oms.ErrValidation", c.name, tc.lines, err)
			}
			if _, err := c.s.Reservation(ctx, r.ID); !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("%s: %d lines: the refused reservation was saved (%v)", c.name, tc.lines, err)
			}
			for _, loc := range []oms.ID{"wh", "wh2"} {
				if lv, err := c.s.Level(ctx, sku, loc); err != nil || lv.Reserved != 0 {
					t.Errorf("%s: %d lines: level at %s reserved %d, %v; want 0", c.name, tc.lines, loc, lv.Reserved, err)
				}
			}
		}
	}
}
