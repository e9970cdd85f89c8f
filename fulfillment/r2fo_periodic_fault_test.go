package fulfillment_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// retryInjected runs op until it returns no injected fault; another error
// fails the test.
func retryInjected(t *testing.T, what string, op func() error) {
	t.Helper()
	var err error
	for i := 0; i < 200; i++ {
		if err = op(); err == nil {
			return
		}
		if !errors.Is(err, errInjected) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	t.Fatalf("%s: never converged: %v", what, err)
}

// checkEnd checks what a finished flow must leave.
func checkEnd(t *testing.T, e *env, id oms.ID) {
	t.Helper()
	r, err := e.inv.Reconcile(e.ctx)
	if err != nil || !r.Clean() {
		t.Errorf("reconcile: %v %+v", err, r.Mismatches)
	}
	rs, _ := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(id), OpenOnly: true})
	for _, res := range rs {
		t.Errorf("reservation %s still open: %+v", res.ID, res.Lines)
	}
	o := e.order(id)
	if err := o.CheckCounters(); err != nil {
		t.Errorf("counters: %v", err)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, id)
	for _, fo := range fos {
		last := fulfillment.Status("")
		for _, ev := range e.outbox.Events(fo.ID) {
			if ev.Type != fulfillment.EventStatusChanged {
				continue
			}
			var p fulfillment.StatusPayload
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if !fulfillment.CanTransition(p.From, p.To) {
				t.Errorf("fulfillment order %s moved %s → %s", fo.ID, p.From, p.To)
			}
			if last != "" && p.From != last {
				t.Errorf("fulfillment order %s moved from %s after it was %s", fo.ID, p.From, last)
			}
			last = p.To
		}
		if last != "" && last != fo.Status {
			t.Errorf("fulfillment order %s is %s, its last event says %s", fo.ID, fo.Status, last)
		}
	}
}

func counterSummary(e *env, id oms.ID) string {
	return fmt.Sprint(counters(e.order(id)), e.order(id).Status, e.carrier.Purchases())
}

// TestPeriodicFaultsManualShortPickConverges fails every n-th write of
// every store (and label purchase), before or after it takes effect,
// through a manual flow with a short pick re-allocated elsewhere, pack
// verification, shipping and delivery; retrying each command ends as
// the same flow without faults.
func TestPeriodicFaultsManualShortPickConverges(t *testing.T) {
	run := func(t *testing.T, f *faults) (string, *env) {
		e := faultEnvWith(t, f, fulfillment.ServiceOptions{Picking: fulfillment.PickManual, VerifyPacking: true})
		o := e.place(nil, big("BIG", 2), small("SMALL", 2))
		f.on = true
		retryInjected(t, "process", func() error { _, err := e.svc.Process(e.ctx, o.ID); return err })
		done := map[oms.ID]bool{}
		for round := 0; round < 4; round++ {
			fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
			for _, fo := range fos {
				if done[fo.ID] || fo.Status.Final() {
					continue
				}
				done[fo.ID] = true
				retryInjected(t, "wave", func() error { _, err := e.svc.StartWave(e.ctx, fo.Location, []oms.ID{fo.ID}); return err })
				var picks []fulfillment.Picked
				if fo.Location == "east" {
					for _, l := range fo.Lines {
						if l.SKU == "BIG" {
							picks = append(picks, fulfillment.Picked{LineID: l.LineID, Quantity: l.Quantity - 1})
						}
					}
				}
				retryInjected(t, "picks", func() error { _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, picks); return err })
			}
			retryInjected(t, "process", func() error { _, err := e.svc.Process(e.ctx, o.ID); return err })
			fos, _ = e.svc.FulfillmentOrders(e.ctx, o.ID)
			for _, fo := range fos {
				for _, p := range fo.Packages {
					if p.Verified {
						continue
					}
					var scans []fulfillment.Scan
					for _, it := range p.Items {
						scans = append(scans, fulfillment.Scan{SKU: it.SKU, Quantity: it.Quantity})
					}
					retryInjected(t, "verify", func() error { _, err := e.svc.VerifyPack(e.ctx, fo.ID, p.Index, scans); return err })
				}
			}
			retryInjected(t, "process", func() error { _, err := e.svc.Process(e.ctx, o.ID); return err })
		}
		shs, _ := e.svc.Shipments(e.ctx, o.ID)
		for _, sh := range shs {
			for _, p := range sh.Packages {
				retryInjected(t, "deliver", func() error {
					_, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0})
					return err
				})
			}
		}
		f.on = false
		checkEnd(t, e, o.ID)
		return counterSummary(e, o.ID), e
	}
	want, _ := run(t, &faults{})
	t.Logf("reference: %s", want)
	for _, after := range []bool{false, true} {
		for n := 3; n <= 9; n++ {
			t.Run(fmt.Sprintf("every%d_after%v", n, after), func(t *testing.T) {
				got, _ := run(t, &faults{every: n, after: after})
				if got != want {
					t.Errorf("got %s, want %s", got, want)
				}
			})
		}
	}
}

