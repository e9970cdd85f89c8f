package notify_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// FuzzPublish feeds events of every known type with arbitrary payloads
// and aggregate IDs: Publish never panics, never returns an error (an
// unreadable event is skipped), and whatever it sends renders.
func FuzzPublish(f *testing.F) {
	s := notifytest.NewScript("ord-f", "1", order.Customer{ID: "c", Email: "c@example.com"}, t0)
	for _, e := range []oms.Event{
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}), s.Cancelled(lq("l1", 1)), s.OrderShipped("k", lq("l1", 1)),
		s.ShipmentShipped("sh"), s.ShipmentException("sh", 0, "T", "lost"), s.Tracking("sh", "T", tracking.StatusDelivered, ""),
		s.Exception("sh", "T", tracking.AlertLate, ""), s.ReturnLabel("r", "u", "T"), s.ExchangeCreated("r", "o2"), s.Refunded("k", "1.00"),
	} {
		f.Add(e.Type, string(e.AggregateID), []byte(e.Payload))
	}
	f.Add("order.confirmed", "o", []byte(`{"customer":{"email":"x"},"lines":[{"line_id":"l","quantity":9223372036854775807}]}`))
	f.Add("shipment.package_delivered", "sh", []byte(`{"order_id":"o","package":99999999}`))
	var empty atomic.Int64
	n, err := notify.New(notify.NewMemoryStore(), &notify.Options{
		Sender: notify.SenderFunc(func(_ context.Context, m notify.Message) error {
			if m.Text == "" {
				empty.Add(1)
			}
			return nil
		}),
		Clock: oms.NewManualClock(t0),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, agg string, payload []byte) {
		e := oms.Event{ID: oms.NewID(), Type: typ, AggregateID: oms.ID(agg), AggregateVersion: 1, Time: t0, Payload: payload}
		if err := n.Publish(context.Background(), e); err != nil {
			t.Fatalf("Publish(%s): %v", typ, err)
		}
		if empty.Load() != 0 {
			t.Fatalf("a message with an empty text from %s %s", typ, payload)
		}
	})
}
