package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx   context.Context
	store *inventory.MemoryStore
	clock *oms.ManualClock
	svc   *inventory.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), store: inventory.NewMemoryStore(nil), clock: oms.NewManualClock(t0)}
	f.svc = inventory.NewService(f.store, &inventory.ServiceOptions{Clock: f.clock, SyncInterval: time.Minute})
	return f
}

func eventTypes(events []oms.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func TestReservationEvents(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	for _, id := range []oms.ID{"c", "r", "x"} {
		req := inventory.ReserveRequest{ID: id, Reference: "ref-" + string(id), Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}}
		if id == "x" {
			req.HoldFor = time.Minute
		}
		if _, err := f.svc.Reserve(f.ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-c", Reservation: "c", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: nk(), Reservation: "r"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Extend(f.ctx, "x", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Minute)
	if _, err := f.svc.SweepExpired(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	want := map[oms.ID][]string{
		"c": {inventory.EventReserved, inventory.EventReservationCommitted},
		"r": {inventory.EventReserved, inventory.EventReservationReleased},
		"x": {inventory.EventReserved, inventory.EventReservationExtended, inventory.EventReservationExpired},
	}
	for id, types := range want {
		evs := f.store.Outbox().Events(id)
		if diff := cmp.Diff(types, eventTypes(evs)); diff != "" {
			t.Errorf("events of %s (-want +got):\n%s", id, diff)
		}
	}
	var p inventory.ReservationPayload
	ev := f.store.Outbox().Events("c")[1]
	if err := ev.Decode(&p); err != nil {
		t.Fatal(err)
	}
	wantP := inventory.ReservationPayload{ReservationID: "c", Reference: "ref-c", Key: "parcel-c", Status: inventory.StatusPartiallyCommitted,
		Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}
	if diff := cmp.Diff(wantP, p); diff != "" || ev.AggregateVersion != 2 {
		t.Errorf("commit event v%d (-want +got):\n%s", ev.AggregateVersion, diff)
	}
	moved := f.store.Outbox().Events("A")
	if len(moved) != 1 || moved[0].Type != inventory.EventStockMoved {
		t.Errorf("stock events: %v", eventTypes(moved))
	}
}

// TestReserveEvent checks the event a new reservation appends: one
// EventReserved per reservation, saved by the store with it, whose payload is
// what encoding/json makes of the ReservationPayload, and none for a replay or
// a refused reserve.
func TestReserveEvent(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A", "B"}, 10)
	must(t, f.svc.PutItem(f.ctx, inventory.Item{SKU: "U"}))
	zone := time.FixedZone("IST", 5*3600+30*60)
	at := time.Date(2026, 3, 1, 20, 0, 0, 123456789, zone)
	cases := []struct {
		req  inventory.ReserveRequest
		want inventory.ReservationPayload
	}{
		{
			req: inventory.ReserveRequest{ID: "plain", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}, {SKU: "B", Location: "wh", Quantity: 1}, {SKU: "U", Location: "wh", Quantity: 7}}},
			want: inventory.ReservationPayload{ReservationID: "plain", Status: inventory.StatusActive,
				Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}, {SKU: "B", Location: "wh", Quantity: 1}, {SKU: "U", Location: "wh", Quantity: 7}}},
		},
		{
			req: inventory.ReserveRequest{ID: "hold", Reference: "cart-1", HoldFor: 15 * time.Minute, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}},
			want: inventory.ReservationPayload{ReservationID: "hold", Reference: "cart-1", Status: inventory.StatusActive, ExpiresAt: t0.Add(15 * time.Minute),
				Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}},
		},
		{
			req: inventory.ReserveRequest{ID: `q"<id>&\`, Reference: "say \"hi\" <b>&\\ \u00e9\u2028\x01", ExpiresAt: at, Lines: []inventory.Line{{SKU: "B", Location: "wh", Quantity: 3}}},
			want: inventory.ReservationPayload{ReservationID: `q"<id>&\`, Reference: "say \"hi\" <b>&\\ \u00e9\u2028\x01", Status: inventory.StatusActive, ExpiresAt: at,
				Lines: []inventory.Line{{SKU: "B", Location: "wh", Quantity: 3}}},
		},
	}
	for _, tc := range cases {
		if _, err := f.svc.Reserve(f.ctx, tc.req); err != nil {
			t.Fatalf("Reserve(%s): %v", tc.req.ID, err)
		}
		evs := f.store.Outbox().Events(tc.req.ID)
		if len(evs) != 1 {
			t.Fatalf("reservation %s: %d events, want 1: %v", tc.req.ID, len(evs), eventTypes(evs))
		}
		ev := evs[0]
		wantPayload, err := json.Marshal(tc.want)
		if err != nil {
			t.Fatal(err)
		}
		wantEv := oms.Event{ID: oms.DeriveID(tc.req.ID, "reserved"), Type: inventory.EventReserved, AggregateKind: "reservation",
			AggregateID: tc.req.ID, AggregateVersion: 1, Time: t0, Payload: wantPayload}
		if diff := cmp.Diff(wantEv, ev); diff != "" {
			t.Errorf("event of %s (-want +got):\n%s\npayload %s\nwant    %s", tc.req.ID, diff, ev.Payload, wantPayload)
		}
		var got inventory.ReservationPayload
		if err := ev.Decode(&got); err != nil {
			t.Fatal(err)
		}
	}
	all := len(f.store.Outbox().Events(""))

	// A replay, a refused duplicate, a shortage and bad input add nothing.
	if _, err := f.svc.Reserve(f.ctx, cases[0].req); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "plain", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "short", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}, {SKU: "B", Location: "wh", Quantity: 99}}}); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("shortage: %v", err)
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "nosku", Lines: []inventory.Line{{SKU: "NOPE", Location: "wh", Quantity: 1}}}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown sku: %v", err)
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "bad", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: -1}}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad input: %v", err)
	}
	if n := len(f.store.Outbox().Events("")); n != all {
		t.Errorf("%d events after refused and replayed reserves, want %d: %v", n, all, eventTypes(f.store.Outbox().Events(""))[all:])
	}
}

