package fulfillment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// failShipped fails, once, the first save that marks a shipment shipped:
// the crash between buying a shipment's labels and closing it.
type failShipped struct {
	fulfillment.Store
	mu    sync.Mutex
	armed bool
}

func (s *failShipped) Save(ctx context.Context, c *fulfillment.Change) error {
	s.mu.Lock()
	fire := false
	if s.armed && c != nil {
		for _, sh := range c.Shipments {
			if sh != nil && sh.Status == fulfillment.ShipmentShipped {
				fire, s.armed = true, false
			}
		}
	}
	s.mu.Unlock()
	if fire {
		return errInjected
	}
	return s.Store.Save(ctx, c)
}

// TestDeliveryNewsForAShipmentNotYetClosedIsNotLost: Process bought the
// label of a package (the tracking number is the shipment's) and crashed
// before it closed the shipment; the carrier's delivery news arriving
// before the next Process was answered with no error and dropped, so the
// shipment stayed in transit for ever and the order never completed.
// The news must either take effect or be refused with an error, so that
// the relay (or the host) delivers it again.
func TestDeliveryNewsForAShipmentNotYetClosedIsNotLost(t *testing.T) {
	var fs *failShipped
	e := newEnv(t, &envConfig{wrap: func(s fulfillment.Store) fulfillment.Store { fs = &failShipped{Store: s, armed: true}; return fs }})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1))
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("the injected crash did not stop Process")
	}
	shs, err := e.svc.Shipments(e.ctx, o.ID)
	if err != nil || len(shs) != 1 || len(shs[0].Packages) != 1 || shs[0].Packages[0].TrackingNumber == "" {
		t.Fatalf("shipments after the crash: %+v, %v", shs, err)
	}
	number := shs[0].Packages[0].TrackingNumber
	_, applyErr := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: number,
		Status: tracking.StatusDelivered, At: t0, EventID: "ev-1"})
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if applyErr != nil {
		// Refused: the news comes again, as a relay would deliver it.
		if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: number,
			Status: tracking.StatusDelivered, At: t0, EventID: "ev-1"}); err != nil {
			t.Fatalf("news applied again after Process: %v", err)
		}
	}
	sh, err := e.svc.Shipment(e.ctx, shs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != fulfillment.ShipmentDelivered {
		t.Errorf("shipment %s after its delivery news (ApplyTracking: %v); want delivered", sh.Status, applyErr)
	}
	if got := e.order(o.ID); got.Status != order.StatusCompleted {
		t.Errorf("order %s, want completed", got.Status)
	}
	_ = oms.ErrConflict
}
