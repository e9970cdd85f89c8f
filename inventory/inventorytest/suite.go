// Package inventorytest holds the conformance suite every inventory.Store
// implementation runs against itself, and helpers other packages' tests
// use to set up stock.
//
// An implementation provides a Harness (go-cloud's drivertest pattern): a
// constructor of empty stores and a way to read back the events a store
// saved. TestStore runs every check on new stores; the checks read the
// events after every kind of write and require none after a refused one.
// The suite proves itself: its own tests run it on stores that each break
// one promise the way a naive SQL adapter would (last-write-wins Apply,
// maps handed out without a copy, dropped events, Expired ignoring its
// limit or order, check-then-act reserves) and require it to fail them,
// and on correct stores that differ from the memory store where a database
// may (sparse ledger numbers, level rows created up front) and require it
// to pass. Timing-dependent checks start their goroutines on a barrier and
// repeat enough rounds to catch their broken store on every run.
//
// For a database-backed store:
//
//	func TestPostgresStore(t *testing.T) {
//		inventorytest.TestStore(t, func(ctx context.Context, t testing.TB) (inventorytest.Harness, error) {
//			return newPGHarness(ctx, t) // MakeStore: a fresh schema; Events: SELECT ... FROM outbox ORDER BY seq
//		})
//	}
package inventorytest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// epoch is the time the suite's manual clocks start at.
var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Env is a service over a fresh store with a manual clock.
type Env struct {
	Store   inventory.Store
	Service *inventory.Service
	Clock   *oms.ManualClock

	harness Harness // nil for an Env made by NewEnv
	seen    int     // events already checked
}

// NewEnv returns an Env over store with a manual clock at a fixed time.
// Its store's events cannot be read: the suite uses NewHarnessEnv.
func NewEnv(store inventory.Store) *Env {
	clock := oms.NewManualClock(epoch)
	return &Env{Store: store, Clock: clock, Service: inventory.NewService(store, &inventory.ServiceOptions{Clock: clock})}
}

// NewHarnessEnv returns an Env over a new store of h.
func NewHarnessEnv(ctx context.Context, h Harness) (*Env, error) {
	store, err := h.MakeStore(ctx)
	if err != nil {
		return nil, err
	}
	e := NewEnv(store)
	e.harness = h
	return e, nil
}

// NewEvents returns the events the store saved since the last call, in
// the order it saved them. It fails t when the store's events cannot be
// read: a store that cannot show what it saved fails the suite.
func (e *Env) NewEvents(t testing.TB) []oms.Event {
	t.Helper()
	if e.harness == nil {
		t.Fatalf("the Env has no harness: the store's events cannot be read")
	}
	all, err := e.harness.Events(ctx, e.Store)
	if err != nil {
		t.Fatalf("harness Events: %v", err)
	}
	if len(all) < e.seen {
		t.Fatalf("the store lost events: %d saved before, %d now", e.seen, len(all))
	}
	out := all[e.seen:]
	e.seen = len(all)
	return out
}

// Stock creates active warehouses locs (serving channel "web"), tracked
// SKUs skus that deny backorders, and receives qty of every SKU at every
// location. It fails t on any error.
func Stock(t testing.TB, svc *inventory.Service, locs []oms.ID, skus []oms.SKU, qty int64) {
	t.Helper()
	ctx := context.Background()
	for i, id := range locs {
		l := inventory.Location{ID: id, Name: "Location " + string(id), Kind: inventory.KindWarehouse, Active: true,
			Priority: i, Channels: []inventory.Channel{"web"}, Ships: true}
		if err := svc.PutLocation(ctx, l); err != nil {
			t.Fatalf("PutLocation(%s): %v", id, err)
		}
	}
	for _, sku := range skus {
		if err := svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatalf("PutItem(%s): %v", sku, err)
		}
		for _, id := range locs {
			if qty > 0 {
				if _, err := svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: id, Quantity: qty, Reference: "initial"}); err != nil {
					t.Fatalf("Receive(%s@%s): %v", sku, id, err)
				}
			}
		}
	}
}

// TestStore runs the conformance suite against the stores newHarness's
// harnesses make: a new harness per test, a new store per Env.
func TestStore(t *testing.T, newHarness HarnessMaker) {
	for _, tc := range suiteTests() {
		t.Run(tc.name, func(t *testing.T) { runSuiteTest(t, tc, newHarness) })
	}
}

func runSuiteTest(t testing.TB, tc suiteTest, newHarness HarnessMaker) {
	h, err := newHarness(ctx, t)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	defer h.Close()
	e, err := NewHarnessEnv(ctx, h)
	if err != nil {
		t.Fatalf("MakeStore: %v", err)
	}
	tc.run(t, e)
}

type suiteTest struct {
	name string
	run  func(t testing.TB, e *Env)
}

func suiteTests() []suiteTest {
	return []suiteTest{
		{"LocationsAndItems", testLocationsAndItems},
		{"ItemCopies", testItemCopies},
		{"LevelLookup", testLevelLookup},
		{"ReserveAllOrNothing", testReserveAllOrNothing},
		{"ReserveReplay", testReserveReplay},
		{"ReserveBadInput", testReserveBadInput},
		{"CommitAndRelease", testCommitAndRelease},
		{"KeyedCommitRelease", testKeyedCommitRelease},
		{"HoldsExpire", testHoldsExpire},
		{"ExpiredLimitAndOrder", testExpiredLimitAndOrder},
		{"InactiveLocation", testInactiveLocation},
		{"Backorders", testBackorders},
		{"PreorderLimitSKUWide", testPreorderLimitSKUWide},
		{"SKUWideBackordersBounded", testSKUWideBackordersBounded},
		{"LoweredPreorderLimitSellsStock", testLoweredPreorderLimitSellsStock},
		{"Untracked", testUntracked},
		{"Movements", testMovements},
		{"MovementBadInput", testMovementBadInput},
		{"KeyedMovements", testKeyedMovements},
		{"Transfers", testTransfers},
		{"ApplyConditions", testApplyConditions},
		{"StaleApply", testStaleApply},
		{"Ledger", testLedger},
		{"Events", testEvents},
		{"Sync", testSync},
		{"SyncPreorderAtAnyLocation", testSyncPreorderAtAnyLocation},
		{"ConcurrentReserveBarrier", testConcurrentReserveBarrier},
		{"ConcurrentOneReservation", testConcurrentOneReservation},
		{"Concurrency", testConcurrency},
	}
}

