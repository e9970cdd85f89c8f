// Command returns takes goods back. A delivered order of two T-shirts and a
// mug comes back in two returns: the mug arrived broken and one shirt is not
// wanted (a refund, with the restocking fee and the return label charged for
// the shirt only, since the broken mug is the shop's fault), and the other
// shirt is exchanged for a larger size (a replacement order at no charge).
// Every cent is exact, the broken mug goes to quarantine, the shirts back on
// the shelf.
//
//	go run ./examples/returns
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/democarrier"
	"github.com/omskit/oms/examples/internal/demopay"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "returns:", err)
		os.Exit(1)
	}
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

var (
	dock     = oms.Address{Company: "Example Goods", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}
	customer = oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"}
)

// shop is the services of one shop over memory stores sharing one outbox.
type shop struct {
	clock   *oms.ManualClock
	gateway *demopay.Gateway
	orders  *order.Service
	stock   *inventory.Service
	ful     *fulfillment.Service
	returns *returns.Service
}

func newShop(ctx context.Context) (*shop, error) {
	s := &shop{clock: oms.NewManualClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)), gateway: demopay.New()}
	outbox := oms.NewMemoryOutbox(nil)
	s.orders = order.NewService(order.NewMemoryStore(&order.MemoryStoreOptions{Outbox: outbox}),
		&order.ServiceOptions{Clock: s.clock, Gateway: s.gateway, CapturePolicy: order.CaptureOnShipment})
	s.stock = inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: outbox}), &inventory.ServiceOptions{Clock: s.clock})
	track := tracking.NewService(tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: outbox}), &tracking.ServiceOptions{Clock: s.clock})
	carrier := democarrier.New(&democarrier.Options{Clock: s.clock})
	var err error
	if s.ful, err = fulfillment.NewService(fulfillment.NewMemoryStore(&fulfillment.MemoryStoreOptions{Outbox: outbox}), s.orders, s.stock, track,
		&fulfillment.ServiceOptions{Clock: s.clock, Carriers: []shipping.Carrier{carrier}}); err != nil {
		return nil, err
	}
	// The policy: 30 days, a 10% restocking fee and the return label paid
	// by the customer, both waived when the shop is at fault (damaged,
	// defective, wrong item, not as described); exchanges allowed.
	policy := returns.DefaultPolicy()
	policy.RestockingFee = returns.Fee{Percent: decimal.RequireFromString("0.10")}
	policy.ReturnShipping = returns.ReturnShippingDeducted
	if s.returns, err = returns.NewService(returns.NewMemoryStore(&returns.MemoryStoreOptions{Outbox: outbox}), &returns.ServiceOptions{
		Orders: s.orders, Inventory: s.stock, Carrier: carrier, ReturnAddress: dock, Policy: &policy, Clock: s.clock,
	}); err != nil {
		return nil, err
	}
	if err := s.stock.PutLocation(ctx, inventory.Location{ID: "newark", Name: "Newark DC", Kind: inventory.KindWarehouse,
		Active: true, Ships: true, Address: dock, Channels: []inventory.Channel{"web"}}); err != nil {
		return nil, err
	}
	for sku, n := range map[oms.SKU]int64{"TEE-M": 10, "TEE-L": 10, "MUG": 10} {
		if err := s.stock.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			return nil, err
		}
		if _, err := s.stock.Receive(ctx, inventory.Receipt{SKU: sku, Location: "newark", Quantity: n}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// deliver ships an order through fulfillment and reports its parcels
// delivered.
func (s *shop) deliver(ctx context.Context, id oms.ID) (*order.Order, error) {
	res, err := s.ful.Process(ctx, id)
	if err != nil {
		return nil, err
	}
	s.clock.Advance(24 * time.Hour)
	for _, sh := range res.Shipments {
		for _, p := range sh.Packages {
			if _, err := s.ful.ApplyTracking(ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber,
				Status: tracking.StatusDelivered, At: s.clock.Now()}); err != nil {
				return nil, err
			}
		}
	}
	return s.orders.Get(ctx, id)
}

