package pgstore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// OrderStore is order.Store over PostgreSQL: each order is a row holding
// the aggregate as a JSONB document beside the indexed columns its
// lookups and lists need. Create and Update are one statement each (a
// data-modifying CTE writing the order and its outbox events), so they are
// atomic without a transaction round trip; Update is optimistic: UPDATE
// ... WHERE id = $1 AND version = $2, and zero rows is oms.ErrConflict.
type OrderStore struct{ db *DB }

var _ order.Store = (*OrderStore)(nil)

// Orders returns the order store.
func (db *DB) Orders() *OrderStore { return &OrderStore{db: db} }

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func checkOrder(o *order.Order) error {
	if o == nil {
		return oms.Validationf("order", "", "order is nil")
	}
	v := &oms.ValidationError{Entity: "order"}
	if err := oms.ValidateID(o.ID); err != nil {
		v.Add("id", "%q is not a valid ID", string(o.ID))
	}
	if !o.Status.Valid() {
		v.Add("status", "%q is not an order status", string(o.Status))
	}
	for i := 1; i < len(o.Holds); i++ {
		for _, h := range o.Holds[:i] {
			if h.ID == o.Holds[i].ID {
				v.Add("holds", "hold ID %s appears twice; hold IDs are unique within an order", h.ID)
			}
		}
	}
	return v.Err()
}

// orderArgs returns the columns of o: $1 id .. $11 doc.
func orderArgs(o *order.Order) ([]any, error) {
	d, err := doc(o)
	if err != nil {
		return nil, err
	}
	total := o.Totals.GrandTotal.Amount().String()
	return []any{string(o.ID), nullString(o.Number), nullString(o.IdempotencyKey), string(o.Customer.ID),
		string(o.Status), string(o.Currency), total, o.Version, o.CreatedAt, nsPart(o.CreatedAt), d}, nil
}

const createOrderSQL = `WITH ins AS (
	INSERT INTO orders (id, number, idempotency_key, customer_id, status, currency, grand_total, version,
		created_at, created_ns, updated_at, doc)
	VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10, $9, $11)
	ON CONFLICT DO NOTHING
	RETURNING id
), ev AS (` + "%s" + `
	RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM ev)`

var createOrder = fmt.Sprintf(createOrderSQL, insertEventsSQL(12, "ins"))

// Create implements order.Store: one statement inserting the order (ON
// CONFLICT DO NOTHING over the ID, number and key) and its events.
func (s *OrderStore) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	if err := checkOrder(o); err != nil {
		return err
	}
	if o.Version != 1 {
		return oms.Validationf("order", "version", "a new order has version 1, got %d", o.Version)
	}
	args, err := orderArgs(o)
	if err != nil {
		return err
	}
	if err := checkEvents(events...); err != nil {
		return err
	}
	args = append(args, eventArrays(events)...)
	var n, evs int
	if err := s.db.pool.QueryRow(ctx, createOrder, args...).Scan(&n, &evs); err != nil {
		return wrap("create order", err)
	}
	if n == 1 {
		return nil
	}
	// Which unique column refused it.
	var id, num, key string
	err = s.db.pool.QueryRow(ctx, `SELECT
		coalesce((SELECT id FROM orders WHERE id = $1), ''),
		coalesce((SELECT id FROM orders WHERE idempotency_key = $2), ''),
		coalesce((SELECT id FROM orders WHERE number = $3), '')`, string(o.ID), nullString(o.IdempotencyKey), nullString(o.Number)).Scan(&id, &key, &num)
	if err != nil {
		return wrap("create order", err)
	}
	switch {
	case id != "":
		return fmt.Errorf("%w: order: order %s already exists", oms.ErrDuplicate, o.ID)
	case key != "":
		return fmt.Errorf("%w: order: idempotency key %q already used by order %s", oms.ErrDuplicate, o.IdempotencyKey, key)
	case num != "":
		return fmt.Errorf("%w: order: number %q already used by order %s", oms.ErrDuplicate, o.Number, num)
	}
	return fmt.Errorf("%w: order: %s conflicts with an order that is gone", oms.ErrDuplicate, o.ID)
}

