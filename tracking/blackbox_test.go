package tracking_test

// Black-box review of package tracking through its public API only: every
// test here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// Register replayed for the same tracking number and shipment but with
// another customer, order, URL or promise returned the first tracker
// silently: the caller believed its promise (or customer) was recorded.
// The same key with other content is oms.ErrDuplicate and changes
// nothing; the same content is a replay.
func TestRegisterReplayWithOtherContentIsDuplicate(t *testing.T) {
	ctx := context.Background()
	base := tracking.Registration{Carrier: "ups", TrackingNumber: "1Z9", ShipmentRef: "shp-1", OrderRef: "ord-1",
		CustomerID: "cus-1", TrackingURL: "https://example.com/t/1Z9", PromisedBy: oms.NewDate(2026, 3, 6), DestinationZone: "America/New_York"}
	changes := map[string]func(r *tracking.Registration){
		"order":       func(r *tracking.Registration) { r.OrderRef = "ord-2" },
		"customer":    func(r *tracking.Registration) { r.CustomerID = "cus-2" },
		"no customer": func(r *tracking.Registration) { r.CustomerID = "" },
		"url":         func(r *tracking.Registration) { r.TrackingURL = "https://evil.example/t" },
		"promise":     func(r *tracking.Registration) { r.PromisedBy = oms.NewDate(2026, 3, 9) },
		"zone":        func(r *tracking.Registration) { r.DestinationZone = "Asia/Tokyo" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			first, err := f.svc.Register(ctx, base)
			if err != nil {
				t.Fatal(err)
			}
			before := state(t, f.store)
			r := base
			change(&r)
			if _, err := f.svc.Register(ctx, r); !errors.Is(err, oms.ErrDuplicate) {
				t.Errorf("Register with another %s: err = %v, want ErrDuplicate", name, err)
			}
			if after := state(t, f.store); after != before {
				t.Errorf("refused Register changed the store:\n%s\n%s", before, after)
			}
			again, err := f.svc.Register(ctx, base)
			if err != nil || again.Version != first.Version {
				t.Errorf("replay with the same content: %v, version %d -> %d", err, first.Version, again.Version)
			}
		})
	}
}

// Apply stored an estimated delivery that is not a calendar day (month
// 13, year 0, year 10000) and put it in the estimate_changed event, whose
// "2026-13-40" no consumer can decode (oms.Date refuses it). An update
// with such an estimate is refused with oms.ErrValidation and changes
// nothing, whether or not its tracker exists; a decoder reading a
// carrier's year-0 estimate drops it instead of handing it on.
func TestApplyRefusesInvalidEstimatedDelivery(t *testing.T) {
	ctx := context.Background()
	for _, d := range []oms.Date{{Year: 2026, Month: 13, Day: 40}, {Year: 2026, Month: 2, Day: 30}, {Year: 0, Month: 6, Day: 1}, {Year: -1, Month: 1, Day: 1}, {Year: 10000, Month: 1, Day: 1}} {
		for _, number := range []string{"1Z1", "UNREGISTERED"} {
			f := newFixture(t)
			f.register(t, "1Z1")
			before := state(t, f.store)
			_, err := f.svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: number, EstimatedDelivery: d,
				Events: []tracking.Event{{Time: t0.Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"}, {RawCode: "no time"}}})
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Apply to %s with estimate %v: err = %v, want ErrValidation", number, d, err)
			}
			if after := state(t, f.store); after != before {
				t.Errorf("refused Apply to %s with estimate %v changed the store:\n%s\n%s", number, d, before, after)
			}
		}
	}
	f := newFixture(t)
	f.register(t, "1Z1")
	if _, err := f.svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", EstimatedDelivery: oms.NewDate(9999, 12, 31)}); err != nil {
		t.Errorf("Apply with the last representable day: %v", err)
	}
	body := []byte(`{"event":"tracking_update","msg":{"tracking_number":"1Z1","slug":"ups","expected_delivery":"0000-06-01",` +
		`"checkpoints":[{"checkpoint_time":"2026-03-02T07:00:00Z","tag":"InTransit","message":"Departed"}]}}`)
	us, err := tracking.AfterShipDecoder{}.Decode(body)
	if err != nil || len(us) != 1 {
		t.Fatalf("decode: %v, %d updates", err, len(us))
	}
	if !us[0].EstimatedDelivery.IsZero() {
		t.Errorf("decoded a year-0 estimate as %v, want none", us[0].EstimatedDelivery)
	}
}

