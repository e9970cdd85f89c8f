package returns_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
)

// TestModelRandomReturnCommands runs random sequences of return commands,
// valid and not, against one delivered order and checks after each step:
// returned <= delivered per order line, units in open returns <= delivered,
// each return's counters within their bounds, restocked <= received, the
// inventory ledger reconciles and holds exactly the restocked units,
// refunded <= captured at the order and the gateway agrees, and every
// refused command changed nothing.
func TestModelRandomReturnCommands(t *testing.T) {
	seeds, steps := 24, 120
	if raceEnabled {
		seeds = 8
	}
	if testing.Short() {
		seeds = 4
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, uint64(seed), steps) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	p := returns.DefaultPolicy()
	p.ExpireAfter = 10 * 24 * time.Hour
	if seed%2 == 1 {
		p.ReturnShipping = returns.ReturnShippingDeducted
		p.ShippingRefund = returns.ShippingRefundProrated
	}
	s := newShop(t, &p)
	o := s.deliveredN(fmt.Sprintf("cart-model-%d", seed), 6, 4)
	restockBase := map[oms.SKU]int64{}
	for _, l := range o.Lines {
		restockBase[l.SKU] = s.level(l.SKU, "WH1").OnHand
	}
	// pick prefers returns still moving.
	pick := func(rs []*returns.Return) *returns.Return {
		var live []*returns.Return
		for _, r := range rs {
			if !r.Status.Final() {
				live = append(live, r)
			}
		}
		if len(live) > 0 && rng.IntN(5) > 0 {
			return live[rng.IntN(len(live))]
		}
		if len(rs) == 0 {
			return nil
		}
		return rs[rng.IntN(len(rs))]
	}
	// upTo is mostly a valid quantity (1..n), sometimes one too many or 0.
	upTo := func(n int64) int64 {
		switch rng.IntN(8) {
		case 0:
			return n + 1
		case 1:
			return 0
		}
		if n <= 0 {
			return 1
		}
		return 1 + rng.Int64N(n)
	}
	reasons := returns.Reasons()
	n := 0
	var made []oms.ID
	okCount := map[string]int{}
	defer func() { t.Logf("commands accepted: %v", okCount) }()
	for step := range steps {
		// The returns in the order they were made (their IDs derive from
		// the order's random ID, so the store's order would make runs
		// differ).
		var rs []*returns.Return
		for _, id := range made {
			rs = append(rs, s.ret(id))
		}
		r := pick(rs)
		before := s.snapshot(o.ID)
		var err error
		var what string
		switch k := rng.IntN(12); {
		case k == 0 || r == nil:
			what = "request"
			var lines []returns.RequestLine
			o = s.order(o.ID)
			taken := map[oms.ID]int64{}
			for _, x := range rs {
				for _, l := range x.Lines {
					if x.Open() {
						taken[l.OrderLineID] += l.Quantity
					}
				}
			}
			first := rng.IntN(len(o.Lines))
			for i, l := range o.Lines {
				if i == first || rng.IntN(3) == 0 {
					res := returns.ResolutionRefund
					switch rng.IntN(4) {
					case 0:
						res = returns.ResolutionExchange
					case 1:
						res = returns.ResolutionStoreCredit
					}
					lines = append(lines, returns.RequestLine{OrderLineID: l.ID, Quantity: upTo(l.Delivered - max(taken[l.ID], l.Refunded)), Reason: reasons[rng.IntN(len(reasons))], Resolution: res})
				}
			}
			n++
			var nr *returns.Return
			if nr, err = s.svc.Request(s.ctx, returns.RequestInput{Key: fmt.Sprintf("q%d", n), OrderID: o.ID, Lines: lines}); err == nil {
				made = append(made, nr.ID)
			}
		case k == 1:
			what = "approve"
			_, err = s.svc.Approve(s.ctx, r.ID, returns.StatusInput{})
		case k == 2:
			what = "reject or cancel"
			if rng.IntN(2) == 0 {
				_, err = s.svc.Reject(s.ctx, r.ID, returns.StatusInput{Note: "no"})
			} else {
				_, err = s.svc.Cancel(s.ctx, r.ID, returns.StatusInput{Note: "changed mind"})
			}
		case k == 3:
			what = "label"
			_, err = s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}})
		case k == 4 && r.Label != nil:
			what = "track"
			st := []returns.CarrierStatus{returns.CarrierInTransit, returns.CarrierDelivered, "exception"}[rng.IntN(3)]
			n++
			_, err = s.svc.Track(s.ctx, returns.TrackingUpdate{Key: fmt.Sprintf("e%d", n), TrackingNumber: r.Label.TrackingNumbers[0], Status: st})
		case k <= 5:
			what = "receive"
			l := r.Lines[rng.IntN(len(r.Lines))]
			n++
			_, err = s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: fmt.Sprintf("s%d", n), Lines: []returns.ReceiveLine{{LineID: l.ID, Quantity: upTo(l.Quantity - l.Received)}}})
		case k <= 7:
			what = "inspect"
			l := r.Lines[rng.IntN(len(r.Lines))]
			u := returns.UnitInspection{LineID: l.ID, Quantity: upTo(l.Received - l.Inspected), Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}
			switch rng.IntN(4) {
			case 0:
				u.Condition, u.Disposition, u.Location = returns.ConditionMissing, "", ""
			case 1:
				u.Condition, u.Disposition = returns.ConditionDamaged, returns.DispositionDispose
			case 2:
				u.Condition, u.Disposition = returns.ConditionOpened, returns.DispositionQuarantine
			}
			n++
			_, err = s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: fmt.Sprintf("i%d", n), Units: []returns.UnitInspection{u}, Final: rng.IntN(3) == 0})
		case k == 8:
			what = "resolve"
			_, err = s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{})
		case k == 9 && rng.IntN(3) == 0:
			what = "claim"
			l := o.Lines[rng.IntN(len(o.Lines))]
			n++
			var nr *returns.Return
			if nr, err = s.svc.Claim(s.ctx, returns.ClaimInput{Key: fmt.Sprintf("c%d", n), OrderID: o.ID, Type: returns.ClaimMissingItem,
				Lines: []returns.ClaimLine{{OrderLineID: l.ID, Quantity: rng.Int64N(2) + 1}}}); err == nil {
				made = append(made, nr.ID)
			}
		case k < 10:
			what = "resolve again"
			_, err = s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{})
		default:
			what = "sweep"
			s.clock.Advance(time.Duration(rng.IntN(60)) * time.Hour)
			before = s.snapshot(o.ID)
			_, err = s.svc.SweepExpired(s.ctx, 0)
		}
		if err == nil {
			okCount[what]++
		}
		if err != nil {
			if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
				t.Fatalf("step %d %s refused (%v) but changed something:\n%s", step, what, err, d)
			}
		}
		checkModel(t, s, o.ID, restockBase, fmt.Sprintf("step %d %s", step, what))
	}
}

