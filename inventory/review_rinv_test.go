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

// TestChangeOfMoreThan2To62UnitsOnOneLevelDoesNotWrap: one change of
// 8,193 receipts of oms.MaxQuantity on one level (2^63 + 2^50 units)
// wrapped the memory store's per-level sum around int64 to a small
// negative number, so the change was refused as a shortage of stock
// (or, with receipts and losses mixed, applied with a ledger whose
// entries do not add up). A change moving that much is refused as a
// validation error naming the quantity, and changes nothing.
func TestChangeOfMoreThan2To62UnitsOnOneLevelDoesNotWrap(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	snap, events := b.snapshot(t)
	receipts := func(n int) []inventory.LedgerEntry {
		es := make([]inventory.LedgerEntry, n)
		for i := range es {
			es[i] = inventory.LedgerEntry{SKU: "A", Location: "wh", Reason: inventory.ReasonReceipt, OnHand: oms.MaxQuantity}
		}
		return es
	}
	for name, c := range map[string]*inventory.Change{
		"8193 receipts": {Entries: receipts(8193)},
		// 2^64 units in: the sum wraps to exactly 0, then one more unit.
		"16384 receipts and one": {Entries: append(receipts(16384),
			inventory.LedgerEntry{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, OnHand: 1})},
		"reserved": {Deltas: func() []inventory.Delta {
			ds := make([]inventory.Delta, 16384)
			for i := range ds {
				ds[i] = inventory.Delta{SKU: "A", Location: "wh", Reserved: oms.MaxQuantity}
			}
			return ds
		}()},
	} {
		err := b.store.Apply(b.ctx, c)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Apply = %v, want a validation error", name, err)
		}
		b.unchanged(t, name, snap, events)
	}
	if lv := b.level(t, "A", "wh"); lv.OnHand != 5 || lv.Reserved != 0 {
		t.Errorf("level %+v, want 5 on hand, none reserved", lv)
	}
}
