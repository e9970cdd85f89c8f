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

// failNextOrderUpdate is an order store whose next Update, once armed,
// fails before writing.
type failNextOrderUpdate struct {
	order.Store
	armed *atomic.Bool
}

func (s failNextOrderUpdate) Update(ctx context.Context, o *order.Order, v int64, ev []oms.Event) error {
	if s.armed.CompareAndSwap(true, false) {
		return errors.New("connection reset")
	}
	return s.Store.Update(ctx, o, v, ev)
}

// TestLineRemovedByAnEditWhileItsAllocationWasUnrecordedIsTakenOff:
// Process reserved an order's units and created the fulfillment order,
// then failed to count the allocation on the order; meanwhile an
// order.Service.Edit removed a line (it had nothing allocated on the
// order). Every later Process failed for ever (packing the removed line,
// which the order no longer describes), the order never shipped and the
// removed line's units stayed reserved. The fulfillment orders must give
// up the units of lines the order no longer has, and ship the rest.
func TestLineRemovedByAnEditWhileItsAllocationWasUnrecordedIsTakenOff(t *testing.T) {
	var armed atomic.Bool
	e := newEnv(t, &envConfig{wrapOrd: func(s order.Store) order.Store { return failNextOrderUpdate{s, &armed} }})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("CUP", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	e.stock("CUP", "east", 10)
	o := e.place(nil, small("MUG", 2), small("CUP", 1))
	armed.Store(true)
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process went through a failed order write")
	}
	if _, err := e.orders.Edit(e.ctx, o.ID, order.EditInput{Remove: []order.LineRef{{LineID: o.Lines[1].ID}}}); err != nil {
		t.Fatalf("Edit removing the line: %v", err)
	}
	var err error
	for range 3 {
		if _, err = e.svc.Process(e.ctx, o.ID); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Process after the edit: %v", err)
	}
	want := map[oms.SKU][6]int64{"MUG": {2, 0, 2, 2, 2, 0}}
	if diff := cmp.Diff(want, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	if lv := e.level("CUP", "east"); lv.Reserved != 0 || lv.OnHand != 10 {
		t.Errorf("CUP: level %+v, want 10 on hand, none reserved", lv)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 8 {
		t.Errorf("MUG: level %+v, want 8 on hand, none reserved", lv)
	}
	e.reconcile()
}

// TestLineRaisedWhileItsAddedAllocationWasUnrecordedShipsInOneProcess:
// an edit added a line after the order's allocation; Process allocated
// it but failed to count that on the order, and a second edit raised the
// line's quantity meanwhile (it had nothing allocated on the order). One
// Process counts the first allocation of the added units and allocates
// the raised ones too, and ships them all.
func TestLineRaisedWhileItsAddedAllocationWasUnrecordedShipsInOneProcess(t *testing.T) {
	var armed atomic.Bool
	e := newEnv(t, &envConfig{wrapOrd: func(s order.Store) order.Store { return failNextOrderUpdate{s, &armed} }})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("CUP", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	e.stock("CUP", "east", 10)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	cup := order.LineInput{SKU: "CUP", Name: "CUP", Quantity: 1, UnitPrice: usd("1.00"), UnitWeight: o.Lines[0].UnitWeight, UnitDimensions: o.Lines[0].UnitDimensions}
	pay := func(o *order.Order, key string) {
		t.Helper()
		if o.OnHold() {
			if _, err := e.orders.AuthorizePayment(e.ctx, o.ID, order.AuthorizeInput{Key: key, Method: "tok_visa"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ed, err := e.orders.Edit(e.ctx, o.ID, order.EditInput{Key: "add", Add: []order.LineInput{cup}})
	if err != nil {
		t.Fatal(err)
	}
	pay(ed, "pay-1")
	armed.Store(true)
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process went through a failed order write")
	}
	ed = e.order(o.ID)
	if ed, err = e.orders.Edit(e.ctx, o.ID, order.EditInput{Key: "raise", Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: ed.Lines[1].ID}, Quantity: 3}}}); err != nil {
		t.Fatalf("Edit raising the added line: %v", err)
	}
	pay(ed, "pay-2")
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[oms.SKU][6]int64{"MUG": {2, 0, 2, 2, 2, 0}, "CUP": {3, 0, 3, 3, 3, 0}}
	if diff := cmp.Diff(want, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters after one Process (waiting %v) -want +got:\n%s", res.Waiting, diff)
	}
}
