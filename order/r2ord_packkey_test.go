package order_test

import (
	"context"
	"testing"

	"github.com/omskit/oms/order"
)

// TestCancelLinesWithAClosedPackKeyDoesNotCancelAsPacked: a CancelLines
// whose PackKey no packing was counted under closes the key; a second
// CancelLines naming that key (another cancel of the same fulfillment
// order's units, under its own key) found the closed key among the
// applied keys and took it for a counted packing, so its units cancelled
// as packed and took the line's fulfilled unit, packed by another
// fulfillment order, with them (fulfilled 0 of 1 allocated).
func TestCancelLinesWithAClosedPackKeyDoesNotCancelAsPacked(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	svc, _ := newShop()
	o := orderAt(t, svc, allocated)
	line := o.Lines[0].ID // 3 units, all allocated
	ok(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "fo-2", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}}))
	ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}, PackKey: "fo-1"}))
	o = ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c2", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}, PackKey: "fo-1"}))
	if l, _ := o.Line(line); l.Cancelled != 2 || l.Allocated != 1 || l.Fulfilled != 1 {
		t.Errorf("cancelled %d allocated %d fulfilled %d, want 2 1 1 (the unit fo-2 packed is still packed)", l.Cancelled, l.Allocated, l.Fulfilled)
	}
}
