package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// InventoryStore is inventory.Store over PostgreSQL. Reserve is one
// statement in the common case (see reserveFast); every other write is one
// transaction that locks the levels it touches in a fixed order (SKU, then
// location), then the SKU counters, applies conditional updates and
// appends its ledger entries and events before it commits.
type InventoryStore struct {
	db *DB
	// fast enables the one-statement reservation; tests turn it off to
	// run the suite over the transaction path alone.
	fast bool
}

var _ inventory.Store = (*InventoryStore)(nil)

// Inventory returns the inventory store.
func (db *DB) Inventory() *InventoryStore {
	return &InventoryStore{db: db, fast: !db.opts.ReserveInTransaction}
}

// querier is what reads need: the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// locationDoc is a location as stored (an empty Channels kept apart from
// nil).
type locationDoc struct {
	inventory.Location
	EmptyChannels bool `json:"pgstore_empty_channels,omitempty"`
}

func (d locationDoc) location() inventory.Location {
	l := d.Location
	if d.EmptyChannels {
		l.Channels = []inventory.Channel{}
	}
	return l
}

// PutLocation implements inventory.Store.
func (s *InventoryStore) PutLocation(ctx context.Context, l inventory.Location) error {
	if err := l.Validate(); err != nil {
		return err
	}
	d, err := doc(locationDoc{Location: l, EmptyChannels: l.Channels != nil && len(l.Channels) == 0})
	if err != nil {
		return err
	}
	_, err = s.db.pool.Exec(ctx, `INSERT INTO inv_locations (id, priority, active, seq, doc)
		VALUES ($1, $2, $3, nextval('inv_change_seq'), $4)
		ON CONFLICT (id) DO UPDATE SET priority = excluded.priority, active = excluded.active,
			seq = excluded.seq, doc = excluded.doc`, string(l.ID), l.Priority, l.Active, d)
	return wrap("put location", err)
}

// Location implements inventory.Store.
func (s *InventoryStore) Location(ctx context.Context, id oms.ID) (inventory.Location, error) {
	var b []byte
	err := pgx.ErrNoRows
	if holdable(string(id)) {
		err = s.db.pool.QueryRow(ctx, `SELECT doc FROM inv_locations WHERE id = $1`, string(id)).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return inventory.Location{}, oms.NotFoundError("location", id)
	}
	if err != nil {
		return inventory.Location{}, wrap("location", err)
	}
	var d locationDoc
	if err := decode(b, &d); err != nil {
		return inventory.Location{}, err
	}
	return d.location(), nil
}

// Locations implements inventory.Store.
func (s *InventoryStore) Locations(ctx context.Context) ([]inventory.Location, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT doc FROM inv_locations ORDER BY priority, id`)
	if err != nil {
		return nil, wrap("locations", err)
	}
	ds, err := collectDocs[locationDoc](rows)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Location, len(ds))
	for i, d := range ds {
		out[i] = d.location()
	}
	return out, nil
}

// collectDocs decodes a one-column result of JSONB documents.
func collectDocs[T any](rows pgx.Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, wrap("scan", err)
		}
		var v T
		if err := decode(b, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, wrap("rows", rows.Err())
}

// normalItem returns it as the store keeps it: an empty backorder mode is
// deny.
func normalItem(it inventory.Item) inventory.Item {
	if it.Backorder.Mode == "" {
		it.Backorder.Mode = inventory.BackorderDeny
	}
	return it
}

// itemDoc is an item as stored: JSON drops empty maps, so flags keep an
// empty map apart from nil (an empty LocationLimits lets no location take
// preorders; nil lets every one).
type itemDoc struct {
	inventory.Item
	EmptyLocationLimits bool `json:"pgstore_empty_location_limits,omitempty"`
	EmptyChannelBuffers bool `json:"pgstore_empty_channel_buffers,omitempty"`
}

func (d itemDoc) item() inventory.Item {
	it := d.Item
	if d.EmptyLocationLimits {
		it.Backorder.LocationLimits = map[oms.ID]int64{}
	}
	if d.EmptyChannelBuffers {
		it.ChannelBuffers = map[inventory.Channel]int64{}
	}
	return it
}

func decodeItem(b []byte) (inventory.Item, error) {
	var d itemDoc
	if err := decode(b, &d); err != nil {
		return inventory.Item{}, err
	}
	return d.item(), nil
}

// PutItem implements inventory.Store. The SKU's backorder counter stays as
// it is: it counts the levels' backorders whatever the policy.
func (s *InventoryStore) PutItem(ctx context.Context, it inventory.Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	it = normalItem(it)
	d, err := doc(itemDoc{Item: it,
		EmptyLocationLimits: it.Backorder.LocationLimits != nil && len(it.Backorder.LocationLimits) == 0,
		EmptyChannelBuffers: it.ChannelBuffers != nil && len(it.ChannelBuffers) == 0})
	if err != nil {
		return err
	}
	var limits any
	if it.Backorder.LocationLimits != nil {
		if limits, err = doc(it.Backorder.LocationLimits); err != nil {
			return err
		}
	}
	_, err = s.db.pool.Exec(ctx, `INSERT INTO inv_items (sku, tracked, mode, lim, location_limits, seq, doc)
		VALUES ($1, $2, $3, $4, $5, nextval('inv_change_seq'), $6)
		ON CONFLICT (sku) DO UPDATE SET tracked = excluded.tracked, mode = excluded.mode, lim = excluded.lim,
			location_limits = excluded.location_limits, seq = excluded.seq, doc = excluded.doc`,
		string(it.SKU), it.Tracked, string(it.Backorder.Mode), it.Backorder.Limit, limits, d)
	return wrap("put item", err)
}

// Item implements inventory.Store.
func (s *InventoryStore) Item(ctx context.Context, sku oms.SKU) (inventory.Item, error) {
	var b []byte
	err := pgx.ErrNoRows
	if holdable(string(sku)) {
		err = s.db.pool.QueryRow(ctx, `SELECT doc FROM inv_items WHERE sku = $1`, string(sku)).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return inventory.Item{}, oms.NotFoundError("sku", sku)
	}
	if err != nil {
		return inventory.Item{}, wrap("item", err)
	}
	return decodeItem(b)
}

const levelColumns = `sku, location, on_hand, reserved, incoming, damaged, seq`

func scanLevel(row pgx.Row) (inventory.Level, error) {
	var (
		l        inventory.Level
		sku, loc string
	)
	err := row.Scan(&sku, &loc, &l.OnHand, &l.Reserved, &l.Incoming, &l.Damaged, &l.Seq)
	l.SKU, l.Location = oms.SKU(sku), oms.ID(loc)
	return l, err
}

func collectLevels(rows pgx.Rows) ([]inventory.Level, error) {
	defer rows.Close()
	var out []inventory.Level
	for rows.Next() {
		l, err := scanLevel(rows)
		if err != nil {
			return nil, wrap("scan level", err)
		}
		out = append(out, l)
	}
	return out, wrap("levels", rows.Err())
}

// Level implements inventory.Store.
func (s *InventoryStore) Level(ctx context.Context, sku oms.SKU, loc oms.ID) (inventory.Level, error) {
	switch {
	case !holdable(string(sku)):
		return inventory.Level{}, oms.NotFoundError("sku", sku)
	case !holdable(string(loc)):
		if _, err := s.Item(ctx, sku); err != nil {
			return inventory.Level{}, err
		}
		return inventory.Level{}, oms.NotFoundError("location", loc)
	}
	l, err := scanLevel(s.db.pool.QueryRow(ctx, `SELECT `+levelColumns+` FROM inv_levels
		WHERE sku = $1 AND location = $2`, string(sku), string(loc)))
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return inventory.Level{}, wrap("level", err)
	}
	var hasSKU, hasLoc bool
	if err := s.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inv_items WHERE sku = $1),
		EXISTS (SELECT 1 FROM inv_locations WHERE id = $2)`, string(sku), string(loc)).Scan(&hasSKU, &hasLoc); err != nil {
		return inventory.Level{}, wrap("level", err)
	}
	switch {
	case !hasSKU:
		return inventory.Level{}, oms.NotFoundError("sku", sku)
	case !hasLoc:
		return inventory.Level{}, oms.NotFoundError("location", loc)
	}
	return inventory.Level{SKU: sku, Location: loc}, nil
}

