package fulfillment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// lateSubmitProvider is a recordingProvider whose first Submit reaches
// it only after before has run (the request was sent, its delivery
// slow).
type lateSubmitProvider struct {
	recordingProvider
	gate   sync.Mutex
	ran    bool
	before func()
}

func (p *lateSubmitProvider) Submit(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.gate.Lock()
	run := !p.ran
	p.ran = true
	p.gate.Unlock()
	if run {
		p.before()
	}
	return p.recordingProvider.Submit(ctx, r)
}

// TestSubmitOvertakenByARecutsCancelLeavesTheProviderOneRequest: Submit
// saved the request submitted and sent it; before it reached the provider,
// units were cancelled on the order and a Process re-cut the request: the
// provider accepted the cancel of a request it did not have yet, and the
// re-cut sent a new one. The first request then arrived and was accepted:
// the provider held both and shipped every unit twice. Now Submit, seeing
// its request cancelled meanwhile, asks the provider to cancel it again.
func TestSubmitOvertakenByARecutsCancelLeavesTheProviderOneRequest(t *testing.T) {
	p := &lateSubmitProvider{}
	p.submits, p.cancels, p.accepted = map[string]int64{}, map[string]bool{}, map[oms.ID]bool{}
	e := providerShop(t, p)
	o := e.place(nil, small("MUG", 3))
	p.before = func() {
		e.cancelOnOrder(o, 1)
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Errorf("Process while the first request is on its way: %v", err)
		}
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Logf("Process: %v", err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var live []*fulfillment.FulfillmentOrder
	for _, fo := range res.FulfillmentOrders {
		if !fo.Status.Final() {
			live = append(live, fo)
		}
	}
	if len(live) != 1 || live[0].Units() != 2 || live[0].Request != fulfillment.RequestAccepted {
		t.Fatalf("live fulfillment orders: %d, want 1 of 2 units, accepted", len(live))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.accepted) != 1 || !p.accepted[live[0].ID] {
		t.Errorf("the provider holds %v, want only %s", p.accepted, live[0].ID)
	}
}
