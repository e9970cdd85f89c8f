package pgstore_test

import (
	"context"
	"math"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestLocationPriorityTakesEveryInt: Location.Priority is an int, and the
// memory store keeps any; the priority column was an integer (32 bits),
// so putting a location with priority 2^31 or math.MaxInt64 through the
// service failed to encode. Now every int is stored, and Locations lists
// them in the memory store's order.
func TestLocationPriorityTakesEveryInt(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	mem := inventory.NewMemoryStore(nil)
	prios := map[oms.ID]int{"a": math.MaxInt64, "b": math.MinInt64, "c": 1 << 31, "d": -(1 << 31) - 1, "e": 0}
	for _, s := range []inventory.Store{db.Inventory(), mem} {
		svc := inventory.NewService(s, nil)
		for id, p := range prios {
			l := inventory.Location{ID: id, Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: p}
			if err := svc.PutLocation(ctx, l); err != nil {
				t.Errorf("PutLocation(priority %d) = %v", p, err)
			}
		}
	}
	got, err := db.Inventory().Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := mem.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Locations = %d, memory store %d", len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID || got[i].Priority != want[i].Priority {
			t.Errorf("Locations[%d] = %s (priority %d), memory store %s (%d)", i, got[i].ID, got[i].Priority, want[i].ID, want[i].Priority)
		}
	}
}
