package tracking_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

func sweepKinds(rs []tracking.SweepResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Key.TrackingNumber+":"+string(r.Alert.Kind)+":"+string(r.Alert.Reason))
	}
	return out
}

func apply(t *testing.T, f *fixture, number string, est oms.Date, events ...tracking.Event) {
	t.Helper()
	if _, err := f.svc.Apply(context.Background(), tracking.Update{Carrier: "ups", TrackingNumber: number, EstimatedDelivery: est, Events: events}); err != nil {
		t.Fatal(err)
	}
}

func sweep(t *testing.T, f *fixture) []string {
	t.Helper()
	rs, err := f.svc.Sweep(context.Background(), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sweepKinds(rs)
}

func TestSweepStalled(t *testing.T) {
	f := newFixture(t)
	f.svc = tracking.NewService(f.store, &tracking.ServiceOptions{Clock: f.clock, StallAfter: map[tracking.Status]time.Duration{tracking.StatusInTransit: 48 * time.Hour}})
	f.register(t, "S1")
	apply(t, f, "S1", oms.Date{}, ev(0, tracking.StatusInTransit, "IT"))

	f.clock.Advance(47 * time.Hour)
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("at 47h: %v", got)
	}
	f.clock.Advance(time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"S1:stalled:no_scan"}) {
		t.Fatalf("at 48h: %v", got)
	}
	// Once per stall.
	f.clock.Advance(24 * time.Hour)
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("second sweep: %v", got)
	}
	// A new scan ends the stall; a new silence is a new stall.
	apply(t, f, "S1", oms.Date{}, tracking.Event{Time: f.clock.Now(), Status: tracking.StatusInTransit, RawCode: "AR"})
	f.clock.Advance(48 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"S1:stalled:no_scan"}) {
		t.Fatalf("after a new silence: %v", got)
	}
	tr, _ := f.svc.Get(context.Background(), "ups", "S1")
	if len(tr.Alerts) != 2 || tr.Alerts[0].Since.Equal(tr.Alerts[1].Since) {
		t.Fatalf("alerts %+v", tr.Alerts)
	}
	n := 0
	for _, e := range f.store.Outbox().Events(tr.ID) {
		if e.Type == tracking.EventExceptionDetected {
			var ar tracking.ExceptionDetectedPayload
			if err := e.Decode(&ar); err != nil {
				t.Fatal(err)
			}
			if ar.Alert.Kind != tracking.AlertStalled || ar.CustomerID != "cust-1" {
				t.Fatalf("payload %+v", ar)
			}
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d exception events, want 2", n)
	}
	// A registered parcel with no scan at all stalls in pre_transit (default 5 days).
	f.register(t, "S2")
	f.clock.Advance(5 * 24 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"S2:stalled:no_scan"}) {
		t.Fatalf("pre-transit stall: %v", got)
	}
}

// TestSweepLateOnlyAfterPromisedDayEndsInDestinationZone is issue 10 item
// 17: a parcel promised by March 5 to New York is on time until midnight
// ends March 5 in New York (05:00 UTC on March 6), not at midnight starting
// it (the old rule flagged it a day early).
func TestSweepLateOnlyAfterPromisedDayEndsInDestinationZone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	promised := oms.NewDate(2026, 3, 5)
	ny, _ := time.LoadLocation("America/New_York")
	for _, n := range []string{"L1", "L2", "L3", "L4"} {
		if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: n, ShipmentRef: oms.ID(n), PromisedBy: promised, DestinationZone: "America/New_York"}); err != nil {
			t.Fatal(err)
		}
	}
	// L1: the carrier's estimate moves past the promise.
	apply(t, f, "L1", oms.NewDate(2026, 3, 6), ev(1, tracking.StatusInTransit, "IT"))
	// L2: an estimate of the promised day itself.
	apply(t, f, "L2", oms.NewDate(2026, 3, 5), ev(1, tracking.StatusInTransit, "IT"))
	// L3: delivered before the promise.
	apply(t, f, "L3", oms.Date{}, ev(2, tracking.StatusDelivered, "DL"))
	// L4: EasyPost's estimate with a time of day, 23:00 in New York on the
	// 5th (04:00 UTC on the 6th): the day it names is the promised day.
	u, err := tracking.EasyPostDecoder{}.Decode([]byte(`{"description":"tracker.updated","result":{"carrier":"ups","tracking_code":"L4","est_delivery_date":"2026-03-05T23:00:00-05:00","tracking_details":[{"status":"in_transit","datetime":"2026-03-02T09:00:00Z"}]}}`))
	if err != nil || u[0].EstimatedDelivery != promised {
		t.Fatalf("EasyPost estimate with an offset: %+v, %v", u, err)
	}
	if _, err := f.svc.Apply(ctx, u[0]); err != nil {
		t.Fatal(err)
	}

	f.clock.Set(time.Date(2026, 3, 5, 0, 0, 1, 0, ny))
	if got := sweep(t, f); !cmp.Equal(got, []string{"L1:late:estimate_after_promise"}) {
		t.Fatalf("on the promised day: %v", got)
	}
	f.clock.Set(time.Date(2026, 3, 5, 23, 59, 59, 0, ny))
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("a second before the promised day ends: %v", got)
	}
	f.clock.Set(time.Date(2026, 3, 6, 0, 0, 0, 0, ny))
	if got := sweep(t, f); !cmp.Equal(got, []string{"L1:late:past_promised_date", "L2:late:past_promised_date", "L4:late:past_promised_date"}) {
		t.Fatalf("once the promised day is over: %v", got)
	}
	f.clock.Advance(time.Hour)
	if got := sweep(t, f); len(got) != 0 {
		t.Fatalf("late twice: %v", got)
	}
}

