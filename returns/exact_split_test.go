package returns_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
)

// TestEveryUnitBackOverManyReturnsGivesBackTheOrderExactly: random orders
// (taxes on top or included, line and order discounts, taxed shipping)
// come back unit by unit in several returns, each line refunded, given as
// store credit or exchanged at the same price, without fees. Per order
// line, what the returns gave back (refunded value, store credit,
// exchange credit) sums to the line's total to the cent; without
// exchanges the money refunded plus the store credit is the grand total.
func TestEveryUnitBackOverManyReturnsGivesBackTheOrderExactly(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		p := returns.DefaultPolicy()
		p.ShippingRefund = []returns.ShippingRefund{returns.ShippingRefundProrated, returns.ShippingRefundFullReturn}[seed%2]
		s := newShop(t, &p)
		cents := func(max int64) oms.Money {
			return oms.MustParseMoney(fmt.Sprintf("%d.%02d USD", (1+rng.Int64N(max))/100, (1+rng.Int64N(max))%100))
		}
		skus := []oms.SKU{"MUG-BLUE", "TEE-M", "LAMP"}
		var lines []order.LineInput
		for i := range 1 + rng.IntN(3) {
			q := 1 + rng.Int64N(4)
			price := cents(5000)
			li := order.LineInput{SKU: skus[i], Name: string(skus[i]), Quantity: q, UnitPrice: price, Tax: cents(300)}
			if rng.IntN(2) == 0 {
				li.Discounts = []order.Discount{{Code: "LINE", Amount: oms.MustParseMoney(fmt.Sprintf("0.%02d USD", 1+rng.IntN(99)))}}
			}
			lines = append(lines, li)
		}
		in := order.PlaceInput{IdempotencyKey: fmt.Sprintf("cart-%d", seed), Currency: oms.USD, Channel: "web", TaxIncluded: seed%3 == 0,
			Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada"}, ShippingAddress: customerAddress, Lines: lines,
			ShippingCharge: cents(900), ShippingTax: cents(90), Payment: order.PaymentInput{Method: "tok_visa"}}
		if rng.IntN(2) == 0 {
			in.Discounts = []order.Discount{{Code: "ORDER", Amount: cents(200)}}
		}
		if in.TaxIncluded {
			in.ShippingTax = oms.MustParseMoney("0.07 USD")
			for i := range in.Lines {
				in.Lines[i].Tax = oms.MustParseMoney("0.03 USD")
			}
		}
		o := ok[*order.Order](t)(s.orders.Place(s.ctx, in))
		o = ok[*order.Order](t)(s.orders.Confirm(s.ctx, o.ID))
		var all []order.LineQuantity
		for _, l := range o.Lines {
			all = append(all, order.LineQuantity{LineID: l.ID, Quantity: l.Quantity})
		}
		for _, step := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
			s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
		} {
			o = ok[*order.Order](t)(step(s.ctx, o.ID, order.CounterInput{Key: "k1", Lines: all}))
		}
		given := map[oms.ID]oms.Money{}
		left := map[oms.ID]int64{}
		for _, l := range o.Lines {
			given[l.ID] = oms.Zero(oms.USD)
			left[l.ID] = l.Quantity
		}
		exchanged := false
		shipping := oms.Zero(oms.USD)
		credit := oms.Zero(oms.USD)
		for n := 0; ; n++ {
			var open []order.Line
			for _, l := range o.Lines {
				if left[l.ID] > 0 {
					open = append(open, l)
				}
			}
			if len(open) == 0 {
				break
			}
			l := open[rng.IntN(len(open))]
			q := 1 + rng.Int64N(left[l.ID])
			res := []returns.Resolution{returns.ResolutionRefund, returns.ResolutionStoreCredit, returns.ResolutionExchange}[rng.IntN(3)]
			if seed%4 == 1 && res == returns.ResolutionExchange {
				res = returns.ResolutionRefund
			}
			req := []returns.RequestLine{{OrderLineID: l.ID, Quantity: q, Reason: returns.ReasonNoLongerNeeded, Resolution: res}}
			left[l.ID] -= q
			key := fmt.Sprintf("rma-%d", n)
			r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: req}))
			ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
			var rl []returns.ReceiveLine
			var units []returns.UnitInspection
			for _, l := range r.Lines {
				rl = append(rl, returns.ReceiveLine{LineID: l.ID, Quantity: l.Quantity})
				units = append(units, returns.UnitInspection{LineID: l.ID, Quantity: l.Quantity, Condition: returns.ConditionNew, Location: "WH1"})
			}
			ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan", Lines: rl}))
			ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp", Units: units}))
			r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
			if r.Status != returns.StatusCompleted {
				t.Fatalf("seed %d: return %s", seed, r.Status)
			}
			for _, lr := range r.Refund.Breakdown.Lines {
				given[lr.OrderLineID] = ok[oms.Money](t)(given[lr.OrderLineID].Add(lr.Value))
			}
			shipping = ok[oms.Money](t)(shipping.Add(r.Refund.Breakdown.Shipping))
			credit = ok[oms.Money](t)(credit.Add(r.StoreCredit))
			if res == returns.ResolutionStoreCredit {
				given[l.ID] = ok[oms.Money](t)(given[l.ID].Add(r.StoreCredit))
			}
			if r.Exchange != nil {
				exchanged = true
				given[l.ID] = ok[oms.Money](t)(given[l.ID].Add(r.Exchange.Difference.Credit))
			}
		}
		got := s.order(o.ID)
		for i, l := range got.Lines {
			if want := got.Totals.Lines[i].Total; !given[l.ID].Equal(want) {
				t.Errorf("seed %d (tax included %v): line %s gave back %s, its total is %s", seed, got.TaxIncluded, l.SKU, given[l.ID], want)
			}
		}
		if !exchanged {
			back := ok[oms.Money](t)(got.Payment.Refunded.Add(credit))
			if !back.Equal(got.Totals.GrandTotal) || !shipping.Equal(got.Totals.ShippingTotal()) {
				t.Errorf("seed %d (%s, tax included %v): refunded %s + credit %s = %s (shipping %s of %s), grand total %s", seed, p.ShippingRefund, got.TaxIncluded,
					got.Payment.Refunded, credit, back, shipping, got.Totals.ShippingTotal(), got.Totals.GrandTotal)
			}
		}
	}
}
