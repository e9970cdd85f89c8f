package notify_test

import (
	"context"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/tracking"
)

// TestTrackingEventsOutOfOrderGiveTheSameView: a bus may hand a tracker's
// events over out of order, and twice. Each event's snapshot overwrote the
// package's status and estimate, so a late older event (the registration,
// the first in-transit scan) left the view showing pre_transit and an
// estimate the carrier had since moved, and the shipment's shipped time
// was the first event read rather than the first reported. The view is
// now the same whatever the order.
func TestTrackingEventsOutOfOrderGiveTheSameView(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	ob := oms.NewMemoryOutbox(nil)
	svc := tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: ob}), &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "shp-1", OrderRef: "ord-1",
		CustomerID: "cust-anna", TrackingURL: "https://ups.example/1Z1"}); err != nil {
		t.Fatal(err)
	}
	for i, s := range []struct {
		st  tracking.Status
		est oms.Date
	}{
		{tracking.StatusInTransit, oms.NewDate(2026, 3, 10)},
		{tracking.StatusException, oms.NewDate(2026, 3, 12)},
		{tracking.StatusInTransit, oms.NewDate(2026, 3, 14)},
		{tracking.StatusOutForDelivery, oms.NewDate(2026, 3, 14)},
	} {
		clock.Advance(time.Hour)
		if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", EstimatedDelivery: s.est,
			Events: []tracking.Event{{Time: clock.Now(), Status: s.st, RawCode: string(rune('a' + i))}}}); err != nil {
			t.Fatal(err)
		}
	}
	evs := ob.Events(tracking.NewKey("ups", "1Z1").ID())
	view := func(evs []oms.Event) *notify.OrderView {
		t.Helper()
		e := newEnv(t, nil)
		e.publish(t, evs...)
		v, err := e.n.View(ctx, "ord-1")
		if err != nil {
			t.Fatal(err)
		}
		v.UpdatedAt = time.Time{}
		return v
	}
	want := view(evs)
	if pk := want.Shipments[0].Packages[0]; pk.Status != tracking.StatusOutForDelivery || pk.EstimatedDelivery != oms.NewDate(2026, 3, 14) {
		t.Fatalf("in order: package %+v", pk)
	}
	reversed := slices.Clone(evs)
	slices.Reverse(reversed)
	orders := map[string][]oms.Event{"reversed": reversed}
	rng := rand.New(rand.NewSource(3))
	for _, name := range []string{"shuffled 1", "shuffled 2", "shuffled 3"} {
		s := slices.Clone(evs)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		orders[name] = append(s, s[:3]...) // and some again
	}
	for name, evs := range orders {
		if diff := cmp.Diff(want, view(evs)); diff != "" {
			t.Errorf("%s (-in order +%s):\n%s", name, name, diff)
		}
	}
}

// TestParcelOnItsWayAgainAfterAnExceptionShowsShipped: a parcel held for
// weather that the carrier then scans in transit again stayed "exception"
// in the view, with the weather named, until it was out for delivery. A
// newer in-transit scan, with no other parcel of the shipment in trouble,
// now shows the shipment shipped again.
func TestParcelOnItsWayAgainAfterAnExceptionShowsShipped(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	ob := oms.NewMemoryOutbox(nil)
	svc := tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: ob}), &tracking.ServiceOptions{Clock: clock})
	for _, number := range []string{"1Z1", "1Z2"} {
		if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: number, ShipmentRef: "shp-1", OrderRef: "ord-1", CustomerID: "cust-anna"}); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(number string, st tracking.Status, r tracking.Reason) {
		t.Helper()
		clock.Advance(time.Hour)
		if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: number,
			Events: []tracking.Event{{Time: clock.Now(), Status: st, Reason: r, RawCode: string(st)}}}); err != nil {
			t.Fatal(err)
		}
	}
	e := newEnv(t, nil)
	status := func() (string, string) {
		t.Helper()
		evs, err := ob.Pending(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		e.publish(t, evs...)
		var ids []oms.ID
		for _, ev := range evs {
			ids = append(ids, ev.ID)
		}
		if err := ob.MarkPublished(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		v, err := e.n.View(ctx, "ord-1")
		if err != nil {
			t.Fatal(err)
		}
		return v.Shipments[0].Status, v.Shipments[0].Exception
	}
	scan("1Z1", tracking.StatusInTransit, "")
	scan("1Z2", tracking.StatusInTransit, "")
	scan("1Z1", tracking.StatusException, tracking.ReasonWeather)
	scan("1Z2", tracking.StatusException, tracking.ReasonCustoms)
	if st, why := status(); st != notify.ShipmentException || why != "customs" {
		t.Fatalf("held: %s %q", st, why)
	}
	scan("1Z1", tracking.StatusInTransit, "")
	if st, why := status(); st != notify.ShipmentException || why != "customs" {
		t.Fatalf("one parcel still held: %s %q, want exception", st, why)
	}
	scan("1Z2", tracking.StatusInTransit, "")
	if st, why := status(); st != notify.ShipmentShipped || why != "" {
		t.Fatalf("both on their way again: %s %q, want shipped", st, why)
	}
}

// TestParcelLostByFulfillmentKeepsTheShipmentInException: fulfillment
// reports one parcel of two lost; the other parcel's in-transit scan does
// not clear the shipment's exception.
func TestParcelLostByFulfillmentKeepsTheShipmentInException(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-lost", "1001", anna, t0)
	e.publish(t,
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 2, Total: "39.80"}),
		s.ShipmentCreated("sh", "ups"), s.LabelPurchased("sh", 0, "T1"), s.LabelPurchased("sh", 1, "T2"), s.ShipmentShipped("sh"),
		s.ShipmentException("sh", 0, "T1", "lost"),
		s.Tracking("sh", "T2", tracking.StatusInTransit, ""),
	)
	v, err := e.n.View(e.ctx, "ord-lost")
	if err != nil {
		t.Fatal(err)
	}
	if st, why := v.Shipments[0].Status, v.Shipments[0].Exception; st != notify.ShipmentException || why != "lost" {
		t.Fatalf("shipment %s %q, want exception \"lost\"", st, why)
	}
}
