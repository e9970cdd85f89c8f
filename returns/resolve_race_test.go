package returns_test

import (
	"context"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestConcurrentResolvesOfAStalePlanRefundOnce: a return's refund was
// planned, then the order moved before the refund reached it. Several
// workers resolve the return at once: one plans again and refunds; the
// others, still holding the stale plan, must find the new one and finish,
// not fail. They used to panic (one dropped the plan another had just
// refunded or placed the replacement for, which then read the missing
// plan), or fail with an oms.ErrDuplicate error ("key was used for a
// different refund") when their stale refund reached the order after the
// new plan's.
func TestConcurrentResolvesOfAStalePlanRefundOnce(t *testing.T) {
	for round := range 40 {
		s := newShop(t, nil)
		o := s.delivered("cart-stale-plan")
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit},
			{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
				Replacement: &returns.Replacement{SKU: "TEE-L"}}}}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 2}, {LineID: r.Lines[1].ID, Quantity: 1}}}))
		ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
			{LineID: r.Lines[0].ID, Quantity: 2, Condition: returns.ConditionNew, Location: "WH1"},
			{LineID: r.Lines[1].ID, Condition: returns.ConditionNew, Location: "WH1"}}}))
		// The plan is saved; the refund fails before the order records it.
		// Every other round the replacement order is not placed either,
		// so the workers place it while others drop the stale plan.
		noGateway := ok[*returns.Service](t)(returns.NewService(s.store, &returns.ServiceOptions{
			Orders: order.NewService(s.orderDB, &order.ServiceOptions{Clock: s.clock, Numbers: order.NewSequence("NG-", 1)}), Clock: s.clock}))
		if round%2 == 0 {
			noGateway = ok[*returns.Service](t)(returns.NewService(s.store, &returns.ServiceOptions{
				Orders: order.NewService(&refusePlace{Store: s.orderDB}, &order.ServiceOptions{Clock: s.clock}), Clock: s.clock}))
		}
		if _, err := noGateway.Resolve(s.ctx, r.ID, returns.ResolveInput{}); err == nil {
			t.Fatalf("resolve without gateway: %v", err)
		}
		// The order moves: a claim refunds the third mug.
		ok[*returns.Return](t)(s.svc.Claim(s.ctx, returns.ClaimInput{Key: "missing", OrderID: o.ID, Type: returns.ClaimMissingItem,
			Lines: []returns.ClaimLine{{OrderLineID: o.Lines[0].ID, Quantity: 1}}}))
		claimed := s.order(o.ID).Payment.Refunded
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); err != nil {
					t.Errorf("round %d: resolve: %v", round, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		r = s.ret(r.ID)
		if r.Status != returns.StatusCompleted || !r.Refund.Done || r.Exchange == nil || r.Exchange.OrderID == "" {
			t.Fatalf("round %d: return %s, exchange %+v", round, r.Status, r.Exchange)
		}
		got := s.order(o.ID)
		want, err := claimed.Add(r.Refund.Breakdown.Total)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Payment.Refunded.Equal(want) || !s.gw.Ledger(o.ID).Refunded.Equal(want) || got.Lines[0].Refunded != 3 {
			t.Errorf("round %d: order refunded %s, gateway %s, want %s; %d units refunded", round, got.Payment.Refunded, s.gw.Ledger(o.ID).Refunded, want, got.Lines[0].Refunded)
		}
	}
}

// refusePlace is an order.Store that refuses to create orders.
type refusePlace struct{ order.Store }

func (s *refusePlace) Create(context.Context, *order.Order, []oms.Event) error {
	return errStoreDown
}
