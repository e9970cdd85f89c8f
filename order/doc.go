// Package order is the order aggregate of oms: what a customer bought,
// its exact totals, its lifecycle, its holds, cancellations and edits, and
// per-line quantity counters that say how much has been allocated, packed,
// shipped, delivered, cancelled and returned.
//
// # Model
//
// An Order has lines (Line), order-level discounts, a shipping charge and
// taxes, a payment summary (Payment), holds (Hold), notes and metadata. It
// carries a Version that grows by one with every saved change.
//
// Each Line has an ordered Quantity and six counters that only move within
// their bounds:
//
//	0 <= Returned <= Delivered <= Shipped <= Fulfilled <= Allocated <= Quantity - Cancelled
//
// A move that would break a bound is refused with an error naming the
// line and the bound, and changes nothing. The fulfillment status
// (unfulfilled, partially_allocated, allocated, partially_shipped, shipped,
// partially_delivered, delivered) and the return status (none,
// partially_returned, returned) are derived from the counters by
// FulfillmentOf and ReturnOf and never stored, so they cannot disagree.
//
// ComputeTotals is the one pure function that derives the amounts:
// subtotal, line and order discounts (order-level discounts are prorated
// across the lines with oms.Money.Allocate, so the shares always sum to
// the discount), shipping, tax and grand total, exact in the order's
// currency. Cancelled units leave the totals; the Service stores the
// recomputed Totals with every change. Discounts never reduce the shipping
// charge. Taxes are added on top, or included in the prices (VAT style,
// Order.TaxIncluded).
//
// # Quotes and taxes
//
// Quote (Service.Quote, or the package function) takes the same
// PlaceInput as Place and returns exactly what Place will store: each
// line with its share of the order discounts and its tax, shipping and its
// tax, and the totals. A checkout shows the quote and authorizes its
// GrandTotal; Place, which prices through the same code, then adds no
// awaiting_payment hold. Taxes are given explicitly in the input by
// default; a host that sets ServiceOptions.Tax to a TaxCalculator (its
// tax service, or the table-based TaxTable with rates per country and
// region, inclusive or exclusive, per tax code) has them computed on the
// lines' amounts after every discount.
//
// # Lifecycle
//
// The lifecycle is an explicit transition table with guards (Transitions):
//
//	  Place
//	    |
//	    v
//	+---------+  Confirm     +-----------+  first allocation  +------------+
//	| pending |------------->| confirmed |------------------->| processing |
//	+---------+  [no open    +-----------+  [no open hold]    +------------+
//	    |        awaiting_         |                            |       |
//	    |        payment hold]     |                            |       | every line
//	    |                          |                            |       | delivered or
//	    | Cancel, or CancelLines   |                            |       | cancelled
//	    | of every unit            |                            |       | (automatic)
//	    | [nothing shipped]        v                            |       v
//	    |                    +-----------+                      |  +-----------+
//	    +------------------->| cancelled |<---------------------+  | completed |
//	                         +-----------+                         +-----------+
//
// cancelled and completed are final (returns may still be recorded on a
// completed order).
//
// A move the table does not allow, or whose guard fails, returns a
// *oms.TransitionError (errors.Is(err, oms.ErrInvalidTransition)) naming
// the order, the from and the to, and changes nothing.
//
// Holds (awaiting_payment, fraud_review, address_verification,
// customer_request, inventory, other) stop allocation and packing while any
// is open (*HoldError, errors.Is(err, oms.ErrOnHold)); several can be open
// at once, each with who, when and a note.
//
// # Commands
//
// A Service runs the commands over a Store: Place (validates everything
// and lists every problem; an idempotency key derives the order's ID and
// makes a replay with the same content return the first order, while
// another content under the key is refused with oms.ErrDuplicate),
// Confirm, AddHold, ReleaseHold, Cancel (whole order, only
// while nothing shipped), CancelLines (the unshipped part of lines), Edit
// (add, remove and re-quantify lines with nothing allocated), and the
// counter moves RecordAllocation, RecordFulfillment, RecordShipment,
// RecordDelivery and RecordReturn, each idempotent under the caller's key.
// Completion is automatic. Every command loads the order, checks the rules
// on a private copy and saves the copy with its events in one write that
// checks the version it loaded; a lost race (oms.ErrConflict) is retried
// on the fresh order. A refused command saves nothing. Get, GetByNumber
// and List (by customer or by status, in pages that follow a keyset
// cursor) read orders.
//
// Hold IDs are unique within an order: the holds the Service adds itself
// (awaiting_payment) and the holds a caller adds with a key derive their
// IDs in separate namespaces, so no caller key can take a system hold's
// ID.
//
// # Events
//
// Every saved change carries events (order.placed, order.confirmed,
// order.hold_added, order.hold_released, order.cancelled,
// order.lines_cancelled, order.edited, order.allocated, order.fulfilled,
// order.shipped, order.delivered, order.returned, order.completed,
// order.note_added and the order.payment_* events), which the Store saves
// in the same atomic write through its outbox. Each event type's payload
// is an exported, documented type (NewPayload returns the one for a type;
// order.confirmed carries a ConfirmedPayload with the customer, number,
// address, lines and totals), so a consumer needs no read of the order.
// Timeline turns them into a history for support staff.
//
// # Payment
//
// The payment itself is the host's: it implements PaymentGateway
// (authorize, capture, void, refund, each with an idempotency key). The
// order tracks authorized, captured, voided and refunded amounts and
// decides when and how much (PlanSettlement): capture at placement, or at
// shipment for the value shipped; refund what was collected beyond a
// shrunken total; void the rest when the order ends. An order whose payment
// is not authorized carries the awaiting_payment hold.
//
// Every gateway request is recorded as Payment.Pending before it is made
// and cleared with its result. A capture, void or refund that fails stays
// pending, and so does an authorization whose outcome the gateway cannot
// tell (an error matching ErrOutcomeUnknown or context.DeadlineExceeded:
// the processor may hold the money): SettlePayment repeats the same request under the same key, so
// money moves once. Any other authorization error is a decline, recorded
// as failed; AuthorizePayment then tries anew under a new key.
//
// # Stores
//
// Store is what the host implements over its database; NewMemoryStore is
// the in-memory implementation. Every implementation passes the
// conformance suite ordertest.TestStore.
package order
