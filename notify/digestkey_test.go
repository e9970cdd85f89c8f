package notify_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// dedupSender is a host's sender that drops a message whose Message.Key it
// already delivered (as the docs suggest for at least once), and whose
// answer can be lost: while lose is set, it delivers a message and then
// reports a failure.
type dedupSender struct {
	mu        sync.Mutex
	delivered []notify.Message
	keys      map[string]bool
	lose      bool
}

var errAnswerLost = errors.New("answer lost")

func (s *dedupSender) Send(ctx context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys[m.Key] {
		return nil // a retry of a message already delivered
	}
	if s.keys == nil {
		s.keys = map[string]bool{}
	}
	s.keys[m.Key] = true
	s.delivered = append(s.delivered, m)
	if s.lose {
		return errAnswerLost
	}
	return nil
}

// told lists the milestones the customer was told, in order, with repeats.
func (s *dedupSender) told() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.delivered {
		for _, x := range m.Milestones {
			out = append(out, string(x.Kind))
		}
	}
	return out
}

// TestDigestRetriedWithANewMilestoneIsNotDroppedAsADuplicate: the digest
// {confirmed, shipped} goes out but the sender's answer is lost; a refund
// decided before the retry joins the retried digest. That digest tells
// more than the first, so its Message.Key must differ: a sender that drops
// duplicates by key must still tell the customer about the refund. A
// retry of the very same digest keeps its key and is dropped.
func TestDigestRetriedWithANewMilestoneIsNotDroppedAsADuplicate(t *testing.T) {
	for _, newMilestone := range []bool{false, true} {
		name := map[bool]string{false: "same digest retried", true: "refund decided before the retry"}[newMilestone]
		t.Run(name, func(t *testing.T) {
			snd := &dedupSender{lose: true}
			e := newEnv(t, &notify.Options{Digest: 10 * time.Minute, Sender: snd})
			s := notifytest.NewScript("ord-dk", "2101", anna, t0)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Lamp", Quantity: 1, Total: "30.00"}))
			e.publish(t, s.ShipmentCreated("sh-dk", "dhl"), s.LabelPurchased("sh-dk", 0, "JD1"), s.ShipmentShipped("sh-dk"))
			e.clock.Advance(10 * time.Minute)
			if _, err := e.n.Flush(e.ctx); !errors.Is(err, errAnswerLost) {
				t.Fatalf("Flush with the answer lost: %v", err)
			}
			snd.mu.Lock()
			snd.lose = false
			snd.mu.Unlock()
			want := []string{"order_confirmed", "shipped"}
			if newMilestone {
				// Due already: the refund's event sends the retried digest.
				e.clock.Advance(time.Minute)
				e.publish(t, s.Refunded("rf1", "30.00"))
				want = append(want, "refund_issued")
			}
			e.clock.Advance(time.Hour)
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			got := snd.told()
			if newMilestone {
				// The first two may be told again; the refund must be told.
				if !slices.Contains(got, "refund_issued") {
					t.Fatalf("the refund never reached the customer; told %v", got)
				}
			} else if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("the retry of the same digest was not dropped (-want +got):\n%s", diff)
			}
			p, err := e.store.Progress(e.ctx, "ord-dk")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Pending) != 0 {
				t.Fatalf("still pending: %+v", p.Pending)
			}
		})
	}
}
