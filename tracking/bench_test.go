package tracking_test

import (
	"math/rand"
	"testing"
	"time"

	"github.com/omskit/oms/tracking"
)

// BenchmarkApplyEvents applies a 40-scan history, shuffled and with a
// quarter repeated, to a fresh tracker: the work a busy webhook endpoint
// does per parcel.
func BenchmarkApplyEvents(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	all := []tracking.Status{tracking.StatusPreTransit, tracking.StatusInTransit, tracking.StatusInTransit, tracking.StatusInTransit, tracking.StatusOutForDelivery, tracking.StatusDelivered}
	var stream []tracking.Event
	for i := 0; i < 40; i++ {
		stream = append(stream, tracking.Event{
			Time:    t0.Add(time.Duration(i) * 37 * time.Minute),
			Status:  all[i*len(all)/40],
			RawCode: "C" + string(rune('A'+i%26)),
			RawText: "Arrived at facility",
		})
	}
	for i := 0; i < 10; i++ {
		stream = append(stream, stream[rng.Intn(40)])
	}
	rng.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })
	key := tracking.NewKey("ups", "1Z999")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr := tracking.NewTracker(key, t0)
		tr.Apply(stream...)
		if tr.Status != tracking.StatusDelivered {
			b.Fatalf("status %s", tr.Status)
		}
	}
	b.ReportMetric(float64(b.N*len(stream))/b.Elapsed().Seconds(), "events/s")
}
