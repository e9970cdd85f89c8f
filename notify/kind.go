package notify

import (
	"slices"
)

// Kind is a milestone a customer is told about.
type Kind string

// Milestone kinds. Each is sent at most once per scope (an order, a
// shipment, a return, a refund, a cancellation), customer and channel.
const (
	// KindOrderConfirmed: the order was confirmed (order.confirmed).
	KindOrderConfirmed Kind = "order_confirmed"
	// KindOrderCancelled: the whole order was cancelled (order.cancelled).
	KindOrderCancelled Kind = "order_cancelled"
	// KindLinesCancelled: some units were cancelled, the rest goes on
	// (order.lines_cancelled); one message per cancellation.
	KindLinesCancelled Kind = "lines_cancelled"
	// KindPartiallyShipped: part of the order shipped, the rest follows
	// (order.shipped leaving units unshipped).
	KindPartiallyShipped Kind = "partially_shipped"
	// KindShipped: a shipment left with the carrier, with the carrier and
	// the tracking links.
	KindShipped Kind = "shipped"
	// KindOutForDelivery: a shipment is on the vehicle for the last mile.
	KindOutForDelivery Kind = "out_for_delivery"
	// KindDeliveryException: a shipment is in trouble (a failed attempt, a
	// stall, a loss, a return to sender), with what happens next.
	KindDeliveryException Kind = "delivery_exception"
	// KindDelivered: every package of a shipment was delivered.
	KindDelivered Kind = "delivered"
	// KindReadyForPickup: a shipment waits at a pickup point or the store.
	KindReadyForPickup Kind = "ready_for_pickup"
	// KindReturnApproved: a return was approved, with its label when the
	// shop issued one by then.
	KindReturnApproved Kind = "return_approved"
	// KindReturnLabel: the return label issued after the approval was sent.
	KindReturnLabel Kind = "return_label"
	// KindReturnReceived: the returned goods arrived.
	KindReturnReceived Kind = "return_received"
	// KindRefundIssued: money was given back, with the amount.
	KindRefundIssued Kind = "refund_issued"
	// KindExchangeShipped: the replacement of an exchange shipped.
	KindExchangeShipped Kind = "exchange_shipped"
	// KindDigest: several milestones of one order folded into one message
	// (Options.Digest). It is never a milestone itself.
	KindDigest Kind = "digest"
)

// Kinds returns every milestone kind (KindDigest excluded).
func Kinds() []Kind {
	return []Kind{KindOrderConfirmed, KindOrderCancelled, KindLinesCancelled, KindPartiallyShipped,
		KindShipped, KindOutForDelivery, KindDeliveryException, KindDelivered, KindReadyForPickup,
		KindReturnApproved, KindReturnLabel, KindReturnReceived, KindRefundIssued, KindExchangeShipped}
}

// Valid reports whether k is a milestone kind or KindDigest.
func (k Kind) Valid() bool { return k == KindDigest || slices.Contains(Kinds(), k) }

// ScopeKind is what a milestone is about.
type ScopeKind string

// Scope kinds.
const (
	ScopeOrder        ScopeKind = "order"
	ScopeShipment     ScopeKind = "shipment"
	ScopeReturn       ScopeKind = "return"
	ScopeRefund       ScopeKind = "refund"
	ScopeCancellation ScopeKind = "cancellation"
)

// ScopeOf returns the kind of scope milestones of kind k belong to.
func ScopeOf(k Kind) ScopeKind {
	switch k {
	case KindOrderConfirmed, KindOrderCancelled, KindPartiallyShipped:
		return ScopeOrder
	case KindLinesCancelled:
		return ScopeCancellation
	case KindReturnApproved, KindReturnLabel, KindReturnReceived:
		return ScopeReturn
	case KindRefundIssued:
		return ScopeRefund
	}
	return ScopeShipment
}

// Rank returns k's place in its scope's progression: a milestone is never
// sent once a milestone of a higher rank of the same scope was (a
// "shipped" arriving after "delivered" is dropped); milestones of equal
// rank may come in any order, each once.
//
//	order:     order_confirmed (1) < partially_shipped (2) < order_cancelled (3)
//	shipment:  shipped, exchange_shipped (1)
//	           < out_for_delivery, ready_for_pickup, delivery_exception (2)
//	           < delivered (3)
//	return:    return_approved, return_label (1) < return_received (2)
//	refund, cancellation: one milestone each (1)
func Rank(k Kind) int {
	switch k {
	case KindPartiallyShipped, KindOutForDelivery, KindReadyForPickup, KindDeliveryException, KindReturnReceived:
		return 2
	case KindOrderCancelled, KindDelivered:
		return 3
	case KindDigest, "":
		return 0
	}
	if !k.Valid() {
		return 0
	}
	return 1
}

// Channel is a way to reach a customer.
type Channel string

// Channels.
const (
	// ChannelEmail: subject, plain text and HTML to an e-mail address.
	ChannelEmail Channel = "email"
	// ChannelSMS: a short plain text to a phone number.
	ChannelSMS Channel = "sms"
	// ChannelPush: a title (the subject) and a text to a device token.
	ChannelPush Channel = "push"
	// ChannelPortal: a message for the host's customer portal (its inbox
	// on the order page): subject, text and HTML, addressed to the
	// customer ID.
	ChannelPortal Channel = "portal"
)

// Channels returns every channel.
func Channels() []Channel {
	return []Channel{ChannelEmail, ChannelSMS, ChannelPush, ChannelPortal}
}

// Valid reports whether c is a channel.
func (c Channel) Valid() bool { return slices.Contains(Channels(), c) }

// HTML reports whether messages on c carry an HTML body.
func (c Channel) HTML() bool { return c == ChannelEmail || c == ChannelPortal }
