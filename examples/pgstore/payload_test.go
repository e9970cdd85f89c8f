package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestEventPayloadThatIsNotJSONIsRefusedAsValidation: an event whose
// Payload is not JSON ("{bad"), which the memory outbox keeps as bytes,
// failed the write with "invalid input syntax for type json" (SQLSTATE
// 22P02); now the append, or the order or reservation written with it, is
// refused with oms.ErrValidation and nothing is written.
func TestEventPayloadThatIsNotJSONIsRefusedAsValidation(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := oms.Event{ID: oms.NewID(), Type: "test.happened", AggregateKind: "test", AggregateID: oms.NewID(), AggregateVersion: 1,
		Time: at, Payload: json.RawMessage("{bad")}
	refused := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s = %v, want oms.ErrValidation", name, err)
		}
	}
	refused("Outbox.Append", st.Outbox.Append(ctx, e))
	o := &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
	refused("Orders.Create", st.Orders.Create(ctx, o, []oms.Event{e}))
	if _, err := st.Orders.Get(ctx, o.ID); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused order stored: %v", err)
	}
	svc := inventory.NewService(st.Inventory, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]inventory.Store{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory)} {
		r := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at,
			Lines: []inventory.ReservationLine{{SKU: "S1", Location: "wh", Quantity: 1}}}
		_, _, err := s.Reserve(ctx, r, e)
		refused("Inventory.Reserve ("+name+")", err)
	}
	if lv, err := st.Inventory.Level(ctx, "S1", "wh"); err != nil || lv.Reserved != 0 {
		t.Errorf("refused reservations moved stock: %+v, %v", lv, err)
	}
	if all, err := st.Outbox.All(ctx); err != nil || len(all) != 0 {
		t.Errorf("outbox after refused writes: %d events, %v", len(all), err)
	}
}
