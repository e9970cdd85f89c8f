package tracking_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/tracking"
)

// TestViewOfParcelDeliveredAfterTurningBackEndsDelivered: a parcel sent
// back to the sender and then delivered after all (the status is
// delivered, a terminal status winning over returning) showed the return
// timeline, with "Returned to sender" still upcoming under a "Delivered"
// status: a journey over with a step to come. It now shows the delivery
// timeline, every step done.
func TestViewOfParcelDeliveredAfterTurningBackEndsDelivered(t *testing.T) {
	done := tracking.MilestoneDone
	for name, events := range map[string][]tracking.Event{
		"returning then delivered":  {ev(0, tracking.StatusPreTransit, "MP"), ev(1, tracking.StatusInTransit, "IT"), ev(2, tracking.StatusReturning, "RS"), ev(3, tracking.StatusDelivered, "DL")},
		"delivered, late returning": {ev(1, tracking.StatusInTransit, "IT"), ev(2, tracking.StatusDelivered, "DL"), ev(3, tracking.StatusReturning, "RS")},
	} {
		tr := newTracker()
		tr.Apply(events...)
		if tr.Status != tracking.StatusDelivered {
			t.Fatalf("%s: status %s", name, tr.Status)
		}
		v := tracking.NewView(tr)
		want := []msum{
			{tracking.StatusPreTransit, done, "Label created"}, {tracking.StatusInTransit, done, "Shipped"},
			{tracking.StatusOutForDelivery, done, "Out for delivery"}, {tracking.StatusDelivered, done, "Delivered"},
		}
		if diff := cmp.Diff(want, milestones(v)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}
