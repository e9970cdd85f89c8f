package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TrackingStore is tracking.Store over PostgreSQL. Save is one statement
// (the tracker's insert or optimistic update and its outbox events).
type TrackingStore struct{ db *DB }

var _ tracking.Store = (*TrackingStore)(nil)

// Tracking returns the tracking store.
func (db *DB) Tracking() *TrackingStore { return &TrackingStore{db: db} }

// Get implements tracking.Store.
func (s *TrackingStore) Get(ctx context.Context, key tracking.Key) (*tracking.Tracker, error) {
	var b []byte
	err := pgx.ErrNoRows
	if holdable(key.Carrier, key.TrackingNumber) {
		err = s.db.pool.QueryRow(ctx, `SELECT doc FROM trackers WHERE carrier = $1 AND tracking_number = $2`,
			key.Carrier, key.TrackingNumber).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, oms.NotFoundError("tracker", key.String())
	}
	if err != nil {
		return nil, wrap("get tracker", err)
	}
	t := new(tracking.Tracker)
	return t, decode(b, t)
}

var (
	insertTracker = fmt.Sprintf(`WITH w AS (
	INSERT INTO trackers (carrier, tracking_number, open, next_poll_at, next_poll_ns, version, doc)
	SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $6::bigint = 1
	ON CONFLICT DO NOTHING
	RETURNING 1
), ev AS (%s
	RETURNING 1
)
SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM ev)`, insertEventsSQL(8, "w"))
	updateTracker = fmt.Sprintf(`WITH w AS (
	UPDATE trackers SET open = $3, next_poll_at = $4, next_poll_ns = $5, version = $6, doc = $7
	WHERE carrier = $1 AND tracking_number = $2 AND version = $6::bigint - 1
	RETURNING 1
), ev AS (%s
	RETURNING 1
)
SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM ev)`, insertEventsSQL(8, "w"))
)

// Save implements tracking.Store: one statement, the insert (version 1)
// or the update WHERE version = t.Version-1, with the events inserted only
// when it wrote the row.
func (s *TrackingStore) Save(ctx context.Context, t *tracking.Tracker, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t == nil {
		return oms.Validationf("tracker", "", "is nil")
	}
	key := t.Key()
	if err := key.Validate(); err != nil {
		return err
	}
	if t.Version < 1 {
		return oms.Validationf("tracker", "version", "must be at least 1, got %d", t.Version)
	}
	d, err := doc(t)
	if err != nil {
		return err
	}
	if err := checkEvents(events...); err != nil {
		return err
	}
	args := append([]any{key.Carrier, key.TrackingNumber, !t.Status.Terminal(), nullTime(t.NextPollAt), nsPart(t.NextPollAt), t.Version, d},
		eventArrays(events)...)
	q := updateTracker
	if t.Version == 1 {
		q = insertTracker
	}
	var n, evs int
	if err := s.db.pool.QueryRow(ctx, q, args...).Scan(&n, &evs); err != nil {
		return wrap("save tracker", err)
	}
	if n == 1 {
		return nil
	}
	var cur int64
	err = s.db.pool.QueryRow(ctx, `SELECT version FROM trackers WHERE carrier = $1 AND tracking_number = $2`,
		key.Carrier, key.TrackingNumber).Scan(&cur)
	switch {
	case errors.Is(err, pgx.ErrNoRows) && t.Version > 1:
		return oms.NotFoundError("tracker", key.String())
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return wrap("save tracker", err)
	case t.Version == 1:
		return oms.ConflictError("tracker", key.String(), 0, cur)
	}
	return oms.ConflictError("tracker", key.String(), t.Version-1, cur)
}

