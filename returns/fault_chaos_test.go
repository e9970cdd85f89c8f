package returns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
)

// everyNth fails every nth write it sees, alternately before the write
// (nothing saved) and after it (saved, but the answer is lost).
type everyNth struct {
	mu    sync.Mutex
	n     int
	count int
	fails int
}

func (f *everyNth) write(w func() error) error {
	if f.n <= 0 {
		return w()
	}
	f.mu.Lock()
	f.count++
	fail := f.count%f.n == 0
	after := false
	if fail {
		f.fails++
		after = f.fails%2 == 0
	}
	f.mu.Unlock()
	if fail && !after {
		return errStoreDown
	}
	err := w()
	if fail && err == nil {
		return errStoreDown
	}
	return err
}

type chaosReturns struct {
	returns.Store
	f *everyNth
}

func (s *chaosReturns) Create(ctx context.Context, r *returns.Return, ev []oms.Event) error {
	return s.f.write(func() error { return s.Store.Create(ctx, r, ev) })
}

func (s *chaosReturns) Update(ctx context.Context, r *returns.Return, expected int64, ev []oms.Event) error {
	return s.f.write(func() error { return s.Store.Update(ctx, r, expected, ev) })
}

type chaosOrders struct {
	order.Store
	f *everyNth
}

func (s *chaosOrders) Create(ctx context.Context, o *order.Order, ev []oms.Event) error {
	return s.f.write(func() error { return s.Store.Create(ctx, o, ev) })
}

func (s *chaosOrders) Update(ctx context.Context, o *order.Order, expected int64, ev []oms.Event) error {
	return s.f.write(func() error { return s.Store.Update(ctx, o, expected, ev) })
}

type chaosInventory struct {
	inventory.Store
	f *everyNth
}

func (s *chaosInventory) Apply(ctx context.Context, c *inventory.Change) error {
	return s.f.write(func() error { return s.Store.Apply(ctx, c) })
}

func (s *chaosInventory) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (res inventory.Reservation, created bool, err error) {
	err = s.f.write(func() error {
		var e error
		res, created, e = s.Store.Reserve(ctx, r, ev)
		return e
	})
	return res, created, err
}

// chaosOutcome is what a run leaves, without IDs and times.
type chaosOutcome struct {
	GatewayRefunded, OrderRefunded, RefundedShipping string
	Lines                                            []string
	Returns                                          []string
	Events                                           map[string]int
	Levels                                           map[string]int64
	Replacements                                     []string
}

