package tracking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

func sweepKinds(rs []tracking.SweepResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Key.TrackingNumber+":"+string(r.Alert.Kind)+":"+string(r.Alert.Reason))
	}
	return out
}

func apply(t *testing.T, f *fixture, number string, est time.Time, events ...tracking.Event) {
	t.Helper()
	if _, err := f.svc.Apply(context.Background(), tracking.Update{Carrier: "ups", TrackingNumber: number, EstimatedDelivery: est, Events: events}); err != nil {
		t.Fatal(err)
	}
}

func sweep(t *testing.T, f *fixture) []string {
	t.Helper()
	rs, err := f.svc.Sweep(context.Background(), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sweepKinds(rs)
}

func TestSweepStalled(t *testing.T) {
	f := newFixture(t)
	f.svc = tracking.NewService(f.store, &tracking.Options{Clock: f.clock, StallAfter: map[tracking.Status]time.Duration{tracking.StatusInTransit: 48 * time.Hour}})
	f.register(t, "S1")
	apply(t, f, "S1", time.Time{}, ev(0, tracking.StatusInTransit, "IT"))

	f.clock.Advance(47 * time.Hour)
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("at 47h: %v", got)
	}
	f.clock.Advance(time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"S1:stalled:no_scan"}) {
		t.Fatalf("at 48h: %v", got)
	}
	// Once per stall.
	f.clock.Advance(24 * time.Hour)
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("second sweep: %v", got)
	}
	// A new scan ends the stall; a new silence is a new stall.
	apply(t, f, "S1", time.Time{}, tracking.Event{Time: f.clock.Now(), Status: tracking.StatusInTransit, RawCode: "AR"})
	f.clock.Advance(48 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"S1:stalled:no_scan"}) {
		t.Fatalf("after a new silence: %v", got)
	}
	tr, _ := f.svc.Get(context.Background(), "ups", "S1")
	if len(tr.Alerts) != 2 || tr.Alerts[0].Since.Equal(tr.Alerts[1].Since) {
		t.Fatalf("alerts %+v", tr.Alerts)
	}
	n := 0
	for _, e := range f.store.Outbox().Events(tr.ID) {
		if e.Type == tracking.EventExceptionDetected {
			var ar tracking.AlertRaised
			if err := e.Decode(&ar); err != nil {
				t.Fatal(err)
			}
			if ar.Alert.Kind != tracking.AlertStalled || ar.CustomerID != "cust-1" {
				t.Fatalf("payload %+v", ar)
			}
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d exception events, want 2", n)
	}
	// A registered parcel with no scan at all stalls in pre_transit (default 5 days).
	f.register(t, "S2")
	f.clock.Advance(5 * 24 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"S2:stalled:no_scan"}) {
		t.Fatalf("pre-transit stall: %v", got)
	}
}

func TestSweepLate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	promised := t0.Add(72 * time.Hour)
	for _, n := range []string{"L1", "L2", "L3"} {
		if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: n, ShipmentRef: n, PromisedBy: promised}); err != nil {
			t.Fatal(err)
		}
	}
	// L1: the carrier's estimate moves past the promise.
	apply(t, f, "L1", promised.Add(24*time.Hour), ev(1, tracking.StatusInTransit, "IT"))
	// L2: on time estimate.
	apply(t, f, "L2", promised.Add(-time.Hour), ev(1, tracking.StatusInTransit, "IT"))
	// L3: delivered before the promise.
	apply(t, f, "L3", time.Time{}, ev(2, tracking.StatusDelivered, "DL"))

	f.clock.Advance(2 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"L1:late:estimate_after_promise"}) {
		t.Fatalf("before the promise: %v", got)
	}
	f.clock.Set(promised.Add(time.Minute))
	if got := sweep(t, f); !cmp.Equal(got, []string{"L1:late:past_promised_date", "L2:late:past_promised_date"}) {
		t.Fatalf("past the promise: %v", got)
	}
	f.clock.Advance(time.Hour)
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("late twice: %v", got)
	}
}

func TestSweepFailedAttemptsAndReturns(t *testing.T) {
	f := newFixture(t)
	f.register(t, "F1")
	f.register(t, "R1")
	f.register(t, "R2")
	apply(t, f, "F1", time.Time{}, ev(1, tracking.StatusInTransit, "IT"), tracking.Event{Time: t0.Add(2 * time.Hour), Status: tracking.StatusDeliveryFailed, Reason: tracking.ReasonRecipientUnavailable, RawCode: "AF1"})
	apply(t, f, "R1", time.Time{}, ev(1, tracking.StatusReturning, "RS"))
	apply(t, f, "R2", time.Time{}, tracking.Event{Time: t0.Add(1 * time.Hour), Status: tracking.StatusReturned, RawCode: "RT"})
	f.clock.Advance(3 * time.Hour)
	want := []string{"F1:failed_attempt:recipient_unavailable", "R1:return_to_sender:return_to_sender", "R2:return_to_sender:return_to_sender"}
	if got := sweep(t, f); !cmp.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// A second failed attempt is a new alert; the first is not repeated.
	apply(t, f, "F1", time.Time{}, ev(3, tracking.StatusDeliveryFailed, "AF2"))
	if got := sweep(t, f); !cmp.Equal(got, []string{"F1:failed_attempt:undeliverable"}) {
		t.Fatalf("second attempt: %v", got)
	}
	// Delivered after the failures: nothing more.
	apply(t, f, "F1", time.Time{}, ev(4, tracking.StatusDelivered, "DL"))
	f.clock.Advance(30 * 24 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"R1:stalled:no_scan"}) {
		t.Fatalf("after delivery: %v", got)
	}
}

func TestDetectPure(t *testing.T) {
	tr := newTracker()
	tr.PromisedBy = t0.Add(time.Hour)
	tr.Apply(ev(0, tracking.StatusCancelled, "CX"))
	if got := tracking.Detect(tr, t0.Add(1000*time.Hour), tracking.DefaultStallAfter()); got != nil {
		t.Fatalf("cancelled parcel alerts: %+v", got)
	}
	tr2 := newTracker()
	tr2.Apply(ev(0, tracking.StatusInTransit, "IT"))
	if got := tracking.Detect(tr2, t0.Add(1000*time.Hour), nil); got != nil {
		t.Fatalf("no thresholds, no promise: %+v", got)
	}
	for _, k := range []tracking.AlertKind{tracking.AlertStalled, tracking.AlertLate, tracking.AlertFailedAttempt, tracking.AlertReturn} {
		if !k.Valid() {
			t.Errorf("%s invalid", k)
		}
	}
	if tracking.AlertKind("x").Valid() {
		t.Error("x valid")
	}
}

type listFailStore struct {
	tracking.Store
	err error
}

func (s listFailStore) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	return nil, s.err
}

func TestSweepStoreErrors(t *testing.T) {
	boom := errors.New("boom")
	svc := tracking.NewService(listFailStore{Store: tracking.NewMemoryStore(nil), err: boom}, nil)
	if _, err := svc.Sweep(context.Background(), t0); !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
	fs := &failingStore{Store: tracking.NewMemoryStore(nil)}
	svc = tracking.NewService(fs, &tracking.Options{Clock: oms.NewManualClock(t0)})
	if _, err := svc.Register(context.Background(), tracking.Registration{Carrier: "ups", TrackingNumber: "X", ShipmentRef: "x"}); err != nil {
		t.Fatal(err)
	}
	fs.saveErr = boom
	if _, err := svc.Sweep(context.Background(), t0.Add(1000*time.Hour)); !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
}
