package fulfillment_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// failNextSave fails the next fulfillment write once armed.
type failNextSave struct {
	fulfillment.Store
	armed atomic.Bool
}

func (s *failNextSave) Save(ctx context.Context, c *fulfillment.Change) error {
	if s.armed.CompareAndSwap(true, false) {
		return errInjected
	}
	return s.Store.Save(ctx, c)
}

// TestMoveRetriedAfterChangeReleasesEarlierReservation: a Move whose
// write failed after it reserved at the destination, retried once the
// fulfillment order changed (a hold added and released), reserves anew
// and gives the first reservation back: once the order shipped, nothing
// stays reserved at the destination (the first reservation used to stay
// held forever).
func TestMoveRetriedAfterChangeReleasesEarlierReservation(t *testing.T) {
	var fs *failNextSave
	e := newEnv(t, &envConfig{wrap: func(s fulfillment.Store) fulfillment.Store { fs = &failNextSave{Store: s}; return fs }})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	e.stock("MUG", "west", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fos[0].ID
	fs.armed.Store(true)
	if _, err := e.svc.Move(e.ctx, id, "west"); !errors.Is(err, errInjected) {
		t.Fatalf("move with a failing store: %v", err)
	}
	fo, err := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: fulfillment.HoldOther})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReleaseHold(e.ctx, id, fo.Holds[0].ID); err != nil {
		t.Fatal(err)
	}
	moved, err := e.svc.Move(e.ctx, id, "west")
	if err != nil || moved.Location != "west" {
		t.Fatalf("move retried: %v", err)
	}
	if lv := e.level("MUG", "west"); lv.Reserved != 2 {
		t.Errorf("west after the move: reserved %d, want 2", lv.Reserved)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "west"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("west after shipping: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 5 || lv.Reserved != 0 {
		t.Errorf("east after shipping: on hand %d reserved %d, want 5 and 0", lv.OnHand, lv.Reserved)
	}
	open, err := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(o.ID), OpenOnly: true})
	if err != nil || len(open) != 0 {
		t.Errorf("%d reservations still open after shipping (%v)", len(open), err)
	}
	e.reconcile()
}
