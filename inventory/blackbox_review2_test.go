package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// Black-box review of package inventory: defects found through the public
// API only.

var bbT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type bb struct {
	ctx   context.Context
	store *inventory.MemoryStore
	clock *oms.ManualClock
	svc   *inventory.Service
}

func newBB(t *testing.T, store inventory.Store) *bb {
	t.Helper()
	b := &bb{ctx: context.Background(), store: inventory.NewMemoryStore(nil), clock: oms.NewManualClock(bbT0)}
	if store == nil {
		store = b.store
	}
	b.svc = inventory.NewService(store, &inventory.ServiceOptions{Clock: b.clock})
	return b
}

func (b *bb) put(t *testing.T, locs []oms.ID, it inventory.Item) {
	t.Helper()
	for i, id := range locs {
		if err := b.svc.PutLocation(b.ctx, inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse,
			Active: true, Priority: i, Channels: []inventory.Channel{"web"}, Ships: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.svc.PutItem(b.ctx, it); err != nil {
		t.Fatal(err)
	}
}

func (b *bb) receive(t *testing.T, sku oms.SKU, loc oms.ID, q int64) {
	t.Helper()
	if _, err := b.svc.Receive(b.ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: q}); err != nil {
		t.Fatal(err)
	}
}

func (b *bb) level(t *testing.T, sku oms.SKU, loc oms.ID) inventory.Level {
	t.Helper()
	lv, err := b.svc.Level(b.ctx, sku, loc)
	if err != nil {
		t.Fatal(err)
	}
	return lv
}

// A store whose Apply and Reserve take effect and then report a failure,
// as a database whose commit went through before the connection dropped.
type crashAfterWrite struct {
	inventory.Store
	crash atomic.Bool
}

var errCrash = errors.New("connection lost after commit")

func (s *crashAfterWrite) Apply(ctx context.Context, c *inventory.Change) error {
	if err := s.Store.Apply(ctx, c); err != nil {
		return err
	}
	if s.crash.Swap(false) {
		return errCrash
	}
	return nil
}

func (s *crashAfterWrite) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	out, created, err := s.Store.Reserve(ctx, r, ev)
	if err != nil {
		return out, created, err
	}
	if s.crash.Swap(false) {
		return inventory.Reservation{}, false, errCrash
	}
	return out, created, nil
}

// TestLoweredPreorderLimitStillSellsStockOnHand: after the SKU-wide
// preorder limit is lowered below the backorders already taken, reserving
// units that are on hand (which raises no backorder) must still succeed;
// only new backorders are refused.
func TestLoweredPreorderLimitStillSellsStockOnHand(t *testing.T) {
	b := newBB(t, nil)
	it := inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: bbT0.Add(720 * time.Hour)}}
	b.put(t, []oms.ID{"a", "b"}, it)
	b.receive(t, "P", "b", 5)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "pre", Lines: []inventory.Line{{SKU: "P", Location: "a", Quantity: 10}}}); err != nil {
		t.Fatal(err)
	}
	it.Backorder.Limit = 5
	if err := b.svc.PutItem(b.ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "instock", Lines: []inventory.Line{{SKU: "P", Location: "b", Quantity: 5}}}); err != nil {
		t.Errorf("reserving 5 of the 5 on hand at b after the preorder limit was lowered: %v", err)
	}
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "more", Lines: []inventory.Line{{SKU: "P", Location: "b", Quantity: 1}}}); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("a new backorder beyond the lowered limit: got %v, want a shortage", err)
	}
	ca, err := b.svc.ChannelAvailability(b.ctx, "P", "web")
	if err != nil {
		t.Fatal(err)
	}
	if ca.Quantity != 0 {
		t.Errorf("channel quantity = %d, want 0", ca.Quantity)
	}
}

