package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// TestLevelBeyondTwoToThe62IsRefusedAsInTheMemoryStore: the memory store
// refuses a write that would take a level's quantity past 2^62 units
// (so sums over levels never wrap an int64); the adapter took it, up to
// the bigint's own limit. Reserving 1,000 lines of oms.MaxQuantity on one
// backorderable level five times over (the fifth past 2^62), through the
// service, on each reservation path, and applying ledger entries past it,
// is refused with oms.ErrValidation naming the level, and changes nothing.
func TestLevelBeyondTwoToThe62IsRefusedAsInTheMemoryStore(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
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
		sku := oms.SKU("SKU-" + fmt.Sprint(len(c.name)))
		svc := inventory.NewService(c.s, nil)
		if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
		if err := svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
			t.Fatal(err)
		}
		var lines []inventory.Line
		for j := range 1000 {
			lines = append(lines, inventory.Line{SKU: sku, Location: "wh", Quantity: oms.MaxQuantity, Ref: fmt.Sprint("r", j)})
		}
		for i := range 5 {
			_, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: oms.NewID(), Lines: lines, HoldFor: time.Hour})
			if i < 4 && err != nil {
				t.Fatalf("%s: reservation %d: %v", c.name, i, err)
			}
			if i == 4 && !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s: reservation past 2^62 = %v, want oms.ErrValidation", c.name, err)
			}
		}
		if lv, err := c.s.Level(ctx, sku, "wh"); err != nil || lv.Reserved != 4000*oms.MaxQuantity {
			t.Errorf("%s: level after the refused reservation: reserved %d, %v; want %d", c.name, lv.Reserved, err, 4000*oms.MaxQuantity)
		}
	}

	// Ledger entries past the bound: one change, 4,097 receipts of
	// oms.MaxQuantity on one level.
	for _, c := range []struct {
		name string
		s    inventory.Store
	}{{"memory", inventory.NewMemoryStore(nil)}, {"postgres", db.Inventory()}} {
		svc := inventory.NewService(c.s, nil)
		if err := svc.PutLocation(ctx, inventory.Location{ID: "wh2", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
		if err := svc.PutItem(ctx, inventory.Item{SKU: "BIG", Tracked: true}); err != nil {
			t.Fatal(err)
		}
		ch := &inventory.Change{Op: "receive"}
		for range 4097 {
			ch.Entries = append(ch.Entries, inventory.LedgerEntry{SKU: "BIG", Location: "wh2", Reason: inventory.ReasonReceipt, OnHand: oms.MaxQuantity, At: at})
		}
		if err := c.s.Apply(ctx, ch); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Apply past 2^62 = %v, want oms.ErrValidation", c.name, err)
		}
		if lv, err := c.s.Level(ctx, "BIG", "wh2"); err != nil || lv.OnHand != 0 {
			t.Errorf("%s: level after the refused change: %+v, %v", c.name, lv, err)
		}
	}
}
