package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var anna = order.Customer{ID: "cust-anna", Email: "anna@example.com", Name: "Anna", Phone: "+49 151 000000"}

type env struct {
	ctx   context.Context
	clock *oms.ManualClock
	store *notify.MemoryStore
	rec   *notifytest.Recorder
	n     *notify.Notifier
}

func newEnv(t *testing.T, opts *notify.Options) *env {
	t.Helper()
	e := &env{ctx: context.Background(), clock: oms.NewManualClock(t0), store: notify.NewMemoryStore(), rec: &notifytest.Recorder{}}
	var o notify.Options
	if opts != nil {
		o = *opts
	}
	if o.Sender == nil {
		o.Sender = e.rec
	}
	o.Clock = e.clock
	n, err := notify.New(e.store, &o)
	if err != nil {
		t.Fatal(err)
	}
	e.n = n
	return e
}

func (e *env) publish(t *testing.T, evs ...oms.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := e.n.Publish(e.ctx, ev); err != nil {
			t.Fatalf("publish %s: %v", ev.Type, err)
		}
	}
}

func kinds(ms []notify.Message) []string {
	var out []string
	for _, m := range ms {
		k := string(m.Kind)
		if m.Kind == notify.KindDigest {
			var parts []string
			for _, s := range m.Milestones {
				parts = append(parts, string(s.Kind))
			}
			k += "(" + strings.Join(parts, "+") + ")"
		}
		out = append(out, string(m.Channel)+":"+k)
	}
	return out
}

func lq(id oms.ID, n int64) order.LineQuantity { return order.LineQuantity{LineID: id, Quantity: n} }

// TestThreeParcelShipmentDeliveredOnlyWithTheLastParcel is the issue's
// first finding: one parcel of three delivered while another stalled must
// not tell the customer their order was delivered.
func TestThreeParcelShipmentDeliveredOnlyWithTheLastParcel(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-1", "1001", anna, t0)
	e.publish(t,
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 3, Total: "59.70"}),
		s.ShipmentCreated("sh-1", "ups"),
		s.LabelPurchased("sh-1", 0, "1Z0"), s.LabelPurchased("sh-1", 1, "1Z1"), s.LabelPurchased("sh-1", 2, "1Z2"),
		s.ShipmentShipped("sh-1"), s.OrderShipped("sh-1", lq("l1", 3)),
		s.Tracking("sh-1", "1Z0", tracking.StatusDelivered, ""),
		s.PackageDelivered("sh-1", 0, "1Z0"),
		s.Tracking("sh-1", "1Z1", tracking.StatusDelivered, ""),
		s.PackageDelivered("sh-1", 1, "1Z1"),
		s.Exception("sh-1", "1Z2", tracking.AlertStalled, tracking.ReasonNoScan),
	)
	want := []string{"email:order_confirmed", "email:shipped", "email:delivery_exception"}
	if diff := cmp.Diff(want, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("messages before the last parcel (-want +got):\n%s", diff)
	}
	e.publish(t, s.Tracking("sh-1", "1Z2", tracking.StatusDelivered, ""), s.PackageDelivered("sh-1", 2, "1Z2"), s.ShipmentDelivered("sh-1"))
	want = append(want, "email:delivered")
	if diff := cmp.Diff(want, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("messages (-want +got):\n%s", diff)
	}
	msgs := e.rec.Messages()
	if got := msgs[1].Text; !strings.Contains(got, "1Z0") || !strings.Contains(got, "1Z2") || !strings.Contains(got, "with ups") {
		t.Errorf("shipped message lacks the carrier or tracking numbers:\n%s", got)
	}
	if got := msgs[3].Text; !strings.Contains(got, "Every parcel of your order 1001 has been delivered") {
		t.Errorf("delivered message:\n%s", got)
	}
}

