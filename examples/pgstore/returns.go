package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
)

// ReturnStore is returns.Store over PostgreSQL: a return is a row holding
// the aggregate as JSONB beside its order, status and expiry, and its
// label's tracking numbers are rows of return_tracking. Create and Update
// are one statement each, with the tracking numbers and the outbox events
// written only when the return row was.
type ReturnStore struct{ db *DB }

var _ returns.Store = (*ReturnStore)(nil)

// Returns returns the returns store.
func (db *DB) Returns() *ReturnStore { return &ReturnStore{db: db} }

func checkReturn(r *returns.Return) error {
	if r == nil {
		return oms.Validationf("return", "", "return is nil")
	}
	v := &oms.ValidationError{Entity: "return"}
	if err := oms.ValidateID(r.ID); err != nil {
		v.Add("id", "%q is not a valid ID", string(r.ID))
	}
	if err := oms.ValidateID(r.OrderID); err != nil {
		v.Add("order_id", "%q is not a valid ID", string(r.OrderID))
	}
	if !r.Status.Valid() {
		v.Add("status", "%q is not a return status", string(r.Status))
	}
	if !r.Kind.Valid() {
		v.Add("kind", "%q is not return or claim", string(r.Kind))
	}
	return v.Err()
}

// returnArgs returns $1 id, $2 order, $3 status, $4 version, $5 expires_at,
// $6 expires_ns, $7 doc, $8 tracking numbers.
func returnArgs(r *returns.Return) ([]any, error) {
	d, err := doc(r)
	if err != nil {
		return nil, err
	}
	tns := []string{}
	if r.Label != nil {
		for _, tn := range r.Label.TrackingNumbers {
			if tn != "" {
				tns = append(tns, tn)
			}
		}
	}
	return []any{string(r.ID), string(r.OrderID), string(r.Status), r.Version, nullTime(r.ExpiresAt), nsPart(r.ExpiresAt), d, tns}, nil
}

const returnTrackingSQL = `, tn AS (
	INSERT INTO return_tracking (tracking_number, return_id)
	SELECT DISTINCT t, $1 FROM unnest($8::text[]) AS t WHERE EXISTS (SELECT 1 FROM w)
	ORDER BY t -- one lock order for every writer: no deadlock between labels sharing numbers
	ON CONFLICT (tracking_number) DO UPDATE SET return_id = excluded.return_id
	RETURNING 1
)`

var (
	createReturn = fmt.Sprintf(`WITH w AS (
	INSERT INTO returns (id, order_id, status, version, expires_at, expires_ns, doc)
	VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING
	RETURNING 1
)`+returnTrackingSQL+`, ev AS (%s
	RETURNING 1
)
SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM tn), (SELECT count(*) FROM ev)`, insertEventsSQL(9, "w"))
	updateReturn = fmt.Sprintf(`WITH w AS (
	UPDATE returns SET status = $3, version = $4, expires_at = $5, expires_ns = $6, doc = $7
	WHERE id = $1 AND order_id = $2 AND version = $17
	RETURNING 1
)`+returnTrackingSQL+`, ev AS (%s
	RETURNING 1
)
SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM tn), (SELECT count(*) FROM ev)`, insertEventsSQL(9, "w"))
)

