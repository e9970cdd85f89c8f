package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/tracking"
)

// FulfillmentStore is fulfillment.Store over PostgreSQL. Save is one
// transaction: each aggregate inserted (version 1) or updated WHERE id =
// $1 AND version = $2, in ID order per table, the shipments' tracking
// numbers claimed by unique keys, the orphans and the outbox events
// inserted.
type FulfillmentStore struct{ db *DB }

var _ fulfillment.Store = (*FulfillmentStore)(nil)

// Fulfillment returns the fulfillment store.
func (db *DB) Fulfillment() *FulfillmentStore { return &FulfillmentStore{db: db} }

// aggRow is one aggregate of a change, as its table stores it.
type aggRow struct {
	kind, table string
	id          oms.ID
	version     int64
	orderID     oms.ID
	createdAt   time.Time
	doc         string
}

func checkVersioned(kind string, id oms.ID, version int64) error {
	switch {
	case id == "":
		return oms.Validationf(kind, "id", "must not be empty")
	case version < 1:
		return oms.Validationf(kind, "version", "must be at least 1, got %d", version)
	}
	return nil
}

// Save implements fulfillment.Store.
func (s *FulfillmentStore) Save(ctx context.Context, c *fulfillment.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil {
		return oms.Validationf("change", "", "must not be nil")
	}
	var rows []aggRow
	seen := map[string]bool{}
	add := func(kind, table string, id oms.ID, version int64, orderID oms.ID, created time.Time, v any) error {
		if err := checkVersioned(kind, id, version); err != nil {
			return err
		}
		if k := kind + "/" + string(id); seen[k] {
			return oms.Validationf("change", kind, "%s %s appears twice", kind, id)
		} else {
			seen[k] = true
		}
		d, err := doc(v)
		if err != nil {
			return err
		}
		rows = append(rows, aggRow{kind, table, id, version, orderID, created, d})
		return nil
	}
	for _, a := range c.Allocations {
		if a == nil {
			return oms.Validationf("change", "allocations", "nil allocation")
		}
		if err := add("allocation", "fulfillment_allocations", a.ID, a.Version, "", time.Time{}, a); err != nil {
			return err
		}
	}
	for _, fo := range c.FulfillmentOrders {
		if fo == nil {
			return oms.Validationf("change", "fulfillment_orders", "nil fulfillment order")
		}
		if err := add("fulfillment order", "fulfillment_orders", fo.ID, fo.Version, fo.OrderID, fo.CreatedAt, fo); err != nil {
			return err
		}
	}
	var keys, keyShips []string
	for _, sh := range c.Shipments {
		if sh == nil {
			return oms.Validationf("change", "shipments", "nil shipment")
		}
		if err := add("shipment", "shipments", sh.ID, sh.Version, sh.OrderID, sh.CreatedAt, sh); err != nil {
			return err
		}
		for _, p := range sh.Packages {
			if p.TrackingNumber != "" {
				keys = append(keys, tracking.NewKey(sh.Carrier, p.TrackingNumber).String())
				keyShips = append(keyShips, string(sh.ID))
			}
		}
	}
	// Lock order: per table, by ID.
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].table != rows[j].table {
			return rows[i].table < rows[j].table
		}
		return rows[i].id < rows[j].id
	})
	orphans := make([]string, len(c.Orphans))
	for i, o := range c.Orphans {
		d, err := doc(o)
		if err != nil {
			return err
		}
		orphans[i] = d
	}
	return s.db.tx(ctx, func(tx pgx.Tx) error {
		for _, r := range rows {
			if err := saveAgg(ctx, tx, r); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			keys, keyShips := lastPerKey(keys, keyShips)
			got, err := tx.Query(ctx, `INSERT INTO shipment_tracking AS t (key, shipment_id)
				SELECT k, s FROM unnest($1::text[], $2::text[]) AS u(k, s) ORDER BY k
				ON CONFLICT (key) DO UPDATE SET shipment_id = excluded.shipment_id
					WHERE t.shipment_id = excluded.shipment_id
				RETURNING key`, keys, keyShips)
			if err != nil {
				return wrap("save tracking numbers", err)
			}
			claimed, err := pgx.CollectRows(got, pgx.RowTo[string])
			if err != nil {
				return wrap("save tracking numbers", err)
			}
			if len(claimed) < len(keys) {
				return trackingTaken(ctx, tx, keys, keyShips)
			}
		}
		if len(orphans) > 0 {
			// The same news delivered again (migration 0017) adds nothing.
			if _, err := tx.Exec(ctx, `INSERT INTO fulfillment_orphans (doc)
				SELECT d FROM unnest($1::jsonb[]) WITH ORDINALITY AS u(d, n) ORDER BY n
				ON CONFLICT ((doc->>'carrier'), (doc->>'tracking_number'), (doc->>'event_id'))
					WHERE (doc->>'event_id') <> '' DO NOTHING`, orphans); err != nil {
				return wrap("save orphans", err)
			}
		}
		return appendEvents(ctx, tx, c.Events...)
	})
}

