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

// BenchmarkApplyLargeBatchNewestFirst applies 20,000 scans, newest first,
// to a fresh tracker in one call (a large webhook or poll).
func BenchmarkApplyLargeBatchNewestFirst(b *testing.B) {
	const n = 20000
	scans := manyScans(t0.Add(48*time.Hour), n)
	key := tracking.NewKey("ups", "1Z999")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr := tracking.NewTracker(key, t0)
		tr.Apply(scans...)
		if len(tr.Events) != n {
			b.Fatalf("%d events", len(tr.Events))
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkOrphansOfAnUnknownNumber applies 20,000 scans of a number not
// registered yet, then the same update again (a provider's retry).
func BenchmarkOrphansOfAnUnknownNumber(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	u := tracking.Update{Carrier: "ups", TrackingNumber: "1Z", Events: manyScans(t0.Add(48*time.Hour), n)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: oms.NewManualClock(t0.Add(48 * time.Hour))})
		for range 2 {
			if _, err := svc.Apply(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*2*n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRegisterAdoptingOrphans registers a number that has 20,000
// early scans waiting (the orphans are recorded outside the timer).
func BenchmarkRegisterAdoptingOrphans(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	u := tracking.Update{Carrier: "ups", TrackingNumber: "1Z", Events: manyScans(t0.Add(48*time.Hour), n)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: oms.NewManualClock(t0.Add(48 * time.Hour))})
		if _, err := svc.Apply(ctx, u); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		tr, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z", ShipmentRef: "s1"})
		if err != nil || len(tr.Events) != n {
			b.Fatalf("%d events, %v", len(tr.Events), err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSweepOfAParcelWithThousandsOfAlerts sweeps one parcel holding
// 20,000 alerts already raised (the steady state of a parcel with many
// failed attempts).
func BenchmarkSweepOfAParcelWithThousandsOfAlerts(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	clock := oms.NewManualClock(t0.Add(48 * time.Hour))
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z", ShipmentRef: "s1"}); err != nil {
		b.Fatal(err)
	}
	scans := manyScans(clock.Now(), n)
	for i := range scans {
		scans[i].Status = tracking.StatusDeliveryFailed
	}
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z", Events: scans}); err != nil {
		b.Fatal(err)
	}
	if rs, err := svc.Sweep(ctx, clock.Now()); err != nil || len(rs) != n {
		b.Fatalf("first sweep: %d alerts, %v", len(rs), err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rs, err := svc.Sweep(ctx, clock.Now()); err != nil || len(rs) != 0 {
			b.Fatalf("%d alerts, %v", len(rs), err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "alerts/s")
}