func TestDetectLateRuleByZone(t *testing.T) {
	promised := oms.NewDate(2026, 3, 5)
	for _, tc := range []struct {
		zone string
		at   time.Time
		late bool
	}{
		{"", time.Date(2026, 3, 5, 23, 59, 59, 0, time.UTC), false},
		{"", time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), true},
		{"UTC", time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), true},
		{"Asia/Tokyo", time.Date(2026, 3, 5, 14, 59, 59, 0, time.UTC), false},
		{"Asia/Tokyo", time.Date(2026, 3, 5, 15, 0, 0, 0, time.UTC), true},
		{"America/Los_Angeles", time.Date(2026, 3, 6, 7, 59, 0, 0, time.UTC), false},
		{"America/Los_Angeles", time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC), true},
		{"Pacific/Kiritimati", time.Date(2026, 3, 5, 9, 59, 0, 0, time.UTC), false},
		{"Pacific/Kiritimati", time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC), true},
	} {
		tr := newTracker()
		tr.PromisedBy, tr.DestinationZone = promised, tc.zone
		tr.Apply(tracking.Event{Time: tc.at.Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"})
		late := false
		for _, a := range tracking.Detect(tr, tc.at, nil) {
			if a.Kind == tracking.AlertLate {
				late = true
			}
		}
		if late != tc.late {
			t.Errorf("zone %q at %s: late = %v, want %v", tc.zone, tc.at, late, tc.late)
		}
	}
}

func TestRegisterRefusesBadPromise(t *testing.T) {
	ctx := context.Background()
	for name, r := range map[string]tracking.Registration{
		"unknown zone":   {DestinationZone: "Mars/Olympus_Mons"},
		"local zone":     {DestinationZone: "Local"},
		"year 0":         {PromisedBy: oms.Date{Year: 0, Month: 1, Day: 1}},
		"year 10000":     {PromisedBy: oms.Date{Year: 10000, Month: 1, Day: 1}},
		"month 13":       {PromisedBy: oms.Date{Year: 2026, Month: 13, Day: 1}},
		"February 30":    {PromisedBy: oms.Date{Year: 2026, Month: 2, Day: 30}},
		"huge year":      {PromisedBy: oms.Date{Year: 1 << 40, Month: 1, Day: 1}},
		"shipment space": {ShipmentRef: "a b"},
		"customer 200B":  {CustomerID: oms.ID(strings.Repeat("c", 200))},
		"order control":  {OrderRef: "o\x00"},
	} {
		f := newFixture(t)
		r.Carrier, r.TrackingNumber = "ups", "BAD"
		if r.ShipmentRef == "" {
			r.ShipmentRef = "shp-1"
		}
		if _, err := f.svc.Register(ctx, r); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: err = %v, want ErrValidation", name, err)
		}
		if _, err := f.svc.Get(ctx, "ups", "BAD"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("%s: a refused registration saved a tracker: %v", name, err)
		}
	}
	// Year 9999 is accepted and is never late before its end.
	f := newFixture(t)
	tr, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "Y9999", ShipmentRef: "s", PromisedBy: oms.NewDate(9999, 12, 31), DestinationZone: "Asia/Tokyo"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tracking.Detect(tr, time.Date(9999, 12, 31, 14, 0, 0, 0, time.UTC), nil); len(got) != 0 {
		t.Fatalf("year 9999 promise: %+v", got)
	}
}

