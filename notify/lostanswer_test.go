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

// lossySender delivers a message unless it delivered its Key before,
// and refuses or loses the answer of some sends.
type lossySender struct {
	mu   sync.Mutex
	r    *rand.Rand
	keys map[string]bool
	told map[string]int
}

func (s *lossySender) Send(ctx context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.r.IntN(6)
	if x == 0 {
		return errors.New("refused")
	}
	if !s.keys[m.Key] {
		s.keys[m.Key] = true
		for _, ms := range m.Milestones {
			s.told[fmt.Sprint(m.OrderID, " ", ms.Scope, " ", ms.Kind, " ", m.Channel)]++
		}
	}
	if x == 1 {
		return errors.New("answer lost")
	}
	return nil
}

// TestLostSenderAnswersNeverLoseAMilestone: three relays feed the events
// of 30 generated orders through a store whose writes fail one in seven
// (some after they happened) to a Sender that refuses a sixth of its sends
// and loses the answer of another sixth after delivering, dropping by
// Message.Key what it delivered before (as the docs suggest for at least
// once). With and without a digest window, once everything is published
// and flushed nothing is left pending and every milestone decided was told
// on its channel.
func TestLostSenderAnswersNeverLoseAMilestone(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		for _, digest := range []time.Duration{0, time.Minute} {
			ctx := context.Background()
			r := rand.New(rand.NewPCG(seed, 9))
			worlds := make([]world, 30)
			for i := range worlds {
				worlds[i] = generate(r, i)
			}
			feed := interleave(r, worlds)
			store := &flakyStore{Store: notify.NewMemoryStore(), r: rand.New(rand.NewPCG(seed, 1)), share: 7, after: true}
			snd := &lossySender{r: rand.New(rand.NewPCG(seed, 2)), keys: map[string]bool{}, told: map[string]int{}}
			clock := oms.NewManualClock(t0)
			n, _ := notify.New(store, &notify.Options{Sender: snd, Clock: clock, Digest: digest, ClaimTimeout: 1e6 * time.Hour})
			var wg sync.WaitGroup
			for g := 0; g < 3; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i, e := range feed {
						if i%3 != g && g != 0 {
							continue
						}
						for try := 0; ; try++ {
							if err := n.Publish(ctx, e); err == nil {
								break
							}
							if try > 500 {
								t.Errorf("event %d never accepted", i)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			clock.Advance(time.Hour)
			for try := 0; ; try++ {
				_, err := n.Flush(ctx)
				if err == nil {
					break
				}
				if try > 500 {
					t.Fatalf("Flush keeps failing: %v", err)
				}
			}
			mem := store.Store.(*notify.MemoryStore)
			for _, w := range worlds {
				p, err := mem.Progress(ctx, w.id)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Pending) > 0 {
					t.Errorf("seed %d digest %v %s: pending %v", seed, digest, w.id, p.Pending)
				}
				for _, s := range p.Scopes {
					for _, k := range s.Kinds {
						if snd.told[fmt.Sprint(w.id, " ", s.Scope, " ", k, " ", notify.ChannelEmail)] == 0 {
							t.Errorf("seed %d digest %v: %s %s %s never told", seed, digest, w.id, s.Scope, k)
						}
					}
				}
			}
		}
	}
}
