// Package ordertest holds what tests of order stores and of code built on
// package order need: the conformance suite TestStore that every
// order.Store implementation runs against itself through a Harness (its
// stores, and the events each saved), a fake payment gateway, and helpers
// to build and compare orders.
//
// A database store passes a Harness whose Events reads its outbox table:
//
//	ordertest.TestStore(t, ordertest.HarnessFuncs{
//		Make:      func(ctx context.Context, t *testing.T) order.Store { return newStoreOnEmptySchema(t) },
//		EventsFor: func(ctx context.Context, t *testing.T, s order.Store, id oms.ID) []oms.Event { return readOutbox(t, s, id) },
//	})
//
// The suite's own tests run it against broken stores (an OFFSET cursor,
// lists ordered by ID, dropped events, events saved outside the write,
// last write wins, a stale status index, shared reads, duplicate numbers)
// and require each to fail.
package ordertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// CmpOptions are the go-cmp options that compare orders: amounts by value
// and currency (oms.Money has unexported fields), times with Equal.
func CmpOptions() cmp.Options {
	return cmp.Options{
		cmp.Comparer(func(a, b oms.Money) bool { return a.Equal(b) }),
		cmpopts.EquateEmpty(),
	}
}

// Diff returns a go-cmp diff of two orders ("" when equal).
func Diff(want, got *order.Order) string {
	if reflect.DeepEqual(want, got) {
		return "" // the common case, without go-cmp's reflection cost
	}
	return cmp.Diff(want, got, CmpOptions())
}