var ctx = context.Background()

func level(t testing.TB, e *Env, sku oms.SKU, loc oms.ID) inventory.Level {
	t.Helper()
	l, err := e.Store.Level(ctx, sku, loc)
	if err != nil {
		t.Fatalf("Level(%s, %s): %v", sku, loc, err)
	}
	l.Seq = 0
	return l
}

type qty struct{ OnHand, Reserved, Incoming, Damaged int64 }

func wantLevel(t testing.TB, e *Env, sku oms.SKU, loc oms.ID, want qty) {
	t.Helper()
	l := level(t, e, sku, loc)
	got := qty{l.OnHand, l.Reserved, l.Incoming, l.Damaged}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("level %s@%s (-want +got):\n%s", sku, loc, diff)
	}
}

func wantClean(t testing.TB, e *Env) {
	t.Helper()
	rep, err := e.Service.Reconcile(ctx)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if !rep.Clean() {
		t.Errorf("Reconcile found mismatches: %+v", rep.Mismatches)
	}
	snap, err := e.Store.Snapshot(ctx)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if f := inventory.Flows(snap.Entries); !f.Balanced() {
		t.Errorf("units not conserved: %+v", f)
	}
}

func wantErr(t testing.TB, err, kind error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one matching %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want one matching %v", err, kind)
	}
}

func reserve(t testing.TB, e *Env, id oms.ID, lines ...inventory.Line) inventory.Reservation {
	t.Helper()
	r, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: id, Reference: "cart-" + string(id), Lines: lines})
	if err != nil {
		t.Fatalf("Reserve(%s): %v", id, err)
	}
	return r
}

func ln(sku oms.SKU, loc oms.ID, q int64) inventory.Line {
	return inventory.Line{SKU: sku, Location: loc, Quantity: q}
}

func testLocationsAndItems(t testing.TB, e *Env) {
	loc := inventory.Location{ID: "store-1", Name: "Main Street", Kind: inventory.KindStore, Active: true, Priority: 2,
		Channels: []inventory.Channel{"pos", "web"}, Pickup: true, Coordinates: &inventory.Coordinates{Latitude: 52.5, Longitude: 13.4},
		Address: oms.Address{Name: "Shop", Line1: "Main Street 1", City: "Berlin", PostalCode: "10115", Country: "DE"}}
	in := loc
	in.Channels = append([]inventory.Channel(nil), loc.Channels...)
	in.Coordinates = &inventory.Coordinates{Latitude: 52.5, Longitude: 13.4}
	if err := e.Store.PutLocation(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Channels[0] = "changed"
	in.Coordinates.Latitude = 0
	got, err := e.Store.Location(ctx, "store-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(loc, got); diff != "" {
		t.Errorf("stored location changed through the caller's value (-want +got):\n%s", diff)
	}
	got.Channels[0] = "mutated"
	again, _ := e.Store.Location(ctx, "store-1")
	if again.Channels[0] != "pos" {
		t.Errorf("returned location shares memory with the store")
	}
	if err := e.Store.PutLocation(ctx, inventory.Location{ID: "a-wh", Name: "A", Kind: inventory.KindWarehouse}); err != nil {
		t.Fatal(err)
	}
	all, err := e.Store.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "a-wh" || all[1].ID != "store-1" {
		t.Errorf("Locations not ordered by priority: %+v", all)
	}
	_, err = e.Store.Location(ctx, "nowhere")
	wantErr(t, err, oms.ErrNotFound)
	err = e.Service.PutLocation(ctx, inventory.Location{ID: "bad", Kind: "castle", Channels: []inventory.Channel{"web", "web"}})
	wantErr(t, err, oms.ErrValidation)
	var ve *oms.ValidationError
	if errors.As(err, &ve) && !(ve.Has("name") && ve.Has("kind") && ve.Has("channels[1]")) {
		t.Errorf("validation error misses problems: %v", err)
	}
	if _, err := e.Store.Location(ctx, "bad"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused location was stored: %v", err)
	}

	item := inventory.Item{SKU: "TEE-M", Tracked: true, SafetyStock: 2, ChannelBuffers: map[inventory.Channel]int64{"amazon": 3}, ReorderPoint: 10}
	if err := e.Store.PutItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	item.ChannelBuffers["amazon"] = 99
	gotItem, err := e.Store.Item(ctx, "TEE-M")
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Item{SKU: "TEE-M", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderDeny},
		SafetyStock: 2, ChannelBuffers: map[inventory.Channel]int64{"amazon": 3}, ReorderPoint: 10}
	if diff := cmp.Diff(want, gotItem); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
	_, err = e.Store.Item(ctx, "NOPE")
	wantErr(t, err, oms.ErrNotFound)
	err = e.Service.PutItem(ctx, inventory.Item{SKU: "X", SafetyStock: -1, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: -2}})
	wantErr(t, err, oms.ErrValidation)
	// A preorder date JSON cannot carry as the same instant (an offset
	// with seconds) is refused by the store too.
	err = e.Store.PutItem(ctx, inventory.Item{SKU: "X", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 1,
		ExpectedAt: epoch.Add(time.Hour).In(time.FixedZone("", 30))}})
	wantErr(t, err, oms.ErrValidation)
	if _, err := e.Store.Item(ctx, "X"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused item was stored: %v", err)
	}
}

