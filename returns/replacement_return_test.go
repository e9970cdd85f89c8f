package returns_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

// TestReturnOfAnExchangedReplacementRefundsWhatTheOriginalCost: in an even
// exchange the credit of the returned tee became the discount of the
// replacement order, which captured 0.00. When the customer then returned
// the replacement, the refund was 0.00, though they had paid for the
// original tee. The credit that paid for the replacement is now refunded
// on the original order, once.
func TestReturnOfAnExchangedReplacementRefundsWhatTheOriginalCost(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-exchange")
	x := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "swap", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L"}}}}))
	x = s.receiveAndInspect(t, x)
	x = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, x.ID, returns.ResolveInput{}))
	credit := x.Exchange.Difference.Credit
	if !credit.IsPositive() || x.Exchange.Difference.Due.IsPositive() || x.Exchange.Difference.Credited.IsPositive() {
		t.Fatalf("not an even exchange: %+v", x.Exchange.Difference)
	}
	rep := s.deliverReplacement(t, x.Exchange.OrderID, 1)
	refundedBefore := s.order(o.ID).Payment.Refunded
	if refundedBefore.Currency() == "" {
		refundedBefore = oms.Zero(oms.USD)
	}
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "back", OrderID: rep.ID, Lines: []returns.RequestLine{
		{OrderLineID: rep.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = s.receiveAndInspect(t, r)
	// The gateway takes the money but its answer is lost: a retry
	// refunds once.
	s.gw.loseNextRefunds(1)
	if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); err == nil {
		t.Fatalf("Resolve: no error though the gateway's answer was lost")
	}
	for range 2 {
		r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	}
	if r.Status != returns.StatusCompleted {
		t.Fatalf("return of the replacement %s", r.Status)
	}
	got := ok[oms.Money](t)(s.order(o.ID).Payment.Refunded.Sub(refundedBefore))
	if rp := s.order(rep.ID).Payment.Refunded; rp.IsPositive() {
		got = ok[oms.Money](t)(got.Add(rp))
	}
	if !got.Equal(credit) {
		t.Errorf("returning the replacement refunded %s, want what the original tee cost, %s", got, credit)
	}
	// Never twice: neither the replacement nor the original tee can be
	// returned again.
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "again", OrderID: rep.ID, Lines: []returns.RequestLine{
		{OrderLineID: rep.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("second return of the replacement: %v, want it refused", err)
	}
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "orig", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("return of the exchanged original: %v, want it refused", err)
	}
}

// receiveAndInspect approves r, receives its units and restocks them.
func (s *shop) receiveAndInspect(t *testing.T, r *returns.Return) *returns.Return {
	t.Helper()
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	var lines []returns.ReceiveLine
	var units []returns.UnitInspection
	for _, l := range r.Lines {
		lines = append(lines, returns.ReceiveLine{LineID: l.ID, Quantity: l.Quantity})
		units = append(units, returns.UnitInspection{LineID: l.ID, Quantity: l.Quantity, Condition: returns.ConditionNew, Location: "WH1"})
	}
	ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: lines}))
	return ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp", Units: units}))
}

