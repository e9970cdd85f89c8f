package inventorytest

import (
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// testItemCopies: the store copies an item's maps going in and coming out
// (a store that hands out its own ChannelBuffers lets a caller change the
// stored settings without a write).
func testItemCopies(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, nil, 0)
	in := inventory.Item{SKU: "A", Tracked: true, SafetyStock: 1,
		ChannelBuffers: map[inventory.Channel]int64{"web": 2, "pos": 3},
		Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: epoch.Add(time.Hour),
			LocationLimits: map[oms.ID]int64{"wh": 4}}}
	if err := e.Store.PutItem(ctx, in); err != nil {
		t.Fatal(err)
	}
	want := inventory.Item{SKU: "A", Tracked: true, SafetyStock: 1,
		ChannelBuffers: map[inventory.Channel]int64{"web": 2, "pos": 3},
		Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: epoch.Add(time.Hour),
			LocationLimits: map[oms.ID]int64{"wh": 4}}}
	in.ChannelBuffers["web"] = 99
	in.Backorder.LocationLimits["wh"] = 99
	got, err := e.Store.Item(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored item changed through the caller's maps (-want +got):\n%s", diff)
	}
	got.ChannelBuffers["web"] = 77
	got.Backorder.LocationLimits["wh"] = 77
	again, err := e.Store.Item(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("returned item shares its maps with the store (-want +got):\n%s", diff)
	}

	// Reserve leaves the caller's lines as given (it resets committed
	// units and flags untracked lines in its own copy) and returns lines
	// of its own.
	if err := e.Store.PutItem(ctx, inventory.Item{SKU: "U"}); err != nil {
		t.Fatal(err)
	}
	lines := []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 1, Committed: 3}, {SKU: "U", Location: "wh", Quantity: 2}}
	given := append([]inventory.ReservationLine(nil), lines...)
	r, _, err := e.Store.Reserve(ctx, inventory.Reservation{ID: "copies", Lines: lines}, oms.Event{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(given, lines); diff != "" {
		t.Errorf("Reserve changed the caller's lines (-given +after):\n%s", diff)
	}
	r.Lines[0].Quantity = 99
	if lines[0].Quantity != 1 {
		t.Errorf("the reservation Reserve returned shares the caller's lines")
	}
}

// testExpiredLimitAndOrder: Expired returns at most limit IDs, the
// earliest expiries first (ties by ID), and only holds due at now.
func testExpiredLimitAndOrder(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 20)
	// Reserve in an order unlike the expiry order and unlike the ID order.
	holds := []struct {
		id  oms.ID
		exp time.Duration
	}{{"h-c", 3 * time.Minute}, {"h-a", 5 * time.Minute}, {"h-e", 1 * time.Minute}, {"h-b", 3 * time.Minute}, {"h-d", 2 * time.Minute}, {"h-f", time.Hour}}
	for _, h := range holds {
		if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: h.id, HoldFor: h.exp, Lines: []inventory.Line{ln("A", "wh", 1)}}); err != nil {
			t.Fatal(err)
		}
	}
	now := epoch.Add(10 * time.Minute)
	for _, tc := range []struct {
		limit int
		want  []oms.ID
	}{
		{2, []oms.ID{"h-e", "h-d"}},
		{3, []oms.ID{"h-e", "h-d", "h-b"}},
		{4, []oms.ID{"h-e", "h-d", "h-b", "h-c"}},
		{100, []oms.ID{"h-e", "h-d", "h-b", "h-c", "h-a"}},
	} {
		got, err := e.Store.Expired(ctx, now, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Expired(limit %d) (-want +got):\n%s", tc.limit, diff)
		}
	}
	if got, _ := e.Store.Expired(ctx, epoch.Add(2*time.Minute), 10); !cmp.Equal(got, []oms.ID{"h-e", "h-d"}) {
		t.Errorf("Expired at the second expiry, inclusive: %v", got)
	}
}

