package returns_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
)

// flakyOrders is an order.Store whose next Update fails once (failOnce).
type flakyOrders struct {
	order.Store
	failOnce
}

func (s *flakyOrders) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	return s.write(func() error { return s.Store.Update(ctx, o, expected, events) })
}

// TestTrackedDeliveryRetriedAfterAFailedCounterMovesTheOrderOnce: a
// return parcel's delivered event receives the units on the return, then
// moving the order's returned counters fails (before or after the order's
// write). Applying the same event again must count the units on the
// order, once. It used to find nothing left to receive on the return and
// stop: the order never counted the returned units.
func TestTrackedDeliveryRetriedAfterAFailedCounterMovesTheOrderOnce(t *testing.T) {
	for _, afterWrite := range []bool{false, true} {
		s := newShop(t, nil)
		flaky := &flakyOrders{Store: s.orderDB}
		s.orders = order.NewService(flaky, &order.ServiceOptions{Clock: s.clock, Gateway: s.gw})
		pol := s.svc.Policy()
		svc, err := returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: s.carrier,
			ReturnAddress: warehouse, Tracking: s.tracking, Policy: &pol, Clock: s.clock})
		if err != nil {
			t.Fatal(err)
		}
		o := s.delivered("cart-track-fault")
		r := ok[*returns.Return](t)(svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit}}}))
		ok[*returns.Return](t)(svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		r = ok[*returns.Return](t)(svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
		ev := returns.TrackingUpdate{Key: "evt-delivered", TrackingNumber: r.Label.TrackingNumbers[0], Status: returns.CarrierDelivered}
		flaky.failNextUpdate(afterWrite)
		if _, err := svc.Track(s.ctx, ev); !errors.Is(err, errStoreDown) {
			t.Fatalf("after write %v: first delivery: %v, want the store's error", afterWrite, err)
		}
		r = ok[*returns.Return](t)(svc.Track(s.ctx, ev))
		if r.Status != returns.StatusReceived || r.Lines[0].Received != 2 {
			t.Fatalf("after write %v: return %s, %d received", afterWrite, r.Status, r.Lines[0].Received)
		}
		ok[*returns.Return](t)(svc.Track(s.ctx, ev)) // once more: a replay
		if got := s.order(o.ID).Lines[0].Returned; got != 2 {
			t.Errorf("after write %v: the order counts %d returned units, want 2", afterWrite, got)
		}
	}
}

// TestConcurrentDeliveredEventsReceiveOnce: a carrier reports a return
// parcel delivered several times at once (a webhook and a poll, events
// with different IDs). Every call succeeds and the units are received
// once. The events that lost the race used to fail with a transition or
// quantity error for units another event had just received, where the
// same event a moment later changes nothing.
func TestConcurrentDeliveredEventsReceiveOnce(t *testing.T) {
	for round := range 100 {
		s := newShop(t, nil)
		o := s.delivered("cart-track-race")
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit},
			{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		r = ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ev := returns.TrackingUpdate{Key: "evt-" + string(rune('a'+g)), TrackingNumber: r.Label.TrackingNumbers[0], Status: returns.CarrierDelivered}
				if _, err := s.svc.Track(s.ctx, ev); err != nil {
					t.Errorf("round %d: event %s: %v", round, ev.Key, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		r = s.ret(r.ID)
		if r.Status != returns.StatusReceived || r.Lines[0].Received != 2 || r.Lines[1].Received != 1 {
			t.Fatalf("round %d: return %s, received %d and %d", round, r.Status, r.Lines[0].Received, r.Lines[1].Received)
		}
		if got := s.order(o.ID); got.Lines[0].Returned != 2 || got.Lines[1].Returned != 1 {
			t.Errorf("round %d: the order counts %d and %d returned units, want 2 and 1", round, got.Lines[0].Returned, got.Lines[1].Returned)
		}
		n := 0
		for _, typ := range s.eventTypes(r.ID) {
			if typ == returns.EventReceived {
				n++
			}
		}
		if n != 1 {
			t.Errorf("round %d: %d %s events, want 1", round, n, returns.EventReceived)
		}
	}
}
