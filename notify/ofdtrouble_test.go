package notify_test

import (
	"testing"

	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/tracking"
)

// TestParcelInTroubleKeepsTheShipmentInExceptionWhileAnotherIsOutForDelivery:
// one parcel of two is lost (or its delivery failed); the other parcel's
// out-for-delivery or ready-for-pickup scan must not hide that, as its
// in-transit scan does not: the shipment stays in exception with the
// problem named until no parcel is in trouble.
func TestParcelInTroubleKeepsTheShipmentInExceptionWhileAnotherIsOutForDelivery(t *testing.T) {
	for _, c := range []struct {
		name   string
		status tracking.Status
	}{
		{"out for delivery", tracking.StatusOutForDelivery},
		{"ready for pickup", tracking.StatusAvailableForPickup},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			s := notifytest.NewScript("ord-ofd", "1002", anna, t0)
			e.publish(t,
				s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 2, Total: "39.80"}),
				s.ShipmentCreated("sh", "ups"), s.LabelPurchased("sh", 0, "T1"), s.LabelPurchased("sh", 1, "T2"), s.ShipmentShipped("sh"),
				s.ShipmentException("sh", 0, "T1", "lost"),
				s.Tracking("sh", "T2", c.status, ""),
			)
			v, err := e.n.View(e.ctx, "ord-ofd")
			if err != nil {
				t.Fatal(err)
			}
			if st, why := v.Shipments[0].Status, v.Shipments[0].Exception; st != notify.ShipmentException || why != "lost" {
				t.Fatalf("shipment %s %q, want exception \"lost\"", st, why)
			}
			// The lost parcel turns up out for delivery: no parcel is in
			// trouble any more.
			e.publish(t, s.Tracking("sh", "T1", tracking.StatusOutForDelivery, ""))
			v, err = e.n.View(e.ctx, "ord-ofd")
			if err != nil {
				t.Fatal(err)
			}
			if st := v.Shipments[0].Status; st == notify.ShipmentException {
				t.Fatalf("shipment still %s with no parcel in trouble", st)
			}
		})
	}
}
