package pgstore_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// TestReserveBatcherTakesHugeOptions: NewReserveBatcher sized its queue
// MaxBatch × Workers and started Workers goroutines, so a MaxBatch of
// math.MaxInt panicked ("makechan: size out of range"), one of 2^40
// killed the process (out of memory), and a huge Workers started
// goroutines until memory ran out. Options that large mean "no cap": the
// batcher now bounds its queue and its workers (at the pool's connections,
// which is all that can be in flight) and reserves as with the defaults.
func TestReserveBatcherTakesHugeOptions(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Inventory()
	if err := st.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	for i, o := range []pgstore.ReserveBatcherOptions{
		{MaxBatch: math.MaxInt},
		{MaxBatch: 1 << 40},
		{MaxBatch: math.MaxInt, Workers: math.MaxInt},
		{Workers: 1 << 40},
		{MaxBatch: math.MinInt, Workers: math.MinInt, Timeout: math.MinInt64},
	} {
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("NewReserveBatcher(%+v) panicked: %v", o, v)
				}
			}()
			b := pgstore.NewReserveBatcher(st, &o)
			defer b.Close()
			r := inventory.Reservation{ID: oms.ID(fmt.Sprint("r", i)), Status: inventory.StatusActive, Version: 1,
				Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 1}}}
			if _, created, err := b.Reserve(ctx, r, oms.Event{}); err != nil || !created {
				t.Errorf("Reserve through a batcher with %+v = %v, %v", o, created, err)
			}
		}()
	}
	if lv, err := st.Level(ctx, "A", "wh"); err != nil || lv.Reserved != 5 {
		t.Errorf("level reserved %d, %v; want 5", lv.Reserved, err)
	}
}