// Levels implements inventory.Store.
func (s *InventoryStore) Levels(ctx context.Context, sku oms.SKU) ([]inventory.Level, error) {
	var (
		rows pgx.Rows
		err  error
	)
	switch {
	case !holdable(string(sku)):
		return nil, nil
	case sku == "":
		rows, err = s.db.pool.Query(ctx, `SELECT `+levelColumns+` FROM inv_levels WHERE seq > 0 ORDER BY sku, location`)
	default:
		rows, err = s.db.pool.Query(ctx, `SELECT `+levelColumns+` FROM inv_levels WHERE sku = $1 AND seq > 0 ORDER BY location`, string(sku))
	}
	if err != nil {
		return nil, wrap("levels", err)
	}
	return collectLevels(rows)
}

// Reservation implements inventory.Store.
func (s *InventoryStore) Reservation(ctx context.Context, id oms.ID) (inventory.Reservation, error) {
	r, ok, err := loadReservation(ctx, s.db.pool, id)
	if err != nil {
		return inventory.Reservation{}, err
	}
	if !ok {
		return inventory.Reservation{}, oms.NotFoundError("reservation", id)
	}
	return r, nil
}

func loadReservation(ctx context.Context, q querier, id oms.ID) (inventory.Reservation, bool, error) {
	if !holdable(string(id)) {
		return inventory.Reservation{}, false, nil
	}
	var b []byte
	err := q.QueryRow(ctx, `SELECT doc FROM inv_reservations WHERE id = $1`, string(id)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return inventory.Reservation{}, false, nil
	}
	if err != nil {
		return inventory.Reservation{}, false, wrap("reservation", err)
	}
	var r inventory.Reservation
	return r, true, decode(b, &r)
}

// Reservations implements inventory.Store.
func (s *InventoryStore) Reservations(ctx context.Context, f inventory.ReservationFilter) ([]inventory.Reservation, error) {
	if !holdable(f.Reference) {
		return nil, nil
	}
	q := `SELECT doc FROM inv_reservations WHERE ($1 = '' OR reference = $1)`
	if f.OpenOnly {
		q += ` AND status IN ('active', 'partially_committed')`
	}
	rows, err := s.db.pool.Query(ctx, q+` ORDER BY id`, f.Reference)
	if err != nil {
		return nil, wrap("reservations", err)
	}
	return collectDocs[inventory.Reservation](rows)
}

