package fulfillment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

func TestHoldsStopWorkAndReleaseReturnsToStatus(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fos[0].ID
	fo, err := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Key: "addr", Reason: fulfillment.HoldIncorrectAddress})
	if err != nil || fo.Status != fulfillment.StatusOnHold || fo.HeldFrom != fulfillment.StatusOpen {
		t.Fatalf("hold: %v %+v", err, fo)
	}
	if again, _ := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Key: "addr", Reason: fulfillment.HoldIncorrectAddress}); again.Version != fo.Version {
		t.Errorf("a replayed hold changed the order")
	}
	fo, _ = e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Reason: fulfillment.HoldHighRisk, Note: "check"})
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil || len(res.Waiting) != 1 || res.Waiting[0].Reason != "on hold" || len(res.Shipments) != 0 {
		t.Fatalf("process while held: %v %+v", err, res)
	}
	if fo, _ = e.svc.ReleaseHold(e.ctx, id, fo.Holds[0].ID); fo.Status != fulfillment.StatusOnHold {
		t.Fatalf("one of two holds released: %s", fo.Status)
	}
	if fo, _ = e.svc.ReleaseHold(e.ctx, id, fo.Holds[1].ID); fo.Status != fulfillment.StatusOpen {
		t.Fatalf("both released: %s", fo.Status)
	}
	if again, _ := e.svc.ReleaseHold(e.ctx, id, fo.Holds[1].ID); again.Version != fo.Version {
		t.Errorf("releasing a released hold changed the order")
	}
	if _, err := e.svc.ReleaseHold(e.ctx, id, "nope"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown hold: %v", err)
	}
	// An order hold added after packing stops Process before any label.
	e2 := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e2.stock("MUG", "east", 5)
	o2 := e2.place(nil, small("MUG", 1))
	if _, err := e2.svc.Process(e2.ctx, o2.ID); err != nil {
		t.Fatal(err)
	}
	fos2, _ := e2.svc.FulfillmentOrders(e2.ctx, o2.ID)
	if _, err := e2.svc.ConfirmPicks(e2.ctx, fos2[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.svc.Pack(e2.ctx, fos2[0].ID); err != nil {
		t.Fatal(err)
	}
	held, err := e2.orders.AddHold(e2.ctx, o2.ID, order.HoldInput{Reason: order.HoldCustomerRequest})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.svc.Ship(e2.ctx, fos2[0].ID); !errors.Is(err, oms.ErrOnHold) {
		t.Fatalf("ship with an order hold: %v", err)
	}
	if _, err := e2.svc.Process(e2.ctx, o2.ID); !errors.Is(err, oms.ErrOnHold) {
		t.Fatalf("process with an order hold: %v", err)
	}
	if e2.carrier.LabelCalls() != 0 {
		t.Fatalf("a label was bought for an order on hold")
	}
	if _, err := e2.orders.ReleaseHold(e2.ctx, o2.ID, held.Holds[0].ID, order.ReleaseInput{}); err != nil {
		t.Fatal(err)
	}
	if res, err := e2.svc.Process(e2.ctx, o2.ID); err != nil || len(res.Shipments) != 1 {
		t.Fatalf("after release: %v", err)
	}
}

func TestSplitThenMergeBack(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 5)
	e.stock("TEE", "east", 5)
	o := e.place(nil, small("MUG", 3), small("TEE", 1))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	src := fos[0]
	mug := src.Lines[0].LineID
	part, err := e.svc.Split(e.ctx, src.ID, []fulfillment.SplitLine{{LineID: mug, Quantity: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.svc.Split(e.ctx, src.ID, []fulfillment.SplitLine{{LineID: mug, Quantity: 2}}); err != nil || again.ID != part.ID {
		t.Fatalf("replayed split: %v, %s vs %s", err, again.ID, part.ID)
	}
	left, _ := e.svc.FulfillmentOrder(e.ctx, src.ID)
	if part.Lines[0].Quantity != 2 || left.Lines[0].Quantity != 1 || part.SplitFrom != src.ID {
		t.Fatalf("split: %+v / %+v", part.Lines, left.Lines)
	}
	merged, err := e.svc.Merge(e.ctx, []oms.ID{src.ID, part.ID})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Lines[0].Quantity != 3 || len(merged.MergedFrom) != 1 {
		t.Fatalf("merged: %+v", merged)
	}
	gone, _ := e.svc.FulfillmentOrder(e.ctx, part.ID)
	if gone.Status != fulfillment.StatusClosed || gone.MovedTo != src.ID {
		t.Fatalf("merged source: %s → %s", gone.Status, gone.MovedTo)
	}
	if again, err := e.svc.Merge(e.ctx, []oms.ID{src.ID, part.ID}); err != nil || again.Version != merged.Version {
		t.Errorf("replayed merge: %v", err)
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{src.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, src.ID, nil); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil || len(res.Shipments) != 1 {
		t.Fatalf("%v, %d shipments", err, len(res.Shipments))
	}
	if d := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 0, 3, 3, 3, 0}, "TEE": {1, 0, 1, 1, 1, 0}}, counters(e.order(o.ID))); d != "" {
		t.Errorf("counters (-want +got):\n%s", d)
	}
	e.reconcile()
}

type fakeBins map[oms.SKU]fulfillment.Bin

func (b fakeBins) Locate(ctx context.Context, loc oms.ID, skus []oms.SKU) (map[oms.SKU]fulfillment.Bin, error) {
	return b, nil
}

func TestWaveGroupsSKUsInBinOrder(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual,
		Bins: fakeBins{"MUG": {Code: "B-07", Sequence: 20}, "TEE": {Code: "A-01", Sequence: 10}}})
	e.item("HAT", "")
	for _, s := range []oms.SKU{"MUG", "TEE", "HAT"} {
		e.stock(s, "east", 10)
	}
	o1 := e.place(nil, small("MUG", 2), small("HAT", 1))
	o2 := e.place(nil, small("MUG", 1), small("TEE", 3))
	f1, _ := e.svc.Allocate(e.ctx, o1.ID)
	f2, _ := e.svc.Allocate(e.ctx, o2.ID)
	pl, err := e.svc.StartWave(e.ctx, "east", []oms.ID{f1[0].ID, f2[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range pl.Lines {
		got = append(got, string(l.SKU)+"@"+l.Bin.Code+"x"+itoa(int(l.Quantity))+"/"+itoa(len(l.Sources)))
	}
	if d := cmp.Diff([]string{"TEE@A-01x3/1", "MUG@B-07x3/2", "HAT@x1/1"}, got); d != "" {
		t.Errorf("pick walk (-want +got):\n%s", d)
	}
	if _, err := e.svc.StartWave(e.ctx, "east", []oms.ID{f1[0].ID, f1[0].ID}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("duplicate in wave: %v", err)
	}
	// Picking again with other quantities is refused; the same picks are a replay.
	fo, err := e.svc.ConfirmPicks(e.ctx, f1[0].ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.svc.ConfirmPicks(e.ctx, f1[0].ID, nil); err != nil || again.Version != fo.Version {
		t.Errorf("replayed picks: %v", err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, f1[0].ID, []fulfillment.Picked{{LineID: fo.Lines[0].LineID, Quantity: 1}}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("other picks: %v", err)
	}
}

func TestShortPickReallocatedElsewhere(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 3)
	e.stock("MUG", "west", 3)
	o := e.place(nil, small("MUG", 3))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	east := res.FulfillmentOrders[0]
	if _, err := e.svc.ConfirmPicks(e.ctx, east.ID, []fulfillment.Picked{{LineID: east.Lines[0].LineID, Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	if len(fos) == 2 && fos[0].Location == "west" {
		fos[0], fos[1] = fos[1], fos[0]
	}
	if len(fos) != 2 || fos[1].Location != "west" || fos[1].Lines[0].Quantity != 2 {
		t.Fatalf("re-allocation: %d fulfillment orders", len(fos))
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 1 || lv.Reserved != 1 {
		t.Errorf("east after a loss of 2: %+v", lv)
	}
	entries, _ := e.inv.Ledger(e.ctx, inventory.LedgerFilter{SKU: "MUG", Location: "east"})
	if last := entries[len(entries)-1]; last.Reason != inventory.ReasonLoss || last.OnHand != -2 {
		t.Errorf("ledger: %+v", last)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, fos[1].ID, nil); err == nil {
		t.Errorf("picks before the wave started were accepted")
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, fos[1].ID, nil); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Shipments) != 2 {
		t.Fatalf("%v, %d shipments", err, len(res.Shipments))
	}
	if d := cmp.Diff(map[oms.SKU][6]int64{"MUG": {3, 0, 3, 3, 3, 0}}, counters(e.order(o.ID))); d != "" {
		t.Errorf("counters (-want +got):\n%s", d)
	}
	e.reconcile()
}

func TestBackorderWaitsThenShipsWhenStockArrives(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.item("PRE", inventory.BackorderAllow)
	if _, err := e.inv.Expect(e.ctx, inventory.Expectation{ID: "po-1", SKU: "PRE", Location: "west", Quantity: 10, ExpectedAt: t0.AddDate(0, 0, 5)}); err != nil {
		t.Fatal(err)
	}
	o := e.place(nil, small("PRE", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	if fo.Status != fulfillment.StatusScheduled || !fo.Backorder || fo.Location != "west" || !fo.FulfillAt.Equal(t0.AddDate(0, 0, 5)) {
		t.Fatalf("backorder: %+v", fo)
	}
	if len(res.Waiting) != 1 || res.Waiting[0].Reason != "waiting for stock" {
		t.Fatalf("waiting: %+v", res.Waiting)
	}
	if _, err := e.inv.Receive(e.ctx, inventory.Receipt{InboundID: "po-1", Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Shipments) != 1 {
		t.Fatalf("after receipt: %v %+v", err, res.Waiting)
	}
	e.reconcile()
}

func TestRateShopHonoursServiceLevelAndPromisedDate(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 10)
	day := func(n int) oms.Date { return oms.DateOf(t0.AddDate(0, 0, n)) }
	e.carrier.SetRates([]shipping.Rate{
		{Carrier: "fake", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 5, Delivery: shipping.Window{Earliest: day(5), Latest: day(6)}},
		{Carrier: "fake", ServiceCode: "ground_plus", Level: oms.LevelStandard, Price: usd("7.00"), TransitDays: 3, Delivery: shipping.Window{Earliest: day(3), Latest: day(3)}},
		{Carrier: "fake", ServiceCode: "express", Level: oms.LevelExpress, Price: usd("19.00"), TransitDays: 2, Delivery: shipping.Window{Earliest: day(2), Latest: day(2)}},
	})
	ship := func(mod func(*order.PlaceInput)) string {
		o := e.place(mod, small("MUG", 1))
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return res.Shipments[0].ServiceCode
	}
	if got := ship(nil); got != "ground" {
		t.Errorf("standard without a date: %s, want ground", got)
	}
	if got := ship(func(in *order.PlaceInput) { in.Shipping.ServiceLevel = oms.LevelExpress }); got != "express" {
		t.Errorf("express: %s", got)
	}
	d := t0.AddDate(0, 0, 4)
	if got := ship(func(in *order.PlaceInput) { in.Shipping.PromisedBy = oms.NewDate(d.Year(), d.Month(), d.Day()) }); got != "ground_plus" {
		t.Errorf("standard promised in 4 days: %s, want ground_plus", got)
	}
	d = t0.AddDate(0, 0, 1)
	if got := ship(func(in *order.PlaceInput) { in.Shipping.PromisedBy = oms.NewDate(d.Year(), d.Month(), d.Day()) }); got != "ground_plus" {
		t.Errorf("standard promised tomorrow (nothing arrives): %s, want the fastest standard", got)
	}
}

func TestExceptionsLostPackageReshippedOnce(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	num := sh.Packages[0].TrackingNumber
	e.trackingStatus(num, tracking.StatusDeliveryFailed, tracking.ReasonRecipientUnavailable)
	got, _ := e.svc.Shipment(e.ctx, sh.ID)
	if got.Status != fulfillment.ShipmentException || got.Packages[0].Status != fulfillment.PackageException {
		t.Fatalf("failed attempt: %s / %s", got.Status, got.Packages[0].Status)
	}
	if _, err := e.svc.ReshipLost(e.ctx, sh.ID, 0); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("re-ship a package that is not lost: %v", err)
	}
	e.trackingStatus(num, tracking.StatusInTransit, "")
	if got, _ = e.svc.Shipment(e.ctx, sh.ID); got.Status != fulfillment.ShipmentShipped {
		t.Fatalf("back in transit: %s", got.Status)
	}
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: num, Status: tracking.StatusInTransit, Alert: tracking.AlertStalled, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.svc.Shipment(e.ctx, sh.ID); got.Status != fulfillment.ShipmentException || got.Exception != "stalled" {
		t.Fatalf("stalled: %s %s", got.Status, got.Exception)
	}
	e.trackingStatus(num, tracking.StatusException, tracking.ReasonLost)
	if got, _ = e.svc.Shipment(e.ctx, sh.ID); got.Packages[0].Status != fulfillment.PackageLost {
		t.Fatalf("lost: %s", got.Packages[0].Status)
	}
	fos, err := e.svc.ReshipLost(e.ctx, sh.ID, 0)
	if err != nil || len(fos) != 1 || !fos[0].Reship {
		t.Fatalf("reship: %v %+v", err, fos)
	}
	again, err := e.svc.ReshipLost(e.ctx, sh.ID, 0)
	if err != nil || len(again) != 1 || again[0].ID != fos[0].ID {
		t.Fatalf("second reship made other work: %v", err)
	}
	if _, err := e.svc.ReshipLost(e.ctx, sh.ID, 5); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad package index: %v", err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Shipments) != 2 {
		t.Fatalf("%v, %d shipments", err, len(res.Shipments))
	}
	if d := cmp.Diff(map[oms.SKU][6]int64{"MUG": {2, 0, 2, 2, 2, 0}}, counters(e.order(o.ID))); d != "" {
		t.Errorf("counters after the re-ship (-want +got):\n%s", d)
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 1 {
		t.Errorf("east on hand %d, want 1 (two shipped twice)", lv.OnHand)
	}
	var reship *fulfillment.Shipment
	for _, s := range res.Shipments {
		if s.ID != sh.ID {
			reship = s
		}
	}
	e.trackingStatus(reship.Packages[0].TrackingNumber, tracking.StatusDelivered, "")
	got2 := e.order(o.ID)
	if got2.Status != order.StatusCompleted || got2.Lines[0].Delivered != 2 {
		t.Errorf("after the re-shipped parcel arrived: %s %+v", got2.Status, got2.Lines[0])
	}
	e.reconcile()
	// Other events are ignored; a repeated delivery changes nothing.
	if err := e.svc.HandleEvent(e.ctx, oms.Event{Type: "order.placed"}); err != nil {
		t.Error(err)
	}
	if err := e.svc.HandleEvent(e.ctx, oms.Event{Type: tracking.EventStatusChanged, Payload: []byte("{")}); err == nil {
		t.Error("a malformed payload was accepted")
	}
	before := e.order(o.ID).Version
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: reship.Packages[0].TrackingNumber, Status: tracking.StatusDelivered, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if e.order(o.ID).Version != before {
		t.Errorf("a repeated delivery moved the order")
	}
	_ = time.Second
}

type fakeProvider struct {
	accept, cancel bool
	calls          []string
}

func (p *fakeProvider) Submit(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.calls = append(p.calls, "submit:"+r.Key)
	return fulfillment.ProviderDecision{Accepted: p.accept, Message: "stock check"}, nil
}

func (p *fakeProvider) Cancel(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.calls = append(p.calls, "cancel")
	return fulfillment.ProviderDecision{Accepted: p.cancel, Message: "too late"}, nil
}

func TestThirdPartyRejectedMovedAndCancellation(t *testing.T) {
	p := &fakeProvider{}
	e := twoSites(t, fulfillment.ServiceOptions{Provider: p})
	e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.stock("MUG", "3pl", 5)
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	if fo.Location != "3pl" || fo.Request != fulfillment.RequestRejected {
		t.Fatalf("rejected request: %s %s", fo.Location, fo.Request)
	}
	p.accept = true
	if fo, err = e.svc.Submit(e.ctx, fo.ID); err != nil || fo.Request != fulfillment.RequestAccepted {
		t.Fatalf("resubmitted: %v %s", err, fo.Request)
	}
	if len(p.calls) != 2 || p.calls[0] == p.calls[1] {
		t.Errorf("each submission has its own key: %v", p.calls)
	}
	if _, err := e.svc.Move(e.ctx, fo.ID, "east"); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("moving an accepted request: %v", err)
	}
	if _, err := e.svc.Cancel(e.ctx, fo.ID, "oops"); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("cancel refused by the provider: %v", err)
	}
	if fo, _ = e.svc.FulfillmentOrder(e.ctx, fo.ID); fo.Request != fulfillment.RequestCancellationRejected || fo.Status != fulfillment.StatusOpen {
		t.Fatalf("after a refused cancellation: %s %s", fo.Request, fo.Status)
	}
	p.cancel = true
	if fo, err = e.svc.Cancel(e.ctx, fo.ID, "oops"); err != nil || fo.Status != fulfillment.StatusCancelled {
		t.Fatalf("cancel accepted: %v %s", err, fo.Status)
	}
	if lv := e.level("MUG", "3pl"); lv.Reserved != 0 {
		t.Errorf("3pl stock still reserved: %+v", lv)
	}
	if got := e.order(o.ID); got.Status != order.StatusCancelled {
		t.Errorf("order: %s", got.Status)
	}
	if !fulfillment.CanRequestTransition(fulfillment.RequestUnsubmitted, fulfillment.RequestSubmitted) || fulfillment.CanRequestTransition(fulfillment.RequestClosed, fulfillment.RequestSubmitted) {
		t.Error("request table")
	}
}

// TestAddHoldKeyReusedWithOtherReasonIsDuplicate: a hold key replayed with
// the same reason and note is a replay; with another reason or note it is
// an error matching oms.ErrDuplicate and changes nothing (it used to
// return the order as if the second hold had been added).
func TestAddHoldKeyReusedWithOtherReasonIsDuplicate(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fos[0].ID
	fo, err := e.svc.AddHold(e.ctx, id, fulfillment.HoldInput{Key: "k", Reason: fulfillment.HoldIncorrectAddress, Note: "flat 2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []fulfillment.HoldInput{
		{Key: "k", Reason: fulfillment.HoldHighRisk, Note: "flat 2"},
		{Key: "k", Reason: fulfillment.HoldIncorrectAddress, Note: "flat 3"},
	} {
		if _, err := e.svc.AddHold(e.ctx, id, in); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("AddHold(%+v) = %v, want ErrDuplicate", in, err)
		}
	}
	after, err := e.svc.FulfillmentOrder(e.ctx, id)
	if err != nil || after.Version != fo.Version || len(after.Holds) != 1 {
		t.Errorf("refused holds changed the fulfillment order: version %d → %d, %d holds, %v", fo.Version, after.Version, len(after.Holds), err)
	}
}
