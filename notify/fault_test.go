package notify_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

var errInjected = errors.New("injected failure")

// flakyStore fails a share of calls. With after set, a failing write
// happens and then reports an error (the connection broke after the
// commit); otherwise it fails before doing anything.
type flakyStore struct {
	notify.Store
	mu    sync.Mutex
	r     *rand.Rand
	share int // one call in share fails
	after bool
	// releases fail too (a claim whose release keeps failing is never
	// sent again: at most once).
	releases bool
}

func (s *flakyStore) fail() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.IntN(s.share) == 0
}

func (s *flakyStore) Progress(ctx context.Context, id oms.ID) (*notify.Progress, error) {
	if s.fail() {
		return nil, errInjected
	}
	return s.Store.Progress(ctx, id)
}

func (s *flakyStore) SaveProgress(ctx context.Context, p *notify.Progress) error {
	if s.fail() {
		if s.after {
			_ = s.Store.SaveProgress(ctx, p)
		}
		return errInjected
	}
	return s.Store.SaveProgress(ctx, p)
}

func (s *flakyStore) Claim(ctx context.Context, key, token string, at time.Time) (notify.Claim, error) {
	if s.fail() {
		if s.after {
			_, _ = s.Store.Claim(ctx, key, token, at)
		}
		return notify.Claim{}, errInjected
	}
	return s.Store.Claim(ctx, key, token, at)
}

func (s *flakyStore) MarkSent(ctx context.Context, key, token string) error {
	if s.fail() {
		if s.after {
			_ = s.Store.MarkSent(ctx, key, token)
		}
		return errInjected
	}
	return s.Store.MarkSent(ctx, key, token)
}

func (s *flakyStore) Release(ctx context.Context, key, token string) error {
	if s.releases && s.fail() {
		return errInjected
	}
	return s.Store.Release(ctx, key, token)
}

// TestFailuresBetweenStepsNeverSendTwice feeds 40 generated orders (several seeds) through
// a store that fails one call in eight and a Sender that fails (or
// panics) one send in eight, retrying each event until it is accepted as
// a relay does, then flushing until nothing is left. With failures before
// the writes nothing is lost and nothing sent twice; with failures after
// them (a write that happened but reported an error), and releases that
// fail too, nothing is sent twice (a message may then be lost: at most
// once).
func TestFailuresBetweenStepsNeverSendTwice(t *testing.T) {
	for _, c := range []struct {
		after bool
		seed  uint64
	}{{false, 1}, {false, 2}, {false, 3}, {true, 1}, {true, 2}} {
		after := c.after
		t.Run(fmt.Sprintf("after=%v/seed=%d", after, c.seed), func(t *testing.T) {
			ctx := context.Background()
			r := rand.New(rand.NewPCG(60, c.seed))
			worlds := make([]world, 40)
			for i := range worlds {
				worlds[i] = generate(r, i)
			}
			feed := interleave(r, worlds)
			store := &flakyStore{Store: notify.NewMemoryStore(), r: rand.New(rand.NewPCG(c.seed, 1)), share: 8, after: after, releases: after}
			var mu sync.Mutex
			fr := rand.New(rand.NewPCG(c.seed, 2))
			sender := &sentAt{}
			flaky := notify.SenderFunc(func(ctx context.Context, m notify.Message) error {
				mu.Lock()
				x := fr.IntN(16)
				mu.Unlock()
				switch x {
				case 0:
					return errors.New("smtp: 451")
				case 1:
					panic("sender bug")
				}
				return sender.Send(ctx, m)
			})
			n, err := notify.New(store, &notify.Options{Sender: flaky, Clock: oms.NewManualClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range feed {
				for try := 0; ; try++ {
					if err := n.Publish(ctx, e); err == nil {
						break
					}
					if try > 200 {
						t.Fatalf("event %d never accepted", i)
					}
				}
			}
			for try := 0; ; try++ {
				_, err := n.Flush(ctx)
				if err == nil {
					break
				}
				if try > 200 {
					t.Fatalf("Flush keeps failing: %v", err)
				}
			}
			seen := map[string]bool{}
			shipped := map[string]bool{}
			for _, m := range sender.msgs {
				for _, s := range m.Milestones {
					k := fmt.Sprint(m.OrderID, s.Scope, s.Kind, m.Channel)
					if seen[k] {
						t.Errorf("sent twice: %s", k)
					}
					seen[k] = true
					if s.Kind == notify.KindShipped && m.Channel == notify.ChannelEmail {
						shipped[s.Scope] = true
					}
				}
			}
			if after {
				return // a claim taken before a reported failure is never sent: at most once
			}
			for _, w := range worlds {
				for sh := range w.shipped {
					if !shipped["shipment:"+string(sh)] {
						t.Errorf("%s: shipped message lost", sh)
					}
				}
			}
		})
	}
}
