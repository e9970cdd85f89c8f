package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestEventPayloadNumbersJSONBCannotHoldAreRefusedAsValidation: an event
// whose Payload is JSON holding a number JSONB's numeric cannot hold (a
// decimal exponent of 131,072 or more digits before the point, more than
// 16,383 after it: 1e131072, 1e-16384, 0.0e-20000), which the memory
// outbox keeps, failed the append, or the order or reservation written
// with it, with PostgreSQL's raw "value overflows numeric format"
// (SQLSTATE 22003); now it is refused with oms.ErrValidation, as a payload
// that is not JSON is, and nothing is written. Numbers at the edge
// (1e131071, 1e-16383, 0e999999) and such text in strings are kept.
func TestEventPayloadNumbersJSONBCannotHoldAreRefusedAsValidation(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	event := func(payload string) oms.Event {
		return oms.Event{ID: oms.NewID(), Type: "test.happened", AggregateKind: "test", AggregateID: oms.NewID(), AggregateVersion: 1,
			Time: at, Payload: json.RawMessage(payload)}
	}
	svc := inventory.NewService(st.Inventory, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{`{"n":1e131072}`, `{"n":-1E+131072}`, `[1e-16384]`, `{"a":"x\"","n":0.0e-20000}`, `{"n":1` + strings.Repeat("0", 131072) + `}`, `1e99999999999999999999`} {
		e := event(p)
		if err := st.Outbox.Append(ctx, e); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Outbox.Append(%.40s) = %v, want oms.ErrValidation", p, err)
		}
		o := &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
		if err := st.Orders.Create(ctx, o, []oms.Event{e}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Orders.Create with %.40s = %v, want oms.ErrValidation", p, err)
		}
		for name, s := range map[string]inventory.Store{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory)} {
			r := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at,
				Lines: []inventory.ReservationLine{{SKU: "S1", Location: "wh", Quantity: 1}}}
			if _, _, err := s.Reserve(ctx, r, e); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Inventory.Reserve (%s) with %.40s = %v, want oms.ErrValidation", name, p, err)
			}
		}
	}
	if lv, err := st.Inventory.Level(ctx, "S1", "wh"); err != nil || lv.Reserved != 0 {
		t.Errorf("refused reservations moved stock: %+v, %v", lv, err)
	}
	if all, err := st.Outbox.All(ctx); err != nil || len(all) != 0 {
		t.Errorf("outbox after refused writes: %d events, %v", len(all), err)
	}
	for _, p := range []string{`{"n":1e131071}`, `[1e-16383, -0e999999, 0E-16383]`, `{"s":"1e131072 0.0e-20000"}`, `{"id":"01KJ9E99999999"}`} {
		if err := st.Outbox.Append(ctx, event(p)); err != nil {
			t.Errorf("Outbox.Append(%.40s) = %v", p, err)
		}
	}
}
