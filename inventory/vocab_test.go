package inventory_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// TestLineRefSameSKUTwoOrderLines reserves one SKU at one location for two
// order lines (two refs): both draw on the same level together, a third
// line that would exceed it fails the whole basket, and commit names a
// line by its ref.
func TestLineRefSameSKUTwoOrderLines(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 5)
	_, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "big", Lines: []inventory.Line{
		{SKU: "A", Location: "wh", Quantity: 3, Ref: "ol-1"},
		{SKU: "A", Location: "wh", Quantity: 3, Ref: "ol-2"},
	}})
	if !errors.Is(err, oms.ErrInsufficientStock) {
		t.Fatalf("3+3 of 5 on one level: got %v, want a shortage", err)
	}
	if lv, _ := f.svc.Level(f.ctx, "A", "wh"); lv.Reserved != 0 {
		t.Fatalf("refused basket reserved %d", lv.Reserved)
	}
	r, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{
		{SKU: "A", Location: "wh", Quantity: 2, Ref: "ol-1"},
		{SKU: "A", Location: "wh", Quantity: 3, Ref: "ol-2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lines[0].Ref != "ol-1" || r.Lines[1].Ref != "ol-2" {
		t.Errorf("refs not kept: %+v", r.Lines)
	}
	if lv, _ := f.svc.Level(f.ctx, "A", "wh"); lv.Reserved != 5 {
		t.Errorf("reserved = %d, want 5", lv.Reserved)
	}
	r, err = f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "r",
		Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 3, Ref: "ol-2"}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lines[0].Committed != 0 || r.Lines[1].Committed != 3 {
		t.Errorf("commit by ref hit the wrong line: %+v", r.Lines)
	}
	_, err = f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-2", Reservation: "r",
		Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1, Ref: "ol-9"}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("commit of an unknown ref: got %v, want a validation error", err)
	}
	for _, bad := range []inventory.ReserveRequest{
		{ID: "dup", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1, Ref: "x"}, {SKU: "A", Location: "wh", Quantity: 1, Ref: "x"}}},
		{ID: "sp", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1, Ref: "has space"}}},
	} {
		if _, err := f.svc.Reserve(f.ctx, bad); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Reserve(%s): got %v, want a validation error", bad.ID, err)
		}
	}
	rep, _ := f.svc.Reconcile(f.ctx)
	if !rep.Clean() {
		t.Errorf("not clean: %+v", rep.Mismatches)
	}
}

// TestEventPayloadsDecode makes every event type of the package and
// decodes each payload, refusing unknown fields, into its documented type.
func TestEventPayloadsDecode(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	if err := f.svc.PutItem(f.ctx, inventory.Item{SKU: "A", Tracked: true, ReorderPoint: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Sync(f.ctx); err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "r", Reference: "order-1", HoldFor: time.Hour,
		Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 6, Ref: "ol-1"}}}))
	must(f.svc.Sync(f.ctx)) // low stock
	must(f.svc.Extend(f.ctx, "r", t0.Add(2*time.Hour)))
	must(f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "k1", Reservation: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1, Ref: "ol-1"}}}))
	must(f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: "k2", Reservation: "r"}))
	must(f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "h", HoldFor: time.Minute, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}))
	f.clock.Advance(time.Hour)
	must(f.svc.SweepExpired(f.ctx, f.clock.Now()))
	must(f.svc.Sync(f.ctx)) // replenished
	decode := func(ev oms.Event, into any) {
		t.Helper()
		d := json.NewDecoder(bytes.NewReader(ev.Payload))
		d.DisallowUnknownFields()
		if err := d.Decode(into); err != nil {
			t.Fatalf("%s: decode payload %s: %v", ev.Type, ev.Payload, err)
		}
	}
	seen := map[string]bool{}
	for _, ev := range f.store.Outbox().Events("") {
		seen[ev.Type] = true
		switch ev.Type {
		case inventory.EventReserved, inventory.EventReservationCommitted, inventory.EventReservationReleased,
			inventory.EventReservationExpired, inventory.EventReservationExtended:
			var p inventory.ReservationPayload
			decode(ev, &p)
			if p.ReservationID != ev.AggregateID || p.Status == "" {
				t.Errorf("%s: payload %+v", ev.Type, p)
			}
			switch ev.Type {
			case inventory.EventReserved:
				// The hand-written payload is what encoding/json makes.
				want, _ := json.Marshal(p)
				if !bytes.Equal(want, ev.Payload) {
					t.Errorf("reserved payload\n got %s\nwant %s", ev.Payload, want)
				}
				if p.ReservationID == "r" && (p.Reference != "order-1" || len(p.Lines) != 1 || p.Lines[0].Ref != "ol-1") {
					t.Errorf("reserved payload misses fields: %+v", p)
				}
			case inventory.EventReservationCommitted:
				if p.Key != "k1" || len(p.Lines) != 1 || p.Lines[0].Quantity != 1 || p.Lines[0].Ref != "ol-1" {
					t.Errorf("committed payload: %+v", p)
				}
			case inventory.EventReservationReleased:
				if p.Key != "k2" || len(p.Lines) != 1 || p.Lines[0].Quantity != 5 {
					t.Errorf("released payload: %+v", p)
				}
			}
		case inventory.EventStockMoved:
			var p inventory.StockMovedPayload
			decode(ev, &p)
			if len(p.Entries) == 0 || p.Entries[0].SKU != "A" {
				t.Errorf("stock moved payload: %+v", p)
			}
		case inventory.EventChannelAvailability:
			var p inventory.ChannelAvailabilityPayload
			decode(ev, &p)
			if p.SKU != "A" || p.Channel != "web" {
				t.Errorf("channel payload: %+v", p)
			}
		case inventory.EventLowStock, inventory.EventStockReplenished:
			var p inventory.LowStockPayload
			decode(ev, &p)
			if p.SKU != "A" || p.ReorderPoint != 5 {
				t.Errorf("low stock payload: %+v", p)
			}
		default:
			t.Errorf("event type %s has no documented payload", ev.Type)
		}
	}
	all := []string{inventory.EventReserved, inventory.EventReservationCommitted, inventory.EventReservationReleased,
		inventory.EventReservationExpired, inventory.EventReservationExtended, inventory.EventStockMoved,
		inventory.EventChannelAvailability, inventory.EventLowStock, inventory.EventStockReplenished}
	for _, typ := range all {
		if !seen[typ] {
			t.Errorf("no %s event made", typ)
		}
	}
}