// Expired implements inventory.Store.
func (s *InventoryStore) Expired(ctx context.Context, now time.Time, limit int) ([]oms.ID, error) {
	if limit <= 0 {
		return nil, oms.Validationf("expired", "limit", "must be positive, got %d", limit)
	}
	by := timeBound(now)
	rows, err := s.db.pool.Query(ctx, `SELECT id FROM inv_reservations
		WHERE status = 'active' AND expires_at IS NOT NULL AND (expires_at, expires_ns) <= ($1, $2)
		ORDER BY expires_at, expires_ns, id LIMIT $3`, by, nsPart(by), limit)
	if err != nil {
		return nil, wrap("expired", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("expired", err)
	}
	out := make([]oms.ID, len(ids))
	for i, id := range ids {
		out[i] = oms.ID(id)
	}
	return out, nil
}

// Inbound implements inventory.Store.
func (s *InventoryStore) Inbound(ctx context.Context, id oms.ID) (inventory.Inbound, error) {
	var b []byte
	err := pgx.ErrNoRows
	if holdable(string(id)) {
		err = s.db.pool.QueryRow(ctx, `SELECT doc FROM inv_inbounds WHERE id = $1`, string(id)).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return inventory.Inbound{}, oms.NotFoundError("inbound", id)
	}
	if err != nil {
		return inventory.Inbound{}, wrap("inbound", err)
	}
	var in inventory.Inbound
	return in, decode(b, &in)
}

// Inbounds implements inventory.Store.
func (s *InventoryStore) Inbounds(ctx context.Context, f inventory.InboundFilter) ([]inventory.Inbound, error) {
	if !holdable(string(f.SKU), string(f.Location)) {
		return nil, nil
	}
	q := `SELECT doc FROM inv_inbounds WHERE ($1 = '' OR sku = $1) AND ($2 = '' OR location = $2)`
	if f.OpenOnly {
		q += ` AND open`
	}
	rows, err := s.db.pool.Query(ctx, q+` ORDER BY expected_at, expected_ns, id`, string(f.SKU), string(f.Location))
	if err != nil {
		return nil, wrap("inbounds", err)
	}
	return collectDocs[inventory.Inbound](rows)
}

// Ledger implements inventory.Store.
func (s *InventoryStore) Ledger(ctx context.Context, f inventory.LedgerFilter) ([]inventory.LedgerEntry, error) {
	limit := any(nil)
	if f.Limit > 0 {
		limit = f.Limit
	}
	for _, t := range []string{string(f.SKU), string(f.Location), f.Key} {
		if !utf8.ValidString(t) || strings.IndexByte(t, 0) >= 0 {
			return nil, nil // text PostgreSQL cannot hold matches no stored entry
		}
	}
	var rows pgx.Rows
	var err error
	if f.Key != "" {
		// By key (inv_ledger_key): the few entries of one command.
		rows, err = s.db.pool.Query(ctx, `SELECT seq, doc FROM inv_ledger
			WHERE doc->>'key' = $5 AND ($1 = '' OR sku = $1) AND ($2 = '' OR location = $2) AND seq > $3
			ORDER BY seq LIMIT $4`, string(f.SKU), string(f.Location), f.AfterSeq, limit, f.Key)
	} else {
		// Only settled entries: a page never ends past a number that may
		// still commit, so paging on from its last entry skips nothing.
		last, ok, serr := s.db.settled(ctx, "inv_ledger_seq_seq", "inv_ledger")
		if serr != nil {
			return nil, wrap("ledger", serr)
		}
		if !ok {
			return nil, fmt.Errorf("pgstore: ledger: a transaction writing ledger entries is still open after %v; entries up to %d may still commit: %w",
				s.db.inFlightWait(), last, oms.ErrConflict)
		}
		rows, err = s.db.pool.Query(ctx, `SELECT seq, doc FROM inv_ledger
			WHERE ($1 = '' OR sku = $1) AND ($2 = '' OR location = $2) AND seq > $3 AND seq <= $5
			ORDER BY seq LIMIT $4`, string(f.SKU), string(f.Location), f.AfterSeq, limit, last)
	}
	if err != nil {
		return nil, wrap("ledger", err)
	}
	return collectEntries(rows)
}

func collectEntries(rows pgx.Rows) ([]inventory.LedgerEntry, error) {
	defer rows.Close()
	var out []inventory.LedgerEntry
	for rows.Next() {
		var (
			seq int64
			b   []byte
			e   inventory.LedgerEntry
		)
		if err := rows.Scan(&seq, &b); err != nil {
			return nil, wrap("scan ledger", err)
		}
		if err := decode(b, &e); err != nil {
			return nil, err
		}
		e.Seq = seq
		out = append(out, e)
	}
	return out, wrap("ledger", rows.Err())
}

// Snapshot implements inventory.Store: one REPEATABLE READ transaction.
func (s *InventoryStore) Snapshot(ctx context.Context) (inventory.Snapshot, error) {
	var snap inventory.Snapshot
	err := s.db.readTx(ctx, func(tx pgx.Tx) error {
		snap = inventory.Snapshot{}
		rows, err := tx.Query(ctx, `SELECT `+levelColumns+` FROM inv_levels WHERE seq > 0 ORDER BY sku, location`)
		if err != nil {
			return err
		}
		if snap.Levels, err = collectLevels(rows); err != nil {
			return err
		}
		if rows, err = tx.Query(ctx, `SELECT seq, doc FROM inv_ledger ORDER BY seq`); err != nil {
			return err
		}
		if snap.Entries, err = collectEntries(rows); err != nil {
			return err
		}
		if rows, err = tx.Query(ctx, `SELECT doc FROM inv_reservations
			WHERE status IN ('active', 'partially_committed') ORDER BY id`); err != nil {
			return err
		}
		if snap.Reservations, err = collectDocs[inventory.Reservation](rows); err != nil {
			return err
		}
		if rows, err = tx.Query(ctx, `SELECT doc FROM inv_inbounds WHERE open ORDER BY expected_at, expected_ns, id`); err != nil {
			return err
		}
		snap.Inbounds, err = collectDocs[inventory.Inbound](rows)
		return err
	})
	if err != nil {
		return inventory.Snapshot{}, wrap("snapshot", err)
	}
	if snap.Levels == nil {
		snap.Levels = []inventory.Level{}
	}
	return snap, nil
}

// ChangedSKUs implements inventory.Store: the SKUs whose item or levels
// changed after after, those with levels at a location that changed, and,
// when any location changed, every preorder SKU (it may take preorders at
// a location where it has no level). next is the last change number
// handed out once every transaction that may still commit one up to it
// has ended (see settled); it stays at after while a writer of the levels,
// items or locations is still in flight past Options.InFlightWait, so a
// change that commits late is reported by a later call, never skipped.
// SKUs changed beyond next may be reported again by the next call.
func (s *InventoryStore) ChangedSKUs(ctx context.Context, after int64) ([]oms.SKU, int64, error) {
	last, ok, err := s.db.settled(ctx, "inv_change_seq", "inv_levels", "inv_items", "inv_locations")
	if err != nil {
		return nil, 0, wrap("changed skus", err)
	}
	next := after
	if ok {
		next = max(after, last)
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT sku, seq FROM inv_items WHERE seq > $1
		UNION ALL
		SELECT sku, seq FROM inv_levels WHERE seq > $1
		UNION ALL
		SELECT l.sku, c.seq FROM inv_locations c JOIN inv_levels l ON l.location = c.id AND l.seq > 0
			WHERE c.seq > $1
		UNION ALL
		SELECT sku, seq FROM inv_items
			WHERE mode = 'preorder' AND EXISTS (SELECT 1 FROM inv_locations WHERE seq > $1)`, after)
	if err != nil {
		return nil, 0, wrap("changed skus", err)
	}
	defer rows.Close()
	set := map[oms.SKU]bool{}
	for rows.Next() {
		var (
			sku string
			seq int64
		)
		if err := rows.Scan(&sku, &seq); err != nil {
			return nil, 0, wrap("changed skus", err)
		}
		set[oms.SKU(sku)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap("changed skus", err)
	}
	out := make([]oms.SKU, 0, len(set))
	for sku := range set {
		out = append(out, sku)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, next, nil
}

// SyncState implements inventory.Store.
func (s *InventoryStore) SyncState(ctx context.Context, skus []oms.SKU) (int64, []inventory.SyncMark, error) {
	var (
		cursor int64
		marks  []inventory.SyncMark
	)
	err := s.db.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT cursor FROM inv_sync`).Scan(&cursor); err != nil {
			return err
		}
		if len(skus) == 0 {
			marks = nil
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT doc FROM inv_sync_marks WHERE sku = ANY($1) ORDER BY sku, channel`, skuStrings(skus))
		if err != nil {
			return err
		}
		marks, err = collectDocs[inventory.SyncMark](rows)
		return err
	})
	if err != nil {
		return 0, nil, wrap("sync state", err)
	}
	return cursor, marks, nil
}

func skuStrings(skus []oms.SKU) []string {
	out := make([]string, 0, len(skus))
	for _, s := range skus {
		if holdable(string(s)) { // no stored SKU is text PostgreSQL cannot hold
			out = append(out, string(s))
		}
	}
	return out
}

// SaveSync implements inventory.Store.
func (s *InventoryStore) SaveSync(ctx context.Context, cursor, next int64, marks []inventory.SyncMark, events []oms.Event) error {
	// One row per SKU and channel, the later mark winning as in the memory
	// store (an upsert may not touch a row twice).
	type markKey struct {
		sku oms.SKU
		ch  inventory.Channel
	}
	at := make(map[markKey]int, len(marks))
	docs := make([]string, 0, len(marks))
	skus := make([]string, 0, len(marks))
	chans := make([]string, 0, len(marks))
	for _, m := range marks {
		d, err := doc(m)
		if err != nil {
			return err
		}
		if i, ok := at[markKey{m.SKU, m.Channel}]; ok {
			docs[i] = d
			continue
		}
		at[markKey{m.SKU, m.Channel}] = len(docs)
		docs, skus, chans = append(docs, d), append(skus, string(m.SKU)), append(chans, string(m.Channel))
	}
	return s.db.tx(ctx, func(tx pgx.Tx) error {
		var old int64
		if err := tx.QueryRow(ctx, `SELECT cursor FROM inv_sync FOR UPDATE`).Scan(&old); err != nil {
			return wrap("save sync", err)
		}
		if old != cursor {
			return oms.ConflictError("sync cursor", "inventory", cursor, old)
		}
		if _, err := tx.Exec(ctx, `UPDATE inv_sync SET cursor = $1`, next); err != nil {
			return wrap("save sync", err)
		}
		if len(marks) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO inv_sync_marks (sku, channel, doc)
				SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
				ON CONFLICT (sku, channel) DO UPDATE SET doc = excluded.doc`, skus, chans, docs); err != nil {
				return wrap("save sync", err)
			}
		}
		return appendEvents(ctx, tx, events...)
	})
}

