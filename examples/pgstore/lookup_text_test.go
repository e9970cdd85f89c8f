package pgstore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestLookupsByTextPostgreSQLCannotHoldFindNothing: every lookup and list
// by an ID, SKU, key or number holding a NUL byte or invalid UTF-8 (text
// PostgreSQL cannot hold, so never stored) finds nothing, as in the memory
// stores: oms.ErrNotFound for a lookup, an empty result for a list or a
// mark, never an encoding error from the database.
func TestLookupsByTextPostgreSQLCannotHoldFindNothing(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	if err := st.Inventory.PutItem(ctx, inventory.Item{SKU: "SKU-1"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a\x00b", "\xff\xfe"} {
		id := oms.ID(s)
		notFound := func(name string, err error) {
			t.Helper()
			if !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("%s(%q) = %v, want oms.ErrNotFound", name, s, err)
			}
		}
		nothing := func(name string, n int, err error) {
			t.Helper()
			if err != nil || n != 0 {
				t.Errorf("%s(%q) = %d results, %v; want none and no error", name, s, n, err)
			}
		}
		_, err := st.Orders.Get(ctx, id)
		notFound("Orders.Get", err)
		_, err = st.Orders.GetByIdempotencyKey(ctx, s)
		notFound("Orders.GetByIdempotencyKey", err)
		_, err = st.Orders.GetByNumber(ctx, s)
		notFound("Orders.GetByNumber", err)
		p, err := st.Orders.ListByCustomer(ctx, id, order.PageRequest{})
		nothing("Orders.ListByCustomer", len(p.Orders), err)
		cur := order.PageRequest{Cursor: encodeCursor("2026-01-01T00:00:00Z~" + s)}
		if _, err := st.Orders.ListByCustomer(ctx, "C1", cur); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("ListByCustomer with a cursor naming %q = %v, want oms.ErrValidation", s, err)
		}

		_, err = st.Inventory.Location(ctx, id)
		notFound("Inventory.Location", err)
		_, err = st.Inventory.Item(ctx, oms.SKU(s))
		notFound("Inventory.Item", err)
		_, err = st.Inventory.Level(ctx, oms.SKU(s), "LOC")
		notFound("Inventory.Level(sku)", err)
		_, err = st.Inventory.Level(ctx, "SKU-1", id)
		notFound("Inventory.Level(location)", err)
		lv, err := st.Inventory.Levels(ctx, oms.SKU(s))
		nothing("Inventory.Levels", len(lv), err)
		_, err = st.Inventory.Reservation(ctx, id)
		notFound("Inventory.Reservation", err)
		rs, err := st.Inventory.Reservations(ctx, inventory.ReservationFilter{Reference: s})
		nothing("Inventory.Reservations", len(rs), err)
		_, err = st.Inventory.Inbound(ctx, id)
		notFound("Inventory.Inbound", err)
		ins, err := st.Inventory.Inbounds(ctx, inventory.InboundFilter{SKU: oms.SKU(s)})
		nothing("Inventory.Inbounds", len(ins), err)
		_, marks, err := st.Inventory.SyncState(ctx, []oms.SKU{oms.SKU(s)})
		nothing("Inventory.SyncState", len(marks), err)

		k := tracking.Key{Carrier: s, TrackingNumber: s}
		_, err = st.Tracking.Get(ctx, k)
		notFound("Tracking.Get", err)
		os, err := st.Tracking.Orphans(ctx, k)
		nothing("Tracking.Orphans", len(os), err)
		nothing("Tracking.DeleteOrphans", 0, st.Tracking.DeleteOrphans(ctx, k, s))
		ts, err := st.Tracking.List(ctx, tracking.Filter{After: k})
		nothing("Tracking.List", len(ts), err)

		_, err = st.Fulfillment.Allocation(ctx, id)
		notFound("Fulfillment.Allocation", err)
		_, err = st.Fulfillment.FulfillmentOrder(ctx, id)
		notFound("Fulfillment.FulfillmentOrder", err)
		fos, err := st.Fulfillment.FulfillmentOrders(ctx, id)
		nothing("Fulfillment.FulfillmentOrders", len(fos), err)
		_, err = st.Fulfillment.Shipment(ctx, id)
		notFound("Fulfillment.Shipment", err)
		shs, err := st.Fulfillment.Shipments(ctx, id)
		nothing("Fulfillment.Shipments", len(shs), err)
		_, err = st.Fulfillment.ShipmentByTracking(ctx, s, s)
		notFound("Fulfillment.ShipmentByTracking", err)

		_, err = st.Returns.Get(ctx, id)
		notFound("Returns.Get", err)
		_, err = st.Returns.GetByTracking(ctx, s)
		notFound("Returns.GetByTracking", err)
		rets, err := st.Returns.ListByOrder(ctx, id)
		nothing("Returns.ListByOrder", len(rets), err)

		evs, err := st.Outbox.Events(ctx, id)
		nothing("Outbox.Events", len(evs), err)
		n, err := st.Outbox.MarkFailed(ctx, id, "x")
		nothing("Outbox.MarkFailed", n, err)
		nothing("Outbox.MarkDead", 0, st.Outbox.MarkDead(ctx, id, "x"))
		nothing("Outbox.MarkPublished", 0, st.Outbox.MarkPublished(ctx, id))
		pend, err := st.Outbox.Pending(ctx, 10, id)
		nothing("Outbox.Pending(skip)", len(pend), err)
	}
}

// TestTrackerListAfterAKeyPostgreSQLCannotHold: a page position holding a
// NUL byte still sorts among the stored keys (byte-wise, as KeyLess): the
// walk resumes after it instead of failing.
func TestTrackerListAfterAKeyPostgreSQLCannotHold(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	s := db.Tracking()
	mem := tracking.NewMemoryStore(nil)
	for _, num := range []string{"A1", "A2", "B1"} {
		tr := newTracker(t, "ups", num)
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		if err := mem.Save(ctx, newTracker(t, "ups", num), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []tracking.Filter{
		{After: tracking.Key{Carrier: "ups", TrackingNumber: "A1\x00"}},
		{After: tracking.Key{Carrier: "ups", TrackingNumber: "A1\x00"}, Limit: 1},
		{After: tracking.Key{Carrier: "ups\xff", TrackingNumber: ""}},
		{After: tracking.Key{Carrier: "up\x00", TrackingNumber: "Z"}, Limit: 2},
	} {
		got, err := s.List(ctx, f)
		if err != nil {
			t.Errorf("List(%+q) = %v", f.After, err)
			continue
		}
		want, err := mem.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("List(after %+q, limit %d) = %d trackers, memory store %d", f.After, f.Limit, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i].Key() != want[i].Key() {
				t.Errorf("List(after %+q)[%d] = %v, memory store %v", f.After, i, got[i].Key(), want[i].Key())
			}
		}
	}
}

func newTracker(t *testing.T, carrier, number string) *tracking.Tracker {
	t.Helper()
	tr := tracking.NewTracker(tracking.NewKey(carrier, number), time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	tr.Version = 1
	return tr
}

// encodeCursor spells an order list cursor as the store does
// (base64url of "<RFC 3339 time>~<id>").
func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