// TestFarFutureExpiry: an expiry JSON cannot hold (after year 9999) is
// refused as bad input naming the field, and changes nothing, rather than
// failing later when an event carrying it is marshalled.
func TestFarFutureExpiry(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	var ve *oms.ValidationError
	_, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "far", ExpiresAt: far, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}})
	if !errors.As(err, &ve) || !ve.Has("expires_at") {
		t.Errorf("Reserve with expiry %s: %v, want a validation error naming expires_at", far, err)
	}
	if _, err := f.svc.Reservation(f.ctx, "far"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused reservation stored: %v", err)
	}
	hold, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "hold", HoldFor: time.Minute, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ve = nil
	_, err = f.svc.Extend(f.ctx, "hold", far)
	if !errors.As(err, &ve) || !ve.Has("until") {
		t.Errorf("Extend to %s: %v, want a validation error naming until", far, err)
	}
	got, err := f.svc.Reservation(f.ctx, "hold")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hold, got); diff != "" {
		t.Errorf("refused extension changed the hold (-want +got):\n%s", diff)
	}
	lv, err := f.svc.Level(f.ctx, "A", "wh")
	if err != nil || lv.Reserved != 1 {
		t.Errorf("level %+v %v, want 1 reserved", lv, err)
	}
	if types := eventTypes(f.store.Outbox().Events("")); len(types) != 2 || types[1] != inventory.EventReserved {
		t.Errorf("events %v, want the receipt and one reserve", types)
	}
}

