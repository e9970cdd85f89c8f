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

func (s *heldHookStore) Claim(ctx context.Context, key string, at time.Time) (bool, error) {
	ok, err := s.MemoryStore.Claim(ctx, key, at)
	if err == nil && !ok && s.onHeld != nil {
		s.onHeld()
	}
	return ok, err
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