// List implements tracking.Store: a keyset walk in key order (index
// trackers_pkey, or trackers_open for open ones).
func (s *TrackingStore) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	q := `SELECT doc FROM trackers WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Open {
		q += ` AND open`
	}
	if by := timeBound(f.PollDueBy); !f.PollDueBy.IsZero() {
		// No NextPollAt (the zero time, stored as NULL) is due by a bound
		// from year 1 on, as Filter.Match decides, and by none before.
		unscheduled := `next_poll_at IS NULL OR `
		if f.PollDueBy.Before(time.Time{}) {
			unscheduled = ``
		}
		q += ` AND (` + unscheduled + `(next_poll_at, next_poll_ns) <= (` + arg(by) + `, ` + arg(nsPart(by)) + `))`
	}
	// A position PostgreSQL cannot hold (NUL, invalid UTF-8) is no stored
	// key, yet keys sort around it: it is compared in Go, after the query.
	inGo := !holdable(f.After.Carrier, f.After.TrackingNumber)
	if f.After != (tracking.Key{}) && !inGo {
		q += ` AND (carrier, tracking_number) > (` + arg(f.After.Carrier) + `, ` + arg(f.After.TrackingNumber) + `)`
	}
	q += ` ORDER BY carrier, tracking_number`
	if f.Limit > 0 && !inGo {
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := s.db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("list trackers", err)
	}
	out, err := collectDocs[*tracking.Tracker](rows)
	if err != nil {
		return nil, err
	}
	if inGo {
		kept := out[:0]
		for _, t := range out {
			if tracking.KeyLess(f.After, t.Key()) && (f.Limit <= 0 || len(kept) < f.Limit) {
				kept = append(kept, t)
			}
		}
		out = kept
	}
	if out == nil {
		out = []*tracking.Tracker{}
	}
	return out, nil
}

// statusRank copies tracking's tie-break of events at the same time (the
// higher rank is newer), so that Orphans orders in SQL as the package does.
var statusRank = map[tracking.Status]int{
	tracking.StatusUnknown:            0,
	tracking.StatusPreTransit:         1,
	tracking.StatusExpired:            2,
	tracking.StatusInTransit:          3,
	tracking.StatusException:          4,
	tracking.StatusDeliveryFailed:     5,
	tracking.StatusOutForDelivery:     6,
	tracking.StatusAvailableForPickup: 7,
	tracking.StatusReturning:          8,
	tracking.StatusCancelled:          9,
	tracking.StatusReturned:           10,
	tracking.StatusDelivered:          11,
}

// AddOrphans implements tracking.Store: one insert, ON CONFLICT DO
// NOTHING on (key, event ID). Rows go in in key order, so two calls
// adding the same news in different orders wait for each other instead of
// deadlocking.
func (s *TrackingStore) AddOrphans(ctx context.Context, orphans ...tracking.Orphan) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(orphans) == 0 {
		return 0, nil
	}
	n := len(orphans)
	carriers, numbers, ids, docs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats, nss, ranks := make([]time.Time, n), make([]int16, n), make([]int32, n)
	recvs, recvNs := make([]time.Time, n), make([]int16, n)
	for i, o := range orphans {
		d, err := doc(o)
		if err != nil {
			return 0, err
		}
		carriers[i], numbers[i], ids[i], docs[i] = o.Key.Carrier, o.Key.TrackingNumber, o.Event.ID, d
		ats[i], nss[i], ranks[i] = o.Event.Time, nsPart(o.Event.Time), int32(statusRank[o.Event.Status])
		if !timestampHolds(o.ReceivedAt) {
			return 0, oms.Validationf("orphan", "received_at", "%s is outside the years 4713 BC to %d AD that PostgreSQL holds",
				o.ReceivedAt.Format(time.RFC3339Nano), maxTimestampYear)
		}
		recvs[i], recvNs[i] = o.ReceivedAt, nsPart(o.ReceivedAt)
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO tracking_orphans (carrier, tracking_number, event_id, event_at, event_ns, status_rank, doc, received_at, received_ns)
		SELECT c, n, id, at, ns, r, d, ra, rn FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::smallint[], $6::integer[], $7::jsonb[],
			$8::timestamptz[], $9::smallint[])
			WITH ORDINALITY AS u(c, n, id, at, ns, r, d, ra, rn, i)
		ORDER BY c COLLATE "C", n COLLATE "C", id COLLATE "C", i
		ON CONFLICT DO NOTHING`, carriers, numbers, ids, ats, nss, ranks, docs, recvs, recvNs)
	if err != nil {
		return 0, wrap("add orphans", err)
	}
	return int(tag.RowsAffected()), nil
}

// Orphans implements tracking.Store.
func (s *TrackingStore) Orphans(ctx context.Context, key tracking.Key) ([]tracking.Orphan, error) {
	q := `SELECT doc FROM tracking_orphans`
	var args []any
	if key != (tracking.Key{}) {
		if !holdable(key.Carrier, key.TrackingNumber) {
			return nil, nil
		}
		q += ` WHERE carrier = $1 AND tracking_number = $2`
		args = []any{key.Carrier, key.TrackingNumber}
	}
	rows, err := s.db.pool.Query(ctx, q+` ORDER BY carrier, tracking_number, event_at, event_ns, status_rank, event_id`, args...)
	if err != nil {
		return nil, wrap("orphans", err)
	}
	return collectDocs[tracking.Orphan](rows)
}

// DeleteOrphans implements tracking.Store.
func (s *TrackingStore) DeleteOrphans(ctx context.Context, key tracking.Key, eventIDs ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ids := make([]string, 0, len(eventIDs))
	for _, id := range eventIDs {
		if holdable(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || !holdable(key.Carrier, key.TrackingNumber) {
		return nil
	}
	_, err := s.db.pool.Exec(ctx, `DELETE FROM tracking_orphans WHERE carrier = $1 AND tracking_number = $2 AND event_id = ANY($3)`,
		key.Carrier, key.TrackingNumber, ids)
	return wrap("delete orphans", err)
}

// PruneOrphans implements tracking.Store: one DELETE of the oldest
// orphans over tracking_orphans_received.
func (s *TrackingStore) PruneOrphans(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if limit <= 0 {
		return 0, oms.Validationf("prune orphans", "limit", "must be positive, got %d", limit)
	}
	before = timeBound(before) // received_at is in a JSON document too: years -1 to 10000 in UTC
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM tracking_orphans WHERE (carrier, tracking_number, event_id) IN (
		SELECT carrier, tracking_number, event_id FROM tracking_orphans
		WHERE (received_at, received_ns) < ($1, $2)
		ORDER BY received_at, received_ns, carrier, tracking_number, event_id
		LIMIT $3)`, before, nsPart(before), limit)
	if err != nil {
		return 0, wrap("prune orphans", err)
	}
	return int(tag.RowsAffected()), nil
}
