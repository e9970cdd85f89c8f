package tracking_test

// Review (rev9) of package tracking through its public API: every test
// here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestCarrierWithSlashIsRefused: Key.ID derives the aggregate ID from
// "carrier/number", so the keys ups/1 + 2 and ups + 1/2 (both accepted)
// had one aggregate ID: two trackers' outbox events interleaved under one
// aggregate, with clashing versions, for the relay and every consumer
// that orders or de-duplicates per aggregate. A carrier with a "/" is now
// refused by Register and Apply with a validation error naming the
// carrier, and nothing changes; the number may still hold one.
func TestCarrierWithSlashIsRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a, b := tracking.NewKey("ups/1", "2"), tracking.NewKey("ups", "1/2")
	if a.ID() != b.ID() {
		t.Fatalf("the premise changed: %s and %s have different IDs", a, b)
	}
	if err := a.Validate(); !errors.Is(err, oms.ErrValidation) || !strings.Contains(err.Error(), "carrier") {
		t.Errorf("Validate(%s) = %v, want a validation error naming the carrier", a, err)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("Validate(%s) = %v, want nil", b, err)
	}
	before := state(t, f.store)
	_, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups/1", TrackingNumber: "2", ShipmentRef: "shp-1"})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Register ups/1 + 2: err = %v, want ErrValidation", err)
	}
	_, err = f.svc.Apply(ctx, tracking.Update{Carrier: "ups/1", TrackingNumber: "2",
		Events: []tracking.Event{{Time: f.clock.Now().Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Apply ups/1 + 2: err = %v, want ErrValidation", err)
	}
	if after := state(t, f.store); after != before {
		t.Errorf("refused commands changed the store:\n before %s\n after  %s", before, after)
	}
	if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1/2", ShipmentRef: "shp-2"}); err != nil {
		t.Errorf("Register ups + 1/2: %v", err)
	}
}