// TestServiceInbounds lists deliveries by SKU, location and openness.
func TestServiceInbounds(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"a", "b"}, []oms.SKU{"A", "B"}, 0)
	for _, e := range []inventory.Expectation{
		{ID: "po-1", SKU: "A", Location: "a", Quantity: 5, ExpectedAt: t0.Add(48 * time.Hour)},
		{ID: "po-2", SKU: "A", Location: "b", Quantity: 5, ExpectedAt: t0.Add(24 * time.Hour)},
		{ID: "po-3", SKU: "B", Location: "a", Quantity: 5},
	} {
		if _, err := f.svc.Expect(f.ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Receive(f.ctx, inventory.Receipt{InboundID: "po-2", Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	ids := func(fl inventory.InboundFilter) []oms.ID {
		t.Helper()
		ins, err := f.svc.Inbounds(f.ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		out := []oms.ID{}
		for _, in := range ins {
			out = append(out, in.ID)
		}
		return out
	}
	for _, tc := range []struct {
		f    inventory.InboundFilter
		want []oms.ID
	}{
		{inventory.InboundFilter{}, []oms.ID{"po-3", "po-2", "po-1"}},
		{inventory.InboundFilter{SKU: "A"}, []oms.ID{"po-2", "po-1"}},
		{inventory.InboundFilter{SKU: "A", OpenOnly: true}, []oms.ID{"po-1"}},
		{inventory.InboundFilter{Location: "a"}, []oms.ID{"po-3", "po-1"}},
	} {
		if diff := cmp.Diff(tc.want, ids(tc.f)); diff != "" {
			t.Errorf("Inbounds(%+v) (-want +got):\n%s", tc.f, diff)
		}
	}
	if _, err := f.svc.Inbounds(f.ctx, inventory.InboundFilter{SKU: "bad sku"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad sku: got %v", err)
	}
}

// TestCommitReplayWithSameKeyMovesNothing is issue 10 item 1: re-running
// "commit this parcel" after a crash ships the units once.
func TestCommitReplayWithSameKeyMovesNothing(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A", "B"}, 10)
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "o", Lines: []inventory.Line{
		{SKU: "A", Location: "wh", Quantity: 3}, {SKU: "B", Location: "wh", Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}
	parcel := []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}, {SKU: "B", Location: "wh", Quantity: 1}}
	first, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "o", Lines: parcel})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	// the same lines in another order are the same request
	again, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "o",
		Lines: []inventory.Line{parcel[1], parcel[0]}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay result differs from the first (-first +replay):\n%s", diff)
	}
	for sku, want := range map[oms.SKU]inventory.Level{"A": {OnHand: 9, Reserved: 2}, "B": {OnHand: 9, Reserved: 1}} {
		lv, _ := f.svc.Level(f.ctx, sku, "wh")
		if lv.OnHand != want.OnHand || lv.Reserved != want.Reserved {
			t.Errorf("%s: on hand %d reserved %d, want %d and %d", sku, lv.OnHand, lv.Reserved, want.OnHand, want.Reserved)
		}
	}
	ships := 0
	entries, _ := f.svc.Ledger(f.ctx, inventory.LedgerFilter{})
	for _, e := range entries {
		if e.Reason == inventory.ReasonShip {
			ships++
			if e.Key != "parcel-1" {
				t.Errorf("ship entry without the commit's key: %+v", e)
			}
		}
	}
	if ships != 2 {
		t.Errorf("%d ship entries, want 2", ships)
	}
	if n := len(f.store.Outbox().Events("o")); n != 2 {
		t.Errorf("%d reservation events, want 2 (reserved, committed once)", n)
	}

	// A later commit, then the first key again: still the first result.
	if _, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-2", Reservation: "o"}); err != nil {
		t.Fatal(err)
	}
	late, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "o", Lines: parcel})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, late); diff != "" {
		t.Errorf("late replay differs from the first result (-first +replay):\n%s", diff)
	}
	if lv, _ := f.svc.Level(f.ctx, "A", "wh"); lv.OnHand != 7 || lv.Reserved != 0 {
		t.Errorf("A after everything: %+v", lv)
	}
}

