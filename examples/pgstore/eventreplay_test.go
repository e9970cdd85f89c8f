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

// TestEventWhoseIDTheOutboxHoldsIsSkippedAsInTheMemoryOutbox: the memory
// outbox skips an appended event whose ID it holds ("a replayed write adds
// nothing"), and the memory stores' writes go through with it. The
// adapter failed such a write with a unique violation on outbox.id: the
// replayed Append, and the whole order or reservation whose event it was.
// Now the event is skipped and the write happens, and the outbox holds the
// event once.
func TestEventWhoseIDTheOutboxHoldsIsSkippedAsInTheMemoryOutbox(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e, err := oms.NewEvent("test.happened", "test", oms.NewID(), 1, at, map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Outbox.Append(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := st.Outbox.Append(ctx, e, e); err != nil {
		t.Errorf("Append of an event the outbox holds = %v, want nil", err)
	}

	o := &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
	if err := st.Orders.Create(ctx, o, []oms.Event{e}); err != nil {
		t.Errorf("Orders.Create with an event the outbox holds = %v, want nil", err)
	}
	if _, err := st.Orders.Get(ctx, o.ID); err != nil {
		t.Errorf("order not stored: %v", err)
	}

	svc := inventory.NewService(st.Inventory, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "S1", Location: "wh", Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]inventory.Store{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory)} {
		for _, lines := range [][]inventory.ReservationLine{
			{{SKU: "S1", Location: "wh", Quantity: 1}},
			{{SKU: "S1", Location: "wh", Quantity: 1, Ref: "a"}, {SKU: "S1", Location: "wh", Quantity: 1, Ref: "b"}},
		} {
			r := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at, Lines: lines}
			if _, created, err := s.Reserve(ctx, r, e); err != nil || !created {
				t.Errorf("%s: Reserve(%d lines) with an event the outbox holds = %v, %v; want created", name, len(lines), created, err)
			}
		}
	}
	if lv, err := st.Inventory.Level(ctx, "S1", "wh"); err != nil || lv.Reserved != 6 {
		t.Errorf("level: %+v, %v; want 6 reserved", lv, err)
	}

	all, err := st.Outbox.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, got := range all {
		if got.ID == e.ID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the outbox holds the event %d times, want once", n)
	}
}