func testLevelLookup(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 0)
	wantLevel(t, e, "A", "wh", qty{})
	_, err := e.Store.Level(ctx, "B", "wh")
	wantErr(t, err, oms.ErrNotFound)
	_, err = e.Store.Level(ctx, "A", "nowhere")
	wantErr(t, err, oms.ErrNotFound)
	levels, err := e.Store.Levels(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	// A store may create level rows up front; they hold nothing.
	for _, l := range levels {
		if l.OnHand != 0 || l.Reserved != 0 || l.Incoming != 0 || l.Damaged != 0 {
			t.Errorf("a level holds stock before anything moved: %+v", l)
		}
	}
}

func testReserveAllOrNothing(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh1", "wh2"}, []oms.SKU{"A", "B", "C"}, 5)
	_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r1", Lines: []inventory.Line{
		ln("A", "wh1", 2), ln("B", "wh1", 6), ln("C", "wh2", 5), ln("C", "wh1", 7),
	}})
	wantErr(t, err, oms.ErrInsufficientStock)
	var se *inventory.ShortageError
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *ShortageError", err)
	}
	want := []inventory.Shortage{
		{Line: 1, SKU: "B", Location: "wh1", Requested: 6, Available: 5},
		{Line: 3, SKU: "C", Location: "wh1", Requested: 7, Available: 5},
	}
	if diff := cmp.Diff(want, se.Lines); diff != "" {
		t.Errorf("short lines (-want +got):\n%s", diff)
	}
	for _, sku := range []oms.SKU{"A", "B", "C"} {
		wantLevel(t, e, sku, "wh1", qty{OnHand: 5})
		wantLevel(t, e, sku, "wh2", qty{OnHand: 5})
	}
	_, err = e.Store.Reservation(ctx, "r1")
	wantErr(t, err, oms.ErrNotFound)

	r := reserve(t, e, "r2", ln("A", "wh1", 2), ln("C", "wh2", 5))
	if r.Status != inventory.StatusActive || r.Version != 1 || r.Outstanding() != 7 {
		t.Errorf("new reservation: %+v", r)
	}
	wantLevel(t, e, "A", "wh1", qty{OnHand: 5, Reserved: 2})
	wantLevel(t, e, "C", "wh2", qty{OnHand: 5, Reserved: 5})
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r3", Lines: []inventory.Line{ln("A", "wh1", 1), ln("C", "wh2", 1)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	wantLevel(t, e, "A", "wh1", qty{OnHand: 5, Reserved: 2})

	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r4", Lines: []inventory.Line{ln("A", "wh1", 1), ln("ZZZ", "wh1", 1)}})
	wantErr(t, err, oms.ErrNotFound)
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r4", Lines: []inventory.Line{ln("A", "wh1", 1), ln("A", "mars", 1)}})
	wantErr(t, err, oms.ErrNotFound)
	wantLevel(t, e, "A", "wh1", qty{OnHand: 5, Reserved: 2})
	if _, err := e.Store.Reservation(ctx, "r4"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused reservation was stored: %v", err)
	}
	got, err := e.Store.Reservation(ctx, "r2")
	if err != nil {
		t.Fatal(err)
	}
	got.Lines[0].Quantity = 99
	again, _ := e.Store.Reservation(ctx, "r2")
	if again.Lines[0].Quantity != 2 {
		t.Errorf("returned reservation shares memory with the store")
	}
	wantClean(t, e)
}

func testReserveReplay(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A", "B"}, 10)
	req := inventory.ReserveRequest{ID: "order-1", Reference: "order-1", Lines: []inventory.Line{ln("A", "wh", 3), ln("B", "wh", 1)}}
	first, err := e.Service.Reserve(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	second, err := e.Service.Reserve(ctx, req)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("replay returned a different reservation (-first +replay):\n%s", diff)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 10, Reserved: 3})
	other := req
	other.Lines = []inventory.Line{ln("A", "wh", 4), ln("B", "wh", 1)}
	_, err = e.Service.Reserve(ctx, other)
	wantErr(t, err, oms.ErrDuplicate)
	other = req
	other.Reference = "order-2"
	_, err = e.Service.Reserve(ctx, other)
	wantErr(t, err, oms.ErrDuplicate)
	wantLevel(t, e, "A", "wh", qty{OnHand: 10, Reserved: 3})

	if _, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "order-1"}); err != nil {
		t.Fatal(err)
	}
	third, err := e.Service.Reserve(ctx, req)
	if err != nil {
		t.Fatalf("replay after commit: %v", err)
	}
	if third.Status != inventory.StatusCommitted {
		t.Errorf("replay after commit: status %s, want committed", third.Status)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 7})
	wantClean(t, e)
}

