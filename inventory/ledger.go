package inventory

import (
	"math"
	"math/big"
	"math/bits"
	"sort"
	"time"

	"github.com/omskit/oms"
)

// Reason says why stock moved. Every change of a level's on-hand, incoming
// or damaged quantity is a ledger entry with a reason.
type Reason string

// Movement reasons.
const (
	// ReasonExpected announces stock on its way (a purchase order):
	// incoming rises.
	ReasonExpected Reason = "expected"
	// ReasonReceipt receives stock: on hand rises, and incoming falls when
	// the receipt is against an expected delivery.
	ReasonReceipt Reason = "receipt"
	// ReasonInboundCancelled drops expected stock that will not come:
	// incoming falls.
	ReasonInboundCancelled Reason = "inbound_cancelled"
	// ReasonDamage moves sellable units into quarantine: on hand falls,
	// damaged rises.
	ReasonDamage Reason = "damage"
	// ReasonRestore returns quarantined units to sale.
	ReasonRestore Reason = "restore"
	// ReasonWriteOff removes quarantined units for good.
	ReasonWriteOff Reason = "write_off"
	// ReasonLoss removes sellable units that are gone (theft, loss).
	ReasonLoss Reason = "loss"
	// ReasonFound adds sellable units that turned up.
	ReasonFound Reason = "found"
	// ReasonCount corrects on hand to a cycle count; the entry carries the
	// counted quantity.
	ReasonCount Reason = "count"
	// ReasonTransferOut takes units off the source location's on hand.
	ReasonTransferOut Reason = "transfer_out"
	// ReasonInTransit records the same units as incoming at the destination.
	ReasonInTransit Reason = "in_transit"
	// ReasonTransferIn receives transferred units at the destination.
	ReasonTransferIn Reason = "transfer_in"
	// ReasonTransferLost writes off units lost in transit.
	ReasonTransferLost Reason = "transfer_lost"
	// ReasonShip takes committed units off on hand: they left with a parcel.
	ReasonShip Reason = "ship"
	// ReasonReturnRestock puts returned units back into sellable stock.
	ReasonReturnRestock Reason = "return_restock"
	// ReasonReturnQuarantine puts returned units into quarantine.
	ReasonReturnQuarantine Reason = "return_quarantine"
)

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool {
	switch r {
	case ReasonExpected, ReasonReceipt, ReasonInboundCancelled, ReasonDamage, ReasonRestore,
		ReasonWriteOff, ReasonLoss, ReasonFound, ReasonCount, ReasonTransferOut, ReasonInTransit,
		ReasonTransferIn, ReasonTransferLost, ReasonShip, ReasonReturnRestock, ReasonReturnQuarantine:
		return true
	}
	return false
}

// LedgerEntry is one movement of one SKU at one location. The ledger is
// append-only: entries are never changed or removed, and the store numbers
// them in the order it applied them.
type LedgerEntry struct {
	// Seq is the store's position of the entry, strictly increasing.
	Seq      int64   `json:"seq"`
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Reason says why the stock moved; it fixes the signs of the quantities.
	Reason Reason `json:"reason"`
	// OnHand, Incoming and Damaged are the changes of the level's quantities.
	OnHand   int64 `json:"on_hand,omitempty"`
	Incoming int64 `json:"incoming,omitempty"`
	Damaged  int64 `json:"damaged,omitempty"`
	// Counted is the counted quantity of a ReasonCount entry.
	Counted int64 `json:"counted"`
	// Reference links the movement to its cause: a reservation, an inbound
	// delivery or transfer, a return, a count sheet.
	Reference string `json:"reference,omitempty"`
	// Key is the idempotency key of the command that made the entry (the
	// key of a Commit for its ship entries); empty otherwise.
	Key string `json:"key,omitempty"`
	// InboundID is the delivery or transfer that a receipt (reason receipt
	// or transfer_in) was made against; empty otherwise. A keyed receipt
	// repeated against another delivery is told apart by it.
	InboundID oms.ID `json:"inbound_id,omitempty"`
	// Note is free text for people, at most 1024 bytes.
	Note string `json:"note,omitempty"`
	// At is when the movement was recorded, on the service's clock.
	At time.Time `json:"at"`
}

