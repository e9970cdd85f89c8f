// Package returns takes goods back: a return policy and its evaluation, the
// return authorization (RMA) with its state machine, return labels,
// tracking of the way back, inspection per unit with dispositions through
// inventory, exact refunds through the order's payment gateway, exchanges
// and claims.
//
// # Model
//
// A Policy says what may come back: a return window in days from delivery
// (per channel, with per-SKU or per-category Rules), final-sale and
// non-returnable items, the accepted reasons, a restocking fee (percent or
// per unit, waived for reasons that are the shop's fault), who pays the way
// back (free, deducted from the refund, or customer-arranged), whether the
// order's shipping is refunded, and whether exchanges and store credit are
// offered. Policy.Evaluate says for each requested line whether it may be
// returned and, if not, why, in words for the customer (Verdict).
//
// A Return is one request to send goods of one order back. Its lines name
// the order line, the quantity, the reason, the customer's comment and the
// resolution asked for (refund, exchange, store credit). The Service moves
// it through the states below, saving each change with its events in one
// write (the outbox of DESIGN.md); a claim (damaged on arrival, wrong item,
// missing item) is a Return of KindClaim that nothing comes back for.
//
// Money is exact. CalculateRefund is pure: each returned unit is worth its
// exact share of its line's price, discounts (the line's own and its part
// of the order's) and tax, split with oms.Money.Allocate in the order the
// units are refunded, so the shares of a line summed over all its returns
// equal the line's total to the cent; shipping is refunded per policy,
// restocking fees and return shipping are deducted, and no refund exceeds
// what was captured and not yet refunded. The refund is executed by
// order.Service.Refund with its per-line breakdown, keyed by the return,
// so the order's payment summary stays the one truth and a retry after a
// failure (even one after the gateway took the money) refunds once.
//
// An exchange credits the exchanged units' value against a replacement
// order (its discount); the rest of the credit is refunded, what the
// replacement costs beyond it is paid on the replacement order. An
// advance exchange ships the replacements at approval against the credit
// of every authorized unit; when fewer units come back (never received,
// or missing at a final inspection), Resolve takes the difference again
// against the units that did and charges what is then due, the
// replacement of the units kept, on an order of its own paid with
// ResolveInput.PaymentMethod (ExchangeRecord.ChargeOrderID), once; that
// order ships nothing and is completed once paid, so an ordinary cancel
// cannot refund it.
// A replacement can itself be returned: the credit that paid for it is no
// money of the replacement order (which captured only what was due), so
// each returned replacement unit's exact share of that credit is refunded
// on the original order (RefundRecord.Original), amount only, once, less
// what the replacement's own refund could not deduct of the restocking fee
// (on the units' whole worth) and the return shipping; likewise, the
// share of an advance exchange's charge order is refunded on that order
// (RefundRecord.Charge). The
// original units stay with the exchange, so they are not returned again.
// The replacement of an advance exchange returned before the original
// units came back waits: its Resolve is refused (oms.ErrInvalidTransition)
// until the exchange's return is completed (after it expired or was
// cancelled, no credit paid for the replacement: nothing comes of it).
//
// Goods that come back move through inventory with their ledger reasons:
// restocked units into sellable stock (return_restock), quarantined and
// refurbished units into damaged stock (return_quarantine), disposed and
// vendor-returned units into damaged stock and written off (write_off).
// Each movement carries a ledger reference derived from the return, so a
// retried inspection moves stock once. The order's returned counters move
// through the order service when units arrive.
//
// # State machine
//
// The table is Transitions; a move it does not allow returns an error
// matching oms.ErrInvalidTransition that names the return, the from and
// the to, and changes nothing.
//
//	                 ┌──────────► rejected
//	                 │
//	requested ───────┼──────────► cancelled ◄───────────┐
//	                 │                                   │
//	                 ▼                                   │
//	             approved ──(claim: resolved)──────────┐ │
//	              │  │  │                              │ │
//	              │  │  └──(expiry, nothing back)──► expired
//	              │  ▼                                 │ │
//	              │ label_issued ──────────────────────┼─┘ (and expired)
//	              │  │                                 │
//	              ▼  ▼                                 │
//	            in_transit                             │
//	              │                                    │
//	              ▼                                    │
//	   partially_received ──► received                 │
//	              │              │                     │
//	              └──► inspected ◄┘                    │
//	                      │                            │
//	                      ▼                            │
//	                  completed ◄──────────────────────┘
//	        (refunded, exchanged, store credit)
//
// approved and label_issued may also go straight to partially_received or
// received (a parcel that arrived without a tracking event); approved,
// label_issued and requested may be cancelled. Rejected, cancelled,
// expired and completed are final.
//
// # Concurrency
//
// Service is safe for concurrent use: every command re-reads the return
// and saves with a version check, retrying a lost race. Steps that reach
// other services (order refunds and counters, inventory, the carrier, a
// replacement order) are recorded on the return first and keyed, so
// running a command again after an error or a crash finishes it without
// doing anything twice. Request, Approve and Claim check what is still
// returnable and then take units; one Service runs them one at a time per
// order, so concurrent commands never take more units than were delivered.
// It also resolves one order's returns one at a time, so each plan values
// its units after the store credit, exchanges and refunds of the others.
// Several processes sharing a database serialize only through the store's
// version checks: two of them may each take the last unit in different
// returns; the order's own bound (returned <= delivered, checked when the
// units arrive) then refuses to count the second receipt, and Receive
// returns that error. Likewise one Service makes a return's stock moves
// one caller at a time (each is looked up in the ledger by its reference
// first); two processes retrying the same inspection at the same instant
// could both make a move, which inventory's Reconcile does not hide: the
// ledger shows two entries with one reference. MemoryStore is safe
// for concurrent use; other stores must pass returnstest.TestStore.
package returns
