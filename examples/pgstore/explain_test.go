package pgstore

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestHotQueriesUseIndexes explains every hot query of the stores with
// sequential scans disabled for the session (enable_seqscan = off: the
// planner then takes an index whenever one serves the query, so a Seq Scan
// left in the plan means no index does) and fails on any Seq Scan. Run it
// with -v to print the plans; the package doc quotes them.
func TestHotQueriesUseIndexes(t *testing.T) {
	d := os.Getenv("OMS_TEST_POSTGRES")
	if d == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OMS_TEST_POSTGRES is not set in CI")
		}
		t.Skip("set OMS_TEST_POSTGRES to run the PostgreSQL tests")
	}
	ctx := context.Background()
	db, err := Open(ctx, d, &Options{Schema: "t_explain_" + strings.ToLower(string(oms.NewID()))})
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	defer func() {
		_ = db.DropSchema(ctx)
		db.Close()
	}()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	r := inventory.Reservation{ID: "r1", Status: inventory.StatusActive, Version: 1,
		Lines: []inventory.ReservationLine{{SKU: "HOT", Location: "wh", Quantity: 1}}}
	rd, _ := doc(r)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"inventory: reserve (one statement)", reserveSQL, []any{"r1", "", "active", int64(1), nil, int16(0), rd,
			[]string{"HOT"}, []string{"wh"}, []int64{1}, "e1", "inventory.reserved", "reservation", "r1", int64(1), now, nil, int16(0)}},
		{"inventory: reserve at one level (one statement)", reserveOneSQL, []any{"r1", "", "active", int64(1), nil, int16(0), rd,
			"HOT", "wh", int64(1), "e1", "inventory.reserved", "reservation", "r1", int64(1), now, nil, int16(0)}},
		{"inventory: lock levels", `SELECT ` + levelColumns + ` FROM inv_levels
			WHERE (sku, location) IN (SELECT * FROM unnest($1::text[], $2::text[]))
			ORDER BY sku, location FOR UPDATE`, []any{[]string{"A", "B"}, []string{"wh", "wh"}}},
		{"inventory: expired holds", `SELECT id FROM inv_reservations
			WHERE status = 'active' AND expires_at IS NOT NULL AND (expires_at, expires_ns) <= ($1, $2)
			ORDER BY expires_at, expires_ns, id LIMIT $3`, []any{now, int16(0), 100}},
		{"inventory: reservations by reference", `SELECT doc FROM inv_reservations WHERE reference = $1 ORDER BY id`, []any{"cart-1"}},
		{"inventory: ledger of a SKU", `SELECT seq, doc FROM inv_ledger WHERE sku = $1 AND seq > $2 ORDER BY seq LIMIT 100`, []any{"HOT", int64(0)}},
		{"inventory: ledger entries of a key", `SELECT seq, doc FROM inv_ledger WHERE doc->>'key' = $1 ORDER BY seq`, []any{"rcv-1"}},
		{"inventory: movement key", `INSERT INTO inv_movement_keys (key) VALUES ($1) ON CONFLICT DO NOTHING`, []any{"rcv-1"}},
		{"inventory: inbounds of a SKU", `SELECT doc FROM inv_inbounds WHERE sku = $1 ORDER BY expected_at, expected_ns, id`, []any{"HOT"}},
		{"order: by number", `SELECT doc FROM orders WHERE number = $1`, []any{"1001"}},
		{"order: by idempotency key", `SELECT doc FROM orders WHERE idempotency_key = $1`, []any{"k"}},
		{"order: update (optimistic)", `UPDATE orders SET version = $3 WHERE id = $1 AND version = $2`, []any{"o1", int64(1), int64(2)}},
		{"order: page of a customer", `SELECT doc FROM orders WHERE customer_id = $1 AND (created_at, created_ns, id) > ($3, $4, $5)
			ORDER BY created_at, created_ns, id LIMIT $2`, []any{"c1", 51, now, int16(0), "o1"}},
		{"order: page of a status", `SELECT doc FROM orders WHERE status = $1 AND (created_at, created_ns, id) > ($3, $4, $5)
			ORDER BY created_at, created_ns, id LIMIT $2`, []any{"confirmed", 51, now, int16(0), "o1"}},
		{"tracking: orphans to prune", `SELECT carrier, tracking_number, event_id FROM tracking_orphans
			WHERE (received_at, received_ns) < ($1, $2)
			ORDER BY received_at, received_ns, carrier, tracking_number, event_id LIMIT $3`, []any{now, int16(0), 100}},
		{"tracking: open trackers after a key", `SELECT doc FROM trackers WHERE open AND (carrier, tracking_number) > ($1, $2)
			ORDER BY carrier, tracking_number LIMIT $3`, []any{"ups", "1Z", 100}},
		{"returns: of an order", `SELECT doc FROM returns WHERE order_id = $1 ORDER BY id`, []any{"o1"}},
		{"returns: expiring", `SELECT doc FROM returns
			WHERE status IN ('approved', 'label_issued') AND expires_at IS NOT NULL AND (expires_at, expires_ns) <= ($1, $2)
			ORDER BY expires_at, expires_ns, id LIMIT $3`, []any{now, int16(0), 100}},
		{"returns: by tracking number", `SELECT r.doc FROM return_tracking t JOIN returns r ON r.id = t.return_id WHERE t.tracking_number = $1`, []any{"1Z"}},
		{"fulfillment: orders of an order", `SELECT doc FROM fulfillment_orders WHERE order_id = $1 ORDER BY created_at, created_ns, id`, []any{"o1"}},
		{"fulfillment: shipments of an order", `SELECT doc FROM shipments WHERE order_id = $1 ORDER BY created_at, created_ns, id`, []any{"o1"}},
		{"fulfillment: shipment by tracking number", `SELECT s.doc FROM shipment_tracking t JOIN shipments s ON s.id = t.shipment_id WHERE t.key = $1`, []any{"ups/1Z"}},
		{"notify: claim", claimSQL, []any{claimKey("k"), now, "token-1", nsPart(now)}},
		{"notify: progress update (optimistic)", updateProgressSQL, []any{"o1", int64(2), now, int16(0), `{}`}},
		{"notify: due", dueSQL, []any{now, int16(0), "o1", 100}},
		{"outbox: pending", `SELECT ` + eventColumns + ` FROM outbox e
			WHERE published_at IS NULL AND dead_at IS NULL AND aggregate_id <> ALL($2)
			  AND NOT EXISTS (SELECT 1 FROM outbox_leases l
				WHERE l.aggregate_id = e.aggregate_id AND l.owner <> $3 AND l.until > now())
			ORDER BY seq LIMIT $1`, []any{100, []string{}, "me"}},
	} {
		plan, err := explain(ctx, conn.Conn(), q.sql, q.args...)
		if err != nil {
			t.Errorf("%s: %v", q.name, err)
			continue
		}
		t.Logf("%s:\n%s", q.name, plan)
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s: no index serves it:\n%s", q.name, plan)
		}
	}
}

func explain(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (string, error) {
	rows, err := conn.Query(ctx, "EXPLAIN (COSTS OFF) "+sql, args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}