const updateOrderSQL = `WITH up AS (
	UPDATE orders SET status = $5, currency = $6, grand_total = $7::numeric, version = $8, updated_at = $13, doc = $11,
		customer_id = $4
	WHERE id = $1 AND version = $12
	  AND number IS NOT DISTINCT FROM $2 AND idempotency_key IS NOT DISTINCT FROM $3
	  AND created_at = $9 AND created_ns = $10
	RETURNING id
), ev AS (` + "%s" + `
	RETURNING 1
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM ev)`

var updateOrder = fmt.Sprintf(updateOrderSQL, insertEventsSQL(14, "up"))

// Update implements order.Store: one statement, UPDATE ... WHERE id = $1
// AND version = $expected (and the number, key and creation time as
// stored), with the events inserted only when it changed a row.
func (s *OrderStore) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	if err := checkOrder(o); err != nil {
		return err
	}
	if o.Version != expected+1 {
		return oms.Validationf("order", "version", "must be the expected version %d plus one, got %d", expected, o.Version)
	}
	args, err := orderArgs(o)
	if err != nil {
		return err
	}
	if err := checkEvents(events...); err != nil {
		return err
	}
	args = append(args, expected, o.UpdatedAt)
	args = append(args, eventArrays(events)...)
	var n, evs int
	if err := s.db.pool.QueryRow(ctx, updateOrder, args...).Scan(&n, &evs); err != nil {
		return wrap("update order", err)
	}
	if n == 1 {
		return nil
	}
	cur, err := s.Get(ctx, o.ID)
	if err != nil {
		return err
	}
	switch {
	case cur.Version != expected:
		return oms.ConflictError("order", o.ID, expected, cur.Version)
	case cur.IdempotencyKey != o.IdempotencyKey:
		return oms.Validationf("order", "idempotency_key", "cannot change from %q to %q", cur.IdempotencyKey, o.IdempotencyKey)
	case cur.Number != o.Number:
		return oms.Validationf("order", "number", "cannot change from %q to %q", cur.Number, o.Number)
	case !cur.CreatedAt.Equal(o.CreatedAt):
		return oms.Validationf("order", "created_at", "cannot change from %s to %s", cur.CreatedAt, o.CreatedAt)
	}
	return oms.ConflictError("order", o.ID, expected, cur.Version)
}

func (s *OrderStore) getBy(ctx context.Context, where string, arg any, notFound func() error) (*order.Order, error) {
	if s, ok := arg.(string); ok && !holdable(s) {
		return nil, notFound()
	}
	var b []byte
	err := s.db.pool.QueryRow(ctx, `SELECT doc FROM orders WHERE `+where+` = $1`, arg).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, wrap("get order", err)
	}
	o := new(order.Order)
	if err := decode(b, o); err != nil {
		return nil, err
	}
	return o, nil
}

// Get implements order.Store.
func (s *OrderStore) Get(ctx context.Context, id oms.ID) (*order.Order, error) {
	return s.getBy(ctx, "id", string(id), func() error { return oms.NotFoundError("order", id) })
}

// GetByIdempotencyKey implements order.Store.
func (s *OrderStore) GetByIdempotencyKey(ctx context.Context, key string) (*order.Order, error) {
	if key == "" {
		return nil, oms.NotFoundError("order idempotency key", key)
	}
	return s.getBy(ctx, "idempotency_key", key, func() error { return oms.NotFoundError("order idempotency key", key) })
}

// GetByNumber implements order.Store.
func (s *OrderStore) GetByNumber(ctx context.Context, number string) (*order.Order, error) {
	if number == "" {
		return nil, oms.NotFoundError("order number", number)
	}
	return s.getBy(ctx, "number", number, func() error { return oms.NotFoundError("order number", number) })
}

// ListByCustomer implements order.Store (index orders_customer).
func (s *OrderStore) ListByCustomer(ctx context.Context, customer oms.ID, page order.PageRequest) (order.Page, error) {
	return s.list(ctx, "customer_id", string(customer), page)
}

