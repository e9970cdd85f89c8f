package fulfillment_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// lostCancelProvider accepts every request; its first cancellation answer
// is lost (an error), the later ones refuse: it ships.
type lostCancelProvider struct{ cancels int }

func (p *lostCancelProvider) Submit(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	return fulfillment.ProviderDecision{Accepted: true}, nil
}

func (p *lostCancelProvider) Cancel(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.cancels++
	if p.cancels == 1 {
		return fulfillment.ProviderDecision{}, errors.New("provider timeout")
	}
	return fulfillment.ProviderDecision{Accepted: false, Message: "already shipped"}, nil
}

// TestCancelRetriedAfterTheProvidersAnswerWasLostAsksAgain: Cancel of a
// fulfillment order a provider accepted saves the cancellation request,
// then asks the provider. When that answer was lost (a timeout) the retry
// found the request "cancellation requested", did not ask again and
// cancelled the fulfillment order, released its stock and cancelled its
// units on the order, without the provider's consent; the provider
// refused and shipped, and ThirdPartyShipped was then refused for ever.
// Now the retry asks the provider again and its refusal stands.
func TestCancelRetriedAfterTheProvidersAnswerWasLostAsksAgain(t *testing.T) {
	p := &lostCancelProvider{}
	e := twoSites(t, fulfillment.ServiceOptions{Provider: p})
	e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.stock("MUG", "3pl", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := res.FulfillmentOrders[0].ID
	if res.FulfillmentOrders[0].Request != fulfillment.RequestAccepted {
		t.Fatalf("request %s", res.FulfillmentOrders[0].Request)
	}
	if _, err := e.svc.Cancel(e.ctx, id, "customer"); err == nil {
		t.Fatal("Cancel succeeded although the provider did not answer")
	}
	_, err = e.svc.Cancel(e.ctx, id, "customer")
	if !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("retried Cancel: err = %v, want the provider's refusal (oms.ErrInvalidTransition)", err)
	}
	if p.cancels != 2 {
		t.Errorf("provider asked to cancel %d times, want 2", p.cancels)
	}
	fo, _ := e.svc.FulfillmentOrder(e.ctx, id)
	if fo.Status == fulfillment.StatusCancelled {
		t.Fatalf("fulfillment order cancelled without the provider's consent (request %s)", fo.Request)
	}
	// The provider ships it.
	if _, err := e.svc.ThirdPartyShipped(e.ctx, id, fulfillment.ThirdPartyShipment{Carrier: "ups", TrackingNumbers: []string{"1Z1"}}); err != nil {
		t.Fatalf("ThirdPartyShipped: %v", err)
	}
	if got := counters(e.order(o.ID))["MUG"]; got != [6]int64{2, 0, 2, 2, 2, 0} {
		t.Errorf("order counters %v", got)
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("3pl stock %+v", lv)
	}
	e.reconcile()
}