// levelKey names one level.
type levelKey struct {
	sku oms.SKU
	loc oms.ID
}

func sortKeys(ks []levelKey) {
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].sku != ks[j].sku {
			return ks[i].sku < ks[j].sku
		}
		return ks[i].loc < ks[j].loc
	})
}

// itemRec is an item with its counter, as a write locked it.
type itemRec struct {
	item        inventory.Item
	backordered int64 // the counter, read as at most 2^62 (migration 0016)
	pending     int64 // the rise of backordered the write causes so far
}

func (it *itemRec) unlimited() bool { return it.item.Backorder.Mode == inventory.BackorderAllow }
func (it *itemRec) preorder() bool  { return it.item.Backorder.Mode == inventory.BackorderPreorder }

func (it *itemRec) capAt(loc oms.ID) int64 {
	if !it.preorder() {
		return 0
	}
	c, _ := it.item.Backorder.Allowance(loc)
	return c
}

func (it *itemRec) skuRoom() int64 {
	if !it.preorder() {
		return math.MaxInt64
	}
	return it.item.Backorder.Limit - it.backordered - it.pending
}

func backorders(onHand, reserved int64) int64 { return max(reserved-onHand, 0) }

// loadPairs reads the items and locations of keys (no locks): the
// existence, tracking and activity checks, in one round trip.
func loadPairs(ctx context.Context, q querier, keys []levelKey) (map[oms.SKU]*itemRec, map[oms.ID]bool, error) {
	var skus, locs []string
	for _, k := range keys {
		skus = append(skus, string(k.sku))
		locs = append(locs, string(k.loc))
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT sku, least(backordered, 4611686018427387904)::bigint, doc FROM inv_items WHERE sku = ANY($1)`, skus)
	b.Queue(`SELECT id, active FROM inv_locations WHERE id = ANY($1)`, locs)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	items := map[oms.SKU]*itemRec{}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, wrap("items", err)
	}
	for rows.Next() {
		var (
			sku string
			rec itemRec
			b   []byte
		)
		if err := rows.Scan(&sku, &rec.backordered, &b); err != nil {
			rows.Close()
			return nil, nil, wrap("items", err)
		}
		if rec.item, err = decodeItem(b); err != nil {
			rows.Close()
			return nil, nil, err
		}
		items[oms.SKU(sku)] = &rec
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, wrap("items", err)
	}
	active := map[oms.ID]bool{}
	rows, err = br.Query()
	if err != nil {
		return nil, nil, wrap("locations", err)
	}
	for rows.Next() {
		var (
			id string
			a  bool
		)
		if err := rows.Scan(&id, &a); err != nil {
			rows.Close()
			return nil, nil, wrap("locations", err)
		}
		active[oms.ID(id)] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, wrap("locations", err)
	}
	return items, active, wrap("pairs", br.Close())
}

// errMissingLevels says a level row to lock does not exist yet: the write
// inserts the rows (outside its transaction) and runs again.
var errMissingLevels = errors.New("pgstore: level rows missing")

// ensureLevels inserts the level rows of keys that do not exist, with
// seq 0 ("nothing moved yet"), in a statement of their own: inserting them
// inside a write would lock new rows before older ones and break the lock
// order.
func (s *InventoryStore) ensureLevels(ctx context.Context, keys []levelKey) error {
	skus, locs := splitKeys(keys)
	_, err := s.db.pool.Exec(ctx, `INSERT INTO inv_levels (sku, location)
		SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING`, skus, locs)
	return wrap("insert levels", err)
}

func splitKeys(keys []levelKey) ([]string, []string) {
	skus, locs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		skus[i], locs[i] = string(k.sku), string(k.loc)
	}
	return skus, locs
}

// lockLevels locks the levels of keys (sorted, distinct) in that order and
// returns them; errMissingLevels when one has no row yet.
func lockLevels(ctx context.Context, tx pgx.Tx, keys []levelKey) (map[levelKey]*inventory.Level, error) {
	skus, locs := splitKeys(keys)
	rows, err := tx.Query(ctx, `SELECT `+levelColumns+` FROM inv_levels
		WHERE (sku, location) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		ORDER BY sku, location FOR UPDATE`, skus, locs)
	if err != nil {
		return nil, wrap("lock levels", err)
	}
	ls, err := collectLevels(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[levelKey]*inventory.Level, len(ls))
	for i := range ls {
		out[levelKey{ls[i].SKU, ls[i].Location}] = &ls[i]
	}
	if len(out) != len(keys) {
		return nil, errMissingLevels
	}
	return out, nil
}

// counterSKUs returns the SKUs of keys (sorted) whose counters a write
// locks after the levels: every preorder SKU's, whose limit is checked
// against it, and every SKU's that the write raises (by rises, each SKU's
// rise of backorders), which stays within maxBackorders.
func counterSKUs(keys []levelKey, items map[oms.SKU]*itemRec, rises map[oms.SKU]int64) []string {
	var out []string
	for _, k := range keys {
		if len(out) > 0 && out[len(out)-1] == string(k.sku) {
			continue
		}
		if items[k.sku].preorder() || rises[k.sku] > 0 {
			out = append(out, string(k.sku))
		}
	}
	return out
}

// satAdd adds two quantities, saturating at the int64 range: a sum over
// many levels is compared against a bound, never wrapped.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// lockCounters locks the item rows of skus (sorted, distinct) after the
// levels and refreshes their counters.
func lockCounters(ctx context.Context, tx pgx.Tx, items map[oms.SKU]*itemRec, skus []string) error {
	if len(skus) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT sku, least(backordered, 4611686018427387904)::bigint FROM inv_items WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`, skus)
	if err != nil {
		return wrap("lock items", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			sku string
			n   int64
		)
		if err := rows.Scan(&sku, &n); err != nil {
			return wrap("lock items", err)
		}
		items[oms.SKU(sku)].backordered = n
	}
	return wrap("lock items", rows.Err())
}

