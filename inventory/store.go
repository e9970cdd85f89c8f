package inventory

import (
	"context"
	"time"

	"github.com/omskit/oms"
)

// Store keeps locations, items, levels, reservations, inbound deliveries,
// the ledger and the sync marks. The host implements it over its database;
// NewMemoryStore is the in-memory implementation. Implementations must be
// safe for concurrent use, copy values going in and coming out, and pass
// inventorytest.TestStore.
//
// Reserve and Apply are the atomic, conditional writes that keep stock from
// being oversold. In SQL each is one transaction; for Reserve:
//
//	BEGIN;
//	INSERT INTO reservations (id, ...) VALUES (...)
//	    ON CONFLICT (id) DO NOTHING;              -- replay: return the stored row
//	SELECT ... FROM levels WHERE (sku, location) IN (...)
//	    ORDER BY sku, location FOR UPDATE;        -- lock in a fixed order
//	UPDATE levels SET reserved = reserved + $qty, seq = nextval('level_seq')
//	    WHERE sku = $sku AND location = $loc
//	      AND greatest(reserved + $qty - on_hand, 0) <= $cap; -- per level
//	UPDATE items SET backordered = backordered + $rise  -- preorder SKUs whose
//	    WHERE sku = $sku AND backordered + $rise <= $limit; -- $rise > 0, by SKU
//	-- any UPDATE touching 0 rows: ROLLBACK and report the short lines
//	INSERT INTO outbox (id, type, aggregate_id, ...) VALUES ($event...);
//	COMMIT;
//
// where $cap is 0 for BackorderDeny and the location's allowance for
// BackorderPreorder (BackorderPolicy.Allowance), and the condition is
// dropped for BackorderAllow. items.backordered is the per-SKU counter of
// units promised beyond on-hand stock, the sum over the SKU's levels of
// greatest(reserved - on_hand, 0); $rise is what the transaction adds to
// it. Every write that moves a level's on hand or reserved (Reserve and
// Apply alike) keeps the counter in step in the same transaction, and a
// write that raises it must keep it at or below the SKU's preorder limit;
// a write that does not raise it is not checked against the limit (which
// PutItem may have lowered below the counter), so on-hand stock still
// sells. Like a level's quantities the counter stays within 2^62 units
// (a SKU that allows backorders could otherwise pass the int64 range over
// several locations): a write that would raise it beyond is refused with
// a *oms.ValidationError.
//
// Lock rows in one fixed order in every transaction: levels by SKU, then
// location (whatever order the request lists its lines in), then the item
// counters by SKU. Locking in line order deadlocks two baskets that list
// the same levels in different orders.
//
// Apply's level updates are conditional the same way (on_hand >= 0 and
// friends after the change, and the cap and counter checks whenever the
// change lowers availability), its reservation and inbound writes check
// the version they loaded (UPDATE ... WHERE id = $id AND version =
// $loaded), and it inserts its ledger entries and outbox events in the same
// transaction.
//
// Refusals, and the errors an implementation returns for them (nothing is
// changed by any of them):
//
//	stock short under the backorder policy       *ShortageError (oms.ErrInsufficientStock), every short line
//	reservation or inbound version moved on      error matching oms.ErrConflict
//	Delta.CheckSeq and the level's Seq moved on  error matching oms.ErrConflict
//	reserved would go below zero                 error matching oms.ErrConflict
//	unknown SKU, location, reservation, inbound  error matching oms.ErrNotFound
//	reservation ID reused for other lines        error matching oms.ErrDuplicate
//	new inbound whose ID exists                  error matching oms.ErrDuplicate
//	reserve at an inactive location              error matching oms.ErrUnavailable
//	malformed input (bad shape, out of range)    *oms.ValidationError (oms.ErrValidation)
//	sync cursor moved on                         error matching oms.ErrConflict
//
// Every write appends the events it is given to the outbox in the same
// transaction, and a refused write appends none.
type Store interface {
	// PutLocation creates or replaces a location.
	PutLocation(ctx context.Context, l Location) error
	// Location returns a location or an error matching oms.ErrNotFound.
	Location(ctx context.Context, id oms.ID) (Location, error)
	// Locations returns every location, ordered by priority then ID.
	Locations(ctx context.Context) ([]Location, error)

	// PutItem creates or replaces a SKU's settings.
	PutItem(ctx context.Context, it Item) error
	// Item returns a SKU's settings or an error matching oms.ErrNotFound.
	Item(ctx context.Context, sku oms.SKU) (Item, error)

	// Level returns the stock of sku at loc: a zero level when both exist
	// but nothing has moved yet, an error matching oms.ErrNotFound when
	// either is unknown.
	Level(ctx context.Context, sku oms.SKU, loc oms.ID) (Level, error)
	// Levels returns the stored levels of sku (every level when sku is
	// empty), ordered by SKU then location.
	Levels(ctx context.Context, sku oms.SKU) ([]Level, error)

	// Reserve saves r (status active, version 1), raises the reserved
	// quantity of every tracked line's level and appends ev (the
	// reservation's EventReserved; not when ev.ID is empty) to the outbox,
	// all or nothing, in one atomic operation. It sets Lines[i].Untracked
	// of r for lines whose SKU is not tracked; those hold no stock. When a
	// reservation with r.ID exists, Reserve changes nothing (and appends no
	// event) and returns it with created false if it has the same reference
	// and lines (SKU, location, ref and quantity; in any order), and an
	// error matching oms.ErrDuplicate otherwise. A line
	// whose level cannot give the quantity under its
	// SKU's backorder policy fails the whole call with a *ShortageError
	// listing every short line; an unknown SKU or location fails it with an
	// error matching oms.ErrNotFound, and a line at an inactive location
	// with an error matching oms.ErrUnavailable.
	Reserve(ctx context.Context, r Reservation, ev oms.Event) (res Reservation, created bool, err error)
	// Reservation returns a reservation or an error matching
	// oms.ErrNotFound.
	Reservation(ctx context.Context, id oms.ID) (Reservation, error)
	// Reservations returns the reservations that match f, ordered by ID.
	Reservations(ctx context.Context, f ReservationFilter) ([]Reservation, error)
	// Expired returns up to limit IDs of active reservations whose expiry
	// is at or before now, earliest expiry first.
	Expired(ctx context.Context, now time.Time, limit int) ([]oms.ID, error)

	// Inbound returns an inbound delivery or an error matching
	// oms.ErrNotFound.
	Inbound(ctx context.Context, id oms.ID) (Inbound, error)
	// Inbounds returns the inbound deliveries that match f, ordered by
	// expected date (undated deliveries, with a zero date, first) then ID.
	Inbounds(ctx context.Context, f InboundFilter) ([]Inbound, error)

	// Apply makes one change atomically: all of it or, on any error,
	// nothing. See Change.
	Apply(ctx context.Context, c *Change) error

	// Ledger returns the entries that match f in Seq order.
	Ledger(ctx context.Context, f LedgerFilter) ([]LedgerEntry, error)
	// Snapshot returns a consistent view of the whole store for Reconcile.
	Snapshot(ctx context.Context) (Snapshot, error)

	// ChangedSKUs returns the SKUs whose levels or settings changed after
	// change sequence number after, or whose levels sit at a location that
	// changed, and, when any location changed, every SKU whose backorder
	// mode is preorder (it may take preorders at a location where it has
	// no level), with the sequence number to pass next time.
	ChangedSKUs(ctx context.Context, after int64) (skus []oms.SKU, next int64, err error)
	// SyncState returns the sync cursor and the marks of skus (none when
	// skus is empty).
	SyncState(ctx context.Context, skus []oms.SKU) (cursor int64, marks []SyncMark, err error)
	// SaveSync atomically moves the cursor from cursor to next, stores the
	// marks and appends the events to the outbox. It fails with an error
	// matching oms.ErrConflict when the cursor is no longer cursor.
	SaveSync(ctx context.Context, cursor, next int64, marks []SyncMark, events []oms.Event) error
}

