package demoshop

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestWholeFlow runs one order through the wired shop: placed, shipped,
// scanned delivered; after Drain, fulfillment has delivered the order and
// notify has sent the confirmation, the shipment and the delivery and shows
// the order delivered.
func TestWholeFlow(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	var kinds []notify.Kind
	shop, err := New(Options{Clock: clock, Sender: notify.SenderFunc(func(_ context.Context, m notify.Message) error {
		kinds = append(kinds, m.Kind)
		return nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a clock: want an error")
	}
	dock := oms.Address{Company: "Example Goods", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}
	if err := shop.Stock.PutLocation(ctx, inventory.Location{ID: "dc", Name: "DC", Kind: inventory.KindWarehouse, Active: true, Ships: true, Address: dock, Channels: []inventory.Channel{"web"}}); err != nil {
		t.Fatal(err)
	}
	if err := shop.Stock.PutItem(ctx, inventory.Item{SKU: "MUG", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := shop.Stock.Receive(ctx, inventory.Receipt{SKU: "MUG", Location: "dc", Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	o, err := shop.Orders.Place(ctx, order.PlaceInput{IdempotencyKey: "k", Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "c", Email: "c@example.com"},
		ShippingAddress: oms.Address{Name: "C", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard}, Payment: order.PaymentInput{Method: "tok"},
		Lines: []order.LineInput{{SKU: "MUG", Name: "Mug", Quantity: 2, UnitPrice: oms.MustParseMoney("12.00 USD"),
			UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shop.Orders.Confirm(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	res, err := shop.Fulfillment.Process(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	for _, sh := range res.Shipments {
		for _, p := range sh.Packages {
			if err := shop.Scan(ctx, sh.Carrier, p.TrackingNumber, clock.Now(), tracking.StatusDelivered, "Delivered", "New York"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := shop.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err = shop.Orders.Get(ctx, o.ID); err != nil || o.Status != order.StatusCompleted {
		t.Fatalf("order after delivery: %v, %v", o.Status, err)
	}
	v, err := shop.Notify.View(ctx, o.ID)
	if err != nil || v.Status != notify.OrderDelivered {
		t.Fatalf("view: %+v, %v", v, err)
	}
	want := map[notify.Kind]bool{notify.KindOrderConfirmed: false, notify.KindShipped: false, notify.KindDelivered: false}
	for _, k := range kinds {
		if _, ok := want[k]; ok {
			want[k] = true
		}
	}
	for k, sent := range want {
		if !sent {
			t.Errorf("no %s message; sent %v", k, kinds)
		}
	}
}