// levelWrite is the change of one level a write applies.
type levelWrite struct {
	key                                 levelKey
	onHand, reserved, incoming, damaged int64
	// capacity bounds the level's backorders after the write; -1: none.
	capacity int64
}

// checkedStmt is one statement of a write and the rows it must touch.
type checkedStmt struct {
	what, sql string
	args      []any
	want      int   // rows it must touch; -1: any
	mismatch  error // returned when it touches another number; nil: a broken-lock error
}

// runStmts sends stmts in one round trip (a pipeline) and checks each
// one's row count in order.
func runStmts(ctx context.Context, tx pgx.Tx, stmts []checkedStmt) error {
	if len(stmts) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, st := range stmts {
		b.Queue(st.sql, st.args...)
	}
	br := tx.SendBatch(ctx, b)
	var first error
	for _, st := range stmts {
		tag, err := br.Exec()
		switch {
		case first != nil:
		case err != nil:
			first = wrap(st.what, err)
		case st.want >= 0 && int(tag.RowsAffected()) != st.want:
			first = st.mismatch
			if first == nil {
				first = fmt.Errorf("pgstore: %s: %d of %d rows changed under their locks", st.what, tag.RowsAffected(), st.want)
			}
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = wrap("batch", err)
	}
	return first
}

// levelStmts returns the level changes (sorted by key) as one conditional
// UPDATE, and the SKU counters' rises as another; any row the conditions
// refuse fails the write (the caller checked them under the locks, so that
// would mean a broken lock order).
func levelStmts(ws []levelWrite, items map[oms.SKU]*itemRec, rises map[oms.SKU]int64) []checkedStmt {
	n := len(ws)
	skus, locs := make([]string, n), make([]string, n)
	on, res, inc, dmg, caps := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, w := range ws {
		skus[i], locs[i] = string(w.key.sku), string(w.key.loc)
		on[i], res[i], inc[i], dmg[i], caps[i] = w.onHand, w.reserved, w.incoming, w.damaged, w.capacity
	}
	out := []checkedStmt{{what: "update levels", want: n, args: []any{skus, locs, on, res, inc, dmg, caps},
		sql: `UPDATE inv_levels l SET on_hand = l.on_hand + u.on_hand, reserved = l.reserved + u.reserved,
			incoming = l.incoming + u.incoming, damaged = l.damaged + u.damaged, seq = nextval('inv_change_seq')
		FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
			AS u(sku, location, on_hand, reserved, incoming, damaged, cap) ORDER BY sku, location) u
		WHERE l.sku = u.sku AND l.location = u.location
		  AND l.on_hand + u.on_hand >= 0 AND l.reserved + u.reserved >= 0
		  AND l.incoming + u.incoming >= 0 AND l.damaged + u.damaged >= 0
		  AND (u.cap < 0 OR greatest(l.reserved + u.reserved - l.on_hand - u.on_hand, 0) <= u.cap)`}}
	var rs []string
	var deltas, limits []int64
	for sku, d := range rises {
		if d == 0 {
			continue
		}
		lim := int64(-1)
		if it := items[sku]; it.preorder() && d > 0 {
			lim = it.item.Backorder.Limit
		}
		rs, deltas, limits = append(rs, string(sku)), append(deltas, d), append(limits, lim)
	}
	if len(rs) > 0 {
		out = append(out, checkedStmt{what: "update counters", want: len(rs), args: []any{rs, deltas, limits},
			sql: `UPDATE inv_items i SET backordered = i.backordered + u.d
		FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(sku, d, lim)
		WHERE i.sku = u.sku AND (u.lim < 0 OR i.backordered + u.d <= u.lim)
		  AND (u.d < 0 OR i.backordered + u.d <= 4611686018427387904)`})
	}
	return out
}

// writeLevels applies levelStmts in one round trip.
func writeLevels(ctx context.Context, tx pgx.Tx, ws []levelWrite, items map[oms.SKU]*itemRec, rises map[oms.SKU]int64) error {
	return runStmts(ctx, tx, levelStmts(ws, items, rises))
}

// checkReserveShape refuses what the store cannot apply safely: no lines,
// non-positive or huge quantities, the same line twice.
func checkReserveShape(r *inventory.Reservation) error {
	v := &oms.ValidationError{Entity: "reservation"}
	if r.ID == "" {
		v.Add("id", "must not be empty")
	}
	if len(r.Lines) == 0 {
		v.Add("lines", "must not be empty")
	}
	// Earlier lines by SKU, location and ref: a map, so that a reservation
	// of many lines is checked in linear time.
	type lineKey struct {
		sku oms.SKU
		loc oms.ID
		ref string
	}
	earlier := make(map[lineKey][]int, len(r.Lines))
	for i, l := range r.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			v.Add(f+".quantity", "must be 1 to 2^50, got %d", l.Quantity)
		}
		k := lineKey{l.SKU, l.Location, l.Ref}
		for _, j := range earlier[k] {
			v.Add(f, "duplicates line %d (sku %q at location %q with ref %q)", j, l.SKU, l.Location, l.Ref)
		}
		earlier[k] = append(earlier[k], i)
	}
	return v.Err()
}

// sameRequest reports whether r was created from the same reference and
// lines (SKU, location, ref and quantity) as asked, in any order: the
// replay check of Reserve on every path, as in the memory store. The
// lines are compared as multisets.
func sameRequest(r inventory.Reservation, ref string, lines []inventory.ReservationLine) bool {
	if r.Reference != ref || len(r.Lines) != len(lines) {
		return false
	}
	type line struct {
		sku oms.SKU
		loc oms.ID
		ref string
		qty int64
	}
	count := make(map[line]int, len(lines))
	for _, o := range r.Lines {
		count[line{o.SKU, o.Location, o.Ref, o.Quantity}]++
	}
	for _, l := range lines {
		k := line{l.SKU, l.Location, l.Ref, l.Quantity}
		if count[k] == 0 {
			return false
		}
		count[k]--
	}
	return true
}

func duplicateReservation(id oms.ID) error {
	return fmt.Errorf("%w: reservation %s exists with a different reference or lines", oms.ErrDuplicate, id)
}

func inactiveLocation(id oms.ID) error {
	return fmt.Errorf("%w: location %s is inactive and sells nothing", oms.ErrUnavailable, id)
}

// maxLevelQuantity bounds every quantity of a level (2^62 units), as in
// the memory store: beyond it a write is refused instead of letting a sum
// over levels wrap. Constraint inv_levels_bound (migration 0013) holds it
// for the one-statement writes.
const maxLevelQuantity = 1 << 62

// levelTooLarge is the memory store's refusal of a level beyond
// maxLevelQuantity.
func levelTooLarge(op string, sku oms.SKU, loc oms.ID) error {
	return oms.Validationf(op, "quantity", "sku %s at %s would hold more than 2^62 units", sku, loc)
}