func checkModel(t *testing.T, s *shop, orderID oms.ID, restockBase map[oms.SKU]int64, at string) {
	t.Helper()
	o := s.order(orderID)
	if err := o.CheckCounters(); err != nil {
		t.Fatalf("%s: order counters: %v", at, err)
	}
	rs := ok[[]*returns.Return](t)(s.store.ListByOrder(s.ctx, orderID))
	inOpen := map[oms.ID]int64{}
	restocked := map[oms.SKU]int64{}
	for _, r := range rs {
		for _, l := range r.Lines {
			if r.Open() {
				inOpen[l.OrderLineID] += l.Quantity
			}
			if l.Received < 0 || l.Received > l.Quantity || l.Inspected > l.Received || l.Accepted > l.Inspected && r.Kind == returns.KindReturn ||
				l.Restocked > l.Accepted || l.Restocked > l.Received && r.Kind == returns.KindReturn {
				t.Fatalf("%s: return %s line counters %+v", at, r.ID, l)
			}
			restocked[l.SKU] += l.Restocked
		}
		for _, m := range r.Moves {
			if !m.Done {
				t.Fatalf("%s: return %s has a pending move %+v", at, r.ID, m)
			}
		}
	}
	for _, l := range o.Lines {
		if inOpen[l.ID] > l.Shipped {
			t.Fatalf("%s: line %s has %d units in open returns, %d shipped", at, l.ID, inOpen[l.ID], l.Shipped)
		}
		if l.Returned > l.Delivered || l.Refunded > l.Shipped {
			t.Fatalf("%s: line %s returned %d refunded %d of %d delivered", at, l.ID, l.Returned, l.Refunded, l.Delivered)
		}
		if got := s.level(l.SKU, "WH1").OnHand - restockBase[l.SKU]; got != restocked[l.SKU] {
			t.Fatalf("%s: %s on hand grew by %d, %d units restocked", at, l.SKU, got, restocked[l.SKU])
		}
	}
	if rep := ok[inventory.ReconcileReport](t)(s.inv.Reconcile(s.ctx)); !rep.Clean() {
		t.Fatalf("%s: ledger does not reconcile: %+v", at, rep.Mismatches)
	}
	if c, _ := o.Payment.Refunded.Cmp(o.Payment.Captured); c > 0 {
		t.Fatalf("%s: refunded %s of %s captured", at, o.Payment.Refunded, o.Payment.Captured)
	}
	if g := s.gw.Ledger(o.ID).Refunded; !g.Equal(o.Payment.Refunded) && !(g.Currency() == "" && o.Payment.Refunded.IsZero()) {
		t.Fatalf("%s: gateway refunded %s, order says %s", at, g, o.Payment.Refunded)
	}
	if o.Payment.Pending != nil {
		t.Fatalf("%s: payment pending %+v", at, o.Payment.Pending)
	}
}
