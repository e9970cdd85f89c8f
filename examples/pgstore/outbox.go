package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
)

// Outbox is the outbox table as an oms.Outbox: what a Relay drains. The
// stores append to the same table inside their own transactions.
//
// Any number of relays, in any number of processes, may drain one outbox
// at once, each through an Outbox value of its own: Pending leases the
// aggregates of the events it returns to that value (a row per aggregate
// in outbox_leases, for LeaseFor), and leaves out the aggregates another
// value holds. So each aggregate's events go out through one relay at a
// time and in order, none is published twice while no relay crashes, and
// when a relay dies mid-batch its aggregates pass to another once its
// leases lapse: the events it had not marked go out again (duplicates
// only for that batch). A relay that stops calls ReleaseLeases.
type Outbox struct {
	db    *DB
	owner string
	lease time.Duration
}

var _ oms.Outbox = (*Outbox)(nil)

// DefaultLeaseFor is how long an Outbox holds the aggregates of the events
// Pending returned: longer than a relay takes to publish a batch.
const DefaultLeaseFor = 30 * time.Second

// Outbox returns a new view of the database's outbox, with leases of its
// own (one per relay).
func (db *DB) Outbox() *Outbox {
	return &Outbox{db: db, owner: string(oms.NewID()), lease: DefaultLeaseFor}
}

// LeaseFor sets how long Pending leases the aggregates it returns (at
// least a second) and returns o.
func (o *Outbox) LeaseFor(d time.Duration) *Outbox {
	o.lease = max(d, time.Second)
	return o
}

// ReleaseLeases drops the leases of o, so other relays take its aggregates
// at once: a relay that stops calls it.
func (o *Outbox) ReleaseLeases(ctx context.Context) error {
	_, err := o.db.pool.Exec(ctx, `DELETE FROM outbox_leases WHERE owner = $1`, o.owner)
	return wrap("release leases", err)
}

// appendEvents inserts events in the caller's transaction, in order, in
// one statement.
func appendEvents(ctx context.Context, tx pgx.Tx, events ...oms.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := checkEvents(events...); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, appendEventsSQL, eventArrays(events)...); err != nil {
		if v := cannotHold(err); v != nil {
			err = v
		}
		return fmt.Errorf("pgstore: outbox append: %w", err)
	}
	return nil
}

var appendEventsSQL = insertEventsSQL(1, "(SELECT 1) AS always")

// Append saves events in a transaction of their own (stores append inside
// theirs); for hosts that raise events outside any store. Events the
// outbox holds are skipped, so appending again is safe; two appends of
// the same events at once may deadlock on each other's inserts, and the
// one PostgreSQL aborts is run again.
func (o *Outbox) Append(ctx context.Context, events ...oms.Event) error {
	return o.db.tx(ctx, func(tx pgx.Tx) error { return appendEvents(ctx, tx, events...) })
}

const eventColumns = `id, type, aggregate_kind, aggregate_id, aggregate_version, at, at_ns, payload`