// Delta changes the reserved quantity of one level (reservations move it),
// and can make a change conditional on the level being unchanged.
type Delta struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Reserved is the change of the level's reserved units: positive holds
	// more, negative holds less.
	Reserved int64 `json:"reserved"`
	// CheckSeq makes the change fail with an error matching
	// oms.ErrConflict unless the level's Seq is still Seq (0 for a level
	// that does not exist yet). Counts use it: the counted difference is
	// only right against the on-hand quantity it was computed from.
	CheckSeq bool `json:"check_seq,omitempty"`
	// Seq is the level Seq that CheckSeq expects.
	Seq int64 `json:"seq,omitempty"`
}

// InboundKind says where expected stock comes from.
type InboundKind string

// Inbound kinds.
const (
	// InboundPurchase is a delivery from a supplier.
	InboundPurchase InboundKind = "purchase"
	// InboundTransfer is a transfer from another location, in transit.
	InboundTransfer InboundKind = "transfer"
)

// Valid reports whether k is a known kind.
func (k InboundKind) Valid() bool { return k == InboundPurchase || k == InboundTransfer }

// InboundStatus is where an expected delivery is.
type InboundStatus string

// Inbound statuses.
const (
	// InboundOpen still expects units.
	InboundOpen InboundStatus = "open"
	// InboundClosed has received or cancelled every unit.
	InboundClosed InboundStatus = "closed"
)

// Valid reports whether s is a known status.
func (s InboundStatus) Valid() bool { return s == InboundOpen || s == InboundClosed }

// Inbound is stock expected at a location: a purchase delivery or a
// transfer in transit. Its outstanding units count as the level's incoming.
type Inbound struct {
	// ID is the caller's key (a purchase order line, a transfer number).
	ID oms.ID `json:"id"`
	// Kind is a purchase delivery or a transfer.
	Kind InboundKind `json:"kind"`
	SKU  oms.SKU     `json:"sku"`
	// From is the source location of a transfer.
	From oms.ID `json:"from,omitempty"`
	// Location is where the units are expected.
	Location oms.ID `json:"location"`
	// Quantity is the units expected in all; Received and Cancelled count
	// those that arrived and those that will not. Outstanding is the rest.
	Quantity  int64 `json:"quantity"`
	Received  int64 `json:"received"`
	Cancelled int64 `json:"cancelled"`
	// ExpectedAt is when the units are due; zero when unknown. ATP dates the
	// supply by it.
	ExpectedAt time.Time `json:"expected_at,omitzero"`
	// Reference is the caller's text, such as a purchase order number.
	Reference string `json:"reference,omitempty"`
	// Status is open while units are outstanding, then closed.
	Status InboundStatus `json:"status"`
	// Version counts the saved changes, starting at 1 (optimistic concurrency).
	Version int64 `json:"version"`
	// CreatedAt and UpdatedAt are the service clock's times of the first and
	// the last change.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Outstanding returns the units still expected.
func (in Inbound) Outstanding() int64 { return in.Quantity - in.Received - in.Cancelled }

// Snapshot is a consistent view of a store: every level, the whole
// ledger, the open reservations and the open inbound deliveries, read at
// one instant (in SQL: one REPEATABLE READ transaction).
type Snapshot struct {
	// Levels are every stored level, by SKU then location.
	Levels []Level `json:"levels"`
	// Entries are the whole ledger in Seq order.
	Entries []LedgerEntry `json:"entries"`
	// Reservations are the open reservations, by ID.
	Reservations []Reservation `json:"reservations"`
	// Inbounds are the open inbound deliveries.
	Inbounds []Inbound `json:"inbounds"`
}

// Mismatch is one quantity of one level that its history does not explain.
type Mismatch struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Field is on_hand, incoming, damaged or reserved.
	Field string `json:"field"`
	// Level is the stored quantity; Expected is what the history sums to.
	Level    int64 `json:"level"`
	Expected int64 `json:"expected"`
}

