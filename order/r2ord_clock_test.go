package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestCommandsUnderAClockPastYear9999ChangeNothing: with the Service's
// clock past year 9999 (or before year 0), Place saved an order created
// then and every command stamped the order and its events with that
// time, which encoding/json cannot write: the order no longer marshalled
// (a JSON store fails every later write of it) and neither did its
// events. Now such a time is refused with oms.ErrValidation naming the
// clock, and nothing is saved.
func TestCommandsUnderAClockPastYear9999ChangeNothing(t *testing.T) {
	ctx := context.Background()
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1<<62, 0),
		time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		store := order.NewMemoryStore(nil)
		clock := oms.NewManualClock(at)
		svc := order.NewService(store, &order.ServiceOptions{Clock: clock})
		if _, err := svc.Place(ctx, sampleInput()); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Place at %s: %v, want oms.ErrValidation", at, err)
		}
		if _, err := store.GetByIdempotencyKey(ctx, sampleInput().IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("Place at %s saved an order (%v)", at, err)
		}
	}
	// Placed on the last day of year 9999, then the clock passes it.
	store := order.NewMemoryStore(nil)
	clock := oms.NewManualClock(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC))
	svc := order.NewService(store, &order.ServiceOptions{Clock: clock})
	o := must(t)(svc.Place(ctx, sampleInput()))
	clock.Advance(2 * time.Hour)
	if _, err := svc.Confirm(ctx, o.ID); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Confirm in year 10000: %v, want oms.ErrValidation", err)
	}
	if _, err := svc.AddNote(ctx, o.ID, "staff", "late"); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("AddNote in year 10000: %v, want oms.ErrValidation", err)
	}
	got := must(t)(svc.Get(ctx, o.ID))
	if got.Version != o.Version {
		t.Errorf("refused commands moved the order from version %d to %d", o.Version, got.Version)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("the order no longer marshals: %v", err)
	}
	for _, e := range store.Outbox().Events(o.ID) {
		if _, err := json.Marshal(e); err != nil {
			t.Errorf("event %s does not marshal: %v", e.Type, err)
		}
	}
}
