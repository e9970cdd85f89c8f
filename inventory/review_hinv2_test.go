package inventory_test

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestPromiseDateOfAnOverdueDeliveryIsNotInThePast: a delivery expected
// yesterday that has not arrived still counts as supply, but a promise
// cannot be made for a day that is over: PromiseDate answers now (the
// ATP's At), never the overdue date.
func TestPromiseDateOfAnOverdueDeliveryIsNotInThePast(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 2)
	yesterday := bbT0.Add(-24 * time.Hour)
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po-late", SKU: "A", Location: "wh", Quantity: 10, ExpectedAt: yesterday}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po-next", SKU: "A", Location: "wh", Quantity: 10, ExpectedAt: bbT0.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	atp, err := b.svc.ATP(b.ctx, "A", inventory.ATPQuery{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		qty  int64
		want time.Time
		ok   bool
	}{
		{2, bbT0, true},                      // on hand
		{5, bbT0, true},                      // the overdue delivery: today, not yesterday
		{12, bbT0, true},                     // all of it
		{13, bbT0.Add(72 * time.Hour), true}, // the next delivery
		{23, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := atp.PromiseDate(tt.qty)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("PromiseDate(%d) = %s, %v; want %s, %v", tt.qty, got, ok, tt.want, tt.ok)
		}
		if ok && !got.IsZero() && got.Before(atp.At) {
			t.Errorf("PromiseDate(%d) = %s, before now (%s)", tt.qty, got, atp.At)
		}
	}
	// An overdue preorder date is no promise for yesterday either.
	pre := inventory.ATP{SKU: "P", At: bbT0, Supplies: []inventory.Supply{{At: yesterday, Quantity: 5, Cumulative: 5, Preorder: true}}}
	if got, ok := pre.PromiseDate(5); !ok || !got.Equal(bbT0) {
		t.Errorf("PromiseDate of an overdue preorder = %s, %v; want %s, true", got, ok, bbT0)
	}
}

// TestReserveReplayWithLinesInAnotherOrderIsAReplay: the same request
// replayed under its ID with its lines listed in another order (a cart
// rebuilt from a map) asks for the same stock, as a commit replayed with
// its lines reordered does; it returns the existing reservation and
// changes nothing, through the service and through the store itself.
// Other quantities are still a duplicate.
func TestReserveReplayWithLinesInAnotherOrderIsAReplay(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh", "wh2"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 10)
	b.receive(t, "A", "wh2", 10)
	lines := []inventory.Line{
		{SKU: "A", Location: "wh", Quantity: 1, Ref: "l1"},
		{SKU: "A", Location: "wh", Quantity: 2, Ref: "l2"},
		{SKU: "A", Location: "wh2", Quantity: 3},
	}
	first, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r1", Reference: "cart", Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	snap, events := b.snapshot(t)
	reordered := []inventory.Line{lines[2], lines[0], lines[1]}
	again, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r1", Reference: "cart", Lines: reordered})
	if err != nil {
		t.Fatalf("replay with the lines reordered: %v", err)
	}
	if d := cmp.Diff(first, again); d != "" {
		t.Errorf("replay answered another reservation (-first +replay):\n%s", d)
	}
	rl := []inventory.ReservationLine{
		{SKU: "A", Location: "wh2", Quantity: 3},
		{SKU: "A", Location: "wh", Ref: "l2", Quantity: 2},
		{SKU: "A", Location: "wh", Ref: "l1", Quantity: 1},
	}
	got, created, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: "r1", Reference: "cart", Lines: rl}, oms.Event{})
	if err != nil || created {
		t.Errorf("store replay with the lines reordered: created %v, %v", created, err)
	} else if d := cmp.Diff(first, got); d != "" {
		t.Errorf("store replay answered another reservation (-first +replay):\n%s", d)
	}
	b.unchanged(t, "replays", snap, events)

	other := []inventory.Line{lines[2], lines[0], {SKU: "A", Location: "wh", Quantity: 3, Ref: "l2"}}
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r1", Reference: "cart", Lines: other}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("same ID, other quantities: %v, want oms.ErrDuplicate", err)
	}
	rl[1].Ref = "l3"
	if _, _, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: "r1", Reference: "cart", Lines: rl}, oms.Event{}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("store: same ID, another line: %v, want oms.ErrDuplicate", err)
	}
	b.unchanged(t, "duplicates", snap, events)
}

