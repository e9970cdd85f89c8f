package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
)

// Outbox is the outbox table as an oms.Outbox: what a Relay drains. The
// stores append to the same table inside their own transactions.
type Outbox struct{ db *DB }

var _ oms.Outbox = (*Outbox)(nil)

// Outbox returns the database's outbox.
func (db *DB) Outbox() *Outbox { return &Outbox{db: db} }

// appendEvents inserts events in the caller's transaction, in order.
func appendEvents(ctx context.Context, tx pgx.Tx, events ...oms.Event) error {
	if len(events) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, e := range events {
		var payload any
		if len(e.Payload) > 0 {
			payload = string(e.Payload)
		}
		b.Queue(`INSERT INTO outbox (id, type, aggregate_kind, aggregate_id, aggregate_version, at, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
			string(e.ID), e.Type, e.AggregateKind, string(e.AggregateID), e.AggregateVersion, e.Time, payload)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("pgstore: outbox append: %w", err)
	}
	return nil
}

// Append saves events in a transaction of their own (stores append inside
// theirs); for hosts that raise events outside any store.
func (o *Outbox) Append(ctx context.Context, events ...oms.Event) error {
	return pgx.BeginFunc(ctx, o.db.pool, func(tx pgx.Tx) error { return appendEvents(ctx, tx, events...) })
}

const eventColumns = `id, type, aggregate_kind, aggregate_id, aggregate_version, at, payload`

func scanEvents(rows pgx.Rows) ([]oms.Event, error) {
	defer rows.Close()
	var out []oms.Event
	for rows.Next() {
		var (
			e       oms.Event
			id, agg string
			payload []byte
		)
		if err := rows.Scan(&id, &e.Type, &e.AggregateKind, &agg, &e.AggregateVersion, &e.Time, &payload); err != nil {
			return nil, err
		}
		e.ID, e.AggregateID = oms.ID(id), oms.ID(agg)
		if len(payload) > 0 {
			e.Payload = payload
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Pending returns up to limit events that are neither published nor dead
// letters, in the order they were saved, leaving out the aggregates in
// skip. It implements oms.Outbox.
func (o *Outbox) Pending(ctx context.Context, limit int, skip ...oms.ID) ([]oms.Event, error) {
	if limit <= 0 {
		return nil, oms.Validationf("outbox", "limit", "must be positive, got %d", limit)
	}
	sk := make([]string, len(skip))
	for i, id := range skip {
		sk[i] = string(id)
	}
	rows, err := o.db.pool.Query(ctx, `SELECT `+eventColumns+` FROM outbox
		WHERE published_at IS NULL AND dead_at IS NULL AND aggregate_id <> ALL($2)
		ORDER BY seq LIMIT $1`, limit, sk)
	if err != nil {
		return nil, fmt.Errorf("pgstore: outbox pending: %w", err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: outbox pending: %w", err)
	}
	return evs, nil
}

// MarkFailed counts one failed publication of a pending event and returns
// the attempts so far (0 for an unknown, published or dead event). It
// implements oms.Outbox.
func (o *Outbox) MarkFailed(ctx context.Context, id oms.ID, reason string) (int, error) {
	var n int
	err := o.db.pool.QueryRow(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2
		WHERE id = $1 AND published_at IS NULL AND dead_at IS NULL RETURNING attempts`, string(id), reason).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: outbox mark failed: %w", err)
	}
	return n, nil
}

// MarkDead turns a pending event into a dead letter kept with its reason.
// It implements oms.Outbox.
func (o *Outbox) MarkDead(ctx context.Context, id oms.ID, reason string) error {
	if _, err := o.db.pool.Exec(ctx, `UPDATE outbox SET dead_at = now(), last_error = $2
		WHERE id = $1 AND published_at IS NULL AND dead_at IS NULL`, string(id), reason); err != nil {
		return fmt.Errorf("pgstore: outbox mark dead: %w", err)
	}
	return nil
}

// MarkPublished records that the events were published; unknown or already
// published IDs are ignored. It implements oms.Outbox.
func (o *Outbox) MarkPublished(ctx context.Context, ids ...oms.ID) error {
	if len(ids) == 0 {
		return nil
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	if _, err := o.db.pool.Exec(ctx, `UPDATE outbox SET published_at = now()
		WHERE id = ANY($1) AND published_at IS NULL`, s); err != nil {
		return fmt.Errorf("pgstore: outbox mark published: %w", err)
	}
	return nil
}

// Events returns every event of one aggregate, published or not, in the
// order they were saved.
func (o *Outbox) Events(ctx context.Context, aggregateID oms.ID) ([]oms.Event, error) {
	rows, err := o.db.pool.Query(ctx, `SELECT `+eventColumns+` FROM outbox WHERE aggregate_id = $1 ORDER BY seq`, string(aggregateID))
	if err != nil {
		return nil, fmt.Errorf("pgstore: outbox events: %w", err)
	}
	return scanEvents(rows)
}
