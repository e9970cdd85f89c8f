package notify_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// TestDigestFoldsMilestonesWithinWindow: with a ten-minute digest, the
// confirmation and the shipment two minutes later go out as one message
// once the window has passed; a milestone alone in its window goes out as
// itself.
func TestDigestFoldsMilestonesWithinWindow(t *testing.T) {
	e := newEnv(t, &notify.Options{Digest: 10 * time.Minute})
	s := notifytest.NewScript("ord-d", "2001", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Lamp", Quantity: 1, Total: "30.00"}))
	e.clock.Advance(2 * time.Minute)
	e.publish(t, s.ShipmentCreated("sh-d", "dhl"), s.LabelPurchased("sh-d", 0, "JD1"), s.ShipmentShipped("sh-d"))
	if got := e.rec.Messages(); len(got) != 0 {
		t.Fatalf("sent inside the window: %v", kinds(got))
	}
	e.clock.Advance(7 * time.Minute)
	if n, err := e.n.Flush(e.ctx); err != nil || n != 0 {
		t.Fatalf("Flush before the window ends: %d, %v", n, err)
	}
	e.clock.Advance(time.Minute)
	if n, err := e.n.Flush(e.ctx); err != nil || n != 1 {
		t.Fatalf("Flush at the window's end: %d, %v; want 1 message", n, err)
	}
	if diff := cmp.Diff([]string{"email:digest(order_confirmed+shipped)"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// A later milestone opens a new window; alone in it, it is sent as itself.
	e.clock.Advance(time.Hour)
	e.publish(t, s.Tracking("sh-d", "JD1", tracking.StatusOutForDelivery, ""))
	e.clock.Advance(10 * time.Minute)
	// The next event of the order sends what is due, without Flush.
	e.publish(t, s.Tracking("sh-d", "JD1", tracking.StatusOutForDelivery, ""))
	if diff := cmp.Diff([]string{"email:digest(order_confirmed+shipped)", "email:out_for_delivery"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if n, err := e.n.Flush(e.ctx); err != nil || n != 0 {
		t.Fatalf("Flush with nothing due: %d, %v", n, err)
	}
}

// TestGoldenMessages renders whole messages through a Notifier (frame,
// digest, every channel) for an English and a German customer, and
// compares them with testdata/golden/messages (-update rewrites them).
func TestGoldenMessages(t *testing.T) {
	for _, locale := range []string{"en-GB", "de-CH"} {
		t.Run(locale, func(t *testing.T) {
			e := newEnv(t, &notify.Options{Digest: 5 * time.Minute})
			cust := order.Customer{ID: "cust-g", Email: "g@example.com", Name: "Gita", Phone: "+44 7700 900000"}
			if err := e.n.SetPreferences(e.ctx, cust.ID, notify.Preferences{Locale: locale, PushToken: "push-tok",
				Channels: []notify.Channel{notify.ChannelEmail, notify.ChannelSMS, notify.ChannelPush, notify.ChannelPortal}}); err != nil {
				t.Fatal(err)
			}
			s := notifytest.NewScript("ord-g", "3001", cust, t0)
			e.publish(t,
				s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Desk lamp", Quantity: 2, Total: "1234.50"}, notifytest.Line{ID: "l2", SKU: "B", Name: "Bulb", Quantity: 3, Total: "9.00"}),
				s.LinesCancelled(lq("l2", 1)),
				s.ShipmentCreated("sh-g", "DHL"), s.LabelPurchased("sh-g", 0, "JD01"), s.LabelPurchased("sh-g", 1, "JD02"),
				s.ShipmentShipped("sh-g"), s.OrderShipped("sh-g", lq("l1", 2)),
			)
			e.clock.Advance(5 * time.Minute)
			e.publish(t, s.Refunded("r1", "1234.5"))
			var got string
			for _, m := range e.rec.Messages() {
				got += "=== " + string(m.Channel) + " " + string(m.Kind) + " to " + m.To + "\nsubject: " + m.Subject + "\n--- text\n" + m.Text + "\n--- html\n" + m.HTML + "\n"
			}
			name := filepath.Join("testdata", "golden", "messages", locale+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		})
	}
}