// maxBackorders bounds a SKU's backorders summed over its levels (its
// counter), as in the memory store: a write that would raise the counter
// past it is refused. The counter is numeric (migration 0016), so rows
// written before the bound may hold more; they read as maxBackorders and
// refuse any rise.
const maxBackorders = 1 << 62

// backordersTooLarge is the memory store's refusal of a SKU's backorders
// beyond maxBackorders.
func backordersTooLarge(op string, sku oms.SKU) error {
	return oms.Validationf(op, "quantity", "sku %s would have more than 2^62 units backordered across its locations", sku)
}

// overBound reports whether err is constraint inv_levels_bound's refusal.
func overBound(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" && pe.ConstraintName == "inv_levels_bound"
}

// errReplay says the reservation's ID was taken while the write ran.
var errReplay = errors.New("pgstore: reservation exists")

// replay answers a Reserve whose ID exists.
func replay(old, r inventory.Reservation) (inventory.Reservation, bool, error) {
	if sameRequest(old, r.Reference, r.Lines) {
		return old, false, nil
	}
	return inventory.Reservation{}, false, duplicateReservation(r.ID)
}

// Reserve implements inventory.Store: the one-statement write when every
// line's level exists and can give its quantity, else one transaction that
// locks the levels in order, checks every line and reports every short one.
func (s *InventoryStore) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if err := ctx.Err(); err != nil {
		return inventory.Reservation{}, false, err
	}
	if err := checkReserveShape(&r); err != nil {
		return inventory.Reservation{}, false, err
	}
	if err := checkEvents(ev); ev.ID != "" && err != nil {
		return inventory.Reservation{}, false, err
	}
	r = r.Clone()
	r.Status, r.Version = inventory.StatusActive, 1
	for i := range r.Lines {
		ln := &r.Lines[i]
		ln.Committed, ln.Released, ln.Untracked = 0, 0, false
	}
	if s.fast {
		out, done, err := s.reserveFast(ctx, r, ev)
		switch {
		case errors.Is(err, errReplay):
			// The ID exists, or a line's SKU is unknown or untracked.
			old, ok, err := loadReservation(ctx, s.db.pool, r.ID)
			if err != nil {
				return inventory.Reservation{}, false, err
			}
			if ok {
				return replay(old, r)
			}
		case done || err != nil:
			return out, done, err
		}
	}
	for attempt := 0; ; attempt++ {
		out, err := s.reserveTx(ctx, r, ev)
		switch {
		case errors.Is(err, errReplay):
			return s.replayRead(ctx, r)
		case errors.Is(err, errMissingLevels) && attempt < 3:
			if err := s.ensureLevels(ctx, trackedKeys(out)); err != nil {
				return inventory.Reservation{}, false, err
			}
			continue
		case err != nil:
			return inventory.Reservation{}, false, err
		}
		return out, true, nil
	}
}

func (s *InventoryStore) replayRead(ctx context.Context, r inventory.Reservation) (inventory.Reservation, bool, error) {
	old, ok, err := loadReservation(ctx, s.db.pool, r.ID)
	if err != nil {
		return inventory.Reservation{}, false, err
	}
	if !ok {
		return inventory.Reservation{}, false, fmt.Errorf("pgstore: reservation %s vanished", r.ID)
	}
	return replay(old, r)
}

// trackedKeys returns the distinct levels of r's tracked lines, sorted.
func trackedKeys(r inventory.Reservation) []levelKey {
	seen := map[levelKey]bool{}
	var keys []levelKey
	for _, ln := range r.Lines {
		k := levelKey{ln.SKU, ln.Location}
		if !ln.Untracked && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sortKeys(keys)
	return keys
}

// insertReservation saves r; errReplay when its ID exists.
func insertReservation(ctx context.Context, tx pgx.Tx, r inventory.Reservation) error {
	d, err := doc(r)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO inv_reservations (id, reference, status, version, expires_at, expires_ns, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		string(r.ID), r.Reference, string(r.Status), r.Version, nullTime(r.ExpiresAt), nsPart(r.ExpiresAt), d)
	if err != nil {
		return wrap("insert reservation", err)
	}
	if tag.RowsAffected() == 0 {
		return errReplay
	}
	return nil
}

// reserveTx is Reserve as one transaction with the levels locked. It
// returns r with its Untracked flags set (also with errMissingLevels, so
// the caller knows which rows to insert).
func (s *InventoryStore) reserveTx(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, error) {
	var out inventory.Reservation
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		out = r.Clone()
		if _, ok, err := loadReservation(ctx, tx, r.ID); err != nil {
			return err
		} else if ok {
			return errReplay
		}
		keys := make([]levelKey, len(out.Lines))
		for i, ln := range out.Lines {
			keys[i] = levelKey{ln.SKU, ln.Location}
		}
		items, active, err := loadPairs(ctx, tx, keys)
		if err != nil {
			return err
		}
		for i := range out.Lines {
			ln := &out.Lines[i]
			it := items[ln.SKU]
			if it == nil {
				return oms.NotFoundError("sku", ln.SKU)
			}
			act, ok := active[ln.Location]
			if !ok {
				return oms.NotFoundError("location", ln.Location)
			}
			if !act {
				return inactiveLocation(ln.Location)
			}
			ln.Untracked = !it.item.Tracked
		}
		tk := trackedKeys(out)
		var lvs map[levelKey]*inventory.Level
		if len(tk) > 0 {
			if lvs, err = lockLevels(ctx, tx, tk); err != nil {
				return err
			}
		}
		sums := map[levelKey]int64{}
		for _, ln := range out.Lines {
			if k := (levelKey{ln.SKU, ln.Location}); !ln.Untracked {
				if sums[k] += ln.Quantity; lvs[k].Reserved+sums[k] > maxLevelQuantity {
					return levelTooLarge("reserve", ln.SKU, ln.Location)
				}
			}
		}
		rises := map[oms.SKU]int64{}
		for _, k := range tk {
			lv := lvs[k]
			rises[k.sku] = satAdd(rises[k.sku], backorders(lv.OnHand, lv.Reserved+sums[k])-backorders(lv.OnHand, lv.Reserved))
		}
		if err := lockCounters(ctx, tx, items, counterSKUs(tk, items, rises)); err != nil {
			return err
		}
		short, added, err := checkLines(out, lvs, items)
		if err != nil {
			return err
		}
		if len(short) > 0 {
			return &inventory.ShortageError{Op: "reserve", ID: r.ID, Lines: short}
		}
		if len(tk) > 0 {
			ws := make([]levelWrite, len(tk))
			for i, k := range tk {
				ws[i] = levelWrite{key: k, reserved: added[k], capacity: -1}
				if it := items[k.sku]; !it.unlimited() {
					ws[i].capacity = it.capAt(k.loc)
				}
			}
			if err := writeLevels(ctx, tx, ws, items, rises); err != nil {
				return err
			}
		}
		if err := insertReservation(ctx, tx, out); err != nil {
			return err
		}
		if ev.ID != "" {
			return appendEvents(ctx, tx, ev)
		}
		return nil
	})
	return out, err
}

