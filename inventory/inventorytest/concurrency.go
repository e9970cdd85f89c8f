package inventorytest

import (
	"errors"
	"math/rand"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

func testSync(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	n, err := e.Service.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("first sync appended %d events, want 1 (A on web)", n)
	}
	if n, _ := e.Service.Sync(ctx); n != 0 {
		t.Errorf("sync without changes appended %d events", n)
	}
	for i := 0; i < 5; i++ {
		reserve(t, e, oms.ID("burst-"+strconv.Itoa(i)), ln("A", "wh", 1))
	}
	if n, _ := e.Service.Sync(ctx); n != 1 {
		t.Errorf("a burst of 5 reservations gave %d events, want 1", n)
	}
	cursor, marks, err := e.Store.SyncState(ctx, []oms.SKU{"A"})
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 1 || marks[0].Quantity != 5 || marks[0].Channel != "web" {
		t.Errorf("marks: %+v", marks)
	}
	if err := e.Store.SaveSync(ctx, cursor-1, cursor+1, nil, nil); !errors.Is(err, oms.ErrConflict) {
		t.Errorf("SaveSync with a stale cursor: %v", err)
	}
	skus, next, err := e.Store.ChangedSKUs(ctx, cursor)
	if err != nil || len(skus) != 0 || next != cursor {
		t.Errorf("ChangedSKUs after sync: %v %d %v", skus, next, err)
	}
	if err := e.Service.PutLocation(ctx, inventory.Location{ID: "wh", Name: "Renamed", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{"web"}}); err != nil {
		t.Fatal(err)
	}
	if skus, _, _ := e.Store.ChangedSKUs(ctx, cursor); len(skus) != 1 || skus[0] != "A" {
		t.Errorf("a changed location did not mark its SKUs: %v", skus)
	}
}

