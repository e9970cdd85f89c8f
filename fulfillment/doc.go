// Package fulfillment allocates orders to locations and carries them
// through pick, pack, ship and delivery, as one resumable flow over the
// order, inventory, shipping and tracking packages.
//
// # Model
//
// Allocation is a pure planner (Allocate) from an order's lines, the
// ship-to address and coordinates, the order's channel, per-location
// availability (with preorder allowances and dated inbound supply) and the
// locations' attributes to a Plan: per location, the units it ships from
// stock; then the backordered units, where and why. Only active locations
// that ship (or, for a pickup order, the pickup location), serve the
// channel and are not on hold take part. Strategies order the locations
// and compose with Then: ByPriority, ByHighestStock, ByNearest,
// ByLowestCost (with a CostEstimator; TableRateCost uses the shipping
// package's table rates) and FewestShipments (an exact search over sets of
// up to ExactSearchLimit candidate locations; beyond that the best of a
// greedy cover, the tie-break order and priority order, so it never ships
// from more locations than priority order). Rules cap the shipments (1
// forbids splitting), skip held locations and may refuse all backorders.
// Units no location has are backordered where the SKU's policy allows
// (at the location whose inbound supply comes first, else one already in
// the plan), otherwise the plan is refused with a *ShortageError listing
// every short line.
//
// A Service reserves the plan in one all-or-nothing inventory reservation
// whose ID derives from the order (its lines carry the order line they
// serve as Ref) and creates one FulfillmentOrder per location, with IDs
// derived from the allocation: the unit of work of one location. The plan
// is saved (an Allocation) before the reservation, so a flow interrupted
// between the two re-creates the same fulfillment orders; a shortage from
// a race re-plans on fresh availability (Options.MaxReplans times), the
// units of the order's own reservation counted as available.
//
// # Fulfillment order states
//
//	            +-----------+  stock arrives  +------+
//	backorder ->| scheduled |---------------->| open |<- allocated, moved,
//	            +-----------+                 +------+   split, merged
//	                 |  ^                      |   |
//	         hold    |  | release      hold    |   | pick (StartWave)
//	                 v  |                      v   v
//	            +---------+  release  +-------------+  ship / pick up  +--------+
//	            | on_hold |---------->| in_progress |----------------->| closed |
//	            +---------+<----------+-------------+                  +--------+
//	                           hold          |     shipped with units
//	                                         |     picked short     +------------+
//	                                         +--------------------->| incomplete |
//	                                                                +------------+
//	open, scheduled, on_hold, in_progress --- Cancel ---> cancelled
//	open, scheduled --- Move / Merge (as source) ---> closed
//
// closed, incomplete and cancelled are final. The table is CanTransition;
// a move it does not allow is a *oms.TransitionError matching
// oms.ErrInvalidTransition and changes nothing. Holds (AddHold, with typed
// reasons) stop work; releasing the last one returns the order to the
// status it was held in. An order-level hold (order.Service.AddHold) stops
// Process, and every label purchase, at any time before the label is
// bought.
//
// Move re-reserves the units at the destination first (a shortage there
// changes nothing), then creates the new fulfillment order and closes the
// old one in one write, then releases the old stock. Split and Merge keep
// the stock where it is reserved (each line remembers its reservation).
// Cancel releases the stock and cancels the units on the order, so the
// order's counters stay consistent.
//
// Units the host cancels on the order itself (order.Service.CancelLines)
// after they were allocated leave their fulfillment orders at the next
// Process: the least advanced fulfillment order gives them up first, its
// lines shrink (EventLinesCancelled), their stock is released once (under
// a key, across crashes), packages made before are made again for what is
// left, and a fulfillment order left without units is cancelled. A cancel
// landing while Process runs is caught when the order refuses a count,
// and just before the shipment is created. One landing while the labels
// are bought, or while a pickup waits at the store (the shipment exists;
// the order refuses to record it), gives the shipment up: its labels are
// voided, the fulfillment order is cancelled (its stock neither released
// nor cancelled on the order) and what is left goes, picked, to a new
// fulfillment order at the same location, which Process packs and ships
// (or makes ready for pickup) under a shipment and label keys of its own.
// Once the order records a shipment, it refuses a cancel of
// its units. A third-party request not yet sent (or rejected) shrinks as
// the shop's own; one the provider has is asked to cancel (Provider.Cancel,
// under the key Cancel uses) and, once it agrees, what is left goes to a
// new request at the same location, submitted again. A provider that
// refuses (cancellation_rejected) keeps the request as it was sent and
// may ship it all: ThirdPartyShipped then records the shipment, commits
// the stock of every unit it shipped, counts on the order only the units
// the order still wants, and reports the others with
// EventShippedBeyondOrder for the host to settle.
//
// Third-party locations (3PL, dropship) get a request status, moved by
// Submit and the host's Provider, and a shipment the provider reports with
// ThirdPartyShipped:
//
//	unsubmitted --> submitted --> accepted ---------------> closed
//	     ^             |   \          |                       ^
//	     |             v    \         v                       |
//	     +-------- rejected  +--> cancellation_requested --> cancellation_rejected
//	                                  |
//	                                  v
//	                        cancellation_accepted
//
// # Pick, pack, ship, deliver
//
// StartWave groups a wave's units by SKU in the bin order a BinLocator
// gives. ConfirmPicks records what was found; a short pick releases the
// missing units, records them as a loss in the inventory ledger, and
// re-allocates them elsewhere (or backorders them, or cancels them on the
// order when the SKU denies backorders). Pack runs the shipping packer;
// VerifyPack compares a packer's scans with a package (a
// *PackMismatchError names every SKU that differs). Ship rate-shops with
// the order's service level and promised date, buys each package's label
// under LabelKey (fulfillment order and package index), creates the
// Shipment, records the shipment on the order (whose update refuses it
// once the order is cancelled, and refuses a cancel of the units once it
// is recorded), then commits the stock per package under CommitKey,
// settles payment per the capture policy and registers each tracking
// number: no stock leaves for a cancelled order. A pickup order's shipment is ready_for_pickup and
// then picked_up (PickedUp), without label.
//
//	pending --> shipped --> delivered      pending --> ready_for_pickup --> picked_up
//	               ^  |
//	               |  v
//	            exception  (failed attempt, stalled, late, lost, returned)
//
// ApplyTracking (or HandleEvent, fed by tracking's events through a relay)
// moves packages, shipments and the order's delivered counters: a shipment
// is delivered when every package is. A lost or returned package can be
// re-shipped once (ReshipLost).
//
// # Idempotent steps
//
// Process runs every step an order needs now and can be run again after
// any failure: each step derives its IDs and keys (reservation,
// fulfillment orders, shipment, label, commit, order counters) from the
// order, and recognises that it already happened, so a re-run never makes
// a second reservation, fulfillment order, label, commit or capture.
//
// # Concurrency
//
// Service and MemoryStore are safe for concurrent use. Store.Save is one
// atomic write that checks the version of every aggregate it changes and
// saves their events with them (the outbox); the Service reloads and
// retries after a lost race.
package fulfillment
