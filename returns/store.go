package returns

import (
	"context"
	"time"

	"github.com/omskit/oms"
)

// Store persists returns and their events. The host implements it over
// its database; NewMemoryStore is the in-memory implementation. Every
// implementation must pass returnstest.TestStore. Implementations must be
// safe for concurrent use and must copy: a *Return passed in or handed out
// is never retained or shared.
//
// In SQL, Create is an INSERT of the return, its tracking numbers and its
// events in one transaction (a unique violation on the ID is
// oms.ErrDuplicate); Update is
//
//	UPDATE returns SET ..., version = $new WHERE id = $id AND version = $expected
//
// plus the inserts of its events and tracking numbers, rolled back when
// no row was updated (oms.ErrConflict, or oms.ErrNotFound when the ID does
// not exist).
type Store interface {
	// Get returns the return with id; unknown IDs match oms.ErrNotFound.
	Get(ctx context.Context, id oms.ID) (*Return, error)

	// Create saves a new return (Version 1) and its events in one atomic
	// write. An existing ID matches oms.ErrDuplicate and saves nothing;
	// an empty ID, a version other than 1 or an invalid status matches
	// oms.ErrValidation.
	Create(ctx context.Context, r *Return, events []oms.Event) error

	// Update replaces the stored return with r and saves events in one
	// atomic write, if and only if the stored version is expected and
	// r.Version is expected+1. Another stored version matches
	// oms.ErrConflict and changes nothing; an unknown ID matches
	// oms.ErrNotFound; a bad r (version, status, a changed order) matches
	// oms.ErrValidation.
	Update(ctx context.Context, r *Return, expected int64, events []oms.Event) error

	// ListByOrder returns the returns of an order, oldest first (by ID).
	ListByOrder(ctx context.Context, orderID oms.ID) ([]*Return, error)

	// GetByTracking returns the return whose label carries the tracking
	// number; unknown numbers match oms.ErrNotFound.
	GetByTracking(ctx context.Context, trackingNumber string) (*Return, error)

	// ListExpiring returns up to limit returns (all when limit <= 0) that
	// are approved or label_issued and whose ExpiresAt is set and not
	// after before, oldest ExpiresAt first.
	ListExpiring(ctx context.Context, before time.Time, limit int) ([]*Return, error)
}