// ReconcileReport is the result of Reconcile.
type ReconcileReport struct {
	// Levels and Entries count what was checked.
	Levels  int `json:"levels"`
	Entries int `json:"entries"`
	// Mismatches lists every quantity its history does not explain; empty when
	// clean.
	Mismatches []Mismatch `json:"mismatches,omitempty"`
}

// Clean reports whether every level matched its history.
func (r ReconcileReport) Clean() bool { return len(r.Mismatches) == 0 }

// Reconcile proves that every level equals its history: on hand, incoming
// and damaged equal the sums of the level's ledger entries, reserved equals
// the outstanding units of the open reservations' tracked lines, and
// incoming equals the outstanding units of the open inbound deliveries.
// It is a pure function of a snapshot. The sums are exact (128 bits), so a
// history that passes the int64 range never passes for the level;
// Mismatch.Expected reports such a sum saturated.
func Reconcile(s Snapshot) ReconcileReport {
	type sums struct{ onHand, incoming, damaged, reserved, inbound exactSum }
	got := map[levelKey]*sums{}
	at := func(sku oms.SKU, loc oms.ID) *sums {
		k := levelKey{sku, loc}
		if got[k] == nil {
			got[k] = &sums{}
		}
		return got[k]
	}
	for _, e := range s.Entries {
		x := at(e.SKU, e.Location)
		x.onHand.add(e.OnHand)
		x.incoming.add(e.Incoming)
		x.damaged.add(e.Damaged)
	}
	for _, r := range s.Reservations {
		if !r.Open() {
			continue
		}
		for _, l := range r.Lines {
			if !l.Untracked {
				x := at(l.SKU, l.Location)
				x.reserved.add(l.Outstanding())
			}
		}
	}
	for _, in := range s.Inbounds {
		if in.Status == InboundOpen {
			x := at(in.SKU, in.Location)
			x.inbound.add(in.Outstanding())
		}
	}
	rep := ReconcileReport{Levels: len(s.Levels), Entries: len(s.Entries)}
	seen := map[levelKey]bool{}
	check := func(sku oms.SKU, loc oms.ID, field string, level int64, expected exactSum) {
		if !expected.is(level) {
			rep.Mismatches = append(rep.Mismatches, Mismatch{SKU: sku, Location: loc, Field: field, Level: level, Expected: expected.saturated()})
		}
	}
	for _, l := range s.Levels {
		k := levelKey{l.SKU, l.Location}
		seen[k] = true
		x := at(l.SKU, l.Location)
		check(l.SKU, l.Location, "on_hand", l.OnHand, x.onHand)
		check(l.SKU, l.Location, "incoming", l.Incoming, x.incoming)
		check(l.SKU, l.Location, "incoming_inbound", l.Incoming, x.inbound)
		check(l.SKU, l.Location, "damaged", l.Damaged, x.damaged)
		check(l.SKU, l.Location, "reserved", l.Reserved, x.reserved)
	}
	keys := make([]levelKey, 0, len(got))
	for k := range got {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].sku != keys[j].sku {
			return keys[i].sku < keys[j].sku
		}
		return keys[i].loc < keys[j].loc
	})
	for _, k := range keys {
		x := got[k]
		check(k.sku, k.loc, "on_hand", 0, x.onHand)
		check(k.sku, k.loc, "incoming", 0, x.incoming)
		check(k.sku, k.loc, "incoming_inbound", 0, x.inbound)
		check(k.sku, k.loc, "damaged", 0, x.damaged)
		check(k.sku, k.loc, "reserved", 0, x.reserved)
	}
	return rep
}