// Create implements returns.Store.
func (s *ReturnStore) Create(ctx context.Context, r *returns.Return, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkReturn(r); err != nil {
		return err
	}
	if r.Version != 1 {
		return oms.Validationf("return", "version", "a new return has version 1, got %d", r.Version)
	}
	args, err := returnArgs(r)
	if err != nil {
		return err
	}
	if err := checkEvents(events...); err != nil {
		return err
	}
	var n, tn, ev int
	if err := s.db.pool.QueryRow(ctx, createReturn, append(args, eventArrays(events)...)...).Scan(&n, &tn, &ev); err != nil {
		return wrap("create return", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: return %s already exists", oms.ErrDuplicate, r.ID)
	}
	return nil
}

// Update implements returns.Store: UPDATE ... WHERE id = $1 AND version =
// $expected (and the order as stored), in one statement with the tracking
// numbers and events.
func (s *ReturnStore) Update(ctx context.Context, r *returns.Return, expected int64, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkReturn(r); err != nil {
		return err
	}
	if r.Version != expected+1 {
		return oms.Validationf("return", "version", "must be the expected version %d plus one, got %d", expected, r.Version)
	}
	args, err := returnArgs(r)
	if err != nil {
		return err
	}
	if err := checkEvents(events...); err != nil {
		return err
	}
	args = append(append(args, eventArrays(events)...), expected)
	var n, tn, ev int
	if err := s.db.pool.QueryRow(ctx, updateReturn, args...).Scan(&n, &tn, &ev); err != nil {
		return wrap("update return", err)
	}
	if n == 1 {
		return nil
	}
	var (
		version int64
		orderID string
	)
	err = s.db.pool.QueryRow(ctx, `SELECT version, order_id FROM returns WHERE id = $1`, string(r.ID)).Scan(&version, &orderID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return oms.NotFoundError("return", r.ID)
	case err != nil:
		return wrap("update return", err)
	case version != expected:
		return oms.ConflictError("return", r.ID, expected, version)
	case orderID != string(r.OrderID):
		return oms.Validationf("return", "order_id", "cannot change from %s to %s", orderID, r.OrderID)
	}
	return oms.ConflictError("return", r.ID, expected, version)
}

func (s *ReturnStore) one(ctx context.Context, q string, arg string, notFound func() error) (*returns.Return, error) {
	var b []byte
	err := pgx.ErrNoRows
	if holdable(arg) {
		err = s.db.pool.QueryRow(ctx, q, arg).Scan(&b)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, wrap("get return", err)
	}
	r := new(returns.Return)
	if err := decode(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Get implements returns.Store.
func (s *ReturnStore) Get(ctx context.Context, id oms.ID) (*returns.Return, error) {
	return s.one(ctx, `SELECT doc FROM returns WHERE id = $1`, string(id), func() error { return oms.NotFoundError("return", id) })
}

// GetByTracking implements returns.Store.
func (s *ReturnStore) GetByTracking(ctx context.Context, trackingNumber string) (*returns.Return, error) {
	nf := func() error { return oms.NotFoundError("return tracking number", trackingNumber) }
	if trackingNumber == "" {
		return nil, nf()
	}
	return s.one(ctx, `SELECT r.doc FROM return_tracking t JOIN returns r ON r.id = t.return_id WHERE t.tracking_number = $1`, trackingNumber, nf)
}

// ListByOrder implements returns.Store (index returns_order).
func (s *ReturnStore) ListByOrder(ctx context.Context, orderID oms.ID) ([]*returns.Return, error) {
	if !holdable(string(orderID)) {
		return []*returns.Return{}, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT doc FROM returns WHERE order_id = $1 ORDER BY id`, string(orderID))
	if err != nil {
		return nil, wrap("list returns", err)
	}
	out, err := collectDocs[*returns.Return](rows)
	if out == nil && err == nil {
		out = []*returns.Return{}
	}
	return out, err
}

// ListExpiring implements returns.Store (index returns_expiring).
func (s *ReturnStore) ListExpiring(ctx context.Context, before time.Time, limit int) ([]*returns.Return, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	by := timeBound(before)
	rows, err := s.db.pool.Query(ctx, `SELECT doc FROM returns
		WHERE status IN ('approved', 'label_issued') AND expires_at IS NOT NULL AND (expires_at, expires_ns) <= ($1, $2)
		ORDER BY expires_at, expires_ns, id LIMIT $3`, by, nsPart(by), lim)
	if err != nil {
		return nil, wrap("list expiring returns", err)
	}
	return collectDocs[*returns.Return](rows)
}
