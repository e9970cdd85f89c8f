package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
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

func (b *bb) events() int { return len(b.store.Outbox().Events("")) + b.store.Outbox().PendingCount() }

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