// testPreorderLimitSKUWide: the preorder limit is one SKU-wide total over
// every location, enforced in the store's write, alone and under
// concurrent reserves.
func testPreorderLimitSKUWide(t testing.TB, e *Env) {
	locs := []oms.ID{"a", "b", "c"}
	Stock(t, e.Service, locs, nil, 0)
	pre := inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: epoch.Add(30 * 24 * time.Hour)}
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	reserve(t, e, "p1", ln("P", "a", 3))
	_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "p2", Lines: []inventory.Line{ln("P", "b", 3)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	reserve(t, e, "p3", ln("P", "b", 2))
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "p4", Lines: []inventory.Line{ln("P", "c", 1)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	// A basket over two locations counts both lines.
	if _, err := e.Service.Release(ctx, inventory.ReleaseRequest{Key: "free", Reservation: "p1"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "p5", Lines: []inventory.Line{ln("P", "a", 2), ln("P", "c", 2)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	reserve(t, e, "p6", ln("P", "a", 1), ln("P", "c", 2))
	wantLevel(t, e, "P", "a", qty{Reserved: 1})
	wantLevel(t, e, "P", "b", qty{Reserved: 2})
	wantLevel(t, e, "P", "c", qty{Reserved: 2})

	// A reserve refused at a later line, for an unknown or an inactive
	// location, takes none of the limit: the whole of it still sells.
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "R", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.PutLocation(ctx, inventory.Location{ID: "off", Name: "off", Kind: inventory.KindWarehouse}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r-nowhere", Lines: []inventory.Line{ln("R", "a", 4), ln("R", "nowhere", 1)}})
	wantErr(t, err, oms.ErrNotFound)
	_, err = e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r-off", Lines: []inventory.Line{ln("R", "a", 4), ln("R", "off", 1)}})
	wantErr(t, err, oms.ErrUnavailable)
	reserve(t, e, "r-all", ln("R", "b", 5))

	// Concurrent preorders on a barrier over the three locations: never
	// more than the limit in total.
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "Q", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 20; round++ {
		sku := oms.SKU("Q" + strconv.Itoa(round))
		if err := e.Service.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: pre}); err != nil {
			t.Fatal(err)
		}
		ok := onBarrier(12, func(g int) error {
			_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: oms.ID(string(sku) + "-" + strconv.Itoa(g)),
				Lines: []inventory.Line{ln(sku, locs[g%3], 1)}})
			return err
		})
		var total int64
		for _, l := range locs {
			total += level(t, e, sku, l).Reserved
		}
		if ok.n > 5 || total > 5 || ok.err != nil {
			t.Fatalf("round %d: %d concurrent preorders accepted, %d reserved, limit 5 across locations (error %v)", round, ok.n, total, ok.err)
		}
	}
	wantClean(t, e)
}

// barrierResult counts the calls that succeeded and keeps the first
// unexpected error.
type barrierResult struct {
	n   int
	err error
}

// onBarrier runs f(0..n-1) in n goroutines released at once and counts
// the successes; a shortage or a conflict is an expected refusal, any
// other error is kept.
func onBarrier(n int, f func(g int) error) barrierResult {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		res   barrierResult
		ready sync.WaitGroup
	)
	start := make(chan struct{})
	ready.Add(n)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-start
			err := f(g)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.n++
			case errors.Is(err, oms.ErrInsufficientStock), errors.Is(err, oms.ErrConflict):
			default:
				if res.err == nil {
					res.err = err
				}
			}
		}()
	}
	ready.Wait()
	close(start)
	wg.Wait()
	return res
}

// testConcurrentReserveBarrier: goroutines released together on a barrier
// reserve the last units of a level, round after round: never more than
// there are, and reserved never above on hand. (Checking only the end
// state lets an oversell that is released later pass.)
func testConcurrentReserveBarrier(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, nil, 0)
	const rounds, goroutines, units = 40, 12, 3
	for round := 0; round < rounds; round++ {
		sku := oms.SKU("LAST-" + strconv.Itoa(round))
		if err := e.Service.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Service.Receive(ctx, inventory.Receipt{SKU: sku, Location: "wh", Quantity: units}); err != nil {
			t.Fatal(err)
		}
		res := onBarrier(goroutines, func(g int) error {
			_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: oms.ID(string(sku) + "-" + strconv.Itoa(g)), Lines: []inventory.Line{ln(sku, "wh", 1)}})
			return err
		})
		if res.err != nil {
			t.Fatalf("round %d: %v", round, res.err)
		}
		lv := level(t, e, sku, "wh")
		if res.n > units || lv.Reserved > lv.OnHand || lv.Reserved != int64(res.n) {
			t.Fatalf("round %d: %d of %d concurrent reserves of the last %d units succeeded; level %+v", round, res.n, goroutines, units, lv)
		}
	}
}

