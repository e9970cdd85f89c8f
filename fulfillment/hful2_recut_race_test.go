package fulfillment_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// raceOnRead runs hook once, on the first read of fulfillment order id
// once armed, before the read.
type raceOnRead struct {
	fulfillment.Store
	mu   sync.Mutex
	id   oms.ID
	hook func()
}

func (s *raceOnRead) FulfillmentOrder(ctx context.Context, id oms.ID) (*fulfillment.FulfillmentOrder, error) {
	s.mu.Lock()
	var hook func()
	if id == s.id && s.hook != nil {
		hook, s.hook = s.hook, nil
	}
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.FulfillmentOrder(ctx, id)
}

// TestRecutDoesNotCancelAFulfillmentOrderAnotherServiceIsRecordingShipped:
// two locations ship one MUG each of a line of two; both shipments exist
// when one unit is cancelled on the order. Process re-cuts one of them
// while another Service ships it: that Service's Ship records the
// shipment on the order (and stops there, its stock commit failing). The
// re-cut used to cancel the fulfillment order all the same, its version
// unchanged by the record: the shipment could then never close
// ("cannot move from cancelled to closed") though its unit left. Now
// exactly one wins: the recorded shipment ships, the other one is given
// up.
func TestRecutDoesNotCancelAFulfillmentOrderAnotherServiceIsRecordingShipped(t *testing.T) {
	lc := &lostLabels{lose: true}
	rs := &raceOnRead{}
	e := newEnv(t, &envConfig{
		wrap:    func(s fulfillment.Store) fulfillment.Store { rs.Store = s; return rs },
		carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { lc.FakeCarrier = c; return lc },
	})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 1)
	e.stock("MUG", "west", 1)
	o := e.place(nil, small("MUG", 2))
	for i := 0; i < 2; i++ {
		if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
			t.Fatal("Process with the label answers lost: no error")
		}
	}
	fos, err := e.store.FulfillmentOrders(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(fos) != 2 || fos[0].Shipment == "" || fos[1].Shipment == "" {
		t.Fatalf("want two fulfillment orders with shipments, got %d", len(fos))
	}
	lc.mu.Lock()
	lc.lose = false
	lc.mu.Unlock()
	if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}, Reason: "customer"}); err != nil {
		t.Fatal(err)
	}
	// The re-cut takes the newest fulfillment order first.
	cand := slices.Clone(fos)
	slices.SortStableFunc(cand, func(a, b *fulfillment.FulfillmentOrder) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(string(b.ID), string(a.ID))
	})
	raced := cand[0]
	// A second Service whose stock commits fail: its Ship stops right
	// after the order recorded the shipment.
	failing := &faults{every: 1, on: true}
	inv2 := inventory.NewService(faultyInventory{e.inv.Store(), failing}, &inventory.ServiceOptions{Clock: e.clock})
	svc2, err := fulfillment.NewService(e.store, e.orders, inv2, e.track, &fulfillment.ServiceOptions{Clock: e.clock, Carriers: []shipping.Carrier{lc}})
	if err != nil {
		t.Fatal(err)
	}
	rs.mu.Lock()
	rs.id = raced.ID
	rs.hook = func() {
		if _, err := svc2.Ship(e.ctx, raced.ID); err == nil {
			t.Error("Ship with stock commits failing: no error")
		}
	}
	rs.mu.Unlock()
	_, perr := e.svc.Process(e.ctx, o.ID)
	if perr != nil {
		t.Logf("Process: %v", perr)
	}
	if _, err := e.svc.Ship(e.ctx, raced.ID); err != nil {
		t.Fatalf("Ship of the fulfillment order whose shipment the order recorded: %v", err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {2, 1, 1, 1, 1, 0}}, counters(got)); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	var onHand, reserved int64
	for _, loc := range []oms.ID{"east", "west"} {
		lv := e.level("MUG", loc)
		onHand += lv.OnHand
		reserved += lv.Reserved
	}
	if onHand != 1 || reserved != 0 {
		t.Errorf("MUG: on hand %d reserved %d, want 1 and 0", onHand, reserved)
	}
	if n := e.liveLabels(); n != 1 {
		t.Errorf("%d labels live, want the 1 of the shipment that left", n)
	}
	e.reconcile()
}