// TestReserveEventRacingReplays reserves the same IDs from many goroutines
// at once: each reservation is created once and has exactly one event.
func TestReserveEventRacingReplays(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 1000)
	const ids, workers = 50, 8
	var wg sync.WaitGroup
	errs := make(chan error, ids*workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < ids; i++ {
				id := oms.ID("r" + strconv.Itoa((i+w*7)%ids))
				if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: id, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < ids; i++ {
		id := oms.ID("r" + strconv.Itoa(i))
		if got := eventTypes(f.store.Outbox().Events(id)); !cmp.Equal(got, []string{inventory.EventReserved}) {
			t.Errorf("events of %s: %v, want one %s", id, got, inventory.EventReserved)
		}
	}
	wantLevel := inventory.Level{SKU: "A", Location: "wh", OnHand: 1000, Reserved: 2 * ids}
	got, err := f.svc.Level(f.ctx, "A", "wh")
	if err != nil {
		t.Fatal(err)
	}
	got.Seq = 0
	if diff := cmp.Diff(wantLevel, got); diff != "" {
		t.Errorf("level (-want +got):\n%s", diff)
	}
}

func TestRunSyncCoalesces(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 0)
	if err := f.svc.PutItem(f.ctx, inventory.Item{SKU: "A", Tracked: true, ReorderPoint: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Receive(f.ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.svc.RunSync(ctx) }()
	syncOnce := func() {
		t.Helper()
		f.clock.BlockUntil(1) // RunSync waits on the clock
		f.clock.Advance(time.Minute)
		f.clock.BlockUntil(1) // parked again: the pass is done
	}
	syncOnce()
	events := func(typ string) []oms.Event {
		var out []oms.Event
		for _, e := range f.store.Outbox().Events("A") {
			if e.Type == typ {
				out = append(out, e)
			}
		}
		return out
	}
	if n := len(events(inventory.EventChannelAvailability)); n != 1 {
		t.Fatalf("%d channel events after the first interval, want 1", n)
	}
	for i := 0; i < 6; i++ {
		if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: oms.ID("o" + string(rune('0'+i))), Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	syncOnce()
	ch := events(inventory.EventChannelAvailability)
	if len(ch) != 2 {
		t.Fatalf("%d channel events after a burst of 6 orders, want 2 in all", len(ch))
	}
	var p inventory.ChannelAvailabilityPayload
	if err := ch[1].Decode(&p); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inventory.ChannelAvailabilityPayload{SKU: "A", Channel: "web", Quantity: 4, Previous: 10}, p); diff != "" {
		t.Errorf("coalesced event (-want +got):\n%s", diff)
	}
	low := events(inventory.EventLowStock)
	if len(low) != 1 {
		t.Fatalf("%d low-stock events, want 1", len(low))
	}
	var lp inventory.LowStockPayload
	_ = low[0].Decode(&lp)
	if lp != (inventory.LowStockPayload{SKU: "A", Available: 4, ReorderPoint: 5}) {
		t.Errorf("low stock: %+v", lp)
	}
	syncOnce() // nothing changed: nothing sent
	if n := len(f.store.Outbox().Events("A")); n != 4 {
		t.Errorf("%d events after a quiet interval, want 4", n)
	}
	if _, err := f.svc.Receive(f.ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 20}); err != nil {
		t.Fatal(err)
	}
	syncOnce()
	if n := len(events(inventory.EventStockReplenished)); n != 1 {
		t.Errorf("%d replenished events, want 1", n)
	}
	// A channel no location serves any more drops to zero.
	if err := f.svc.PutLocation(f.ctx, inventory.Location{ID: "wh", Name: "wh", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{"pos"}}); err != nil {
		t.Fatal(err)
	}
	syncOnce()
	ch = events(inventory.EventChannelAvailability)
	last := map[inventory.Channel]int64{}
	for _, e := range ch {
		var p inventory.ChannelAvailabilityPayload
		_ = e.Decode(&p)
		last[p.Channel] = p.Quantity
	}
	if diff := cmp.Diff(map[inventory.Channel]int64{"web": 0, "pos": 24}, last); diff != "" {
		t.Errorf("last channel quantities (-want +got):\n%s", diff)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunSync returned %v", err)
	}
}

func TestAvailabilityAndATP(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	locs := []inventory.Location{
		{ID: "dc", Name: "DC", Kind: inventory.KindWarehouse, Active: true, Priority: 1, Channels: []inventory.Channel{"web", "amazon"}},
		{ID: "shop", Name: "Shop", Kind: inventory.KindStore, Active: true, Priority: 2, Channels: []inventory.Channel{"web", "pos"}},
		{ID: "old", Name: "Old", Kind: inventory.KindThirdParty, Active: false, Priority: 3, Channels: []inventory.Channel{"web"}},
	}
	for _, l := range locs {
		must(t, f.svc.PutLocation(ctx, l))
	}
	must(t, f.svc.PutItem(ctx, inventory.Item{SKU: "A", Tracked: true, SafetyStock: 1, ChannelBuffers: map[inventory.Channel]int64{"amazon": 2}}))
	for loc, q := range map[oms.ID]int64{"dc": 10, "shop": 3, "old": 50} {
		if _, err := f.svc.Receive(ctx, inventory.Receipt{SKU: "A", Location: loc, Quantity: q}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Reserve(ctx, inventory.ReserveRequest{ID: "o", Lines: []inventory.Line{{SKU: "A", Location: "dc", Quantity: 4}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Expect(ctx, inventory.Expectation{ID: "po-2", SKU: "A", Location: "dc", Quantity: 20, ExpectedAt: t0.AddDate(0, 0, 14)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Expect(ctx, inventory.Expectation{ID: "po-1", SKU: "A", Location: "shop", Quantity: 5, ExpectedAt: t0.AddDate(0, 0, 3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Expect(ctx, inventory.Expectation{ID: "po-x", SKU: "A", Location: "shop", Quantity: 2}); err != nil {
		t.Fatal(err)
	}

	a, err := f.svc.Availability(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Availability{SKU: "A", Tracked: true, OnHand: 13, Reserved: 4, Available: 9, Incoming: 27, Locations: []inventory.LocationAvailability{
		{Location: "dc", Active: true, OnHand: 10, Reserved: 4, Available: 6, Incoming: 20},
		{Location: "shop", Active: true, OnHand: 3, Available: 3, Incoming: 7},
		{Location: "old", OnHand: 50, Available: 50},
	}}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("availability (-want +got):\n%s", diff)
	}
	for ch, q := range map[inventory.Channel]int64{"web": 9 - 1, "amazon": 6 - 1 - 2, "pos": 3 - 1, "none": 0} {
		got, err := f.svc.ChannelAvailability(ctx, "A", ch)
		if err != nil || got.Quantity != q || got.Unlimited {
			t.Errorf("channel %s: %+v %v, want %d", ch, got, err, q)
		}
	}
	if _, err := f.svc.ChannelAvailability(ctx, "A", ""); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("empty channel: %v", err)
	}
	if _, err := f.svc.Availability(ctx, "NOPE"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown sku: %v", err)
	}
	if _, err := f.svc.Availability(ctx, "has space"); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad sku: %v", err)
	}

	atp, err := f.svc.ATP(ctx, "A", inventory.ATPQuery{})
	if err != nil {
		t.Fatal(err)
	}
	wantATP := inventory.ATP{SKU: "A", At: t0, Now: 9, Supplies: []inventory.Supply{
		{At: t0.AddDate(0, 0, 3), Quantity: 5, Cumulative: 14, Source: "po-1"},
		{At: t0.AddDate(0, 0, 14), Quantity: 20, Cumulative: 34, Source: "po-2"},
		{Quantity: 2, Cumulative: 36, Source: "po-x"},
	}}
	if diff := cmp.Diff(wantATP, atp); diff != "" {
		t.Errorf("ATP (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		qty int64
		at  time.Time
		ok  bool
	}{{9, t0, true}, {10, t0.AddDate(0, 0, 3), true}, {30, t0.AddDate(0, 0, 14), true}, {36, time.Time{}, true}, {37, time.Time{}, false}} {
		at, ok := atp.PromiseDate(tc.qty)
		if !at.Equal(tc.at) || ok != tc.ok {
			t.Errorf("PromiseDate(%d) = %s %v, want %s %v", tc.qty, at, ok, tc.at, tc.ok)
		}
	}
	amazon, _ := f.svc.ATP(ctx, "A", inventory.ATPQuery{Channel: "amazon"})
	if amazon.Now != 3 || len(amazon.Supplies) != 1 || amazon.Supplies[0].Cumulative != 23 {
		t.Errorf("amazon ATP: %+v", amazon)
	}
	shop, _ := f.svc.ATP(ctx, "A", inventory.ATPQuery{Location: "shop"})
	if shop.Now != 3 || len(shop.Supplies) != 2 {
		t.Errorf("shop ATP: %+v", shop)
	}
	if _, err := f.svc.ATP(ctx, "A", inventory.ATPQuery{Location: "mars"}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("ATP at an unknown location: %v", err)
	}

	// Preorders promise at their expected date; allow promises without one.
	must(t, f.svc.PutItem(ctx, inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: t0.AddDate(0, 2, 0)}}))
	if _, err := f.svc.Reserve(ctx, inventory.ReserveRequest{ID: "pre", Lines: []inventory.Line{{SKU: "P", Location: "dc", Quantity: 4}}}); err != nil {
		t.Fatal(err)
	}
	p, _ := f.svc.ATP(ctx, "P", inventory.ATPQuery{Location: "dc"})
	if at, ok := p.PromiseDate(6); p.Now != -4 || !ok || !at.Equal(t0.AddDate(0, 2, 0)) {
		t.Errorf("preorder ATP: %+v; PromiseDate(6) = %s %v", p, at, ok)
	}
	if _, ok := p.PromiseDate(7); ok {
		t.Errorf("preorder promised beyond its limit")
	}
	pc, _ := f.svc.ChannelAvailability(ctx, "P", "amazon")
	if pc.Quantity != 6 {
		t.Errorf("preorder channel quantity: %+v, want 0 on hand − 4 reserved + 10 allowed = 6", pc)
	}
	must(t, f.svc.PutItem(ctx, inventory.Item{SKU: "B", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}))
	b, _ := f.svc.ATP(ctx, "B", inventory.ATPQuery{})
	if at, ok := b.PromiseDate(100); !ok || !at.IsZero() || !b.Unlimited {
		t.Errorf("backorder ATP: %+v", b)
	}
}

func TestShortageErrorText(t *testing.T) {
	err := &inventory.ShortageError{Op: "reserve", ID: "cart-7", Lines: []inventory.Shortage{
		{Line: 0, SKU: "A", Location: "wh", Requested: 3, Available: 1},
		{Line: 2, SKU: "B", Location: "dc", Requested: 2, Available: 0},
	}}
	want := "inventory: reserve cart-7: insufficient stock: line 0 sku A at wh: requested 3, available 1; line 2 sku B at dc: requested 2, available 0"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err.Error(), want)
	}
	if !errors.Is(err, oms.ErrInsufficientStock) || errors.Is(err, oms.ErrValidation) {
		t.Errorf("ShortageError matches the wrong kinds")
	}
}

func TestReconcileFindsDrift(t *testing.T) {
	snap := inventory.Snapshot{
		Levels: []inventory.Level{{SKU: "A", Location: "wh", OnHand: 5, Reserved: 2, Incoming: 1}},
		Entries: []inventory.LedgerEntry{
			{SKU: "A", Location: "wh", Reason: inventory.ReasonReceipt, OnHand: 4},
			{SKU: "B", Location: "wh", Reason: inventory.ReasonReceipt, OnHand: 3},
		},
		Reservations: []inventory.Reservation{
			{ID: "r", Status: inventory.StatusActive, Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 3}}},
			{ID: "done", Status: inventory.StatusCommitted, Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 9, Committed: 9}}},
		},
		Inbounds: []inventory.Inbound{{ID: "po", SKU: "A", Location: "wh", Quantity: 2, Status: inventory.InboundOpen}},
	}
	rep := inventory.Reconcile(snap)
	want := []inventory.Mismatch{
		{SKU: "A", Location: "wh", Field: "on_hand", Level: 5, Expected: 4},
		{SKU: "A", Location: "wh", Field: "incoming", Level: 1, Expected: 0},
		{SKU: "A", Location: "wh", Field: "incoming_inbound", Level: 1, Expected: 2},
		{SKU: "A", Location: "wh", Field: "reserved", Level: 2, Expected: 3},
		{SKU: "B", Location: "wh", Field: "on_hand", Level: 0, Expected: 3},
	}
	if diff := cmp.Diff(want, rep.Mismatches); diff != "" || rep.Clean() || rep.Levels != 1 || rep.Entries != 2 {
		t.Errorf("mismatches (-want +got):\n%s", diff)
	}
}

func TestValidation(t *testing.T) {
	bad := inventory.Location{ID: "", Name: "", Kind: "", Address: oms.Address{Line1: "x"},
		Coordinates: &inventory.Coordinates{Latitude: 91, Longitude: -181}, Channels: []inventory.Channel{""}}
	var ve *oms.ValidationError
	if err := bad.Validate(); !errors.As(err, &ve) {
		t.Fatalf("Validate: %v", err)
	}
	for _, f := range []string{"id", "name", "kind", "address.name", "coordinates.latitude", "coordinates.longitude", "channels[0]"} {
		if !ve.Has(f) {
			t.Errorf("location problem %s not reported: %v", f, ve)
		}
	}
	it := inventory.Item{SKU: "", Backorder: inventory.BackorderPolicy{Mode: "maybe", Limit: -1}, SafetyStock: -1, ReorderPoint: -1,
		ChannelBuffers: map[inventory.Channel]int64{"": 1, "web": -1}}
	ve = nil
	if err := it.Validate(); !errors.As(err, &ve) {
		t.Fatalf("Validate: %v", err)
	}
	for _, f := range []string{"sku", "backorder.mode", "backorder.limit", "safety_stock", "reorder_point", "channel_buffers", "channel_buffers.web"} {
		if !ve.Has(f) {
			t.Errorf("item problem %s not reported: %v", f, ve)
		}
	}
	pre := inventory.Item{SKU: "P", Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 1}}
	if err := pre.Validate(); err == nil || !strings.Contains(err.Error(), "expected_at") {
		t.Errorf("preorder without a date: %v", err)
	}
	for _, k := range []inventory.LocationKind{inventory.KindWarehouse, inventory.KindStore, inventory.KindThirdParty, inventory.KindDropship} {
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
	}
	if inventory.LocationKind("x").Valid() || inventory.BackorderMode("x").Valid() || inventory.Reason("x").Valid() ||
		inventory.ReservationStatus("x").Valid() || inventory.InboundKind("x").Valid() || inventory.InboundStatus("x").Valid() {
		t.Errorf("unknown constants reported valid")
	}
	if inventory.StatusActive.Final() || !inventory.StatusExpired.Final() || inventory.ReservationStatus("x").Final() {
		t.Errorf("Final is wrong")
	}
	long := strings.Repeat("x", 129)
	_, err := newFixture(t).svc.Reserve(context.Background(), inventory.ReserveRequest{ID: oms.ID(long), Reference: long + long,
		Lines: make([]inventory.Line, 1001)})
	ve = nil
	if !errors.As(err, &ve) || !ve.Has("id") || !ve.Has("reference") || !ve.Has("lines") {
		t.Errorf("oversized request: %v", err)
	}
}

func TestTransitionTable(t *testing.T) {
	all := []inventory.ReservationStatus{inventory.StatusActive, inventory.StatusPartiallyCommitted, inventory.StatusCommitted, inventory.StatusReleased, inventory.StatusExpired}
	allowed := map[[2]inventory.ReservationStatus]bool{}
	for _, to := range all {
		allowed[[2]inventory.ReservationStatus{inventory.StatusActive, to}] = true
	}
	allowed[[2]inventory.ReservationStatus{inventory.StatusPartiallyCommitted, inventory.StatusPartiallyCommitted}] = true
	allowed[[2]inventory.ReservationStatus{inventory.StatusPartiallyCommitted, inventory.StatusCommitted}] = true
	for _, from := range all {
		for _, to := range all {
			if got := inventory.CanTransition(from, to); got != allowed[[2]inventory.ReservationStatus{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, got)
			}
		}
	}
}

func TestCancelledContext(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := f.store
	errs := []error{
		s.PutLocation(ctx, inventory.Location{}),
		s.PutItem(ctx, inventory.Item{}),
		second(s.Location(ctx, "wh")),
		second(s.Locations(ctx)),
		second(s.Item(ctx, "A")),
		second(s.Level(ctx, "A", "wh")),
		second(s.Levels(ctx, "")),
		func() error { _, _, err := s.Reserve(ctx, inventory.Reservation{}, oms.Event{}); return err }(),
		second(s.Reservation(ctx, "x")),
		second(s.Reservations(ctx, inventory.ReservationFilter{})),
		second(s.Expired(ctx, t0, 1)),
		second(s.Inbound(ctx, "x")),
		second(s.Inbounds(ctx, inventory.InboundFilter{})),
		s.Apply(ctx, &inventory.Change{}),
		second(s.Ledger(ctx, inventory.LedgerFilter{})),
		second(s.Snapshot(ctx)),
		func() error { _, _, err := s.ChangedSKUs(ctx, 0); return err }(),
		func() error { _, _, err := s.SyncState(ctx, nil); return err }(),
		s.SaveSync(ctx, 0, 0, nil, nil),
		second(f.svc.Sync(ctx)),
		second(f.svc.Reconcile(ctx)),
		second(f.svc.SweepExpired(ctx, t0)),
		second(f.svc.ATP(ctx, "A", inventory.ATPQuery{})),
	}
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("call %d: %v, want context.Canceled", i, err)
		}
	}
}