func testReserveBadInput(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	cases := []struct {
		name   string
		req    inventory.ReserveRequest
		fields []string
	}{
		{"negative quantity", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("A", "wh", -1)}}, []string{"lines[0].quantity"}},
		{"zero quantity", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("A", "wh", 0)}}, []string{"lines[0].quantity"}},
		{"no lines", inventory.ReserveRequest{ID: "x"}, []string{"lines"}},
		{"no id", inventory.ReserveRequest{Lines: []inventory.Line{ln("A", "wh", 1)}}, []string{"id"}},
		{"duplicate line", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("A", "wh", 1), ln("A", "wh", 2)}}, []string{"lines[1]"}},
		{"bad sku and location", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("", "has space", 1)}}, []string{"lines[0].sku", "lines[0].location"}},
		{"expiry in the past", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("A", "wh", 1)}, ExpiresAt: epoch.Add(-time.Hour)}, []string{"expires_at"}},
		{"expiry twice", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("A", "wh", 1)}, ExpiresAt: epoch.Add(time.Hour), HoldFor: time.Hour}, []string{"expires_at"}},
		{"negative hold", inventory.ReserveRequest{ID: "x", Lines: []inventory.Line{ln("A", "wh", 1)}, HoldFor: -time.Second}, []string{"hold_for"}},
	}
	for _, tc := range cases {
		func() {
			_, err := e.Service.Reserve(ctx, tc.req)
			wantErr(t, err, oms.ErrValidation)
			var ve *oms.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *oms.ValidationError", err)
			}
			for _, f := range tc.fields {
				if !ve.Has(f) {
					t.Errorf("error %v does not name %s", err, f)
				}
			}
			wantLevel(t, e, "A", "wh", qty{OnHand: 10})
		}()
	}
	// The store refuses what it cannot apply safely, whoever calls it.
	_, _, err := e.Store.Reserve(ctx, inventory.Reservation{ID: "direct", Lines: []inventory.ReservationLine{
		{SKU: "A", Location: "wh", Quantity: 10}, {SKU: "A", Location: "wh", Quantity: 10},
	}}, oms.Event{})
	wantErr(t, err, oms.ErrValidation)
	_, _, err = e.Store.Reserve(ctx, inventory.Reservation{ID: "direct", Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: -5}}}, oms.Event{})
	wantErr(t, err, oms.ErrValidation)
	wantLevel(t, e, "A", "wh", qty{OnHand: 10})
}