// snapshot is everything a refused command must leave alone.
func (b *bb) snapshot(t *testing.T) (inventory.Snapshot, int) {
	t.Helper()
	snap, err := b.store.Snapshot(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap, b.store.Outbox().PendingCount()
}

func (b *bb) unchanged(t *testing.T, what string, snap inventory.Snapshot, events int) {
	t.Helper()
	after, n := b.snapshot(t)
	if d := cmp.Diff(snap, after); d != "" {
		t.Errorf("%s changed the store (-before +after):\n%s", what, d)
	}
	if n != events {
		t.Errorf("%s saved %d events", what, n-events)
	}
}

// TestReferencesAndNotesRefuseInvalidUTF8AndNUL: a reservation reference
// or a ledger reference or note that is not valid UTF-8 was accepted and
// stored as given, while its event carried U+FFFD in its place (encoding/json
// rewrites invalid bytes), so the event disagreed with the state; a NUL
// byte is refused by a PostgreSQL text column. Both are refused now, and
// change nothing.
func TestReferencesAndNotesRefuseInvalidUTF8AndNUL(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh", "wh2"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 10)
	snap, events := b.snapshot(t)
	for _, bad := range []string{"a\xff\xfe", "cart\x00", "\xc3"} {
		cmds := map[string]func() error{
			"reserve": func() error {
				_, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Reference: bad, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}})
				return err
			},
			"receive reference": func() error {
				_, err := b.svc.Receive(b.ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 1, Reference: bad})
				return err
			},
			"receive note": func() error {
				_, err := b.svc.Receive(b.ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 1, Note: bad})
				return err
			},
			"adjust": func() error {
				_, err := b.svc.Adjust(b.ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 1, Note: bad})
				return err
			},
			"count": func() error {
				_, err := b.svc.Count(b.ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 3, Reference: bad})
				return err
			},
			"expect": func() error {
				_, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 1, Reference: bad})
				return err
			},
			"transfer": func() error {
				_, err := b.svc.Transfer(b.ctx, inventory.TransferRequest{ID: "tr", SKU: "A", From: "wh", To: "wh2", Quantity: 1, Reference: bad})
				return err
			},
			"restock": func() error {
				_, err := b.svc.Restock(b.ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 1, Note: bad})
				return err
			},
		}
		for name, cmd := range cmds {
			var ve *oms.ValidationError
			if err := cmd(); !errors.As(err, &ve) {
				t.Errorf("%s with %q: got %v, want a validation error", name, bad, err)
			}
			b.unchanged(t, name, snap, events)
		}
	}
	// Text that is valid UTF-8 goes through unchanged, event included.
	r, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Reference: "Bestellung Nr. 1 – Größe M", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var p inventory.ReservationPayload
	if err := b.store.Outbox().Events("r")[0].Decode(&p); err != nil || p.Reference != r.Reference {
		t.Errorf("event reference %q, reservation %q (%v)", p.Reference, r.Reference, err)
	}
}

// TestExpectedDatesAfterYear9999Refused: Expect, Transfer and a preorder
// item accepted an expected date in year 10000, which no JSON encoder can
// write: the ATP built from it (and the inbound or item on the wire) then
// failed to marshal. Reserve already refused such expiries; these are
// refused the same way now, and change nothing.
func TestExpectedDatesAfterYear9999Refused(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh", "wh2"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 10)
	snap, events := b.snapshot(t)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 5, ExpectedAt: far}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Expect in year 10000: got %v, want a validation error", err)
	}
	if _, err := b.svc.Transfer(b.ctx, inventory.TransferRequest{ID: "tr", SKU: "A", From: "wh", To: "wh2", Quantity: 5, ExpectedAt: far}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Transfer in year 10000: got %v, want a validation error", err)
	}
	pre := inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: far}}
	if err := b.svc.PutItem(b.ctx, pre); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("preorder expected in year 10000: got %v, want a validation error", err)
	}
	b.unchanged(t, "refused far-future dates", snap, events)
	if it, err := b.svc.Item(b.ctx, "A"); err != nil || it.Backorder.Mode != inventory.BackorderDeny {
		t.Errorf("refused item stored: %+v %v", it, err)
	}
	// Year 9999 is fine, and ATP then marshals.
	last := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 5, ExpectedAt: last}); err != nil {
		t.Fatal(err)
	}
	pre.Backorder.ExpectedAt = last
	if err := b.svc.PutItem(b.ctx, pre); err != nil {
		t.Fatal(err)
	}
	atp, err := b.svc.ATP(b.ctx, "A", inventory.ATPQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(atp); err != nil {
		t.Errorf("ATP does not marshal: %v", err)
	}
}

