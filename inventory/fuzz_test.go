package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// FuzzReserve feeds arbitrary requests to Reserve: it must never panic,
// must fail only with the documented kinds, and must leave the store
// consistent and unoversold either way.
func FuzzReserve(f *testing.F) {
	f.Add("A", "wh", int64(1), "B", "wh", int64(2), int64(0), "id-1")
	f.Add("A", "wh", int64(11), "A", "wh", int64(1), int64(60), "id-2")
	f.Add("", "", int64(-5), "C", "mars", int64(0), int64(-1), "")
	f.Add("B", "wh", int64(1<<62), "A", "wh", int64(10), int64(1<<40), "id with space")
	f.Add("A", "wh", int64(3), "say \"hi\" <b>&\u2028\xff", "wh", int64(1), int64(90), `q"<&>\`)
	f.Fuzz(func(t *testing.T, sku1, loc1 string, q1 int64, sku2, loc2 string, q2, holdSeconds int64, id string) {
		ctx := context.Background()
		e := inventorytest.NewEnv(inventory.NewMemoryStore(nil))
		inventorytest.Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A", "B"}, 10)
		req := inventory.ReserveRequest{ID: oms.ID(id), Reference: sku2, HoldFor: time.Duration(holdSeconds) * time.Second, Lines: []inventory.Line{
			{SKU: oms.SKU(sku1), Location: oms.ID(loc1), Quantity: q1},
			{SKU: oms.SKU(sku2), Location: oms.ID(loc2), Quantity: q2},
		}}
		r, err := e.Service.Reserve(ctx, req)
		if err != nil && !errors.Is(err, oms.ErrValidation) && !errors.Is(err, oms.ErrNotFound) && !errors.Is(err, oms.ErrInsufficientStock) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		// The reserved event's payload is what encoding/json makes of it.
		var evs []oms.Event
		for _, ev := range e.Store.(*inventory.MemoryStore).Outbox().Events("") {
			if ev.AggregateKind == "reservation" {
				evs = append(evs, ev)
			}
		}
		if err != nil {
			if len(evs) != 0 {
				t.Fatalf("a refused reserve appended %d events: %v", len(evs), err)
			}
		} else {
			want, merr := json.Marshal(inventory.ReservationPayload{ReservationID: r.ID, Reference: r.Reference, Status: inventory.StatusActive,
				Lines: req.Lines, ExpiresAt: r.ExpiresAt})
			if merr != nil {
				t.Fatal(merr)
			}
			if len(evs) != 1 || evs[0].Type != inventory.EventReserved || string(evs[0].Payload) != string(want) {
				t.Fatalf("events %+v, want one %s with payload %s", evs, inventory.EventReserved, want)
			}
		}
		snap, serr := e.Store.Snapshot(ctx)
		if serr != nil {
			t.Fatal(serr)
		}
		var reserved int64
		for _, l := range snap.Levels {
			if l.Reserved < 0 || l.Reserved > l.OnHand {
				t.Fatalf("level %+v after %v", l, err)
			}
			reserved += l.Reserved
		}
		if err != nil && reserved != 0 {
			t.Fatalf("a refused reserve held %d units: %v", reserved, err)
		}
		if rep := inventory.Reconcile(snap); !rep.Clean() {
			t.Fatalf("reconcile: %+v", rep.Mismatches)
		}
	})
}
