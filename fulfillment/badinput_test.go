package fulfillment_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

func twoSites(t *testing.T, opts fulfillment.ServiceOptions) *env {
	e := newEnv(t, &envConfig{opts: opts})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("MUG", "")
	e.item("TEE", "")
	return e
}

// nothingReserved checks an order holds no stock and no fulfillment order.
func (e *env) nothingReserved(id oms.ID) {
	e.t.Helper()
	rs, err := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(rs) != 0 {
		e.t.Errorf("order %s holds %d reservations", id, len(rs))
	}
	if fos, _ := e.svc.FulfillmentOrders(e.ctx, id); len(fos) != 0 {
		e.t.Errorf("order %s has %d fulfillment orders", id, len(fos))
	}
	for _, l := range e.order(id).Lines {
		if l.Allocated != 0 {
			e.t.Errorf("line %s allocated %d", l.SKU, l.Allocated)
		}
	}
}

func TestProcessRefusesOrderOnHold(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1))
	if _, err := e.orders.AddHold(e.ctx, o.ID, order.HoldInput{Reason: order.HoldFraudReview}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Process(e.ctx, o.ID)
	if !errors.Is(err, oms.ErrOnHold) || !strings.Contains(err.Error(), "fraud_review") {
		t.Fatalf("err = %v, want an error matching oms.ErrOnHold naming the hold", err)
	}
	if _, err := e.svc.Allocate(e.ctx, o.ID); !errors.Is(err, oms.ErrOnHold) {
		t.Fatalf("Allocate: err = %v, want oms.ErrOnHold", err)
	}
	e.nothingReserved(o.ID)
}

func TestProcessRefusesUnconfirmedOrder(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o, err := e.orders.Place(e.ctx, order.PlaceInput{Currency: oms.USD, Channel: "web", Customer: order.Customer{Email: "a@example.com"},
		ShippingAddress: customer, Lines: []order.LineInput{{SKU: "MUG", Name: "mug", Quantity: 1, UnitPrice: usd("1.00")}},
		Payment: order.PaymentInput{Method: "tok_visa"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.Is(err, oms.ErrInvalidTransition) || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("err = %v, want an invalid transition naming pending", err)
	}
	e.nothingReserved(o.ID)
	if _, err := e.svc.Process(e.ctx, "no-such-order"); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("unknown order: err = %v", err)
	}
}

func TestProcessNoStockAnywhereListsLinesReservesNothing(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 1)
	e.stock("MUG", "west", 1)
	o := e.place(nil, small("MUG", 5), small("TEE", 2))
	_, err := e.svc.Process(e.ctx, o.ID)
	var se *fulfillment.ShortageError
	if !errors.As(err, &se) || !errors.Is(err, oms.ErrInsufficientStock) {
		t.Fatalf("err = %v, want a *ShortageError", err)
	}
	if len(se.Lines) != 2 || se.Lines[0].SKU != "MUG" || se.Lines[0].Available != 2 || se.Lines[1].SKU != "TEE" || se.OrderID != o.ID {
		t.Errorf("shortage lines: %+v", se.Lines)
	}
	e.nothingReserved(o.ID)
	if lv := e.level("MUG", "east"); lv.Reserved != 0 {
		t.Errorf("stock reserved: %+v", lv)
	}
	if got := e.order(o.ID); got.Version != o.Version {
		t.Errorf("order changed: version %d → %d", o.Version, got.Version)
	}
}

func TestMoveToLocationWithoutStockChangesNothing(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 5)
	e.location("dark", 3, func(l *inventory.Location) { l.Ships = false })
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := fos[0]
	if _, err := e.svc.Move(e.ctx, before.ID, "west"); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Fatalf("move to west without stock: err = %v, want oms.ErrInsufficientStock", err)
	}
	for to, kind := range map[oms.ID]error{"dark": oms.ErrValidation, "east": oms.ErrValidation, "nowhere": oms.ErrNotFound} {
		if _, err := e.svc.Move(e.ctx, before.ID, to); !errors.Is(err, kind) {
			t.Errorf("move to %s: err = %v, want %v", to, err, kind)
		}
	}
	after, _ := e.svc.FulfillmentOrder(e.ctx, before.ID)
	if after.Version != before.Version || after.Status != fulfillment.StatusOpen {
		t.Errorf("fulfillment order changed: %s v%d", after.Status, after.Version)
	}
	if fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID); len(fos) != 1 {
		t.Errorf("%d fulfillment orders after refused moves", len(fos))
	}
	if lv := e.level("MUG", "west"); lv.Reserved != 0 {
		t.Errorf("west reserved %d", lv.Reserved)
	}
}

