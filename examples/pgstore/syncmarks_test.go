package pgstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestSaveSyncWithAMarkTwiceKeepsTheLast: SaveSync given two marks of one
// SKU and channel failed with PostgreSQL's raw "ON CONFLICT DO UPDATE
// command cannot affect row a second time" (SQLSTATE 21000), neither a
// validation error nor a conflict, and moved nothing; the memory store
// saves it, the later mark winning, as a later SaveSync's would.
func TestSaveSyncWithAMarkTwiceKeepsTheLast(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	marks := []inventory.SyncMark{
		{SKU: "A", Channel: "web", Quantity: 1},
		{SKU: "B", Channel: "web", Quantity: 7},
		{SKU: "A", Channel: "web", Quantity: 2},
	}
	type result struct {
		Cursor int64
		Marks  []inventory.SyncMark
	}
	run := func(s inventory.Store) result {
		if err := s.SaveSync(ctx, 0, 5, marks, nil); err != nil {
			t.Errorf("%T.SaveSync: %v", s, err)
		}
		cursor, got, err := s.SyncState(ctx, []oms.SKU{"A", "B"})
		if err != nil {
			t.Fatalf("%T.SyncState: %v", s, err)
		}
		return result{cursor, got}
	}
	want, got := run(inventory.NewMemoryStore(nil)), run(db.Inventory())
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sync state (-memory +pgstore):\n%s", d)
	}
}
