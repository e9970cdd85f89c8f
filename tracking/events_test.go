package tracking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestEventPayloadsDecodeIntoTheirTypes drives a tracker through every
// event type and decodes each payload strictly (no unknown fields) into
// the exported type its constant documents, checking what a consumer
// needs without reading the tracker back.
func TestEventPayloadsDecodeIntoTheirTypes(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	_, err := svc.Register(ctx, tracking.Registration{
		Carrier: "ups", TrackingNumber: "1Z9", ShipmentRef: "shp-9", OrderRef: "ord-9", CustomerID: "cust-9",
		TrackingURL: "https://example.com/1Z9", PromisedBy: oms.NewDate(2026, 3, 3), DestinationZone: "Europe/Berlin",
	})
	if err != nil {
		t.Fatal(err)
	}
	est1 := oms.NewDate(2026, 3, 3)
	est2 := oms.NewDate(2026, 3, 5)
	u := tracking.Update{Carrier: "ups", TrackingNumber: "1Z9", EstimatedDelivery: est1, Events: []tracking.Event{{Time: t0, Status: tracking.StatusInTransit, RawCode: "IT", RawText: "Departed"}}}
	if _, err := svc.Apply(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.Events, u.EstimatedDelivery = []tracking.Event{{Time: t0.Add(time.Hour), Status: tracking.StatusInTransit, RawCode: "IT2"}}, est2
	if _, err := svc.Apply(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sweep(ctx, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	refs := tracking.Snapshot{Carrier: "ups", TrackingNumber: "1Z9", ShipmentRef: "shp-9", OrderRef: "ord-9", CustomerID: "cust-9",
		TrackingURL: "https://example.com/1Z9", PromisedBy: oms.NewDate(2026, 3, 3), DestinationZone: "Europe/Berlin"}
	strict := func(e oms.Event, v any) {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader(e.Payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("%s payload %s: %v", e.Type, e.Payload, err)
		}
	}
	seen := map[string]int{}
	for _, e := range store.Outbox().Events(tracking.NewKey("ups", "1Z9").ID()) {
		seen[e.Type]++
		switch e.Type {
		case tracking.EventRegistered:
			var p tracking.RegisteredPayload
			strict(e, &p)
			want := refs
			want.Status = tracking.StatusPreTransit
			if diff := cmp.Diff(tracking.RegisteredPayload{Snapshot: want}, p); diff != "" {
				t.Errorf("registered (-want +got):\n%s", diff)
			}
		case tracking.EventStatusChanged:
			var p tracking.StatusChangedPayload
			strict(e, &p)
			want := refs
			want.Status, want.EstimatedDelivery = tracking.StatusInTransit, est1
			if diff := cmp.Diff(tracking.StatusChangedPayload{Snapshot: want, From: tracking.StatusPreTransit, At: t0, RawCode: "IT", RawText: "Departed"}, p); diff != "" {
				t.Errorf("status changed (-want +got):\n%s", diff)
			}
		case tracking.EventEstimateChanged:
			var p tracking.EstimateChangedPayload
			strict(e, &p)
			if p.CustomerID != "cust-9" || p.OrderRef != "ord-9" || p.EstimatedDelivery.IsZero() {
				t.Errorf("estimate changed lacks references or estimate: %+v", p)
			}
			if p.EstimatedDelivery == est2 && p.Previous != est1 {
				t.Errorf("estimate changed to %s: previous %s, want %s", p.EstimatedDelivery, p.Previous, est1)
			}
		case tracking.EventExceptionDetected:
			var p tracking.ExceptionDetectedPayload
			strict(e, &p)
			if p.Alert.Kind != tracking.AlertLate || p.Alert.Reason != tracking.ReasonEstimateAfterPromise || p.CustomerID != "cust-9" {
				t.Errorf("exception detected: %+v", p)
			}
		default:
			t.Errorf("undocumented event type %q", e.Type)
		}
	}
	want := map[string]int{tracking.EventRegistered: 1, tracking.EventStatusChanged: 1, tracking.EventEstimateChanged: 2, tracking.EventExceptionDetected: 1}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Fatalf("event types (-want +got):\n%s", diff)
	}
}
