package returns_test

import (
	"sync"
	"testing"

	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/returns"
)

// TestInspectionByTwoProcessesMovesStockOnce: two application processes
// (two Services over the same stores) retry one inspection at once. The
// stock moves are made once: each is keyed in inventory, so the second
// process's move is a replay. (They used to be serialised within one
// Service only: two processes could both find a move missing from the
// ledger and restock twice.)
func TestInspectionByTwoProcessesMovesStockOnce(t *testing.T) {
	for round := range 30 {
		s := newShop(t, nil)
		pol := returns.DefaultPolicy()
		pol.AdvanceExchanges = true
		other, err := returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: s.carrier,
			ReturnAddress: warehouse, Tracking: s.tracking, Policy: &pol, Clock: s.clock})
		if err != nil {
			t.Fatal(err)
		}
		o := s.delivered("cart-two-proc")
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDoesntFit}}}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 3}}}))
		before := s.level("MUG-BLUE", "WH1").OnHand
		in := returns.InspectInput{Key: "i", Units: []returns.UnitInspection{{LineID: r.Lines[0].ID, Quantity: 3, Condition: returns.ConditionNew, Location: "WH1"}}}
		var wg sync.WaitGroup
		for g := range 8 {
			svc := s.svc
			if g%2 == 1 {
				svc = other
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.Inspect(s.ctx, r.ID, in); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := s.level("MUG-BLUE", "WH1").OnHand; got != before+3 {
			t.Fatalf("round %d: on hand %d, want %d (restocked more than once)", round, got, before+3)
		}
		if rep := ok[inventory.ReconcileReport](t)(s.inv.Reconcile(s.ctx)); !rep.Clean() {
			t.Errorf("ledger: %+v", rep.Mismatches)
		}
	}
}
