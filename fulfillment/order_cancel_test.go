package fulfillment_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// crashFul fails the k-th write counted with crashInv and crashOrd.
type crashFul struct {
	fulfillment.Store
	n, k  *atomic.Int64
	after bool
}

func (s *crashFul) Save(ctx context.Context, c *fulfillment.Change) error {
	return crashWrite(s.n, s.k, s.after, func() error { return s.Store.Save(ctx, c) })
}

// cancelOnOrder cancels qty units of o's first line with
// order.Service.CancelLines, as a host does when a customer takes units
// off (not through fulfillment).
func (e *env) cancelOnOrder(o *order.Order, qty int64) {
	e.t.Helper()
	if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{
		Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: qty}}, Reason: "customer"}); err != nil {
		e.t.Fatal(err)
	}
}

// linesCancelled returns the units of every EventLinesCancelled in the
// outbox, per fulfillment order.
func (e *env) linesCancelled() map[oms.ID]int64 {
	e.t.Helper()
	out := map[oms.ID]int64{}
	evs, err := e.outbox.Pending(e.ctx, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type != fulfillment.EventLinesCancelled {
			continue
		}
		var p fulfillment.LinesCancelledPayload
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			e.t.Fatal(err)
		}
		for _, l := range p.Lines {
			out[ev.AggregateID] += l.Quantity
		}
	}
	return out
}