// ListByStatus implements order.Store (index orders_status).
func (s *OrderStore) ListByStatus(ctx context.Context, status order.Status, page order.PageRequest) (order.Page, error) {
	if !status.Valid() {
		return order.Page{}, oms.Validationf("order", "status", "%q is not an order status", string(status))
	}
	return s.list(ctx, "status", string(status), page)
}

// cursor is a keyset position: the last listed order's creation time and
// ID, base64url("<Unix seconds>_<nanoseconds>~<id>"). (In UTC, a time
// stored in another zone may fall in a year RFC 3339 cannot spell, such
// as 10000 for 9999-12-31T23:00:00-05:00; cursors of the earlier form
// "<RFC 3339 nano time>~<id>" are still read.)
type cursor struct {
	at time.Time
	id string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at.Unix(), 10) + "_" +
		strconv.Itoa(c.at.Nanosecond()) + "~" + c.id))
}

func parseCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		at, id, ok := strings.Cut(string(b), "~")
		if ok && id != "" && holdable(id) {
			if t, ok := parseCursorTime(at); ok {
				return cursor{at: t, id: id}, nil
			}
		}
	}
	return cursor{}, oms.Validationf("page", "cursor", "malformed cursor %q", truncate(s, 64))
}

// parseCursorTime reads a cursor's time: "<Unix seconds>_<nanoseconds>",
// or RFC 3339 as earlier cursors spelled it.
func parseCursorTime(s string) (time.Time, bool) {
	if sec, ns, ok := strings.Cut(s, "_"); ok {
		u, err1 := strconv.ParseInt(sec, 10, 64)
		n, err2 := strconv.ParseInt(ns, 10, 64)
		if err1 != nil || err2 != nil || n < 0 || n > 999_999_999 {
			return time.Time{}, false
		}
		return time.Unix(u, n).UTC(), true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func (s *OrderStore) list(ctx context.Context, col, val string, page order.PageRequest) (order.Page, error) {
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page{}, err
	}
	if !holdable(val) {
		if page.Cursor != "" {
			if _, err := parseCursor(page.Cursor); err != nil {
				return order.Page{}, err
			}
		}
		return order.Page{Orders: []*order.Order{}}, nil
	}
	q := `SELECT doc FROM orders WHERE ` + col + ` = $1`
	args := []any{val, limit + 1}
	if page.Cursor != "" {
		c, err := parseCursor(page.Cursor)
		if err != nil {
			return order.Page{}, err
		}
		q += ` AND (created_at, created_ns, id) > ($3, $4, $5)`
		at := timeBound(c.at)
		args = append(args, at, nsPart(at), c.id)
	}
	rows, err := s.db.pool.Query(ctx, q+` ORDER BY created_at, created_ns, id LIMIT $2`, args...)
	if err != nil {
		return order.Page{}, wrap("list orders", err)
	}
	os, err := collectDocs[*order.Order](rows)
	if err != nil {
		return order.Page{}, err
	}
	out := order.Page{Orders: []*order.Order{}}
	if len(os) > limit {
		os = os[:limit]
		last := os[limit-1]
		out.NextCursor = cursor{at: last.CreatedAt, id: string(last.ID)}.String()
	}
	out.Orders = append(out.Orders, os...)
	return out, nil
}

// OrderNumbers returns an order.NumberGenerator over a database sequence,
// so every process placing orders draws from one series: prefix followed
// by the next number (1001 first). A number is skipped when the placement
// that drew it fails.
func (db *DB) OrderNumbers(prefix string) order.NumberGenerator {
	return order.NumberFunc(func(ctx context.Context, _ *order.Order) (string, error) {
		var n int64
		if err := db.pool.QueryRow(ctx, `SELECT nextval('order_numbers')`).Scan(&n); err != nil {
			return "", wrap("order number", err)
		}
		return prefix + strconv.FormatInt(n, 10), nil
	})
}