func TestMergeAcrossLocationsRefused(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 1)
	e.stock("MUG", "west", 5)
	o := e.place(nil, small("MUG", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil || len(fos) != 2 {
		t.Fatalf("%v, %d fulfillment orders", err, len(fos))
	}
	_, err = e.svc.Merge(e.ctx, []oms.ID{fos[0].ID, fos[1].ID})
	if !errors.Is(err, oms.ErrValidation) || !strings.Contains(err.Error(), "location") {
		t.Fatalf("err = %v, want a validation error about locations", err)
	}
	if _, err := e.svc.Merge(e.ctx, []oms.ID{fos[0].ID}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("merging one: err = %v", err)
	}
	for _, fo := range fos {
		got, _ := e.svc.FulfillmentOrder(e.ctx, fo.ID)
		if got.Version != fo.Version {
			t.Errorf("%s changed", fo.ID)
		}
	}
}

func TestPackScanMismatchNamesDifferences(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual, VerifyPacking: true})
	e.stock("MUG", "east", 5)
	e.stock("TEE", "east", 5)
	o := e.place(nil, small("MUG", 2), small("TEE", 1))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	id := fos[0].ID
	if _, err := e.svc.ConfirmPicks(e.ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 0 {
		t.Fatalf("shipped before verification")
	}
	fo, _ := e.svc.FulfillmentOrder(e.ctx, id)
	if len(fo.Packages) != 1 {
		t.Fatalf("%d packages", len(fo.Packages))
	}
	_, err = e.svc.VerifyPack(e.ctx, id, 0, []fulfillment.Scan{{SKU: "MUG", Quantity: 1}, {SKU: "HAT", Quantity: 1}})
	var pm *fulfillment.PackMismatchError
	if !errors.As(err, &pm) || !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("err = %v, want a *PackMismatchError", err)
	}
	want := []fulfillment.PackDifference{{SKU: "HAT", Expected: 0, Scanned: 1}, {SKU: "MUG", Expected: 2, Scanned: 1}, {SKU: "TEE", Expected: 1, Scanned: 0}}
	if len(pm.Differences) != 3 || pm.Differences[0] != want[0] || pm.Differences[1] != want[1] || pm.Differences[2] != want[2] {
		t.Errorf("differences: %+v", pm.Differences)
	}
	if !strings.Contains(err.Error(), "sku MUG expected 2, scanned 1") {
		t.Errorf("message: %v", err)
	}
	for _, bad := range []struct {
		pkg   int
		scans []fulfillment.Scan
	}{{-1, nil}, {1, nil}, {math.MaxInt, nil}, {0, []fulfillment.Scan{{SKU: "MUG", Quantity: 0}}}, {0, []fulfillment.Scan{{SKU: "MUG", Quantity: math.MaxInt64}}}} {
		if _, err := e.svc.VerifyPack(e.ctx, id, bad.pkg, bad.scans); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("package %d %v: err = %v", bad.pkg, bad.scans, err)
		}
	}
	if got, _ := e.svc.FulfillmentOrder(e.ctx, id); got.Version != fo.Version || got.Packages[0].Verified {
		t.Errorf("a refused scan changed the fulfillment order")
	}
	if _, err := e.svc.VerifyPack(e.ctx, id, 0, []fulfillment.Scan{{SKU: "TEE", Quantity: 1}, {SKU: "MUG", Quantity: 2}}); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Shipments) != 1 {
		t.Fatalf("after verification: %v, %d shipments", err, len(res.Shipments))
	}
}