// lastPerKey keeps one shipment per tracking key, the last named (as a
// later write of the key wins), so the upsert touches each key once.
func lastPerKey(keys, ships []string) ([]string, []string) {
	at := map[string]int{}
	var ks, ss []string
	for i, k := range keys {
		if j, ok := at[k]; ok {
			ss[j] = ships[i]
			continue
		}
		at[k] = len(ks)
		ks, ss = append(ks, k), append(ss, ships[i])
	}
	return ks, ss
}

// trackingTaken names a tracking number another shipment holds.
func trackingTaken(ctx context.Context, tx pgx.Tx, keys, ships []string) error {
	for i, k := range keys {
		var other string
		err := tx.QueryRow(ctx, `SELECT shipment_id FROM shipment_tracking WHERE key = $1`, k).Scan(&other)
		if err == nil && other != ships[i] {
			return fmt.Errorf("fulfillment: tracking number %s belongs to shipment %s: %w", k, other, oms.ErrDuplicate)
		}
	}
	return fmt.Errorf("fulfillment: a tracking number belongs to another shipment: %w", oms.ErrDuplicate)
}

func saveAgg(ctx context.Context, tx pgx.Tx, r aggRow) error {
	var (
		q    string
		args []any
	)
	switch {
	case r.table == "fulfillment_allocations" && r.version == 1:
		q, args = `INSERT INTO fulfillment_allocations (id, version, doc) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			[]any{string(r.id), r.version, r.doc}
	case r.table == "fulfillment_allocations":
		q, args = `UPDATE fulfillment_allocations SET version = $2, doc = $3 WHERE id = $1 AND version = $2::bigint - 1`,
			[]any{string(r.id), r.version, r.doc}
	case r.version == 1:
		q = `INSERT INTO ` + r.table + ` (id, order_id, version, created_at, created_ns, doc) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO NOTHING`
		args = []any{string(r.id), string(r.orderID), r.version, r.createdAt, nsPart(r.createdAt), r.doc}
	default:
		q = `UPDATE ` + r.table + ` SET order_id = $2, version = $3, created_at = $4, created_ns = $5, doc = $6
			WHERE id = $1 AND version = $3::bigint - 1`
		args = []any{string(r.id), string(r.orderID), r.version, r.createdAt, nsPart(r.createdAt), r.doc}
	}
	tag, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return wrap("save "+r.kind, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if r.version == 1 {
		return fmt.Errorf("fulfillment: %s %s exists: %w", r.kind, r.id, oms.ErrDuplicate)
	}
	var v int64
	err = tx.QueryRow(ctx, `SELECT version FROM `+r.table+` WHERE id = $1`, string(r.id)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return oms.NotFoundError(r.kind, r.id)
	}
	if err != nil {
		return wrap("save "+r.kind, err)
	}
	return oms.ConflictError(r.kind, r.id, r.version-1, v)
}

func getDoc[T any](ctx context.Context, db *DB, table string, id oms.ID, kind string) (*T, error) {
	var b []byte
	err := pgx.ErrNoRows
	if holdable(string(id)) {
		err = db.pool.QueryRow(ctx, `SELECT doc FROM `+table+` WHERE id = $1`, string(id)).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, oms.NotFoundError(kind, id)
	}
	if err != nil {
		return nil, wrap("get "+kind, err)
	}
	v := new(T)
	if err := decode(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Allocation implements fulfillment.Store.
func (s *FulfillmentStore) Allocation(ctx context.Context, id oms.ID) (*fulfillment.Allocation, error) {
	return getDoc[fulfillment.Allocation](ctx, s.db, "fulfillment_allocations", id, "allocation")
}

// FulfillmentOrder implements fulfillment.Store.
func (s *FulfillmentStore) FulfillmentOrder(ctx context.Context, id oms.ID) (*fulfillment.FulfillmentOrder, error) {
	return getDoc[fulfillment.FulfillmentOrder](ctx, s.db, "fulfillment_orders", id, "fulfillment order")
}

// Shipment implements fulfillment.Store.
func (s *FulfillmentStore) Shipment(ctx context.Context, id oms.ID) (*fulfillment.Shipment, error) {
	return getDoc[fulfillment.Shipment](ctx, s.db, "shipments", id, "shipment")
}

// FulfillmentOrders implements fulfillment.Store (index
// fulfillment_orders_order).
func (s *FulfillmentStore) FulfillmentOrders(ctx context.Context, orderID oms.ID) ([]*fulfillment.FulfillmentOrder, error) {
	if !holdable(string(orderID)) {
		return []*fulfillment.FulfillmentOrder{}, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT doc FROM fulfillment_orders WHERE order_id = $1 ORDER BY created_at, created_ns, id`, string(orderID))
	if err != nil {
		return nil, wrap("fulfillment orders", err)
	}
	out, err := collectDocs[*fulfillment.FulfillmentOrder](rows)
	if out == nil && err == nil {
		out = []*fulfillment.FulfillmentOrder{}
	}
	return out, err
}

