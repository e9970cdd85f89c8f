package fulfillment_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
)

// beforeShrinkFul runs hook once, before the first write that takes units
// off a fulfillment order (a change carrying EventLinesCancelled).
type beforeShrinkFul struct {
	fulfillment.Store
	once sync.Once
	hook func()
}

func (s *beforeShrinkFul) Save(ctx context.Context, c *fulfillment.Change) error {
	for _, ev := range c.Events {
		if ev.Type == fulfillment.EventLinesCancelled {
			s.once.Do(s.hook)
			break
		}
	}
	return s.Store.Save(ctx, c)
}

// TestUnitsCancelledOnTheOrderLeaveOnceWhenTwoProcessesShrink: two
// services over the same stores (two processes) both see the units
// cancelled on the order; the second shrinks the fulfillment order while
// the first is about to. The units leave once: the fulfillment order
// keeps what the order still wants and only the cancelled units' stock is
// released.
func TestUnitsCancelledOnTheOrderLeaveOnceWhenTwoProcessesShrink(t *testing.T) {
	var other *fulfillment.Service
	var e *env
	var o *order.Order
	wrapped := &beforeShrinkFul{}
	e = newEnv(t, &envConfig{
		opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
		wrap: func(s fulfillment.Store) fulfillment.Store { wrapped.Store = s; return wrapped },
	})
	var err error
	if other, err = fulfillment.NewService(wrapped.Store, e.orders, e.inv, e.track, &fulfillment.ServiceOptions{Clock: e.clock, Picking: fulfillment.PickManual, Carriers: nil}); err != nil {
		t.Fatal(err)
	}
	wrapped.hook = func() {
		if _, err := other.Process(e.ctx, o.ID); err != nil {
			t.Errorf("the other process: %v", err)
		}
	}
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	o = e.place(nil, small("MUG", 5))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 2)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatalf("Process: %v", err)
	}
	f, err := e.svc.FulfillmentOrder(e.ctx, fos[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Units() != 3 {
		t.Errorf("fulfillment order holds %d units, want 3 (5 less the 2 cancelled): %+v", f.Units(), f.Lines)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 3 {
		t.Errorf("reserved %d, want 3", lv.Reserved)
	}
	if diff := cmp.Diff(map[oms.ID]int64{fos[0].ID: 2}, e.linesCancelled()); diff != "" {
		t.Errorf("lines cancelled events -want +got:\n%s", diff)
	}
	e.reconcile()
}

// TestUnitsCancelledOnTheOrderAfterAShortPickReleaseTheShortUnits: a pick
// confirmed short whose short units were not released yet (the release
// crashed), then units cancelled on the order (up to every MUG; the TEE
// keeps the order alive): Process takes the cancelled units off, still
// releases the short ones and re-allocates what the order wants, so the
// order ships its active units once and nothing stays reserved.
func TestUnitsCancelledOnTheOrderAfterAShortPickReleaseTheShortUnits(t *testing.T) {
	for _, cancel := range []int64{2, 3, 5} {
		var n, k atomic.Int64
		k.Store(1 << 40)
		e := newEnv(t, &envConfig{
			opts:    fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
			wrapInv: func(s inventory.Store) inventory.Store { return &crashInv{Store: s, n: &n, k: &k} },
		})
		e.location("east", 1, nil)
		e.location("west", 2, nil)
		e.location("north", 3, nil)
		e.item("MUG", inventory.BackorderDeny)
		e.item("TEE", inventory.BackorderDeny)
		e.stock("MUG", "east", 5)
		e.stock("MUG", "west", 5)
		e.stock("TEE", "north", 1)
		o := e.place(nil, small("MUG", 5), small("TEE", 1))
		fos, err := e.svc.Allocate(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fos) != 2 || fos[0].Location != "east" {
			t.Fatalf("fulfillment orders %+v, want east's and north's", fos)
		}
		if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{fos[0].ID}); err != nil {
			t.Fatal(err)
		}
		n.Store(0)
		k.Store(1) // the release of the short units
		if _, err := e.svc.ConfirmPicks(e.ctx, fos[0].ID, []fulfillment.Picked{{LineID: o.Lines[0].ID, Quantity: 2}}); !errors.Is(err, errCrash) {
			t.Fatalf("cancel %d: ConfirmPicks: %v, want the crash", cancel, err)
		}
		k.Store(1 << 40)
		e.cancelOnOrder(o, cancel)
		for round := 0; round < 3; round++ {
			r, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatalf("cancel %d: Process: %v", cancel, err)
			}
			for _, f := range r.FulfillmentOrders {
				if f.Status == fulfillment.StatusInProgress && !slices.Contains(f.Steps, "picked") {
					if _, err := e.svc.ConfirmPicks(e.ctx, f.ID, nil); err != nil {
						t.Fatalf("cancel %d: ConfirmPicks at %s: %v", cancel, f.Location, err)
					}
				}
			}
		}
		r, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatalf("cancel %d: Process: %v", cancel, err)
		}
		var reserved int64
		for _, loc := range []oms.ID{"east", "west"} {
			reserved += e.level("MUG", loc).Reserved
		}
		reserved += e.level("TEE", "north").Reserved
		c := counters(e.order(o.ID))["MUG"]
		if active := 5 - cancel; reserved != 0 || c[2] != active || c[4] != active {
			t.Errorf("cancel %d: MUG reserved %d, order counters q/c/a/f/s/d %v; fulfillment orders:", cancel, reserved, c)
			for _, f := range r.FulfillmentOrders {
				t.Logf("  %s %s %+v steps %v", f.Location, f.Status, f.Lines, f.Steps)
			}
		}
		e.reconcile()
	}
}

