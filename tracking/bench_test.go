package tracking_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/omskit/oms"
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

// BenchmarkSweep sweeps 10,000 trackers of which 1,000 are open (the rest
// delivered) and already alerted: the steady-state cost of a periodic
// sweep, which lists only the open ones, a page at a time.
func BenchmarkSweep(b *testing.B) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	for i := 0; i < 10000; i++ {
		n := fmt.Sprintf("B%05d", i)
		if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: n, ShipmentRef: oms.ID("s" + n)}); err != nil {
			b.Fatal(err)
		}
		status := tracking.StatusDelivered
		if i%10 == 0 {
			status = tracking.StatusInTransit
		}
		if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: n, Events: []tracking.Event{{Time: t0, Status: status, RawCode: "X"}}}); err != nil {
			b.Fatal(err)
		}
	}
	at := t0.Add(30 * 24 * time.Hour)
	if rs, err := svc.Sweep(ctx, at); err != nil || len(rs) != 1000 {
		b.Fatalf("first sweep: %d alerts, %v", len(rs), err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rs, err := svc.Sweep(ctx, at); err != nil || len(rs) != 0 {
			b.Fatalf("%d alerts, %v", len(rs), err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "open-trackers/s")
}