func run(ctx context.Context, w io.Writer) error {
	s, err := newShop(ctx)
	if err != nil {
		return err
	}
	o, err := s.orders.Place(ctx, order.PlaceInput{IdempotencyKey: "cart-7", Channel: "web", Currency: oms.USD,
		Customer: order.Customer{ID: "cus_ada", Email: "ada@example.com", Name: "Ada Lovelace"}, ShippingAddress: customer,
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"}, ShippingCharge: usd("5.00"),
		Lines: []order.LineInput{
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 2, UnitPrice: usd("20.00"), Tax: usd("3.20"),
				UnitWeight: oms.Grams(180), UnitDimensions: oms.DimensionsMM(250, 200, 20)},
			{SKU: "MUG", Name: "Blue mug", Quantity: 1, UnitPrice: usd("12.00"), Tax: usd("0.96"),
				UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)},
		},
		Discounts: []order.Discount{{Code: "WELCOME10", Amount: usd("10.00")}},
		Payment:   order.PaymentInput{Method: "tok_visa"},
	})
	if err != nil {
		return err
	}
	if _, err = s.orders.Confirm(ctx, o.ID); err != nil {
		return err
	}
	if o, err = s.deliver(ctx, o.ID); err != nil {
		return err
	}
	captured, _ := s.gateway.Totals(oms.USD)
	fmt.Fprintf(w, "order %s %s: total %s (discount %s, shipping %s, tax %s), captured %s\n",
		o.Number, o.Status, o.Totals.GrandTotal, o.Totals.Discount, o.Totals.Shipping, o.Totals.Tax, captured)
	tee, mug := o.Lines[0].ID, o.Lines[1].ID

	// A week later the customer asks to return the broken mug and one
	// shirt she no longer needs, for a refund.
	s.clock.Advance(7 * 24 * time.Hour)
	r, err := s.returns.Request(ctx, returns.RequestInput{Key: "rma-1", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: mug, Quantity: 1, Reason: returns.ReasonDamaged, Comment: "handle broken off"},
		{OrderLineID: tee, Quantity: 1, Reason: returns.ReasonNoLongerNeeded},
	}})
	if err != nil {
		return err
	}
	if r, err = s.returns.Approve(ctx, r.ID, returns.StatusInput{By: "support"}); err != nil {
		return err
	}
	parcel := shipping.Parcel{Dimensions: oms.DimensionsMM(270, 220, 120), Weight: oms.Grams(700), Contents: "returned goods"}
	if r, err = s.returns.IssueLabel(ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nreturn 1 %s: label %s, %s, charged to the customer's refund\n", r.Status, r.Label.TrackingNumbers[0], r.Label.Price)

	// The parcel arrives; the inspector finds the mug broken and the shirt
	// as new.
	s.clock.Advance(3 * 24 * time.Hour)
	if r, err = s.returns.Receive(ctx, r.ID, returns.ReceiveInput{Key: "dock-scan-1", Lines: []returns.ReceiveLine{
		{LineID: r.Lines[0].ID, Quantity: 1}, {LineID: r.Lines[1].ID, Quantity: 1}}}); err != nil {
		return err
	}
	if r, err = s.returns.Inspect(ctx, r.ID, returns.InspectInput{Key: "inspection-1", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionDamaged, Location: "newark", Note: "handle broken"},
		{LineID: r.Lines[1].ID, Condition: returns.ConditionNew, Location: "newark"},
	}}); err != nil {
		return err
	}
	// Resolve refunds through the gateway; a second call (a retry after a
	// timeout, say) refunds nothing more.
	for range 2 {
		if r, err = s.returns.Resolve(ctx, r.ID, returns.ResolveInput{}); err != nil {
			return err
		}
	}
	b := r.Refund.Breakdown
	for _, l := range b.Lines {
		fmt.Fprintf(w, "  %-5s value %s (price %s - discount share %s + tax %s) - restocking %s - label %s = %s\n",
			l.SKU, l.Value, l.Subtotal, l.OrderDiscount, l.Tax, l.RestockingFee, l.ReturnShipping, l.Amount)
	}
	fmt.Fprintf(w, "  shipping refunded %s; refund %s; return 1 %s\n", b.Shipping, b.Total, r.Status)

	// The second return: the other shirt for a size L, an even exchange.
	r2, err := s.returns.Request(ctx, returns.RequestInput{Key: "rma-2", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: tee, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L"}},
	}})
	if err != nil {
		return err
	}
	if r2, err = s.returns.Approve(ctx, r2.ID, returns.StatusInput{By: "support"}); err != nil {
		return err
	}
	if r2, err = s.returns.Receive(ctx, r2.ID, returns.ReceiveInput{Key: "store-drop-off-2", Lines: []returns.ReceiveLine{{LineID: r2.Lines[0].ID, Quantity: 1}}}); err != nil {
		return err
	}
	if r2, err = s.returns.Inspect(ctx, r2.ID, returns.InspectInput{Key: "inspection-2", Units: []returns.UnitInspection{
		{LineID: r2.Lines[0].ID, Condition: returns.ConditionNew, Location: "newark"}}}); err != nil {
		return err
	}
	if r2, err = s.returns.Resolve(ctx, r2.ID, returns.ResolveInput{}); err != nil {
		return err
	}
	d := r2.Exchange.Difference
	fmt.Fprintf(w, "\nreturn 2 %s: exchange worth %s for a replacement costing %s: due %s, credited %s\n",
		r2.Status, d.Credit, d.Replacement, d.Due, d.Credited)
	// The replacement is an order like any other: confirm it and ship it.
	if _, err := s.orders.Confirm(ctx, r2.Exchange.OrderID); err != nil {
		return err
	}
	repl, err := s.deliver(ctx, r2.Exchange.OrderID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "replacement order %s %s: %d %s, total %s\n", repl.Number, repl.Status, repl.Lines[0].Quantity, repl.Lines[0].SKU, repl.Totals.GrandTotal)

	// Where the goods went, and the money.
	fmt.Fprintln(w)
	for _, sku := range []oms.SKU{"TEE-M", "TEE-L", "MUG"} {
		l, err := s.stock.Level(ctx, sku, "newark")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-5s on hand %d, damaged %d\n", sku, l.OnHand, l.Damaged)
	}
	if o, err = s.orders.Get(ctx, o.ID); err != nil {
		return err
	}
	captured, refunded := s.gateway.Totals(oms.USD)
	fmt.Fprintf(w, "order %s: %s; gateway captured %s, refunded %s\n", o.Number, o.ReturnStatus(), captured, refunded)
	rep, err := s.stock.Reconcile(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "stock ledger reconciles: %v\n", rep.Clean())
	return nil
}