// TestComputeAvailabilityTotalsDoNotWrap: levels may hold up to 2^62 units
// each, so the totals over two or more locations wrapped (on hand
// -2^63 for two full levels). The totals saturate now, as channel
// availability and ATP do.
func TestComputeAvailabilityTotalsDoNotWrap(t *testing.T) {
	const full = 1 << 62
	locs := []inventory.Location{{ID: "a", Active: true}, {ID: "b", Active: true}, {ID: "c", Active: true}}
	levels := []inventory.Level{
		{SKU: "A", Location: "a", OnHand: full, Reserved: 1, Incoming: full, Damaged: full},
		{SKU: "A", Location: "b", OnHand: full, Reserved: full, Incoming: full, Damaged: full},
		{SKU: "A", Location: "c", OnHand: full, Reserved: full, Incoming: full, Damaged: full},
	}
	a := inventory.ComputeAvailability(inventory.Item{SKU: "A", Tracked: true}, levels, locs)
	for name, v := range map[string]int64{"on_hand": a.OnHand, "reserved": a.Reserved, "incoming": a.Incoming, "damaged": a.Damaged} {
		if v < full {
			t.Errorf("%s = %d, want at least 2^62 (saturated, not wrapped)", name, v)
		}
	}
	if a.Available != full-1 {
		t.Errorf("available = %d, want 2^62-1", a.Available)
	}
}

