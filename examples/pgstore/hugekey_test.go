package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestKeysTooLongToIndexAreRefusedAsValidation: a key PostgreSQL indexes
// (an order number, idempotency key or customer ID, a reservation
// reference, a return's or shipment's tracking number, a fulfillment
// order's order ID) longer than an index entry holds (about 2.7 kB, or
// 8 kB compressed) is kept by the memory stores; the adapter failed the
// write with "index row size exceeds maximum" (SQLSTATE 54000), an error
// no service can tell from a broken database. Now it is refused with
// oms.ErrValidation, and nothing is written.
func TestKeysTooLongToIndexAreRefusedAsValidation(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := make([]byte, 4000)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for _, long := range []string{hex.EncodeToString(b), strings.Repeat("x", 1<<20)} {
		refused := func(name string, err error) {
			t.Helper()
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s with a key of %d bytes = %.300v, want oms.ErrValidation", name, len(long), err)
			}
		}
		newOrder := func() *order.Order {
			return &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
		}
		o := newOrder()
		o.Number = long
		refused("Orders.Create(number)", st.Orders.Create(ctx, o, nil))
		if _, err := st.Orders.Get(ctx, o.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("refused order stored: %v", err)
		}
		o = newOrder()
		o.IdempotencyKey = long
		refused("Orders.Create(idempotency key)", st.Orders.Create(ctx, o, nil))
		o = newOrder()
		o.Customer.ID = oms.ID(long)
		refused("Orders.Create(customer)", st.Orders.Create(ctx, o, nil))

		if err := inventory.NewService(st.Inventory, nil).PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
		if err := inventory.NewService(st.Inventory, nil).PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string]inventory.Store{"one statement": st.Inventory, "transaction": pgstore.TransactionOnly(st.Inventory)} {
			r := inventory.Reservation{ID: oms.NewID(), Reference: long, Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at,
				Lines: []inventory.ReservationLine{{SKU: "S1", Location: "wh", Quantity: 1}}}
			_, _, err := s.Reserve(ctx, r, oms.Event{})
			refused("Inventory.Reserve ("+name+", reference)", err)
		}
		if lv, err := st.Inventory.Level(ctx, "S1", "wh"); err != nil || lv.Reserved != 0 {
			t.Errorf("refused reservations moved stock: %+v, %v", lv, err)
		}

		r := &returns.Return{ID: oms.NewID(), Kind: returns.KindReturn, OrderID: oms.NewID(), Status: returns.StatusLabelIssued,
			Version: 1, Currency: "USD", Label: &returns.Label{TrackingNumbers: []string{long}}}
		refused("Returns.Create(tracking number)", st.Returns.Create(ctx, r, nil))
		fo := &fulfillment.FulfillmentOrder{ID: oms.NewID(), OrderID: oms.ID(long), Version: 1, CreatedAt: at}
		refused("Fulfillment.Save(fulfillment order's order)", st.Fulfillment.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo}}))
		sh := &fulfillment.Shipment{ID: oms.NewID(), OrderID: oms.NewID(), Version: 1, CreatedAt: at, Carrier: "ups",
			Packages: []fulfillment.Package{{TrackingNumber: long}}}
		refused("Fulfillment.Save(tracking number)", st.Fulfillment.Save(ctx, &fulfillment.Change{Shipments: []*fulfillment.Shipment{sh}}))
		if _, err := st.Fulfillment.Shipment(ctx, sh.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("refused shipment stored: %v", err)
		}
	}
}
