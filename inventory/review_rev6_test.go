package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestFlowsOfALedgerBeyondInt64DoNotWrap receives oms.MaxQuantity 4096
// times at each of two locations (each level then holds 2^62 units, the
// most a level may hold): the ledger received 2^63 units in all, one more
// than an int64 holds. Flows must saturate its sums, not wrap them to
// negative numbers, and still call the ledger balanced.
func TestFlowsOfALedgerBeyondInt64DoNotWrap(t *testing.T) {
	ctx := context.Background()
	st := inventory.NewMemoryStore(nil)
	svc := inventory.NewService(st, &inventory.ServiceOptions{Clock: oms.NewManualClock(t0)})
	for _, loc := range []oms.ID{"a", "b"} {
		if err := svc.PutLocation(ctx, inventory.Location{ID: loc, Name: string(loc), Kind: inventory.KindWarehouse, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []oms.ID{"a", "b"} {
		for i := int64(0); i < 1<<62/oms.MaxQuantity; i++ {
			if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "A", Location: loc, Quantity: oms.MaxQuantity}); err != nil {
				t.Fatalf("receipt %d at %s: %v", i, loc, err)
			}
		}
	}
	entries, err := svc.Ledger(ctx, inventory.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	f := inventory.Flows(entries)
	if f.Received != math.MaxInt64 || f.OnHand != math.MaxInt64 {
		t.Errorf("flows received %d, on hand %d; want both saturated at %d", f.Received, f.OnHand, int64(math.MaxInt64))
	}
	if !f.Balanced() {
		t.Errorf("flows %+v not balanced", f)
	}
	if rep, err := svc.Reconcile(ctx); err != nil || !rep.Clean() {
		t.Errorf("reconcile: %+v, %v", rep, err)
	}
}

// TestFlowBalancedDoesNotWrap checks Balanced on sums whose totals pass
// the int64 range: they are compared exactly.
func TestFlowBalancedDoesNotWrap(t *testing.T) {
	for _, c := range []struct {
		f    inventory.Flow
		want bool
	}{
		{inventory.Flow{Received: math.MaxInt64, Found: math.MaxInt64, OnHand: math.MaxInt64, Shipped: math.MaxInt64}, true},
		// Both sides wrap to the same int64 unless compared exactly.
		{inventory.Flow{Received: math.MaxInt64, Found: math.MaxInt64, Returned: 2, OnHand: 0}, false},
		{inventory.Flow{Received: 5, OnHand: 2, Shipped: 3}, true},
	} {
		if got := c.f.Balanced(); got != c.want {
			t.Errorf("%+v.Balanced() = %v, want %v", c.f, got, c.want)
		}
	}
}

// TestReconcileFindsAHistoryThatWrapsToTheLevel gives Reconcile a level
// of 0 units whose four entries add 2^64 units: summed in int64 they wrap
// to 0, and the level looked explained.
func TestReconcileFindsAHistoryThatWrapsToTheLevel(t *testing.T) {
	snap := inventory.Snapshot{Levels: []inventory.Level{{SKU: "A", Location: "a"}}}
	for i := 0; i < 4; i++ {
		snap.Entries = append(snap.Entries, inventory.LedgerEntry{Seq: int64(i + 1), SKU: "A", Location: "a",
			Reason: inventory.ReasonReceipt, OnHand: 1 << 62, Reference: fmt.Sprint(i)})
	}
	if rep := inventory.Reconcile(snap); rep.Clean() {
		t.Errorf("a level of 0 units with 2^64 units received reconciles clean: %+v", rep)
	}
}

// TestCountFarBelowOnHandIsRefusedNamingTheCount counts 0 units at a
// level holding 2^51 (two receipts of oms.MaxQuantity): the count's entry
// would move more than a movement may, which the store refused as an
// "invalid change" of "entries[0]". The refusal names the count's field
// and the reason, and changes nothing.
func TestCountFarBelowOnHandIsRefusedNamingTheCount(t *testing.T) {
	ctx := context.Background()
	st := inventory.NewMemoryStore(nil)
	svc := inventory.NewService(st, &inventory.ServiceOptions{Clock: oms.NewManualClock(t0)})
	if err := svc.PutLocation(ctx, inventory.Location{ID: "a", Name: "a", Kind: inventory.KindWarehouse, Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "A", Location: "a", Quantity: oms.MaxQuantity}); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := st.Snapshot(ctx)
	_, err := svc.Count(ctx, inventory.Count{SKU: "A", Location: "a", Counted: 0, Key: "sheet-1"})
	var v *oms.ValidationError
	if !errors.As(err, &v) || !v.Has("counted") {
		t.Fatalf("count of 0 against 2^51 on hand: %v, want a validation error naming counted", err)
	}
	if after, _ := st.Snapshot(ctx); !reflect.DeepEqual(before, after) {
		t.Errorf("the refused count changed the store")
	}
	// Within a movement's range the count goes through.
	if _, err := svc.Count(ctx, inventory.Count{SKU: "A", Location: "a", Counted: oms.MaxQuantity, Key: "sheet-1"}); err != nil {
		t.Fatalf("count of 2^50: %v", err)
	}
	if lv, _ := svc.Level(ctx, "A", "a"); lv.OnHand != oms.MaxQuantity {
		t.Errorf("on hand %d, want %d", lv.OnHand, int64(oms.MaxQuantity))
	}
}
