package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// TestThirdPartyShippedWithAServiceCodeThatIsNotTextIsRefused: a
// provider's report with a NUL byte, a control character or invalid UTF-8
// in its service code was accepted and the shipment saved with it (JSON
// then wrote another code, a PostgreSQL store refuses it), its stock
// committed. Now it is refused with oms.ErrValidation and nothing changes,
// as a carrier or tracking number like it is.
func TestThirdPartyShippedWithAServiceCodeThatIsNotTextIsRefused(t *testing.T) {
	for name, code := range map[string]string{"nul": "ground\x00", "invalid utf-8": "gr\xffound", "control": "gro\x1bund"} {
		t.Run(name, func(t *testing.T) {
			e := twoSites(t, fulfillment.ServiceOptions{Provider: &fakeProvider{accept: true}})
			e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
			e.stock("MUG", "3pl", 5)
			o := e.place(nil, small("MUG", 2))
			res, err := e.svc.Process(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.ThirdPartyShipped(e.ctx, res.FulfillmentOrders[0].ID, fulfillment.ThirdPartyShipment{Carrier: "ups", ServiceCode: code, TrackingNumbers: []string{"1Z1"}})
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("err = %v, want a validation error", err)
			}
			if shs, _ := e.svc.Shipments(e.ctx, o.ID); len(shs) != 0 {
				t.Errorf("%d shipments after a refused report", len(shs))
			}
			if lv := e.level("MUG", "3pl"); lv.OnHand != 5 || lv.Reserved != 2 {
				t.Errorf("3pl stock: %+v", lv)
			}
		})
	}
}
