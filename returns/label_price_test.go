package returns_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// pricedCarrier is the fake carrier, except that its labels cost price.
type pricedCarrier struct {
	*shippingtest.FakeCarrier
	price oms.Money
}

func (c *pricedCarrier) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	l, err := c.FakeCarrier.BuyLabel(ctx, req)
	l.Price = c.price
	return l, err
}

// TestLabelPriceWithSubCentDigitsDoesNotStickTheRefund: a carrier billed
// a return label at 7.505 USD, deducted from the refund under
// ReturnShippingDeducted. The breakdown came out in tenths of a cent
// (14.125 USD), the order refused to refund it, and since the plan was
// saved first every later Resolve failed the same way: the return could
// never be completed. CalculateRefund likewise handed back unrounded
// amounts for such a cost. The deduction is now rounded to the cent.
func TestLabelPriceWithSubCentDigitsDoesNotStickTheRefund(t *testing.T) {
	p := returns.DefaultPolicy()
	p.ReturnShipping = returns.ReturnShippingDeducted
	s := newShop(t, &p)
	svc, err := returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv,
		Carrier: &pricedCarrier{FakeCarrier: s.carrier, price: usd("7.505")}, ReturnAddress: warehouse, Policy: &p, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	o := s.delivered("cart-odd-label")
	r := ok[*returns.Return](t)(svc.Request(s.ctx, returns.RequestInput{Key: "rma-odd", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	ok[*returns.Return](t)(svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	ok[*returns.Return](t)(svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 2}}}))
	ok[*returns.Return](t)(svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Quantity: 2, Condition: returns.ConditionNew, Location: "WH1"}}}))
	r, err = svc.Resolve(s.ctx, r.ID, returns.ResolveInput{})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	// Two mugs are worth 21.63 (24.00 - 4.29 discount + 1.92 tax); 7.51
	// of return shipping leaves 14.12.
	b := r.Refund.Breakdown
	if r.Status != returns.StatusCompleted || !b.ReturnShipping.Equal(usd("7.51")) || !b.Total.Equal(usd("14.12")) {
		t.Errorf("resolved %s: return shipping %s, total %s; want completed, 7.51, 14.12", r.Status, b.ReturnShipping, b.Total)
	}
	if got := s.gw.Ledger(o.ID).Refunded; !got.Equal(b.Total) {
		t.Errorf("gateway refunded %s, want %s", got, b.Total)
	}

	// The pure calculation rounds the deduction the same way.
	po := pureOrder(t, oms.USD, []lineSpec{{"MUG", 3, "12.00", "", "2.88"}, {"TEE", 1, "20.00", "", "1.60"}}, "10.00", "5.00", "")
	for _, cost := range []string{"0.005", "7.505", "0.001"} {
		pb, err := returns.CalculateRefund(po, &p, returns.CalcInput{Items: []returns.RefundItem{item("L1", 2, "other"), item("L2", 1, "other")},
			ReturnShippingCost: usd(cost)})
		if err != nil {
			t.Fatalf("cost %s: %v", cost, err)
		}
		checkBreakdown(t, pb)
		for _, m := range []oms.Money{pb.Total, pb.ReturnShipping, pb.Lines[0].Amount, pb.Lines[0].ReturnShipping, pb.Lines[1].Amount, pb.Lines[1].ReturnShipping} {
			if !m.IsRounded() {
				t.Errorf("return shipping cost %s USD: the breakdown holds %s", cost, m)
			}
		}
	}
}
