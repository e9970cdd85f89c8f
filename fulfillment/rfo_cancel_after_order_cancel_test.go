package fulfillment_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestCancelAfterUnitsCancelledOnTheOrderFinishes: the host cancelled
// units on the order (order.Service.CancelLines) and, before a Process
// took them off the fulfillment order, cancelled that fulfillment order.
// Cancel released its stock and then asked the order to cancel every unit
// the fulfillment order still listed, the already cancelled ones too; the
// order refused (more than it has allocated), so the fulfillment order
// stayed cancelled with its units allocated on the order for ever, and
// every later Process failed on it. Now Cancel cancels on the order only
// what the order still expects of it.
func TestCancelAfterUnitsCancelledOnTheOrderFinishes(t *testing.T) {
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
	e.location("east", 1, nil)
	e.item("MUG", inventory.BackorderDeny)
	e.item("TEE", inventory.BackorderDeny)
	e.stock("MUG", "east", 10)
	e.stock("TEE", "east", 10)
	o := e.place(nil, small("MUG", 3), small("TEE", 1))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Every TEE and one MUG cancelled on the order, then the fulfillment
	// order cancelled before any Process.
	if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{Reason: "customer", Lines: []order.LineQuantity{
		{LineID: o.Lines[0].ID, Quantity: 1}, {LineID: o.Lines[1].ID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(e.ctx, fos[0].ID, "warehouse closed"); err != nil {
		t.Errorf("Cancel: %v", err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Errorf("Process: %v", err)
	}
	got := e.order(o.ID)
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 3, 0, 0, 0, 0}, "TEE": {1, 1, 0, 0, 0, 0}}, counters(got)); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	if got.Status != order.StatusCancelled {
		t.Errorf("order %s, want cancelled (every unit cancelled)", got.Status)
	}
	for _, sku := range []oms.SKU{"MUG", "TEE"} {
		if lv := e.level(sku, "east"); lv.Reserved != 0 || lv.OnHand != 10 {
			t.Errorf("%s: %+v", sku, lv)
		}
	}
	fo, _ := e.svc.FulfillmentOrder(e.ctx, fos[0].ID)
	if fo.Status != fulfillment.StatusCancelled {
		t.Errorf("fulfillment order %s", fo.Status)
	}
	e.reconcile()
}
