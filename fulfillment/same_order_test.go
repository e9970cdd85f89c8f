package fulfillment_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/tracking"
)

// TestConcurrentProcessSameOrder runs Process for one order from 8
// goroutines at once, several rounds: the result is that of one run (one
// reservation, one label and one commit per package).
func TestConcurrentProcessSameOrder(t *testing.T) {
	for round := 0; round < 10; round++ {
		ref := &faults{}
		e := faultEnv(t, ref)
		o := e.place(nil, big("BIG", 2), small("SMALL", 2))
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = e.svc.Process(e.ctx, o.ID)
			}()
		}
		wg.Wait()
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		got := e.outcome(o.ID)
		if got.Reservations != 1 || got.Packages != 3 || got.Labels != 3 || got.Commits != 3 || got.Trackers != 3 {
			t.Fatalf("round %d: %+v", round, got)
		}
		want := map[oms.SKU][6]int64{"BIG": {2, 0, 2, 2, 2, 0}, "SMALL": {2, 0, 2, 2, 2, 0}}
		if d := cmp.Diff(want, got.Counters); d != "" {
			t.Fatalf("round %d counters (-want +got):\n%s", round, d)
		}
		// Concurrent deliveries of every package.
		shs, _ := e.svc.Shipments(e.ctx, o.ID)
		for _, sh := range shs {
			for _, p := range sh.Packages {
				for g := 0; g < 3; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, _ = e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0})
					}()
				}
			}
		}
		wg.Wait()
		for _, sh := range shs {
			for _, p := range sh.Packages {
				if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if c := counters(e.order(o.ID)); c["BIG"][5] != 2 || c["SMALL"][5] != 2 {
			t.Fatalf("round %d delivered counters: %v", round, c)
		}
		_ = inventory.OpCommit
	}
}

func TestHandleEventExceptionDetected(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Zone: func(oms.Address) string { return "America/New_York" }})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	tr, err := e.track.Get(e.ctx, "fake", sh.Packages[0].TrackingNumber)
	if err != nil || tr.DestinationZone != "America/New_York" {
		t.Fatalf("tracker zone: %v %q", err, tr.DestinationZone)
	}
	ev, err := oms.NewEvent(tracking.EventExceptionDetected, tracking.AggregateKind, tr.ID, 2, t0, tracking.ExceptionDetectedPayload{
		Snapshot: tr.Snapshot(), Alert: tracking.Alert{ID: "late:1", Kind: tracking.AlertLate, Reason: "past_promised_date", Status: tr.Status, At: t0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.HandleEvent(e.ctx, ev); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.Shipment(e.ctx, sh.ID)
	if got.Status != fulfillment.ShipmentException || got.Exception != "late" {
		t.Errorf("late alert: %s %q", got.Status, got.Exception)
	}
	bad, _ := oms.NewEvent(tracking.EventExceptionDetected, tracking.AggregateKind, tr.ID, 3, t0, nil)
	bad.Payload = []byte("[")
	if err := e.svc.HandleEvent(e.ctx, bad); err == nil {
		t.Error("a malformed alert was accepted")
	}
}
