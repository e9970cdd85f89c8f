package tracking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// listSpy records what Sweep asks the store to list and how many trackers
// it gets back.
type listSpy struct {
	tracking.Store
	mu      sync.Mutex
	filters []tracking.Filter
	loaded  int
}

func (s *listSpy) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	ts, err := s.Store.List(ctx, f)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filters = append(s.filters, f)
	s.loaded += len(ts)
	return ts, err
}

// TestSweepScansOnlyOpenTrackersInPages is issue 10 item 16: Sweep loaded
// every tracker ever created on each run. It now lists open trackers
// only, a page at a time (keyset paging), and still raises every alert.
func TestSweepScansOnlyOpenTrackersInPages(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	spy := &listSpy{Store: tracking.NewMemoryStore(nil)}
	svc := tracking.NewService(spy, &tracking.ServiceOptions{Clock: clock, SweepPageSize: 7})
	const open, total = 30, 240 // every eighth tracker is open
	for i := 0; i < total; i++ {
		n := fmt.Sprintf("P%04d", i)
		if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: n, ShipmentRef: oms.ID("s" + n)}); err != nil {
			t.Fatal(err)
		}
		status := tracking.StatusInTransit
		if i%8 != 0 {
			status = tracking.StatusDelivered
		}
		if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: n, Events: []tracking.Event{{Time: t0, Status: status, RawCode: string(status)}}}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(30 * 24 * time.Hour)
	spy.mu.Lock()
	spy.filters, spy.loaded = nil, 0
	spy.mu.Unlock()
	rs, err := svc.Sweep(ctx, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != open {
		t.Fatalf("%d alerts, want %d (one stall per open tracker)", len(rs), open)
	}
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if spy.loaded != open {
		t.Errorf("the sweep loaded %d trackers, want only the %d open ones", spy.loaded, open)
	}
	if want := open/7 + 1; len(spy.filters) != want {
		t.Errorf("%d List calls, want %d pages of 7", len(spy.filters), want)
	}
	for i, f := range spy.filters {
		if !f.Open || f.Limit != 7 {
			t.Errorf("List call %d: %+v, want open trackers, 7 at a time", i, f)
		}
		if i > 0 && f.After == (tracking.Key{}) {
			t.Errorf("List call %d starts from the beginning again", i)
		}
	}
}

// TestParcelReturnedBetweenSweepsStillRaisesItsAlert: a parcel that goes
// straight to returned (closed) between two sweeps is no longer scanned by
// the sweep; its return_to_sender alert is raised when the update is
// applied.
func TestParcelReturnedBetweenSweepsStillRaisesItsAlert(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "RET")
	apply(t, f, "RET", oms.Date{}, tracking.Event{Time: t0.Add(time.Hour), Status: tracking.StatusReturned, RawCode: "RT"})
	tr, _ := f.svc.Get(ctx, "ups", "RET")
	if len(tr.Alerts) != 1 || tr.Alerts[0].Kind != tracking.AlertReturn {
		t.Fatalf("alerts %+v, want one return_to_sender", tr.Alerts)
	}
	n := 0
	for _, e := range f.store.Outbox().Events(tr.ID) {
		if e.Type == tracking.EventExceptionDetected {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d exception events, want 1", n)
	}
	apply(t, f, "RET", oms.Date{}, tracking.Event{Time: t0.Add(2 * time.Hour), Status: tracking.StatusReturned, RawCode: "RT2"})
	if tr, _ := f.svc.Get(ctx, "ups", "RET"); len(tr.Alerts) != 1 {
		t.Fatalf("the return alert was raised twice: %+v", tr.Alerts)
	}
}

// TestConcurrentSweepsRaiseEachAlertOnce: sweeps running at once (two
// processes, or a sweep beside a retry) raise and report each alert once
// in all: a sweep that lost the race to another reports nothing for that
// tracker.
func TestConcurrentSweepsRaiseEachAlertOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const n = 40
	for i := 0; i < n; i++ {
		f.register(t, fmt.Sprintf("C%02d", i))
	}
	at := t0.Add(30 * 24 * time.Hour)
	for round := 0; round < 5; round++ {
		at = at.Add(24 * time.Hour)
		f.clock.Set(at)
		for i := 0; i < n; i++ { // a new scan: a new stall to raise
			apply(t, f, fmt.Sprintf("C%02d", i), oms.Date{}, tracking.Event{Time: at.Add(-10 * 24 * time.Hour), Status: tracking.StatusInTransit, RawCode: fmt.Sprint("R", round)})
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		reported := 0
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rs, err := f.svc.Sweep(ctx, at)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				reported += len(rs)
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if reported != n {
			t.Fatalf("round %d: %d alerts reported by concurrent sweeps, want %d", round, reported, n)
		}
	}
	for i := 0; i < n; i++ {
		tr, _ := f.svc.Get(ctx, "ups", fmt.Sprintf("C%02d", i))
		if len(tr.Alerts) != 5 {
			t.Fatalf("%s has %d alerts, want 5", tr.Key(), len(tr.Alerts))
		}
	}
}
