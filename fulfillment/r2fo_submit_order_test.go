package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestSubmitRefusesOrdersOnHoldOrCancelled: Submit hands a third-party
// fulfillment order to its provider, who ships it: like a label purchase
// it must wait while the order is on hold and never happen for a
// cancelled order. It looked only at the fulfillment order, so a
// resubmission after a rejection sent a held order (an address being
// checked, a fraud review) or a cancelled one to the provider, who
// accepted it and would ship goods the shop had stopped.
func TestSubmitRefusesOrdersOnHoldOrCancelled(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(e *env, id oms.ID) error
		want error
	}{
		{"order on hold", func(e *env, id oms.ID) error {
			_, err := e.orders.AddHold(e.ctx, id, order.HoldInput{Reason: order.HoldFraudReview})
			return err
		}, oms.ErrOnHold},
		{"order cancelled", func(e *env, id oms.ID) error {
			_, err := e.orders.Cancel(e.ctx, id, order.CancelInput{Reason: "customer changed mind"})
			return err
		}, oms.ErrInvalidTransition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &fakeProvider{}
			e := twoSites(t, fulfillment.ServiceOptions{Provider: p})
			e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
			e.stock("MUG", "3pl", 5)
			o := e.place(nil, small("MUG", 2))
			res, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			fo := res.FulfillmentOrders[0]
			if fo.Request != fulfillment.RequestRejected {
				t.Fatalf("request %s, want rejected", fo.Request)
			}
			if err := tc.stop(e, o.ID); err != nil {
				t.Fatal(err)
			}
			p.accept = true
			calls := len(p.calls)
			_, err = e.svc.Submit(e.ctx, fo.ID)
			if !errors.Is(err, tc.want) {
				t.Errorf("Submit: %v, want %v", err, tc.want)
			}
			if len(p.calls) != calls {
				t.Errorf("the provider was asked: %v", p.calls[calls:])
			}
			if got, _ := e.svc.FulfillmentOrder(e.ctx, fo.ID); got.Request != fulfillment.RequestRejected {
				t.Errorf("request %s, want it left rejected", got.Request)
			}
		})
	}
}
