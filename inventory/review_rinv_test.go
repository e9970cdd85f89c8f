package inventory_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/google/go-cmp/cmp"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestChangeOfMinInt64QuantitiesIsRefused: ValidateChange bounded each
// quantity by comparing its absolute value with oms.MaxQuantity, but the
// absolute value of math.MinInt64 wraps to itself (negative), so an entry
// or delta of math.MinInt64 units passed; two such entries on one level
// summed to 0 (wrapped) and the store applied them, writing two ledger
// entries of -2^63 units. Such a change must be refused as a validation
// error and change nothing.
func TestChangeOfMinInt64QuantitiesIsRefused(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	snap, events := b.snapshot(t)
	for name, c := range map[string]*inventory.Change{
		"on hand": {Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, OnHand: math.MinInt64},
			{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, OnHand: math.MinInt64},
		}},
		"incoming": {Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonInboundCancelled, Incoming: math.MinInt64},
			{SKU: "A", Location: "wh", Reason: inventory.ReasonInboundCancelled, Incoming: math.MinInt64},
		}},
		"damaged": {Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonWriteOff, Damaged: math.MinInt64},
			{SKU: "A", Location: "wh", Reason: inventory.ReasonWriteOff, Damaged: math.MinInt64},
		}},
		"reserved": {Deltas: []inventory.Delta{
			{SKU: "A", Location: "wh", Reserved: math.MinInt64},
			{SKU: "A", Location: "wh", Reserved: math.MinInt64},
		}},
	} {
		err := b.store.Apply(b.ctx, c)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Apply = %v, want a validation error", name, err)
		}
		if err := inventory.ValidateChange(c); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: ValidateChange = %v, want a validation error", name, err)
		}
		b.unchanged(t, name, snap, events)
	}
}

// TestChangeOfMoreThan2To62UnitsOnOneLevelDoesNotWrap: one change of
// 8,193 receipts of oms.MaxQuantity on one level (2^63 + 2^50 units)
// wrapped the memory store's per-level sum around int64 to a small
// negative number, so the change was refused as a shortage of stock
// (or, with receipts and losses mixed, applied with a ledger whose
// entries do not add up). A change moving that much is refused as a
// validation error naming the quantity, and changes nothing.
func TestChangeOfMoreThan2To62UnitsOnOneLevelDoesNotWrap(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	snap, events := b.snapshot(t)
	receipts := func(n int) []inventory.LedgerEntry {
		es := make([]inventory.LedgerEntry, n)
		for i := range es {
			es[i] = inventory.LedgerEntry{SKU: "A", Location: "wh", Reason: inventory.ReasonReceipt, OnHand: oms.MaxQuantity}
		}
		return es
	}
	for name, c := range map[string]*inventory.Change{
		"8193 receipts": {Entries: receipts(8193)},
		// 2^64 units in: the sum wraps to exactly 0, then one more unit.
		"16384 receipts and one": {Entries: append(receipts(16384),
			inventory.LedgerEntry{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, OnHand: 1})},
		"reserved": {Deltas: func() []inventory.Delta {
			ds := make([]inventory.Delta, 16384)
			for i := range ds {
				ds[i] = inventory.Delta{SKU: "A", Location: "wh", Reserved: oms.MaxQuantity}
			}
			return ds
		}()},
	} {
		err := b.store.Apply(b.ctx, c)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: Apply = %v, want a validation error", name, err)
		}
		b.unchanged(t, name, snap, events)
	}
	if lv := b.level(t, "A", "wh"); lv.OnHand != 5 || lv.Reserved != 0 {
		t.Errorf("level %+v, want 5 on hand, none reserved", lv)
	}
	// More than 2^62 units in all, but less on each level, is a change
	// like any other.
	b.put(t, []oms.ID{"wh2"}, inventory.Item{SKU: "A", Tracked: true})
	spread := &inventory.Change{Entries: receipts(4095)}
	for _, e := range receipts(4095) {
		e.Location = "wh2"
		spread.Entries = append(spread.Entries, e)
	}
	if err := b.store.Apply(b.ctx, spread); err != nil {
		t.Fatalf("receipts of 4095*2^50 units at each of two levels: %v", err)
	}
	if lv := b.level(t, "A", "wh2"); lv.OnHand != 4095*oms.MaxQuantity {
		t.Errorf("level %+v, want %d on hand", lv, 4095*oms.MaxQuantity)
	}
}

