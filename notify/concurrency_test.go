package notify_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// TestThreeRelaysSendEachMessageOnce: three relays, each draining its own
// outbox that holds the same events of 40 orders (in a different
// interleaving), feed one Notifier concurrently, while the Sender fails a
// tenth of its sends; the relays retry until everything is published.
// No milestone goes out twice on a channel (the claims hold across the
// relays), and none is lost: a failed send is retried, by its relay or by
// Flush, even when another relay found its claim taken meanwhile.
func TestThreeRelaysSendEachMessageOnce(t *testing.T) {
	t.Run("each milestone", func(t *testing.T) { threeRelays(t, 0) })
	t.Run("digest", func(t *testing.T) { threeRelays(t, time.Minute) })
}

// threeRelays runs the three relays; with a digest window a fourth
// goroutine flushes while the clock moves.
func threeRelays(t *testing.T, digest time.Duration) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 3))
	worlds := make([]world, 40)
	for i := range worlds {
		worlds[i] = generate(r, i)
	}
	var mu sync.Mutex
	fail := rand.New(rand.NewPCG(7, 7))
	rec := &notifytest.Recorder{Fail: func(notify.Message) error {
		mu.Lock()
		defer mu.Unlock()
		if fail.IntN(10) == 0 {
			return errors.New("smtp: 451 try again later")
		}
		return nil
	}}
	clock := oms.NewManualClock(t0)
	// The flushing goroutine moves the manual clock by hours a second; a
	// claim held across such a jump is not a stopped sender, so the claim
	// timeout is set beyond the test's span.
	n, err := notify.New(notify.NewMemoryStore(), &notify.Options{Sender: rec, Clock: clock, Digest: digest, ClaimTimeout: 1e6 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var outboxes []*oms.MemoryOutbox
	for range 3 {
		ob := oms.NewMemoryOutbox(nil)
		ob.Append(interleave(r, worlds)...) // duplicates are skipped by ID
		outboxes = append(outboxes, ob)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, ob := range outboxes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			relay := oms.NewRelay(ob, n, &oms.RelayOptions{BatchSize: 16})
			<-start
			for round := 0; ; round++ {
				_, err := relay.Drain(ctx)
				pending, _ := ob.Pending(ctx, 1)
				if len(pending) == 0 {
					return
				}
				if round > 1000 {
					t.Errorf("relay %d: still pending after %d rounds: %v", i, round, err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		for {
			select {
			case <-done:
				return
			default:
			}
			if digest > 0 {
				clock.Advance(digest / 4)
				_, _ = n.Flush(ctx)
			}
			runtime.Gosched()
		}
	}()
	close(start)
	wg.Wait()
	close(done)
	<-flushed
	clock.Advance(2 * digest)
	// Anything left pending after a failed send is sent by Flush.
	if _, err := n.Flush(ctx); err != nil {
		for range 100 {
			if _, err = n.Flush(ctx); err == nil {
				break
			}
		}
	}
	count := map[string]int{}
	shipped := map[string]int{}
	delivered := map[string]int{}
	for _, m := range rec.Messages() {
		for _, s := range m.Milestones {
			k := fmt.Sprintf("%s %s %s %s", m.OrderID, s.Scope, s.Kind, m.Channel)
			count[k]++
			if count[k] == 2 {
				t.Errorf("sent twice: %s", k)
			}
			if m.Channel == notify.ChannelEmail {
				switch s.Kind {
				case notify.KindShipped:
					shipped[s.Scope]++
				case notify.KindDelivered:
					delivered[s.Scope]++
				}
			}
		}
	}
	for _, w := range worlds {
		for sh := range w.shipped {
			if n := shipped["shipment:"+string(sh)]; n != 1 {
				t.Errorf("%s: %d shipped e-mails, want 1", sh, n)
			}
			want := map[bool]int{true: 1}[w.delivered[sh]]
			if n := delivered["shipment:"+string(sh)]; n != want {
				t.Errorf("%s: %d delivered e-mails, want %d", sh, n, want)
			}
		}
	}
	if len(count) < 100 {
		t.Errorf("only %d messages: the generator should give more", len(count))
	}
}
