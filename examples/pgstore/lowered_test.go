package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// TestBatchSellsStockOnHandUnderALoweredPreorderLimit: a preorder SKU
// whose limit was lowered below the backorders already taken still sells
// its stock on hand, as in the memory store; a batch of the
// ReserveBatcher (and the transaction path) refused such reservations as
// short, since they compared a rise of 0 with the negative room left.
func TestBatchSellsStockOnHandUnderALoweredPreorderLimit(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := pgstore.NewReserveBatcher(db.Inventory(), nil)
	t.Cleanup(b.Close)
	svc := inventory.NewService(b, nil)
	for _, loc := range []oms.ID{"a", "b"} {
		if err := svc.PutLocation(ctx, inventory.Location{ID: loc, Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
	}
	pre := inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: "pre", Lines: []inventory.Line{{SKU: "P", Location: "a", Quantity: 5}}}); err != nil {
		t.Fatal(err)
	}
	pre.Limit = 2
	if err := svc.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "P", Location: "b", Quantity: 3}); err != nil {
		t.Fatal(err)
	}
	var rs []inventory.Reservation
	for _, id := range []oms.ID{"s1", "s2", "s3", "s4"} {
		rs = append(rs, inventory.Reservation{ID: id, Lines: []inventory.ReservationLine{{SKU: "P", Location: "b", Quantity: 1}}})
	}
	_, created, errs := pgstore.ApplyBatch(b, rs, make([]oms.Event, len(rs)))
	for i, err := range errs {
		if want := i < 3; created[i] != want || (err == nil) != want {
			t.Errorf("reservation %s: created %v, %v; want created %v", rs[i].ID, created[i], err, want)
		}
	}
	if lv, err := b.Level(ctx, "P", "b"); err != nil || lv.Reserved != 3 {
		t.Errorf("level at b: reserved %d, %v; want 3", lv.Reserved, err)
	}
}