// inOrderStore compares a replayed reserve's lines in order, as a store
// written before the contract said "in any order" may.
type inOrderStore struct{ inventory.Store }

func (s inOrderStore) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if old, err := s.Store.Reservation(ctx, r.ID); err == nil {
		if old.Reference != r.Reference || len(old.Lines) != len(r.Lines) {
			return inventory.Reservation{}, false, oms.ErrDuplicate
		}
		for i, l := range r.Lines {
			if o := old.Lines[i]; o.SKU != l.SKU || o.Location != l.Location || o.Ref != l.Ref || o.Quantity != l.Quantity {
				return inventory.Reservation{}, false, oms.ErrDuplicate
			}
		}
	}
	return s.Store.Reserve(ctx, r, ev)
}

// TestServiceReserveReplayIsOrderFreeOverAnInOrderStore: the service
// answers a reordered replay itself when the store refuses it.
func TestServiceReserveReplayIsOrderFreeOverAnInOrderStore(t *testing.T) {
	b := newBB(t, nil)
	b.svc = inventory.NewService(inOrderStore{b.store}, &inventory.ServiceOptions{Clock: b.clock})
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 10)
	lines := []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1, Ref: "x"}, {SKU: "A", Location: "wh", Quantity: 2, Ref: "y"}}
	first, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	snap, events := b.snapshot(t)
	again, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{lines[1], lines[0]}})
	if err != nil {
		t.Fatalf("reordered replay: %v", err)
	}
	if d := cmp.Diff(first, again); d != "" {
		t.Errorf("replay (-first +replay):\n%s", d)
	}
	lines[1].Quantity = 3
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{lines[1], lines[0]}}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("other quantity: %v, want oms.ErrDuplicate", err)
	}
	b.unchanged(t, "replays", snap, events)
}

// TestReadsRefuseMalformedIDsAsValidation: Levels, Inbounds, ATP and the
// availability reads refuse a malformed SKU or location as a validation
// error; Level, Location, Item, Reservation, Inbound, Reservations and
// Ledger answered not found (or everything) instead, so a caller could not
// tell a typo from a missing row.
func TestReadsRefuseMalformedIDsAsValidation(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	long := strings.Repeat("x", 129)
	bad := []string{"", "a b", "caf\xc3\xa9", "nul\x00", long}
	for _, s := range bad {
		id, sku := oms.ID(s), oms.SKU(s)
		calls := map[string]func() error{
			"Level sku":      func() error { _, err := b.svc.Level(b.ctx, sku, "wh"); return err },
			"Level location": func() error { _, err := b.svc.Level(b.ctx, "A", id); return err },
			"Location":       func() error { _, err := b.svc.Location(b.ctx, id); return err },
			"Item":           func() error { _, err := b.svc.Item(b.ctx, sku); return err },
			"Reservation":    func() error { _, err := b.svc.Reservation(b.ctx, id); return err },
			"Inbound":        func() error { _, err := b.svc.Inbound(b.ctx, id); return err },
		}
		if s != "" { // an empty filter field matches everything
			calls["Ledger sku"] = func() error { _, err := b.svc.Ledger(b.ctx, inventory.LedgerFilter{SKU: sku}); return err }
			calls["Ledger location"] = func() error { _, err := b.svc.Ledger(b.ctx, inventory.LedgerFilter{Location: id}); return err }
			calls["Ledger key"] = func() error { _, err := b.svc.Ledger(b.ctx, inventory.LedgerFilter{Key: s}); return err }
		}
		for name, call := range calls {
			if err := call(); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s(%q): %v, want oms.ErrValidation", name, s, err)
			}
		}
	}
	for _, ref := range []string{"bad\xff", "nul\x00", long + long + long} {
		if _, err := b.svc.Reservations(b.ctx, inventory.ReservationFilter{Reference: ref}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Reservations(reference %q): %v, want oms.ErrValidation", ref, err)
		}
	}
	if _, err := b.svc.Ledger(b.ctx, inventory.LedgerFilter{Limit: -1}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Ledger(limit -1): %v, want oms.ErrValidation", err)
	}
	// Well-formed IDs that name nothing are still not found.
	if _, err := b.svc.Level(b.ctx, "A", "nowhere"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("Level at an unknown location: %v, want oms.ErrNotFound", err)
	}
	if _, err := b.svc.Reservation(b.ctx, "nothing"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown reservation: %v, want oms.ErrNotFound", err)
	}
	if es, err := b.svc.Ledger(b.ctx, inventory.LedgerFilter{SKU: "A", Location: "wh", Key: "none"}); err != nil || len(es) != 0 {
		t.Errorf("Ledger of a key never used: %v, %v", es, err)
	}
}

