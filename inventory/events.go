package inventory

import (
	"time"

	"github.com/omskit/oms"
)

// Event types appended to the outbox. Reservation events carry a
// ReservationEvent, stock_moved a StockMovedEvent, the sync events a
// ChannelAvailabilityEvent or a LowStockEvent.
//
// EventReserved is appended by Reserve when it creates a reservation (never
// by a replay), in the same atomic store write; its payload lists every
// line reserved, and its ID is oms.DeriveID(reservation ID, "reserved"), so
// it is the same wherever the reserve runs. The sellable quantities it
// changes reach the channels through the coalesced events of Service.Sync.
const (
	EventReserved             = "inventory.reserved"
	EventReservationCommitted = "inventory.reservation_committed"
	EventReservationReleased  = "inventory.reservation_released"
	EventReservationExpired   = "inventory.reservation_expired"
	EventReservationExtended  = "inventory.reservation_extended"
	EventStockMoved           = "inventory.stock_moved"
	EventChannelAvailability  = "inventory.channel_availability_changed"
	EventLowStock             = "inventory.low_stock"
	EventStockReplenished     = "inventory.stock_replenished"
)

// Aggregate kinds of the events: reservation events belong to the
// reservation, the others to the SKU (their AggregateID is the SKU).
// Stock-moved events carry version 0; sync events carry the sync cursor,
// which only grows.
const (
	aggregateReservation = "reservation"
	aggregateSKU         = "sku"
)

// ReservationEvent is the payload of the reservation events.
type ReservationEvent struct {
	ReservationID oms.ID            `json:"reservation_id"`
	Reference     string            `json:"reference,omitempty"`
	Status        ReservationStatus `json:"status"`
	// Lines are the units reserved, committed or released by this change.
	Lines     []Line    `json:"lines,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// StockMovedEvent is the payload of EventStockMoved: the ledger entries of
// one movement command.
type StockMovedEvent struct {
	Entries []LedgerEntry `json:"entries"`
}

// ChannelAvailabilityEvent is the payload of EventChannelAvailability: the
// quantity a channel may now sell.
type ChannelAvailabilityEvent struct {
	SKU       SKU     `json:"sku"`
	Channel   Channel `json:"channel"`
	Quantity  int64   `json:"quantity"`
	Unlimited bool    `json:"unlimited,omitempty"`
	// Previous is the quantity of the last event for the pair.
	Previous int64 `json:"previous"`
}

// LowStockEvent is the payload of EventLowStock and EventStockReplenished.
type LowStockEvent struct {
	SKU          SKU   `json:"sku"`
	Available    int64 `json:"available"`
	ReorderPoint int64 `json:"reorder_point"`
}
