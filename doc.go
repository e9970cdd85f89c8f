// Package oms is the shared vocabulary of the oms library for e-commerce
// order management and fulfillment: money, addresses, weights and sizes,
// IDs, time, error kinds and domain events. Every other package speaks it, so
// that an order, a stock level, a rate and a refund agree on what these are.
//
// # The library
//
// oms owns the rules of an online shop's back office; the shop owns its
// I/O. Each domain package holds domain types, state machines and pure
// functions, a concrete Service that a shop calls, a small Store interface
// that the host implements over its database, an in-memory Store (the
// embedded default), and a <pkg>test subpackage with the conformance suite
// every Store runs and the fakes other tests need.
//
//	oms (this package)  Money, Currency, Address, Weight, Length, Dimensions,
//	                    ID, SKU, ServiceLevel, Date, Clock, Event, Outbox,
//	                    Relay, error kinds
//	inventory           locations, stock levels, reservations that never
//	                    oversell, ledger, channel availability, replenishment
//	order               the order aggregate, quotes, taxes, totals,
//	                    lifecycle, holds, cancellations, edits, payments
//	shipping            parcels, carriers, concurrent rate shopping, labels,
//	                    delivery dates (imports shipping/packing)
//	shipping/packing    3D box packing: the solver and its checker
//	tracking            normalized tracking statuses, signed webhooks,
//	                    polling, exception detection
//	fulfillment         allocation of orders to locations, fulfillment
//	                    orders, pick, pack, ship, deliver
//	                    (imports order, inventory, shipping, tracking)
//	returns             return policy, RMAs, inspection, refunds, exchanges,
//	                    claims (imports order, inventory, shipping)
//	notify              customer messages for every milestone and the
//	                    customer's status view (imports order, tracking,
//	                    fulfillment, returns; nothing imports it)
//
// Imports point one way: the leaves (inventory, order, shipping, tracking)
// import only this package, never each other; the composers (fulfillment,
// returns) import leaves, and notify sits on top. A leaf that needs another leaf's data takes a
// value or a small interface instead.
//
// # End to end
//
// A checkout quotes the cart (order.Quote, with the host's TaxCalculator),
// authorizes the quoted total and places the order (order.Service.Place)
// with an idempotency key, so a retried checkout creates one order.
// fulfillment.Service.Process then allocates the order across locations in
// one atomic, all-or-nothing inventory reservation under an ID derived from
// the order (DeriveID), creates fulfillment orders with derived IDs, picks,
// packs the units into boxes (shipping/packing), asks every carrier for
// rates at once within a deadline, buys each label under a derived key,
// commits the stock and moves the order; a crash between steps is healed by
// running it again. Tracking events arrive by signed webhook or by polling,
// are normalized to one status list, and reach fulfillment (a shipment is
// delivered when its last package is) and notify (each milestone told to the
// customer at most once) through the Relay. A return is requested against
// delivered lines, judged by the returns Policy, inspected, restocked and
// refunded exactly to the cent through the order's payment gateway.
//
// # How the pieces fit
//
// Aggregates carry an ID and a Version; a store's save checks the version
// it loaded and a lost race returns an error matching ErrConflict. State
// machines are explicit transition tables; a refused move returns a
// *TransitionError matching ErrInvalidTransition and changes nothing. Every
// change appends Events that the store saves with the aggregate in one
// atomic write (the outbox); a Relay drains them to the host's Publisher at
// least once and in order per aggregate, so a rolled-back change never sends
// an e-mail and a committed one never loses it.
//
// An event in the outbox moves through these states:
//
//	         Publish ok                      retention (MemoryOutbox)
//	pending ──────────────▶ published ─────────────────────────────▶ pruned
//	  │  ▲
//	  │  │ Publish fails (or panics): attempts+1, its aggregate's later
//	  │  │ events wait; other aggregates go on
//	  │  └──┘
//	  │ attempts = RelayOptions.MaxAttempts
//	  ▼
//	dead letter ── kept for inspection; OnDeadLetter called; the aggregate
//	     │         moves on to its next event
//	     └─ MemoryOutbox.Requeue ─▶ pending
//
// Relay.Run waits on the injected Clock, so a ManualClock drives it in
// tests; Relay.Drain publishes what can be published now without waiting.
//
// Money is exact: a decimal amount and an ISO 4217 currency, no float64
// anywhere near it, an error matching ErrCurrencyMismatch when currencies
// mix, one rounding rule (Money.Round: half away from zero to the minor
// unit), and Money.Allocate to split an amount so that the parts always sum
// to the whole. Time is read only from a Clock; tests use a ManualClock.
//
// Bad input returns a *ValidationError that lists every problem with its
// field path and matches ErrValidation; nothing panics on input and a
// refused command changes nothing.
package oms
