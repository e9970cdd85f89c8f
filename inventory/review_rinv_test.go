package inventory_test

import (
	"errors"
	"math"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestChangeOfMinInt64QuantitiesIsRefused: ValidateChange bounded each
// quantity by comparing its absolute value with oms.MaxQuantity, but the
// absolute value of math.MinInt64 wraps to itself (negative), so an entry
// or delta of math.MinInt64 units passed; two such entries on one level
// summed to 0 (wrapped) and the store applied them, writing two ledger
// entries of -2^63 units. Such a change must be refused as a validation
// error and change nothing.
func TestChangeOfMinInt64QuantitiesIsRefused(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	snap, events := b.snapshot(t)
	for name, c := range map[string]*inventory.Change{
		"on hand": {Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, OnHand: math.MinInt64},
			{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, OnHand: math.MinInt64},
		}},
		"incoming": {Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonInboundCancelled, Incoming: math.MinInt64},
			{SKU: "A", Location: "wh", Reason: inventory.ReasonInboundCancelled, Incoming: math.MinInt64},
		}},
		"damaged": {Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonWriteOff, Damaged: math.MinInt64},
			{SKU: "A", Location: "wh", Reason: inventory.ReasonWriteOff, Damaged: math.MinInt64},
		}},
		"reserved": {Deltas: []inventory.Delta{
			{SKU: "A", Location: "wh", Reserved: math.MinInt64},
			{SKU: "A", Location: "wh", Reserved: math.MinInt64},
		}},
	} {
		err := b.store.Apply(b.ctx, c)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Apply = %v, want a validation error", name, err)
		}
		if err := inventory.ValidateChange(c); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: ValidateChange = %v, want a validation error", name, err)
		}
		b.unchanged(t, name, snap, events)
	}
}