// Change is one atomic write of Store.Apply:
//
//   - Reservation, when set, replaces the stored reservation whose version
//     is Reservation.Version-1 (else an error matching oms.ErrConflict, or
//     oms.ErrNotFound when there is none), with its lines (and their refs)
//     and its Ops saved as they are: the Ops answer replayed commit and
//     release keys, so a store that drops them ships a parcel twice;
//   - Inbound, when set, creates the delivery when its Version is 1 (an
//     error matching oms.ErrDuplicate when the ID exists) and otherwise
//     replaces the stored one whose version is Inbound.Version-1;
//   - Entries are appended to the ledger with every field, Key included
//     (the store sets their Seq, in c.Entries too); Deltas with CheckSeq fail the change with an error
//     matching oms.ErrConflict unless the level's Seq is unchanged; Deltas and
//     Entries change the levels: afterwards no quantity of a touched level
//     may be negative, and a level whose availability (on hand minus
//     reserved) the change lowers must keep it at or above minus its SKU's
//     backorder allowance, else a *ShortageError listing every short level;
//   - Events are appended to the outbox.
//
// An entry or delta naming an unknown SKU or location fails the change
// with an error matching oms.ErrNotFound.
type Change struct {
	// Reservation is the reservation's next version, or nil.
	Reservation *Reservation
	// Inbound is the delivery's next (or first) version, or nil.
	Inbound *Inbound
	// Deltas change reserved units and may make the change conditional.
	Deltas []Delta
	// Entries are the ledger entries; they change on hand, incoming and
	// damaged.
	Entries []LedgerEntry
	// Events go to the outbox in the same write.
	Events []oms.Event
	// Op names the operation for errors, such as "commit" or "adjust".
	Op string
	// MovementKey, when set, makes the change a keyed stock movement
	// (receipt, adjustment, count, restock): the store applies it only if
	// no change was applied under the same MovementKey before, else it
	// fails with an error matching oms.ErrDuplicate and changes nothing.
	// The check is part of the atomic write (in SQL: an insert into a
	// table whose key is unique, in the same transaction), so concurrent
	// processes repeating one movement make it once. Every entry carries
	// it as its Key, which LedgerFilter.Key finds.
	MovementKey string
}

