package order_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// TestEventPayloadsDecodeIntoTheirTypes drives orders through every event
// type and decodes each saved payload, strictly (no unknown field), into
// the type NewPayload names for it; re-encoding gives the same JSON, so the
// exported type carries everything the event does (issue 12).
func TestEventPayloadsDecodeIntoTheirTypes(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	p := newPayShop(order.CaptureOnShipment)
	in := gatewayInput(ordertest.DeclinedMethod)
	o := ok(p.svc.Place(ctx, in)) // placed, hold_added (not authorized)
	if _, err := p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "k1", Method: ordertest.DeclinedMethod}); err == nil {
		t.Fatal("declined authorization succeeded")
	} // payment_requested, payment_failed
	o = ok(p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "k2", Method: "tok_visa"})) // payment_authorized, hold_released
	o = ok(p.svc.Confirm(ctx, o.ID))
	o = ok(p.svc.AddNote(ctx, o.ID, "ops", "gift wrap"))
	o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "MUG-BLUE"}, Quantity: 2}}}))
	o = ok(p.svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}}))
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}, {LineID: o.Lines[1].ID, Quantity: 1}}
	for _, rec := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		p.svc.RecordAllocation, p.svc.RecordFulfillment, p.svc.RecordShipment, p.svc.RecordDelivery, p.svc.RecordReturn,
	} {
		o = ok(rec(ctx, o.ID, order.CounterInput{Key: "x", Lines: all})) // captured, completed and voided on the way
	}
	p2 := newPayShop(order.CaptureOnPlacement)
	o2 := ok(p2.svc.Place(ctx, gatewayInput("tok_visa")))
	ok(p2.svc.Cancel(ctx, o2.ID, order.CancelInput{Reason: "changed mind"})) // cancelled, refunded

	seen := map[string]bool{}
	for _, outbox := range []*oms.MemoryOutbox{p.store.Outbox(), p2.store.Outbox()} {
		for _, e := range outbox.Events("") {
			seen[e.Type] = true
			v := order.NewPayload(e.Type)
			if v == nil {
				t.Errorf("event %s has no payload type", e.Type)
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(e.Payload))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Errorf("%s payload %s does not decode into %T: %v", e.Type, e.Payload, v, err)
				continue
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			_ = json.Unmarshal(e.Payload, &a)
			_ = json.Unmarshal(again, &b)
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("%s payload through %T (-saved +decoded):\n%s", e.Type, v, d)
			}
			if c, isConfirmed := v.(*order.ConfirmedPayload); isConfirmed {
				if c.Number == "" || c.Customer.Email != in.Customer.Email || len(c.Lines) != 2 || !c.Totals.GrandTotal.IsPositive() ||
					c.Lines[0].SKU != "MUG-BLUE" || c.ShippingAddress.Country != "US" {
					t.Errorf("order.confirmed payload lacks what a confirmation needs: %+v", c)
				}
			}
		}
	}
	var missing []string
	for _, typ := range order.EventTypes() {
		if !seen[typ] {
			missing = append(missing, typ)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("event types never saved by the scenario: %v", missing)
	}
	if order.NewPayload("order.unknown") != nil {
		t.Errorf("NewPayload of an unknown type is not nil")
	}
}
