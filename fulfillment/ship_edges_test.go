package fulfillment_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func TestShipRefusesWhatCannotShip(t *testing.T) {
	p := &fakeProvider{accept: true}
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual, Provider: p})
	e.location("3pl", 3, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.stock("MUG", "east", 5)
	e.stock("TEE", "3pl", 5)
	o := e.place(nil, small("MUG", 1), small("TEE", 1))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil || len(fos) != 2 {
		t.Fatalf("%v %d", err, len(fos))
	}
	own, tpl := fos[0], fos[1]
	if own.Location != "east" {
		own, tpl = tpl, own
	}
	for name, id := range map[string]oms.ID{"open": own.ID, "third party": tpl.ID} {
		if _, err := e.svc.Ship(e.ctx, id); !errors.Is(err, oms.ErrInvalidTransition) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{own.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, own.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Ship(e.ctx, own.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("not packed: %v", err)
	}
	if _, err := e.svc.AddHold(e.ctx, own.ID, fulfillment.HoldInput{Reason: fulfillment.HoldOther}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Ship(e.ctx, own.ID); !errors.Is(err, oms.ErrOnHold) {
		t.Errorf("held: %v", err)
	}
	if _, err := e.svc.Pack(e.ctx, own.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("pack while held: %v", err)
	}
	// A third-party request already accepted cannot be submitted again.
	if _, err := e.svc.Submit(e.ctx, tpl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Submit(e.ctx, tpl.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("submit an accepted request: %v", err)
	}
	if _, err := e.svc.StartWave(e.ctx, "3pl", []oms.ID{tpl.ID}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("wave of a provider's order: %v", err)
	}
}

func TestBackorderedPickupWaitsForStock(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.location("shop", 3, func(l *inventory.Location) { l.Pickup = true })
	e.item("TOY", inventory.BackorderAllow)
	o := e.place(func(in *order.PlaceInput) { in.Metadata = map[string]string{fulfillment.PickupMetadataKey: "shop"} }, small("TOY", 1))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 0 || res.FulfillmentOrders[0].Status != fulfillment.StatusScheduled {
		t.Fatalf("a backordered pickup waits: %+v", res.FulfillmentOrders[0])
	}
	e.stock("TOY", "shop", 1)
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	if sh.Status != fulfillment.ShipmentReadyForPickup {
		t.Fatalf("%s", sh.Status)
	}
	if _, err := e.svc.PickedUp(e.ctx, sh.ID); err != nil {
		t.Fatal(err)
	}
}

// TestCommitWaitsWhenPromisedStockShippedElsewhere: a SKU that allows
// backorders was planned from stock another order shipped first; the
// commit waits for stock (Process reports it and logs), and finishes once
// stock arrives.
func TestCommitWaitsWhenPromisedStockShippedElsewhere(t *testing.T) {
	var buf bytes.Buffer
	var inv *racingInventory
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Logger: slog.New(slog.NewTextHandler(&buf, nil))},
		wrapInv: func(s inventory.Store) inventory.Store { inv = &racingInventory{Store: s}; return inv }})
	e.location("east", 1, nil)
	e.item("TOY", inventory.BackorderAllow)
	e.stock("TOY", "east", 1)
	inv.races = 1
	inv.steal = func(ctx context.Context, st inventory.Store) {
		if _, err := e.inv.Reserve(ctx, inventory.ReserveRequest{ID: "other", Lines: []inventory.Line{{SKU: "TOY", Location: "east", Quantity: 1}}}); err != nil {
			t.Error(err)
		}
		if _, err := e.inv.Commit(ctx, inventory.CommitRequest{Key: "other", Reservation: "other"}); err != nil {
			t.Error(err)
		}
	}
	o := e.place(nil, small("TOY", 1))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Waiting) != 1 || !strings.HasPrefix(res.Waiting[0].Reason, "waiting for stock") || !strings.Contains(buf.String(), "commit waits for stock") {
		t.Fatalf("waiting: %+v, log %q", res.Waiting, buf.String())
	}
	e.stock("TOY", "east", 1)
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Waiting) != 0 || res.Shipments[0].Status != fulfillment.ShipmentShipped {
		t.Fatalf("after stock arrived: %v %+v", err, res.Waiting)
	}
	if e.carrier.Purchases() != 1 {
		t.Errorf("labels: %d", e.carrier.Purchases())
	}
	e.reconcile()
}

func TestStringTypesValid(t *testing.T) {
	if !fulfillment.BackorderNoStock.Valid() || fulfillment.BackorderReason("x").Valid() ||
		!fulfillment.AllocationDone.Valid() || fulfillment.AllocationStatus("x").Valid() ||
		!fulfillment.PickManual.Valid() || fulfillment.PickMode("x").Valid() {
		t.Error("Valid")
	}
	e := twoSites(t, fulfillment.ServiceOptions{})
	if _, err := fulfillment.NewService(e.store, e.orders, e.inv, nil, &fulfillment.ServiceOptions{Picking: "robots"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("unknown pick mode: %v", err)
	}
}

// failOnce fails its first label purchase.
type failOnce struct {
	*shippingtest.FakeCarrier
	failed bool
}

func (c *failOnce) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	if !c.failed {
		c.failed = true
		return shipping.Label{}, errors.New("carrier timeout")
	}
	return c.FakeCarrier.BuyLabel(ctx, req)
}

// TestHoldAfterShipmentCreatedStopsLabels: a fulfillment order held after
// its shipment was created (its first label purchase failed) buys no
// label while held; Process reports it waiting and ships after release.
func TestHoldAfterShipmentCreatedStopsLabels(t *testing.T) {
	e := newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { return &failOnce{FakeCarrier: c} }})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1))
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil || !strings.Contains(err.Error(), "carrier timeout") {
		t.Fatalf("first run: %v", err)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	fo, err := e.svc.AddHold(e.ctx, fos[0].ID, fulfillment.HoldInput{Reason: fulfillment.HoldIncorrectAddress})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil || len(res.Waiting) != 1 || res.Waiting[0].Reason != "on hold" || e.carrier.Purchases() != 0 {
		t.Fatalf("held: %v %+v, %d labels", err, res.Waiting, e.carrier.Purchases())
	}
	if _, err := e.svc.ReleaseHold(e.ctx, fo.ID, fo.Holds[0].ID); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || res.Shipments[0].Status != fulfillment.ShipmentShipped || e.carrier.Purchases() != 1 {
		t.Fatalf("released: %v", err)
	}
}