func scanEvents(rows pgx.Rows) ([]oms.Event, error) {
	defer rows.Close()
	var out []oms.Event
	for rows.Next() {
		var (
			e       oms.Event
			id, agg string
			payload []byte
			ns      int16
		)
		if err := rows.Scan(&id, &e.Type, &e.AggregateKind, &agg, &e.AggregateVersion, &e.Time, &ns, &payload); err != nil {
			return nil, err
		}
		e.Time = e.Time.Add(time.Duration(ns))
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
// skip and those another Outbox value holds a lease on; it leases the
// aggregates of the events it returns. It implements oms.Outbox.
func (o *Outbox) Pending(ctx context.Context, limit int, skip ...oms.ID) ([]oms.Event, error) {
	if limit <= 0 {
		return nil, oms.Validationf("outbox", "limit", "must be positive, got %d", limit)
	}
	sk := holdableIDs(skip) // no stored aggregate has an ID PostgreSQL cannot hold
	var out []oms.Event
	err := o.db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM outbox e
			WHERE published_at IS NULL AND dead_at IS NULL AND aggregate_id <> ALL($2)
			  AND NOT EXISTS (SELECT 1 FROM outbox_leases l
				WHERE l.aggregate_id = e.aggregate_id AND l.owner <> $3 AND l.until > now())
			ORDER BY seq LIMIT $1`, limit, sk, o.owner)
		if err != nil {
			return err
		}
		evs, err := scanEvents(rows)
		if err != nil || len(evs) == 0 {
			out = nil
			return err
		}
		seen := map[oms.ID]bool{}
		var aggs []string
		for _, e := range evs {
			if !seen[e.AggregateID] {
				seen[e.AggregateID] = true
				aggs = append(aggs, string(e.AggregateID))
			}
		}
		sort.Strings(aggs) // one lock order for every relay
		rows, err = tx.Query(ctx, `INSERT INTO outbox_leases AS l (aggregate_id, owner, until)
			SELECT a, $2, now() + $3 * interval '1 microsecond' FROM unnest($1::text[]) AS a ORDER BY a
			ON CONFLICT (aggregate_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
				WHERE l.owner = excluded.owner OR l.until <= now()
			RETURNING aggregate_id`, aggs, o.owner, o.lease.Microseconds())
		if err != nil {
			return err
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		held := map[oms.ID]bool{}
		for _, a := range got {
			held[oms.ID(a)] = true
		}
		out = out[:0]
		for _, e := range evs {
			if held[e.AggregateID] {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: outbox pending: %w", err)
	}
	return out, nil
}

// storableReason makes a publisher's error text storable in a text column:
// PostgreSQL refuses NUL bytes and invalid UTF-8, and a refused reason would
// leave the relay unable to count attempts or dead-letter the event (the
// aggregate blocked for good). Invalid bytes become U+FFFD, NUL is dropped,
// and the text is cut at 8 KiB.
func storableReason(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > 8<<10 {
		s = strings.ToValidUTF8(s[:8<<10], "")
	}
	return s
}

// MarkFailed counts one failed publication of a pending event and returns
// the attempts so far (0 for an unknown, published or dead event). It
// implements oms.Outbox.
func (o *Outbox) MarkFailed(ctx context.Context, id oms.ID, reason string) (int, error) {
	if !holdable(string(id)) {
		return 0, nil // no stored event has such an ID
	}
	var n int
	err := o.db.pool.QueryRow(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2
		WHERE id = $1 AND published_at IS NULL AND dead_at IS NULL RETURNING attempts`, string(id), storableReason(reason)).Scan(&n)
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
	if !holdable(string(id)) {
		return nil // no stored event has such an ID
	}
	if _, err := o.db.pool.Exec(ctx, `UPDATE outbox SET dead_at = now(), last_error = $2
		WHERE id = $1 AND published_at IS NULL AND dead_at IS NULL`, string(id), storableReason(reason)); err != nil {
		return fmt.Errorf("pgstore: outbox mark dead: %w", err)
	}
	return nil
}

// MarkPublished records that the events were published; unknown or already
// published IDs are ignored. It implements oms.Outbox.
func (o *Outbox) MarkPublished(ctx context.Context, ids ...oms.ID) error {
	s := holdableIDs(ids) // no stored event has an ID PostgreSQL cannot hold
	if len(s) == 0 {
		return nil
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
	if !holdable(string(aggregateID)) {
		return nil, nil // no stored aggregate has such an ID
	}
	rows, err := o.db.pool.Query(ctx, `SELECT `+eventColumns+` FROM outbox WHERE aggregate_id = $1 ORDER BY seq`, string(aggregateID))
	if err != nil {
		return nil, fmt.Errorf("pgstore: outbox events: %w", err)
	}
	return scanEvents(rows)
}

// All returns every event in the outbox, published or not, in the order
// they were saved.
func (o *Outbox) All(ctx context.Context) ([]oms.Event, error) {
	rows, err := o.db.pool.Query(ctx, `SELECT `+eventColumns+` FROM outbox ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: outbox events: %w", err)
	}
	return scanEvents(rows)
}
