package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestEventTimeOutsideTimestamptzIsRefusedNotCorrupted: an event time
// PostgreSQL cannot hold was refused with "timestamp out of range" (year
// 300000, year -5000) or, far enough out that pgx's microseconds wrap,
// saved as another time (time.Unix(1<<62, 0) came back as 1970). Now the
// write is refused with oms.ErrValidation naming the event's time, and
// nothing is written.
func TestEventTimeOutsideTimestamptzIsRefusedNotCorrupted(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	svc := inventory.NewService(st.Inventory, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	batcher := pgstore.NewReserveBatcher(st.Inventory, nil)
	t.Cleanup(batcher.Close)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{time.Unix(1<<62, 0), time.Unix(-1<<62, 0), time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		refused := func(name string, err error) {
			t.Helper()
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s with an event at %v = %v, want oms.ErrValidation", name, at, err)
			}
		}
		e := oms.Event{ID: oms.NewID(), Type: "test.happened", AggregateKind: "test", AggregateID: oms.NewID(), AggregateVersion: 1, Time: at}
		refused("Outbox.Append", st.Outbox.Append(ctx, e))
		o := &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: now, UpdatedAt: now}
		refused("Orders.Create", st.Orders.Create(ctx, o, []oms.Event{e}))
		for name, s := range map[string]inventory.Store{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory), "batcher": batcher} {
			r := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now,
				Lines: []inventory.ReservationLine{{SKU: "S1", Location: "wh", Quantity: 1}}}
			_, _, err := s.Reserve(ctx, r, e)
			refused("Inventory.Reserve ("+name+")", err)
		}
	}
	if all, err := st.Outbox.All(ctx); err != nil || len(all) != 0 {
		t.Errorf("outbox after refused writes: %d events, %v", len(all), err)
	}
	if lv, err := st.Inventory.Level(ctx, "S1", "wh"); err != nil || lv.Reserved != 0 {
		t.Errorf("refused reservations moved stock: %+v, %v", lv, err)
	}
}
