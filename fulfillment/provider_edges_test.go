package fulfillment_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

type flakyProvider struct {
	fail int
	keys []string
}

func (p *flakyProvider) Submit(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	p.keys = append(p.keys, r.Key)
	if p.fail > 0 {
		p.fail--
		return fulfillment.ProviderDecision{}, errors.New("provider timeout")
	}
	return fulfillment.ProviderDecision{Accepted: true}, nil
}

func (p *flakyProvider) Cancel(ctx context.Context, r fulfillment.ProviderRequest) (fulfillment.ProviderDecision, error) {
	return fulfillment.ProviderDecision{}, errors.New("provider down")
}

func TestSubmitRetriesUnderTheSameKey(t *testing.T) {
	p := &flakyProvider{fail: 1}
	e := twoSites(t, fulfillment.ServiceOptions{Provider: p})
	e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindDropship })
	e.stock("MUG", "3pl", 5)
	o := e.place(nil, small("MUG", 1))
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil || !strings.Contains(err.Error(), "provider timeout") {
		t.Fatalf("first submission: %v", err)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	if fos[0].Request != fulfillment.RequestSubmitted {
		t.Fatalf("after a lost answer: %s", fos[0].Request)
	}
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil || res.FulfillmentOrders[0].Request != fulfillment.RequestAccepted {
		t.Fatalf("second: %v %s", err, res.FulfillmentOrders[0].Request)
	}
	if len(p.keys) != 2 || p.keys[0] != p.keys[1] {
		t.Errorf("the lost answer is asked again under the same key: %v", p.keys)
	}
	if _, err := e.svc.Cancel(e.ctx, fos[0].ID, "x"); err == nil || !strings.Contains(err.Error(), "provider down") {
		t.Errorf("cancel with the provider down: %v", err)
	}
	if _, err := e.svc.ThirdPartyShipped(e.ctx, fos[0].ID, fulfillment.ThirdPartyShipment{Carrier: "fake", TrackingNumbers: []string{"", "x"}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("empty tracking number: %v", err)
	}
	e2 := twoSites(t, fulfillment.ServiceOptions{})
	e2.stock("MUG", "east", 1)
	o2 := e2.place(nil, small("MUG", 1))
	f2, _ := e2.svc.Allocate(e2.ctx, o2.ID)
	if _, err := e2.svc.Submit(e2.ctx, f2[0].ID); !errors.Is(err, oms.ErrUnsupported) {
		t.Errorf("submit without a provider: %v", err)
	}
}

func TestShortageErrorNamesOrderAndLines(t *testing.T) {
	err := &fulfillment.ShortageError{OrderID: "o1", Lines: []fulfillment.ShortLine{{LineID: "l1", SKU: "MUG", Requested: 3, Available: 1}, {LineID: "l2", SKU: "TEE", Requested: 1}}}
	want := "fulfillment: order o1: insufficient stock: line l1 sku MUG: requested 3, available 1; line l2 sku TEE: requested 1, available 0"
	if err.Error() != want || !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("%q", err.Error())
	}
}