// manyLines returns n lines of sku at loc, one unit each, with refs
// r0, r1, ...
func manyLines(sku oms.SKU, loc oms.ID, n int) []inventory.ReservationLine {
	ls := make([]inventory.ReservationLine, n)
	for i := range ls {
		ls[i] = inventory.ReservationLine{SKU: sku, Location: loc, Ref: "r" + strconv.Itoa(i), Quantity: 1}
	}
	return ls
}

// TestMemoryStoreReservesManyLinesOfOneLevel: the memory store's Reserve
// takes any number of lines (the service's 1,000 is its own bound); its
// duplicate-line check and its sum of earlier lines on the same level
// compared every line with every earlier one, so 16,384 lines took about
// 20 s under -race. The results at that scale: lines of one level add up
// (a shortage at exactly the line that passes the stock, on a level that
// exists or one made by this reserve), and a duplicate line is named with
// the first line it repeats. BenchmarkMemoryStoreReserveManyLines
// measures the speed.
func TestMemoryStoreReservesManyLinesOfOneLevel(t *testing.T) {
	const n = 1 << 14
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh", "wh2"}, inventory.Item{SKU: "A", Tracked: true})
	if err := b.svc.PutItem(b.ctx, inventory.Item{SKU: "B", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: n - 1, ExpectedAt: bbT0.Add(240 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	b.receive(t, "A", "wh", n)
	snap, events := b.snapshot(t)

	// One unit short at wh, on an existing level; one short at wh2 for B,
	// whose level does not exist yet: exactly the last line of each.
	ls := append(manyLines("A", "wh", n), manyLines("B", "wh2", n)...)
	ls = append(ls, inventory.ReservationLine{SKU: "A", Location: "wh", Ref: "one-more", Quantity: 1})
	_, _, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: "short", Lines: ls}, oms.Event{})
	var se *inventory.ShortageError
	if !errors.As(err, &se) {
		t.Fatalf("reserve: %v, want a shortage", err)
	}
	want := []inventory.Shortage{
		{Line: 2*n - 1, SKU: "B", Location: "wh2", Requested: 1},
		{Line: 2 * n, SKU: "A", Location: "wh", Requested: 1},
	}
	if d := cmp.Diff(want, se.Lines); d != "" {
		t.Errorf("short lines (-want +got):\n%s", d)
	}

	dup := manyLines("A", "wh", n)
	dup[n-1].Ref = "r5"
	_, _, err = b.store.Reserve(b.ctx, inventory.Reservation{ID: "dup", Lines: dup}, oms.Event{})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("reserve with a duplicate line: %v, want a validation error", err)
	}
	wantV := []oms.FieldError{{Field: "lines[" + strconv.Itoa(n-1) + "]", Message: `duplicates line 5 (sku "A" at location "wh" with ref "r5")`}}
	if d := cmp.Diff(wantV, ve.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	b.unchanged(t, "refused reserves", snap, events)

	ls = append(manyLines("A", "wh", n), manyLines("B", "wh2", n-1)...)
	if _, created, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: "all", Lines: ls}, oms.Event{}); err != nil || !created {
		t.Fatalf("reserve of every unit: created %v, %v", created, err)
	}
	if lv := b.level(t, "A", "wh"); lv.Reserved != n || lv.OnHand != n {
		t.Errorf("A at wh: %+v", lv)
	}
	if lv := b.level(t, "B", "wh2"); lv.Reserved != n-1 || lv.OnHand != 0 {
		t.Errorf("B at wh2: %+v", lv)
	}
	if rep, err := b.svc.Reconcile(b.ctx); err != nil || !rep.Clean() {
		t.Errorf("Reconcile: %+v, %v", rep, err)
	}
}