// TestCommitSameKeyOtherLinesIsDuplicate: a key names one request.
func TestCommitSameKeyOtherLinesIsDuplicate(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "o", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 4}}}); err != nil {
		t.Fatal(err)
	}
	one := []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}
	if _, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "k", Reservation: "o", Lines: one}); err != nil {
		t.Fatal(err)
	}
	before, _ := f.svc.Reservation(f.ctx, "o")
	for name, call := range map[string]func() error{
		"commit other quantity": func() error {
			_, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "k", Reservation: "o", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}})
			return err
		},
		"commit everything": func() error {
			_, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "k", Reservation: "o"})
			return err
		},
		"release under a commit's key": func() error {
			_, err := f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: "k", Reservation: "o", Lines: one})
			return err
		},
	} {
		if err := call(); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("%s: got %v, want an error matching oms.ErrDuplicate", name, err)
		}
	}
	after, _ := f.svc.Reservation(f.ctx, "o")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("refused replays changed the reservation:\n%s", diff)
	}
	for _, key := range []string{"", "has space", string(make([]byte, 129))} {
		if _, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: key, Reservation: "o"}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("key %q: got %v, want a validation error", key, err)
		}
	}
}

// TestReleaseReplayWithSameKeyMovesNothing: the same for Release.
func TestReleaseReplayWithSameKeyMovesNothing(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "o", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 4}}}); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: "cancel-1", Reservation: "o"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: "cancel-1", Reservation: "o"})
	if err != nil {
		t.Fatalf("replay of a release that closed the reservation: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay differs (-first +replay):\n%s", diff)
	}
	if _, err := f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: "cancel-2", Reservation: "o"}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("a new key on a released reservation: got %v", err)
	}
	if n := len(f.store.Outbox().Events("o")); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}

// TestCommitSameKeyConcurrently: many processes retrying one parcel's
// commit at once ship it once.
func TestCommitSameKeyConcurrently(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 100)
	for round := 0; round < 20; round++ {
		id := oms.ID("o" + strconv.Itoa(round))
		if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: id, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 2}}}); err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		results := make([]inventory.Reservation, 8)
		for g := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "parcel", Reservation: id, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}})
				if err != nil {
					t.Error(err)
				}
				results[g] = r
			}()
		}
		close(start)
		wg.Wait()
		for _, r := range results[1:] {
			if diff := cmp.Diff(results[0], r); diff != "" {
				t.Fatalf("round %d: concurrent replays disagree:\n%s", round, diff)
			}
		}
		r, _ := f.svc.Reservation(f.ctx, id)
		if r.Lines[0].Committed != 1 {
			t.Fatalf("round %d: committed %d, want 1", round, r.Lines[0].Committed)
		}
	}
	if lv, _ := f.svc.Level(f.ctx, "A", "wh"); lv.OnHand != 80 {
		t.Errorf("on hand %d, want 80", lv.OnHand)
	}
}

// TestCommitTooManyLines: a commit naming more lines than a reservation
// may have is refused at once, whatever they are.
func TestCommitTooManyLines(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "o", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	lines := make([]inventory.Line, 100000)
	_, err := f.svc.Commit(f.ctx, inventory.CommitRequest{Key: "k", Reservation: "o", Lines: lines})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("lines") {
		t.Fatalf("got %v, want a validation error on lines", err)
	}
	if r, _ := f.svc.Reservation(f.ctx, "o"); r.Version != 1 {
		t.Errorf("refused commit changed the reservation: %+v", r)
	}
}
