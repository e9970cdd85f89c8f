package fulfillment_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// labelOutage is a carrier whose label purchases fail while down is set.
type labelOutage struct {
	*shippingtest.FakeCarrier
	down *atomic.Bool
}

func (c labelOutage) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	if c.down.Load() {
		return shipping.Label{}, errors.New("carrier down")
	}
	return c.FakeCarrier.BuyLabel(ctx, req)
}

// TestUnitsCancelledOnTheOrderWhileTheLabelIsPendingAreNotShipped: the
// host cancels a unit on the order (order.Service.CancelLines) after
// Process created the shipment but before its label was bought (the
// carrier down); the units are not shipped, so the order takes the
// cancel. Process run again then tried to ship every packed unit and the
// order refused it for ever ("shipped 3 more ... would pass fulfilled
// 2"): the order never shipped. It must ship the units left.
func TestUnitsCancelledOnTheOrderWhileTheLabelIsPendingAreNotShipped(t *testing.T) {
	var down atomic.Bool
	e := newEnv(t, &envConfig{carrier: func(f *shippingtest.FakeCarrier) shipping.Carrier { return labelOutage{f, &down} }})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	o := e.place(nil, small("MUG", 3))
	down.Store(true)
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process bought a label from a carrier that is down")
	}
	if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{
		Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}, Reason: "customer"}); err != nil {
		t.Skipf("the order refused the cancel: %v", err)
	}
	down.Store(false)
	var err error
	for range 3 {
		if _, err = e.svc.Process(e.ctx, o.ID); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Process after the cancel: %v", err)
	}
	got := e.order(o.ID)
	if l := got.Lines[0]; l.Cancelled != 1 || l.Shipped != 2 {
		t.Errorf("line: cancelled %d, shipped %d; want 1 and 2", l.Cancelled, l.Shipped)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 8 {
		t.Errorf("level %+v, want 8 on hand, none reserved", lv)
	}
	e.reconcile()
}
