package tracking

import (
	"context"
	"time"

	"github.com/omskit/oms"
)

// Store persists trackers and orphan events.
// The host implements it over its database; MemoryStore is the in-memory
// implementation, and trackingtest.TestStore is the conformance suite every
// implementation runs (through a trackingtest.Harness that hands back the
// outbox events the store saved). Implementations must be safe for
// concurrent use.
//
// Refusals and their errors: a nil tracker, an invalid key or a version
// below 1 in Save: oms.ErrValidation; a create (version 1) of an existing
// tracker, or an update whose previous version is not the stored one:
// oms.ErrConflict; an update of a missing tracker: oms.ErrNotFound; a
// missing tracker in Get: oms.ErrNotFound; a cancelled context: its
// error. A refused call changes nothing and saves no event. Each Save
// writes one tracker row and its events in one transaction, so there is
// no lock order to keep between trackers. (Customer messages and their
// at-most-once claims live in package notify and its Store.)
type Store interface {
	// Get returns a copy of the tracker with key, or an error matching
	// oms.ErrNotFound.
	Get(ctx context.Context, key Key) (*Tracker, error)
	// Save writes t and its new outbox events in one atomic write: both or
	// neither (in SQL: one transaction; the update is WHERE key = $k AND
	// version = t.Version-1, and zero rows updated is a conflict). t.Version
	// is the version being written: 1 creates the tracker (an error matching
	// oms.ErrConflict when it exists), n > 1 replaces version n-1 (an error
	// matching oms.ErrConflict when the stored version is another, and
	// oms.ErrNotFound when there is none). A failed Save changes nothing.
	Save(ctx context.Context, t *Tracker, events []oms.Event) error
	// List returns copies of the trackers that match f, ordered by key
	// (carrier, then tracking number, byte-wise), at most f.Limit of them
	// and only keys after f.After: keyset paging, so trackers created or
	// closed between two pages never make a page repeat or skip another
	// tracker. In SQL: WHERE (carrier, tracking_number) > ($after) AND
	// status NOT IN (terminal) ORDER BY carrier, tracking_number LIMIT n;
	// never OFFSET.
	List(ctx context.Context, f Filter) ([]*Tracker, error)

	// AddOrphans records events received for tracking numbers that have no
	// tracker yet. An orphan whose key and event ID are already recorded
	// is skipped; it returns how many were new.
	AddOrphans(ctx context.Context, orphans ...Orphan) (int, error)
	// Orphans returns the orphans recorded for key, oldest event first; the
	// zero Key returns every orphan.
	Orphans(ctx context.Context, key Key) ([]Orphan, error)
	// DeleteOrphans removes the orphans of key with these event IDs
	// (unknown IDs are ignored).
	DeleteOrphans(ctx context.Context, key Key, eventIDs ...string) error
	// PruneOrphans removes up to limit orphans received before before
	// (ReceivedAt earlier than it), the earliest received first, and
	// returns how many it removed. limit must be positive, else an error
	// matching oms.ErrValidation. In SQL: DELETE ... WHERE received_at <
	// $1, over an index on received_at, LIMIT $2 through a subquery.
	PruneOrphans(ctx context.Context, before time.Time, limit int) (int, error)
}

// Filter selects trackers in Store.List.
type Filter struct {
	// Open keeps only trackers whose status is not terminal.
	Open bool
	// PollDueBy, when set, keeps only trackers whose NextPollAt is not
	// after it (a zero NextPollAt is due at once).
	PollDueBy time.Time
	// After, when not zero, keeps only trackers whose key sorts after it
	// (KeyLess): the last key of the previous page.
	After Key
	// Limit caps the result; zero means no limit.
	Limit int
}

// Match reports whether t passes f (for Store implementations).
func (f Filter) Match(t *Tracker) bool {
	if f.After != (Key{}) && !KeyLess(f.After, t.Key()) {
		return false
	}
	if f.Open && t.Status.Terminal() {
		return false
	}
	if !f.PollDueBy.IsZero() && t.NextPollAt.After(f.PollDueBy) {
		return false
	}
	return true
}

// Orphan is an event received for a tracking number without a tracker.
// Registering the tracker later applies it.
type Orphan struct {
	Key Key `json:"key"`
	// Event is the normalized event.
	Event Event `json:"event"`
	// EstimatedDelivery is the estimate that came with it, if any.
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
	// Cause says why the event was not applied: OrphanUnknownTracker or
	// OrphanFutureTime.
	Cause string `json:"cause"`
	// ReceivedAt is when it arrived.
	ReceivedAt time.Time `json:"received_at"`
}

// Orphan causes.
const (
	// OrphanUnknownTracker: no tracker has the event's key yet.
	OrphanUnknownTracker = "unknown_tracker"
	// OrphanFutureTime: the event's time is further ahead of the clock than
	// ServiceOptions.MaxFutureSkew allows, missing, or outside years 1 to 9999; it is kept for inspection
	// and never applied automatically.
	OrphanFutureTime = "future_time"
)