// TestUnitsCancelledOnTheOrderAfterAllocationAreNotShipped: a host that
// cancels allocated units on the order (order.Service.CancelLines) before
// Process packs them used to leave Process refused for ever ("fulfilled 5
// more ... would pass allocated 3") with the cancelled units still
// reserved. Now the fulfillment order gives them back and ships the rest.
func TestUnitsCancelledOnTheOrderAfterAllocationAreNotShipped(t *testing.T) {
	e := newEnv(t, nil)
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	o := e.place(nil, small("MUG", 5))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 2)
	if lv := e.level("MUG", "east"); lv.Reserved != 5 {
		t.Fatalf("before Process: reserved %d, want 5 (the order alone moved)", lv.Reserved)
	}
	r, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	if len(r.FulfillmentOrders) != 1 || r.FulfillmentOrders[0].Status != fulfillment.StatusClosed || r.FulfillmentOrders[0].Lines[0].Quantity != 3 {
		t.Fatalf("fulfillment orders: %+v", r.FulfillmentOrders)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {5, 2, 3, 3, 3, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(inventory.Level{SKU: "MUG", Location: "east", OnHand: 7}, e.level("MUG", "east"), cmpLevel); diff != "" {
		t.Errorf("level -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[oms.ID]int64{fos[0].ID: 2}, e.linesCancelled()); diff != "" {
		t.Errorf("lines cancelled events -want +got:\n%s", diff)
	}
	// Again: nothing moves.
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 7 || lv.Reserved != 0 {
		t.Fatalf("after a second Process: %+v", lv)
	}
	if diff := cmp.Diff(map[oms.ID]int64{fos[0].ID: 2}, e.linesCancelled()); diff != "" {
		t.Errorf("a second Process cancelled again -want +got:\n%s", diff)
	}
	e.reconcile()
}

var cmpLevel = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Seq" }, cmp.Ignore())

// TestEveryUnitCancelledOnTheOrderCancelsTheFulfillmentOrder: all of an
// allocated line cancelled on the order cancels its fulfillment order,
// releases the stock and buys no label.
func TestEveryUnitCancelledOnTheOrderCancelsTheFulfillmentOrder(t *testing.T) {
	e := newEnv(t, nil)
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("TEE", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	e.stock("TEE", "east", 10)
	o := e.place(nil, small("MUG", 5))
	if _, err := e.svc.Allocate(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 5)
	r, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	if len(r.FulfillmentOrders) != 1 || r.FulfillmentOrders[0].Status != fulfillment.StatusCancelled || len(r.Shipments) != 0 {
		t.Fatalf("fulfillment orders %+v, shipments %+v", r.FulfillmentOrders, r.Shipments)
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 10 || lv.Reserved != 0 {
		t.Fatalf("level %+v", lv)
	}
	if n := e.carrier.Purchases(); n != 0 {
		t.Fatalf("%d labels bought", n)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {5, 5, 0, 0, 0, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	e.reconcile()
}

// splitAcrossTwo stocks 3 MUG at each of east and west, places an order
// of qty MUG and allocates it into two fulfillment orders.
func (e *env) splitAcrossTwo(qty int64) (*order.Order, []*fulfillment.FulfillmentOrder) {
	e.t.Helper()
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 3)
	e.stock("MUG", "west", 3)
	o := e.place(nil, small("MUG", qty))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(fos) != 2 {
		e.t.Fatalf("%d fulfillment orders, want 2", len(fos))
	}
	return o, fos
}

// TestUnitsCancelledOnTheOrderLeaveTheLeastAdvancedFulfillmentOrder: of
// two fulfillment orders, the one not started gives the units back first;
// the one being picked keeps its units.
func TestUnitsCancelledOnTheOrderLeaveTheLeastAdvancedFulfillmentOrder(t *testing.T) {
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
	o, fos := e.splitAcrossTwo(5)
	started := fos[0]
	if _, err := e.svc.StartWave(e.ctx, started.Location, []oms.ID{started.ID}); err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 2)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatalf("Process: %v", err)
	}
	got := map[oms.ID]int64{}
	for _, fo := range fos {
		f, err := e.svc.FulfillmentOrder(e.ctx, fo.ID)
		if err != nil {
			t.Fatal(err)
		}
		got[f.Location] = f.Units()
	}
	want := map[oms.ID]int64{started.Location: started.Units(), fos[1].Location: fos[1].Units() - 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("units per location -want +got:\n%s", diff)
	}
	var reserved int64
	for _, loc := range []oms.ID{"east", "west"} {
		reserved += e.level("MUG", loc).Reserved
	}
	if reserved != 3 {
		t.Fatalf("reserved %d, want 3", reserved)
	}
	e.reconcile()
}

// TestUnitsCancelledOnTheOrderAreReleasedOnceAcrossCrashes: every write of
// the Process that takes cancelled units off fails in turn, before or
// after taking effect; re-running Process releases them once and ships
// the rest once.
func TestUnitsCancelledOnTheOrderAreReleasedOnceAcrossCrashes(t *testing.T) {
	for k := int64(1); k <= 30; k++ {
		for _, after := range []bool{false, true} {
			var n, kk atomic.Int64
			kk.Store(1 << 40) // armed after setup
			e := newEnv(t, &envConfig{
				wrap:    func(s fulfillment.Store) fulfillment.Store { return &crashFul{Store: s, n: &n, k: &kk, after: after} },
				wrapInv: func(s inventory.Store) inventory.Store { return &crashInv{Store: s, n: &n, k: &kk, after: after} },
				wrapOrd: func(s order.Store) order.Store { return &crashOrd{Store: s, n: &n, k: &kk, after: after} },
			})
			e.location("east", 1, nil)
			e.item("MUG", inventory.BackorderDeny)
			e.stock("MUG", "east", 10)
			o := e.place(nil, small("MUG", 5))
			if _, err := e.svc.Allocate(e.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			e.cancelOnOrder(o, 2)
			n.Store(0)
			kk.Store(k)
			var err error
			for i := 0; i < 5; i++ {
				if _, err = e.svc.Process(e.ctx, o.ID); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("k=%d after=%v: %v", k, after, err)
			}
			if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {5, 2, 3, 3, 3, 0}}, counters(e.order(o.ID))); diff != "" {
				t.Fatalf("k=%d after=%v: order counters -want +got:\n%s", k, after, diff)
			}
			if lv := e.level("MUG", "east"); lv.OnHand != 7 || lv.Reserved != 0 {
				t.Fatalf("k=%d after=%v: level %+v", k, after, lv)
			}
			e.reconcile()
		}
	}
}

// hookFul and hookOrd run hook before the k-th write of either store
// (counted together).
type hookFul struct {
	fulfillment.Store
	n, k *atomic.Int64
	hook func()
}

func (s *hookFul) Save(ctx context.Context, c *fulfillment.Change) error {
	if s.n.Add(1) == s.k.Load() && len(c.Shipments) == 0 {
		// (Not just before the write that creates the shipment: Ship
		// checks the order last before that write, and a cancel landing
		// in between is refused by the order when the shipment is
		// recorded; see the package doc.)
		s.hook()
	}
	return s.Store.Save(ctx, c)
}

type hookOrd struct {
	order.Store
	n, k *atomic.Int64
	hook func()
}

func (s *hookOrd) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	if s.n.Add(1) == s.k.Load() {
		s.hook()
	}
	return s.Store.Update(ctx, o, expected, events)
}

// TestUnitsCancelledOnTheOrderDuringProcessAreNotShipped: the host
// cancels units on the order in the middle of Process, before each of its
// writes in turn (order and fulfillment stores) up to the one creating the
// shipment; Process (run again when the order refused a count) ships the
// units left, and nothing stays reserved.
func TestUnitsCancelledOnTheOrderDuringProcessAreNotShipped(t *testing.T) {
	landings := 0
	for k := int64(1); k <= 30; k++ {
		var n, kk atomic.Int64
		kk.Store(1 << 40)
		var e *env
		var o *order.Order
		landed := false
		hook := func() {
			if shs, err := e.store.Shipments(e.ctx, o.ID); err != nil || len(shs) > 0 || e.carrier.Purchases() > 0 {
				return // a label is bought: too late for the host's cancel
			}
			landed = true
			kk.Store(1 << 40)
			if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{
				Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}, Reason: "customer"}); err != nil {
				t.Errorf("k=%d: CancelLines: %v", k, err)
			}
		}
		e = newEnv(t, &envConfig{
			wrap:    func(s fulfillment.Store) fulfillment.Store { return &hookFul{Store: s, n: &n, k: &kk, hook: hook} },
			wrapOrd: func(s order.Store) order.Store { return &hookOrd{Store: s, n: &n, k: &kk, hook: hook} },
		})
		e.location("east", 1, nil)
		e.item("MUG", inventory.BackorderDeny)
		e.stock("MUG", "east", 10)
		o = e.place(nil, small("MUG", 5))
		n.Store(0)
		kk.Store(k)
		var err error
		for i := 0; i < 3; i++ {
			if _, err = e.svc.Process(e.ctx, o.ID); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("k=%d (cancel landed %v): %v", k, landed, err)
		}
		want := [6]int64{5, 0, 5, 5, 5, 0}
		if landed {
			want = [6]int64{5, 2, 3, 3, 3, 0}
		}
		if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": want}, counters(e.order(o.ID))); diff != "" {
			t.Fatalf("k=%d (cancel landed %v): order counters -want +got:\n%s", k, landed, diff)
		}
		if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 10-want[4] {
			t.Fatalf("k=%d (cancel landed %v): level %+v", k, landed, lv)
		}
		e.reconcile()
		if landed {
			landings++
		}
	}
	t.Logf("the cancel landed before %d of Process's writes", landings)
	if landings < 5 {
		t.Fatalf("the cancel landed before %d writes only", landings)
	}
}

// TestTrackingNewsForAnUnknownNumberDeliveredAgainIsRecordedOnce: the
// relay delivers events at least once; ApplyTracking of the same event
// for a number no shipment has recorded one orphan per delivery, where
// repeated news should change nothing.
func TestTrackingNewsForAnUnknownNumberDeliveredAgainIsRecordedOnce(t *testing.T) {
	e := newEnv(t, nil)
	u := fulfillment.TrackingUpdate{Carrier: "ups", TrackingNumber: "1ZUNKNOWN", Status: "in_transit", EventID: "ev-1", At: t0}
	for i := 0; i < 3; i++ {
		if sh, err := e.svc.ApplyTracking(e.ctx, u); sh != nil || err != nil {
			t.Fatalf("ApplyTracking: %v, %v", sh, err)
		}
	}
	os, err := e.store.Orphans(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(os) != 1 || os[0].EventID != "ev-1" {
		t.Fatalf("orphans: %+v, want the one news", os)
	}
}
