package fulfillment_test

import (
	"context"
	"strings"
	"testing"

	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// badNumberCarrier buys real labels but reports each with the tracking
// number number.
type badNumberCarrier struct {
	*shippingtest.FakeCarrier
	number string
}

func (c badNumberCarrier) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	l, err := c.FakeCarrier.BuyLabel(ctx, req)
	if err == nil {
		l.TrackingNumbers = []string{c.number}
	}
	return l, err
}

// TestLabelWithATrackingNumberTrackingRefusesCommitsNothing: a carrier's
// label came back with a tracking number tracking refuses (empty, only
// spaces, a "/"-free NUL, 200 bytes): Ship saved it, counted the units
// shipped on the order and committed the stock, then failed registering
// the number on every run, the shipment pending for ever with the goods
// gone. A label without a usable tracking number must stop Ship before
// anything leaves: nothing counted shipped, the stock still reserved.
func TestLabelWithATrackingNumberTrackingRefusesCommitsNothing(t *testing.T) {
	for name, number := range map[string]string{
		"empty":       "",
		"spaces":      "   ",
		"nul":         "1Z\x00",
		"invalid utf": "1Z\xff",
		"200 bytes":   strings.Repeat("9", 200),
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { return badNumberCarrier{c, number} }})
			e.location("east", 1, nil)
			e.item("MUG", "")
			e.stock("MUG", "east", 5)
			o := e.place(nil, small("MUG", 2))
			for run := 0; run < 2; run++ {
				if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
					t.Fatalf("run %d: Process took a label with tracking number %q", run, number)
				}
			}
			got := e.order(o.ID)
			if l := got.Lines[0]; l.Shipped != 0 {
				t.Errorf("order counts %d units shipped", l.Shipped)
			}
			if lv := e.level("MUG", "east"); lv.OnHand != 5 || lv.Reserved != 2 {
				t.Errorf("stock %+v; want 5 on hand, 2 reserved", lv)
			}
			e.reconcile()
			_ = fulfillment.ShipmentPending
		})
	}
}