// A Source that reports an impossible estimate must not stop the Poller
// now that Apply refuses such an estimate: the poller drops the estimate,
// applies the scans and goes on (PollDue returns no error).
func TestPollerDropsAnInvalidEstimate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "1Z1")
	src := tracking.SourceFunc(func(ctx context.Context, carrier, number string) (tracking.Update, error) {
		return tracking.Update{EstimatedDelivery: oms.Date{Year: 2026, Month: 13, Day: 40},
			Events: []tracking.Event{{Time: t0.Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"}}}, nil
	})
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"": src}, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.PollDue(ctx)
	if err != nil {
		t.Fatalf("PollDue: %v", err)
	}
	tr, _ := f.svc.Get(ctx, "ups", "1Z1")
	if rep.Applied != 1 || tr.Status != tracking.StatusInTransit || !tr.EstimatedDelivery.IsZero() {
		t.Errorf("poll applied %d, status %s, estimate %v; want 1, in_transit, none", rep.Applied, tr.Status, tr.EstimatedDelivery)
	}
}

// An event dated before year 1 (year 0, which a webhook's RFC 3339 time
// can name, or a negative year through Apply) was applied: for a negative
// year the status_changed event could not be written (Apply failed with a
// JSON error, not a validation error), and a year-0 scan sorted before
// every real one. Such a time is as good as missing: the event is
// quarantined like one without a time, and the tracker is unchanged.
func TestApplyQuarantinesEventsBeforeYearOne(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tr := f.register(t, "1Z1")
	events := len(f.store.Outbox().Events(""))
	res, err := f.svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", Events: []tracking.Event{
		{Time: time.Date(-1, 5, 1, 0, 0, 0, 0, time.UTC), Status: tracking.StatusDelivered, RawCode: "DL"},
		{Time: time.Date(0, 5, 1, 0, 0, 0, 0, time.UTC), Status: tracking.StatusDelivered, RawCode: "DL"},
	}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if res.Quarantined != 2 || res.Applied != 0 {
		t.Errorf("result %+v, want 2 quarantined, 0 applied", res)
	}
	got, _ := f.svc.Get(ctx, "ups", "1Z1")
	if got.Version != tr.Version || got.Status != tracking.StatusPreTransit || len(got.Events) != 0 {
		t.Errorf("tracker changed: v%d %s %d events", got.Version, got.Status, len(got.Events))
	}
	if n := len(f.store.Outbox().Events("")); n != events {
		t.Errorf("%d events saved", n-events)
	}
	orphans, _ := f.store.Orphans(ctx, tracking.NewKey("ups", "1Z1"))
	if len(orphans) != 2 || orphans[0].Cause != tracking.OrphanFutureTime {
		t.Errorf("orphans %+v, want the 2 events quarantined", orphans)
	}
}

// A sweep at an instant whose alert cannot be written (year 10000) failed
// with a JSON error deep in the write, and a parcel promised for 9999-12-31
// east of UTC could never be flagged late: the alert's Since was the end
// of the promised day in the destination's zone, which is year 10000
// there, although the instant is 9999-12-31 15:00 UTC. Since is now
// written in UTC, and a sweep time outside years 1 to 9999 is refused with
// oms.ErrValidation before anything changes.
func TestSweepAtTheEndOfYear9999(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "s1",
		PromisedBy: oms.NewDate(9999, 12, 31), DestinationZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	before := state(t, f.store)
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := f.svc.Sweep(ctx, at); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Sweep at %v: err = %v, want ErrValidation", at, err)
		}
		if after := state(t, f.store); after != before {
			t.Errorf("refused Sweep changed the store:\n%s\n%s", before, after)
		}
	}
	res, err := f.svc.Sweep(ctx, time.Date(9999, 12, 31, 16, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("Sweep after the promised day ended in Tokyo: %v", err)
	}
	late := false
	for _, r := range res {
		if r.Alert.Kind == tracking.AlertLate {
			late = true
			if want := time.Date(9999, 12, 31, 15, 0, 0, 0, time.UTC); !r.Alert.Since.Equal(want) {
				t.Errorf("late since %v, want %v", r.Alert.Since, want)
			}
		}
	}
	if !late {
		t.Errorf("alerts %+v, want a late one", res)
	}
}

