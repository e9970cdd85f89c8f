package inventory

import (
	"time"

	"github.com/omskit/oms"
)

// Event types appended to the outbox, with the payload type each carries
// (decode oms.Event.Payload into it with encoding/json):
//
//	inventory.reserved                        ReservationPayload
//	inventory.reservation_committed           ReservationPayload
//	inventory.reservation_released            ReservationPayload
//	inventory.reservation_expired             ReservationPayload
//	inventory.reservation_extended            ReservationPayload
//	inventory.stock_moved                     StockMovedPayload
//	inventory.channel_availability_changed    ChannelAvailabilityPayload
//	inventory.low_stock                       LowStockPayload
//	inventory.stock_replenished               LowStockPayload
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

// ReservationPayload is the payload of the reservation events.
type ReservationPayload struct {
	// ReservationID is the reservation (also the event's AggregateID).
	ReservationID oms.ID `json:"reservation_id"`
	// Reference is what the stock is held for (a cart or an order).
	Reference string `json:"reference,omitempty"`
	// Key is the caller's idempotency key of the commit or release that
	// made the event; empty for the other events.
	Key string `json:"key,omitempty"`
	// Status is the reservation's status after the change.
	Status ReservationStatus `json:"status"`
	// Lines are the units reserved, committed, released or expired by this
	// change (none for an extension), each with its line's ref.
	Lines []Line `json:"lines,omitempty"`
	// ExpiresAt is the hold's expiry after the change; zero when it is no
	// hold (or no longer one).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// StockMovedPayload is the payload of EventStockMoved: the ledger entries of
// one movement command (receipt, adjustment, count, transfer, restock,
// expectation). Their Seq is 0: the store numbers entries in the same
// write that saves the event; read the ledger for the numbers.
type StockMovedPayload struct {
	// Entries are the movements, one per level touched.
	Entries []LedgerEntry `json:"entries"`
}

// ChannelAvailabilityPayload is the payload of EventChannelAvailability: the
// quantity a channel may now sell.
type ChannelAvailabilityPayload struct {
	SKU     oms.SKU `json:"sku"`
	Channel Channel `json:"channel"`
	// Quantity is the units the channel may sell now (see
	// ChannelAvailability.Quantity).
	Quantity int64 `json:"quantity"`
	// Unlimited says the channel may sell beyond Quantity (untracked SKU or
	// backorders allowed).
	Unlimited bool `json:"unlimited,omitempty"`
	// Previous is the quantity of the last event for the pair.
	Previous int64 `json:"previous"`
}

// LowStockPayload is the payload of EventLowStock and EventStockReplenished.
type LowStockPayload struct {
	SKU oms.SKU `json:"sku"`
	// Available is the SKU's availability across active locations
	// (Availability.Available) when the event was made.
	Available int64 `json:"available"`
	// ReorderPoint is the item's reorder point it was compared with: low
	// when Available is at or below it.
	ReorderPoint int64 `json:"reorder_point"`
}
