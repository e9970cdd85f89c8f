package pgstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// NotifyStore is notify.Store over PostgreSQL. A Progress document is
// JSONB beside its version and due time: a create is INSERT ... ON
// CONFLICT DO NOTHING, an update is UPDATE ... WHERE id = $1 AND version =
// $n-1, one statement each, zero rows being oms.ErrConflict (or
// oms.ErrNotFound, after one read that says which). A claim is a unique
// insert (ON CONFLICT DO NOTHING), so exactly one caller across processes
// wins a key; the row keeps its holder's token and whether the message was
// sent, and MarkSent and Release touch only the row their token holds. The store saves no outbox events: notify's state is its own.
type NotifyStore struct{ db *DB }

var _ notify.Store = (*NotifyStore)(nil)

// Notify returns the notify store.
func (db *DB) Notify() *NotifyStore { return &NotifyStore{db: db} }

// maxTimestampYear is the last whole year timestamptz holds (its range
// ends in 294276 AD).
const maxTimestampYear = 294275

// Progress implements notify.Store.
func (s *NotifyStore) Progress(ctx context.Context, id oms.ID) (*notify.Progress, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if oms.ValidateID(id) != nil {
		return nil, oms.NotFoundError("progress", id) // no stored ID is invalid
	}
	var b []byte
	err := s.db.pool.QueryRow(ctx, `SELECT doc FROM notify_progress WHERE id = $1`, string(id)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, oms.NotFoundError("progress", id)
	}
	if err != nil {
		return nil, wrap("get progress", err)
	}
	p := new(notify.Progress)
	return p, decode(b, p)
}

