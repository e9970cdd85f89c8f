package tracking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

func TestPollerBackoffAndSchedule(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "P1")
	f.register(t, "P2")
	if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "nocarrier", TrackingNumber: "P3", ShipmentRef: "p3"}); err != nil {
		t.Fatal(err)
	}
	src := trackingtest.NewSource()
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "P1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}})
	src.Fail("P2", oms.ErrUnavailable)
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{
		Sources: map[string]tracking.Source{"UPS": src}, Interval: time.Hour, MinBackoff: time.Minute, MaxBackoff: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.PollDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (tracking.PollReport{Polled: 2, Failed: 1, Skipped: 1, Applied: 1}) {
		t.Fatalf("report %+v", rep)
	}
	p1, _ := f.svc.Get(ctx, "ups", "P1")
	p2, _ := f.svc.Get(ctx, "ups", "P2")
	if p1.Status != tracking.StatusInTransit || !p1.NextPollAt.Equal(t0.Add(time.Hour)) || p1.PollFailures != 0 {
		t.Fatalf("P1 %s next %v failures %d", p1.Status, p1.NextPollAt, p1.PollFailures)
	}
	if !p2.NextPollAt.Equal(t0.Add(time.Minute)) || p2.PollFailures != 1 {
		t.Fatalf("P2 next %v failures %d", p2.NextPollAt, p2.PollFailures)
	}
	// Nothing is due until the clock moves: no calls.
	rep, _ = p.PollDue(ctx)
	if rep.Polled != 0 || src.Calls("P1") != 1 || src.Calls("P2") != 1 {
		t.Fatalf("polled early: %+v, calls %d %d", rep, src.Calls("P1"), src.Calls("P2"))
	}
	// P2 keeps failing: 1, 2, 4, 8, 10 (capped) minutes.
	wantWaits := []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, w := range wantWaits {
		cur, _ := f.svc.Get(ctx, "ups", "P2")
		f.clock.Set(cur.NextPollAt)
		if _, err := p.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
		after, _ := f.svc.Get(ctx, "ups", "P2")
		if got := after.NextPollAt.Sub(f.clock.Now()); got != w {
			t.Fatalf("failure %d: wait %v, want %v", i+2, got, w)
		}
	}
	// Recovery resets the backoff.
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "P2", Events: []tracking.Event{ev(2, tracking.StatusDelivered, "DL")}})
	cur, _ := f.svc.Get(ctx, "ups", "P2")
	f.clock.Set(cur.NextPollAt)
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	p2, _ = f.svc.Get(ctx, "ups", "P2")
	if p2.PollFailures != 0 || p2.Status != tracking.StatusDelivered {
		t.Fatalf("after recovery: failures %d status %s", p2.PollFailures, p2.Status)
	}
	// Delivered parcels are not polled again.
	f.clock.Advance(48 * time.Hour)
	calls := src.Calls("P2")
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if src.Calls("P2") != calls {
		t.Fatal("a delivered parcel was polled")
	}
	if p.Backoff(0) != time.Minute || p.Backoff(100) != 10*time.Minute {
		t.Fatalf("Backoff bounds %v %v", p.Backoff(0), p.Backoff(100))
	}
}

func TestPollerRun(t *testing.T) {
	f := newFixture(t)
	f.register(t, "R1")
	var calls int
	src := tracking.SourceFunc(func(ctx context.Context, carrier, number string) (tracking.Update, error) {
		calls++
		// A source that answers with another number is corrected to the tracker's key.
		return tracking.Update{Carrier: "x", TrackingNumber: "other", Events: []tracking.Event{{Time: t0.Add(time.Duration(calls) * time.Minute), Status: tracking.StatusInTransit, RawCode: "IT"}}}, nil
	})
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"": src}, Interval: time.Minute, Tick: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for i := 0; i < 3; i++ {
		f.clock.BlockUntil(1)
		f.clock.Advance(time.Minute)
	}
	f.clock.BlockUntil(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	tr, _ := f.svc.Get(context.Background(), "ups", "R1")
	if len(tr.Events) != 4 || calls != 4 {
		t.Fatalf("%d events after %d calls, want 4", len(tr.Events), calls)
	}
}

func TestPollerErrors(t *testing.T) {
	f := newFixture(t)
	if _, err := tracking.NewPoller(f.svc, nil); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("no sources: %v", err)
	}
	p, _ := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"": trackingtest.NewSource()}, MinBackoff: time.Hour, MaxBackoff: time.Minute})
	if p.Backoff(1) != time.Hour || p.Backoff(5) != 12*time.Hour {
		t.Fatalf("backoff with inverted bounds: %v %v", p.Backoff(1), p.Backoff(5))
	}
	p, _ = tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"": trackingtest.NewSource()}, MinBackoff: 24 * time.Hour, MaxBackoff: time.Minute})
	if p.Backoff(3) != 24*time.Hour {
		t.Fatalf("backoff min above default max: %v", p.Backoff(3))
	}
	boom := errors.New("boom")
	svc := tracking.NewService(listFailStore{Store: tracking.NewMemoryStore(nil), err: boom}, nil)
	p, _ = tracking.NewPoller(svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"": trackingtest.NewSource()}})
	if _, err := p.PollDue(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("list failure: %v", err)
	}
	if err := p.Run(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Run with list failure: %v", err)
	}
	// Save failures while scheduling are returned.
	fs := &failingStore{Store: tracking.NewMemoryStore(nil)}
	svc = tracking.NewService(fs, &tracking.ServiceOptions{Clock: oms.NewManualClock(t0)})
	if _, err := svc.Register(context.Background(), tracking.Registration{Carrier: "ups", TrackingNumber: "E", ShipmentRef: "e"}); err != nil {
		t.Fatal(err)
	}
	src := trackingtest.NewSource()
	p, _ = tracking.NewPoller(svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src}})
	fs.saveErr = boom
	if _, err := p.PollDue(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("schedule after failure: %v", err)
	}
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "E"})
	if _, err := p.PollDue(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("schedule after success: %v", err)
	}
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "E", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}})
	if _, err := p.PollDue(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("apply failure: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs.saveErr = nil
	if _, err := p.PollDue(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestPollerNilOptionsRefused: a nil Source or a nil Service in the options
// is refused when the Poller is built, instead of panicking on the first
// poll.
func TestPollerNilOptionsRefused(t *testing.T) {
	f := newFixture(t)
	f.register(t, "NIL1")
	var ve *oms.ValidationError
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": nil, "": trackingtest.NewSource()}})
	if !errors.As(err, &ve) || !ve.Has("sources") {
		if err == nil {
			_, _ = p.PollDue(context.Background()) // panicked before the fix
		}
		t.Fatalf("nil source: %v", err)
	}
	if _, err := tracking.NewPoller(nil, &tracking.PollerOptions{Sources: map[string]tracking.Source{"": trackingtest.NewSource()}}); !errors.As(err, &ve) || !ve.Has("service") {
		t.Fatalf("nil service: %v", err)
	}
}