func testCommitAndRelease(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh1", "wh2"}, []oms.SKU{"A", "B"}, 10)
	reserve(t, e, "r", ln("A", "wh1", 4), ln("B", "wh2", 3))

	r, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{ln("A", "wh1", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != inventory.StatusPartiallyCommitted || r.Version != 2 {
		t.Errorf("after partial commit: %s v%d", r.Status, r.Version)
	}
	wantLevel(t, e, "A", "wh1", qty{OnHand: 9, Reserved: 3})

	before, _ := e.Store.Reservation(ctx, "r")
	_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{ln("A", "wh1", 4)}})
	wantErr(t, err, oms.ErrValidation)
	_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{ln("A", "wh1", 1), ln("B", "wh1", 1)}})
	wantErr(t, err, oms.ErrValidation)
	_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{ln("B", "wh2", -1)}})
	wantErr(t, err, oms.ErrValidation)
	_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{}})
	wantErr(t, err, oms.ErrValidation)
	after, _ := e.Store.Reservation(ctx, "r")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("refused commands changed the reservation:\n%s", diff)
	}
	wantLevel(t, e, "A", "wh1", qty{OnHand: 9, Reserved: 3})
	wantLevel(t, e, "B", "wh2", qty{OnHand: 10, Reserved: 3})

	r, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{ln("B", "wh2", 2)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != inventory.StatusPartiallyCommitted {
		t.Errorf("after partial release: %s", r.Status)
	}
	wantLevel(t, e, "B", "wh2", qty{OnHand: 10, Reserved: 1})
	r, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != inventory.StatusCommitted || r.Outstanding() != 0 {
		t.Errorf("after releasing the rest of a partly committed reservation: %s, %d outstanding", r.Status, r.Outstanding())
	}
	want := []inventory.ReservationLine{
		{SKU: "A", Location: "wh1", Quantity: 4, Committed: 1, Released: 3},
		{SKU: "B", Location: "wh2", Quantity: 3, Released: 3},
	}
	if diff := cmp.Diff(want, r.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r"})
	wantErr(t, err, oms.ErrInvalidTransition)
	var te *oms.TransitionError
	if !errors.As(err, &te) || te.From != string(inventory.StatusCommitted) {
		t.Errorf("release of a final reservation: %v", err)
	}

	reserve(t, e, "r2", ln("A", "wh2", 2))
	if _, err := e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r2"}); err != nil {
		t.Fatal(err)
	}
	before, _ = e.Store.Reservation(ctx, "r2")
	_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r2"})
	wantErr(t, err, oms.ErrInvalidTransition)
	_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "r2"})
	wantErr(t, err, oms.ErrInvalidTransition)
	after, _ = e.Store.Reservation(ctx, "r2")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("release twice changed the reservation:\n%s", diff)
	}
	if after.Status != inventory.StatusReleased {
		t.Errorf("status %s, want released", after.Status)
	}
	wantLevel(t, e, "A", "wh2", qty{OnHand: 10})
	_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "missing"})
	wantErr(t, err, oms.ErrNotFound)

	reserve(t, e, "r3", ln("A", "wh2", 5), ln("B", "wh1", 5))
	r, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "r3"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != inventory.StatusCommitted {
		t.Errorf("status %s, want committed", r.Status)
	}
	wantLevel(t, e, "A", "wh2", qty{OnHand: 5})
	wantLevel(t, e, "B", "wh1", qty{OnHand: 5})
	open, err := e.Store.Reservations(ctx, inventory.ReservationFilter{OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 {
		t.Errorf("open reservations left: %+v", open)
	}
	byRef, _ := e.Store.Reservations(ctx, inventory.ReservationFilter{Reference: "cart-r3"})
	if len(byRef) != 1 || byRef[0].ID != "r3" {
		t.Errorf("reservations by reference: %+v", byRef)
	}
	wantClean(t, e)
}

func testHoldsExpire(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	hold, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "cart", Lines: []inventory.Line{ln("A", "wh", 4)}, HoldFor: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !hold.ExpiresAt.Equal(epoch.Add(15 * time.Minute)) {
		t.Errorf("expires at %s", hold.ExpiresAt)
	}
	if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "late", Lines: []inventory.Line{ln("A", "wh", 1)}, ExpiresAt: epoch.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	reserve(t, e, "forever", ln("A", "wh", 1))
	e.Clock.Advance(10 * time.Minute)
	if got, err := e.Service.SweepExpired(ctx, e.Clock.Now()); err != nil || len(got) != 0 {
		t.Fatalf("early sweep: %v, %v", got, err)
	}
	_, err = e.Service.Extend(ctx, "cart", e.Clock.Now().Add(-time.Second))
	wantErr(t, err, oms.ErrValidation)
	if _, err := e.Service.Extend(ctx, "cart", e.Clock.Now().Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(10 * time.Minute)
	if got, _ := e.Service.SweepExpired(ctx, e.Clock.Now()); len(got) != 0 {
		t.Errorf("extended hold expired: %v", got)
	}
	e.Clock.Advance(time.Hour)
	got, err := e.Service.SweepExpired(ctx, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]oms.ID{"cart", "late"}, got); diff != "" {
		t.Errorf("expired (-want +got):\n%s", diff)
	}
	r, _ := e.Store.Reservation(ctx, "cart")
	if r.Status != inventory.StatusExpired || r.Lines[0].Released != 4 {
		t.Errorf("expired hold: %+v", r)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 10, Reserved: 1})
	if got, _ := e.Service.SweepExpired(ctx, e.Clock.Now()); len(got) != 0 {
		t.Errorf("second sweep expired %v", got)
	}
	_, err = e.Service.Extend(ctx, "cart", e.Clock.Now().Add(time.Hour))
	wantErr(t, err, oms.ErrInvalidTransition)
	_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "cart"})
	wantErr(t, err, oms.ErrInvalidTransition)

	// A committed hold never expires.
	if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "cart2", Lines: []inventory.Line{ln("A", "wh", 2)}, HoldFor: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "cart2", Lines: []inventory.Line{ln("A", "wh", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.ExpiresAt.IsZero() {
		t.Errorf("commit kept the expiry %s", r.ExpiresAt)
	}
	e.Clock.Advance(time.Hour)
	if got, _ := e.Service.SweepExpired(ctx, e.Clock.Now()); len(got) != 0 {
		t.Errorf("committed hold expired: %v", got)
	}
	_, err = e.Store.Expired(ctx, e.Clock.Now(), 0)
	wantErr(t, err, oms.ErrValidation)
	wantClean(t, e)
}

func testInactiveLocation(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"open", "closed"}, []oms.SKU{"A"}, 5)
	if err := e.Service.PutLocation(ctx, inventory.Location{ID: "closed", Name: "Closed", Kind: inventory.KindStore, Active: false}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{ln("A", "open", 1), ln("A", "closed", 1)}})
	wantErr(t, err, oms.ErrUnavailable)
	wantLevel(t, e, "A", "open", qty{OnHand: 5})
	wantLevel(t, e, "A", "closed", qty{OnHand: 5})
	// Stock still moves there: a closed shop sends its units back.
	if _, err := e.Service.Transfer(ctx, inventory.TransferRequest{ID: "back", SKU: "A", From: "closed", To: "open", Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	wantLevel(t, e, "A", "open", qty{OnHand: 5, Incoming: 5})
	if err := e.Service.PutLocation(ctx, inventory.Location{ID: "closed", Name: "Reopened", Kind: inventory.KindStore, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r2", Lines: []inventory.Line{ln("A", "closed", 1)}}); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("reserve at the emptied, reopened location: %v", err)
	}
	wantClean(t, e)
}

func testBackorders(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"ALLOW", "PRE"}, 2)
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "ALLOW", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "PRE", Tracked: true, Backorder: inventory.BackorderPolicy{
		Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: epoch.AddDate(0, 1, 0)}}); err != nil {
		t.Fatal(err)
	}
	reserve(t, e, "b1", ln("ALLOW", "wh", 50))
	wantLevel(t, e, "ALLOW", "wh", qty{OnHand: 2, Reserved: 50})
	_, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "b1"})
	wantErr(t, err, oms.ErrInsufficientStock)
	wantLevel(t, e, "ALLOW", "wh", qty{OnHand: 2, Reserved: 50})
	if _, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "b1", Lines: []inventory.Line{ln("ALLOW", "wh", 2)}}); err != nil {
		t.Fatalf("committing the units on hand: %v", err)
	}
	if _, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "ALLOW", Location: "wh", Quantity: 48}); err != nil {
		t.Fatal(err)
	}
	if r, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "b1"}); err != nil || r.Status != inventory.StatusCommitted {
		t.Fatalf("commit after receipt: %v %v", r.Status, err)
	}
	wantLevel(t, e, "ALLOW", "wh", qty{})

	reserve(t, e, "p1", ln("PRE", "wh", 6))
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "p2", Lines: []inventory.Line{ln("PRE", "wh", 2)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	var se *inventory.ShortageError
	if errors.As(err, &se) && se.Lines[0].Available != 1 {
		t.Errorf("preorder shortage: %+v", se.Lines)
	}
	reserve(t, e, "p3", ln("PRE", "wh", 1))
	wantLevel(t, e, "PRE", "wh", qty{OnHand: 2, Reserved: 7})
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "PRE", Location: "wh", Reason: inventory.ReasonLoss, Quantity: 1})
	wantErr(t, err, oms.ErrInsufficientStock)
	wantLevel(t, e, "PRE", "wh", qty{OnHand: 2, Reserved: 7})
	wantClean(t, e)
}