func TestJSON(t *testing.T) {
	r := inventory.Reservation{ID: "r", Reference: "cart", Status: inventory.StatusActive, Version: 1, CreatedAt: t0, UpdatedAt: t0,
		Lines: []inventory.ReservationLine{{SKU: "A", Location: "wh", Quantity: 2}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"id":"r"`, `"reference":"cart"`, `"status":"active"`, `"lines":[{"sku":"A","location":"wh","quantity":2,"committed":0,"released":0}]`, `"created_at"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("reservation JSON %s lacks %s", b, k)
		}
	}
	var back inventory.Reservation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	lv, _ := json.Marshal(inventory.Level{SKU: "A", Location: "wh", OnHand: 3, Reserved: 1})
	if want := `{"sku":"A","location":"wh","on_hand":3,"reserved":1,"incoming":0,"damaged":0,"seq":0}`; string(lv) != want {
		t.Errorf("level JSON %s, want %s", lv, want)
	}
}

func TestServiceGetters(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 2)
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "r", Reference: "cart", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Expect(f.ctx, inventory.Expectation{ID: "po", SKU: "A", Location: "wh", Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	l, err1 := f.svc.Location(f.ctx, "wh")
	ls, err2 := f.svc.Locations(f.ctx)
	it, err3 := f.svc.Item(f.ctx, "A")
	rs, err4 := f.svc.Reservations(f.ctx, inventory.ReservationFilter{Reference: "cart"})
	in, err5 := f.svc.Inbound(f.ctx, "po")
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	if l.ID != "wh" || len(ls) != 1 || it.SKU != "A" || len(rs) != 1 || in.Quantity != 1 {
		t.Errorf("getters: %v %v %v %v %v", l, ls, it, rs, in)
	}
}

func TestMemoryStoreOptions(t *testing.T) {
	ob := oms.NewMemoryOutbox(nil)
	s := inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: ob})
	if s.Outbox() != ob {
		t.Errorf("the store does not use the given outbox")
	}
	svc := inventory.NewService(s, nil)
	if svc.Store() != inventory.Store(s) {
		t.Errorf("Store() returned another store")
	}
}

func TestServiceLevelsListsEveryLocation(t *testing.T) {
	ctx := context.Background()
	svc := inventory.NewService(inventory.NewMemoryStore(nil), nil)
	for _, loc := range []oms.ID{"east", "west"} {
		if err := svc.PutLocation(ctx, inventory.Location{ID: loc, Name: string(loc), Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "MUG", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	for loc, n := range map[oms.ID]int64{"east": 3, "west": 5} {
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "MUG", Location: loc, Quantity: n}); err != nil {
			t.Fatal(err)
		}
	}
	levels, err := svc.Levels(ctx, "MUG")
	if err != nil {
		t.Fatal(err)
	}
	got := map[oms.ID]int64{}
	for _, l := range levels {
		got[l.Location] = l.OnHand
	}
	if diff := cmp.Diff(map[oms.ID]int64{"east": 3, "west": 5}, got); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	if _, err := svc.Levels(ctx, "has space"); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Levels with a bad SKU = %v, want ErrValidation", err)
	}
}
