package fulfillment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// recordingProvider accepts every request and every cancellation (unless
// refuse is set) and records what it was asked, by key.
type recordingProvider struct {
	mu       sync.Mutex
	refuse   bool
	submits  map[string]int64 // key -> units asked
	cancels  map[string]bool
	accepted map[oms.ID]bool // fulfillment orders it still has to ship
}

func (p *recordingProvider) Submit(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.submits == nil {
		p.submits, p.cancels, p.accepted = map[string]int64{}, map[string]bool{}, map[oms.ID]bool{}
	}
	p.submits[r.Key] = r.FulfillmentOrder.Units()
	p.accepted[r.FulfillmentOrder.ID] = true
	return fulfillment.ProviderDecision{Accepted: true}, nil
}

func (p *recordingProvider) Cancel(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancels[r.Key] = true
	if p.refuse {
		return fulfillment.ProviderDecision{Accepted: false, Message: "already picked"}, nil
	}
	delete(p.accepted, r.FulfillmentOrder.ID)
	return fulfillment.ProviderDecision{Accepted: true}, nil
}

// providerShop is one 3PL location holding 5 MUGs, with p as provider.
func providerShop(t *testing.T, p fulfillment.Provider) *env {
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Provider: p}})
	e.location("3pl", 1, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.item("MUG", "")
	e.stock("MUG", "3pl", 5)
	return e
}

// TestUnitsCancelledOnTheOrderLeaveAFulfillmentOrderTheProviderHas: units
// cancelled on the order (CancelLines) after the provider accepted their
// fulfillment order stayed on it: the provider was never told, their
// stock stayed reserved, and the provider's shipment of every unit was
// then refused by the order for ever. Now Process asks the provider to
// cancel and hands it what is left in a new request; the cancelled units'
// stock is released.
func TestUnitsCancelledOnTheOrderLeaveAFulfillmentOrderTheProviderHas(t *testing.T) {
	p := &recordingProvider{}
	e := providerShop(t, p)
	o := e.place(nil, small("MUG", 3))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FulfillmentOrders) != 1 || res.FulfillmentOrders[0].Request != fulfillment.RequestAccepted {
		t.Fatalf("fulfillment orders after Process: %+v", res.FulfillmentOrders)
	}
	e.cancelOnOrder(o, 1)
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	var with []*fulfillment.FulfillmentOrder
	var units int64
	for _, fo := range res.FulfillmentOrders {
		if !fo.Status.Final() {
			with = append(with, fo)
			units += fo.Units()
		}
	}
	if len(with) != 1 || units != 2 || with[0].Request != fulfillment.RequestAccepted {
		t.Fatalf("live fulfillment orders %d with %d units (want 1 with 2, accepted): %+v", len(with), units, with)
	}
	p.mu.Lock()
	if len(p.accepted) != 1 || !p.accepted[with[0].ID] {
		t.Errorf("the provider holds %v, want only %s", p.accepted, with[0].ID)
	}
	p.mu.Unlock()
	if lv := e.level("MUG", "3pl"); lv.Reserved != 2 {
		t.Errorf("3pl reserved %d, want 2", lv.Reserved)
	}
	if _, err := e.svc.ThirdPartyShipped(e.ctx, with[0].ID, fulfillment.ThirdPartyShipment{Carrier: "ups", TrackingNumbers: []string{"1Z1"}}); err != nil {
		t.Fatalf("ThirdPartyShipped: %v", err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("3pl: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	e.reconcile()
}

// TestUnitsCancelledOnTheOrderShrinkAnUnsubmittedProviderRequest: a
// third-party fulfillment order not yet sent (no Provider configured yet)
// loses the units cancelled on the order at the next Process, like one of
// the shop's own.
func TestUnitsCancelledOnTheOrderShrinkAnUnsubmittedProviderRequest(t *testing.T) {
	e := providerShop(t, nil)
	o := e.place(nil, small("MUG", 3))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FulfillmentOrders) != 1 || res.FulfillmentOrders[0].Request != fulfillment.RequestUnsubmitted {
		t.Fatalf("fulfillment orders after Process: %+v", res.FulfillmentOrders)
	}
	e.cancelOnOrder(o, 1)
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := res.FulfillmentOrders[0].Units(); n != 2 {
		t.Errorf("the unsubmitted request holds %d units, want 2", n)
	}
	if lv := e.level("MUG", "3pl"); lv.Reserved != 2 {
		t.Errorf("3pl reserved %d, want 2", lv.Reserved)
	}
	_ = order.StatusCancelled
	e.reconcile()
}

// TestUnitsCancelledOnTheOrderProviderRefusesToCancel: the provider
// refuses to cancel (it ships everything): Process does not fail, and
// the fulfillment order stays with it.
func TestUnitsCancelledOnTheOrderProviderRefusesToCancel(t *testing.T) {
	p := &recordingProvider{refuse: true}
	e := providerShop(t, p)
	o := e.place(nil, small("MUG", 3))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 1)
	for i := 0; i < 2; i++ {
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatalf("Process %d: %v", i, err)
		}
		if len(res.FulfillmentOrders) != 1 || res.FulfillmentOrders[0].Request != fulfillment.RequestCancellationRejected || res.FulfillmentOrders[0].Units() != 3 {
			t.Fatalf("fulfillment orders after Process %d: %+v", i, res.FulfillmentOrders[0])
		}
	}
	p.mu.Lock()
	if len(p.cancels) != 1 {
		t.Errorf("the provider was asked to cancel under %d keys, want 1", len(p.cancels))
	}
	p.mu.Unlock()
}

