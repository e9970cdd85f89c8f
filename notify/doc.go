// Package notify tells customers about every milestone of their orders,
// once, from the events of every package: order (confirmed, cancelled,
// lines cancelled, partially shipped, refunded), fulfillment (a shipment
// shipped, delivered, in trouble, ready for pickup), tracking (each
// parcel's scans and the exception sweep's alerts) and returns (approved
// with the label, received, exchanges). It also keeps the customer-facing
// status of each order (View) for the host's portal page. Nothing in the
// library imports it; it sits on top.
//
// # Model
//
// A Notifier is an oms.Publisher: a Relay (or a bus subscriber) feeds it
// the outbox events. Each event is applied once (by ID) to the Progress of
// its order, a document in the Notifier's Store holding what notify knows
// of the order (the customer, the lines and their counters, the shipments
// with their packages and tracking timelines, returns, refunds) and the
// milestones decided per scope. Event types notify does not use are
// ignored; an event it cannot read is logged and skipped, never an error
// that blocks the relay.
//
// A milestone belongs to a scope (the order, a shipment, a return, a
// refund, a cancellation) and has a rank in it (see Rank). It is decided at
// most once per scope, and never once a milestone of a higher rank of the
// same scope was decided: a "shipped" arriving after "delivered" (a late
// or redelivered event) is dropped. A shipment's "delivered" waits until
// fulfillment reported the whole shipment delivered and every package
// notify knows of was seen delivered: one parcel of three arriving is not
// the shipment's delivery. (A host without fulfillment, whose shipments
// only tracking reports, sets Options.DeliveredByTracking: every parcel
// registered for the shipment delivered is then the shipment's delivery.)
//
//	order:     order_confirmed ──► partially_shipped ──► order_cancelled
//	shipment:  shipped ──► out_for_delivery ──┐
//	(or exchange_shipped)  ready_for_pickup ──┼──► delivered
//	                       delivery_exception ┘
//	return:    return_approved, return_label ──► return_received
//	refund:    refund_issued          cancellation: lines_cancelled
//
// (Milestones in one column may come in any order, each once; an arrow
// never points back.)
//
// # Messages
//
// A decided milestone waits in the Progress until it is sent. The
// customer's Preferences (in the Store) pick the locale, the channels
// (e-mail, SMS, push, portal) per kind and the addresses; without them
// the order's e-mail address and Options.DefaultChannels are used.
// Templates render a subject and a text and HTML body per kind and locale
// (English and German built in, host templates by Set); an e-mail wraps
// the body in the locale's Frame (the greeting). Every template reads a
// whole sentence whatever optional value is missing. With Options.Digest
// the milestones of one order decided within the window are folded into
// one message per channel.
//
// Each message is claimed in the Store before it is sent, per milestone,
// scope, recipient and channel (a unique insert), so events delivered
// twice, or by several relays at once, send it once. A claim records its
// holder (a token per attempt) and its state:
//
//	(none) ──Claim──► held ──MarkSent──► sent
//	   ▲                │
//	   └────Release─────┘   (the send failed)
//
// The holder alone settles a claim: it marks it sent once the Sender took
// the message, or releases it when the send failed, keeps the milestone
// pending and returns the error, so the relay delivers the event again
// (or Flush retries) and the message goes out then. Another sender that
// finds the claim held leaves the milestone pending for the holder to
// settle; finding it sent, it drops the milestone. At most once wins over
// at least once: a claim held for longer than Options.ClaimTimeout (its
// holder died between claim and report, or its store kept failing) is
// taken as sent, and that message may stay unsent rather than risk
// sending it twice.
//
// # Concurrency
//
// Notifier is safe for concurrent use; the Progress documents are saved
// with a version check and updates retried on a lost race.
package notify