// BenchmarkMemoryStoreReserveManyLines reserves 16,384 lines of one level
// in one call of the memory store.
func BenchmarkMemoryStoreReserveManyLines(b *testing.B) {
	const n = 1 << 14
	ctx := context.Background()
	store := inventory.NewMemoryStore(nil)
	svc := inventory.NewService(store, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "Warehouse", Kind: inventory.KindWarehouse, Active: true}); err != nil {
		b.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		b.Fatal(err)
	}
	lines := manyLines("A", "wh", n)
	keys := ids(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := store.Reserve(ctx, inventory.Reservation{ID: keys[i], Lines: lines}, oms.Event{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "lines/s")
}

// TestReserveRetriedAfterItsExpiryPassedIsAReplay: a cart hold reserved
// until a fixed time is saved but its answer is lost; the caller retries
// the same request once that time has passed (a slow retry, a flow re-run
// after a crash). The reservation exists, so the retry is a replay and
// must return it (in whatever status it reached, swept or not), not a
// validation error saying the expiry must be after now, which no retry
// could ever get past. A new request with a past expiry is still refused.
func TestReserveRetriedAfterItsExpiryPassedIsAReplay(t *testing.T) {
	cs := &crashAfterWrite{Store: inventory.NewMemoryStore(nil)}
	b := newBB(t, cs)
	b.store = cs.Store.(*inventory.MemoryStore)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 10)
	req := inventory.ReserveRequest{ID: "cart", Reference: "c-1", ExpiresAt: bbT0.Add(15 * time.Minute),
		Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}}
	cs.crash.Store(true)
	if _, err := b.svc.Reserve(b.ctx, req); !errors.Is(err, errCrash) {
		t.Fatalf("first reserve: %v, want the lost answer", err)
	}
	saved, err := b.svc.Reservation(b.ctx, "cart")
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(20 * time.Minute)
	snap, events := b.snapshot(t)
	got, err := b.svc.Reserve(b.ctx, req)
	if err != nil {
		t.Fatalf("retry after the expiry: %v", err)
	}
	if d := cmp.Diff(saved, got); d != "" {
		t.Errorf("retry answered (-saved +answer):\n%s", d)
	}
	b.unchanged(t, "retry", snap, events)
	if _, err := b.svc.SweepExpired(b.ctx, b.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got, err = b.svc.Reserve(b.ctx, req)
	if err != nil || got.Status != inventory.StatusExpired {
		t.Errorf("retry after the sweep: %+v, %v; want the expired reservation", got, err)
	}
	other := req
	other.Lines = []inventory.Line{{SKU: "A", Location: "wh", Quantity: 3}}
	if _, err := b.svc.Reserve(b.ctx, other); !errors.Is(err, oms.ErrValidation) && !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("other lines under the ID with a past expiry: %v", err)
	}
	fresh := req
	fresh.ID = "new"
	if _, err := b.svc.Reserve(b.ctx, fresh); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a new reservation expiring in the past: %v, want oms.ErrValidation", err)
	}
}

// bigReservation reserves, through the store, one unit of each of n SKUs
// (which allow backorders) at wh.
func bigReservation(tb testing.TB, ctx context.Context, store *inventory.MemoryStore, id oms.ID, n int) inventory.Reservation {
	tb.Helper()
	if err := store.PutLocation(ctx, inventory.Location{ID: "wh", Name: "wh", Kind: inventory.KindWarehouse, Active: true}); err != nil {
		tb.Fatal(err)
	}
	ls := make([]inventory.ReservationLine, n)
	for i := range ls {
		sku := oms.SKU("S" + strconv.Itoa(i))
		if err := store.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
			tb.Fatal(err)
		}
		ls[i] = inventory.ReservationLine{SKU: sku, Location: "wh", Quantity: 1}
	}
	r, _, err := store.Reserve(ctx, inventory.Reservation{ID: id, Lines: ls}, oms.Event{})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// TestReleaseOfAReservationOfManyLevels: the store takes reservations of