// testConcurrentOneReservation: commits, releases and the expiry sweep
// race on one reservation, round after round. The version check must let
// one write through per version: afterwards what the reservations say was
// committed equals what the ledger shipped, and Reconcile is clean.
func testConcurrentOneReservation(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 2000)
	const rounds, workers, ops = 20, 8, 6
	for round := 0; round < rounds; round++ {
		id := oms.ID("one-" + strconv.Itoa(round))
		if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: id, HoldFor: time.Minute, Lines: []inventory.Line{ln("A", "wh", workers*ops)}}); err != nil {
			t.Fatal(err)
		}
		sweepAt := e.Clock.Now().Add(time.Minute)
		res := onBarrier(workers+2, func(g int) error {
			var err error
			switch {
			case g < workers: // commits and releases of one unit each
				for i := 0; i < ops; i++ {
					key := strconv.Itoa(g) + "-" + strconv.Itoa(i)
					if (g+i)%2 == 0 {
						_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: "c" + key, Reservation: id, Lines: []inventory.Line{ln("A", "wh", 1)}})
					} else {
						_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: "r" + key, Reservation: id, Lines: []inventory.Line{ln("A", "wh", 1)}})
					}
					if err != nil && !errors.Is(err, oms.ErrInvalidTransition) && !errors.Is(err, oms.ErrConflict) {
						return err
					}
				}
				return nil
			case g == workers:
				_, err = e.Service.Extend(ctx, id, sweepAt.Add(time.Minute))
			default:
				_, err = e.Service.SweepExpired(ctx, sweepAt)
			}
			if errors.Is(err, oms.ErrInvalidTransition) || errors.Is(err, oms.ErrValidation) {
				return nil // lost to the expiry or to a commit
			}
			return err
		})
		if res.err != nil {
			t.Fatalf("round %d: %v", round, res.err)
		}
		e.Clock.Advance(2 * time.Minute)
	}
	all, err := e.Store.Reservations(ctx, inventory.ReservationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var committed int64
	for _, r := range all {
		for _, l := range r.Lines {
			committed += l.Committed
		}
	}
	entries, err := e.Store.Ledger(ctx, inventory.LedgerFilter{SKU: "A"})
	if err != nil {
		t.Fatal(err)
	}
	var shipped int64
	for _, en := range entries {
		if en.Reason == inventory.ReasonShip {
			shipped -= en.OnHand
		}
	}
	if committed != shipped {
		t.Errorf("reservations say %d units committed, the ledger shipped %d: a stale write went through", committed, shipped)
	}
	wantClean(t, e)
}

