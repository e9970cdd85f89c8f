package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// TestThirdPartyShippedWithACarrierOrNumberTrackingRefusesChangesNothing:
// ThirdPartyShipped checked only the lengths of the carrier and tracking
// numbers, but tracking (which registers every number once the stock is
// committed) refuses a carrier with "/", NUL, a control character or
// invalid UTF-8, and a number that is only spaces or holds such bytes. The
// shipment was created, the order counted the units shipped and the stock
// was committed, then the registration failed: the shipment stayed pending
// and the fulfillment order open for ever, every retry failing the same
// way. Now such a report is a validation error and changes nothing.
func TestThirdPartyShippedWithACarrierOrNumberTrackingRefusesChangesNothing(t *testing.T) {
	for name, in := range map[string]fulfillment.ThirdPartyShipment{
		"carrier with slash":   {Carrier: "ups/ground", TrackingNumbers: []string{"T1"}},
		"carrier with nul":     {Carrier: "ups\x00", TrackingNumbers: []string{"T1"}},
		"carrier not utf-8":    {Carrier: "ups\xff", TrackingNumbers: []string{"T1"}},
		"carrier only spaces":  {Carrier: "   ", TrackingNumbers: []string{"T1"}},
		"number with nul":      {Carrier: "ups", TrackingNumbers: []string{"T\x001"}},
		"number not utf-8":     {Carrier: "ups", TrackingNumbers: []string{"T\xff1"}},
		"number only spaces":   {Carrier: "ups", TrackingNumbers: []string{"   "}},
		"number with control":  {Carrier: "ups", TrackingNumbers: []string{"T\x071"}},
		"numbers same tracker": {Carrier: "ups", TrackingNumbers: []string{"t1", "T 1"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := twoSites(t, fulfillment.ServiceOptions{Provider: &fakeProvider{accept: true}})
			e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
			e.stock("MUG", "3pl", 5)
			o := e.place(nil, small("MUG", 2))
			res, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			id := res.FulfillmentOrders[0].ID
			before := counters(e.order(o.ID))
			if _, err := e.svc.ThirdPartyShipped(e.ctx, id, in); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("err = %v, want a validation error", err)
			}
			if shs, _ := e.svc.Shipments(e.ctx, o.ID); len(shs) != 0 {
				t.Errorf("%d shipments after a refused report (%s)", len(shs), shs[0].Status)
			}
			if lv := e.level("MUG", "3pl"); lv.OnHand != 5 || lv.Reserved != 2 {
				t.Errorf("3pl stock: %+v", lv)
			}
			if after := counters(e.order(o.ID)); after["MUG"] != before["MUG"] {
				t.Errorf("order counters %v → %v", before["MUG"], after["MUG"])
			}
		})
	}
	_ = oms.ErrValidation
}
