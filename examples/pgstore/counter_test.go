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

// TestSKUBackordersPastTwoToThe62AreRefusedOnEveryPath: a SKU's
// backorders summed over its levels stay within 2^62 units, as in the
// memory store (which used to let its counter wrap past 2^63). The
// adapter's counter, numeric since migration 0016, took any sum: three
// locations of almost 2^62 backorders each were reserved. Now each
// reservation path (one level, several levels, the transaction, a batch
// of the ReserveBatcher) reserves up to the bound exactly and refuses a
// unit beyond it with oms.ErrValidation, leaving the others of a batch
// alone, as the memory store does.
func TestSKUBackordersPastTwoToThe62AreRefusedOnEveryPath(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	batcher := pgstore.NewReserveBatcher(db.Inventory(), nil)
	t.Cleanup(batcher.Close)
	for _, c := range []struct {
		name string
		s    inventory.Store
	}{
		{"memory", inventory.NewMemoryStore(nil)}, {"one statement", db.Inventory()},
		{"transaction", pgstore.TransactionOnly(db.Inventory())}, {"batcher", batcher},
	} {
		sku := oms.SKU("SKU-" + fmt.Sprint(len(c.name)))
		svc := inventory.NewService(c.s, nil)
		for _, loc := range []oms.ID{"w1", "w2", "w3"} {
			if err := svc.PutLocation(ctx, inventory.Location{ID: loc, Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
			t.Fatal(err)
		}
		for _, loc := range []oms.ID{"w2", "w3"} {
			if _, err := svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: 5}); err != nil {
				t.Fatal(err)
			}
		}
		// reserveAll reserves rs in order: one batch for the batcher.
		reserveAll := func(rs ...inventory.Reservation) []error {
			if b, ok := c.s.(*pgstore.ReserveBatcher); ok {
				_, _, errs := pgstore.ApplyBatch(b, rs, make([]oms.Event, len(rs)))
				return errs
			}
			errs := make([]error, len(rs))
			for i, r := range rs {
				_, _, errs[i] = c.s.Reserve(ctx, r, oms.Event{})
			}
			return errs
		}
		res := func(id string, lines ...inventory.ReservationLine) inventory.Reservation {
			return inventory.Reservation{ID: oms.ID(c.name + "-" + id), Lines: lines}
		}
		// 2^62 units backordered at w1: 4,096 lines of 2^50.
		var fill []inventory.Reservation
		for i, n := range []int{1000, 1000, 1000, 1000, 96} {
			r := res(fmt.Sprint("fill-", i))
			for j := range n {
				r.Lines = append(r.Lines, inventory.ReservationLine{SKU: sku, Location: "w1", Quantity: oms.MaxQuantity, Ref: fmt.Sprint(j)})
			}
			fill = append(fill, r)
		}
		for i, err := range reserveAll(fill...) {
			if err != nil {
				t.Fatalf("%s: fill %d up to 2^62: %v", c.name, i, err)
			}
		}
		errs := reserveAll(
			res("a", inventory.ReservationLine{SKU: sku, Location: "w2", Quantity: 3}),
			res("b", inventory.ReservationLine{SKU: sku, Location: "w2", Quantity: 3}), // one beyond stock
			res("c", inventory.ReservationLine{SKU: sku, Location: "w2", Quantity: 2}),
			res("d", inventory.ReservationLine{SKU: sku, Location: "w3", Quantity: 1}, inventory.ReservationLine{SKU: sku, Location: "w2", Quantity: 1}),
		)
		for i, want := range []error{nil, oms.ErrValidation, nil, oms.ErrValidation} {
			if got := errs[i]; (want == nil && got != nil) || (want != nil && !errors.Is(got, want)) {
				t.Errorf("%s: reservation %c: %v, want %v", c.name, 'a'+i, got, want)
			}
		}
		for loc, want := range map[oms.ID]int64{"w1": 4096 * oms.MaxQuantity, "w2": 5, "w3": 0} {
			if lv, err := c.s.Level(ctx, sku, loc); err != nil || lv.Reserved != want {
				t.Errorf("%s: level at %s: reserved %d, %v; want %d", c.name, loc, lv.Reserved, err, want)
			}
		}
		if rep, err := svc.Reconcile(ctx); err != nil || !rep.Clean() {
			t.Errorf("%s: Reconcile: %+v, %v", c.name, rep, err)
		}
	}
}