// any number of lines, but releasing (or committing) one looked up each
// moved line among the reservation's lines and each level among the
// change's levels one by one, so releasing 16,384 lines of as many levels
// took about 16 s under -race. The results at that scale: a partial
// release, the rest, and a replay of the first that answers the
// reservation as it left it. BenchmarkReleaseOfManyLevels measures the
// speed.
func TestReleaseOfAReservationOfManyLevels(t *testing.T) {
	const n = 1 << 14
	b := newBB(t, nil)
	r := bigReservation(t, b.ctx, b.store, "big", n)
	first := make([]inventory.Line, 1000)
	for i := range first {
		l := r.Lines[n-1-i]
		first[i] = inventory.Line{SKU: l.SKU, Location: l.Location, Quantity: 1}
	}
	part, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "k1", Reservation: "big", Lines: first})
	if err != nil {
		t.Fatal(err)
	}
	if got := part.Outstanding(); got != n-1000 || part.Status != inventory.StatusActive {
		t.Errorf("after the partial release: %d outstanding, status %s", got, part.Status)
	}
	rest, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "k2", Reservation: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if rest.Outstanding() != 0 || rest.Status != inventory.StatusReleased || len(rest.Ops[1].Moved) != n-1000 {
		t.Errorf("after releasing the rest: %d outstanding, status %s", rest.Outstanding(), rest.Status)
	}
	again, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "k1", Reservation: "big", Lines: first})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(part, again); d != "" {
		t.Errorf("replay of the partial release (-first +replay):\n%s", d)
	}
	lvs, err := b.svc.Levels(b.ctx, "S0")
	if err != nil || len(lvs) != 1 || lvs[0].Reserved != 0 {
		t.Errorf("levels of S0: %+v, %v", lvs, err)
	}
	if rep, err := b.svc.Reconcile(b.ctx); err != nil || !rep.Clean() {
		t.Errorf("Reconcile: %+v, %v", rep, err)
	}
}