// TestUnitsCancelledOnTheOrderLeaveAProviderRequestAcrossCrashes: the
// k-th write fails (before or after it took effect) while Process takes
// the cancelled units off a request the provider has: Process, run
// again, ends as a clean run does.
func TestUnitsCancelledOnTheOrderLeaveAProviderRequestAcrossCrashes(t *testing.T) {
	for _, after := range []bool{false, true} {
		for k := 1; k <= 20; k++ {
			t.Run(itoa(k), func(t *testing.T) {
				f := &faults{k: k, after: after}
				p := &recordingProvider{}
				e := newEnv(t, &envConfig{
					opts:    fulfillment.ServiceOptions{Provider: p},
					wrap:    func(s fulfillment.Store) fulfillment.Store { return faultyFulfillment{s, f} },
					wrapInv: func(s inventory.Store) inventory.Store { return faultyInventory{s, f} },
					wrapOrd: func(s order.Store) order.Store { return faultyOrders{s, f} },
				})
				e.location("3pl", 1, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
				e.item("MUG", "")
				e.stock("MUG", "3pl", 5)
				o := e.place(nil, small("MUG", 3))
				if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
					t.Fatal(err)
				}
				e.cancelOnOrder(o, 1)
				f.mu.Lock()
				f.on = true
				f.mu.Unlock()
				var res *fulfillment.Result
				retryInjected(t, "process", func() error {
					var err error
					res, err = e.svc.Process(e.ctx, o.ID)
					return err
				})
				f.mu.Lock()
				f.on = false
				f.mu.Unlock()
				var live []*fulfillment.FulfillmentOrder
				for _, fo := range res.FulfillmentOrders {
					if !fo.Status.Final() {
						live = append(live, fo)
					}
				}
				if len(live) != 1 || live[0].Units() != 2 || live[0].Request != fulfillment.RequestAccepted {
					t.Fatalf("live fulfillment orders: %+v", live)
				}
				if lv := e.level("MUG", "3pl"); lv.Reserved != 2 || lv.OnHand != 5 {
					t.Errorf("3pl: on hand %d reserved %d, want 5 and 2", lv.OnHand, lv.Reserved)
				}
				if _, err := e.svc.ThirdPartyShipped(e.ctx, live[0].ID, fulfillment.ThirdPartyShipment{Carrier: "ups", TrackingNumbers: []string{"1Z1"}}); err != nil {
					t.Fatalf("ThirdPartyShipped: %v", err)
				}
				if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 1, 2, 2, 2, 0}}, counters(e.order(o.ID))); diff != "" {
					t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
				}
				e.reconcile()
			})
		}
	}
}

// flakyCancelProvider accepts everything; its first cancellation answer
// is lost.
type flakyCancelProvider struct {
	recordingProvider
	calls int
}

func (p *flakyCancelProvider) Cancel(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.mu.Lock()
	p.calls++
	first := p.calls == 1
	p.mu.Unlock()
	if first {
		return fulfillment.ProviderDecision{}, errInjected
	}
	return p.recordingProvider.Cancel(ctx, r)
}

// TestUnitsCancelledOnTheOrderProviderCancelUnansweredAskedAgain: the
// provider's answer to the cancellation is lost: Process does not fail
// (the order's other work goes on), and the next Process asks again and
// hands what is left to a new request.
func TestUnitsCancelledOnTheOrderProviderCancelUnansweredAskedAgain(t *testing.T) {
	p := &flakyCancelProvider{}
	e := providerShop(t, p)
	o := e.place(nil, small("MUG", 3))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 1)
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatalf("Process with the provider's answer lost: %v", err)
	}
	if fo := res.FulfillmentOrders[0]; fo.Request != fulfillment.RequestCancellationRequested || fo.Units() != 3 {
		t.Fatalf("after the lost answer: request %s, %d units", fo.Request, fo.Units())
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	var units int64
	for _, fo := range res.FulfillmentOrders {
		if !fo.Status.Final() {
			units += fo.Units()
			if fo.Request != fulfillment.RequestAccepted {
				t.Errorf("live fulfillment order %s: request %s", fo.ID, fo.Request)
			}
		}
	}
	if units != 2 {
		t.Errorf("%d units with the provider, want 2", units)
	}
	if lv := e.level("MUG", "3pl"); lv.Reserved != 2 {
		t.Errorf("3pl reserved %d, want 2", lv.Reserved)
	}
	e.reconcile()
}
