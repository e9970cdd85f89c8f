package pgstore_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/tracking"
)

// TestWritesOfTextPostgreSQLCannotHoldAreRefusedAsValidation: a write
// holding a NUL byte (in a column or, as a \u0000 escape, in a JSONB
// document) or bytes that are not UTF-8 in a column is text PostgreSQL
// cannot store. The memory stores keep it; the adapter cannot, so it
// refuses it with an error matching oms.ErrValidation (not a raw encoding
// error a service would report as a database failure) and writes nothing:
// no aggregate, no event, no stock moved.
func TestWritesOfTextPostgreSQLCannotHoldAreRefusedAsValidation(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	refused := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s = %v, want oms.ErrValidation", name, err)
		}
	}
	newOrder := func() *order.Order {
		return &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
	}
	event := func(agg oms.ID, payload any) []oms.Event {
		e, err := oms.NewEvent("test.changed", "test", agg, 1, at, payload)
		if err != nil {
			t.Fatal(err)
		}
		return []oms.Event{e}
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
	before, err := st.Outbox.All(ctx)
	if err != nil {
		t.Fatal(err)
	}

	for _, bad := range []string{"x\x00y", "\xff"} {
		o := newOrder()
		o.Number = bad
		refused("Orders.Create(number "+strconv.Quote(bad)+")", st.Orders.Create(ctx, o, event(o.ID, nil)))
		o = newOrder()
		o.Customer.ID = oms.ID(bad)
		refused("Orders.Create(customer "+strconv.Quote(bad)+")", st.Orders.Create(ctx, o, event(o.ID, nil)))
		if _, err := st.Orders.Get(ctx, o.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("refused order stored: Get = %v", err)
		}

		tr := newTracker(t, "ups", "1Z999")
		orphan := tracking.Orphan{Key: tracking.Key{Carrier: "ups", TrackingNumber: bad},
			Event: tracking.Event{ID: "e1", Time: at}, ReceivedAt: at}
		_, err := st.Tracking.AddOrphans(ctx, orphan)
		refused("Tracking.AddOrphans", err)

		for name, s := range map[string]inventory.Store{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory)} {
			r := inventory.Reservation{ID: oms.NewID(), Reference: bad, Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at,
				Lines: []inventory.ReservationLine{{SKU: "S1", Location: "wh", Quantity: 1}}}
			_, _, err := s.Reserve(ctx, r, event(r.ID, nil)[0])
			refused("Inventory.Reserve ("+name+", reference "+strconv.Quote(bad)+")", err)
		}

		if bad == "\xff" {
			continue // a JSONB document holds invalid UTF-8 as U+FFFD
		}
		o = newOrder()
		o.Notes = []order.Note{{Text: bad, At: at}}
		refused("Orders.Create(note)", st.Orders.Create(ctx, o, nil))
		tr.OrderRef = oms.ID(bad)
		refused("Tracking.Save", st.Tracking.Save(ctx, tr, nil))
		if _, err := st.Tracking.Get(ctx, tr.Key()); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("refused tracker stored: Get = %v", err)
		}
		r := &returns.Return{ID: oms.NewID(), Kind: returns.KindReturn, OrderID: oms.NewID(), Status: returns.StatusRequested,
			Version: 1, Channel: bad, Currency: "USD"}
		refused("Returns.Create", st.Returns.Create(ctx, r, nil))
		refused("Outbox.Append", st.Outbox.Append(ctx, event(oms.NewID(), map[string]string{"text": bad})...))
		ok := newOrder()
		refused("Orders.Create(event payload)", st.Orders.Create(ctx, ok, event(ok.ID, map[string]string{"text": bad})))
		if _, err := st.Orders.Get(ctx, ok.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("order whose event was refused stored: Get = %v", err)
		}
	}

	after, err := st.Outbox.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused writes left %d events in the outbox", len(after)-len(before))
	}
	if lv, err := st.Inventory.Level(ctx, "S1", "wh"); err != nil || lv.Reserved != 0 {
		t.Errorf("refused reservations moved stock: %+v, %v", lv, err)
	}
}