// BenchmarkReleaseOfManyLevels releases a reservation of 16,384 lines,
// each of its own level, through the service.
func BenchmarkReleaseOfManyLevels(b *testing.B) {
	const n = 1 << 14
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		store := inventory.NewMemoryStore(nil)
		bigReservation(b, ctx, store, "big", n)
		svc := inventory.NewService(store, nil)
		b.StartTimer()
		if _, err := svc.Release(ctx, inventory.ReleaseRequest{Key: "k", Reservation: "big"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "lines/s")
}

// TestReservationOfMoreThan2To63UnitsDoesNotWrapItsStatus: the store
// takes a reservation of any number of lines of up to 2^50 units (8,193
// lines of as many SKUs that allow backorders hold more than 2^63 units
// together). Its outstanding units were summed in an int64 that wrapped:
// Outstanding() turned negative, and releasing one line summed the rest
// to a negative number, so the reservation was marked released while
// 8,192 lines still held their units on the levels, never to be returned.
// The sums saturate now and the status follows the lines.
func TestReservationOfMoreThan2To63UnitsDoesNotWrapItsStatus(t *testing.T) {
	const n = 8193
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	ls := make([]inventory.ReservationLine, n)
	for i := range ls {
		sku := oms.SKU("S" + strconv.Itoa(i))
		if err := b.svc.PutItem(b.ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
			t.Fatal(err)
		}
		ls[i] = inventory.ReservationLine{SKU: sku, Location: "wh", Quantity: oms.MaxQuantity}
	}
	r, _, err := b.store.Reserve(b.ctx, inventory.Reservation{ID: "huge", Lines: ls}, oms.Event{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Outstanding(); got != math.MaxInt64 {
		t.Errorf("Outstanding() = %d, want it saturated at MaxInt64", got)
	}
	got, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "one", Reservation: "huge",
		Lines: []inventory.Line{{SKU: "S0", Location: "wh", Quantity: oms.MaxQuantity}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != inventory.StatusActive || got.Outstanding() != math.MaxInt64 {
		t.Errorf("after releasing one line: status %s, %d outstanding; want active, 2^63 saturated", got.Status, got.Outstanding())
	}
	if _, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "rest", Reservation: "huge"}); err != nil {
		t.Fatalf("releasing the rest: %v", err)
	}
	if lv := b.level(t, "S1", "wh"); lv.Reserved != 0 {
		t.Errorf("S1 at wh still reserves %d", lv.Reserved)
	}
	if rep, err := b.svc.Reconcile(b.ctx); err != nil || !rep.Clean() {
		t.Errorf("Reconcile: %+v, %v", rep, err)
	}
}

// TestCancelInboundRetriedAfterALostAnswerIsAReplay: the cancel of a
// delivery is saved but its answer is lost (the connection dropped after
// the commit); retrying the same cancel, as a flow re-run after a crash
// does, must answer the cancelled delivery and move nothing, not refuse
// it as an invalid transition. A delivery that closed by receiving every
// unit was never cancelled: cancelling it is still refused.
func TestCancelInboundRetriedAfterALostAnswerIsAReplay(t *testing.T) {
	for _, kind := range []string{"purchase", "transfer"} {
		t.Run(kind, func(t *testing.T) {
			cs := &crashAfterWrite{Store: inventory.NewMemoryStore(nil)}
			b := newBB(t, cs)
			b.store = cs.Store.(*inventory.MemoryStore)
			b.put(t, []oms.ID{"wh", "wh2"}, inventory.Item{SKU: "A", Tracked: true})
			b.receive(t, "A", "wh", 10)
			var err error
			if kind == "purchase" {
				_, err = b.svc.Expect(b.ctx, inventory.Expectation{ID: "in", SKU: "A", Location: "wh2", Quantity: 8})
			} else {
				_, err = b.svc.Transfer(b.ctx, inventory.TransferRequest{ID: "in", SKU: "A", From: "wh", To: "wh2", Quantity: 8})
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.svc.Receive(b.ctx, inventory.Receipt{InboundID: "in", Quantity: 3}); err != nil {
				t.Fatal(err)
			}
			cs.crash.Store(true)
			if _, err := b.svc.CancelInbound(b.ctx, "in"); !errors.Is(err, errCrash) {
				t.Fatalf("first cancel: %v, want the lost answer", err)
			}
			stored, err := b.svc.Inbound(b.ctx, "in")
			if err != nil {
				t.Fatal(err)
			}
			snap, events := b.snapshot(t)
			b.clock.Advance(time.Hour)
			for i := 0; i < 2; i++ {
				got, err := b.svc.CancelInbound(b.ctx, "in")
				if err != nil {
					t.Fatalf("retried cancel %d: %v", i+1, err)
				}
				if d := cmp.Diff(stored, got); d != "" {
					t.Errorf("retried cancel %d answered (-saved +answer):\n%s", i+1, d)
				}
			}
			b.unchanged(t, "retried cancels", snap, events)
			if lv := b.level(t, "A", "wh2"); lv.Incoming != 0 || lv.OnHand != 3 {
				t.Errorf("level at wh2: %+v", lv)
			}
		})
	}
	t.Run("received in full", func(t *testing.T) {
		b := newBB(t, nil)
		b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
		if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "in", SKU: "A", Location: "wh", Quantity: 4}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Receive(b.ctx, inventory.Receipt{InboundID: "in", Quantity: 4}); err != nil {
			t.Fatal(err)
		}
		snap, events := b.snapshot(t)
		if _, err := b.svc.CancelInbound(b.ctx, "in"); !errors.Is(err, oms.ErrInvalidTransition) {
			t.Errorf("cancelling a delivery received in full: %v, want oms.ErrInvalidTransition", err)
		}
		b.unchanged(t, "refused cancel", snap, events)
	})
}

// TestConcurrentCancelsOfOneDeliveryCancelOnce: processes cancelling one
// delivery at once all succeed with the same answer, and its units are
// cancelled once: one ledger entry, one event.
func TestConcurrentCancelsOfOneDeliveryCancelOnce(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 8}); err != nil {
		t.Fatal(err)
	}
	_, events := b.snapshot(t)
	const n = 16
	got := make([]inventory.Inbound, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = b.svc.CancelInbound(b.ctx, "po")
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Errorf("cancel %d: %v", i, errs[i])
		} else if d := cmp.Diff(got[0], got[i]); d != "" {
			t.Errorf("cancel %d answered otherwise (-first +this):\n%s", i, d)
		}
	}
	es, err := b.svc.Ledger(b.ctx, inventory.LedgerFilter{SKU: "A"})
	if err != nil {
		t.Fatal(err)
	}
	var cancels int
	for _, e := range es {
		if e.Reason == inventory.ReasonInboundCancelled {
			cancels++
		}
	}
	if _, after := b.snapshot(t); cancels != 1 || after != events+1 {
		t.Errorf("%d cancel entries and %d events, want 1 and 1", cancels, after-events)
	}
	if lv := b.level(t, "A", "wh"); lv.Incoming != 0 {
		t.Errorf("incoming %d", lv.Incoming)
	}
}