// TestConcurrentReserveCommitReleaseNeverOversells runs many goroutines
// reserving, committing, releasing (each commit and release replayed with
// its key, some after a store that failed once the write took effect) and
// sweeping holds over one SKU at two locations, while a watcher checks on
// every level that reserved never exceeds on hand plus the preorder
// allowance and the SKU-wide backorders never exceed the limit.
func TestConcurrentReserveCommitReleaseNeverOversells(t *testing.T) {
	b := newBB(t, nil)
	cs := &crashAfterWrite{Store: b.store}
	b.svc = inventory.NewService(cs, &inventory.ServiceOptions{Clock: b.clock, MaxRetries: 1000})
	const limit = 7
	b.put(t, []oms.ID{"a", "b"}, inventory.Item{SKU: "P", Tracked: true,
		Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: limit, LocationLimits: map[oms.ID]int64{"a": 5, "b": 4}, ExpectedAt: bbT0.Add(240 * time.Hour)}})
	b.receive(t, "P", "a", 20)
	b.receive(t, "P", "b", 10)

	stop := make(chan struct{})
	var watchErr atomic.Value
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			snap, err := b.store.Snapshot(b.ctx)
			if err != nil {
				watchErr.Store(err.Error())
				return
			}
			var back int64
			for _, lv := range snap.Levels {
				allow := map[oms.ID]int64{"a": 5, "b": 4}[lv.Location]
				if lv.Reserved > lv.OnHand+allow || lv.OnHand < 0 || lv.Reserved < 0 {
					watchErr.Store(fmt.Sprintf("level %+v beyond on hand + %d", lv, allow))
				}
				back += max(lv.Reserved-lv.OnHand, 0)
			}
			if back > limit {
				watchErr.Store(fmt.Sprintf("SKU-wide backorders %d above the limit %d", back, limit))
			}
		}
	}()
	var committed atomic.Int64
	const workers, rounds = 16, 40
	var work sync.WaitGroup
	for w := 0; w < workers; w++ {
		work.Add(1)
		go func(w int) {
			defer work.Done()
			for i := 0; i < rounds; i++ {
				id := oms.ID(fmt.Sprintf("r-%d-%d", w, i))
				loc := oms.ID([]string{"a", "b"}[(w+i)%2])
				req := inventory.ReserveRequest{ID: id, Lines: []inventory.Line{{SKU: "P", Location: loc, Quantity: int64(1 + (w+i)%3)}}}
				if i%3 == 0 {
					req.HoldFor = time.Minute
				}
				if (w+i)%5 == 0 {
					cs.crash.Store(true)
				}
				r, err := b.svc.Reserve(b.ctx, req)
				for errors.Is(err, errCrash) {
					r, err = b.svc.Reserve(b.ctx, req)
				}
				if err != nil {
					if !errors.Is(err, oms.ErrInsufficientStock) {
						t.Errorf("reserve %s: %v", id, err)
					}
					continue
				}
				switch i % 3 {
				case 1: // commit one unit, replayed
					c := inventory.CommitRequest{Key: "ship-" + string(id), Reservation: id, Lines: []inventory.Line{{SKU: "P", Location: loc, Quantity: 1}}}
					if w%4 == 0 {
						cs.crash.Store(true)
					}
					_, err := b.svc.Commit(b.ctx, c)
					for errors.Is(err, errCrash) {
						_, err = b.svc.Commit(b.ctx, c)
					}
					if _, rerr := b.svc.Commit(b.ctx, c); !errors.Is(rerr, errCrash) && (err == nil) != (rerr == nil) {
						t.Errorf("commit %s replayed: %v, first %v", id, rerr, err)
					}
					switch {
					case err == nil:
						committed.Add(1)
					case errors.Is(err, oms.ErrInsufficientStock): // backordered unit not on hand
					default:
						t.Errorf("commit %s: %v", id, err)
					}
					fallthrough
				case 2: // release the rest, replayed
					rl := inventory.ReleaseRequest{Key: "drop-" + string(id), Reservation: id}
					_, err := b.svc.Release(b.ctx, rl)
					for errors.Is(err, errCrash) {
						_, err = b.svc.Release(b.ctx, rl)
					}
					if err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
						t.Errorf("release %s: %v", id, err)
					}
					if _, err := b.svc.Release(b.ctx, rl); err != nil && !errors.Is(err, errCrash) && !errors.Is(err, oms.ErrInvalidTransition) {
						t.Errorf("release replay %s: %v", id, err)
					}
				default:
					_ = r
					if w%2 == 0 {
						if _, err := b.svc.SweepExpired(b.ctx, bbT0.Add(2*time.Minute)); err != nil && !errors.Is(err, errCrash) {
							t.Errorf("sweep: %v", err)
						}
					}
				}
			}
		}(w)
	}
	work.Wait()
	close(stop)
	wg.Wait()
	if msg := watchErr.Load(); msg != nil {
		t.Fatal(msg)
	}
	cs.crash.Store(false)
	if _, err := b.svc.SweepExpired(b.ctx, bbT0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	rep, err := b.svc.Reconcile(b.ctx)
	if err != nil || !rep.Clean() {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	var onHand, reserved int64
	for _, loc := range []oms.ID{"a", "b"} {
		lv := b.level(t, "P", loc)
		onHand += lv.OnHand
		reserved += lv.Reserved
	}
	if onHand != 30-committed.Load() || reserved != 0 {
		t.Errorf("on hand %d reserved %d after %d one-unit commits, want on hand %d and nothing reserved", onHand, reserved, committed.Load(), 30-committed.Load())
	}
}

// TestConcurrentReplaysOfOneCommitKeyMoveOnce: many goroutines send the
// same keyed commit (and others the same keyed release) of one reservation
// at once, on a barrier: the units move once, every caller that gets an
// answer gets the same reservation, and any other key with other lines
// is oms.ErrDuplicate.
func TestConcurrentReplaysOfOneCommitKeyMoveOnce(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 100)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 10}}}); err != nil {
		t.Fatal(err)
	}
	commit := inventory.CommitRequest{Key: "parcel-1", Reservation: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 3}}}
	release := inventory.ReleaseRequest{Key: "cancel-1", Reservation: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}}
	start := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]inventory.Reservation, 48)
	errs := make([]error, 48)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			switch i % 3 {
			case 0, 1:
				results[i], errs[i] = b.svc.Commit(b.ctx, commit)
			default:
				results[i], errs[i] = b.svc.Release(b.ctx, release)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	var firstCommit, firstRelease *inventory.Reservation
	for i, err := range errs {
		if errors.Is(err, oms.ErrConflict) {
			continue // gave up after losing every race: allowed, nothing moved for it
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		first := &firstCommit
		if i%3 == 2 {
			first = &firstRelease
		}
		if *first == nil {
			*first = &results[i]
		} else if d := cmp.Diff(**first, results[i]); d != "" {
			t.Errorf("call %d answered differently (-first +this):\n%s", i, d)
		}
	}
	lv := b.level(t, "A", "wh")
	if lv.OnHand != 97 || lv.Reserved != 5 {
		t.Errorf("level %+v, want on hand 97 and reserved 5 (one commit of 3, one release of 2)", lv)
	}
	if _, err := b.svc.Commit(b.ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 4}}}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("same key, other lines: %v, want oms.ErrDuplicate", err)
	}
	if _, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "parcel-1", Reservation: "r", Lines: commit.Lines}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("a commit's key used by a release: %v, want oms.ErrDuplicate", err)
	}
	ev := b.store.Outbox().Events("r")
	if len(ev) != 3 {
		t.Errorf("%d events for reserve, one commit and one release, want 3", len(ev))
	}
}

