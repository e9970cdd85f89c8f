package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// TestBackorderCounterOfASKUOnManyLevelsDoesNotOverflow: a SKU that allows
// backorders, reserved almost 2^62 units beyond stock at each of three
// locations (four reservations of 1,000 lines of oms.MaxQuantity per
// location), is reserved by the memory store; the adapter's SKU-wide
// backorder counter, a bigint summing every level's backorders, overflowed
// at the third location ("bigint out of range") and refused it. Now every
// reservation goes through, on each path, as in the memory store.
func TestBackorderCounterOfASKUOnManyLevelsDoesNotOverflow(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	batcher := pgstore.NewReserveBatcher(db.Inventory(), nil)
	t.Cleanup(batcher.Close)
	for name, s := range map[string]inventory.Store{
		"memory": inventory.NewMemoryStore(nil), "one statement": db.Inventory(),
		"transaction": pgstore.TransactionOnly(db.Inventory()), "batcher": batcher,
	} {
		svc := inventory.NewService(s, nil)
		sku := oms.SKU(fmt.Sprintf("SKU-%d", len(name)))
		locs := []oms.ID{"w1", "w2", "w3"}
		for _, loc := range locs {
			if err := svc.PutLocation(ctx, inventory.Location{ID: loc, Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
			t.Fatal(err)
		}
		for _, loc := range locs {
			var lines []inventory.Line
			for j := range 1000 {
				lines = append(lines, inventory.Line{SKU: sku, Location: loc, Quantity: oms.MaxQuantity, Ref: fmt.Sprint("r", j)})
			}
			for i := range 4 {
				if _, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: oms.NewID(), Lines: lines, HoldFor: time.Hour}); err != nil {
					t.Errorf("%s: reservation %d at %s: %v", name, i, loc, err)
				}
			}
			if lv, err := s.Level(ctx, sku, loc); err != nil || lv.Reserved != 4000*oms.MaxQuantity {
				t.Errorf("%s: level at %s: reserved %d, %v", name, loc, lv.Reserved, err)
			}
		}
	}
}
