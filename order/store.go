package order

import (
	"context"

	"github.com/omskit/oms"
)

// Store persists orders and their events. The host implements it over its
// database (the PostgreSQL adapter under examples/ is the reference);
// NewMemoryStore is the in-memory implementation. Every implementation
// must pass ordertest.TestStore (with an ordertest.Harness that hands
// back the events the store saved). Implementations must be safe for
// concurrent use, and must copy: an *Order passed in or handed out is
// never retained or shared, so callers may change it freely.
type Store interface {
	// Get returns the order with id. Unknown IDs return an error matching
	// oms.ErrNotFound.
	Get(ctx context.Context, id oms.ID) (*Order, error)

	// Create saves a new order and its events in one atomic write. The
	// order's Version must be 1. An existing ID, or an IdempotencyKey or
	// a non-empty Number already used by another order, returns an error
	// matching oms.ErrDuplicate and saves nothing. Bad input (empty ID, version
	// other than 1, an invalid status) returns an error matching
	// oms.ErrValidation.
	Create(ctx context.Context, o *Order, events []oms.Event) error

	// Update replaces the stored order with o and saves events, in one
	// atomic write, if and only if the stored version is expected and
	// o.Version is expected+1. A stored version other than expected
	// returns an error matching oms.ErrConflict and changes nothing; an
	// unknown ID returns oms.ErrNotFound; o.Version other than expected+1,
	// a changed IdempotencyKey, Number or CreatedAt, or two holds with one
	// ID return oms.ErrValidation. A refused write saves no event.
	Update(ctx context.Context, o *Order, expected int64, events []oms.Event) error

	// GetByIdempotencyKey returns the order created with key. Unknown keys
	// return an error matching oms.ErrNotFound.
	GetByIdempotencyKey(ctx context.Context, key string) (*Order, error)

	// GetByNumber returns the order with the human-readable number.
	// Unknown numbers return an error matching oms.ErrNotFound.
	GetByNumber(ctx context.Context, number string) (*Order, error)

	// ListByCustomer returns the orders of a customer ID, oldest first,
	// one page at a time. Oldest first means by CreatedAt, then by ID (an
	// order placed with an idempotency key has an ID derived from the
	// key, which does not sort by time). The cursor is keyset, not an
	// offset: in SQL, WHERE (created_at, id) > (cursor's) ORDER BY
	// created_at, id LIMIT n. So pages never repeat or skip an order
	// that exists for the whole walk, whatever is created or changed
	// between pages.
	ListByCustomer(ctx context.Context, customer oms.ID, page PageRequest) (Page, error)

	// ListByStatus returns the orders in a lifecycle status, oldest first
	// as ListByCustomer, one page at a time, with the same keyset cursor:
	// an order that stays in the status for the whole walk is listed
	// exactly once even while others enter or leave it. An invalid status
	// returns oms.ErrValidation.
	ListByStatus(ctx context.Context, status Status, page PageRequest) (Page, error)
}

// PageRequest asks for one page of a list.
type PageRequest struct {
	// Cursor is the NextCursor of the previous page; empty for the first
	// page. Cursors are opaque (each store has its own format), name a
	// position rather than an offset, and stay valid while orders are
	// added and changed. A malformed cursor is an error matching
	// oms.ErrValidation.
	Cursor string `json:"cursor,omitempty"`
	// Limit is the most orders to return: 0 means DefaultPageLimit, above
	// MaxPageLimit or negative is an error matching oms.ErrValidation.
	Limit int `json:"limit,omitempty"`
}

// Page limits.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// Page is one page of a list.
type Page struct {
	// Orders are the page's orders, oldest first; never nil.
	Orders []*Order `json:"orders"`
	// NextCursor fetches the next page; empty when this page is the last.
	NextCursor string `json:"next_cursor,omitempty"`
}

// EffectiveLimit returns the effective limit of r, or an error matching
// oms.ErrValidation. Store implementations use it to agree on limits.
func (r PageRequest) EffectiveLimit() (int, error) {
	switch {
	case r.Limit < 0 || r.Limit > MaxPageLimit:
		return 0, oms.Validationf("page", "limit", "must be between 0 and %d, got %d", MaxPageLimit, r.Limit)
	case r.Limit == 0:
		return DefaultPageLimit, nil
	}
	return r.Limit, nil
}