// NewOrder returns a plausible order as a store receives it from the
// Service: version 1, pending, two lines in USD, with every slice and map
// populated so that copying can be checked.
func NewOrder(customer oms.ID, key string) *order.Order {
	return NewOrderAt(customer, key, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// NewOrderAt is NewOrder created (CreatedAt, UpdatedAt) at now.
func NewOrderAt(customer oms.ID, key string, now time.Time) *order.Order {
	id := oms.NewID()
	usd := func(s string) oms.Money { return oms.MustParseMoney(s + " USD") }
	o := &order.Order{
		ID: id, Number: "T-" + string(id[len(id)-8:]), Channel: "web", IdempotencyKey: key, Currency: oms.USD,
		Customer:        order.Customer{ID: customer, Email: "ada@example.com", Name: "Ada"},
		ShippingAddress: oms.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard},
		Lines: []order.Line{
			{ID: oms.DeriveID(id, "l1"), SKU: "MUG", Name: "Mug", Quantity: 2, UnitPrice: usd("12.50"), Tax: usd("2.00"),
				Discounts: []order.Discount{{Code: "MUG5", Amount: usd("5.00")}}, RequiresShipping: true},
			{ID: oms.DeriveID(id, "l2"), SKU: "TEE", Name: "Tee", Quantity: 1, UnitPrice: usd("20.00"), Tax: usd("1.60"), RequiresShipping: true},
		},
		Discounts:      []order.Discount{{Code: "WELCOME", Amount: usd("3.00")}},
		ShippingCharge: usd("5.00"), ShippingTax: usd("0.40"),
		Status:   order.StatusPending,
		Holds:    []order.Hold{{ID: oms.DeriveID(id, "h"), Reason: order.HoldFraudReview, At: now}},
		Notes:    []order.Note{{By: "ada", At: now, Text: "ring twice"}},
		Metadata: map[string]string{"cart": "c-1"},
		Version:  1, CreatedAt: now, UpdatedAt: now,
	}
	o.Payment = order.Payment{Policy: order.CaptureOnShipment, Authorized: usd("0"), Captured: usd("0"), Voided: usd("0"), Refunded: usd("0"), Adjusted: usd("0")}
	if t, err := order.ComputeTotals(o); err == nil {
		o.Totals = t
	}
	return o
}

func event(o *order.Order, typ string) oms.Event {
	e, _ := oms.NewEvent(typ, order.AggregateKind, o.ID, o.Version, o.UpdatedAt, nil)
	return e
}

// Harness is what TestStore needs from the Store under test, as go-cloud's
// drivertest harnesses: fresh stores, and the events each store saved.
// Every store must offer both; the suite does not skip its event checks.
type Harness interface {
	// MakeStore returns a new, empty store. The suite calls it once per
	// subtest.
	MakeStore(ctx context.Context, t *testing.T) order.Store
	// Events returns the events s saved for the order with id, in the
	// order saved (for a database store: the rows of its outbox table
	// for that aggregate).
	Events(ctx context.Context, t *testing.T, s order.Store, id oms.ID) []oms.Event
}

// HarnessFuncs adapts two functions to Harness.
type HarnessFuncs struct {
	Make      func(ctx context.Context, t *testing.T) order.Store
	EventsFor func(ctx context.Context, t *testing.T, s order.Store, id oms.ID) []oms.Event
}

// MakeStore calls h.Make.
func (h HarnessFuncs) MakeStore(ctx context.Context, t *testing.T) order.Store { return h.Make(ctx, t) }

// Events calls h.EventsFor.
func (h HarnessFuncs) Events(ctx context.Context, t *testing.T, s order.Store, id oms.ID) []oms.Event {
	return h.EventsFor(ctx, t, s, id)
}

// OutboxHarness is the Harness of stores that save their events in an
// *oms.MemoryOutbox they return from outbox (order.MemoryStore and
// wrappers around it).
func OutboxHarness(make func() order.Store, outbox func(order.Store) *oms.MemoryOutbox) Harness {
	return HarnessFuncs{
		Make: func(context.Context, *testing.T) order.Store { return make() },
		EventsFor: func(_ context.Context, t *testing.T, s order.Store, id oms.ID) []oms.Event {
			t.Helper()
			if id == "" {
				t.Fatal("ordertest: events of an empty order ID")
			}
			return outbox(s).Events(id)
		},
	}
}

// TestStore runs the conformance suite against the stores h makes, one
// fresh store per subtest. Every order.Store implementation must pass it:
// create and get, duplicates (ID, idempotency key, number), update with the
// expected version and a stale one (oms.ErrConflict, nothing changed), 64
// goroutines updating one order (no lost update), idempotency-key and
// number lookup, listing by customer and by status with cursor pagination
// while orders are created and change status between pages (no repeat, no
// skip), copying in and out, and after every kind of write the events
// saved with it: exactly the write's events after an accepted write, none
// after a refused one.
func TestStore(t *testing.T, h Harness) {
	ctx := context.Background()
	newStore := func(t *testing.T) order.Store { return h.MakeStore(ctx, t) }
	checkEvents := func(t *testing.T, s order.Store, id oms.ID, want []oms.ID) {
		t.Helper()
		var got []oms.ID
		for _, e := range h.Events(ctx, t, s, id) {
			got = append(got, e.ID)
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("events saved for %s (-want +got):\n%s", id, d)
		}
	}
	t.Run("CreateGet", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "")
		ev := event(o, order.EventPlaced)
		ev2 := event(o, order.EventHoldAdded)
		if err := s.Create(ctx, o, []oms.Event{ev, ev2}); err != nil {
			t.Fatalf("Create: %v", err)
		}
		got, err := s.Get(ctx, o.ID)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if d := Diff(o, got); d != "" {
			t.Errorf("Get after Create (-want +got):\n%s", d)
		}
		checkEvents(t, s, o.ID, []oms.ID{ev.ID, ev2.ID})
		if _, err := s.Get(ctx, "no-such-order"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("Get unknown: err = %v, want ErrNotFound", err)
		}
		byNumber, err := s.GetByNumber(ctx, o.Number)
		if err != nil {
			t.Fatalf("GetByNumber: %v", err)
		}
		if d := Diff(o, byNumber); d != "" {
			t.Errorf("GetByNumber (-want +got):\n%s", d)
		}
		if _, err := s.GetByNumber(ctx, "no-such-number"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("GetByNumber unknown: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("CreateRefusals", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "key-1")
		if err := s.Create(ctx, o, nil); err != nil {
			t.Fatalf("Create: %v", err)
		}
		again := o.Clone()
		again.Number = "other"
		if err := s.Create(ctx, again, []oms.Event{event(again, "x")}); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("Create same ID: err = %v, want ErrDuplicate", err)
		}
		sameKey := NewOrder("cust-1", "key-1")
		if err := s.Create(ctx, sameKey, []oms.Event{event(sameKey, "x")}); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("Create same idempotency key: err = %v, want ErrDuplicate", err)
		}
		if _, err := s.Get(ctx, sameKey.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("order refused for its key was saved: err = %v", err)
		}
		checkEvents(t, s, sameKey.ID, nil)
		checkEvents(t, s, o.ID, nil)
		sameNumber := NewOrder("cust-1", "")
		sameNumber.Number = o.Number
		if err := s.Create(ctx, sameNumber, []oms.Event{event(sameNumber, "x")}); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("Create same number: err = %v, want ErrDuplicate", err)
		}
		if _, err := s.Get(ctx, sameNumber.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("order refused for its number was saved: err = %v", err)
		}
		checkEvents(t, s, sameNumber.ID, nil)
		got, _ := s.Get(ctx, o.ID)
		if d := Diff(o, got); d != "" {
			t.Errorf("refused Create changed the stored order (-want +got):\n%s", d)
		}
		for name, breakIt := range map[string]func(o *order.Order){
			"version 2":             func(o *order.Order) { o.Version = 2 },
			"a bad status":          func(o *order.Order) { o.Status = "lost" },
			"two holds with one ID": func(o *order.Order) { o.Holds = append(o.Holds, o.Holds[0]) },
		} {
			bad := NewOrder("cust-1", "")
			breakIt(bad)
			if err := s.Create(ctx, bad, []oms.Event{event(bad, "x")}); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Create with %s: err = %v, want ErrValidation", name, err)
			}
			if _, err := s.Get(ctx, bad.ID); !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("order refused for %s was saved: err = %v", name, err)
			}
			checkEvents(t, s, bad.ID, nil)
		}
		bad := NewOrder("cust-1", "")
		bad.ID = ""
		if err := s.Create(ctx, bad, nil); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Create without ID: err = %v, want ErrValidation", err)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "k")
		if err := s.Create(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		next := o.Clone()
		next.Status = order.StatusConfirmed
		next.Version = 2
		ev := event(next, order.EventConfirmed)
		if err := s.Update(ctx, next, 1, []oms.Event{ev}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got, _ := s.Get(ctx, o.ID)
		if d := Diff(next, got); d != "" {
			t.Errorf("Get after Update (-want +got):\n%s", d)
		}
		checkEvents(t, s, o.ID, []oms.ID{ev.ID})

		stale := o.Clone()
		stale.Notes = append(stale.Notes, order.Note{Text: "stale"})
		stale.Version = 2
		err := s.Update(ctx, stale, 1, []oms.Event{event(stale, "stale")})
		if !errors.Is(err, oms.ErrConflict) {
			t.Errorf("Update with stale version: err = %v, want ErrConflict", err)
		}
		got, _ = s.Get(ctx, o.ID)
		if d := Diff(next, got); d != "" {
			t.Errorf("stale Update changed the order (-want +got):\n%s", d)
		}
		checkEvents(t, s, o.ID, []oms.ID{ev.ID})

		skip := got.Clone()
		skip.Version = 4
		if err := s.Update(ctx, skip, 2, []oms.Event{event(skip, "x")}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Update to version expected+2: err = %v, want ErrValidation", err)
		}
		for name, change := range map[string]func(o *order.Order){
			"the idempotency key":   func(o *order.Order) { o.IdempotencyKey = "other" },
			"the number":            func(o *order.Order) { o.Number = "other" },
			"the creation time":     func(o *order.Order) { o.CreatedAt = o.CreatedAt.Add(-time.Hour) },
			"two holds with one ID": func(o *order.Order) { o.Holds = append(o.Holds, o.Holds[0]) },
		} {
			bad := got.Clone()
			change(bad)
			bad.Version = 3
			if err := s.Update(ctx, bad, 2, []oms.Event{event(bad, "x")}); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Update changing %s: err = %v, want ErrValidation", name, err)
			}
		}
		unknown := NewOrder("cust-1", "")
		unknown.Version = 2
		if err := s.Update(ctx, unknown, 1, []oms.Event{event(unknown, "x")}); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("Update unknown: err = %v, want ErrNotFound", err)
		}
		checkEvents(t, s, unknown.ID, nil)
		got, _ = s.Get(ctx, o.ID)
		if d := Diff(next, got); d != "" {
			t.Errorf("refused Updates changed the order (-want +got):\n%s", d)
		}
		checkEvents(t, s, o.ID, []oms.ID{ev.ID})
	})
	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "")
		o.Notes = nil
		if err := s.Create(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		const n = 64
		var wg sync.WaitGroup
		applied := make([]bool, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				cur, err := s.Get(ctx, o.ID)
				if err != nil {
					errs[i] = err
					return
				}
				cur.Notes = append(cur.Notes, order.Note{Text: fmt.Sprint(i)})
				cur.Version++
				ev, _ := oms.NewEvent("note", order.AggregateKind, cur.ID, cur.Version, cur.UpdatedAt, map[string]string{"note": fmt.Sprint(i)})
				err = s.Update(ctx, cur, cur.Version-1, []oms.Event{ev})
				switch {
				case err == nil:
					applied[i] = true
				case errors.Is(err, oms.ErrConflict):
				default:
					errs[i] = err
				}
			}()
		}
		close(start)
		wg.Wait()
		var want []string
		for i := range n {
			if errs[i] != nil {
				t.Errorf("goroutine %d: %v (want nil or ErrConflict)", i, errs[i])
			}
			if applied[i] {
				want = append(want, fmt.Sprint(i))
			}
		}
		got, err := s.Get(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, nt := range got.Notes {
			notes = append(notes, nt.Text)
		}
		sort.Strings(notes)
		sort.Strings(want)
		if d := cmp.Diff(want, notes); d != "" {
			t.Errorf("applied updates vs notes stored (-applied +stored):\n%s", d)
		}
		if got.Version != int64(1+len(want)) {
			t.Errorf("version = %d after %d applied updates, want %d", got.Version, len(want), 1+len(want))
		}
		if len(want) == 0 {
			t.Errorf("no update applied")
		}
		saved := map[string]bool{}
		for _, e := range h.Events(ctx, t, s, o.ID) {
			var p struct{ Note string }
			_ = json.Unmarshal(e.Payload, &p)
			saved[p.Note] = true
		}
		if len(saved) != len(want) {
			t.Errorf("%d events saved for %d applied updates", len(saved), len(want))
		}
		for _, n := range want {
			if !saved[n] {
				t.Errorf("the event of applied update %s was not saved", n)
			}
		}
	})
	t.Run("ConcurrentRetries", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "")
		o.Notes = nil
		if err := s.Create(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		const n = 64
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					cur, err := s.Get(ctx, o.ID)
					if err != nil {
						t.Error(err)
						return
					}
					cur.Notes = append(cur.Notes, order.Note{Text: fmt.Sprint(i)})
					cur.Version++
					err = s.Update(ctx, cur, cur.Version-1, nil)
					if err == nil {
						return
					}
					if !errors.Is(err, oms.ErrConflict) {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got, _ := s.Get(ctx, o.ID)
		seen := map[string]int{}
		for _, nt := range got.Notes {
			seen[nt.Text]++
		}
		for i := range n {
			if seen[fmt.Sprint(i)] != 1 {
				t.Errorf("update %d stored %d times, want once", i, seen[fmt.Sprint(i)])
			}
		}
		if got.Version != n+1 {
			t.Errorf("version = %d, want %d", got.Version, n+1)
		}
	})
	t.Run("IdempotencyKey", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "checkout-42")
		if err := s.Create(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, NewOrder("cust-1", ""), nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetByIdempotencyKey(ctx, "checkout-42")
		if err != nil {
			t.Fatalf("GetByIdempotencyKey: %v", err)
		}
		if d := Diff(o, got); d != "" {
			t.Errorf("GetByIdempotencyKey (-want +got):\n%s", d)
		}
		for _, k := range []string{"checkout-43", ""} {
			if _, err := s.GetByIdempotencyKey(ctx, k); !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("GetByIdempotencyKey(%q): err = %v, want ErrNotFound", k, err)
			}
		}
	})
	t.Run("Copies", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "")
		want := o.Clone()
		if err := s.Create(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		mutate(o)
		got, _ := s.Get(ctx, o.ID)
		if d := Diff(want, got); d != "" {
			t.Errorf("changing the order after Create changed the store (-want +got):\n%s", d)
		}
		mutate(got)
		again, _ := s.Get(ctx, o.ID)
		if d := Diff(want, again); d != "" {
			t.Errorf("changing a returned order changed the store (-want +got):\n%s", d)
		}
		next := want.Clone()
		next.Version = 2
		if err := s.Update(ctx, next, 1, nil); err != nil {
			t.Fatal(err)
		}
		wantNext := next.Clone()
		mutate(next)
		got, _ = s.Get(ctx, o.ID)
		if d := Diff(wantNext, got); d != "" {
			t.Errorf("changing the order after Update changed the store (-want +got):\n%s", d)
		}
		page, err := s.ListByCustomer(ctx, "cust-1", order.PageRequest{})
		if err != nil || len(page.Orders) != 1 {
			t.Fatalf("ListByCustomer: %v, %d orders", err, len(page.Orders))
		}
		mutate(page.Orders[0])
		got, _ = s.Get(ctx, o.ID)
		if d := Diff(wantNext, got); d != "" {
			t.Errorf("changing a listed order changed the store (-want +got):\n%s", d)
		}
	})
	t.Run("ListByCustomer", func(t *testing.T) {
		s := newStore(t)
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var want []oms.ID
		for i := range 11 {
			c := oms.ID("cust-b")
			if i%3 != 0 {
				c = "cust-a"
			}
			// Some IDs are derived from a key, as Place does, so ID order
			// is not creation order: the list must follow CreatedAt.
			o := NewOrderAt(c, "", base.Add(time.Duration(i)*time.Minute))
			if i%4 == 1 {
				o = withID(o, order.PlacementID(fmt.Sprint("key-", i)))
			}
			if err := s.Create(ctx, o, nil); err != nil {
				t.Fatal(err)
			}
			if c == "cust-a" {
				want = append(want, o.ID)
			}
		}
		got, pages := collect(t, func(p order.PageRequest) (order.Page, error) { return s.ListByCustomer(ctx, "cust-a", p) }, 3, nil)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ListByCustomer pages, oldest first (-want +got):\n%s", d)
		}
		if pages != 3 {
			t.Errorf("%d orders in pages of 3 took %d pages, want 3", len(want), pages)
		}
		// Orders created between pages: one that sorts before the cursor
		// (an earlier creation time, an ID that sorts first) must not make
		// a page repeat an order, as an OFFSET cursor does; one that sorts
		// after it is listed.
		var late oms.ID
		got, _ = collect(t, func(p order.PageRequest) (order.Page, error) { return s.ListByCustomer(ctx, "cust-a", p) }, 3,
			func(page int) {
				switch page {
				case 1:
					early := NewOrderAt("cust-a", "", base.Add(-time.Hour))
					early = withID(early, oms.NewIDAt(base.Add(-24*time.Hour)))
					if err := s.Create(ctx, early, nil); err != nil {
						t.Fatal(err)
					}
				case 2:
					o := NewOrderAt("cust-a", "", base.Add(time.Hour))
					if err := s.Create(ctx, o, nil); err != nil {
						t.Fatal(err)
					}
					late = o.ID
				}
			})
		if d := cmp.Diff(append(append([]oms.ID(nil), want...), late), got); d != "" {
			t.Errorf("ListByCustomer with orders created between pages (-want +got):\n%s", d)
		}
		empty, err := s.ListByCustomer(ctx, "nobody", order.PageRequest{})
		if err != nil || len(empty.Orders) != 0 || empty.NextCursor != "" {
			t.Errorf("ListByCustomer(nobody) = %d orders, cursor %q, err %v", len(empty.Orders), empty.NextCursor, err)
		}
		for _, limit := range []int{-1, order.MaxPageLimit + 1} {
			if _, err := s.ListByCustomer(ctx, "cust-a", order.PageRequest{Limit: limit}); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("limit %d: err = %v, want ErrValidation", limit, err)
			}
		}
		if _, err := s.ListByCustomer(ctx, "cust-a", order.PageRequest{Cursor: "not a cursor"}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("bad cursor: err = %v, want ErrValidation", err)
		}
	})
	t.Run("ListByStatus", func(t *testing.T) {
		s := newStore(t)
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var all []*order.Order
		var confirmed []oms.ID
		setStatus := func(o *order.Order, st order.Status) *order.Order {
			t.Helper()
			cur, err := s.Get(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			next := cur.Clone()
			next.Status = st
			next.Version++
			if err := s.Update(ctx, next, cur.Version, nil); err != nil {
				t.Fatal(err)
			}
			return next
		}
		for i := range 12 {
			o := NewOrderAt("cust-a", "", base.Add(time.Duration(i)*time.Minute))
			if i%5 == 2 {
				o = withID(o, order.PlacementID(fmt.Sprint("key-", i)))
			}
			if err := s.Create(ctx, o, nil); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				o = setStatus(o, order.StatusConfirmed)
				confirmed = append(confirmed, o.ID)
			}
			all = append(all, o)
		}
		got, _ := collect(t, func(p order.PageRequest) (order.Page, error) { return s.ListByStatus(ctx, order.StatusConfirmed, p) }, 2, nil)
		if d := cmp.Diff(confirmed, got); d != "" {
			t.Errorf("ListByStatus(confirmed) (-want +got):\n%s", d)
		}
		pending, _ := collect(t, func(p order.PageRequest) (order.Page, error) { return s.ListByStatus(ctx, order.StatusPending, p) }, 0, nil)
		if len(pending) != 12-len(confirmed) {
			t.Errorf("ListByStatus(pending) = %d orders, want %d", len(pending), 12-len(confirmed))
		}
		// Between pages of confirmed orders (2 a page): after page 1 an
		// order already listed leaves the status (an OFFSET cursor then
		// skips one); after page 2 an order before the cursor enters it
		// (an OFFSET cursor then repeats one) and one after it enters
		// (listed). Every order confirmed for the whole walk is listed
		// exactly once.
		var entered oms.ID
		got, _ = collect(t, func(p order.PageRequest) (order.Page, error) { return s.ListByStatus(ctx, order.StatusConfirmed, p) }, 2,
			func(page int) {
				switch page {
				case 1:
					setStatus(all[0], order.StatusCancelled)
				case 2:
					setStatus(all[1], order.StatusConfirmed)
					setStatus(all[11], order.StatusConfirmed)
					entered = all[11].ID
				}
			})
		want := append(append([]oms.ID(nil), confirmed...), entered)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ListByStatus(confirmed) while orders enter and leave it (-want +got):\n%s", d)
		}
		if _, err := s.ListByStatus(ctx, "lost", order.PageRequest{}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("ListByStatus(lost): err = %v, want ErrValidation", err)
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		s := newStore(t)
		o := NewOrder("cust-1", "")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Create(cctx, o, nil); err == nil {
			t.Errorf("Create with a cancelled context succeeded")
		}
		if _, err := s.Get(ctx, o.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("order saved despite cancelled context: %v", err)
		}
	})
}

