// Package returnstest holds the conformance suite every returns.Store
// implementation runs against itself, with the events harness it needs.
package returnstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
)

// Harness is a fresh store under test and a view of the events it saved.
type Harness struct {
	// Store is the store under test, empty.
	Store returns.Store
	// Events returns the events the store saved for the aggregate, in the
	// order saved (for the memory store: its outbox's Events).
	Events func(aggregateID oms.ID) []oms.Event
}

// TestStore runs the conformance suite: each check gets a fresh harness
// from newHarness and reports its violations as test errors. A store is
// conformant when every check passes.
func TestStore(t *testing.T, newHarness func(t *testing.T) Harness) {
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			for _, err := range run(c, h) {
				t.Error(err)
			}
		})
	}
}

// Check runs the suite without a testing.T and returns every violation,
// each prefixed with its check's name. The suite's own tests use it to
// prove that it fails broken stores.
func Check(newHarness func() Harness) []error {
	var out []error
	for _, c := range checks {
		for _, err := range run(c, newHarness()) {
			out = append(out, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return out
}

type check struct {
	name string
	fn   func(ctx context.Context, h Harness, r *report)
}

type report struct {
	mu   sync.Mutex
	errs []error
}

func (r *report) errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

func run(c check, h Harness) (errs []error) {
	r := &report{}
	defer func() {
		if p := recover(); p != nil {
			errs = append(r.errs, fmt.Errorf("panic: %v", p))
		}
	}()
	c.fn(context.Background(), h, r)
	return r.errs
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Sample returns a return with every field set, for stores to round-trip.
func Sample(id, orderID oms.ID) *returns.Return {
	usd := func(s string) oms.Money { return oms.MustParseMoney(s + " USD") }
	z := oms.Zero(oms.USD)
	return &returns.Return{
		ID: id, Kind: returns.KindReturn, OrderID: orderID, CustomerID: "cus_1", Channel: "web", Currency: oms.USD,
		Status: returns.StatusRequested, ReturnShipping: returns.ReturnShippingFree,
		Lines: []returns.Line{{ID: oms.DeriveID(id, "line:0"), OrderLineID: "OL1", SKU: "MUG", Quantity: 2, Reason: returns.ReasonDoesntFit,
			Comment: "too small", Resolution: returns.ResolutionExchange, Replacement: &returns.Replacement{SKU: "MUG-L", Quantity: 2, UnitPrice: usd("12.00")}}},
		Inspections: []returns.Inspection{{LineID: oms.DeriveID(id, "line:0"), Quantity: 1, Condition: returns.ConditionNew,
			Disposition: returns.DispositionRestock, Location: "WH1", Key: "i1", At: t0}},
		Moves: []returns.StockMove{{Reference: "return:x:i1:1", SKU: "MUG", Location: "WH1", Quantity: 1, Kind: returns.MoveRestock}},
		Refund: &returns.RefundRecord{Key: "return-x", OrderVersion: 7, Breakdown: returns.Breakdown{Currency: oms.USD,
			Lines: []returns.LineRefund{{OrderLineID: "OL1", SKU: "MUG", Quantity: 1, Subtotal: usd("12.00"), LineDiscount: z, OrderDiscount: usd("2.14"),
				Tax: usd("0.96"), Value: usd("10.82"), RestockingFee: z, ReturnShipping: z, Capped: z, Amount: usd("10.82")}},
			Shipping: z, Value: usd("10.82"), RestockingFee: z, ReturnShipping: z, Total: usd("10.82")}},
		StoreCredit: usd("1.00"),
		Outcomes:    []returns.Resolution{returns.ResolutionRefund},
		AppliedKeys: []returns.AppliedKey{{Key: "request:k", Digest: "d"}},
		Note:        "note", DeliveredAt: t0, Version: 1, CreatedAt: t0, UpdatedAt: t0,
	}
}

func event(typ string, r *returns.Return) oms.Event {
	e, err := oms.NewEvent(typ, returns.AggregateKind, r.ID, r.Version, t0, map[string]string{"order_id": string(r.OrderID)})
	if err != nil {
		panic(err)
	}
	return e
}

func same(a, b *returns.Return) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func types(es []oms.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Type
	}
	return out
}

var checks = []check{
	{"CreateGet", func(ctx context.Context, h Harness, r *report) {
		want := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		if err := h.Store.Create(ctx, want, []oms.Event{event(returns.EventRequested, want)}); err != nil {
			r.errorf("create: %v", err)
			return
		}
		got, err := h.Store.Get(ctx, want.ID)
		if err != nil || !same(got, want) {
			r.errorf("get after create: %v\n got %+v\nwant %+v", err, got, want)
		}
		if ts := types(h.Events(want.ID)); len(ts) != 1 || ts[0] != returns.EventRequested {
			r.errorf("events after create: %v", ts)
		}
		if _, err := h.Store.Get(ctx, "01JNOSUCHRETURN00000000000"); !errors.Is(err, oms.ErrNotFound) {
			r.errorf("get unknown: %v, want oms.ErrNotFound", err)
		}
	}},
	{"CreateRefusals", func(ctx context.Context, h Harness, r *report) {
		first := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		if err := h.Store.Create(ctx, first, []oms.Event{event(returns.EventRequested, first)}); err != nil {
			r.errorf("create: %v", err)
			return
		}
		dup := Sample(first.ID, "01JORDER0000000000000000B2")
		if err := h.Store.Create(ctx, dup, []oms.Event{event(returns.EventRequested, dup)}); !errors.Is(err, oms.ErrDuplicate) {
			r.errorf("create existing ID: %v, want oms.ErrDuplicate", err)
		}
		if got, _ := h.Store.Get(ctx, first.ID); got == nil || got.OrderID != first.OrderID {
			r.errorf("a refused duplicate replaced the return")
		}
		if n := len(h.Events(first.ID)); n != 1 {
			r.errorf("a refused create saved events: %d", n)
		}
		bad := []*returns.Return{Sample("", "01JORDER0000000000000000A1"), Sample(oms.NewIDAt(t0), "")}
		v2 := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		v2.Version = 2
		st := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		st.Status = "lost"
		for i, b := range append(bad, v2, st) {
			if err := h.Store.Create(ctx, b, nil); !errors.Is(err, oms.ErrValidation) {
				r.errorf("bad create %d: %v, want oms.ErrValidation", i, err)
			}
		}
		if err := h.Store.Create(ctx, nil, nil); !errors.Is(err, oms.ErrValidation) {
			r.errorf("create nil: %v, want oms.ErrValidation", err)
		}
	}},
	{"UpdateVersions", func(ctx context.Context, h Harness, r *report) {
		ret := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		if err := h.Store.Create(ctx, ret, []oms.Event{event(returns.EventRequested, ret)}); err != nil {
			r.errorf("create: %v", err)
			return
		}
		next := ret.Clone()
		next.Status, next.Version = returns.StatusApproved, 2
		if err := h.Store.Update(ctx, next, 1, []oms.Event{event(returns.EventApproved, next)}); err != nil {
			r.errorf("update: %v", err)
			return
		}
		if got, err := h.Store.Get(ctx, ret.ID); err != nil || !same(got, next) {
			r.errorf("get after update: %v %+v", err, got)
		}
		stale := ret.Clone()
		stale.Status, stale.Version = returns.StatusRejected, 2
		if err := h.Store.Update(ctx, stale, 1, []oms.Event{event(returns.EventRejected, stale)}); !errors.Is(err, oms.ErrConflict) {
			r.errorf("stale update: %v, want oms.ErrConflict", err)
		}
		if got, _ := h.Store.Get(ctx, ret.ID); got == nil || got.Status != returns.StatusApproved {
			r.errorf("a stale update changed the return")
		}
		if ts := types(h.Events(ret.ID)); len(ts) != 2 || ts[1] != returns.EventApproved {
			r.errorf("events after a refused update: %v", ts)
		}
		skip := next.Clone()
		skip.Version = 4
		if err := h.Store.Update(ctx, skip, 2, nil); !errors.Is(err, oms.ErrValidation) {
			r.errorf("update to version expected+2: %v, want oms.ErrValidation", err)
		}
		moved := next.Clone()
		moved.OrderID, moved.Version = "01JORDER0000000000000000C3", 3
		if err := h.Store.Update(ctx, moved, 2, nil); !errors.Is(err, oms.ErrValidation) {
			r.errorf("update moving the return to another order: %v, want oms.ErrValidation", err)
		}
		ghost := Sample("01JNOSUCHRETURN00000000000", "01JORDER0000000000000000A1")
		ghost.Version = 2
		if err := h.Store.Update(ctx, ghost, 1, nil); !errors.Is(err, oms.ErrNotFound) {
			r.errorf("update unknown: %v, want oms.ErrNotFound", err)
		}
	}},
	{"Copies", func(ctx context.Context, h Harness, r *report) {
		ret := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		keep := ret.Clone()
		if err := h.Store.Create(ctx, ret, nil); err != nil {
			r.errorf("create: %v", err)
			return
		}
		ret.Lines[0].Quantity = 99
		ret.Lines[0].Replacement.SKU = "CHANGED"
		ret.Refund.Breakdown.Lines[0].Quantity = 99
		got, err := h.Store.Get(ctx, keep.ID)
		if err != nil || !same(got, keep) {
			r.errorf("changing the value passed to Create changed the stored return")
			return
		}
		got.Lines[0].Quantity = 98
		got.Inspections[0].Quantity = 98
		got.AppliedKeys[0].Key = "x"
		if again, _ := h.Store.Get(ctx, keep.ID); again == nil || !same(again, keep) {
			r.errorf("changing a value Get returned changed the stored return")
		}
	}},
	{"ListByOrderAndTracking", func(ctx context.Context, h Harness, r *report) {
		var ids []oms.ID
		for i := range 3 {
			ret := Sample(oms.NewIDAt(t0.Add(time.Duration(2-i)*time.Second)), "01JORDER0000000000000000A1")
			if err := h.Store.Create(ctx, ret, nil); err != nil {
				r.errorf("create: %v", err)
				return
			}
			ids = append(ids, ret.ID)
		}
		other := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000B2")
		if err := h.Store.Create(ctx, other, nil); err != nil {
			r.errorf("create: %v", err)
			return
		}
		list, err := h.Store.ListByOrder(ctx, "01JORDER0000000000000000A1")
		if err != nil || len(list) != 3 {
			r.errorf("list by order: %d returns, %v", len(list), err)
			return
		}
		slices.Sort(ids)
		for i := range list {
			if list[i].ID != ids[i] {
				r.errorf("list by order: position %d holds %s, want %s (oldest first by ID)", i, list[i].ID, ids[i])
			}
		}
		if none, err := h.Store.ListByOrder(ctx, "01JORDER0000000000000000Z9"); err != nil || len(none) != 0 {
			r.errorf("list of an order without returns: %d, %v", len(none), err)
		}
		withLabel := other.Clone()
		withLabel.Version = 2
		withLabel.Status = returns.StatusLabelIssued
		withLabel.Label = &returns.Label{Carrier: "ups", ID: "L1", TrackingNumbers: []string{"1ZA", "1ZB"}, Price: oms.MustParseMoney("7.50 USD"), Key: "k", At: t0}
		if err := h.Store.Update(ctx, withLabel, 1, nil); err != nil {
			r.errorf("update with label: %v", err)
			return
		}
		for _, tn := range []string{"1ZA", "1ZB"} {
			if got, err := h.Store.GetByTracking(ctx, tn); err != nil || got.ID != other.ID {
				r.errorf("get by tracking %s: %v", tn, err)
			}
		}
		if _, err := h.Store.GetByTracking(ctx, "1ZNONE"); !errors.Is(err, oms.ErrNotFound) {
			r.errorf("get by unknown tracking: %v, want oms.ErrNotFound", err)
		}
	}},
	{"ListExpiring", func(ctx context.Context, h Harness, r *report) {
		mk := func(sec int, st returns.Status, exp time.Time) oms.ID {
			ret := Sample(oms.NewIDAt(t0.Add(time.Duration(sec)*time.Second)), "01JORDER0000000000000000A1")
			ret.Status, ret.ExpiresAt = st, exp
			if err := h.Store.Create(ctx, ret, nil); err != nil {
				r.errorf("create: %v", err)
			}
			return ret.ID
		}
		late := mk(1, returns.StatusApproved, t0.Add(2*time.Hour))
		early := mk(2, returns.StatusLabelIssued, t0.Add(time.Hour))
		mk(3, returns.StatusInTransit, t0.Add(time.Hour))
		mk(4, returns.StatusApproved, time.Time{})
		mk(5, returns.StatusApproved, t0.Add(5*time.Hour))
		got, err := h.Store.ListExpiring(ctx, t0.Add(3*time.Hour), 0)
		if err != nil || len(got) != 2 || got[0].ID != early || got[1].ID != late {
			ids := []oms.ID{}
			for _, x := range got {
				ids = append(ids, x.ID)
			}
			r.errorf("expiring before t0+3h: %v (%v), want [%s %s]", ids, err, early, late)
		}
		if one, err := h.Store.ListExpiring(ctx, t0.Add(3*time.Hour), 1); err != nil || len(one) != 1 || one[0].ID != early {
			r.errorf("expiring with limit 1: %d, %v", len(one), err)
		}
	}},
	{"ConcurrentUpdates", func(ctx context.Context, h Harness, r *report) {
		ret := Sample(oms.NewIDAt(t0), "01JORDER0000000000000000A1")
		if err := h.Store.Create(ctx, ret, []oms.Event{event(returns.EventRequested, ret)}); err != nil {
			r.errorf("create: %v", err)
			return
		}
		const workers, rounds = 16, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < rounds; i++ {
					cur, err := h.Store.Get(ctx, ret.ID)
					if err != nil {
						r.errorf("get: %v", err)
						return
					}
					next := cur.Clone()
					next.Version = cur.Version + 1
					next.Note = fmt.Sprintf("w%d-%d", w, i)
					err = h.Store.Update(ctx, next, cur.Version, []oms.Event{event(returns.EventInTransit, next)})
					switch {
					case err == nil:
						mu.Lock()
						wins++
						mu.Unlock()
					case !errors.Is(err, oms.ErrConflict):
						r.errorf("update: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got, err := h.Store.Get(ctx, ret.ID)
		if err != nil || got.Version != int64(1+wins) {
			r.errorf("after %d winning updates the version is %v (%v)", wins, got.Version, err)
		}
		evs := h.Events(ret.ID)
		if len(evs) != 1+wins {
			r.errorf("%d events for %d saved changes", len(evs), 1+wins)
		}
		seen := map[int64]bool{}
		for _, e := range evs {
			if seen[e.AggregateVersion] {
				r.errorf("two saved changes produced version %d", e.AggregateVersion)
			}
			seen[e.AggregateVersion] = true
		}
	}},
}
