package tracking_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// TestPollerSourcePanicBacksOffThatTracker: a host's tracking client that
// panics (on a malformed carrier answer, a nil map) took the whole Poller,
// and with Run the host's process, down. Like a Sender's panic in notify
// or a carrier's in rate shopping, it is now a failed poll: that tracker
// is backed off, the others are polled.
func TestPollerSourcePanicBacksOffThatTracker(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "P1")
	f.register(t, "P2")
	good := trackingtest.NewSource()
	good.Set(tracking.Update{Carrier: "ups", TrackingNumber: "P2", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}})
	src := tracking.SourceFunc(func(ctx context.Context, carrier, number string) (tracking.Update, error) {
		if number == "P1" {
			var answer []tracking.Event
			_ = answer[3] // a bug in the host's client: indexing a short answer
		}
		return good.Track(ctx, carrier, number)
	})
	p, err := tracking.NewPoller(f.svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src}, Interval: time.Hour, MinBackoff: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var rep tracking.PollReport
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("PollDue panicked: %v", v)
			}
		}()
		rep, err = p.PollDue(ctx)
	}()
	if err != nil {
		t.Fatal(err)
	}
	if rep != (tracking.PollReport{Polled: 2, Failed: 1, Applied: 1}) {
		t.Fatalf("report %+v", rep)
	}
	p1, _ := f.svc.Get(ctx, "ups", "P1")
	p2, _ := f.svc.Get(ctx, "ups", "P2")
	if p1.PollFailures != 1 || !p1.NextPollAt.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("P1 failures %d next %v", p1.PollFailures, p1.NextPollAt)
	}
	if p2.Status != tracking.StatusInTransit || !p2.NextPollAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("P2 %s next %v", p2.Status, p2.NextPollAt)
	}
}
