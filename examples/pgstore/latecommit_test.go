package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// openWaiting opens a second handle on db's schema that waits at most
// wait for transactions in flight (Options.InFlightWait).
func openWaiting(t *testing.T, db *pgstore.DB, wait time.Duration) *pgstore.DB {
	t.Helper()
	h, err := pgstore.Open(context.Background(), dsn(t), &pgstore.Options{Schema: db.Schema(), MaxConns: 4, InFlightWait: wait})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

func lateCommitFixture(t *testing.T, db *pgstore.DB) *inventory.Service {
	t.Helper()
	ctx := context.Background()
	svc := inventory.NewService(db.Inventory(), nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "wh", Kind: inventory.KindWarehouse, Active: true,
		Channels: []inventory.Channel{"web"}, Ships: true}); err != nil {
		t.Fatal(err)
	}
	for _, sku := range []oms.SKU{"A", "B"} {
		if err := svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: "wh", Quantity: 5, Reference: "initial"}); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

// A change that took its number (inv_change_seq) before another one but
// committed after it was never reported by ChangedSKUs: the cursor moved
// past it to the later number, so channel sync never published the SKU
// (until it changed again). ChangedSKUs now moves the cursor only over
// numbers whose transactions have ended, so the late commit is reported
// by the next call.
func TestChangedSKUsReportsAChangeThatCommittedAfterALaterOne(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	svc := lateCommitFixture(t, db)
	h := openWaiting(t, db, 100*time.Millisecond)
	_, cursor, err := h.Inventory().ChangedSKUs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A transaction takes A's next change number and stays in flight.
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE inv_levels SET on_hand = on_hand + 1, seq = nextval('inv_change_seq') WHERE sku = 'A'`); err != nil {
		t.Fatal(err)
	}
	// B changes after it and commits first.
	if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "B", Location: "wh", Quantity: 1, Reference: "later"}); err != nil {
		t.Fatal(err)
	}
	skus, next, err := h.Inventory().ChangedSKUs(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(skus, "B") {
		t.Errorf("ChangedSKUs with A in flight: %v, want B among them", skus)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	skus, _, err = h.Inventory().ChangedSKUs(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(skus, "A") {
		t.Errorf("after A's transaction committed, ChangedSKUs(%d) = %v: A's change was skipped", next, skus)
	}
}

// A ledger entry that took its number before another one but committed
// after it was skipped by a reader paging with AfterSeq: the page after
// the later entry started past it. Ledger now returns only entries whose
// numbers are settled (every transaction that may write one below has
// ended), so paging from the last entry seen misses nothing; while a
// writer stays in flight past Options.InFlightWait it answers
// oms.ErrConflict (try again) rather than a page that could skip.
func TestLedgerPagingDoesNotSkipAnEntryThatCommittedLate(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	svc := lateCommitFixture(t, db)
	h := openWaiting(t, db, 100*time.Millisecond)
	all, err := h.Inventory().Ledger(ctx, inventory.LedgerFilter{})
	if err != nil || len(all) == 0 {
		t.Fatalf("ledger: %v %v", all, err)
	}
	after := all[len(all)-1].Seq
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO inv_ledger (sku, location, doc) SELECT sku, location, jsonb_set(doc, '{reference}', '"late"') FROM inv_ledger WHERE seq = $1`, after); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "B", Location: "wh", Quantity: 1, Reference: "later"}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	page, err := h.Inventory().Ledger(ctx, inventory.LedgerFilter{AfterSeq: after})
	switch {
	case errors.Is(err, oms.ErrConflict): // still in flight past InFlightWait: try again later
	case err != nil:
		t.Fatal(err)
	}
	for _, e := range page {
		seen = append(seen, e.Reference)
		after = e.Seq
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	page, err = h.Inventory().Ledger(ctx, inventory.LedgerFilter{AfterSeq: after})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page {
		seen = append(seen, e.Reference)
	}
	if got := strings.Join(seen, ","); got != "late,later" {
		t.Errorf("paged references %q, want \"late,later\" (each entry once, in number order)", got)
	}
}