// checkLines checks every tracked line of r against the levels and SKU
// counters as the memory store does: in line order, lines on the same
// level adding up, each preorder SKU's rise within what remains of its
// limit, and every SKU's rise within maxBackorders (a line past it is a
// validation error, whatever came before). It returns the short lines and
// the units each level would take. The levels must hold the lines' sums
// within maxLevelQuantity.
func checkLines(r inventory.Reservation, lvs map[levelKey]*inventory.Level, items map[oms.SKU]*itemRec) ([]inventory.Shortage, map[levelKey]int64, error) {
	var short []inventory.Shortage
	var err error
	added := map[levelKey]int64{}
	for i, ln := range r.Lines {
		if ln.Untracked {
			continue
		}
		k := levelKey{ln.SKU, ln.Location}
		lv, it := lvs[k], items[ln.SKU]
		earlier := added[k]
		added[k] += ln.Quantity
		reserved := lv.Reserved + earlier
		before := backorders(lv.OnHand, reserved)
		after := backorders(lv.OnHand, reserved+ln.Quantity)
		if !it.unlimited() {
			capacity, room := it.capAt(ln.Location), it.skuRoom()
			// A line that raises no backorder needs no room: a limit
			// lowered below the backorders taken still lets stock sell.
			if after > capacity || (after > before && after-before > room) {
				short = append(short, inventory.Shortage{Line: i, SKU: ln.SKU, Location: ln.Location, Requested: ln.Quantity,
					Available: max(lv.OnHand-reserved, 0) + max(min(capacity-before, room), 0)})
				continue
			}
		}
		// backordered and pending stay within maxBackorders: no wrap.
		if after-before > maxBackorders-it.backordered-it.pending {
			err = backordersTooLarge("reserve", ln.SKU)
			break
		}
		it.pending += after - before
	}
	for _, it := range items {
		it.pending = 0
	}
	return short, added, err
}

// pendingLevel is one level's share of a Change.
type pendingLevel struct {
	key                                 levelKey
	onHand, reserved, incoming, damaged int64
	line                                int
}

