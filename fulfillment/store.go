package fulfillment

import (
	"context"

	"github.com/omskit/oms"
)

// Store keeps allocations, fulfillment orders, shipments and orphan
// tracking updates. The host implements it over its database;
// NewMemoryStore is the in-memory implementation. Implementations must be
// safe for concurrent use, copy values going in and coming out, and pass
// fulfillmenttest.TestStore.
//
// Save is the one write: all of a Change or nothing, with its events in
// the same transaction (the outbox). In SQL:
//
//	BEGIN;
//	INSERT INTO fulfillment_orders (...) VALUES (...);     -- Version 1: create
//	    -- a unique violation: ROLLBACK, oms.ErrDuplicate
//	UPDATE fulfillment_orders SET ..., version = $v
//	    WHERE id = $id AND version = $v - 1;                -- Version > 1
//	    -- 0 rows: ROLLBACK, oms.ErrConflict (oms.ErrNotFound if no row)
//	-- the same for allocations and shipments, rows locked in ID order
//	INSERT INTO shipment_tracking (carrier, number, shipment) ...;
//	INSERT INTO outbox (...) VALUES ($events...);
//	COMMIT;
type Store interface {
	// Save applies c atomically. See Change.
	Save(ctx context.Context, c *Change) error

	// Allocation returns an allocation or an error matching
	// oms.ErrNotFound.
	Allocation(ctx context.Context, id oms.ID) (*Allocation, error)
	// FulfillmentOrder returns a fulfillment order or an error matching
	// oms.ErrNotFound.
	FulfillmentOrder(ctx context.Context, id oms.ID) (*FulfillmentOrder, error)
	// FulfillmentOrders returns an order's fulfillment orders ordered by
	// creation time, then ID.
	FulfillmentOrders(ctx context.Context, orderID oms.ID) ([]*FulfillmentOrder, error)
	// Shipment returns a shipment or an error matching oms.ErrNotFound.
	Shipment(ctx context.Context, id oms.ID) (*Shipment, error)
	// Shipments returns an order's shipments ordered by creation time,
	// then ID.
	Shipments(ctx context.Context, orderID oms.ID) ([]*Shipment, error)
	// ShipmentByTracking returns the shipment with a package of that
	// carrier and tracking number, or an error matching oms.ErrNotFound.
	// Both compare as tracking.NewKey normalizes them (carrier in lower
	// case, number in upper case without spaces).
	ShipmentByTracking(ctx context.Context, carrier, trackingNumber string) (*Shipment, error)
	// Orphans returns the recorded orphan tracking updates, oldest first.
	Orphans(ctx context.Context) ([]Orphan, error)
}

// Change is one atomic write of Store.Save:
//
//   - each aggregate (allocation, fulfillment order, shipment) with
//     Version 1 is created: an existing ID fails the change with an error
//     matching oms.ErrDuplicate;
//   - each with a greater Version replaces the stored one whose version is
//     Version-1: another stored version fails it with an error matching
//     oms.ErrConflict, no stored one with oms.ErrNotFound;
//   - a shipment's packages' tracking numbers become findable by
//     ShipmentByTracking;
//   - Orphans are recorded, but for one whose Carrier, TrackingNumber and
//     non-empty EventID equal those of a recorded orphan (the same news
//     delivered again), and Events appended to the outbox (the store may
//     keep the events' payloads: callers must not change them
//     afterwards).
//
// A Version below 1, an empty ID, a nil aggregate or a nil change fails
// the change with an error matching oms.ErrValidation. Nothing of a failed
// change is kept.
type Change struct {
	Allocations       []*Allocation
	FulfillmentOrders []*FulfillmentOrder
	Shipments         []*Shipment
	Orphans           []Orphan
	Events            []oms.Event
}
