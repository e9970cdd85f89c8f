// Package fulfillmenttest holds the conformance suite every
// fulfillment.Store implementation runs against itself.
package fulfillmenttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// Harness makes stores for the suite and hands back the events a store
// saved (its outbox), as go-cloud's drivertest harnesses do. A store that
// cannot report its events cannot pass.
type Harness interface {
	// MakeStore returns a new, empty store.
	MakeStore(t *testing.T) fulfillment.Store
	// Events returns the events s saved for the aggregate, in the order
	// saved.
	Events(t *testing.T, s fulfillment.Store, aggregate oms.ID) []oms.Event
}

// MemoryHarness is the Harness of fulfillment.MemoryStore.
type MemoryHarness struct{}

// MakeStore implements Harness.
func (MemoryHarness) MakeStore(t *testing.T) fulfillment.Store {
	return fulfillment.NewMemoryStore(nil)
}

// Events implements Harness; s must be a *fulfillment.MemoryStore or
// offer its outbox through an Outbox method.
func (MemoryHarness) Events(t *testing.T, s fulfillment.Store, aggregate oms.ID) []oms.Event {
	o, ok := s.(interface{ Outbox() *oms.MemoryOutbox })
	if !ok {
		t.Fatalf("fulfillmenttest: %T does not hand back its events", s)
	}
	return o.Outbox().Events(aggregate)
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fo(id, orderID oms.ID, v int64) *fulfillment.FulfillmentOrder {
	return &fulfillment.FulfillmentOrder{ID: id, OrderID: orderID, Location: "loc", Status: fulfillment.StatusOpen, Version: v,
		Lines: []fulfillment.Line{{LineID: "l1", SKU: "SKU-1", Quantity: 2, Reservation: "r1"}}, CreatedAt: t0, UpdatedAt: t0}
}

func sh(id, orderID oms.ID, v int64, numbers ...string) *fulfillment.Shipment {
	s := &fulfillment.Shipment{ID: id, OrderID: orderID, FulfillmentOrder: "fo", Location: "loc", Carrier: "ups", Status: fulfillment.ShipmentPending,
		Version: v, CreatedAt: t0, UpdatedAt: t0}
	for i, n := range numbers {
		s.Packages = append(s.Packages, fulfillment.Package{Index: i, TrackingNumber: n, Status: fulfillment.PackageLabelled,
			Items: []fulfillment.PackageItem{{LineID: "l1", SKU: "SKU-1", Quantity: 1}}})
	}
	return s
}

func ev(t *testing.T, typ string, id oms.ID, v int64) oms.Event {
	e, err := oms.NewEvent(typ, fulfillment.KindFulfillmentOrder, id, v, t0, map[string]int{"v": int(v)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func eventTypes(es []oms.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: err = %v, want an error matching %v", what, err, kind)
	}
}

// TestStore runs the conformance suite.
func TestStore(t *testing.T, h Harness) {
	ctx := context.Background()
	t.Run("CreateGetCopies", func(t *testing.T) {
		s := h.MakeStore(t)
		f := fo("fo1", "o1", 1)
		if err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{f}, Events: []oms.Event{ev(t, "created", "fo1", 1)}}); err != nil {
			t.Fatal(err)
		}
		f.Lines[0].Quantity = 99
		got, err := s.FulfillmentOrder(ctx, "fo1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Lines[0].Quantity != 2 || got.Version != 1 {
			t.Errorf("stored order changed through the caller's value: %+v", got.Lines)
		}
		got.Lines[0].Quantity = 77
		again, _ := s.FulfillmentOrder(ctx, "fo1")
		if again.Lines[0].Quantity != 2 {
			t.Errorf("stored order changed through a returned value")
		}
		if es := h.Events(t, s, "fo1"); len(es) != 1 || es[0].Type != "created" {
			t.Errorf("events after a create: %v, want [created]", eventTypes(es))
		}
		_, err = s.FulfillmentOrder(ctx, "nope")
		wantErr(t, "unknown fulfillment order", err, oms.ErrNotFound)
		_, err = s.Shipment(ctx, "nope")
		wantErr(t, "unknown shipment", err, oms.ErrNotFound)
		_, err = s.Allocation(ctx, "nope")
		wantErr(t, "unknown allocation", err, oms.ErrNotFound)
	})
	t.Run("DuplicateCreateChangesNothing", func(t *testing.T) {
		s := h.MakeStore(t)
		if err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)}}); err != nil {
			t.Fatal(err)
		}
		err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)}, Events: []oms.Event{ev(t, "again", "fo1", 1)}})
		wantErr(t, "creating an existing fulfillment order", err, oms.ErrDuplicate)
		if es := h.Events(t, s, "fo1"); len(es) != 0 {
			t.Errorf("a refused write saved events: %v", eventTypes(es))
		}
	})
	t.Run("VersionChecks", func(t *testing.T) {
		s := h.MakeStore(t)
		if err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)}}); err != nil {
			t.Fatal(err)
		}
		next := fo("fo1", "o1", 2)
		next.Status = fulfillment.StatusInProgress
		if err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{next}}); err != nil {
			t.Fatal(err)
		}
		stale := fo("fo1", "o1", 2)
		stale.Status = fulfillment.StatusCancelled
		err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{stale}, Events: []oms.Event{ev(t, "stale", "fo1", 2)}})
		wantErr(t, "a stale version", err, oms.ErrConflict)
		got, _ := s.FulfillmentOrder(ctx, "fo1")
		if got.Status != fulfillment.StatusInProgress || got.Version != 2 {
			t.Errorf("a refused update changed the order: %s v%d", got.Status, got.Version)
		}
		err = s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("ghost", "o1", 5)}})
		wantErr(t, "updating a missing order", err, oms.ErrNotFound)
		err = s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("", "o1", 1)}})
		wantErr(t, "an empty ID", err, oms.ErrValidation)
		err = s.Save(ctx, &fulfillment.Change{Shipments: []*fulfillment.Shipment{sh("s0", "o1", 0)}})
		wantErr(t, "version 0", err, oms.ErrValidation)
		if es := h.Events(t, s, "fo1"); len(es) != 0 {
			t.Errorf("refused writes saved events: %v", eventTypes(es))
		}
	})
	t.Run("NilChangeOrAggregateIsRefused", func(t *testing.T) {
		// A nil change, or a nil aggregate in one, is a validation error
		// (no panic), and nothing of that change is saved.
		s := h.MakeStore(t)
		save := func(what string, c *fulfillment.Change) {
			t.Helper()
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: Save panicked: %v", what, r)
				}
			}()
			wantErr(t, what, s.Save(ctx, c), oms.ErrValidation)
		}
		save("a nil change", nil)
		save("a nil fulfillment order", &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1), nil},
			Events: []oms.Event{ev(t, "created", "fo1", 1)}})
		save("a nil shipment", &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)},
			Shipments: []*fulfillment.Shipment{nil}, Events: []oms.Event{ev(t, "created", "fo1", 1)}})
		save("a nil allocation", &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)},
			Allocations: []*fulfillment.Allocation{nil}, Events: []oms.Event{ev(t, "created", "fo1", 1)}})
		if _, err := s.FulfillmentOrder(ctx, "fo1"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("part of a refused change was saved: fo1: %v", err)
		}
		if es := h.Events(t, s, "fo1"); len(es) != 0 {
			t.Errorf("a refused change saved events: %v", eventTypes(es))
		}
	})
	t.Run("ChangeIsAtomic", func(t *testing.T) {
		s := h.MakeStore(t)
		if err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)}}); err != nil {
			t.Fatal(err)
		}
		err := s.Save(ctx, &fulfillment.Change{
			FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo2", "o1", 1), fo("fo1", "o1", 1)},
			Shipments:         []*fulfillment.Shipment{sh("s1", "o1", 1, "1Z1")},
			Events:            []oms.Event{ev(t, "created", "fo2", 1)},
		})
		wantErr(t, "a change with one duplicate", err, oms.ErrDuplicate)
		if _, err := s.FulfillmentOrder(ctx, "fo2"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("part of a failed change was saved: fo2: %v", err)
		}
		if _, err := s.Shipment(ctx, "s1"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("part of a failed change was saved: s1: %v", err)
		}
		if _, err := s.ShipmentByTracking(ctx, "ups", "1Z1"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("a failed change indexed its tracking number")
		}
		if es := h.Events(t, s, "fo2"); len(es) != 0 {
			t.Errorf("a failed change saved events: %v", eventTypes(es))
		}
	})
	t.Run("ListsAndTracking", func(t *testing.T) {
		s := h.MakeStore(t)
		a, b := fo("fo-b", "o1", 1), fo("fo-a", "o1", 1)
		b.CreatedAt = t0.Add(time.Second)
		if err := s.Save(ctx, &fulfillment.Change{
			FulfillmentOrders: []*fulfillment.FulfillmentOrder{b, a, fo("fo-x", "o2", 1)},
			Shipments:         []*fulfillment.Shipment{sh("s1", "o1", 1, "1z 999"), sh("s2", "o2", 1, "ABC")},
			Allocations:       []*fulfillment.Allocation{{ID: "a1", OrderID: "o1", Status: fulfillment.AllocationPlanned, Version: 1}},
			Orphans:           []fulfillment.Orphan{{Carrier: "ups", TrackingNumber: "NONE", Status: "delivered", At: t0}},
		}); err != nil {
			t.Fatal(err)
		}
		fos, err := s.FulfillmentOrders(ctx, "o1")
		if err != nil {
			t.Fatal(err)
		}
		if len(fos) != 2 || fos[0].ID != "fo-b" || fos[1].ID != "fo-a" {
			t.Errorf("FulfillmentOrders(o1) = %v, want [fo-b fo-a] (creation order)", ids(fos))
		}
		if shs, _ := s.Shipments(ctx, "o2"); len(shs) != 1 || shs[0].ID != "s2" {
			t.Errorf("Shipments(o2) = %d shipments", len(shs))
		}
		got, err := s.ShipmentByTracking(ctx, "UPS", "1Z999")
		if err != nil || got.ID != "s1" {
			t.Errorf("ShipmentByTracking normalized: %v, %v", got, err)
		}
		if _, err := s.ShipmentByTracking(ctx, "fedex", "ABC"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("a number found under another carrier: %v", err)
		}
		err = s.Save(ctx, &fulfillment.Change{Shipments: []*fulfillment.Shipment{sh("s3", "o3", 1, "ABC")}})
		wantErr(t, "a tracking number of another shipment", err, oms.ErrDuplicate)
		if os, _ := s.Orphans(ctx); len(os) != 1 || os[0].TrackingNumber != "NONE" {
			t.Errorf("orphans: %+v", os)
		}
		if a, err := s.Allocation(ctx, "a1"); err != nil || a.OrderID != "o1" {
			t.Errorf("allocation: %+v %v", a, err)
		}
	})
	t.Run("OrphansDeliveredAgainAreRecordedOnce", func(t *testing.T) {
		s := h.MakeStore(t)
		o := func(number, event string) fulfillment.Orphan {
			return fulfillment.Orphan{Carrier: "ups", TrackingNumber: number, Status: "delivered", EventID: event, At: t0}
		}
		for _, c := range [][]fulfillment.Orphan{
			{o("N1", "ev1"), o("N1", "ev1")}, // the same news twice in one change
			{o("N1", "ev1")},                 // and again later
			{o("N1", "ev2"), o("N2", "ev1")}, // other news of the number, the same event ID for another number
			{o("N1", ""), o("N1", "")},       // news without an event ID is kept as it comes
		} {
			if err := s.Save(ctx, &fulfillment.Change{Orphans: c}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Orphans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, x := range got {
			keys = append(keys, x.TrackingNumber+"/"+x.EventID)
		}
		if want := []string{"N1/ev1", "N1/ev2", "N2/ev1", "N1/", "N1/"}; !slices.Equal(keys, want) {
			t.Errorf("orphans = %v, want %v", keys, want)
		}
	})
	t.Run("EveryWriteSavesItsEvents", func(t *testing.T) {
		s := h.MakeStore(t)
		a := &fulfillment.Allocation{ID: "a1", OrderID: "o1", Status: fulfillment.AllocationPlanned, Version: 1}
		if err := s.Save(ctx, &fulfillment.Change{Allocations: []*fulfillment.Allocation{a}, Shipments: []*fulfillment.Shipment{sh("s1", "o1", 1, "T1")},
			Events: []oms.Event{ev(t, "alloc.created", "a1", 1), ev(t, "ship.created", "s1", 1)}}); err != nil {
			t.Fatal(err)
		}
		a2 := *a
		a2.Version, a2.Status = 2, fulfillment.AllocationDone
		s2 := sh("s1", "o1", 2, "T1")
		s2.Status = fulfillment.ShipmentShipped
		if err := s.Save(ctx, &fulfillment.Change{Allocations: []*fulfillment.Allocation{&a2}, Shipments: []*fulfillment.Shipment{s2},
			Events: []oms.Event{ev(t, "alloc.done", "a1", 2), ev(t, "ship.shipped", "s1", 2)}}); err != nil {
			t.Fatal(err)
		}
		if got := eventTypes(h.Events(t, s, "a1")); len(got) != 2 || got[0] != "alloc.created" || got[1] != "alloc.done" {
			t.Errorf("allocation events after create and update: %v", got)
		}
		if got := eventTypes(h.Events(t, s, "s1")); len(got) != 2 || got[0] != "ship.created" || got[1] != "ship.shipped" {
			t.Errorf("shipment events after create and update: %v", got)
		}
		if got, _ := s.Shipment(ctx, "s1"); got.Status != fulfillment.ShipmentShipped || got.Version != 2 {
			t.Errorf("updated shipment: %s v%d", got.Status, got.Version)
		}
		if got, _ := s.Allocation(ctx, "a1"); got.Status != fulfillment.AllocationDone {
			t.Errorf("updated allocation: %s", got.Status)
		}
		stale := sh("s1", "o1", 2, "T1")
		err := s.Save(ctx, &fulfillment.Change{Shipments: []*fulfillment.Shipment{stale}, Events: []oms.Event{ev(t, "ship.stale", "s1", 2)}})
		wantErr(t, "a stale shipment", err, oms.ErrConflict)
		if got := eventTypes(h.Events(t, s, "s1")); len(got) != 2 {
			t.Errorf("a refused shipment write saved events: %v", got)
		}
	})
	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := h.MakeStore(t)
		if err := s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo("fo1", "o1", 1)}}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		start := make(chan struct{})
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				<-start
				for i := 0; i < 20; i++ {
					cur, err := s.FulfillmentOrder(ctx, "fo1")
					if err != nil {
						t.Error(err)
						return
					}
					cur.Version++
					cur.Lines[0].Picked++
					err = s.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{cur},
						Events: []oms.Event{ev(t, fmt.Sprintf("g%d", g), "fo1", cur.Version)}})
					if err == nil {
						mu.Lock()
						wins++
						mu.Unlock()
					} else if !errors.Is(err, oms.ErrConflict) {
						t.Error(err)
					}
				}
			}(g)
		}
		close(start)
		wg.Wait()
		got, _ := s.FulfillmentOrder(ctx, "fo1")
		if got.Version != int64(wins)+1 || got.Lines[0].Picked != int64(wins) {
			t.Errorf("after %d successful updates: version %d, picked %d (lost updates)", wins, got.Version, got.Lines[0].Picked)
		}
		if es := h.Events(t, s, "fo1"); len(es) != wins {
			t.Errorf("%d events for %d successful updates", len(es), wins)
		}
	})
}

func ids(fos []*fulfillment.FulfillmentOrder) []oms.ID {
	var out []oms.ID
	for _, f := range fos {
		out = append(out, f.ID)
	}
	return out
}