func testUntracked(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 1)
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "GIFT", Tracked: false}); err != nil {
		t.Fatal(err)
	}
	r := reserve(t, e, "u", ln("GIFT", "wh", 1000), ln("A", "wh", 1))
	if !r.Lines[0].Untracked || r.Lines[1].Untracked {
		t.Errorf("untracked flags: %+v", r.Lines)
	}
	wantLevel(t, e, "GIFT", "wh", qty{})
	if _, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: "u"}); err != nil {
		t.Fatal(err)
	}
	wantLevel(t, e, "GIFT", "wh", qty{})
	wantLevel(t, e, "A", "wh", qty{})
	entries, _ := e.Store.Ledger(ctx, inventory.LedgerFilter{SKU: "GIFT"})
	if len(entries) != 0 {
		t.Errorf("untracked line moved stock: %+v", entries)
	}
	wantClean(t, e)
}

func testMovements(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 0)
	in, err := e.Service.Expect(ctx, inventory.Expectation{ID: "po-1", SKU: "A", Location: "wh", Quantity: 20, ExpectedAt: epoch.AddDate(0, 0, 7), Reference: "PO-1"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != inventory.InboundOpen || in.Outstanding() != 20 {
		t.Errorf("inbound: %+v", in)
	}
	again, err := e.Service.Expect(ctx, inventory.Expectation{ID: "po-1", SKU: "A", Location: "wh", Quantity: 20, ExpectedAt: epoch.AddDate(0, 0, 7), Reference: "PO-1"})
	if err != nil || again.Version != 1 {
		t.Errorf("replayed expectation: %+v, %v", again, err)
	}
	_, err = e.Service.Expect(ctx, inventory.Expectation{ID: "po-1", SKU: "A", Location: "wh", Quantity: 21})
	wantErr(t, err, oms.ErrDuplicate)
	wantLevel(t, e, "A", "wh", qty{Incoming: 20})

	if _, err := e.Service.Receive(ctx, inventory.Receipt{InboundID: "po-1", Quantity: 12}); err != nil {
		t.Fatal(err)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 12, Incoming: 8})
	_, err = e.Service.Receive(ctx, inventory.Receipt{InboundID: "po-1", Quantity: 9})
	wantErr(t, err, oms.ErrValidation)
	_, err = e.Service.Receive(ctx, inventory.Receipt{InboundID: "po-1", SKU: "B", Location: "x", Quantity: 1})
	wantErr(t, err, oms.ErrValidation)
	_, err = e.Service.Receive(ctx, inventory.Receipt{InboundID: "po-404", Quantity: 1})
	wantErr(t, err, oms.ErrNotFound)
	wantLevel(t, e, "A", "wh", qty{OnHand: 12, Incoming: 8})
	closed, err := e.Service.CancelInbound(ctx, "po-1")
	if err != nil {
		t.Fatal(err)
	}
	if closed.Status != inventory.InboundClosed || closed.Cancelled != 8 {
		t.Errorf("cancelled inbound: %+v", closed)
	}
	// A retry (after a lost answer) is a replay: the same delivery back,
	// nothing moved again.
	again, err = e.Service.CancelInbound(ctx, "po-1")
	if err != nil {
		t.Fatalf("cancel retried: %v", err)
	}
	if diff := cmp.Diff(closed, again); diff != "" {
		t.Errorf("cancel retried (-first +retry):\n%s", diff)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 12})

	steps := []struct {
		adj  inventory.Adjustment
		want qty
	}{
		{inventory.Adjustment{Reason: inventory.ReasonDamage, Quantity: 3}, qty{OnHand: 9, Damaged: 3}},
		{inventory.Adjustment{Reason: inventory.ReasonRestore, Quantity: 1}, qty{OnHand: 10, Damaged: 2}},
		{inventory.Adjustment{Reason: inventory.ReasonWriteOff, Quantity: 2}, qty{OnHand: 10}},
		{inventory.Adjustment{Reason: inventory.ReasonLoss, Quantity: 1}, qty{OnHand: 9}},
		{inventory.Adjustment{Reason: inventory.ReasonFound, Quantity: 4}, qty{OnHand: 13}},
	}
	for _, st := range steps {
		a := st.adj
		a.SKU, a.Location = "A", "wh"
		if _, err := e.Service.Adjust(ctx, a); err != nil {
			t.Fatalf("%s: %v", a.Reason, err)
		}
		wantLevel(t, e, "A", "wh", st.want)
	}
	entry, err := e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 11, Reference: "count-1"})
	if err != nil {
		t.Fatal(err)
	}
	if entry.Reason != inventory.ReasonCount || entry.Counted != 11 || entry.OnHand != -2 || entry.Seq == 0 {
		t.Errorf("count entry: %+v", entry)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 11})
	reserve(t, e, "r", ln("A", "wh", 5))
	_, err = e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 4})
	wantErr(t, err, oms.ErrInsufficientStock)
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonDamage, Quantity: 7})
	wantErr(t, err, oms.ErrInsufficientStock)
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonWriteOff, Quantity: 1})
	wantErr(t, err, oms.ErrInsufficientStock)
	wantLevel(t, e, "A", "wh", qty{OnHand: 11, Reserved: 5})
	if _, err := e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 5}); err != nil {
		t.Fatalf("count down to the reserved units: %v", err)
	}
	if _, err := e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 2, Reference: "rma-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 1, Quarantine: true, Reference: "rma-1"}); err != nil {
		t.Fatal(err)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 7, Reserved: 5, Damaged: 1})
	wantClean(t, e)
	snap, _ := e.Store.Snapshot(ctx)
	f := inventory.Flows(snap.Entries)
	want := inventory.Flow{Received: 12, Found: 4, Returned: 3, WrittenOff: 2 + 1 + 2 + 6, OnHand: 7, Damaged: 1}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
}