// testSyncPreorderAtAnyLocation: a preorder SKU may take preorders at a
// location where it has no level (up to the location's cap), so when any
// location changes (opens, closes, is edited), ChangedSKUs reports it and
// Sync publishes its new channel quantity.
func testSyncPreorderAtAnyLocation(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"a"}, []oms.SKU{"A"}, 10)
	pre := inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10,
		LocationLimits: map[oms.ID]int64{"a": 3, "b": 5}, ExpectedAt: epoch.Add(30 * 24 * time.Hour)}
	if err := e.Service.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: pre}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "P", Location: "a", Quantity: 2, Reference: "po"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	b := inventory.Location{ID: "b", Name: "b", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{"web"}}
	closed := b
	closed.Active = false
	for _, step := range []struct {
		name string
		loc  inventory.Location
		want int64
	}{
		{"opening b", b, 10},
		{"closing b", closed, 5},
	} {
		cursor, _, err := e.Store.SyncState(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Service.PutLocation(ctx, step.loc); err != nil {
			t.Fatal(err)
		}
		skus, _, err := e.Store.ChangedSKUs(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(skus, "P") {
			t.Errorf("%s: ChangedSKUs = %v, want the preorder SKU P among them", step.name, skus)
		}
		ca, err := e.Service.ChannelAvailability(ctx, "P", "web")
		if err != nil || ca.Quantity != step.want {
			t.Fatalf("%s: ChannelAvailability = %+v, %v; want %d", step.name, ca, err, step.want)
		}
		if _, err := e.Service.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		_, marks, err := e.Store.SyncState(ctx, []oms.SKU{"P"})
		if err != nil {
			t.Fatal(err)
		}
		if len(marks) != 1 || marks[0].Channel != "web" || marks[0].Quantity != step.want {
			t.Errorf("%s: marks of P %+v, want %d on web", step.name, marks, step.want)
		}
	}
}

// testConcurrency hammers one store from 64 goroutines: random baskets over
// a few hot SKUs across 3 locations (lines in random order, as carts list
// them) until stock runs out, some committed, some released, some left to
// expire while a sweeper moves the clock, a few losses recorded. While it
// runs, a watcher checks that no level's reserved units exceed on hand;
// afterwards nothing is oversold, Reconcile is clean and every unit
// received is on hand, shipped or written off.
func testConcurrency(t testing.TB, e *Env) {
	locs := []oms.ID{"east", "west", "north"}
	skus := []oms.SKU{"HOT-1", "HOT-2", "HOT-3", "HOT-4"}
	const perLevel = 400
	Stock(t, e.Service, locs, skus, perLevel)

	const workers = 64
	var (
		wg        sync.WaitGroup
		done      atomic.Bool
		reserved  atomic.Int64
		shortages atomic.Int64
		ranOut    atomic.Int64 // workers that stopped because stock ran out
		failure   atomic.Value
	)
	fail := func(err error) { failure.CompareAndSwap(nil, err) }
	stopWatch := make(chan struct{})
	oversold := watchLevels(e, stopWatch)
	sweeperDone := make(chan struct{})
	go func() {
		defer close(sweeperDone)
		for !done.Load() {
			e.Clock.Advance(time.Minute)
			if _, err := e.Service.SweepExpired(ctx, e.Clock.Now()); err != nil {
				fail(err)
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w) + 1))
			misses := 0
			defer func() {
				if misses >= 25 {
					ranOut.Add(1)
				}
			}()
			for i := 0; i < 400 && misses < 25; i++ {
				n := 1 + rng.Intn(3)
				seen := map[[2]string]bool{}
				var lines []inventory.Line
				for len(lines) < n {
					l := inventory.Line{SKU: skus[rng.Intn(len(skus))], Location: locs[rng.Intn(len(locs))], Quantity: 1 + int64(rng.Intn(3))}
					k := [2]string{string(l.SKU), string(l.Location)}
					if !seen[k] {
						seen[k] = true
						lines = append(lines, l)
					}
				}
				id := oms.ID("w" + strconv.Itoa(w) + "-" + strconv.Itoa(i))
				req := inventory.ReserveRequest{ID: id, Reference: "cart", Lines: lines}
				action := rng.Intn(10)
				if action >= 7 {
					req.HoldFor = time.Duration(1+rng.Intn(5)) * time.Minute
				}
				r, err := e.Service.Reserve(ctx, req)
				if errors.Is(err, oms.ErrInsufficientStock) {
					shortages.Add(1)
					misses++
					continue
				}
				if err != nil {
					fail(err)
					return
				}
				misses = 0
				reserved.Add(1)
				switch {
				case action < 4: // commit all, or part then the rest
					if rng.Intn(2) == 0 {
						_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: id})
					} else {
						part := []inventory.Line{{SKU: r.Lines[0].SKU, Location: r.Lines[0].Location, Quantity: 1}}
						var after inventory.Reservation
						if after, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: id, Lines: part}); err == nil && after.Open() {
							_, err = e.Service.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: id})
						}
					}
				case action < 6: // release all, or part
					if rng.Intn(2) == 0 {
						_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: id})
					} else {
						_, err = e.Service.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: id, Lines: []inventory.Line{{SKU: r.Lines[0].SKU, Location: r.Lines[0].Location, Quantity: 1}}})
					}
				case action == 6: // a loss found while picking
					_, err = e.Service.Adjust(ctx, inventory.Adjustment{SKU: lines[0].SKU, Location: lines[0].Location, Reason: inventory.ReasonLoss, Quantity: 1})
					if errors.Is(err, oms.ErrInsufficientStock) {
						err = nil
					}
				default: // a cart hold left to expire
				}
				if err != nil {
					fail(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	done.Store(true)
	<-sweeperDone
	close(stopWatch)
	if msg, ok := <-oversold; ok {
		t.Error(msg)
	}
	if err, _ := failure.Load().(error); err != nil {
		t.Fatal(err)
	}
	if reserved.Load() == 0 || ranOut.Load() == 0 {
		t.Fatalf("the test did not run stock out: %d reservations, %d shortages, %d workers ran out", reserved.Load(), shortages.Load(), ranOut.Load())
	}
	e.Clock.Advance(time.Hour)
	if _, err := e.Service.SweepExpired(ctx, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}

	snap, err := e.Store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Levels) != len(locs)*len(skus) {
		t.Fatalf("%d levels, want %d", len(snap.Levels), len(locs)*len(skus))
	}
	for _, l := range snap.Levels {
		if l.OnHand < 0 || l.Reserved < 0 || l.Damaged < 0 || l.Incoming < 0 {
			t.Errorf("negative quantity: %+v", l)
		}
		if l.Reserved > l.OnHand {
			t.Errorf("oversold: %+v", l)
		}
	}
	all, err := e.Store.Reservations(ctx, inventory.ReservationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	committed := map[[2]string]int64{}
	var expired int
	for _, r := range all {
		if r.Status == inventory.StatusExpired {
			expired++
		}
		if r.Status == inventory.StatusActive && !r.ExpiresAt.IsZero() {
			t.Errorf("hold %s survived the final sweep", r.ID)
		}
		for _, l := range r.Lines {
			committed[[2]string{string(l.SKU), string(l.Location)}] += l.Committed
		}
	}
	if expired == 0 {
		t.Errorf("no hold expired")
	}
	for k, n := range committed {
		if n > perLevel {
			t.Errorf("%s@%s: %d units committed, only %d received", k[0], k[1], n, perLevel)
		}
	}
	if rep := inventory.Reconcile(snap); !rep.Clean() {
		t.Errorf("Reconcile: %+v", rep.Mismatches)
	}
	f := inventory.Flows(snap.Entries)
	received := int64(perLevel * len(locs) * len(skus))
	if f.Received != received || f.Received != f.OnHand+f.Shipped+f.WrittenOff || f.Damaged != 0 || f.Found != 0 || f.Returned != 0 {
		t.Errorf("units not conserved: received %d, flows %+v", received, f)
	}
	var shipped int64
	for _, n := range committed {
		shipped += n
	}
	if shipped != f.Shipped {
		t.Errorf("reservations committed %d units, the ledger shipped %d", shipped, f.Shipped)
	}
	var available int64
	for _, l := range snap.Levels {
		available += l.Available()
	}
	t.Logf("%d reservations, %d shortages, %d of %d workers ran out of stock, %d expired; shipped %d, written off %d, on hand %d, available %d",
		reserved.Load(), shortages.Load(), ranOut.Load(), workers, expired, f.Shipped, f.WrittenOff, f.OnHand, available)
}
