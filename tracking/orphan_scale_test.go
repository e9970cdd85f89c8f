package tracking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// manyScans returns n distinct scans of one parcel, newest first.
func manyScans(now time.Time, n int) []tracking.Event {
	out := make([]tracking.Event, n)
	for i := range out {
		out[i] = tracking.Event{Time: now.Add(-time.Hour - time.Duration(i)*time.Second), Status: tracking.StatusInTransit, RawText: fmt.Sprint("scan ", i)}
	}
	return out
}

// TestThousandsOfOrphansOfAnUnknownNumberAreRecordedOnce: one update of
// 20,000 scans for a number not registered yet, with repeats, and its
// retry keep each scan once. (The memory store checked each new orphan
// against every orphan of its number, seconds per update;
// BenchmarkOrphansOfAnUnknownNumber measures it.)
func TestThousandsOfOrphansOfAnUnknownNumberAreRecordedOnce(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	ctx := context.Background()
	const n = 20000
	u := tracking.Update{Carrier: "ups", TrackingNumber: "1Z", Events: manyScans(clock.Now(), n)}
	u.Events = append(u.Events, u.Events[:10]...) // some twice in the update
	res, err := svc.Apply(ctx, u)
	if err != nil || res.Orphaned != n || res.Duplicates != 10 {
		t.Fatalf("first: %+v %v", res, err)
	}
	res, err = svc.Apply(ctx, u) // the provider retries
	if err != nil || res.Orphaned != 0 || res.Duplicates != n+10 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if os, err := store.Orphans(ctx, tracking.NewKey("ups", "1Z")); err != nil || len(os) != n {
		t.Fatalf("%d orphans (%v), want %d", len(os), err, n)
	}
}

// TestRegisterAdoptsThousandsOfOrphans: Register applies 50,000 early
// scans of its number and deletes them all. (It looked each one up in the
// history one by one to delete those held, seconds per Register;
// BenchmarkRegisterAdoptingOrphans measures it.)
func TestRegisterAdoptsThousandsOfOrphans(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	ctx := context.Background()
	const n = 50000
	if res, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z", Events: manyScans(clock.Now(), n)}); err != nil || res.Orphaned != n {
		t.Fatalf("%+v %v", res, err)
	}
	tr, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z", ShipmentRef: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Events) != n || tr.Status != tracking.StatusInTransit {
		t.Fatalf("%d events, status %s", len(tr.Events), tr.Status)
	}
	if os, err := store.Orphans(ctx, tracking.Key{}); err != nil || len(os) != 0 {
		t.Fatalf("%d orphans left (%v)", len(os), err)
	}
}

// TestSweepOfAParcelWithThousandsOfAlertsRaisesThemOnce: a parcel with
// 20,000 failed attempts holds 20,000 alerts, raised by the first sweep
// and by no later one. (Every later sweep checked each alert the rules
// raise against every alert held, seconds per sweep;
// BenchmarkSweepOfAParcelWithThousandsOfAlerts measures it.)
func TestSweepOfAParcelWithThousandsOfAlertsRaisesThemOnce(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	ctx := context.Background()
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z", ShipmentRef: "s1"}); err != nil {
		t.Fatal(err)
	}
	const n = 20000
	scans := manyScans(clock.Now(), n)
	for i := range scans {
		scans[i].Status = tracking.StatusDeliveryFailed
	}
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z", Events: scans}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.Sweep(ctx, clock.Now())
	if err != nil || len(first) != n {
		t.Fatalf("first sweep: %d alerts (%v), want %d", len(first), err, n)
	}
	again, err := svc.Sweep(ctx, clock.Now())
	if err != nil || len(again) != 0 {
		t.Fatalf("second sweep: %d alerts (%v), want none", len(again), err)
	}
}