func testMovementBadInput(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh", "wh2"}, []oms.SKU{"A"}, 5)
	before, _ := e.Store.Snapshot(ctx)
	check := func(name string, err error, kind error, fields ...string) {
		t.Helper()
		if !errors.Is(err, kind) {
			t.Errorf("%s: got %v, want an error matching %v", name, err, kind)
			return
		}
		var ve *oms.ValidationError
		if errors.As(err, &ve) {
			for _, f := range fields {
				if !ve.Has(f) {
					t.Errorf("%s: %v does not name %s", name, err, f)
				}
			}
		}
	}
	_, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: -3})
	check("negative receipt", err, oms.ErrValidation, "quantity")
	_, err = e.Service.Receive(ctx, inventory.Receipt{SKU: "NOPE", Location: "wh", Quantity: 3})
	check("unknown sku", err, oms.ErrNotFound)
	_, err = e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "nowhere", Quantity: 3})
	check("unknown location", err, oms.ErrNotFound)
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonShip, Quantity: 1})
	check("adjust with a reason of its own", err, oms.ErrValidation, "reason")
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, Quantity: 0})
	check("zero adjustment", err, oms.ErrValidation, "quantity")
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, Quantity: 6})
	check("loss beyond stock", err, oms.ErrInsufficientStock)
	_, err = e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: -1})
	check("count below zero", err, oms.ErrValidation, "counted")
	_, err = e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "nowhere", Counted: 1})
	check("count at unknown location", err, oms.ErrNotFound)
	_, err = e.Service.Transfer(ctx, inventory.TransferRequest{ID: "t", SKU: "A", From: "wh", To: "wh", Quantity: 1})
	check("transfer to the same location", err, oms.ErrValidation, "to")
	_, err = e.Service.Transfer(ctx, inventory.TransferRequest{ID: "t", SKU: "A", From: "wh", To: "wh2", Quantity: 6})
	check("transfer beyond stock", err, oms.ErrInsufficientStock)
	_, err = e.Service.Transfer(ctx, inventory.TransferRequest{ID: "t", SKU: "A", From: "wh", To: "mars", Quantity: 1})
	check("transfer to an unknown location", err, oms.ErrNotFound)
	_, err = e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: -1})
	check("negative restock", err, oms.ErrValidation, "quantity")
	_, err = e.Service.Expect(ctx, inventory.Expectation{ID: "", SKU: "A", Location: "wh", Quantity: 0})
	check("bad expectation", err, oms.ErrValidation, "id", "quantity")
	after, _ := e.Store.Snapshot(ctx)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("refused movements changed the store (-before +after):\n%s", diff)
	}
}

func testTransfers(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"a", "b"}, []oms.SKU{"A"}, 10)
	reserve(t, e, "r", ln("A", "a", 6))
	req := inventory.TransferRequest{ID: "tr-1", SKU: "A", From: "a", To: "b", Quantity: 4, ExpectedAt: epoch.AddDate(0, 0, 2)}
	_, err := e.Service.Transfer(ctx, inventory.TransferRequest{ID: "tr-0", SKU: "A", From: "a", To: "b", Quantity: 5})
	wantErr(t, err, oms.ErrInsufficientStock)
	tr, err := e.Service.Transfer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Kind != inventory.InboundTransfer || tr.From != "a" || tr.Location != "b" {
		t.Errorf("transfer: %+v", tr)
	}
	if again, err := e.Service.Transfer(ctx, req); err != nil || again.ID != tr.ID {
		t.Errorf("replayed transfer: %+v %v", again, err)
	}
	wantLevel(t, e, "A", "a", qty{OnHand: 6, Reserved: 6})
	wantLevel(t, e, "A", "b", qty{OnHand: 10, Incoming: 4})
	entry, err := e.Service.Receive(ctx, inventory.Receipt{InboundID: "tr-1", Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	if entry.Reason != inventory.ReasonTransferIn {
		t.Errorf("reason %s", entry.Reason)
	}
	wantLevel(t, e, "A", "b", qty{OnHand: 13, Incoming: 1})
	lost, err := e.Service.CancelInbound(ctx, "tr-1")
	if err != nil {
		t.Fatal(err)
	}
	if lost.Status != inventory.InboundClosed {
		t.Errorf("status %s", lost.Status)
	}
	wantLevel(t, e, "A", "b", qty{OnHand: 13})
	ins, err := e.Store.Inbounds(ctx, inventory.InboundFilter{SKU: "A"})
	if err != nil || len(ins) != 1 {
		t.Fatalf("inbounds: %+v %v", ins, err)
	}
	if open, _ := e.Store.Inbounds(ctx, inventory.InboundFilter{SKU: "A", OpenOnly: true}); len(open) != 0 {
		t.Errorf("open inbounds: %+v", open)
	}
	wantClean(t, e)
	snap, _ := e.Store.Snapshot(ctx)
	if f := inventory.Flows(snap.Entries); f.WrittenOff != 1 || f.InTransit != 0 {
		t.Errorf("flows: %+v", f)
	}
}

func testApplyConditions(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	r := reserve(t, e, "r", ln("A", "wh", 2))
	stale := r.Clone()
	stale.Version = 2
	stale.Status = inventory.StatusReleased
	stale.Lines[0].Released = 2
	if _, err := e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r", Lines: []inventory.Line{ln("A", "wh", 1)}}); err != nil {
		t.Fatal(err)
	}
	err := e.Store.Apply(ctx, &inventory.Change{Reservation: &stale, Deltas: []inventory.Delta{{SKU: "A", Location: "wh", Reserved: -2}}})
	wantErr(t, err, oms.ErrConflict)
	wantLevel(t, e, "A", "wh", qty{OnHand: 10, Reserved: 1})
	missing := stale
	missing.ID = "ghost"
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Reservation: &missing}), oms.ErrNotFound)

	in := inventory.Inbound{ID: "po", Kind: inventory.InboundPurchase, SKU: "A", Location: "wh", Quantity: 3, Status: inventory.InboundOpen, Version: 1}
	if err := e.Store.Apply(ctx, &inventory.Change{Inbound: &in, Entries: []inventory.LedgerEntry{{SKU: "A", Location: "wh", Reason: inventory.ReasonExpected, Incoming: 3}}}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Inbound: &in}), oms.ErrDuplicate)
	in.Version = 5
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Inbound: &in}), oms.ErrConflict)
	in.ID, in.Version = "po-missing", 2
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Inbound: &in}), oms.ErrNotFound)

	// A change is all or nothing: the good entry does not land when the
	// second one is short.
	err = e.Store.Apply(ctx, &inventory.Change{Entries: []inventory.LedgerEntry{
		{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, OnHand: 1},
		{SKU: "A", Location: "wh", Reason: inventory.ReasonWriteOff, Damaged: -1},
	}})
	wantErr(t, err, oms.ErrInsufficientStock)
	err = e.Store.Apply(ctx, &inventory.Change{Entries: []inventory.LedgerEntry{
		{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, OnHand: 1},
		{SKU: "NOPE", Location: "wh", Reason: inventory.ReasonFound, OnHand: 1},
	}})
	wantErr(t, err, oms.ErrNotFound)
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Entries: []inventory.LedgerEntry{{SKU: "A", Location: "wh", Reason: "magic", OnHand: 1}}}), oms.ErrValidation)
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Deltas: []inventory.Delta{{SKU: "A", Location: "wh", CheckSeq: true, Seq: -1}}}), oms.ErrConflict)
	wantErr(t, e.Store.Apply(ctx, nil), oms.ErrValidation)
	// math.MinInt64 is out of range too (its absolute value wraps), also
	// twice on one level, where the sum wraps to 0.
	minInt := inventory.LedgerEntry{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, OnHand: math.MinInt64}
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Entries: []inventory.LedgerEntry{minInt, minInt}}), oms.ErrValidation)
	minRes := inventory.Delta{SKU: "A", Location: "wh", Reserved: math.MinInt64}
	wantErr(t, e.Store.Apply(ctx, &inventory.Change{Deltas: []inventory.Delta{minRes, minRes}}), oms.ErrValidation)
	// 8,193 receipts of oms.MaxQuantity on one level: their sum passes
	// int64 and wraps unless the change is refused.
	many := &inventory.Change{Op: "receive"}
	for range 8193 {
		many.Entries = append(many.Entries, inventory.LedgerEntry{SKU: "A", Location: "wh", Reason: inventory.ReasonReceipt, OnHand: oms.MaxQuantity})
	}
	wantErr(t, e.Store.Apply(ctx, many), oms.ErrValidation)
	wantLevel(t, e, "A", "wh", qty{OnHand: 10, Reserved: 1, Incoming: 3})
	wantClean(t, e)
}

