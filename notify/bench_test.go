package notify_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// BenchmarkPublish feeds the events of generated orders (about 25 events
// each, with duplicates) through a Notifier over the memory store with a
// Sender that discards; it reports orders/s and events/s.
func BenchmarkPublish(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	worlds := make([]world, 100)
	for i := range worlds {
		worlds[i] = generate(r, i)
	}
	feed := interleave(r, worlds)
	ctx := context.Background()
	discard := notify.SenderFunc(func(context.Context, notify.Message) error { return nil })
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n, _ := notify.New(notify.NewMemoryStore(), &notify.Options{Sender: discard, Clock: oms.NewManualClock(t0)})
		for _, e := range feed {
			if err := n.Publish(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(worlds)*b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(len(feed)*b.N)/b.Elapsed().Seconds(), "events/s")
}
