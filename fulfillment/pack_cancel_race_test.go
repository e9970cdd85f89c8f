package fulfillment_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// beforeFulfilled runs hook once, just before the next order write that
// counts units fulfilled (a packing recorded on the order).
type beforeFulfilled struct {
	order.Store
	armed atomic.Bool
	hook  func()
}

func (s *beforeFulfilled) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	for _, ev := range events {
		if ev.Type == order.EventFulfilled && s.armed.CompareAndSwap(true, false) {
			s.hook()
			break
		}
	}
	return s.Store.Update(ctx, o, expected, events)
}

// TestCancelWhilePackRecordsDoesNotLeaveUnitsCountedFulfilled: Pack
// checked a picked fulfillment order and, before it counted the packing
// on the order, the fulfillment order was cancelled (its unit cancelled on
// the order as not packed). Pack's count then landed: the order counted
// fulfilled a unit nobody held, so the next Process took a unit the
// customer still wanted off the other fulfillment order and the order
// never completed. (Found by a stress test of concurrent commands.)
func TestCancelWhilePackRecordsDoesNotLeaveUnitsCountedFulfilled(t *testing.T) {
	var bs *beforeFulfilled
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual},
		wrapOrd: func(s order.Store) order.Store { bs = &beforeFulfilled{Store: s}; return bs }})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	o := e.place(nil, small("MUG", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := fos[0].ID
	b, err := e.svc.Split(e.ctx, a, []fulfillment.SplitLine{{LineID: o.Lines[0].ID, Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{b.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, b.ID, nil); err != nil {
		t.Fatal(err)
	}
	bs.hook = func() {
		if _, err := e.svc.Cancel(e.ctx, b.ID, "dropped"); err != nil {
			t.Errorf("Cancel during Pack: %v", err)
		}
	}
	bs.armed.Store(true)
	_, _ = e.svc.Pack(e.ctx, b.ID) // refused or not: the fulfillment order is cancelled
	if fo, _ := e.svc.FulfillmentOrder(e.ctx, b.ID); fo.Status != fulfillment.StatusCancelled {
		t.Fatalf("split-off fulfillment order %s, want cancelled", fo.Status)
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{a}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	for _, sh := range res.Shipments {
		for _, p := range sh.Packages {
			e.trackingStatus(p.TrackingNumber, tracking.StatusDelivered, "")
		}
	}
	if got := e.order(o.ID); got.Status != order.StatusCompleted {
		t.Errorf("order %s after every shipment was delivered, want completed (%v)", got.Status, counters(got))
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 8 || lv.Reserved != 0 {
		t.Errorf("MUG: %+v, want 2 shipped and nothing reserved", lv)
	}
	e.reconcile()
}
