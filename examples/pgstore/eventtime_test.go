package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestEventTimesKeepTheirNanoseconds: the memory outbox gives an event
// back with the Time it was saved with; the adapter's outbox kept it as
// timestamptz, which truncates to the microsecond, so 9999-12-31
// 23:59:59.999999999 came back as .999999 and every clock reading lost
// its last three digits. The outbox now keeps the nanoseconds beside it,
// on every path that writes events: Append, a store's write, and each way
// of reserving (one level, one statement, transaction, batcher).
func TestEventTimesKeepTheirNanoseconds(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	times := []time.Time{
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2026, 11, 29, 10, 0, 0, 123456789, time.UTC),
		time.Date(1960, 1, 1, 0, 0, 0, 999, time.UTC),
	}
	newEvent := func(at time.Time) oms.Event {
		e, err := oms.NewEvent("test.happened", "test", oms.NewID(), 1, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	svc := inventory.NewService(st.Inventory, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	batcher := pgstore.NewReserveBatcher(st.Inventory, nil)
	t.Cleanup(batcher.Close)
	reservers := map[string]interface {
		Reserve(context.Context, inventory.Reservation, oms.Event) (inventory.Reservation, bool, error)
	}{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory), "batcher": batcher}
	var want []oms.Event
	for _, at := range times {
		e := newEvent(at)
		if err := st.Outbox.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		want = append(want, e)
		e = newEvent(at)
		o := &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
		if err := st.Orders.Create(ctx, o, []oms.Event{e}); err != nil {
			t.Fatal(err)
		}
		want = append(want, e)
		for name, s := range reservers {
			for _, lines := range [][]inventory.ReservationLine{
				{{SKU: "S1", Location: "wh", Quantity: 1}},
				{{SKU: "S1", Location: "wh", Quantity: 1, Ref: "a"}, {SKU: "S1", Location: "wh", Quantity: 1, Ref: "b"}},
			} {
				e := newEvent(at)
				r := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at, Lines: lines}
				if _, _, err := s.Reserve(ctx, r, e); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want = append(want, e)
			}
		}
	}
	for _, e := range want {
		got, err := st.Outbox.Events(ctx, e.AggregateID)
		if err != nil || len(got) != 1 {
			t.Fatalf("Events(%s) = %d events, %v", e.AggregateID, len(got), err)
		}
		if !got[0].Time.Equal(e.Time) {
			t.Errorf("event saved at %v reads back at %v", e.Time, got[0].Time)
		}
	}
	pending, err := st.Outbox.Pending(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	at := map[oms.ID]time.Time{}
	for _, e := range want {
		at[e.ID] = e.Time
	}
	for _, e := range pending {
		if !e.Time.Equal(at[e.ID]) {
			t.Errorf("pending event saved at %v reads at %v", at[e.ID], e.Time)
		}
	}
}
