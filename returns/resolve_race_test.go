package returns_test

import (
	"errors"
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
// not fail. They used to fail with an oms.ErrDuplicate error ("key was
// used for a different refund") when their stale refund reached the order
// after the new plan's.
func TestConcurrentResolvesOfAStalePlanRefundOnce(t *testing.T) {
	for round := range 40 {
		s := newShop(t, nil)
		o := s.delivered("cart-stale-plan")
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit}}}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 2}}}))
		ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
			{LineID: r.Lines[0].ID, Quantity: 2, Condition: returns.ConditionNew, Location: "WH1"}}}))
		// The plan is saved; the refund fails before the order records it.
		noGateway := ok[*returns.Service](t)(returns.NewService(s.store, &returns.ServiceOptions{
			Orders: order.NewService(s.orderDB, &order.ServiceOptions{Clock: s.clock}), Clock: s.clock}))
		if _, err := noGateway.Resolve(s.ctx, r.ID, returns.ResolveInput{}); !errors.Is(err, oms.ErrUnsupported) {
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
		if r.Status != returns.StatusCompleted || !r.Refund.Done {
			t.Fatalf("round %d: return %s", round, r.Status)
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
