package returns_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestInspectionOfAnItemInventoryDoesNotKnowChangesNothing: a sock sold
// without an inventory item comes back and is inspected into a location.
// The inspection was saved (the return inspected, its moves pending),
// then inventory refused the move (no such SKU), and every retry failed
// the same way: an error that had changed the return. It is now refused
// before anything is saved, as an unknown location is.
func TestInspectionOfAnItemInventoryDoesNotKnowChangesNothing(t *testing.T) {
	s := newShop(t, nil)
	o := ok[*order.Order](t)(s.orders.Place(s.ctx, order.PlaceInput{IdempotencyKey: "cart-sock", Currency: oms.USD,
		Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada"}, ShippingAddress: customerAddress,
		Lines: []order.LineInput{{SKU: "SOCK", Name: "Sock", Quantity: 1, UnitPrice: usd("5.00")}}, Payment: order.PaymentInput{Method: "tok_visa"}}))
	o = ok[*order.Order](t)(s.orders.Confirm(s.ctx, o.ID))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
	} {
		o = ok[*order.Order](t)(step(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
	}
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-sock", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	before := s.snapshot(o.ID)
	in := returns.InspectInput{Key: "insp", Units: []returns.UnitInspection{{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "WH1"}}}
	for range 2 {
		if _, err := s.svc.Inspect(s.ctx, r.ID, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("inspecting a SKU inventory does not know: %v, want a validation error", err)
		}
	}
	if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
		t.Errorf("the refused inspection changed something:\n%s", d)
	}
	// Recorded as missing, nothing moves: that is still accepted.
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-missing", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionMissing}}}))
	if r.Status != returns.StatusInspected {
		t.Errorf("after a missing unit: %s", r.Status)
	}
}
