package notify_test

import (
	"testing"

	"github.com/omskit/oms/notify/notifytest"
)

// TestReturnRequestedBeforeTheOrderEventsNamesItsLines: the returns relay
// and the order relay are not ordered with each other, so a return's
// request may reach notify before the order's confirmation; the view's
// return lines are still named as the customer saw them.
func TestReturnRequestedBeforeTheOrderEventsNamesItsLines(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-rn", "1003", anna, t0)
	e.publish(t,
		s.ReturnRequested("ret-rn", lq("l1", 1)),
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 2, Total: "39.80"}),
	)
	v, err := e.n.View(e.ctx, "ord-rn")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Returns) != 1 || len(v.Returns[0].Lines) != 1 || v.Returns[0].Lines[0].Name != "T-shirt" {
		t.Fatalf("returns: %+v", v.Returns)
	}
}