// TestUnitsCancelledOnTheOrderLeaveASplitOffFulfillmentOrder: a
// fulfillment order split off the allocation's (it is not among the
// allocation's own) and not started gives the cancelled units back at
// the next Process, before the one being picked does; the stock of the
// cancelled units is released at once.
func TestUnitsCancelledOnTheOrderLeaveASplitOffFulfillmentOrder(t *testing.T) {
	for _, cancel := range []int64{2, 4} {
		e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
		e.location("east", 1, nil)
		e.item("MUG", inventory.BackorderDeny)
		e.stock("MUG", "east", 10)
		o := e.place(nil, small("MUG", 5))
		fos, err := e.svc.Allocate(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := fos[0]
		b, err := e.svc.Split(e.ctx, a.ID, []fulfillment.SplitLine{{LineID: a.Lines[0].LineID, Quantity: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{a.ID}); err != nil {
			t.Fatal(err)
		}
		e.cancelOnOrder(o, cancel)
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatalf("cancel %d: Process: %v", cancel, err)
		}
		got := map[string]int64{}
		for _, id := range []oms.ID{a.ID, b.ID} {
			f, err := e.svc.FulfillmentOrder(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got[string(f.Status)+" "+string(id)] = f.Units()
		}
		// b (open) gives up to its 2 units first, a (being picked) the rest.
		want := map[string]int64{"in_progress " + string(a.ID): 3 - max(cancel-2, 0), "cancelled " + string(b.ID): 0}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cancel %d: units per fulfillment order -want +got:\n%s", cancel, diff)
		}
		if lv := e.level("MUG", "east"); lv.Reserved != 5-cancel {
			t.Errorf("cancel %d: reserved %d, want %d", cancel, lv.Reserved, 5-cancel)
		}
		e.reconcile()
	}
}

// afterShipmentFul runs hook once, after the first write that creates a
// shipment.
type afterShipmentFul struct {
	fulfillment.Store
	once sync.Once
	hook func()
}

func (s *afterShipmentFul) Save(ctx context.Context, c *fulfillment.Change) error {
	if err := s.Store.Save(ctx, c); err != nil {
		return err
	}
	for _, sh := range c.Shipments {
		if sh.Version == 1 {
			s.once.Do(s.hook)
			break
		}
	}
	return nil
}

// TestUnitsCancelledOnTheOrderBeforeTwoPackedFulfillmentOrdersShipShipOnce:
// two packed fulfillment orders of one line (3 units each) and 3 units
// cancelled on the order before either shipment exists; each, counted
// alone, still fits the order's 3 packed units, so both shipments used to
// be created (the second while the first was buying its label) and the
// order then refused one of them for ever. Now Ship counts every
// fulfillment order of the order: one gives its units up, the other ships.
func TestUnitsCancelledOnTheOrderBeforeTwoPackedFulfillmentOrdersShipShipOnce(t *testing.T) {
	var other *fulfillment.Service
	var west oms.ID
	wrapped := &afterShipmentFul{}
	e := newEnv(t, &envConfig{
		opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
		wrap: func(s fulfillment.Store) fulfillment.Store { wrapped.Store = s; return wrapped },
	})
	var err error
	if other, err = fulfillment.NewService(wrapped.Store, e.orders, e.inv, e.track, &fulfillment.ServiceOptions{Clock: e.clock, Picking: fulfillment.PickManual, Carriers: []shipping.Carrier{e.carrier}}); err != nil {
		t.Fatal(err)
	}
	wrapped.hook = func() {
		// The other process ships the other fulfillment order meanwhile.
		_, err := other.Ship(e.ctx, west)
		t.Logf("the other process's Ship: %v", err)
	}
	o, fos := e.splitAcrossTwo(6)
	for _, fo := range fos {
		if _, err := e.svc.StartWave(e.ctx, fo.Location, []oms.ID{fo.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Pack(e.ctx, fo.ID); err != nil {
			t.Fatal(err)
		}
	}
	west = fos[1].ID
	e.cancelOnOrder(o, 3)
	_, err = e.svc.Ship(e.ctx, fos[0].ID)
	t.Logf("Ship: %v", err)
	for i := 0; i < 3; i++ {
		if _, err = e.svc.Process(e.ctx, o.ID); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {6, 3, 3, 3, 3, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	var reserved, onHand int64
	for _, loc := range []oms.ID{"east", "west"} {
		lv := e.level("MUG", loc)
		reserved, onHand = reserved+lv.Reserved, onHand+lv.OnHand
	}
	if reserved != 0 || onHand != 3 {
		t.Errorf("reserved %d, on hand %d; want 0 and 3", reserved, onHand)
	}
	e.reconcile()
}
