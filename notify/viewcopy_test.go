package notify_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// TestViewOfSharesNothingWithTheProgress: the view is a plain value for
// the host's page; changing it (a template helper that sorts or redacts
// lines) must not change the Progress it was built from, which the host
// may save back or build other views of.
func TestViewOfSharesNothingWithTheProgress(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-vc", "2201", anna, t0)
	e.publish(t,
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Lamp", Quantity: 2, Total: "30.00"}),
		s.ShipmentCreated("sh-vc", "dhl"), s.LabelPurchased("sh-vc", 0, "JD1"), s.ShipmentShipped("sh-vc"),
		s.ReturnRequested("ret-vc", lq("l1", 1)), s.ReturnLabel("ret-vc", "https://label", "RT1"),
	)
	p, err := e.store.Progress(e.ctx, "ord-vc")
	if err != nil {
		t.Fatal(err)
	}
	before := p.Clone()
	v := notify.ViewOf(p)
	if len(v.Returns) != 1 || len(v.Returns[0].Lines) != 1 || len(v.Returns[0].Tracking) != 1 || len(v.Shipments) != 1 || len(v.Shipments[0].Packages) != 1 {
		t.Fatalf("view: %+v", v)
	}
	v.Lines[0].Name = "changed"
	v.Returns[0].Lines[0].Quantity = 99
	v.Returns[0].Tracking[0].Number = "changed"
	v.Shipments[0].Packages[0].TrackingNumber = "changed"
	v.Refunds = append(v.Refunds, notify.RefundView{Key: "x"})
	if diff := cmp.Diff(before, p); diff != "" {
		t.Fatalf("changing the view changed the progress (-before +after):\n%s", diff)
	}
}