// TestShippedAfterDeliveredIsNotSent is the second finding.
func TestShippedAfterDeliveredIsNotSent(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-2", "1002", anna, t0)
	confirmed := s.Confirmed(notifytest.Line{ID: "l1", SKU: "MUG", Quantity: 1})
	created := s.ShipmentCreated("sh-2", "dhl")
	label := s.LabelPurchased("sh-2", 0, "JD1")
	shipped := s.ShipmentShipped("sh-2")
	inTransit := s.Tracking("sh-2", "JD1", tracking.StatusInTransit, "")
	delivered := s.Tracking("sh-2", "JD1", tracking.StatusDelivered, "")
	pkgDelivered := s.PackageDelivered("sh-2", 0, "JD1")
	all := s.ShipmentDelivered("sh-2")
	e.publish(t, confirmed, created, label, delivered, pkgDelivered, all, inTransit, shipped, inTransit, all)
	want := []string{"email:order_confirmed", "email:delivered"}
	if diff := cmp.Diff(want, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

// TestOrderEventsSendMessages is the third finding: confirmed,
// cancelled, lines cancelled, partially shipped and refunded all speak.
func TestOrderEventsSendMessages(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-3", "1003", anna, t0)
	e.publish(t,
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Lamp", Quantity: 2, Total: "80.00"}, notifytest.Line{ID: "l2", SKU: "B", Name: "Bulb", Quantity: 4, Total: "20.00"}),
		s.LinesCancelled(lq("l2", 1)),
		s.OrderShipped("sh-a", lq("l1", 2)),
		s.Refunded("r1", "5.00"),
		s.Cancelled(lq("l2", 3)),
	)
	want := []string{"email:order_confirmed", "email:lines_cancelled", "email:partially_shipped", "email:refund_issued", "email:order_cancelled"}
	msgs := e.rec.Messages()
	if diff := cmp.Diff(want, kinds(msgs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(msgs[1].Text, "1 × Bulb") || !strings.Contains(msgs[2].Text, "Still to come: 3 × Bulb") || !strings.Contains(msgs[3].Text, "5.00 EUR") {
		t.Errorf("texts:\n%s\n%s\n%s", msgs[1].Text, msgs[2].Text, msgs[3].Text)
	}
}

func TestUnknownAndUnreadableEventsAreIgnored(t *testing.T) {
	e := newEnv(t, nil)
	for _, ev := range []oms.Event{
		{ID: "e1", Type: "inventory.reserved", AggregateID: "x", Payload: []byte(`{}`)},
		{ID: "e2", Type: order.EventConfirmed, AggregateID: "o", Payload: []byte(`{not json`)},
		{ID: "e3", Type: "shipment.shipped", AggregateID: "sh", Payload: []byte(`{"package":-1}`)},
		{ID: "e4", Type: tracking.EventStatusChanged, AggregateID: "t", Payload: []byte(`{"status":"delivered"}`)},
		{ID: "e5", Type: order.EventConfirmed, AggregateID: "bad id with spaces", Payload: []byte(`{}`)},
		{},
	} {
		if err := e.n.Publish(e.ctx, ev); err != nil {
			t.Errorf("%s: %v", ev.Type, err)
		}
	}
	if len(e.rec.Messages()) != 0 {
		t.Errorf("messages: %v", kinds(e.rec.Messages()))
	}
	if _, err := e.store.Progress(e.ctx, "o"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("an unreadable event changed progress: %v", err)
	}
}

// TestTrackingNumbersMatchWhateverTheirCase: tracking reports "1Z 0A"
// for the label's "1z0a"; both are the same parcel (found end to end:
// tracking keys numbers upper-case, fulfillment keeps the label's).
func TestTrackingNumbersMatchWhateverTheirCase(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-case", "1101", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}), s.ShipmentCreated("sh", "ups"),
		s.LabelPurchased("sh", 0, "1z0a"), s.ShipmentShipped("sh"), s.Tracking("sh", "1Z 0A", tracking.StatusInTransit, ""))
	v, err := e.n.View(e.ctx, "ord-case")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Shipments[0].Packages) != 1 || len(v.Shipments[0].Packages[0].Timeline) != 1 {
		t.Fatalf("packages: %+v", v.Shipments[0].Packages)
	}
}