// testStaleApply: a reservation write based on a version that moved on is
// refused even when nothing else would refuse it (a stale extension moves
// no stock).
func testStaleApply(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r", HoldFor: 10 * time.Minute, Lines: []inventory.Line{ln("A", "wh", 2)}}); err != nil {
		t.Fatal(err)
	}
	loaded, err := e.Store.Reservation(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.Service.Extend(ctx, "r", epoch.Add(20*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	e.NewEvents(t)
	stale := loaded.Clone()
	stale.Version++
	stale.ExpiresAt = epoch.Add(30 * time.Minute)
	err = e.Store.Apply(ctx, &inventory.Change{Op: "extend", Reservation: &stale})
	wantErr(t, err, oms.ErrConflict)
	got, err := e.Store.Reservation(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fresh, got); diff != "" {
		t.Errorf("a stale write changed the reservation (-want +got):\n%s", diff)
	}
	if evs := e.NewEvents(t); len(evs) != 0 {
		t.Errorf("a refused write saved %d events", len(evs))
	}
}

// testEvents: every kind of write saves its events with it, and a
// refused write saves none.
func testEvents(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh", "wh2"}, []oms.SKU{"A"}, 0)
	if evs := e.NewEvents(t); len(evs) != 0 {
		t.Errorf("PutLocation and PutItem saved events: %v", types(evs))
	}
	want := func(step string, typ ...string) []oms.Event {
		t.Helper()
		evs := e.NewEvents(t)
		if typ == nil {
			typ = []string{}
		}
		if diff := cmp.Diff(typ, types(evs)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", step, diff)
		}
		for _, ev := range evs {
			if ev.ID == "" || ev.AggregateID == "" || len(ev.Payload) == 0 || !json.Valid(ev.Payload) {
				t.Errorf("%s: incomplete event %+v", step, ev)
			}
		}
		return evs
	}
	mustOK := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustOK(e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 10}))
	want("receive", inventory.EventStockMoved)
	mustOK(e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r", HoldFor: time.Minute, Lines: []inventory.Line{ln("A", "wh", 4)}}))
	if evs := want("reserve", inventory.EventReserved); len(evs) == 1 && evs[0].AggregateID != "r" {
		t.Errorf("reserved event of aggregate %s", evs[0].AggregateID)
	}
	_, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "big", Lines: []inventory.Line{ln("A", "wh", 7)}})
	wantErr(t, err, oms.ErrInsufficientStock)
	want("refused reserve")
	mustOK(e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r", HoldFor: time.Minute, Lines: []inventory.Line{ln("A", "wh", 4)}}))
	want("replayed reserve")
	_, _, err = e.Store.Reserve(ctx, inventory.Reservation{ID: "direct", Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 100}}},
		oms.Event{ID: oms.NewID(), Type: inventory.EventReserved, AggregateKind: "reservation", AggregateID: "direct", AggregateVersion: 1, Time: epoch, Payload: []byte(`{}`)})
	wantErr(t, err, oms.ErrInsufficientStock)
	want("refused store reserve")
	mustOK(e.Service.Extend(ctx, "r", epoch.Add(2*time.Minute)))
	want("extend", inventory.EventReservationExtended)
	mustOK(e.Service.Commit(ctx, inventory.CommitRequest{Key: "p1", Reservation: "r", Lines: []inventory.Line{ln("A", "wh", 1)}}))
	want("commit", inventory.EventReservationCommitted)
	mustOK(e.Service.Commit(ctx, inventory.CommitRequest{Key: "p1", Reservation: "r", Lines: []inventory.Line{ln("A", "wh", 1)}}))
	want("replayed commit")
	mustOK(e.Service.Release(ctx, inventory.ReleaseRequest{Key: "x1", Reservation: "r", Lines: []inventory.Line{ln("A", "wh", 1)}}))
	want("release", inventory.EventReservationReleased)
	mustOK(e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "h", HoldFor: time.Minute, Lines: []inventory.Line{ln("A", "wh", 1)}}))
	want("reserve a hold", inventory.EventReserved)
	mustOK(e.Service.SweepExpired(ctx, epoch.Add(90*time.Second)))
	want("expire", inventory.EventReservationExpired)
	_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonLoss, Quantity: 9})
	wantErr(t, err, oms.ErrInsufficientStock)
	want("refused adjust")
	mustOK(e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonDamage, Quantity: 1}))
	want("adjust", inventory.EventStockMoved)
	mustOK(e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 8}))
	want("count", inventory.EventStockMoved)
	mustOK(e.Service.Expect(ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 5}))
	want("expect", inventory.EventStockMoved)
	_, err = e.Service.Expect(ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 6})
	wantErr(t, err, oms.ErrDuplicate)
	want("refused expect")
	mustOK(e.Service.Transfer(ctx, inventory.TransferRequest{ID: "tr", SKU: "A", From: "wh", To: "wh2", Quantity: 2}))
	want("transfer", inventory.EventStockMoved)
	mustOK(e.Service.Receive(ctx, inventory.Receipt{InboundID: "tr", Quantity: 2}))
	want("receive a transfer", inventory.EventStockMoved)
	mustOK(e.Service.CancelInbound(ctx, "po"))
	want("cancel inbound", inventory.EventStockMoved)
	mustOK(e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 1}))
	want("restock", inventory.EventStockMoved)
	n, err := e.Service.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs := e.NewEvents(t)
	if n == 0 || len(evs) != n {
		t.Errorf("sync said %d events, the store saved %d", n, len(evs))
	}
	for _, ev := range evs {
		if ev.Type != inventory.EventChannelAvailability {
			t.Errorf("sync saved %s", ev.Type)
		}
	}
	cursor, _, err := e.Store.SyncState(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stale := oms.Event{ID: oms.NewID(), Type: inventory.EventLowStock, AggregateKind: "sku", AggregateID: "A", Time: epoch, Payload: []byte(`{}`)}
	wantErr(t, e.Store.SaveSync(ctx, cursor+1, cursor+2, nil, []oms.Event{stale}), oms.ErrConflict)
	want("refused save sync")
	wantClean(t, e)
}

func types(evs []oms.Event) []string {
	out := []string{}
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// watchLevels polls the store's levels while a concurrent run goes on and
// reports the first level whose reserved units exceed on hand (every SKU
// of the run denies backorders): an oversell that is released later is
// still an oversell.
func watchLevels(e *Env, stop <-chan struct{}) <-chan string {
	out := make(chan string, 1)
	go func() {
		defer close(out)
		for {
			select {
			case <-stop:
				return
			default:
			}
			levels, err := e.Store.Levels(ctx, "")
			if err != nil {
				out <- "Levels: " + err.Error()
				return
			}
			for _, l := range levels {
				if l.Reserved > l.OnHand {
					out <- "oversold during the run: " + string(l.SKU) + "@" + string(l.Location) +
						" reserved " + strconv.FormatInt(l.Reserved, 10) + ", on hand " + strconv.FormatInt(l.OnHand, 10)
					return
				}
			}
			runtime.Gosched() // let the workers run
		}
	}()
	return out
}