// TestReplacementUnitsReturnedOneByOneRefundTheCreditExactly: the shares
// of the credit over the replacement's units, returned one return at a
// time, sum to the credit to the cent.
func TestReplacementUnitsReturnedOneByOneRefundTheCreditExactly(t *testing.T) {
	s := newShop(t, nil)
	o := s.deliveredN("cart-3tees", 1, 3)
	x := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "swap", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 3, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L"}}}}))
	x = s.receiveAndInspect(t, x)
	x = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, x.ID, returns.ResolveInput{}))
	credit := x.Exchange.Difference.Credit
	rep := s.deliverReplacement(t, x.Exchange.OrderID, 3)
	before := s.order(o.ID).Payment.Refunded
	if before.Currency() == "" {
		before = oms.Zero(oms.USD)
	}
	for _, key := range []string{"b1", "b2", "b3"} {
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: rep.ID, Lines: []returns.RequestLine{
			{OrderLineID: rep.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
		r = s.receiveAndInspect(t, r)
		ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	}
	got := ok[oms.Money](t)(s.order(o.ID).Payment.Refunded.Sub(before))
	if !got.Equal(credit) {
		t.Errorf("three replacement units returned one by one refunded %s, want the credit %s", got, credit)
	}
}

// TestAdvanceReplacementReturnedBeforeTheOriginalWaitsForIt: the
// replacement of an advance exchange came back before the original did;
// refunding the credit then would pay for an original the customer still
// holds. Resolve waits (a transition error naming the exchange) and
// changes nothing.
func TestAdvanceReplacementReturnedBeforeTheOriginalWaitsForIt(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-advance")
	x := s.advanceExchange(t, o)
	rep := s.deliverReplacement(t, x.Exchange.OrderID, 1)
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "back", OrderID: rep.ID, Lines: []returns.RequestLine{
		{OrderLineID: rep.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = s.receiveAndInspect(t, r)
	before := s.snapshot(o.ID) + s.snapshot(rep.ID)
	if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("Resolve of the replacement before the original came back: %v, want an invalid transition", err)
	}
	if after := s.snapshot(o.ID) + s.snapshot(rep.ID); after != before {
		t.Errorf("the refused Resolve changed something")
	}
}

// TestReplacementOfAnExpiredAdvanceExchangeReturnsWithoutCredit: the
// original never came back (the advance exchange expired) and the
// customer returned the replacement they got for nothing: it resolves,
// refunding nothing on either order, instead of waiting forever.
func TestReplacementOfAnExpiredAdvanceExchangeReturnsWithoutCredit(t *testing.T) {
	p := returns.DefaultPolicy()
	p.AdvanceExchanges, p.ExpireAfter = true, 14*24*time.Hour
	s := newShop(t, &p)
	o := s.delivered("cart-advance")
	x := s.advanceExchange(t, o)
	rep := s.deliverReplacement(t, x.Exchange.OrderID, 1)
	s.clock.Advance(15 * 24 * time.Hour)
	if ids, err := s.svc.SweepExpired(s.ctx, 0); err != nil || len(ids) != 1 {
		t.Fatalf("sweep: %v %v", ids, err)
	}
	refunded := s.order(o.ID).Payment.Refunded
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "back", OrderID: rep.ID, Lines: []returns.RequestLine{
		{OrderLineID: rep.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = s.receiveAndInspect(t, r)
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if r.Status != returns.StatusCompleted || r.Refund.Original != nil || r.Refund.Breakdown.Total.IsPositive() {
		t.Errorf("return %s, refund %+v; want completed with nothing refunded", r.Status, r.Refund)
	}
	if got := s.order(o.ID).Payment.Refunded; !got.Equal(refunded) {
		t.Errorf("original order refunded %s, was %s", got, refunded)
	}
}

// TestReturnedReplacementPaysTheRestockingFeeOnItsWorth: returning the
// replacement of an even exchange refunded the credit that paid for it in
// full, though the policy charges a restocking fee on returned units: the
// fee was taken on the replacement order's own money (0.00) only.
func TestReturnedReplacementPaysTheRestockingFeeOnItsWorth(t *testing.T) {
	p := returns.DefaultPolicy()
	p.RestockingFee = returns.Fee{Percent: decimal.RequireFromString("0.10")}
	s := newShop(t, &p)
	o := s.delivered("cart-exchange")
	x := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "swap", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L"}}}}))
	x = s.receiveAndInspect(t, x)
	x = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, x.ID, returns.ResolveInput{}))
	credit := x.Exchange.Difference.Credit
	rep := s.deliverReplacement(t, x.Exchange.OrderID, 1)
	before := s.order(o.ID).Payment.Refunded
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "back", OrderID: rep.ID, Lines: []returns.RequestLine{
		{OrderLineID: rep.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = s.receiveAndInspect(t, r)
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	fee := credit.MulRate(decimal.RequireFromString("0.10")).Round()
	want := ok[oms.Money](t)(credit.Sub(fee))
	got := ok[oms.Money](t)(s.order(o.ID).Payment.Refunded.Sub(before))
	if !got.Equal(want) {
		t.Errorf("returned replacement worth %s with a 10%% fee refunded %s, want %s", credit, got, want)
	}
	if r.Refund.Original == nil || !r.Refund.Original.RestockingFee.Equal(fee) {
		t.Errorf("refund on the original: %+v, want the fee %s shown", r.Refund.Original, fee)
	}
}

// deliverReplacement confirms an exchange's replacement order and records
// its first line's qty units allocated, fulfilled, shipped and delivered.
func (s *shop) deliverReplacement(t *testing.T, id oms.ID, qty int64) *order.Order {
	t.Helper()
	rep := ok[*order.Order](t)(s.orders.Confirm(s.ctx, id))
	all := []order.LineQuantity{{LineID: rep.Lines[0].ID, Quantity: qty}}
	for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
	} {
		rep = ok[*order.Order](t)(step(s.ctx, rep.ID, order.CounterInput{Key: "k1", Lines: all}))
	}
	return rep
}
