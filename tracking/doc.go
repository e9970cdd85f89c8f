// Package tracking turns every carrier's tracking events into one status a
// customer understands, ingests them safely from signed webhooks or by
// polling, spots delays and failed deliveries before the customer asks,
// and sends the right message once at each milestone.
//
// It imports only package oms: the fulfillment side registers a tracking
// number with its shipment reference (Service.Register), and tracking never
// looks at shipments, orders or carriers' label APIs.
//
// # Statuses and events
//
// A Status is one of pre_transit, in_transit, out_for_delivery,
// available_for_pickup, delivered, delivery_failed, exception, returning,
// returned, cancelled, expired and unknown. A Reason (weather,
// address_issue, refused, lost, customs, carrier_delay, ...) says why a
// parcel is late or in trouble; reasons are an open set. Every Event keeps
// the carrier's raw code, sub-code and text next to the normalized values.
//
// Mappers turn the vocabularies shops receive into statuses:
// EasyPostMapper (status and status_detail), ShippoMapper (status and
// substatus code), AfterShipMapper (tag and subtag, e.g. Exception_011),
// and TableMapper for a carrier's own codes, filled in by the host. A code
// no mapper knows becomes unknown with the raw code kept: an event is never
// dropped for its code.
//
// # The tracker and the precedence rule
//
// A Tracker holds the events of one tracking number sorted by time (ties:
// status rank, then event ID). An event's ID is a fingerprint of its
// content, so applying the same event twice changes nothing. The current
// status is decided by one event, the maximum of the set under this order:
//
//  1. phase: terminal (delivered, returned, cancelled) > returning >
//     forward (every other known status) > unknown;
//  2. then time: the later scan wins within a phase;
//  3. then status rank (unknown < pre_transit < expired < in_transit <
//     exception < delivery_failed < out_for_delivery <
//     available_for_pickup < returning < cancelled < returned <
//     delivered);
//  4. then event ID.
//
// Because this is a total order and the status is the maximum, the final
// state is a pure function of the set of events: shuffled, repeated or
// late events give the same history and status. A late older scan is
// placed in the history and decides nothing; a delivered parcel is never
// moved back to in transit, even by a scan dated after the delivery; an
// unknown code never hides a known status.
//
//	                      ┌──────────────► cancelled
//	                      │
//	pre_transit ──► in_transit ──► out_for_delivery ──► delivered
//	     │             │  ▲   ▲           │                 ▲
//	     │             ▼  │   │           ▼                 │
//	     │        exception   └── delivery_failed    available_for_pickup
//	     │             │                  │
//	     ▼             ▼                  ▼
//	  expired      returning ───────► returned
//
//	forward statuses move freely among themselves (the newest scan wins);
//	returning only gives way to a terminal status; terminal statuses are
//	final (a later terminal scan, e.g. returned after delivered, wins).
//
// Events further in the future than ServiceOptions.MaxFutureSkew, or without a
// time, are quarantined as orphans (OrphanFutureTime) rather than applied,
// so that one bad date cannot pin the status. Events for unknown tracking
// numbers are recorded as orphans (OrphanUnknownTracker) and applied when
// the number is registered; Sweep removes orphans older than
// ServiceOptions.OrphanRetention (30 days by default), so events for
// numbers nobody registers do not pile up. Text is cleaned to valid UTF-8
// and capped.
//
// # Ingestion
//
// WebhookHandler is an http.Handler: it limits the body size, checks an
// HMAC-SHA256 signature of the raw body in constant time (header name,
// hex or base64, optional prefix; EasyPostWebhook, which keys with the
// NFKD form of the secret as EasyPost does, and AfterShipWebhook preset
// them), checks a signed timestamp against a replay window when
// configured (a timestamp header covered by the signature, or the
// "t=<unix>,v1=<hmac>" header format, SignatureTimestamped), decodes
// exactly one JSON value through a Decoder (EasyPostDecoder,
// ShippoDecoder, AfterShipDecoder or the host's) and applies the updates.
// Duplicates get 200; bad signatures and timestamps 401 and bad payloads
// 400, with nothing written. A Poller asks Sources for due tracking numbers and backs off on errors.
//
// # Exceptions
//
// Service.Sweep runs the exception rules at a given time (Detect) over the
// open trackers, listed a page at a time by key: stalled parcels (no scan
// for longer than a per-status threshold), late parcels (the promised
// day, an oms.Date, is over in the destination's time zone:
// PromisedBy.Passed(now, zone); or the carrier's estimate names a later
// day), failed attempts and returns to sender. Each new alert is recorded
// on the tracker and emitted as an EventExceptionDetected outbox event; a
// parcel that closes as returned gets its alert when that update is
// applied.
//
// Customer messages (shipped, out for delivery, delivered, delivery
// exceptions, ...) are package notify's: it reads tracking's events
// alongside those of order, fulfillment and returns, and keeps the
// templates, channel preferences and at-most-once claims.
//
// NewView builds the customer-facing tracking page: the current status,
// the milestones timeline and the scans.
package tracking