func deliverEverything(t *testing.T, e *env, id oms.ID, skip func(sh *fulfillment.Shipment, p fulfillment.Package) bool) {
	t.Helper()
	shs, _ := e.svc.Shipments(e.ctx, id)
	for _, sh := range shs {
		for _, p := range sh.Packages {
			if p.TrackingNumber == "" || skip != nil && skip(sh, p) {
				continue
			}
			retryInjected(t, "deliver", func() error {
				_, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0})
				return err
			})
		}
	}
}

// TestPeriodicFaultsBackorderLostReshipConverges: a backordered line
// waits for stock, ships when it arrives; a package is lost and shipped
// again; every n-th write fails throughout.
func TestPeriodicFaultsBackorderLostReshipConverges(t *testing.T) {
	run := func(t *testing.T, f *faults) string {
		e := faultEnvWith(t, f, fulfillment.ServiceOptions{})
		e.item("PRE", inventory.BackorderAllow)
		e.stock("SMALL", "west", 5)
		e.stock("BIG", "west", 5)
		o := e.place(nil, big("BIG", 2), small("SMALL", 2), small("PRE", 2))
		f.on = true
		process := func() {
			retryInjected(t, "process", func() error { _, err := e.svc.Process(e.ctx, o.ID); return err })
		}
		process()
		f.on = false
		e.stock("PRE", "east", 3)
		f.on = true
		process()
		process()
		shs, _ := e.svc.Shipments(e.ctx, o.ID)
		if len(shs) == 0 {
			t.Fatal("no shipment")
		}
		lost := shs[0]
		lostNum := lost.Packages[0].TrackingNumber
		retryInjected(t, "lost", func() error {
			_, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: lost.Carrier, TrackingNumber: lostNum, Status: tracking.StatusException, Reason: tracking.ReasonLost, At: t0})
			return err
		})
		retryInjected(t, "reship", func() error { _, err := e.svc.ReshipLost(e.ctx, lost.ID, 0); return err })
		process()
		deliverEverything(t, e, o.ID, func(sh *fulfillment.Shipment, p fulfillment.Package) bool { return p.TrackingNumber == lostNum })
		process()
		f.on = false
		checkEnd(t, e, o.ID)
		return counterSummary(e, o.ID)
	}
	want := run(t, &faults{})
	t.Logf("reference: %s", want)
	for _, after := range []bool{false, true} {
		for n := 3; n <= 9; n++ {
			t.Run(fmt.Sprintf("every%d_after%v", n, after), func(t *testing.T) {
				if got := run(t, &faults{every: n, after: after}); got != want {
					t.Errorf("got %s, want %s", got, want)
				}
			})
		}
	}
}

// TestPeriodicFaultsPickupAndThirdPartyConverge: a pickup order (ready,
// then picked up) and a third-party order (submitted, shipped by the
// provider, delivered) with every n-th write failing.
func TestPeriodicFaultsPickupAndThirdPartyConverge(t *testing.T) {
	run := func(t *testing.T, f *faults) string {
		e := faultEnvWith(t, f, fulfillment.ServiceOptions{Provider: &fakeProvider{accept: true}})
		e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
		e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
		e.stock("SMALL", "shop", 5)
		e.stock("BIG", "3pl", 5)
		po := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("SMALL", 2))
		to := e.place(nil, big("BIG", 2))
		f.on = true
		for _, id := range []oms.ID{po.ID, to.ID} {
			retryInjected(t, "process", func() error { _, err := e.svc.Process(e.ctx, id); return err })
		}
		shs, _ := e.svc.Shipments(e.ctx, po.ID)
		if len(shs) != 1 {
			t.Fatalf("%d pickup shipments", len(shs))
		}
		retryInjected(t, "picked up", func() error { _, err := e.svc.PickedUp(e.ctx, shs[0].ID); return err })
		fos, _ := e.svc.FulfillmentOrders(e.ctx, to.ID)
		for _, fo := range fos {
			retryInjected(t, "3pl shipped", func() error {
				_, err := e.svc.ThirdPartyShipped(e.ctx, fo.ID, fulfillment.ThirdPartyShipment{Carrier: "fake", TrackingNumbers: []string{"TP" + string(fo.ID[len(fo.ID)-4:])}})
				return err
			})
		}
		deliverEverything(t, e, to.ID, nil)
		for _, id := range []oms.ID{po.ID, to.ID} {
			retryInjected(t, "process", func() error { _, err := e.svc.Process(e.ctx, id); return err })
		}
		f.on = false
		checkEnd(t, e, po.ID)
		checkEnd(t, e, to.ID)
		return counterSummary(e, po.ID) + counterSummary(e, to.ID)
	}
	want := run(t, &faults{})
	t.Logf("reference: %s", want)
	for _, after := range []bool{false, true} {
		for n := 3; n <= 9; n++ {
			t.Run(fmt.Sprintf("every%d_after%v", n, after), func(t *testing.T) {
				if got := run(t, &faults{every: n, after: after}); got != want {
					t.Errorf("got %s, want %s", got, want)
				}
			})
		}
	}
}
