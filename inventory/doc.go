// Package inventory keeps stock across locations and promises it without
// overselling: locations, per-SKU settings, stock levels, reservations,
// an append-only ledger of movements, availability per location, across
// locations and per channel, available to promise, coalesced channel sync
// events and replenishment math.
//
// # Model
//
// A Location (warehouse, store, third-party warehouse, dropship supplier)
// serves some channels, may ship and may offer pickup. An Item holds a
// SKU's settings: tracked or not, its backorder policy (deny, allow, or
// preorder up to a SKU-wide limit, optionally capped per location, with an
// expected date), its safety stock and per-channel buffers, and its
// reorder point.
//
// A Level is the stock of one SKU at one location:
//
//	on hand    sellable units physically there, reserved ones included
//	reserved   promised to reservations, not yet shipped
//	incoming   expected there: purchase deliveries and transfers in transit
//	damaged    there but quarantined, not sellable
//
// Available() = on hand − reserved is derived, never stored. It never goes
// below zero for a SKU that denies backorders; for a preorder SKU the
// backorders (max(reserved − on hand, 0)) of all its levels together never
// exceed the limit, nor a location's own cap: every operation that lowers
// availability is one atomic, conditional store write (in SQL, conditional
// UPDATEs of the levels and of one per-SKU counter; see Store).
//
// # Reservations
//
// A Reservation holds stock for a cart or an order. Its ID is the caller's
// idempotency key: reserving again under it returns the existing
// reservation. Reserve is all or nothing across its lines and a single
// store operation, which also saves an EventReserved to the outbox (a
// replay saves none); a shortage is a *ShortageError listing each short
// line.
// Commit ships units (they leave reserved and on hand, with a ship entry in
// the ledger), Release returns them, Extend moves a hold's expiry, and
// SweepExpired returns expired holds to stock. Commit and Release take
// every outstanding unit or a part of each line, and a caller key
// (CommitRequest.Key, ReleaseRequest.Key): re-running "commit this parcel"
// after a crash with the same key and lines returns the first result and
// moves nothing; the same key with other lines is an error matching
// oms.ErrDuplicate. The reservation keeps its operations (Reservation.Ops)
// for that, and the ship entries of a commit carry its key.
//
// Each line may carry a Ref, the caller's reference (an order line ID):
// (SKU, location, ref) is unique within a reservation, so two order lines
// of one SKU at one location are two reservation lines on one level.
//
//	Reserve
//	   |
//	   v        release part, extend
//	+--------+ <---------------------+
//	| active | ----------------------+
//	+--------+
//	   |  |  |  commit part                          commit part,
//	   |  |  +-------------> +---------------------+ release part
//	   |  |                  | partially_committed | <----------+
//	   |  |                  +---------------------+ -----------+
//	   |  | commit all                 |
//	   |  +----------------------------+--> committed  (commit or release the rest)
//	   |
//	   +-- release all ------> released
//	   +-- sweep (expired) --> expired
//
// committed, released and expired are final. The table is CanTransition;
// a refused move is a *oms.TransitionError matching
// oms.ErrInvalidTransition (releasing twice, committing a released
// reservation), and committing or releasing more than is outstanding is a
// *oms.ValidationError. Neither changes anything.
//
// # Ledger
//
// Every change of on hand, incoming or damaged is a LedgerEntry with a
// Reason: receipt, expected, inbound_cancelled, damage, restore,
// write_off, loss, found, count (with the counted quantity), transfer_out,
// in_transit, transfer_in, transfer_lost, ship, return_restock and
// return_quarantine. Reconcile proves every level equals the sum of its
// entries (and its reserved units the open reservations' outstanding
// units, its incoming units the open deliveries), and Flows sums the
// ledger so that every unit received is accounted for: on hand, damaged,
// in transit, shipped or written off.
//
// # Keyed stock movements
//
// Receive, Adjust, Count and Restock take an optional Key. A movement
// made under a key is made once: repeating it (a retry after a timeout, a
// flow re-run after a crash, the same step run by two processes at once)
// with the same content returns the first entry and moves nothing; the
// key used for another movement is an error matching oms.ErrDuplicate.
// The store enforces it in the same atomic write (Change.MovementKey: in
// SQL, a unique key), so concurrent repeats cannot both pass the
// service's lookup; the entry carries the key (LedgerFilter.Key finds
// it). Movement keys and commit or release keys are apart: the same text
// may name one of each.
//
// # Availability and channels
//
// Availability sums a SKU over active locations; SellableOnChannel counts
// only the active locations serving a channel, minus the safety stock and
// the channel's buffer; ComputeATP adds dated incoming supplies (and a
// preorder allowance at its date) for promising backorders. Service.Sync,
// run every interval of the injected clock by RunSync, appends one
// channel-availability event per SKU per channel whose quantity changed,
// and low-stock / replenished events when a SKU crosses its reorder point,
// through the store's outbox.
//
// # Replenishment
//
// MovingAverage, ExponentialSmoothing and Holt (linear trend, no
// seasonality) forecast daily demand; ReorderPoint adds lead-time demand
// and safety stock at a service level (z from InverseNormalCDF, Acklam's
// algorithm); SuggestOrder and EOQ size the order. They are pure functions.
//
// # Concurrency
//
// Service and MemoryStore are safe for concurrent use. Reservation and
// delivery updates check the version they loaded and retry after a lost
// race; reserve and every level change are conditional writes, so many
// processes sharing one database never oversell.
package inventory
