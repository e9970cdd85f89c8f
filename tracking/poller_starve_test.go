package tracking_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// TestPollerTrackersWithoutASourceDoNotStarveOthers: trackers of a
// carrier the Poller has no source for are skipped; they used to stay due
// at the head of the list, so with a full batch of them no other tracker
// was ever polled. A skipped tracker is looked at again after Interval.
func TestPollerTrackersWithoutASourceDoNotStarveOthers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := range 3 {
		if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "dhl", TrackingNumber: fmt.Sprintf("D%d", i), ShipmentRef: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	f.register(t, "U1")
	src := trackingtest.NewSource()
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "U1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}})
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src}, BatchSize: 2, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var total tracking.PollReport
	for range 3 {
		rep, err := p.PollDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.Polled += rep.Polled
		total.Skipped += rep.Skipped
	}
	if src.Calls("U1") != 1 {
		t.Fatalf("U1 polled %d times in three passes (report %+v), want 1", src.Calls("U1"), total)
	}
	if total.Skipped != 3 {
		t.Errorf("skipped %d, want each tracker without a source once per interval (3)", total.Skipped)
	}
	d0, _ := f.svc.Get(ctx, "dhl", "D0")
	if !d0.NextPollAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("skipped tracker's next poll %v, want %v", d0.NextPollAt, t0.Add(time.Hour))
	}
	f.clock.Advance(time.Hour)
	if rep, _ := p.PollDue(ctx); rep.Skipped != 2 {
		t.Errorf("after the interval: %+v, want the skipped trackers looked at again", rep)
	}
}

// refusingStore refuses a tracker with a scan coded REFUSE, as a host's
// store refuses what its columns cannot hold.
type refusingStore struct{ tracking.Store }

func (s refusingStore) Save(ctx context.Context, t *tracking.Tracker, events []oms.Event) error {
	for _, e := range t.Events {
		if strings.EqualFold(e.RawCode, "REFUSE") {
			return oms.Validationf("tracker", "events", "scan code REFUSE cannot be stored")
		}
	}
	return s.Store.Save(ctx, t, events)
}

// TestPollerRefusedUpdateBacksOffInsteadOfBlocking: a source answers an
// update the store refuses as invalid. That tracker backs
// off like a failed poll; the rest of the batch is polled, and the pass
// is not stopped at the same tracker every time.
func TestPollerRefusedUpdateBacksOffInsteadOfBlocking(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	svc := tracking.NewService(refusingStore{tracking.NewMemoryStore(nil)}, &tracking.ServiceOptions{Clock: clock})
	for _, n := range []string{"A1", "B1"} {
		if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: n, ShipmentRef: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	src := trackingtest.NewSource()
	bad := ev(1, tracking.StatusInTransit, "REFUSE")
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "A1", Events: []tracking.Event{bad}})
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "B1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}})
	p, err := tracking.NewPoller(svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src}, MinBackoff: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.PollDue(ctx)
	if err != nil {
		t.Fatalf("PollDue: %v", err)
	}
	if rep.Polled != 2 || rep.Failed != 1 || rep.Applied != 1 {
		t.Errorf("report %+v, want 2 polled, 1 failed, 1 applied", rep)
	}
	a, _ := svc.Get(ctx, "ups", "A1")
	if a.PollFailures != 1 || !a.NextPollAt.Equal(t0.Add(time.Minute)) || len(a.Events) != 0 {
		t.Errorf("A1: failures %d, next %v, %d events; want backed off, nothing applied", a.PollFailures, a.NextPollAt, len(a.Events))
	}
	if b, _ := svc.Get(ctx, "ups", "B1"); b.Status != tracking.StatusInTransit {
		t.Errorf("B1 is %s, want in transit", b.Status)
	}
}

// TestPollerNextPollNeverPassesYear9999: polled near the end of year 9999
// with an hour's interval, a tracker's next poll stays within the year
// (a store writing RFC 3339 times refuses later ones).
func TestPollerNextPollNeverPassesYear9999(t *testing.T) {
	ctx := context.Background()
	end := time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)
	clock := oms.NewManualClock(end)
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	for _, c := range []string{"ups", "dhl", "fedex"} {
		if _, err := svc.Register(ctx, tracking.Registration{Carrier: c, TrackingNumber: "Z1", ShipmentRef: "z"}); err != nil {
			t.Fatal(err)
		}
	}
	src := trackingtest.NewSource()
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "Z1"})
	src.Fail("Z1", oms.ErrUnavailable)
	ok := trackingtest.NewSource()
	ok.Set(tracking.Update{Carrier: "fedex", TrackingNumber: "Z1"})
	p, err := tracking.NewPoller(svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src, "fedex": ok},
		Interval: time.Hour, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"ups", "dhl", "fedex"} {
		tr, _ := svc.Get(ctx, c, "Z1")
		if tr.NextPollAt.Year() != 9999 || tr.NextPollAt.Before(end) {
			t.Errorf("%s: next poll %v, want within year 9999 and after now", c, tr.NextPollAt)
		}
	}
}