func TestNearestWithUnknownCoordinates(t *testing.T) {
	r := baseRequest()
	r.Locations[1].Coordinates = nil // B, the nearest, has no coordinates: it sorts last
	r.Strategy = fulfillment.ByNearest()
	p, err := fulfillment.Allocate(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Locations(); got[0] != "C" {
		t.Errorf("plan %v: C (Chicago) is nearer New York than A (Los Angeles)", got)
	}
	r.Coordinates = nil
	if p, _ = fulfillment.Allocate(r); p.Locations()[0] != "A" {
		t.Errorf("no customer coordinates: falls back to ID order, got %v", p.Locations())
	}
	if d := fulfillment.Haversine(inventory.Coordinates{Latitude: 0, Longitude: 0}, inventory.Coordinates{Latitude: 0, Longitude: 180}); d < 20015 || d > 20016 {
		t.Errorf("half the equator: %v km", d)
	}
}

// quoteOnly is a carrier that quotes but cannot buy labels.
type quoteOnly struct{ c shipping.Carrier }

func (q quoteOnly) Code() string { return q.c.Code() }

func (q quoteOnly) Rates(ctx context.Context, r shipping.RateRequest) ([]shipping.Rate, error) {
	return q.c.Rates(ctx, r)
}

func TestShipWithoutLabelBuyerOrCarriers(t *testing.T) {
	e := newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { return quoteOnly{c} }})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1))
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("a carrier that cannot buy labels: %v", err)
	}
	if e.svc.Store() == nil {
		t.Error("Store")
	}
	e2 := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Carriers: []shipping.Carrier{}}})
	e2.location("east", 1, nil)
	e2.item("MUG", "")
	e2.stock("MUG", "east", 5)
	o2 := e2.place(nil, small("MUG", 1))
	if _, err := e2.svc.Process(e2.ctx, o2.ID); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("no carriers: %v", err)
	}
}

func TestReturnedPackageReshipped(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	num := sh.Packages[0].TrackingNumber
	for _, st := range []tracking.Status{tracking.StatusReturning, tracking.StatusReturned} {
		if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: num, Status: st, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := e.svc.Shipment(e.ctx, sh.ID)
	if got.Packages[0].Status != fulfillment.PackageReturned || got.Status != fulfillment.ShipmentException {
		t.Fatalf("returned: %s %s", got.Packages[0].Status, got.Status)
	}
	// In-transit news after a return changes nothing.
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: num, Status: tracking.StatusInTransit, At: t0}); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.svc.Shipment(e.ctx, sh.ID); again.Version != got.Version {
		t.Errorf("news after a return moved the shipment")
	}
	// Unknown statuses are ignored.
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: num, Status: tracking.StatusUnknown, At: t0}); err != nil {
		t.Fatal(err)
	}
	fos, err := e.svc.ReshipLost(e.ctx, sh.ID, 0)
	if err != nil || len(fos) != 1 {
		t.Fatalf("reship a returned package: %v", err)
	}
}

func TestEveryUnitPickedShortClosesIncomplete(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 2)
	e.stock("MUG", "west", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	east := res.FulfillmentOrders[0]
	if _, err := e.svc.ConfirmPicks(e.ctx, east.ID, []fulfillment.Picked{{LineID: east.Lines[0].LineID, Quantity: 0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.FulfillmentOrder(e.ctx, east.ID)
	if got.Status != fulfillment.StatusIncomplete || got.Shipment != "" {
		t.Fatalf("all short: %s, shipment %q", got.Status, got.Shipment)
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	if len(fos) != 2 {
		t.Fatalf("%d fulfillment orders", len(fos))
	}
	e.reconcile()
}

func TestThirdPartyShippedReplay(t *testing.T) {
	p := &fakeProvider{accept: true}
	e := twoSites(t, fulfillment.ServiceOptions{Provider: p})
	e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.stock("MUG", "3pl", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := res.FulfillmentOrders[0].ID
	in := fulfillment.ThirdPartyShipment{Carrier: "fake", TrackingNumbers: []string{"T1", "T2"}}
	sh, err := e.svc.ThirdPartyShipped(e.ctx, id, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.ThirdPartyShipped(e.ctx, id, in)
	if err != nil || again.Version != sh.Version {
		t.Fatalf("replay: %v", err)
	}
	in.TrackingNumbers = []string{"T9"}
	if _, err := e.svc.ThirdPartyShipped(e.ctx, id, in); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("other tracking numbers: %v", err)
	}
	if c := counters(e.order(o.ID)); c["MUG"][4] != 2 {
		t.Errorf("counters: %v", c)
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 3 || lv.Reserved != 0 {
		t.Errorf("3pl stock: %+v", lv)
	}
	e.reconcile()
}
