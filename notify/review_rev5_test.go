package notify_test

// Crash, concurrency and extreme-time review (rev5) of package notify
// through its public API: every test here failed before the fix named in
// its comment.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/tracking"
)

// TestMilestoneDecidedAtTheZeroTimeIsSent: a Progress's DueAt uses the
// zero time for "nothing to send", and a milestone decided on a clock
// reading the zero time (or, with a digest window, one window before it)
// was due at exactly that instant: its DueAt read as "nothing to send",
// so the message was never sent, Flush never listed the order, and every
// later milestone of the order inherited the same DueAt and was lost as
// well. Now such a milestone is due and sent like any other.
func TestMilestoneDecidedAtTheZeroTimeIsSent(t *testing.T) {
	for name, c := range map[string]struct {
		at     time.Time
		digest time.Duration
	}{
		"zero time":                 {at: time.Time{}},
		"a digest window before it": {at: time.Time{}.Add(-time.Hour), digest: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, &notify.Options{Digest: c.digest})
			e.clock.Set(c.at)
			s := notifytest.NewScript("ord-zero", "1001", anna, c.at)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 1, Total: "19.90"}))
			e.clock.Set(c.at.Add(c.digest))
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(e.rec.Messages())); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
			// The order's next milestone goes out too, once the clock
			// moved on.
			e.clock.Set(t0)
			e.publish(t, s.Cancelled())
			e.clock.Set(t0.Add(c.digest))
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"email:order_confirmed", "email:order_cancelled"}, kinds(e.rec.Messages())); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
			if p, err := e.store.Progress(e.ctx, "ord-zero"); err != nil || len(p.Pending) != 0 {
				t.Fatalf("progress after the sends: %+v (%v), want nothing pending", p, err)
			}
		})
	}
}

// failReadAfterSave is a Store whose next Progress read fails once a
// SaveProgress succeeded while it is armed: the connection breaks
// between a Publish's save and its send.
type failReadAfterSave struct {
	notify.Store
	mu          sync.Mutex
	armed, fail bool
}

func (s *failReadAfterSave) SaveProgress(ctx context.Context, p *notify.Progress) error {
	err := s.Store.SaveProgress(ctx, p)
	s.mu.Lock()
	if err == nil && s.armed {
		s.armed, s.fail = false, true
	}
	s.mu.Unlock()
	return err
}

func (s *failReadAfterSave) Progress(ctx context.Context, id oms.ID) (*notify.Progress, error) {
	s.mu.Lock()
	fail := s.fail
	s.fail = false
	s.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset")
	}
	return s.Store.Progress(ctx, id)
}

// TestMilestoneDecidedWhileAnotherSenderWaitsForAnAddressIsSent: a
// milestone that waits for the order's addresses (a tracking event came
// before any order event) makes its flush clear the order's DueAt, so
// that Flush does not list the order until an order event comes. That
// flush cleared it even when another relay had meanwhile decided a
// milestone it could send at once (to the portal, the customer being
// known): when that relay's own send did not happen (its store failed
// after the save, and the event was delivered again), the new milestone
// was never sent, neither by the redelivery nor by Flush. Now the DueAt
// is cleared only when every pending milestone waits for an address.
func TestMilestoneDecidedWhileAnotherSenderWaitsForAnAddressIsSent(t *testing.T) {
	ctx := context.Background()
	store := &failReadAfterSave{Store: notify.NewMemoryStore()}
	inSend, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rec := &notifytest.Recorder{Fail: func(notify.Message) error {
		once.Do(func() { close(inSend); <-resume })
		return nil
	}}
	n, err := notify.New(store, &notify.Options{Sender: rec, Clock: oms.NewManualClock(t0),
		DefaultChannels: []notify.Channel{notify.ChannelEmail, notify.ChannelPortal}})
	if err != nil {
		t.Fatal(err)
	}
	s := notifytest.NewScript("ord-wait", "1001", anna, t0)
	inTransit := s.Tracking("sh-1", "1Z0", tracking.StatusInTransit, "")
	outForDelivery := s.Tracking("sh-1", "1Z0", tracking.StatusOutForDelivery, "")

	// Relay 1: "shipped" goes to the portal; the e-mail waits for the
	// order's address. Its send is under way.
	first := make(chan error, 1)
	go func() { first <- n.Publish(ctx, inTransit) }()
	<-inSend
	// Relay 2: "out for delivery" is decided and saved, then the store
	// fails before it is sent; the relay will deliver the event again.
	store.mu.Lock()
	store.armed = true
	store.mu.Unlock()
	if err := n.Publish(ctx, outForDelivery); err == nil {
		t.Fatal("Publish with a failing store = nil, want the error")
	}
	close(resume)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := n.Publish(ctx, outForDelivery); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"portal:shipped", "portal:out_for_delivery"}, kinds(rec.Messages())); diff != "" {
		t.Fatalf("messages (-want +got):\n%s", diff)
	}
	// The order's confirmation names the e-mail address: both milestones
	// go out by e-mail then, once.
	e := s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 1, Total: "19.90"})
	if err := n.Publish(ctx, e); err != nil {
		t.Fatal(err)
	}
	want := []string{"portal:shipped", "portal:out_for_delivery", "email:shipped", "email:out_for_delivery", "email:order_confirmed",
		"portal:order_confirmed"}
	if diff := cmp.Diff(want, kinds(rec.Messages())); diff != "" {
		t.Fatalf("messages after the order's confirmation (-want +got):\n%s", diff)
	}
}
