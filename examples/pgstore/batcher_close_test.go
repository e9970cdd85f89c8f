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

// TestReserveBatcherReservesAfterCloseWithoutHanging: Close promises that
// later Reserve calls reserve one by one. Reserve chose at random between
// the closed batcher and its queue, which still had room: half the calls
// after Close queued a request no worker would ever take and waited for
// its answer for good (and a call racing Close could too). Every call after
// Close, and every call racing it, now gets its answer.
func TestReserveBatcherReservesAfterCloseWithoutHanging(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Inventory()
	if err := st.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	reserve := func(b *pgstore.ReserveBatcher, n int) error {
		r := inventory.Reservation{ID: oms.ID(fmt.Sprintf("r-%d-%s", n, oms.NewID())), Status: inventory.StatusActive, Version: 1,
			Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 1}}}
		_, _, err := b.Reserve(ctx, r, oms.Event{})
		return err
	}
	const calls = 24
	errs := make(chan error, 2*calls)
	// After Close.
	b := pgstore.NewReserveBatcher(st, nil)
	b.Close()
	go func() {
		for i := range calls {
			errs <- reserve(b, i)
		}
	}()
	// Racing Close.
	b2 := pgstore.NewReserveBatcher(st, nil)
	for i := range calls {
		go func() { errs <- reserve(b2, calls+i) }()
	}
	b2.Close()
	deadline := time.After(20 * time.Second) // a guard against the hang, not a wait
	for range 2 * calls {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("Reserve: %v", err)
			}
		case <-deadline:
			t.Fatal("Reserve after Close never answered")
		}
	}
	if lv, err := st.Level(ctx, "A", "wh"); err != nil || lv.Reserved != 2*calls {
		t.Errorf("level reserved %d, %v; want %d", lv.Reserved, err, 2*calls)
	}
}