// TestATPCountsADuplicatedLevelAndInboundOnce: ComputeAvailability and
// SellableOnChannel take a level listed twice in levels once (by its
// location), but ComputeATP added it twice, and an inbound delivery
// listed twice twice: 8 units available and 5 expected were promised as
// 16 now and 26 with the supplies. The preorder room counted a listed-twice
// level's backorders twice (in SellableOnChannel too), so the three
// disagreed. A level counts once per location and a delivery once per ID.
func TestATPCountsADuplicatedLevelAndInboundOnce(t *testing.T) {
	wh := inventory.Location{ID: "wh", Name: "wh", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{"web"}}
	locs := []inventory.Location{wh}
	lv := inventory.Level{SKU: "A", Location: "wh", OnHand: 10, Reserved: 2}
	in := inventory.Inbound{ID: "po", Kind: inventory.InboundPurchase, SKU: "A", Location: "wh", Quantity: 5,
		Status: inventory.InboundOpen, ExpectedAt: bbT0.AddDate(0, 0, 7), Version: 1}
	for _, it := range []inventory.Item{
		{SKU: "A", Tracked: true},
		{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: bbT0.AddDate(0, 1, 0)}},
	} {
		for name, l := range map[string]inventory.Level{"stock": lv, "backorders": {SKU: "A", Location: "wh", OnHand: 1, Reserved: 3}} {
			once := inventory.ComputeATP(it, []inventory.Level{l}, locs, []inventory.Inbound{in}, inventory.ATPQuery{}, bbT0)
			twice := inventory.ComputeATP(it, []inventory.Level{l, l}, locs, []inventory.Inbound{in, in}, inventory.ATPQuery{}, bbT0)
			if diff := cmp.Diff(once, twice); diff != "" {
				t.Errorf("%s, %s: ATP with the level and delivery twice (-once +twice):\n%s", it.Backorder.Mode, name, diff)
			}
			a := inventory.SellableOnChannel(it, []inventory.Level{l}, locs, "web")
			b := inventory.SellableOnChannel(it, []inventory.Level{l, l}, locs, "web")
			if a.Quantity != b.Quantity {
				t.Errorf("%s, %s: sellable with the level twice %d, once %d", it.Backorder.Mode, name, b.Quantity, a.Quantity)
			}
		}
	}
}

// TestSweepExpiredRefusesANowAfterYear9999: SweepExpired takes the time
// to sweep at from its caller, and at a now in year 10000 it expired the
// holds and saved them with their operation and update times, and their
// events, in year 10000, which encoding/json cannot write: the
// reservation and the outbox event no longer marshalled (a store keeping
// reservations as JSON fails the write with an encoding error, and a
// relay publishing JSON stops at the event). Such a now is refused as a
// validation error that changes nothing.
func TestSweepExpiredRefusesANowAfterYear9999(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}, HoldFor: time.Hour}); err != nil {
		t.Fatal(err)
	}
	snap, events := b.snapshot(t)
	for _, now := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1<<62, 0),
	} {
		ids, err := b.svc.SweepExpired(b.ctx, now)
		if !errors.Is(err, oms.ErrValidation) || len(ids) != 0 {
			t.Errorf("sweep at %v = %v, %v; want a validation error", now, ids, err)
		}
		b.unchanged(t, "sweep at "+now.String(), snap, events)
	}
	r, err := b.svc.Reservation(b.ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("reservation does not marshal: %v", err)
	}
	// A sweep at the end of year 9999 expires the hold.
	if ids, err := b.svc.SweepExpired(b.ctx, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)); err != nil || len(ids) != 1 {
		t.Errorf("sweep at the end of year 9999 = %v, %v", ids, err)
	}
}

// TestReconcileFindsAHistoryThatSaturatesBackToTheLevel: Reconcile's sums
// saturate at the int64 range instead of wrapping, but a saturated sum is
// no longer the history's: three receipts of 2^62 units then a loss of
// 2^62 (2^63 units in truth) summed to 2^63-1 after the second receipt
// and 2^62-1 after the loss, exactly a level of 2^62-1 units, which then
// reconciled clean. The sums are exact now, so only a history that adds
// up to the level passes.
func TestReconcileFindsAHistoryThatSaturatesBackToTheLevel(t *testing.T) {
	entry := func(seq int, reason inventory.Reason, n int64) inventory.LedgerEntry {
		return inventory.LedgerEntry{Seq: int64(seq), SKU: "A", Location: "a", Reason: reason, OnHand: n}
	}
	snap := inventory.Snapshot{
		Levels: []inventory.Level{{SKU: "A", Location: "a", OnHand: 1<<62 - 1}},
		Entries: []inventory.LedgerEntry{entry(1, inventory.ReasonReceipt, 1<<62), entry(2, inventory.ReasonReceipt, 1<<62),
			entry(3, inventory.ReasonReceipt, 1<<62), entry(4, inventory.ReasonLoss, -1<<62)},
	}
	if rep := inventory.Reconcile(snap); rep.Clean() {
		t.Errorf("a level of 2^62-1 units with 2^63 units in its history reconciles clean: %+v", rep)
	}
	// The same history summing to the level in truth is clean: 2^62 in,
	// out and in again, then a unit lost.
	snap.Entries = []inventory.LedgerEntry{entry(1, inventory.ReasonReceipt, 1<<62), entry(2, inventory.ReasonLoss, -1<<62),
		entry(3, inventory.ReasonReceipt, 1<<62), entry(4, inventory.ReasonLoss, -1)}
	if rep := inventory.Reconcile(snap); !rep.Clean() {
		t.Errorf("a history adding up to the level: %+v", rep)
	}
}