func runChaos(t *testing.T, n int, loseRefunds int, advance bool) chaosOutcome {
	t.Helper()
	ctx := context.Background()
	pol := returns.DefaultPolicy()
	pol.RestockingFee = returns.Fee{Percent: oms.MustParseMoney("0.10 USD").Amount()}
	pol.ReturnShipping = returns.ReturnShippingDeducted
	pol.ShippingRefund = returns.ShippingRefundProrated
	pol.AdvanceExchanges = true
	s := newShop(t, &pol)
	f := &everyNth{}
	invStore := &chaosInventory{Store: inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: s.outbox}), f: f}
	s.inv = inventory.NewService(invStore, &inventory.ServiceOptions{Clock: s.clock})
	for _, loc := range []oms.ID{"WH1", "WH2"} {
		if err := s.inv.PutLocation(ctx, inventory.Location{ID: loc, Name: string(loc), Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sku := range []oms.SKU{"MUG-BLUE", "TEE-M", "TEE-L", "LAMP"} {
		if err := s.inv.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.inv.Receive(ctx, inventory.Receipt{SKU: sku, Location: "WH1", Quantity: 10}); err != nil {
			t.Fatal(err)
		}
	}
	s.orders = order.NewService(&chaosOrders{Store: s.orderDB, f: f}, &order.ServiceOptions{Clock: s.clock, Gateway: s.gw})
	svc, err := returns.NewService(&chaosReturns{Store: s.store, f: f}, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv,
		Carrier: s.carrier, ReturnAddress: warehouse, Tracking: s.tracking, Policy: &pol, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	o := s.deliveredN("cart-chaos", 5, 2)
	f.n = n
	s.gw.loseNextRefunds(loseRefunds)
	retry := func(what string, call func() (*returns.Return, error)) *returns.Return {
		t.Helper()
		var last error
		for range 200 {
			r, err := call()
			if err == nil {
				return r
			}
			last = err
		}
		t.Fatalf("n=%d: %s never succeeded: %v", n, what, last)
		return nil
	}
	mug, tee := o.Lines[0].ID, o.Lines[1].ID
	type plan struct {
		key     string
		lines   []returns.RequestLine
		label   bool
		advance bool
	}
	plans := []plan{
		{"rma-a", []returns.RequestLine{{OrderLineID: mug, Quantity: 1, Reason: returns.ReasonDoesntFit}}, true, false},
		{"rma-b", []returns.RequestLine{
			{OrderLineID: mug, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
				Replacement: &returns.Replacement{SKU: "MUG-BLUE", Name: "Blue mug"}},
			{OrderLineID: tee, Quantity: 1, Reason: returns.ReasonNoLongerNeeded, Resolution: returns.ResolutionStoreCredit}}, false, false},
		{"rma-c", []returns.RequestLine{{OrderLineID: mug, Quantity: 2, Reason: returns.ReasonDamaged},
			{OrderLineID: tee, Quantity: 1, Reason: returns.ReasonOther}}, true, false},
	}
	if advance {
		plans[2] = plan{"rma-c", []returns.RequestLine{{OrderLineID: mug, Quantity: 2, Reason: returns.ReasonDamaged, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "MUG-BLUE", Name: "Blue mug", Location: "WH1"}}}, true, true}
	}
	var ids []oms.ID
	for _, p := range plans {
		r := retry("request "+p.key, func() (*returns.Return, error) {
			return svc.Request(ctx, returns.RequestInput{Key: p.key, OrderID: o.ID, Lines: p.lines, AdvanceExchange: p.advance})
		})
		id := r.ID
		ids = append(ids, id)
		retry("approve", func() (*returns.Return, error) { return svc.Approve(ctx, id, returns.StatusInput{}) })
		if p.label {
			retry("label", func() (*returns.Return, error) {
				return svc.IssueLabel(ctx, id, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}})
			})
		}
		var rl []returns.ReceiveLine
		var units []returns.UnitInspection
		for i, l := range r.Lines {
			rl = append(rl, returns.ReceiveLine{LineID: l.ID, Quantity: l.Quantity})
			cond := returns.ConditionNew
			if i == 1 {
				cond = returns.ConditionDamaged
			}
			units = append(units, returns.UnitInspection{LineID: l.ID, Quantity: l.Quantity, Condition: cond, Location: "WH1"})
		}
		if p.label {
			tn := s.ret(id).Label.TrackingNumbers[0]
			retry("track", func() (*returns.Return, error) {
				return svc.Track(ctx, returns.TrackingUpdate{Key: "ev-" + p.key, TrackingNumber: tn, Status: returns.CarrierDelivered})
			})
		} else {
			retry("receive", func() (*returns.Return, error) {
				return svc.Receive(ctx, id, returns.ReceiveInput{Key: "scan-" + p.key, Lines: rl})
			})
		}
		retry("inspect", func() (*returns.Return, error) {
			return svc.Inspect(ctx, id, returns.InspectInput{Key: "insp-" + p.key, Units: units})
		})
		retry("resolve", func() (*returns.Return, error) { return svc.Resolve(ctx, id, returns.ResolveInput{}) })
	}
	claim := retry("claim", func() (*returns.Return, error) {
		return svc.Claim(ctx, returns.ClaimInput{Key: "claim-1", OrderID: o.ID, Type: returns.ClaimMissingItem,
			Lines: []returns.ClaimLine{{OrderLineID: mug, Quantity: 1}}})
	})
	ids = append(ids, claim.ID)
	f.n = 0
	out := chaosOutcome{Events: map[string]int{}, Levels: map[string]int64{}}
	got := s.order(o.ID)
	out.GatewayRefunded = s.gw.Ledger(o.ID).Refunded.String()
	out.OrderRefunded = got.Payment.Refunded.String()
	out.RefundedShipping = got.RefundedShipping.String()
	for _, l := range got.Lines {
		out.Lines = append(out.Lines, fmt.Sprintf("%s refunded %d %s returned %d", l.SKU, l.Refunded, l.RefundedAmount, l.Returned))
	}
	for _, id := range ids {
		r := s.ret(id)
		desc := fmt.Sprintf("%s credit %s outcomes %v", r.Status, r.StoreCredit, r.Outcomes)
		if r.Refund != nil {
			desc += fmt.Sprintf(" refund %s done %v", r.Refund.Breakdown.Total, r.Refund.Done)
		}
		if r.Exchange != nil {
			desc += fmt.Sprintf(" exchange placed %v diff %+v", r.Exchange.OrderID != "", r.Exchange.Difference)
			rep := s.order(r.Exchange.OrderID)
			out.Replacements = append(out.Replacements, fmt.Sprintf("%s %s", rep.Status, rep.Totals.GrandTotal))
		}
		for _, l := range r.Lines {
			desc += fmt.Sprintf(" [%d %d %d %d %d]", l.Quantity, l.Received, l.Inspected, l.Accepted, l.Restocked)
		}
		out.Returns = append(out.Returns, desc)
		if b, err := json.Marshal(r); err != nil {
			t.Errorf("return %s does not marshal: %v", r.ID, err)
		} else {
			var back returns.Return
			if err := json.Unmarshal(b, &back); err != nil {
				t.Errorf("return %s does not unmarshal: %v", r.ID, err)
			} else if d := cmp.Diff(r, &back); d != "" {
				t.Errorf("return %s through JSON (-before +after):\n%s", r.ID, d)
			}
		}
		for _, e := range s.outbox.Events(id) {
			switch e.Type {
			case returns.EventRefunded, returns.EventStoreCreditIssued, returns.EventExchangeCreated, returns.EventCompleted,
				returns.EventReceived, returns.EventInspected, returns.EventApproved, returns.EventRequested:
				out.Events[e.Type]++
			}
		}
	}
	for _, sku := range []oms.SKU{"MUG-BLUE", "TEE-M"} {
		l := s.level(sku, "WH1")
		out.Levels[string(sku)+" on hand"] = l.OnHand
		out.Levels[string(sku)+" damaged"] = l.Damaged
		out.Levels[string(sku)+" reserved"] = l.Reserved
	}
	if rep, err := s.inv.Reconcile(ctx); err != nil || !rep.Clean() {
		t.Errorf("n=%d: inventory does not reconcile: %+v %v", n, rep, err)
	}
	return out
}

