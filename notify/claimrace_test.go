package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// heldHookStore calls onHeld when a Claim finds its key held by another
// sender (not sent yet), before returning to the Notifier.
type heldHookStore struct {
	*notify.MemoryStore
	onHeld func()
}

func (s *heldHookStore) Claim(ctx context.Context, key, token string, at time.Time) (notify.Claim, error) {
	c, err := s.MemoryStore.Claim(ctx, key, token, at)
	if err == nil && c.Token != token && c.State == notify.ClaimHeld && s.onHeld != nil {
		s.onHeld()
	}
	return c, err
}

// TestFailedSendRacingAnotherSendersClaimIsNotLost is the lost message of
// TestThreeRelaysSendEachMessageOnce made deterministic: relay A claims
// the confirmation and its send is slow; relay B, delivering the same
// event, finds the claim taken; A's send then fails and A releases its
// claim and finishes; only then does B finish. B used to take the claim
// it lost for a sent message and drop the milestone, so nothing ever sent
// it. The milestone must stay pending and go out with the next Flush.
func TestFailedSendRacingAnotherSendersClaimIsNotLost(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	bSawHeld := make(chan struct{})
	aDone := make(chan struct{})
	store := &heldHookStore{MemoryStore: notify.NewMemoryStore()}
	var once sync.Once
	store.onHeld = func() {
		once.Do(func() {
			close(bSawHeld)
			<-aDone
		})
	}
	aSending := make(chan struct{})
	var fails sync.Once
	rec := &notifytest.Recorder{Fail: func(notify.Message) error {
		var err error
		fails.Do(func() {
			close(aSending)
			<-bSawHeld // A's send is slow: B tries meanwhile
			err = errors.New("smtp: 451 try again later")
		})
		return err
	}}
	n, err := notify.New(store, &notify.Options{Sender: rec, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	s := notifytest.NewScript("ord-race", "9301", anna, t0)
	ev := s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1})

	aErr := make(chan error)
	go func() {
		err := n.Publish(ctx, ev)
		aErr <- err
	}()
	// B starts once A's Publish has saved the milestone and holds its claim.
	bErr := make(chan error)
	go func() {
		<-aSending
		bErr <- n.Publish(ctx, ev)
	}()
	if err := <-aErr; err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("relay A: %v, want the failed send", err)
	}
	close(aDone)
	if err := <-bErr; err != nil {
		t.Fatalf("relay B: %v", err)
	}
	if got := len(rec.Messages()); got != 0 {
		t.Fatalf("%d messages before the retry, want 0", got)
	}
	if _, err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(rec.Messages())); diff != "" {
		t.Fatalf("messages (-want +got):\n%s", diff)
	}
}

// TestClaimOfAStoppedSenderHoldsUntilTheClaimTimeout: a sender that
// claimed a message and stopped (crashed before reporting) leaves it held.
// Other senders keep the milestone pending rather than dropping it (its
// holder may still report), and once the claim timeout has passed take
// it as sent: never sent twice, and no longer listed as due.
func TestClaimOfAStoppedSenderHoldsUntilTheClaimTimeout(t *testing.T) {
	e := newEnv(t, &notify.Options{ClaimTimeout: 10 * time.Minute})
	s := notifytest.NewScript("ord-stop", "9302", anna, t0)
	key := notify.MessageKey("ord-stop", notify.KindOrderConfirmed, "order", string(anna.ID), notify.ChannelEmail)
	if _, err := e.store.Claim(e.ctx, key, "crashed-sender", t0); err != nil {
		t.Fatal(err)
	}
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}))
	due := func() []oms.ID {
		t.Helper()
		ids, err := e.store.Due(e.ctx, e.clock.Now(), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := due(); len(got) != 1 {
		t.Fatalf("due while held: %v, want the order", got)
	}
	e.clock.Advance(9 * time.Minute)
	if n, err := e.n.Flush(e.ctx); n != 0 || err != nil {
		t.Fatalf("Flush while held: %d, %v", n, err)
	}
	if got := due(); len(got) != 1 {
		t.Fatalf("due while held: %v, want the order still pending", got)
	}
	e.clock.Advance(time.Minute)
	if n, err := e.n.Flush(e.ctx); n != 0 || err != nil {
		t.Fatalf("Flush after the timeout: %d, %v", n, err)
	}
	if got := due(); len(got) != 0 {
		t.Fatalf("due after the timeout: %v, want none", got)
	}
	if got := e.rec.Messages(); len(got) != 0 {
		t.Fatalf("sent %v, want nothing (at most once)", kinds(got))
	}
	// The holder reports after all: nothing changes.
	if err := e.store.MarkSent(e.ctx, key, "crashed-sender"); err != nil {
		t.Fatal(err)
	}
	if n, err := e.n.Flush(e.ctx); n != 0 || err != nil {
		t.Fatalf("Flush: %d, %v", n, err)
	}
}

// markSentFails fails every MarkSent before writing.
type markSentFails struct{ *notify.MemoryStore }

func (markSentFails) MarkSent(context.Context, string, string) error { return errInjected }

// TestSentMessageNotMarkedSentIsNotSentAgain: the Sender took the message
// but the store could not record it; the error reaches the relay, which
// delivers the event again, and the message is not sent a second time,
// neither then nor by Flush after the claim timeout.
func TestSentMessageNotMarkedSentIsNotSentAgain(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	rec := &notifytest.Recorder{}
	n, err := notify.New(markSentFails{notify.NewMemoryStore()}, &notify.Options{Sender: rec, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	s := notifytest.NewScript("ord-mark", "9303", anna, t0)
	ev := s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1})
	if err := n.Publish(ctx, ev); !errors.Is(err, errInjected) {
		t.Fatalf("Publish: %v, want the store's error", err)
	}
	if err := n.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish again: %v", err)
	}
	clock.Advance(notify.DefaultClaimTimeout + time.Second)
	if _, err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(rec.Messages())); diff != "" {
		t.Fatalf("messages (-want +got):\n%s", diff)
	}
}
