package fulfillment_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestUnitsAddedByAnEditAfterAllocationAreAllocated: order.Service.Edit
// adds lines to an order that is not cancelled or completed, also one
// already allocated (or shipped), but Process took the order's one
// allocation for done and never allocated the added units: it returned
// without error and without waiting, and the order stayed processing for
// ever with the new line unallocated. Process must allocate, ship and
// count them.
func TestUnitsAddedByAnEditAfterAllocationAreAllocated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first func(e *env, id oms.ID) error
	}{
		{"after Allocate", func(e *env, id oms.ID) error { _, err := e.svc.Allocate(e.ctx, id); return err }},
		{"after Process shipped everything", func(e *env, id oms.ID) error { _, err := e.svc.Process(e.ctx, id); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.location("east", 1, nil)
			e.item("MUG", inventory.BackorderDeny)
			e.item("CUP", inventory.BackorderDeny)
			e.stock("MUG", "east", 10)
			e.stock("CUP", "east", 10)
			o := e.place(nil, small("MUG", 2))
			if err := tc.first(e, o.ID); err != nil {
				t.Fatal(err)
			}
			ed, err := e.orders.Edit(e.ctx, o.ID, order.EditInput{Key: "add-cup", Add: []order.LineInput{{SKU: "CUP", Name: "CUP", Quantity: 1,
				UnitPrice: usd("1.00"), UnitWeight: o.Lines[0].UnitWeight, UnitDimensions: o.Lines[0].UnitDimensions}}})
			if err != nil {
				t.Fatal(err)
			}
			if ed.OnHold() {
				if _, err := e.orders.AuthorizePayment(e.ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok_visa"}); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
					t.Fatal(err)
				}
			}
			want := map[oms.SKU][6]int64{"MUG": {2, 0, 2, 2, 2, 0}, "CUP": {1, 0, 1, 1, 1, 0}}
			if diff := cmp.Diff(want, counters(e.order(o.ID))); diff != "" {
				t.Errorf("order counters -want +got:\n%s", diff)
			}
			for sku, onHand := range map[oms.SKU]int64{"MUG": 8, "CUP": 9} {
				if lv := e.level(sku, "east"); lv.Reserved != 0 || lv.OnHand != onHand {
					t.Errorf("%s: level %+v, want %d on hand, none reserved", sku, lv, onHand)
				}
			}
			e.reconcile()
		})
	}
}

// reserveLost is an inventory store whose next Reserve, once armed, takes
// effect and then reports a failure.
type reserveLost struct {
	inventory.Store
	armed *atomic.Bool
}

func (s reserveLost) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	res, created, err := s.Store.Reserve(ctx, r, ev)
	if err == nil && s.armed.CompareAndSwap(true, false) {
		return inventory.Reservation{}, false, errors.New("connection lost")
	}
	return res, created, err
}

// TestUnitsAddedByAnEditWhoseAllocationWasInterruptedAreGivenBackOnCancel:
// the allocation of units an edit added reserved their stock and failed
// before creating its fulfillment order; the host then cancels the order,
// and Process gives every reserved unit back.
func TestUnitsAddedByAnEditWhoseAllocationWasInterruptedAreGivenBackOnCancel(t *testing.T) {
	var armed atomic.Bool
	e := newEnv(t, &envConfig{wrapInv: func(s inventory.Store) inventory.Store { return reserveLost{s, &armed} }})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("CUP", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	e.stock("CUP", "east", 10)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Allocate(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	ed, err := e.orders.Edit(e.ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "CUP", Name: "CUP", Quantity: 3,
		UnitPrice: usd("1.00"), UnitWeight: o.Lines[0].UnitWeight, UnitDimensions: o.Lines[0].UnitDimensions}}})
	if err != nil {
		t.Fatal(err)
	}
	if ed.OnHold() {
		if _, err := e.orders.AuthorizePayment(e.ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok_visa"}); err != nil {
			t.Fatal(err)
		}
	}
	armed.Store(true)
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process went through a lost reservation")
	}
	if lv := e.level("CUP", "east"); lv.Reserved != 3 {
		t.Fatalf("CUP level %+v: the added units' reservation was not made", lv)
	}
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "customer"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	for _, sku := range []oms.SKU{"MUG", "CUP"} {
		if lv := e.level(sku, "east"); lv.Reserved != 0 || lv.OnHand != 10 {
			t.Errorf("%s: level %+v, want 10 on hand, none reserved", sku, lv)
		}
	}
	e.reconcile()
}

// TestDigitalLinesAddedByAnEditAreDelivered: a digital line an edit adds
// after the order's allocation is delivered by the next Process, as the
// digital lines of the order as placed are (it waited for ever before
// 0307877).
func TestDigitalLinesAddedByAnEditAreDelivered(t *testing.T) {
	e := newEnv(t, nil)
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	ed, err := e.orders.Edit(e.ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "EBOOK", Name: "EBOOK", Quantity: 1, UnitPrice: usd("1.00"), NoShipping: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if ed.OnHold() {
		if _, err := e.orders.AuthorizePayment(e.ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok_visa"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	want := map[oms.SKU][6]int64{"MUG": {2, 0, 2, 2, 2, 0}, "EBOOK": {1, 0, 1, 1, 1, 1}}
	if diff := cmp.Diff(want, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
}