// ReservationFilter selects reservations.
type ReservationFilter struct {
	// Reference, when set, selects the reservations held for it.
	Reference string
	// OpenOnly selects the active and partially committed ones.
	OpenOnly bool
}

// InboundFilter selects inbound deliveries. Zero fields match everything.
type InboundFilter struct {
	// SKU, when set, selects the deliveries of that SKU.
	SKU oms.SKU `json:"sku,omitempty"`
	// Location, when set, selects the deliveries expected at that location.
	Location oms.ID `json:"location,omitempty"`
	// OpenOnly selects the deliveries that still expect units.
	OpenOnly bool `json:"open_only,omitempty"`
}

// LedgerFilter selects ledger entries. Zero fields match everything.
type LedgerFilter struct {
	SKU      oms.SKU
	Location oms.ID
	// AfterSeq selects entries with a greater Seq.
	AfterSeq int64
	// Limit caps the number of entries; zero means no cap.
	Limit int
	// Key, when set, selects the entries made under that idempotency key
	// (a keyed movement's, a commit's or a release's).
	Key string
}

// SyncMark is what the last sync published for a SKU: its sellable
// quantity on Channel, or, with an empty Channel, whether it was low.
type SyncMark struct {
	SKU     oms.SKU `json:"sku"`
	Channel Channel `json:"channel,omitempty"`
	// Quantity is the sellable quantity last published for Channel, or the
	// availability last compared with the reorder point for the empty channel.
	Quantity int64 `json:"quantity"`
	// Unlimited is the Unlimited flag last published.
	Unlimited bool `json:"unlimited,omitempty"`
	// Low says the SKU was last at or below its reorder point.
	Low bool `json:"low,omitempty"`
}