func testLedger(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"a", "b"}, []oms.SKU{"A", "B"}, 3)
	all, err := e.Service.Ledger(ctx, inventory.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Fatalf("%d entries, want 4", len(all))
	}
	for i, en := range all {
		// Seq must increase; it need not start at 1 nor be dense (a
		// database sequence skips numbers).
		if (i > 0 && en.Seq <= all[i-1].Seq) || en.Seq <= 0 || en.Reason != inventory.ReasonReceipt || !en.At.Equal(epoch) {
			t.Errorf("entry %d: %+v", i, en)
		}
	}
	some, _ := e.Service.Ledger(ctx, inventory.LedgerFilter{SKU: "B", Location: "b"})
	if len(some) != 1 || some[0].SKU != "B" || some[0].Location != "b" {
		t.Errorf("filtered: %+v", some)
	}
	page, _ := e.Service.Ledger(ctx, inventory.LedgerFilter{AfterSeq: all[0].Seq, Limit: 2})
	if diff := cmp.Diff(all[1:3], page); diff != "" {
		t.Errorf("page after the first entry (-want +got):\n%s", diff)
	}
}

// testKeyedCommitRelease checks what a store must keep for keyed commits
// and releases: the reservation's operations and refs, and the key of the
// ship entries; a replay moves nothing.
func testKeyedCommitRelease(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	r, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "o", Lines: []inventory.Line{
		{SKU: "A", Location: "wh", Quantity: 2, Ref: "ol-1"}, {SKU: "A", Location: "wh", Quantity: 3, Ref: "ol-2"}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lines[0].Ref != "ol-1" || r.Lines[1].Ref != "ol-2" {
		t.Fatalf("refs lost: %+v", r.Lines)
	}
	parcel := []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2, Ref: "ol-2"}}
	first, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "o", Lines: parcel})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.Store.Reservation(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, stored); diff != "" {
		t.Errorf("stored reservation differs from the one saved (ops and refs must be kept) (-saved +stored):\n%s", diff)
	}
	again, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "o", Lines: parcel})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay differs from the first result (-first +replay):\n%s", diff)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 8, Reserved: 3})
	_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "o", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1, Ref: "ol-1"}}})
	wantErr(t, err, oms.ErrDuplicate)
	if _, err := e.Service.Release(ctx, inventory.ReleaseRequest{Key: "cancel", Reservation: "o"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Release(ctx, inventory.ReleaseRequest{Key: "cancel", Reservation: "o"}); err != nil {
		t.Errorf("release replay: %v", err)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 8})
	entries, err := e.Store.Ledger(ctx, inventory.LedgerFilter{SKU: "A"})
	if err != nil {
		t.Fatal(err)
	}
	ships := 0
	for _, en := range entries {
		if en.Reason == inventory.ReasonShip {
			ships++
			if en.Key != "parcel-1" || en.Reference != "o" {
				t.Errorf("ship entry lost its key or reference: %+v", en)
			}
		}
	}
	if ships != 1 {
		t.Errorf("%d ship entries, want 1", ships)
	}
	wantClean(t, e)
}
