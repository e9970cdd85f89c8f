package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// CancelLines with a PackKey lets the order decide, in the cancel's own
// write, whether the units' packing was counted: counted under the key,
// the units cancel as packed (fulfilled falls with them); not counted, the
// key is closed and a count arriving under it later (a packing that raced
// the cancel) is refused and changes nothing.
func TestCancelLinesWithAPackKeyDecidesWhetherThePackingWasCounted(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	t.Run("counted", func(t *testing.T) {
		svc, _ := newShop()
		o := orderAt(t, svc, allocated)
		line := o.Lines[0].ID // 3 units, all allocated
		ok(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "fo-1", Lines: []order.LineQuantity{{LineID: line, Quantity: 2}}}))
		o = ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: line, Quantity: 2}}, PackKey: "fo-1"}))
		if l, _ := o.Line(line); l.Cancelled != 2 || l.Allocated != 1 || l.Fulfilled != 0 {
			t.Errorf("cancelled %d allocated %d fulfilled %d, want 2 1 0", l.Cancelled, l.Allocated, l.Fulfilled)
		}
	})
	t.Run("not counted", func(t *testing.T) {
		svc, _ := newShop()
		o := orderAt(t, svc, allocated)
		line := o.Lines[0].ID
		o = ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{{LineID: line, Quantity: 2}}, PackKey: "fo-1"}))
		v := o.Version
		_, err := svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "fo-1", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}})
		if !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("a count under the closed key: %v, want oms.ErrDuplicate", err)
		}
		o = ok(svc.Get(ctx, o.ID))
		if l, _ := o.Line(line); o.Version != v || l.Fulfilled != 0 {
			t.Errorf("the refused count changed the order: version %d (was %d), fulfilled %d", o.Version, v, l.Fulfilled)
		}
		// Another key still counts the unit left.
		o = ok(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "fo-2", Lines: []order.LineQuantity{{LineID: line, Quantity: 1}}}))
		if l, _ := o.Line(line); l.Fulfilled != 1 {
			t.Errorf("fulfilled %d, want 1", l.Fulfilled)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		svc, _ := newShop()
		o := orderAt(t, svc, allocated)
		_, err := svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}, PackKey: "a b\x00"})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("PackKey with a space and a NUL: %v, want oms.ErrValidation", err)
		}
		if got := ok(svc.Get(ctx, o.ID)); got.Version != o.Version {
			t.Error("the refused cancel changed the order")
		}
	})
}
