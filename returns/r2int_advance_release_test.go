package returns_test

import (
	"testing"
	"time"

	"github.com/omskit/oms/returns"
)

// TestAdvanceExchangeReservationIsGivenBackWhenTheReturnEnds: an advance
// exchange reserves the replacement's stock at approval and places the
// replacement order, which the shop ships like any order (fulfillment
// allocates it under its own reservation). The advance reservation was
// never released: once the return completed (or was cancelled), its
// units stayed reserved for ever, stock nobody could sell. When the
// return ends, what the reservation still holds goes back.
func TestAdvanceExchangeReservationIsGivenBackWhenTheReturnEnds(t *testing.T) {
	for _, end := range []string{"completed", "cancelled"} {
		t.Run(end, func(t *testing.T) {
			s := newShop(t, nil)
			o := s.delivered("cart-advance")
			before := s.level("TEE-L", "WH1")
			r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
				{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
					Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
			r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
			if got := s.level("TEE-L", "WH1"); got.Reserved != before.Reserved+1 {
				t.Fatalf("reserved %d at approval, want %d", got.Reserved, before.Reserved+1)
			}
			if end == "completed" {
				r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
				ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
					{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
				for range 2 {
					r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
				}
			} else {
				for range 2 {
					r = ok[*returns.Return](t)(s.svc.Cancel(s.ctx, r.ID, returns.StatusInput{Note: "changed mind"}))
				}
			}
			if r.Status != returns.Status(end) {
				t.Fatalf("return %s, want %s", r.Status, end)
			}
			if got := s.level("TEE-L", "WH1"); got.Reserved != before.Reserved || got.OnHand != before.OnHand {
				t.Errorf("TEE-L at WH1 after the return %s: %+v, want it back to %+v", end, got, before)
			}
		})
	}
}

// TestAdvanceExchangeReservationIsGivenBackWhenTheReturnExpires: the
// customer got the replacement and never sent the goods back; once the
// return expires, the advance reservation's units go back too.
func TestAdvanceExchangeReservationIsGivenBackWhenTheReturnExpires(t *testing.T) {
	p := returns.DefaultPolicy()
	p.AdvanceExchanges, p.ExpireAfter = true, 14*24*time.Hour
	s := newShop(t, &p)
	o := s.delivered("cart-advance")
	before := s.level("TEE-L", "WH1")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	s.clock.Advance(15 * 24 * time.Hour)
	ids, err := s.svc.SweepExpired(s.ctx, 0)
	if err != nil || len(ids) != 1 || ids[0] != r.ID {
		t.Fatalf("SweepExpired: %v, %v; want %s", ids, err, r.ID)
	}
	if got := s.level("TEE-L", "WH1"); got.Reserved != before.Reserved {
		t.Errorf("TEE-L at WH1 after the return expired: %+v, want it back to %+v", got, before)
	}
}
