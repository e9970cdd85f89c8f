package notifytest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// A script builds the outbox events of one order as the order,
// fulfillment and tracking packages save them: each aggregate counts its
// own versions, and the clock moves a second per event.
func ExampleScript() {
	s := notifytest.NewScript("ord-1", "1001", order.Customer{ID: "c-1", Email: "ann@example.com"},
		time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	for _, e := range []oms.Event{
		s.Placed(notifytest.Line{ID: "l1", SKU: "LAMP", Quantity: 1, Total: "39.90"}),
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "LAMP", Quantity: 1, Total: "39.90"}),
		s.ShipmentCreated("sh-1", "UPS"),
		s.LabelPurchased("sh-1", 0, "1Z01"),
		s.Tracking("sh-1", "1Z01", tracking.StatusInTransit, ""),
	} {
		fmt.Println(e.Time.Format(time.TimeOnly), e.Type, e.AggregateKind, "version", e.AggregateVersion)
	}
	// Output:
	// 09:00:00 order.placed order version 1
	// 09:00:01 order.confirmed order version 2
	// 09:00:02 shipment.created shipment version 1
	// 09:00:03 shipment.label_purchased shipment version 2
	// 09:00:04 tracking.status_changed tracker version 1
}

// A Recorder is the Sender of a test: it keeps what the notifier sent,
// and Fail makes it fail like a mail provider that is down. The failed
// message is not lost: the event's redelivery sends it, and a further
// redelivery sends nothing.
func ExampleRecorder() {
	ctx := context.Background()
	rec := &notifytest.Recorder{}
	n, err := notify.New(notify.NewMemoryStore(), &notify.Options{Sender: rec})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := notifytest.NewScript("ord-1", "1001", order.Customer{ID: "c-1", Email: "ann@example.com", Name: "Ann"},
		time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	confirmed := s.Confirmed(notifytest.Line{ID: "l1", SKU: "LAMP", Name: "Desk lamp", Quantity: 1, Total: "39.90"})

	rec.Fail = func(notify.Message) error { return errors.New("smtp: 421 try again later") }
	fmt.Println("publish:", n.Publish(ctx, confirmed))
	rec.Fail = nil
	fmt.Println("redelivered:", n.Publish(ctx, confirmed))
	fmt.Println("again:", n.Publish(ctx, confirmed))
	for _, m := range rec.Messages() {
		fmt.Println(m.Kind, m.Channel, m.To, m.Subject)
	}
	// Output:
	// publish: notify: send notify|ord-1|order_confirmed|order|c-1|email: smtp: 421 try again later
	// redelivered: <nil>
	// again: <nil>
	// order_confirmed email ann@example.com Order 1001 confirmed
}
