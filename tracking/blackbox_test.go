package tracking_test

// Black-box review of package tracking through its public API only: every
// test here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// Register replayed for the same tracking number and shipment but with
// another customer, order, URL or promise returned the first tracker
// silently: the caller believed its promise (or customer) was recorded.
// The same key with other content is oms.ErrDuplicate and changes
// nothing; the same content is a replay.
func TestRegisterReplayWithOtherContentIsDuplicate(t *testing.T) {
	ctx := context.Background()
	base := tracking.Registration{Carrier: "ups", TrackingNumber: "1Z9", ShipmentRef: "shp-1", OrderRef: "ord-1",
		CustomerID: "cus-1", TrackingURL: "https://example.com/t/1Z9", PromisedBy: oms.NewDate(2026, 3, 6), DestinationZone: "America/New_York"}
	changes := map[string]func(r *tracking.Registration){
		"order":       func(r *tracking.Registration) { r.OrderRef = "ord-2" },
		"customer":    func(r *tracking.Registration) { r.CustomerID = "cus-2" },
		"no customer": func(r *tracking.Registration) { r.CustomerID = "" },
		"url":         func(r *tracking.Registration) { r.TrackingURL = "https://evil.example/t" },
		"promise":     func(r *tracking.Registration) { r.PromisedBy = oms.NewDate(2026, 3, 9) },
		"zone":        func(r *tracking.Registration) { r.DestinationZone = "Asia/Tokyo" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			first, err := f.svc.Register(ctx, base)
			if err != nil {
				t.Fatal(err)
			}
			before := state(t, f.store)
			r := base
			change(&r)
			if _, err := f.svc.Register(ctx, r); !errors.Is(err, oms.ErrDuplicate) {
				t.Errorf("Register with another %s: err = %v, want ErrDuplicate", name, err)
			}
			if after := state(t, f.store); after != before {
				t.Errorf("refused Register changed the store:\n%s\n%s", before, after)
			}
			again, err := f.svc.Register(ctx, base)
			if err != nil || again.Version != first.Version {
				t.Errorf("replay with the same content: %v, version %d -> %d", err, first.Version, again.Version)
			}
		})
	}
}