func TestShipCancelledFulfillmentOrderRefused(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo, err := e.svc.Cancel(e.ctx, fos[0].ID, "customer changed mind")
	if err != nil {
		t.Fatal(err)
	}
	if fo.Status != fulfillment.StatusCancelled {
		t.Fatalf("status %s", fo.Status)
	}
	if _, err := e.svc.Ship(e.ctx, fo.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("ship a cancelled fulfillment order: err = %v", err)
	}
	if e.carrier.Purchases() != 0 || e.carrier.LabelCalls() != 0 {
		t.Errorf("labels: %d bought", e.carrier.Purchases())
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 {
		t.Errorf("stock still reserved after cancel: %+v", lv)
	}
	got := e.order(o.ID)
	if got.Status != order.StatusCancelled || got.Lines[0].Cancelled != 2 || got.Lines[0].Allocated != 0 {
		t.Errorf("order after its only fulfillment order was cancelled: %s %+v", got.Status, got.Lines[0])
	}
	// Cancelling again changes nothing.
	again, err := e.svc.Cancel(e.ctx, fo.ID, "again")
	if err != nil || again.Version != fo.Version {
		t.Errorf("second cancel: %v, version %d → %d", err, fo.Version, again.Version)
	}
	e.reconcile()
}

func TestTrackingEventForUnknownPackageIsAnOrphan(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	sh, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "ups", TrackingNumber: "1Z404", Status: tracking.StatusDelivered, At: t0})
	if err != nil || sh != nil {
		t.Fatalf("unknown package: %v, %v", sh, err)
	}
	os, err := e.store.Orphans(e.ctx)
	if err != nil || len(os) != 1 || os[0].TrackingNumber != "1Z404" || os[0].Status != "delivered" {
		t.Fatalf("orphans: %+v, %v", os, err)
	}
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "", TrackingNumber: "x"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("no carrier: err = %v", err)
	}
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "ups", TrackingNumber: strings.Repeat("9", 200)}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("huge number: err = %v", err)
	}
}

func TestCommandsRefuseHostileInput(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fos[0].ID
	line := fos[0].Lines[0].LineID
	checks := map[string]error{}
	_, checks["hold reason"] = e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: "bored"})
	_, checks["hold key"] = e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: fulfillment.HoldOther, Key: strings.Repeat("k", 200)})
	_, checks["split empty"] = e.svc.Split(e.ctx, id, nil)
	_, checks["split zero"] = e.svc.Split(e.ctx, id, []fulfillment.SplitLine{{LineID: line, Quantity: 0}})
	_, checks["split max"] = e.svc.Split(e.ctx, id, []fulfillment.SplitLine{{LineID: line, Quantity: math.MaxInt64}})
	_, checks["split too many"] = e.svc.Split(e.ctx, id, []fulfillment.SplitLine{{LineID: line, Quantity: 3}})
	_, checks["split all"] = e.svc.Split(e.ctx, id, []fulfillment.SplitLine{{LineID: line, Quantity: 2}})
	_, checks["split unknown line"] = e.svc.Split(e.ctx, id, []fulfillment.SplitLine{{LineID: "nope", Quantity: 1}})
	_, checks["picks before wave"] = e.svc.ConfirmPicks(e.ctx, id, nil)
	_, checks["picks negative"] = e.svc.ConfirmPicks(e.ctx, id, []fulfillment.Picked{{LineID: line, Quantity: -1}})
	_, checks["picks duplicate"] = e.svc.ConfirmPicks(e.ctx, id, []fulfillment.Picked{{LineID: line, Quantity: 1}, {LineID: line, Quantity: 1}})
	_, checks["wave empty"] = e.svc.StartWave(e.ctx, "east", nil)
	_, checks["wave elsewhere"] = e.svc.StartWave(e.ctx, "west", []oms.ID{id})
	_, checks["pack unpicked"] = e.svc.Pack(e.ctx, id)
	_, checks["cancel reason"] = e.svc.Cancel(e.ctx, id, strings.Repeat("r", 2000))
	_, checks["third party not accepted"] = e.svc.ThirdPartyShipped(e.ctx, id, fulfillment.ThirdPartyShipment{Carrier: "x", TrackingNumbers: []string{"1"}})
	_, checks["third party empty"] = e.svc.ThirdPartyShipped(e.ctx, id, fulfillment.ThirdPartyShipment{})
	_, checks["submit without provider"] = e.svc.Submit(e.ctx, id)
	for name, err := range checks {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	got, _ := e.svc.FulfillmentOrder(e.ctx, id)
	if got.Version != fos[0].Version {
		t.Errorf("refused commands changed the fulfillment order: version %d → %d", fos[0].Version, got.Version)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, "ghost", nil); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown fulfillment order: %v", err)
	}
	if _, err := fulfillment.NewService(nil, nil, nil, nil, nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("NewService without stores: %v", err)
	}
}

// TestMergeWithItselfRefused: the model test found that merging a
// fulfillment order with itself doubled its units.
func TestMergeWithItselfRefused(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Merge(e.ctx, []oms.ID{fos[0].ID, fos[0].ID}); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("merge with itself: err = %v, want a validation error", err)
	}
	if got, _ := e.svc.FulfillmentOrder(e.ctx, fos[0].ID); got.Lines[0].Quantity != 2 || got.Version != fos[0].Version {
		t.Errorf("merge with itself changed the order: %+v", got.Lines)
	}
}