// TestRefusedReserveLeavesNoPreorderRoomTaken: the memory store counts
// the preorders a reserve's lines would add as it checks them, and a
// reserve refused at a later line for an inactive or unknown location
// (oms.ErrUnavailable, oms.ErrNotFound) returned without forgetting what
// its earlier lines had counted: the next reserve of the SKU found that
// much less of the preorder limit left and was refused as short, though
// nothing was reserved. A refused reserve takes no room.
func TestRefusedReserveLeavesNoPreorderRoomTaken(t *testing.T) {
	for name, bad := range map[string]oms.ID{"inactive location": "closed", "unknown location": "nowhere"} {
		t.Run(name, func(t *testing.T) {
			b := newBB(t, nil)
			b.put(t, []oms.ID{"wh", "closed"}, inventory.Item{SKU: "A", Tracked: true,
				Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: bbT0.AddDate(0, 1, 0)}})
			if err := b.svc.PutLocation(b.ctx, inventory.Location{ID: "closed", Name: "closed", Kind: inventory.KindWarehouse}); err != nil {
				t.Fatal(err)
			}
			_, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r1", Lines: []inventory.Line{
				{SKU: "A", Location: "wh", Quantity: 4}, {SKU: "A", Location: bad, Quantity: 1}}})
			if !errors.Is(err, oms.ErrUnavailable) && !errors.Is(err, oms.ErrNotFound) {
				t.Fatalf("reserve at %s: %v", bad, err)
			}
			if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r2", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 5}}}); err != nil {
				t.Errorf("preorder of the whole limit after a refused reserve: %v", err)
			}
		})
	}
}

// TestMemoryStoreReserveLeavesTheCallersLinesAlone: MemoryStore.Reserve
// worked on the lines of the reservation it was given, in the caller's
// array: it reset their committed and released units and set their
// Untracked flags there, and it returned the reservation over that same
// array. So the caller's value changed under it, and callers reserving
// with one slice of lines from several goroutines (a basket reserved
// under several IDs) raced on it (go test -race). The store works on
// its own copy now, as the PostgreSQL adapter does.
func TestMemoryStoreReserveLeavesTheCallersLinesAlone(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	if err := b.svc.PutItem(b.ctx, inventory.Item{SKU: "U"}); err != nil {
		t.Fatal(err)
	}
	b.receive(t, "A", "wh", 100)
	lines := []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 1, Committed: 3}, {SKU: "U", Location: "wh", Quantity: 2}}
	given := slices.Clone(lines)
	r, created, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: "r", Lines: lines}, oms.Event{})
	if err != nil || !created {
		t.Fatalf("reserve: %v, %v", created, err)
	}
	if diff := cmp.Diff(given, lines); diff != "" {
		t.Errorf("the caller's lines changed (-given +after):\n%s", diff)
	}
	if r.Lines[0].Committed != 0 || !r.Lines[1].Untracked {
		t.Errorf("reserved lines %+v, want none committed and U untracked", r.Lines)
	}
	r.Lines[0].Quantity = 99
	if lines[0].Quantity != 1 {
		t.Errorf("the returned reservation shares the caller's lines")
	}

	lines = slices.Clone(given)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: oms.ID(fmt.Sprint("g", g)), Lines: lines}, oms.Event{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// TestTimesWithAnOffsetOfSecondsAreRefused: RFC 3339 writes a zone offset
// in whole minutes, so encoding/json writes a time whose offset has
// seconds (time.FixedZone("", 30), or a zone's local mean time) as
// another instant. A hold expiring at 10:00:00Z given in such a zone was
// kept as given while its reserved event said it expires at 10:00:30Z,
// and the reservation (or a delivery, or an item's preorder date) no
// longer came back from JSON as stored. Such times are refused as
// validation errors, as times after year 9999 are, and change nothing.
func TestTimesWithAnOffsetOfSecondsAreRefused(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "held", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}, HoldFor: time.Hour}); err != nil {
		t.Fatal(err)
	}
	snap, events := b.snapshot(t)
	odd := time.FixedZone("", 30)
	at := bbT0.Add(2 * time.Hour).In(odd)
	_, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}, ExpiresAt: at})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("reserve expiring at %v: %v, want a validation error", at, err)
	}
	if _, err := b.svc.Extend(b.ctx, "held", at); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("extend to %v: %v, want a validation error", at, err)
	}
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 1, ExpectedAt: at}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("expect at %v: %v, want a validation error", at, err)
	}
	err = b.svc.PutItem(b.ctx, inventory.Item{SKU: "A", Tracked: true,
		Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 1, ExpectedAt: at}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("preorder expected at %v: %v, want a validation error", at, err)
	}
	b.unchanged(t, "times with an offset of seconds", snap, events)
	if it, err := b.svc.Item(b.ctx, "A"); err != nil || it.Backorder.Mode == inventory.BackorderPreorder {
		t.Errorf("item %+v, %v", it, err)
	}
}
