package notify_test

import (
	"context"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// A relay drains the outbox into a Notifier whose Sender prints: the
// confirmation, the shipment with its two parcels, the parcel that
// arrives first (no message: the shipment is not complete), then the
// delivery of the whole shipment.
func Example() {
	ctx := context.Background()
	outbox := oms.NewMemoryOutbox(nil)
	printer := notify.SenderFunc(func(_ context.Context, m notify.Message) error {
		fmt.Printf("%s to %s: %s\n", m.Channel, m.To, m.Subject)
		return nil
	})
	n, err := notify.New(notify.NewMemoryStore(), &notify.Options{Sender: printer})
	if err != nil {
		panic(err)
	}
	relay := oms.NewRelay(outbox, n, nil)

	// The events order, fulfillment and tracking save as the order goes.
	s := notifytest.NewScript("ord-1", "1001", order.Customer{ID: "c-1", Email: "ann@example.com", Name: "Ann"},
		time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	outbox.Append(
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "LAMP", Name: "Desk lamp", Quantity: 2, Total: "79.80"}),
		s.ShipmentCreated("sh-1", "UPS"), s.LabelPurchased("sh-1", 0, "1Z01"), s.LabelPurchased("sh-1", 1, "1Z02"),
		s.ShipmentShipped("sh-1"),
		s.Tracking("sh-1", "1Z01", tracking.StatusDelivered, ""), s.PackageDelivered("sh-1", 0, "1Z01"),
	)
	if _, err := relay.Drain(ctx); err != nil {
		panic(err)
	}
	fmt.Println("-- the second parcel arrives")
	outbox.Append(s.Tracking("sh-1", "1Z02", tracking.StatusDelivered, ""), s.PackageDelivered("sh-1", 1, "1Z02"), s.ShipmentDelivered("sh-1"))
	if _, err := relay.Drain(ctx); err != nil {
		panic(err)
	}
	// Output:
	// email to ann@example.com: Order 1001 confirmed
	// email to ann@example.com: Order 1001 has shipped
	// -- the second parcel arrives
	// email to ann@example.com: Order 1001 delivered
}

// The customer-facing status of an order, for the host's portal page.
func ExampleNotifier_View() {
	ctx := context.Background()
	n, _ := notify.New(notify.NewMemoryStore(), &notify.Options{Sender: notify.SenderFunc(func(context.Context, notify.Message) error { return nil })})
	s := notifytest.NewScript("ord-2", "1002", order.Customer{ID: "c-2", Email: "bo@example.com"}, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	for _, e := range []oms.Event{
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "MUG", Name: "Mug", Quantity: 2, Total: "18.00"}),
		s.ShipmentCreated("sh-2", "DHL"), s.LabelPurchased("sh-2", 0, "JD1"), s.ShipmentShipped("sh-2"),
		s.OrderShipped("sh-2", order.LineQuantity{LineID: "l1", Quantity: 1}),
		s.Tracking("sh-2", "JD1", tracking.StatusInTransit, ""),
	} {
		_ = n.Publish(ctx, e)
	}
	v, _ := n.View(ctx, "ord-2")
	fmt.Println(v.Number, v.Status)
	for _, sh := range v.Shipments {
		for _, p := range sh.Packages {
			fmt.Println(sh.ID, sh.Carrier, sh.Status, p.TrackingNumber, p.Status, len(p.Timeline))
		}
	}
	// Output:
	// 1002 partially_shipped
	// sh-2 DHL shipped JD1 in_transit 1
}

// Preferences pick the locale and the channels per kind; an empty list
// mutes a kind.
func ExampleNotifier_SetPreferences() {
	ctx := context.Background()
	n, _ := notify.New(notify.NewMemoryStore(), &notify.Options{Sender: notify.SenderFunc(func(_ context.Context, m notify.Message) error {
		fmt.Printf("%s %s: %s\n", m.Channel, m.Locale, m.Text)
		return nil
	})})
	_ = n.SetPreferences(ctx, "c-3", notify.Preferences{
		Locale:   "de-DE",
		Channels: []notify.Channel{notify.ChannelSMS},
		PerKind:  map[notify.Kind][]notify.Channel{notify.KindOrderConfirmed: {}},
	})
	s := notifytest.NewScript("ord-3", "1003", order.Customer{ID: "c-3", Phone: "+49 151 000000"}, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	for _, e := range []oms.Event{
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "MUG", Quantity: 1}),
		s.ShipmentCreated("sh-3", "DHL"), s.LabelPurchased("sh-3", 0, "JD3"), s.ShipmentShipped("sh-3"),
	} {
		_ = n.Publish(ctx, e)
	}
	// Output:
	// sms de-DE: Ihr Paket ist unterwegs mit DHL. Sendungsnummer JD3.
}