const (
	insertProgressSQL = `INSERT INTO notify_progress (id, version, due_at, due_ns, doc)
	VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	updateProgressSQL = `UPDATE notify_progress SET version = $2, due_at = $3, due_ns = $4, doc = $5
	WHERE id = $1 AND version = $2::bigint - 1`
)

// SaveProgress implements notify.Store: one statement, the insert
// (version 1) or the optimistic update of version p.Version-1.
func (s *NotifyStore) SaveProgress(ctx context.Context, p *notify.Progress) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p == nil {
		return oms.Validationf("progress", "progress", "is required")
	}
	if err := oms.ValidateID(p.ID); err != nil {
		v := &oms.ValidationError{Entity: "progress"}
		v.Merge("", err)
		return v
	}
	if p.Version < 1 {
		return oms.Validationf("progress", "version", "must be at least 1, got %d", p.Version)
	}
	if !p.DueAt.IsZero() && !timestampHolds(p.DueAt) {
		return oms.Validationf("progress", "due_at", "%s is outside the years 4713 BC to %d AD that PostgreSQL holds",
			p.DueAt.Format(time.RFC3339Nano), maxTimestampYear)
	}
	d, err := doc(p)
	if err != nil {
		return err
	}
	q := updateProgressSQL
	if p.Version == 1 {
		q = insertProgressSQL
	}
	tag, err := s.db.pool.Exec(ctx, q, string(p.ID), p.Version, nullTime(p.DueAt), nsPart(p.DueAt), d)
	if err != nil {
		return wrap("save progress", refusedText("progress", err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var cur int64
	err = s.db.pool.QueryRow(ctx, `SELECT version FROM notify_progress WHERE id = $1`, string(p.ID)).Scan(&cur)
	switch {
	case errors.Is(err, pgx.ErrNoRows) && p.Version > 1:
		return oms.NotFoundError("progress", p.ID)
	case errors.Is(err, pgx.ErrNoRows):
		// Created and deleted between the two statements: nothing deletes
		// progress, so this is a conflict with a writer we cannot see.
		return oms.ConflictError("progress", p.ID, 0, 0)
	case err != nil:
		return wrap("save progress", err)
	case p.Version == 1:
		return oms.ConflictError("progress", p.ID, 0, cur)
	}
	return oms.ConflictError("progress", p.ID, p.Version-1, cur)
}

// refusedText turns PostgreSQL's refusal of a text it cannot store (a NUL
// escape in a JSONB string, 22P05, or a NUL byte, 22021) into a
// validation error: the same document is refused however often it is
// retried, and nothing was written.
func refusedText(entity string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "22P05" || pe.Code == "22021") {
		return oms.Validationf(entity, "", "holds text PostgreSQL cannot store (a NUL character): %s", pe.Message)
	}
	return err
}

// dueSQL walks the partial index notify_progress_due in ID order.
const dueSQL = `SELECT id FROM notify_progress
	WHERE due_at IS NOT NULL AND (due_at, due_ns) <= ($1, $2) AND id > $3
	ORDER BY id LIMIT $4`

// Due implements notify.Store: a keyset walk in ID order over the
// documents with a due time (index notify_progress_due).
func (s *NotifyStore) Due(ctx context.Context, by time.Time, after oms.ID, limit int) ([]oms.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, oms.Validationf("due", "limit", "must be positive, got %d", limit)
	}
	by = timeBound(by)
	rows, err := s.db.pool.Query(ctx, dueSQL, by, nsPart(by), dueCursor(after), limit)
	if err != nil {
		return nil, wrap("due progress", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("due progress", err)
	}
	var out []oms.ID // nil when nothing is due, as in the memory store
	for _, id := range ids {
		out = append(out, oms.ID(id))
	}
	return out, nil
}

// dueCursor returns a cursor PostgreSQL accepts as text that orders every
// stored ID (printable ASCII, at most 128 bytes) as after does. after may
// hold any bytes; at its first byte outside printable ASCII, with p the
// bytes before: a lower byte (a NUL, a space) puts after just above p, so
// "> p" selects the same IDs; a higher byte puts it above every ID that
// starts with p, so "> p followed by 128 '~'" does.
func dueCursor(after oms.ID) string {
	for i := 0; i < len(after); i++ {
		c := after[i]
		if c <= ' ' {
			return string(after[:i])
		}
		if c > '~' {
			return string(after[:i]) + strings.Repeat("~", 128)
		}
	}
	return string(after)
}

// prefsDoc is Preferences as stored: the lists without omitempty, so that
// an empty channel list (no channel) stays apart from a missing one (the
// Notifier's defaults).
type prefsDoc struct {
	Locale    string                           `json:"locale"`
	Channels  []notify.Channel                 `json:"channels"`
	PerKind   map[notify.Kind][]notify.Channel `json:"per_kind"`
	Email     string                           `json:"email"`
	Phone     string                           `json:"phone"`
	PushToken string                           `json:"push_token"`
	Name      string                           `json:"name"`
}

// Preferences implements notify.Store.
func (s *NotifyStore) Preferences(ctx context.Context, customer oms.ID) (notify.Preferences, error) {
	if err := ctx.Err(); err != nil {
		return notify.Preferences{}, err
	}
	if oms.ValidateID(customer) != nil {
		return notify.Preferences{}, oms.NotFoundError("preferences", customer)
	}
	var b []byte
	err := s.db.pool.QueryRow(ctx, `SELECT doc FROM notify_preferences WHERE customer_id = $1`, string(customer)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return notify.Preferences{}, oms.NotFoundError("preferences", customer)
	}
	if err != nil {
		return notify.Preferences{}, wrap("get preferences", err)
	}
	var d prefsDoc
	if err := decode(b, &d); err != nil {
		return notify.Preferences{}, err
	}
	for k, v := range d.PerKind {
		if v == nil {
			d.PerKind[k] = []notify.Channel{}
		}
	}
	return notify.Preferences(d), nil
}

// SetPreferences implements notify.Store: an upsert of the customer's row.
func (s *NotifyStore) SetPreferences(ctx context.Context, customer oms.ID, p notify.Preferences) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := oms.ValidateID(customer); err != nil {
		v := &oms.ValidationError{Entity: "preferences"}
		v.Merge("customer", err)
		return v
	}
	if err := p.Validate(); err != nil {
		return err
	}
	d, err := doc(prefsDoc(p))
	if err != nil {
		return err
	}
	_, err = s.db.pool.Exec(ctx, `INSERT INTO notify_preferences (customer_id, doc) VALUES ($1, $2)
		ON CONFLICT (customer_id) DO UPDATE SET doc = excluded.doc`, string(customer), d)
	return wrap("set preferences", refusedText("preferences", err))
}

// claimKey is the stored key of a claim: the SHA-256 of the caller's key,
// so that a key of any bytes and any length fits a unique index (text
// refuses NUL bytes; a B-tree entry is bounded to about 2.7 kB).
func claimKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// claimSQL takes the claim unless the key is claimed, and returns the
// claim as stored either way, in one round trip. When a concurrent claim
// of the key committed after the statement's snapshot was taken, the
// insert does nothing and the read does not see that row: no row comes
// back, and Claim runs the statement again (its new snapshot sees it).
const claimSQL = `WITH ins AS (
	INSERT INTO notify_claims (key_hash, claimed_at, claimed_ns, token, sent) VALUES ($1, $2, $4, $3, false)
	ON CONFLICT DO NOTHING
	RETURNING token, sent, claimed_at, claimed_ns
)
SELECT token, sent, claimed_at, claimed_ns FROM ins
UNION ALL
SELECT token, sent, claimed_at, claimed_ns FROM notify_claims WHERE key_hash = $1 AND NOT EXISTS (SELECT 1 FROM ins)`

// claimAttempts bounds Claim's runs of claimSQL: each run that returns no
// row saw a concurrent claim commit or a release delete the row.
const claimAttempts = 20

// Claim implements notify.Store: an insert into a table whose key is
// unique (never a read followed by an insert), then the row that is there.
func (s *NotifyStore) Claim(ctx context.Context, key, token string, at time.Time) (notify.Claim, error) {
	if err := ctx.Err(); err != nil {
		return notify.Claim{}, err
	}
	if err := notify.ValidateClaim(key, token); err != nil {
		return notify.Claim{}, err
	}
	if !timestampHolds(at) {
		return notify.Claim{}, oms.Validationf("claim", "at", "%s is outside the years 4713 BC to %d AD that PostgreSQL holds",
			at.Format(time.RFC3339Nano), maxTimestampYear)
	}
	for range claimAttempts {
		var c notify.Claim
		var (
			sent bool
			ns   int16
		)
		err := s.db.pool.QueryRow(ctx, claimSQL, claimKey(key), at, token, nsPart(at)).Scan(&c.Token, &sent, &c.At, &ns)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return notify.Claim{}, wrap("claim", err)
		}
		c.At = c.At.Add(time.Duration(ns)) // timestamptz keeps microseconds
		c.State = notify.ClaimHeld
		if sent {
			c.State = notify.ClaimSent
		}
		return c, nil
	}
	return notify.Claim{}, wrap("claim", fmt.Errorf("key claimed and released %d times in a row: %w", claimAttempts, oms.ErrConflict))
}

// MarkSent implements notify.Store: an update of the row the token holds.
func (s *NotifyStore) MarkSent(ctx context.Context, key, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := notify.ValidateClaim(key, token); err != nil {
		return err
	}
	tag, err := s.db.pool.Exec(ctx, `UPDATE notify_claims SET sent = true WHERE key_hash = $1 AND token = $2`, claimKey(key), token)
	if err != nil {
		return wrap("mark claim sent", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: claim is not held by %q: %w", token, oms.ErrConflict)
	}
	return nil
}

// Release implements notify.Store: a delete of the row the token holds,
// unless it is marked sent.
func (s *NotifyStore) Release(ctx context.Context, key, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := notify.ValidateClaim(key, token); err != nil {
		return err
	}
	_, err := s.db.pool.Exec(ctx, `DELETE FROM notify_claims WHERE key_hash = $1 AND token = $2 AND NOT sent`, claimKey(key), token)
	return wrap("release claim", err)
}