func TestSweepFailedAttemptsAndReturns(t *testing.T) {
	f := newFixture(t)
	f.register(t, "F1")
	f.register(t, "R1")
	f.register(t, "R2")
	apply(t, f, "F1", oms.Date{}, ev(1, tracking.StatusInTransit, "IT"), tracking.Event{Time: t0.Add(2 * time.Hour), Status: tracking.StatusDeliveryFailed, Reason: tracking.ReasonRecipientUnavailable, RawCode: "AF1"})
	apply(t, f, "R1", oms.Date{}, ev(1, tracking.StatusReturning, "RS"))
	apply(t, f, "R2", oms.Date{}, tracking.Event{Time: t0.Add(1 * time.Hour), Status: tracking.StatusReturned, RawCode: "RT"})
	f.clock.Advance(3 * time.Hour)
	// R2 went straight to returned (closed): its alert was raised when the
	// update was applied, and the sweep (open trackers only) does not see it.
	want := []string{"F1:failed_attempt:recipient_unavailable", "R1:return_to_sender:return_to_sender"}
	if got := sweep(t, f); !cmp.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if r2, _ := f.svc.Get(context.Background(), "ups", "R2"); len(r2.Alerts) != 1 || r2.Alerts[0].Kind != tracking.AlertReturn {
		t.Fatalf("R2 alerts: %+v", r2.Alerts)
	}
	// A second failed attempt is a new alert; the first is not repeated.
	apply(t, f, "F1", oms.Date{}, ev(3, tracking.StatusDeliveryFailed, "AF2"))
	if got := sweep(t, f); !cmp.Equal(got, []string{"F1:failed_attempt:undeliverable"}) {
		t.Fatalf("second attempt: %v", got)
	}
	// Delivered after the failures: nothing more.
	apply(t, f, "F1", oms.Date{}, ev(4, tracking.StatusDelivered, "DL"))
	f.clock.Advance(30 * 24 * time.Hour)
	if got := sweep(t, f); !cmp.Equal(got, []string{"R1:stalled:no_scan"}) {
		t.Fatalf("after delivery: %v", got)
	}
}

func TestDetectPure(t *testing.T) {
	tr := newTracker()
	tr.PromisedBy = oms.DateOf(t0)
	tr.Apply(ev(0, tracking.StatusCancelled, "CX"))
	if got := tracking.Detect(tr, t0.Add(1000*time.Hour), tracking.DefaultStallAfter()); got != nil {
		t.Fatalf("cancelled parcel alerts: %+v", got)
	}
	tr2 := newTracker()
	tr2.Apply(ev(0, tracking.StatusInTransit, "IT"))
	if got := tracking.Detect(tr2, t0.Add(1000*time.Hour), nil); got != nil {
		t.Fatalf("no thresholds, no promise: %+v", got)
	}
	for _, k := range []tracking.AlertKind{tracking.AlertStalled, tracking.AlertLate, tracking.AlertFailedAttempt, tracking.AlertReturn} {
		if !k.Valid() {
			t.Errorf("%s invalid", k)
		}
	}
	if tracking.AlertKind("x").Valid() {
		t.Error("x valid")
	}
}

type listFailStore struct {
	tracking.Store
	err error
}

func (s listFailStore) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	return nil, s.err
}

func TestSweepStoreErrors(t *testing.T) {
	boom := errors.New("boom")
	svc := tracking.NewService(listFailStore{Store: tracking.NewMemoryStore(nil), err: boom}, nil)
	if _, err := svc.Sweep(context.Background(), t0); !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
	fs := &failingStore{Store: tracking.NewMemoryStore(nil)}
	svc = tracking.NewService(fs, &tracking.ServiceOptions{Clock: oms.NewManualClock(t0)})
	if _, err := svc.Register(context.Background(), tracking.Registration{Carrier: "ups", TrackingNumber: "X", ShipmentRef: "x"}); err != nil {
		t.Fatal(err)
	}
	fs.saveErr = boom
	if _, err := svc.Sweep(context.Background(), t0.Add(1000*time.Hour)); !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
}
