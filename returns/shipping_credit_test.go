package returns_test

import (
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
)

// returnLine requests, approves, receives, inspects and resolves q units
// of one order line under key.
func (s *shop) returnLine(t *testing.T, key string, orderID, line oms.ID, q int64, res returns.Resolution) *returns.Return {
	t.Helper()
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: orderID, Lines: []returns.RequestLine{
		{OrderLineID: line, Quantity: q, Reason: returns.ReasonNoLongerNeeded, Resolution: res}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: key + "-scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: q}}}))
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: key + "-insp", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Quantity: q, Condition: returns.ConditionNew, Location: "WH1"}}}))
	return ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
}

// TestFullReturnRefundsShippingWhateverTheOrderOfStoreCredit: every unit
// of an order comes back in two returns, the tee as store credit and the
// mugs refunded. Under ShippingRefundFullReturn the shipping was refunded
// when the store-credit return came last but never when it came first:
// units given as store credit did not count as given back, so the refund
// of the mugs did not see the order fully returned. The customer gets the
// whole order back (money plus credit) either way.
func TestFullReturnRefundsShippingWhateverTheOrderOfStoreCredit(t *testing.T) {
	for _, rule := range []returns.ShippingRefund{returns.ShippingRefundFullReturn, returns.ShippingRefundProrated} {
		for _, creditFirst := range []bool{false, true} {
			p := returns.DefaultPolicy()
			p.ShippingRefund = rule
			s := newShop(t, &p)
			o := s.delivered("cart-full")
			mug, tee := o.Lines[0].ID, o.Lines[1].ID
			var a, b *returns.Return
			if creditFirst {
				a = s.returnLine(t, "rma-tee", o.ID, tee, 1, returns.ResolutionStoreCredit)
				b = s.returnLine(t, "rma-mugs", o.ID, mug, 3, returns.ResolutionRefund)
			} else {
				a = s.returnLine(t, "rma-mugs", o.ID, mug, 3, returns.ResolutionRefund)
				b = s.returnLine(t, "rma-tee", o.ID, tee, 1, returns.ResolutionStoreCredit)
			}
			ship := ok[oms.Money](t)(a.Refund.Breakdown.Shipping.Add(b.Refund.Breakdown.Shipping))
			if !ship.Equal(usd("5.00")) {
				t.Errorf("%s, store credit first %v: every unit came back, shipping refunded %s, want 5.00", rule, creditFirst, ship)
			}
			credit := ok[oms.Money](t)(a.StoreCredit.Add(b.StoreCredit))
			back := ok[oms.Money](t)(s.order(o.ID).Payment.Refunded.Add(credit))
			if !back.Equal(o.Totals.GrandTotal) {
				t.Errorf("%s, store credit first %v: %s refunded and %s credit, want %s in all", rule, creditFirst, s.order(o.ID).Payment.Refunded, credit, o.Totals.GrandTotal)
			}
		}
	}
}

// TestConcurrentResolvesOfStoreCreditAndRefundValueEachUnitOnce: the
// last units of an order come back in two returns resolved at the same
// moment, one as store credit, one refunded. Each plan read the other
// return before the other had planned, so neither counted the other's
// units: under ShippingRefundFullReturn neither saw the order fully
// returned and the shipping was never refunded. Plans of one order are
// now made one at a time.
func TestConcurrentResolvesOfStoreCreditAndRefundValueEachUnitOnce(t *testing.T) {
	for round := range 30 {
		s := newShop(t, nil)
		o := s.delivered("cart-race")
		mug, tee := o.Lines[0].ID, o.Lines[1].ID
		prepare := func(key string, line oms.ID, q int64, res returns.Resolution) *returns.Return {
			r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: []returns.RequestLine{
				{OrderLineID: line, Quantity: q, Reason: returns.ReasonNoLongerNeeded, Resolution: res}}}))
			ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
			ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: q}}}))
			return ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp", Units: []returns.UnitInspection{
				{LineID: r.Lines[0].ID, Quantity: q, Condition: returns.ConditionNew, Location: "WH1"}}}))
		}
		a := prepare("rma-tee", tee, 1, returns.ResolutionStoreCredit)
		b := prepare("rma-mugs", mug, 3, returns.ResolutionRefund)
		var wg sync.WaitGroup
		for _, id := range []oms.ID{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.svc.Resolve(s.ctx, id, returns.ResolveInput{}); err != nil {
					t.Errorf("resolve: %v", err)
				}
			}()
		}
		wg.Wait()
		a, b = s.ret(a.ID), s.ret(b.ID)
		ship := ok[oms.Money](t)(a.Refund.Breakdown.Shipping.Add(b.Refund.Breakdown.Shipping))
		back := ok[oms.Money](t)(s.order(o.ID).Payment.Refunded.Add(a.StoreCredit))
		if !ship.Equal(usd("5.00")) || !back.Equal(o.Totals.GrandTotal) {
			t.Fatalf("round %d: shipping refunded %s, money and credit %s; want 5.00 and %s", round, ship, back, o.Totals.GrandTotal)
		}
	}
}
