package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestSyncEventVersionsGrowWhileAWriterIsInFlight: while a transaction
// writing the inventory tables stayed in flight past
// Options.InFlightWait, ChangedSKUs left the cursor where it was but still
// reported the SKUs that changed, and inventory.Sync published their
// channel availability with the unmoved cursor as the version: B's
// availability went 5, 6, 7 in three events all carrying version 5, so a
// consumer keeping the latest version per SKU could not tell them apart
// (the package promises sync events carry the cursor, which only grows).
// Now Sync publishes nothing until the store's cursor moves on, and then
// the latest availability with a larger version.
func TestSyncEventVersionsGrowWhileAWriterIsInFlight(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	lateCommitFixture(t, db)
	h := openWaiting(t, db, 50*time.Millisecond)
	svc := inventory.NewService(h.Inventory(), nil)
	if _, err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// A's change takes its number and stays in flight.
	if _, err := tx.Exec(ctx, `UPDATE inv_levels SET on_hand = on_hand + 1, seq = nextval('inv_change_seq') WHERE sku = 'A'`); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"later-1", "later-2"} {
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "B", Location: "wh", Quantity: 1, Reference: ref}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for sku, want := range map[string]int64{"A": 6, "B": 7} {
		evs, err := db.Outbox().Events(ctx, oms.ID(sku))
		if err != nil {
			t.Fatal(err)
		}
		var last int64 = -1
		var qty int64
		for _, e := range evs {
			if e.Type != inventory.EventChannelAvailability {
				continue
			}
			if e.AggregateVersion <= last {
				t.Errorf("%s: availability event version %d after %d: sync versions must grow", sku, e.AggregateVersion, last)
			}
			last = e.AggregateVersion
			var p inventory.ChannelAvailabilityPayload
			if err := e.Decode(&p); err != nil {
				t.Fatal(err)
			}
			qty = p.Quantity
		}
		if qty != want {
			t.Errorf("%s: last availability published %d, want %d", sku, qty, want)
		}
	}
}
