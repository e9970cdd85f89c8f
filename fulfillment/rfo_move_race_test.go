package fulfillment_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// beforeReserve runs hook once, just before the next reservation is
// written.
type beforeReserve struct {
	inventory.Store
	armed atomic.Bool
	hook  func()
}

func (s *beforeReserve) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if s.armed.CompareAndSwap(true, false) {
		s.hook()
	}
	return s.Store.Reserve(ctx, r, ev)
}

// TestMoveThatLostTheRaceToAnotherMoveReleasesItsReservation: two Moves
// of one fulfillment order to the same location; the first read it, then
// the fulfillment order changed (a hold added and released) and the
// second Move reserved for the new version and moved it, and only then
// the first reserved there for the version it had read. The first found it moved where it was going and returned,
// but kept its own reservation at the destination held for ever (2 units
// reserved at west for an order that ships 2 from it). Now a Move whose
// reservation the move did not use gives it back.
func TestMoveThatLostTheRaceToAnotherMoveReleasesItsReservation(t *testing.T) {
	var bs *beforeReserve
	e := newEnv(t, &envConfig{wrapInv: func(s inventory.Store) inventory.Store { bs = &beforeReserve{Store: s}; return bs }})
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
	bs.hook = func() {
		fo, err := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: fulfillment.HoldOther})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ReleaseHold(e.ctx, id, fo.Holds[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Move(e.ctx, id, "west"); err != nil {
			t.Fatalf("the second move: %v", err)
		}
	}
	bs.armed.Store(true)
	moved, err := e.svc.Move(e.ctx, id, "west")
	if err != nil || moved.Location != "west" {
		t.Fatalf("the first move: %v", err)
	}
	if lv := e.level("MUG", "west"); lv.Reserved != 2 {
		t.Errorf("west after the moves: reserved %d, want 2", lv.Reserved)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "west"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("west after shipping: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	open, err := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(o.ID), OpenOnly: true})
	if err != nil || len(open) != 0 {
		t.Errorf("%d reservations still open after shipping (%v)", len(open), err)
	}
	e.reconcile()
}
