package fulfillment_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestThirdPartyShippedRetriedAfterAFailedWriteConverges: the k-th write
// of ThirdPartyShipped (every store and the tracking registration) fails,
// before or after taking effect; the provider's report sent again (and a
// Process) ends as an uninterrupted report: shipped once, the stock
// committed once, the request closed.
func TestThirdPartyShippedRetriedAfterAFailedWriteConverges(t *testing.T) {
	setup := func(f *faults) (*env, oms.ID, oms.ID) {
		e := faultEnvWith(t, f, fulfillment.ServiceOptions{Provider: &fakeProvider{accept: true}})
		e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
		e.stock("SMALL", "3pl", 5)
		o := e.place(nil, small("SMALL", 2))
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return e, o.ID, res.FulfillmentOrders[0].ID
	}
	in := fulfillment.ThirdPartyShipment{Carrier: "ups", TrackingNumbers: []string{"1Z1", "1Z2"}}
	ref := &faults{}
	e, oid, fo := setup(ref)
	ref.on = true
	if _, err := e.svc.ThirdPartyShipped(e.ctx, fo, in); err != nil {
		t.Fatal(err)
	}
	want := e.outcome3(oid)
	for _, after := range []bool{false, true} {
		for k := 1; k <= ref.n; k++ {
			f := &faults{k: k, after: after}
			e, oid, fo := setup(f)
			f.on = true
			_, _ = e.svc.ThirdPartyShipped(e.ctx, fo, in)
			if _, err := e.svc.ThirdPartyShipped(e.ctx, fo, in); err != nil {
				t.Errorf("k=%d after=%v: retry: %v", k, after, err)
				continue
			}
			if _, err := e.svc.Process(e.ctx, oid); err != nil {
				t.Errorf("k=%d after=%v: process: %v", k, after, err)
			}
			if d := cmp.Diff(want, e.outcome3(oid)); d != "" {
				t.Errorf("k=%d after=%v (-want +got):\n%s", k, after, d)
			}
		}
	}
}

// TestPickedUpRetriedAfterAFailedWriteConverges: the k-th write of
// PickedUp fails, before or after taking effect; PickedUp again ends as an
// uninterrupted one: counted shipped and delivered once, the stock
// committed once.
func TestPickedUpRetriedAfterAFailedWriteConverges(t *testing.T) {
	setup := func(f *faults) (*env, oms.ID, oms.ID) {
		e := faultEnvWith(t, f, fulfillment.ServiceOptions{})
		e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true; l.Ships = false })
		e.stock("SMALL", "shop", 5)
		o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("SMALL", 2))
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Shipments) != 1 {
			t.Fatalf("%d shipments", len(res.Shipments))
		}
		return e, o.ID, res.Shipments[0].ID
	}
	ref := &faults{}
	e, oid, sh := setup(ref)
	ref.on = true
	if _, err := e.svc.PickedUp(e.ctx, sh); err != nil {
		t.Fatal(err)
	}
	want := e.outcome3(oid)
	for _, after := range []bool{false, true} {
		for k := 1; k <= ref.n; k++ {
			f := &faults{k: k, after: after}
			e, oid, sh := setup(f)
			f.on = true
			_, _ = e.svc.PickedUp(e.ctx, sh)
			if _, err := e.svc.PickedUp(e.ctx, sh); err != nil {
				t.Errorf("k=%d after=%v: retry: %v", k, after, err)
				continue
			}
			if d := cmp.Diff(want, e.outcome3(oid)); d != "" {
				t.Errorf("k=%d after=%v (-want +got):\n%s", k, after, d)
			}
		}
	}
}

// outcome3 is what a third-party, pickup or cancel flow leaves.
func (e *env) outcome3(id oms.ID) map[string]any {
	e.t.Helper()
	o := e.order(id)
	out := map[string]any{"counters": counters(o), "status": o.Status, "captured": o.Payment.Captured.String()}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, id)
	for _, fo := range fos {
		out["fo:"+string(fo.Location)] = string(fo.Status) + "/" + string(fo.Request)
	}
	shs, _ := e.svc.Shipments(e.ctx, id)
	for i, sh := range shs {
		out["sh"+itoa(i)] = string(sh.Status)
	}
	rs, _ := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(id), OpenOnly: true})
	out["open reservations"] = len(rs)
	for _, loc := range []oms.ID{"3pl", "shop", "east", "west"} {
		if l, err := e.inv.Level(e.ctx, "SMALL", loc); err == nil {
			out["SMALL@"+string(loc)] = [2]int64{l.OnHand, l.Reserved}
		}
	}
	e.reconcile()
	return out
}

// TestCancelAfterUnitsCancelledOnTheOrderRetriedAfterAFailedWriteConverges:
// a unit is cancelled on the order, then a split-off fulfillment order
// (packed or not) is cancelled with its k-th write failing; Cancel again
// and Process end as an uninterrupted cancel.
func TestCancelAfterUnitsCancelledOnTheOrderRetriedAfterAFailedWriteConverges(t *testing.T) {
	for _, packed := range []bool{false, true} {
		setup := func(f *faults) (*env, *order.Order, oms.ID) {
			e := faultEnvWith(t, f, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
			o := e.place(nil, small("SMALL", 3))
			fos, err := e.svc.Allocate(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			id := fos[0].ID
			b, err := e.svc.Split(e.ctx, id, []fulfillment.SplitLine{{LineID: o.Lines[0].ID, Quantity: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if packed {
				_, _ = e.svc.StartWave(e.ctx, b.Location, []oms.ID{b.ID})
				_, _ = e.svc.ConfirmPicks(e.ctx, b.ID, nil)
				if _, err := e.svc.Pack(e.ctx, b.ID); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}}); err != nil {
				t.Fatal(err)
			}
			return e, o, b.ID
		}
		ref := &faults{}
		e, o, b := setup(ref)
		ref.on = true
		if _, err := e.svc.Cancel(e.ctx, b, "x"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		want := e.outcome3(o.ID)
		for _, after := range []bool{false, true} {
			for k := 1; k <= ref.n; k++ {
				f := &faults{k: k, after: after}
				e, o, b := setup(f)
				f.on = true
				_, _ = e.svc.Cancel(e.ctx, b, "x")
				if _, err := e.svc.Cancel(e.ctx, b, "x"); err != nil {
					t.Errorf("k=%d after=%v: retry: %v", k, after, err)
					continue
				}
				_, _ = e.svc.Process(e.ctx, o.ID)
				if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
					t.Errorf("k=%d after=%v: process: %v", k, after, err)
				}
				if d := cmp.Diff(want, e.outcome3(o.ID)); d != "" {
					t.Errorf("packed=%v k=%d after=%v (-want +got):\n%s", packed, k, after, d)
				}
			}
		}
	}
}