// TestReturnFlowsUnderFailingWritesEndAsACleanRun: every nth write of the
// return, order and inventory stores fails (before the write, or after it
// with the answer lost) and the gateway loses refund answers; each command
// is retried with the same input until it succeeds. Refunds, store
// credit, exchanges (advance ones too), receipts, stock moves and a claim
// end exactly as in a run without failures: nothing done twice.
func TestReturnFlowsUnderFailingWritesEndAsACleanRun(t *testing.T) {
	for _, advance := range []bool{false, true} {
		clean := runChaos(t, 0, 0, advance)
		t.Logf("clean: %+v", clean)
		for _, n := range []int{2, 3, 4, 5, 7, 11} {
			for _, lose := range []int{0, 2} {
				got := runChaos(t, n, lose, advance)
				if d := cmp.Diff(clean, got); d != "" {
					t.Errorf("advance %v n=%d lose=%d: (-clean +chaos):\n%s", advance, n, lose, d)
				}
			}
		}
	}
}

// TestConcurrentResolvesOfManyReturnsRefundTheWholeOrderExactly: six
// one-unit returns of one order, each resolved twice at once; the refunds
// add up to the order's grand total to the cent, on the order and at the
// gateway.
func TestConcurrentResolvesOfManyReturnsRefundTheWholeOrderExactly(t *testing.T) {
	for _, sr := range []returns.ShippingRefund{returns.ShippingRefundProrated, returns.ShippingRefundFullReturn} {
		for round := range 10 {
			pol := returns.DefaultPolicy()
			pol.ShippingRefund = sr
			s := newShop(t, &pol)
			o := s.deliveredN(fmt.Sprintf("cart-conc-%d", round), 4, 2)
			var ids []oms.ID
			for i := range 6 {
				line := o.Lines[0]
				if i >= 4 {
					line = o.Lines[1]
				}
				r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: fmt.Sprintf("rma-%d", i), OrderID: o.ID,
					Lines: []returns.RequestLine{{OrderLineID: line.ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
				ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
				ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
				ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp", Units: []returns.UnitInspection{
					{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Location: "WH1"}}}))
				ids = append(ids, r.ID)
			}
			var wg sync.WaitGroup
			for _, id := range ids {
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := s.svc.Resolve(s.ctx, id, returns.ResolveInput{}); err != nil {
							t.Errorf("resolve %s: %v", id, err)
						}
					}()
				}
			}
			wg.Wait()
			got := s.order(o.ID)
			sum := usd("0")
			for _, id := range ids {
				r := s.ret(id)
				sum = ok[oms.Money](t)(sum.Add(r.Refund.Breakdown.Total))
			}
			if !got.Payment.Refunded.Equal(o.Totals.GrandTotal) || !s.gw.Ledger(o.ID).Refunded.Equal(o.Totals.GrandTotal) || !sum.Equal(o.Totals.GrandTotal) {
				t.Errorf("%s round %d: refunded order %s gateway %s returns %s, want %s", sr, round, got.Payment.Refunded, s.gw.Ledger(o.ID).Refunded, sum, o.Totals.GrandTotal)
			}
		}
	}
}