// Apply implements inventory.Store: one transaction that checks the
// reservation's and inbound's versions with conditional updates, locks the
// levels in order, then the SKU counters, checks every condition, updates
// the levels and counters, and appends the ledger entries and events.
func (s *InventoryStore) Apply(ctx context.Context, c *inventory.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := inventory.ValidateChange(c); err != nil {
		return err
	}
	var ps []pendingLevel
	index := map[levelKey]int{}
	at := func(sku oms.SKU, loc oms.ID, line int) *pendingLevel {
		k := levelKey{sku, loc}
		if i, ok := index[k]; ok {
			return &ps[i]
		}
		index[k] = len(ps)
		ps = append(ps, pendingLevel{key: k, line: line})
		return &ps[len(ps)-1]
	}
	for i, d := range c.Deltas {
		at(d.SKU, d.Location, i).reserved += d.Reserved
	}
	for i, e := range c.Entries {
		p := at(e.SKU, e.Location, i)
		p.onHand += e.OnHand
		p.incoming += e.Incoming
		p.damaged += e.Damaged
	}
	keys := make([]levelKey, len(ps))
	for i, p := range ps {
		keys[i] = p.key
	}
	sortKeys(keys)
	var resDoc, inDoc string
	var err error
	if c.Reservation != nil {
		if resDoc, err = doc(c.Reservation); err != nil {
			return err
		}
	}
	if c.Inbound != nil {
		if inDoc, err = doc(c.Inbound); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		var seqs []int64
		err := s.db.tx(ctx, func(tx pgx.Tx) error {
			var err error
			seqs, err = s.applyTx(ctx, tx, c, ps, keys, resDoc, inDoc)
			return err
		})
		if errors.Is(err, errMissingLevels) && attempt < 3 {
			if err := s.ensureLevels(ctx, keys); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		for i := range c.Entries {
			c.Entries[i].Seq = seqs[i]
		}
		return nil
	}
}

func (s *InventoryStore) applyTx(ctx context.Context, tx pgx.Tx, c *inventory.Change, ps []pendingLevel, keys []levelKey, resDoc, inDoc string) ([]int64, error) {
	if c.MovementKey != "" {
		// A keyed movement is made once: the key's row goes in with the
		// change, or the key was used (a concurrent insert of it waits
		// for the other transaction, and finds it when that commits).
		tag, err := tx.Exec(ctx, `INSERT INTO inv_movement_keys (key) VALUES ($1) ON CONFLICT DO NOTHING`, c.MovementKey)
		if err != nil {
			return nil, wrap("apply", err)
		}
		if tag.RowsAffected() == 0 {
			return nil, fmt.Errorf("%w: %s: movement key %q was used before", oms.ErrDuplicate, cmp.Or(c.Op, "apply"), c.MovementKey)
		}
	}
	if r := c.Reservation; r != nil {
		tag, err := tx.Exec(ctx, `UPDATE inv_reservations SET reference = $3, status = $4, version = $5,
				expires_at = $6, expires_ns = $7, doc = $8
			WHERE id = $1 AND version = $2`, string(r.ID), r.Version-1, r.Reference, string(r.Status), r.Version,
			nullTime(r.ExpiresAt), nsPart(r.ExpiresAt), resDoc)
		if err != nil {
			return nil, wrap("update reservation", err)
		}
		if tag.RowsAffected() == 0 {
			var v int64
			err := tx.QueryRow(ctx, `SELECT version FROM inv_reservations WHERE id = $1`, string(r.ID)).Scan(&v)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil, oms.NotFoundError("reservation", r.ID)
			}
			if err != nil {
				return nil, wrap("reservation", err)
			}
			return nil, oms.ConflictError("reservation", r.ID, r.Version-1, v)
		}
	}
	if in := c.Inbound; in != nil {
		if in.Version == 1 {
			tag, err := tx.Exec(ctx, `INSERT INTO inv_inbounds (id, sku, location, open, expected_at, expected_ns, version, doc)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
				string(in.ID), string(in.SKU), string(in.Location), in.Status == inventory.InboundOpen,
				in.ExpectedAt, nsPart(in.ExpectedAt), in.Version, inDoc)
			if err != nil {
				return nil, wrap("insert inbound", err)
			}
			if tag.RowsAffected() == 0 {
				return nil, fmt.Errorf("%w: inbound %s exists", oms.ErrDuplicate, in.ID)
			}
		} else {
			tag, err := tx.Exec(ctx, `UPDATE inv_inbounds SET sku = $3, location = $4, open = $5, expected_at = $6,
					expected_ns = $7, version = $8, doc = $9
				WHERE id = $1 AND version = $2`, string(in.ID), in.Version-1, string(in.SKU), string(in.Location),
				in.Status == inventory.InboundOpen, in.ExpectedAt, nsPart(in.ExpectedAt), in.Version, inDoc)
			if err != nil {
				return nil, wrap("update inbound", err)
			}
			if tag.RowsAffected() == 0 {
				var v int64
				err := tx.QueryRow(ctx, `SELECT version FROM inv_inbounds WHERE id = $1`, string(in.ID)).Scan(&v)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil, oms.NotFoundError("inbound", in.ID)
				}
				if err != nil {
					return nil, wrap("inbound", err)
				}
				return nil, oms.ConflictError("inbound", in.ID, in.Version-1, v)
			}
		}
	}
	items := map[oms.SKU]*itemRec{}
	var lvs map[levelKey]*inventory.Level
	if len(ps) > 0 {
		var active map[oms.ID]bool
		var err error
		if items, active, err = loadPairs(ctx, tx, keys); err != nil {
			return nil, err
		}
		for _, p := range ps { // unknown SKU or location: in the memory store's order
			if items[p.key.sku] == nil {
				return nil, oms.NotFoundError("sku", p.key.sku)
			}
			if _, ok := active[p.key.loc]; !ok {
				return nil, oms.NotFoundError("location", p.key.loc)
			}
		}
		if lvs, err = lockLevels(ctx, tx, keys); err != nil {
			return nil, err
		}
	}
	for _, d := range c.Deltas {
		if lv := lvs[levelKey{d.SKU, d.Location}]; d.CheckSeq && lv.Seq != d.Seq {
			return nil, oms.ConflictError("level", string(d.SKU)+"@"+string(d.Location), d.Seq, lv.Seq)
		}
	}
	op := c.Op
	if op == "" {
		op = "apply"
	}
	var short *inventory.ShortageError
	addShort := func(sh inventory.Shortage) {
		if short == nil {
			short = &inventory.ShortageError{Op: op}
		}
		short.Lines = append(short.Lines, sh)
	}
	for _, p := range ps {
		lv, it := lvs[p.key], items[p.key.sku]
		onHand, reserved := lv.OnHand+p.onHand, lv.Reserved+p.reserved
		incoming, damaged := lv.Incoming+p.incoming, lv.Damaged+p.damaged
		if reserved < 0 {
			return nil, fmt.Errorf("%w: %s: sku %s at %s: reserved would go negative (%d)",
				oms.ErrConflict, op, p.key.sku, p.key.loc, reserved)
		}
		if max(onHand, reserved, incoming, damaged) > maxLevelQuantity {
			return nil, levelTooLarge(op, p.key.sku, p.key.loc)
		}
		var requested, avail int64
		before, after := backorders(lv.OnHand, lv.Reserved), backorders(onHand, reserved)
		it.pending = satAdd(it.pending, after-before)
		capacity := it.capAt(p.key.loc)
		switch lowers := p.onHand-p.reserved < 0 && !it.unlimited(); {
		case onHand < 0:
			requested, avail = -p.onHand, lv.OnHand
		case lowers && after > capacity:
			requested, avail = p.reserved-p.onHand, lv.OnHand-lv.Reserved+capacity
		case damaged < 0:
			requested, avail = -p.damaged, lv.Damaged
		case incoming < 0:
			requested, avail = -p.incoming, lv.Incoming
		default:
			continue
		}
		addShort(inventory.Shortage{Line: p.line, SKU: p.key.sku, Location: p.key.loc, Requested: requested, Available: max(avail, 0)})
	}
	// The SKU counters, locked after the levels: a change that raises one
	// keeps it within maxBackorders and, for a preorder, within the limit.
	rises := map[oms.SKU]int64{}
	for _, p := range ps {
		rises[p.key.sku] = items[p.key.sku].pending
	}
	if err := lockCounters(ctx, tx, items, counterSKUs(keys, items, rises)); err != nil {
		return nil, err
	}
	for _, p := range ps {
		if it := items[p.key.sku]; it.pending > 0 && satAdd(it.backordered, it.pending) > maxBackorders {
			return nil, backordersTooLarge(op, p.key.sku)
		}
	}
	for _, p := range ps { // the SKU-wide preorder counter
		it := items[p.key.sku]
		if !it.preorder() || it.pending == 0 {
			it.pending = 0
			continue
		}
		if it.pending > 0 && it.backordered+it.pending > it.item.Backorder.Limit {
			for _, q := range ps {
				if items[q.key.sku] == it && q.onHand-q.reserved < 0 {
					lv := lvs[q.key]
					addShort(inventory.Shortage{Line: q.line, SKU: q.key.sku, Location: q.key.loc,
						Requested: q.reserved - q.onHand, Available: max(lv.OnHand-lv.Reserved, 0) + max(it.item.Backorder.Limit-it.backordered, 0)})
				}
			}
		}
		it.pending = 0
	}
	if short != nil {
		if c.Reservation != nil {
			short.ID = c.Reservation.ID
		}
		return nil, short
	}
	if len(ps) > 0 {
		ws := make([]levelWrite, len(keys))
		rises := map[oms.SKU]int64{}
		for i, k := range keys {
			p, lv := ps[indexOf(ps, k)], lvs[k]
			ws[i] = levelWrite{key: k, onHand: p.onHand, reserved: p.reserved, incoming: p.incoming, damaged: p.damaged, capacity: -1}
			if it := items[k.sku]; !it.unlimited() && p.onHand-p.reserved < 0 {
				ws[i].capacity = it.capAt(k.loc)
			}
			rises[k.sku] += backorders(lv.OnHand+p.onHand, lv.Reserved+p.reserved) - backorders(lv.OnHand, lv.Reserved)
		}
		if err := writeLevels(ctx, tx, ws, items, rises); err != nil {
			return nil, err
		}
	}
	seqs := make([]int64, len(c.Entries))
	if len(c.Entries) > 0 {
		skus, locs, docs := make([]string, len(c.Entries)), make([]string, len(c.Entries)), make([]string, len(c.Entries))
		for i, e := range c.Entries {
			e.Seq = 0
			d, err := doc(e)
			if err != nil {
				return nil, err
			}
			skus[i], locs[i], docs[i] = string(e.SKU), string(e.Location), d
		}
		rows, err := tx.Query(ctx, `INSERT INTO inv_ledger (sku, location, doc)
			SELECT sku, location, doc FROM unnest($1::text[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS u(sku, location, doc, n)
			ORDER BY n RETURNING seq`, skus, locs, docs)
		if err != nil {
			return nil, wrap("insert ledger", err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, wrap("insert ledger", err)
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		copy(seqs, got)
	}
	if err := appendEvents(ctx, tx, c.Events...); err != nil {
		return nil, err
	}
	return seqs, nil
}

func indexOf(ps []pendingLevel, k levelKey) int {
	for i := range ps {
		if ps[i].key == k {
			return i
		}
	}
	return -1
}