// The handler promises that a 400 applies nothing, but it checked only
// the keys up front: a decoder's second update with an impossible
// estimate was refused by Apply after the first had been applied. Every
// update is checked before any is applied.
func TestWebhookRefusesABadUpdateBeforeApplyingAny(t *testing.T) {
	f := newFixture(t)
	f.register(t, "1Z1")
	f.register(t, "1Z2")
	dec := tracking.DecoderFunc(func(body []byte) ([]tracking.Update, error) {
		return []tracking.Update{
			{Carrier: "ups", TrackingNumber: "1Z1", Events: []tracking.Event{{Time: t0.Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"}}},
			{Carrier: "ups", TrackingNumber: "1Z2", EstimatedDelivery: oms.Date{Year: 2026, Month: 2, Day: 30}},
		}, nil
	})
	opts := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: dec}
	h, err := tracking.NewWebhookHandler(f.svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{}`)
	before := state(t, f.store)
	code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": opts.Sign(body, "")})
	if code != 400 {
		t.Errorf("status %d %+v, want 400", code, resp)
	}
	if after := state(t, f.store); after != before {
		t.Errorf("refused request changed the store:\n%s\n%s", before, after)
	}
}

// Events that arrive before their tracker is registered are kept as
// orphans and applied at registration; the estimate adopted with them was
// the latest date among the orphans, not the one that came with the
// newest scan, so a carrier that moved its date earlier was not heard:
// the tracker's estimate depended on whether the webhooks came before or
// after Register. Both orders now give the same tracker.
func TestOrphanAdoptionKeepsTheNewestEstimate(t *testing.T) {
	ctx := context.Background()
	updates := []tracking.Update{
		{Carrier: "ups", TrackingNumber: "1Z1", EstimatedDelivery: oms.NewDate(2026, 3, 10),
			Events: []tracking.Event{{Time: t0.Add(-3 * time.Hour), Status: tracking.StatusInTransit, RawCode: "IT", RawText: "Departed"}}},
		{Carrier: "ups", TrackingNumber: "1Z1", EstimatedDelivery: oms.NewDate(2026, 3, 5),
			Events: []tracking.Event{{Time: t0.Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT", RawText: "Arrived"}}},
		{Carrier: "ups", TrackingNumber: "1Z1",
			Events: []tracking.Event{{Time: t0.Add(-30 * time.Minute), Status: tracking.StatusInTransit, RawCode: "IT", RawText: "Sorted"}}},
	}
	apply := func(f *fixture) {
		for _, u := range updates {
			if _, err := f.svc.Apply(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	registeredFirst := newFixture(t)
	registeredFirst.register(t, "1Z1")
	apply(registeredFirst)
	orphansFirst := newFixture(t)
	apply(orphansFirst)
	orphansFirst.register(t, "1Z1")
	a, _ := registeredFirst.svc.Get(ctx, "ups", "1Z1")
	b, _ := orphansFirst.svc.Get(ctx, "ups", "1Z1")
	if a.EstimatedDelivery != oms.NewDate(2026, 3, 5) {
		t.Errorf("registered first: estimate %v, want 2026-03-05", a.EstimatedDelivery)
	}
	if b.EstimatedDelivery != a.EstimatedDelivery || len(b.Events) != len(a.Events) || b.Status != a.Status {
		t.Errorf("orphans first: estimate %v, %d events, %s; registered first: %v, %d events, %s",
			b.EstimatedDelivery, len(b.Events), b.Status, a.EstimatedDelivery, len(a.Events), a.Status)
	}
}

// Poller.Backoff doubled past the largest Duration when MaxBackoff was
// huge (math.MaxInt64: "no cap"): after 26 failures of a 5-minute backoff
// the wait wrapped negative, then to 0, so a dead source was polled at
// every tick. The backoff never decreases and stays within
// MinBackoff..MaxBackoff for every failure count.
func TestPollerBackoffNeverWraps(t *testing.T) {
	f := newFixture(t)
	src := tracking.SourceFunc(func(ctx context.Context, carrier, number string) (tracking.Update, error) {
		return tracking.Update{}, nil
	})
	for _, o := range []tracking.PollerOptions{
		{MinBackoff: 5 * time.Minute, MaxBackoff: math.MaxInt64},
		{MinBackoff: 1, MaxBackoff: math.MaxInt64},
		{MinBackoff: math.MaxInt64 / 3, MaxBackoff: math.MaxInt64 - 1},
		{MinBackoff: math.MaxInt64, MaxBackoff: math.MaxInt64},
	} {
		o.Sources = map[string]tracking.Source{"": src}
		p, err := tracking.NewPoller(f.svc, &o)
		if err != nil {
			t.Fatal(err)
		}
		prev := time.Duration(0)
		for n := 1; n <= 200; n++ {
			d := p.Backoff(n)
			if d < o.MinBackoff || d > o.MaxBackoff || d < prev {
				t.Fatalf("min %v max %v: Backoff(%d) = %v after %v", o.MinBackoff, o.MaxBackoff, n, d, prev)
			}
			prev = d
		}
	}
}

// Detect, NewView and MapEvent panicked on a nil tracker or mapper; they
// answer the empty result instead (no alerts, an empty view, an unknown
// status with the raw codes kept).
func TestNilInputsNeverPanic(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	if a := tracking.Detect(nil, t0, nil); a != nil {
		t.Errorf("Detect(nil) = %v", a)
	}
	if v := tracking.NewView(nil); len(v.Events) != 0 || v.Events == nil {
		t.Errorf("NewView(nil) = %+v", v)
	}
	if e := tracking.MapEvent(nil, "DL", "x", "Delivered"); e.Status != tracking.StatusUnknown || e.RawCode != "DL" {
		t.Errorf("MapEvent(nil, ...) = %+v", e)
	}
}