// collect reads every page with the given limit and returns the IDs in
// order and the number of pages; between, when set, runs after each page
// but the last (with the page's number, from 1). An order listed twice
// fails the test.
func collect(t *testing.T, list func(order.PageRequest) (order.Page, error), limit int, between func(page int)) ([]oms.ID, int) {
	t.Helper()
	var ids []oms.ID
	req := order.PageRequest{Limit: limit}
	seen := map[oms.ID]bool{}
	for pages := 1; ; pages++ {
		p, err := list(req)
		if err != nil {
			t.Fatalf("list page %d: %v", pages, err)
		}
		for _, o := range p.Orders {
			if seen[o.ID] {
				t.Errorf("order %s listed twice (again on page %d)", o.ID, pages)
				continue
			}
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
		if limit > 0 && len(p.Orders) > limit {
			t.Fatalf("page of %d orders with limit %d", len(p.Orders), limit)
		}
		if p.NextCursor == "" {
			return ids, pages
		}
		if pages > 1000 {
			t.Fatalf("pagination does not end")
		}
		if between != nil {
			between(pages)
		}
		req.Cursor = p.NextCursor
	}
}

// withID returns o with its ID (and the IDs derived from it) replaced.
func withID(o *order.Order, id oms.ID) *order.Order {
	c := o.Clone()
	c.ID = id
	c.Number = "T-" + string(id[len(id)-8:])
	for i := range c.Lines {
		c.Lines[i].ID = oms.DeriveID(id, fmt.Sprint("l", i+1))
		if i < len(c.Totals.Lines) {
			c.Totals.Lines[i].LineID = c.Lines[i].ID
		}
	}
	for i := range c.Holds {
		c.Holds[i].ID = oms.DeriveID(id, fmt.Sprint("h", i))
	}
	return c
}

// mutate changes every slice, map and field of o that a store must not
// share.
func mutate(o *order.Order) {
	o.Number = "changed"
	o.Lines[0].Quantity = 99
	o.Lines[0].Discounts[0].Code = "changed"
	o.Discounts[0].Code = "changed"
	o.Holds[0].Note = "changed"
	o.Notes[0].Text = "changed"
	o.Metadata["cart"] = "changed"
	if len(o.Totals.Lines) > 0 {
		o.Totals.Lines[0].Quantity = 99
	}
	o.Status = order.StatusCancelled
}
