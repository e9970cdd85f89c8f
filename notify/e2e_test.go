package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

// shop is order, inventory, tracking and fulfillment over memory stores
// sharing one outbox, with a relay feeding fulfillment (tracking news)
// and notify.
type shop struct {
	t      *testing.T
	ctx    context.Context
	clock  *oms.ManualClock
	outbox *oms.MemoryOutbox
	orders *order.Service
	inv    *inventory.Service
	track  *tracking.Service
	ful    *fulfillment.Service
	ret    *returns.Service
	n      *notify.Notifier
	rec    *notifytest.Recorder
	relay  *oms.Relay
}

func newShop(t *testing.T) *shop {
	t.Helper()
	s := &shop{t: t, ctx: context.Background(), clock: oms.NewManualClock(t0), outbox: oms.NewMemoryOutbox(nil), rec: &notifytest.Recorder{}}
	s.orders = order.NewService(order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: s.outbox}),
		&order.ServiceOptions{Clock: s.clock, Gateway: ordertest.NewFakeGateway(), CapturePolicy: order.CaptureOnShipment})
	s.inv = inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: s.outbox}), &inventory.ServiceOptions{Clock: s.clock})
	s.track = tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: s.outbox}), &tracking.ServiceOptions{Clock: s.clock})
	carrier := shippingtest.NewFakeCarrier("fake", &shippingtest.FakeCarrierOptions{Clock: s.clock})
	ful, err := fulfillment.NewService(fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: s.outbox}), s.orders, s.inv, s.track,
		&fulfillment.ServiceOptions{Clock: s.clock, Carriers: []shipping.Carrier{carrier}})
	if err != nil {
		t.Fatal(err)
	}
	s.ful = ful
	if s.ret, err = returns.NewService(returns.NewMemoryStore(&returns.MemoryStoreOptions{Outbox: s.outbox}), &returns.ServiceOptions{
		Orders: s.orders, Inventory: s.inv, Carrier: carrier, Clock: s.clock,
		ReturnAddress: oms.Address{Name: "Returns", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"},
	}); err != nil {
		t.Fatal(err)
	}
	if s.n, err = notify.New(notify.NewMemoryStore(), &notify.Options{Sender: s.rec, Clock: s.clock}); err != nil {
		t.Fatal(err)
	}
	s.relay = oms.NewRelay(s.outbox, oms.PublisherFunc(func(ctx context.Context, e oms.Event) error {
		if err := s.ful.HandleEvent(ctx, e); err != nil {
			return err
		}
		return s.n.Publish(ctx, e)
	}), nil)
	if err := s.inv.PutLocation(s.ctx, inventory.Location{ID: "east", Name: "east", Kind: inventory.KindWarehouse, Active: true, Ships: true,
		Priority: 1, Channels: []inventory.Channel{"web"},
		Address: oms.Address{Name: "DC", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}}); err != nil {
		t.Fatal(err)
	}
	for _, sku := range []oms.SKU{"CHAIR", "LAMP"} {
		if err := s.inv.PutItem(s.ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.inv.Receive(s.ctx, inventory.Receipt{SKU: sku, Location: "east", Quantity: 10}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *shop) drain() {
	s.t.Helper()
	if _, err := s.relay.Drain(s.ctx); err != nil {
		s.t.Fatal(err)
	}
}

func (s *shop) scan(number string, st tracking.Status) {
	s.t.Helper()
	s.clock.Advance(time.Hour)
	if _, err := s.track.Apply(s.ctx, tracking.Update{Carrier: "fake", TrackingNumber: number, Events: []tracking.Event{{
		ID: number + string(st), Time: s.clock.Now(), Status: st}}}); err != nil {
		s.t.Fatal(err)
	}
	s.drain()
}

// TestEndToEndThreeParcelsWithTheServices runs the issue's first finding
// through the real services: an order of three chairs too big to share a
// box ships as one shipment of three parcels; two arrive, the third is
// stalled; the customer hears "delivered" only when the third arrives.
func TestEndToEndThreeParcelsWithTheServices(t *testing.T) {
	s := newShop(t)
	o, err := s.orders.Place(s.ctx, order.PlaceInput{IdempotencyKey: "cart-1", Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "cus-1", Email: "ada@example.com", Name: "Ada"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard},
		Payment:         order.PaymentInput{Method: "tok_visa"},
		Lines: []order.LineInput{{SKU: "CHAIR", Name: "Chair", Quantity: 3, UnitPrice: oms.MustParseMoney("10.00 USD"),
			UnitWeight: oms.Grams(400), UnitDimensions: oms.DimensionsMM(550, 380, 380)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.orders.Confirm(s.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	res, err := s.ful.Process(s.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 1 || len(res.Shipments[0].Packages) != 3 {
		t.Fatalf("want one shipment of three parcels, got %d shipments", len(res.Shipments))
	}
	s.drain()
	var numbers []string
	for _, p := range res.Shipments[0].Packages {
		numbers = append(numbers, p.TrackingNumber)
	}
	for _, tn := range numbers {
		s.scan(tn, tracking.StatusInTransit)
	}
	s.scan(numbers[0], tracking.StatusDelivered)
	s.scan(numbers[1], tracking.StatusDelivered)
	want := []string{"email:order_confirmed", "email:shipped"}
	if diff := cmp.Diff(want, kinds(s.rec.Messages())); diff != "" {
		t.Fatalf("before the last parcel (-want +got):\n%s", diff)
	}
	s.scan(numbers[2], tracking.StatusDelivered)
	want = append(want, "email:delivered")
	msgs := s.rec.Messages()
	if diff := cmp.Diff(want, kinds(msgs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	for _, tn := range numbers {
		if !strings.Contains(msgs[1].Text, tn) {
			t.Errorf("the shipped message lacks %s:\n%s", tn, msgs[1].Text)
		}
	}
	v, err := s.n.View(s.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != notify.OrderDelivered || len(v.Shipments) != 1 || len(v.Shipments[0].Packages) != 3 || v.Number != o.Number {
		t.Errorf("view: %+v", v)
	}
	for _, p := range v.Shipments[0].Packages {
		if !p.Delivered || len(p.Timeline) != 2 {
			t.Errorf("package %+v", p)
		}
	}
}

// TestEndToEndReturnWithTheServices: a delivered order comes back through
// the returns service; the customer hears of the approval, the label, the
// receipt and the refund with its amount, once each.
func TestEndToEndReturnWithTheServices(t *testing.T) {
	s := newShop(t)
	o, err := s.orders.Place(s.ctx, order.PlaceInput{IdempotencyKey: "cart-2", Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "cus-2", Email: "bo@example.com", Name: "Bo"},
		ShippingAddress: oms.Address{Name: "Bo", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard},
		Payment:         order.PaymentInput{Method: "tok_visa"},
		Lines: []order.LineInput{{SKU: "LAMP", Name: "Lamp", Quantity: 2, UnitPrice: oms.MustParseMoney("25.00 USD"),
			UnitWeight: oms.Grams(400), UnitDimensions: oms.DimensionsMM(100, 80, 60)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.orders.Confirm(s.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	res, err := s.ful.Process(s.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.drain()
	for _, p := range res.Shipments[0].Packages {
		s.scan(p.TrackingNumber, tracking.StatusDelivered)
	}
	r, err := s.ret.Request(s.ctx, returns.RequestInput{Key: "rma-1", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = s.ret.Approve(s.ctx, r.ID, returns.StatusInput{}); err != nil {
		t.Fatal(err)
	}
	s.drain()
	parcel := shipping.Parcel{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(900)}
	if r, err = s.ret.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); err != nil {
		t.Fatal(err)
	}
	if r, err = s.ret.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan-1", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if r, err = s.ret.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Units: []returns.UnitInspection{{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "east"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err = s.ret.Resolve(s.ctx, r.ID, returns.ResolveInput{}); err != nil {
		t.Fatal(err)
	}
	s.drain()
	s.drain()
	msgs := s.rec.Messages()
	want := []string{"email:order_confirmed", "email:shipped", "email:delivered", "email:return_approved", "email:return_label", "email:return_received", "email:refund_issued"}
	if diff := cmp.Diff(want, kinds(msgs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if refund := msgs[6].Text; !strings.Contains(refund, "refund of 25.00 USD for order "+o.Number) {
		t.Errorf("refund message: %s", refund)
	}
	v, err := s.n.View(s.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Returns) != 1 || v.Returns[0].Status != "completed" || len(v.Refunds) != 1 || v.Lines[0].Returned != 1 {
		t.Errorf("view returns %+v refunds %+v lines %+v", v.Returns, v.Refunds, v.Lines)
	}
}