// TestPreorderPromisesMatchWhatReserveAccepts builds random preorder states
// (SKU-wide limit, per-location caps, stock, backorders already taken,
// limits lowered afterwards) and checks at every location that what ATP
// promises there is exactly what Reserve accepts there: that many units
// reserve, one more is short. Channel availability over all locations is
// the sum of what each location can take within the SKU-wide room.
func TestPreorderPromisesMatchWhatReserveAccepts(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 10))
	locs := []oms.ID{"a", "b", "c"}
	for round := 0; round < 60; round++ {
		b := newBB(t, nil)
		limit := rng.Int64N(12)
		var caps map[oms.ID]int64
		if rng.IntN(2) == 0 {
			caps = map[oms.ID]int64{}
			for _, l := range locs {
				if rng.IntN(4) > 0 {
					caps[l] = rng.Int64N(8)
				}
			}
		}
		it := inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: limit, LocationLimits: caps, ExpectedAt: bbT0.Add(240 * time.Hour)}}
		b.put(t, locs, it)
		for _, l := range locs {
			if q := rng.Int64N(4); q > 0 {
				b.receive(t, "P", l, q)
			}
		}
		for i := 0; i < 4; i++ { // take some stock and backorders
			l := locs[rng.IntN(3)]
			_, _ = b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: oms.ID(fmt.Sprintf("pre%d", i)), Lines: []inventory.Line{{SKU: "P", Location: l, Quantity: 1 + rng.Int64N(5)}}})
		}
		if rng.IntN(2) == 0 { // lower the limits below what was taken
			it.Backorder.Limit = rng.Int64N(limit + 1)
			for l := range caps {
				caps[l] = rng.Int64N(caps[l] + 1)
			}
			if err := b.svc.PutItem(b.ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		ca, err := b.svc.ChannelAvailability(b.ctx, "P", "web")
		if err != nil {
			t.Fatal(err)
		}
		var sumAt int64
		for _, l := range locs {
			atp, err := b.svc.ATP(b.ctx, "P", inventory.ATPQuery{Location: l})
			if err != nil {
				t.Fatal(err)
			}
			promise := max(atp.Now, 0)
			if n := len(atp.Supplies); n > 0 {
				promise = max(atp.Supplies[n-1].Cumulative, 0)
			}
			sumAt += promise
			snap, ev := b.snapshot(t)
			if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "over", Lines: []inventory.Line{{SKU: "P", Location: l, Quantity: promise + 1}}}); !errors.Is(err, oms.ErrInsufficientStock) {
				t.Fatalf("round %d at %s: ATP promises %d but %d more reserves: %v (item %+v)", round, l, promise, promise+1, err, it.Backorder)
			}
			b.unchanged(t, "a short reserve", snap, ev)
			if promise > 0 {
				id := oms.ID("exact-" + string(l))
				if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: id, Lines: []inventory.Line{{SKU: "P", Location: l, Quantity: promise}}}); err != nil {
					t.Fatalf("round %d at %s: ATP promises %d but reserving them fails: %v", round, l, promise, err)
				}
				if _, err := b.svc.Release(b.ctx, inventory.ReleaseRequest{Key: "undo", Reservation: id}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ca.Quantity > sumAt {
			t.Errorf("round %d: channel sells %d, more than the locations can take (%d)", round, ca.Quantity, sumAt)
		}
	}
}
