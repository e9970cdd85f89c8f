package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestCancelLinesOfPackedUnitsLowersFulfilled: CancelLines with Packed
// takes the units off the line's fulfilled units too (a packed unit
// cancelled while other units are allocated and not packed), never below
// its shipped units; a replay changes nothing and the key reused without
// Packed is a duplicate.
func TestCancelLinesOfPackedUnitsLowersFulfilled(t *testing.T) {
	svc, _ := newShop()
	ctx := context.Background()
	ok := must(t)
	o := orderAt(t, svc, allocated)
	line := o.Lines[0].ID // 3 units, all allocated
	o = ok(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f1", Lines: []order.LineQuantity{{LineID: line, Quantity: 2}}}))
	o = ok(svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s1", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}}))
	in := order.CancelLinesInput{Key: "packed", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}, Packed: true}
	o = ok(svc.CancelLines(ctx, o.ID, in))
	l, _ := o.Line(line)
	if l.Cancelled != 1 || l.Allocated != 2 || l.Fulfilled != 1 || l.Shipped != 1 {
		t.Errorf("after the cancel: cancelled %d allocated %d fulfilled %d shipped %d, want 1 2 1 1", l.Cancelled, l.Allocated, l.Fulfilled, l.Shipped)
	}
	if err := o.CheckCounters(); err != nil {
		t.Error(err)
	}
	v := o.Version
	if o = ok(svc.CancelLines(ctx, o.ID, in)); o.Version != v {
		t.Errorf("replay changed the order")
	}
	in.Packed = false
	if _, err := svc.CancelLines(ctx, o.ID, in); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("key reused without Packed: %v", err)
	}
	// Packed never takes fulfilled below shipped.
	o = ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "packed2", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}, Packed: true}))
	if l, _ := o.Line(line); l.Fulfilled != 1 || l.Shipped != 1 || l.Allocated != 1 {
		t.Errorf("second cancel: allocated %d fulfilled %d shipped %d, want 1 1 1", l.Allocated, l.Fulfilled, l.Shipped)
	}
}