// Shipments implements fulfillment.Store (index shipments_order).
func (s *FulfillmentStore) Shipments(ctx context.Context, orderID oms.ID) ([]*fulfillment.Shipment, error) {
	if !holdable(string(orderID)) {
		return []*fulfillment.Shipment{}, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT doc FROM shipments WHERE order_id = $1 ORDER BY created_at, created_ns, id`, string(orderID))
	if err != nil {
		return nil, wrap("shipments", err)
	}
	out, err := collectDocs[*fulfillment.Shipment](rows)
	if out == nil && err == nil {
		out = []*fulfillment.Shipment{}
	}
	return out, err
}

// ShipmentByTracking implements fulfillment.Store.
func (s *FulfillmentStore) ShipmentByTracking(ctx context.Context, carrier, number string) (*fulfillment.Shipment, error) {
	var b []byte
	err := pgx.ErrNoRows
	if key := tracking.NewKey(carrier, number).String(); holdable(key) {
		err = s.db.pool.QueryRow(ctx, `SELECT s.doc FROM shipment_tracking t JOIN shipments s ON s.id = t.shipment_id WHERE t.key = $1`,
			key).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, oms.NotFoundError("shipment with tracking number", carrier+" "+number)
	}
	if err != nil {
		return nil, wrap("shipment by tracking", err)
	}
	sh := new(fulfillment.Shipment)
	return sh, decode(b, sh)
}

// Orphans implements fulfillment.Store.
func (s *FulfillmentStore) Orphans(ctx context.Context) ([]fulfillment.Orphan, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT doc FROM fulfillment_orphans ORDER BY seq`)
	if err != nil {
		return nil, wrap("orphans", err)
	}
	return collectDocs[fulfillment.Orphan](rows)
}