// exactSum is a 128-bit sum of int64s (hi:lo in two's complement): no
// count of int64 terms below 2^63 wraps it.
type exactSum struct {
	hi int64
	lo uint64
}

func (s *exactSum) add(x int64) {
	var c uint64
	s.lo, c = bits.Add64(s.lo, uint64(x), 0)
	s.hi += int64(c) + x>>63 // x>>63 is x's sign extension: 0 or -1
}

// is reports whether the sum is x.
func (s exactSum) is(x int64) bool { return s.lo == uint64(x) && s.hi == x>>63 }

// saturated returns the sum, or the end of the int64 range it passed.
func (s exactSum) saturated() int64 {
	switch x := int64(s.lo); {
	case s.hi == x>>63:
		return x
	case s.hi < 0:
		return math.MinInt64
	}
	return math.MaxInt64
}

// Flow sums the ledger by where units came from and went to. For a closed
// system, Received + Found + Returned = OnHand + Damaged + InTransit +
// Shipped + WrittenOff (see Balanced).
type Flow struct {
	// Received counts units received from suppliers.
	Received int64 `json:"received"`
	// Found counts units that turned up (found, counts above the books).
	Found int64 `json:"found"`
	// Returned counts units returned by customers.
	Returned int64 `json:"returned"`
	// Shipped counts units that left with parcels.
	Shipped int64 `json:"shipped"`
	// WrittenOff counts units lost, written off, counted short or lost in
	// transit.
	WrittenOff int64 `json:"written_off"`
	// OnHand, Damaged and InTransit are what the ledger says is held now.
	OnHand    int64 `json:"on_hand"`
	Damaged   int64 `json:"damaged"`
	InTransit int64 `json:"in_transit"`
}

// Balanced reports whether every unit that came in is accounted for. It
// compares the two sides exactly, so their totals cannot wrap; a Flow
// whose sums saturated (see Flows) compares its saturated sums.
func (f Flow) Balanced() bool {
	sum := func(xs ...int64) *big.Int {
		s := new(big.Int)
		for _, x := range xs {
			s.Add(s, big.NewInt(x))
		}
		return s
	}
	return sum(f.Received, f.Found, f.Returned).Cmp(sum(f.OnHand, f.Damaged, f.InTransit, f.Shipped, f.WrittenOff)) == 0
}

// Flows sums entries into a Flow. Each sum saturates at the int64 range
// rather than wrap: a ledger of more than 2^63 units (levels of up to
// 2^62 units each) reports math.MaxInt64.
func Flows(entries []LedgerEntry) Flow {
	var f Flow
	for _, e := range entries {
		f.OnHand = satAdd(f.OnHand, e.OnHand)
		f.Damaged = satAdd(f.Damaged, e.Damaged)
		switch e.Reason {
		case ReasonReceipt:
			f.Received = satAdd(f.Received, e.OnHand)
		case ReasonFound:
			f.Found = satAdd(f.Found, e.OnHand)
		case ReasonCount:
			if e.OnHand > 0 {
				f.Found = satAdd(f.Found, e.OnHand)
			} else {
				f.WrittenOff = satSub(f.WrittenOff, e.OnHand)
			}
		case ReasonLoss:
			f.WrittenOff = satSub(f.WrittenOff, e.OnHand)
		case ReasonWriteOff:
			f.WrittenOff = satSub(f.WrittenOff, e.Damaged)
		case ReasonShip:
			f.Shipped = satSub(f.Shipped, e.OnHand)
		case ReasonReturnRestock:
			f.Returned = satAdd(f.Returned, e.OnHand)
		case ReasonReturnQuarantine:
			f.Returned = satAdd(f.Returned, e.Damaged)
		case ReasonInTransit, ReasonTransferIn, ReasonTransferLost:
			f.InTransit = satAdd(f.InTransit, e.Incoming)
			if e.Reason == ReasonTransferLost {
				f.WrittenOff = satSub(f.WrittenOff, e.Incoming)
			}
		}
	}
	return f
}
