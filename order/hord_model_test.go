package order_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestRefundsCreditsAndLostAnswersKeepTheBooksWithTheGateway drives one
// order per seed through random cancellations, counter moves, refunds
// (of units and of money alone, on any line), edits, cancels and authorizations
// under both capture policies, with the gateway losing answers, settling
// after every step; after each, the order's payment agrees with the
// gateway's ledger, every refund recorded was sent, a final order holds
// no open authorization, and a completed one collected its grand total
// plus what refunds gave back beyond the current totals.
func TestRefundsCreditsAndLostAnswersKeepTheBooksWithTheGateway(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(1); seed <= 100; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed*31))
		n := func(k int) int { return rng.IntN(k) }
		pol := order.CaptureOnShipment
		if n(2) == 0 {
			pol = order.CaptureOnPlacement
		}
		p := newPayShop(pol)
		in := gatewayInput("tok_visa")
		o := must(t)(p.svc.Place(ctx, in))
		o = must(t)(p.svc.Confirm(ctx, o.ID))
		id := o.ID
		var log []string
		fail := func(f string, a ...any) {
			t.Helper()
			t.Fatalf("seed %d: %s\nsteps: %v", seed, fmt.Sprintf(f, a...), log)
		}
		settle := func() *order.Order {
			for i := 0; i < 20; i++ {
				r, err := p.svc.SettlePayment(ctx, id)
				if err == nil {
					return r
				}
				var pe *order.PaymentError
				if !errors.As(err, &pe) {
					fail("settle: %v", err)
				}
			}
			fail("settle never finished")
			return nil
		}
		for step := 0; step < 40; step++ {
			if n(5) == 0 {
				for _, k := range []order.TransactionKind{order.TxAuthorize, order.TxCapture, order.TxVoid, order.TxRefund} {
					p.gw.LoseAnswers(k, 1)
				}
			}
			o = must(t)(p.svc.Get(ctx, id))
			l := o.Lines[n(len(o.Lines))]
			li := 0
			for i := range o.Lines {
				if o.Lines[i].ID == l.ID {
					li = i
				}
			}
			q := func(room int64) int64 {
				if room <= 0 {
					return 1
				}
				return 1 + int64(n(int(room)))
			}
			var err error
			var name string
			key := fmt.Sprint(step)
			lq := func(k int64) []order.LineQuantity { return []order.LineQuantity{{LineID: l.ID, Quantity: k}} }
			switch n(10) {
			case 0:
				name = "cancel_lines"
				_, err = p.svc.CancelLines(ctx, id, order.CancelLinesInput{Key: key, Lines: lq(q(l.Unshipped()))})
			case 1:
				name = "edit"
				_, err = p.svc.Edit(ctx, id, order.EditInput{Key: key, Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: l.ID}, Quantity: l.Quantity + 1}}})
			case 2:
				name = "authorize"
				_, err = p.svc.AuthorizePayment(ctx, id, order.AuthorizeInput{Key: key, Method: "tok_visa"})
			case 3:
				name = "allocate"
				_, err = p.svc.RecordAllocation(ctx, id, order.CounterInput{Key: key, Lines: lq(q(l.Active() - l.Allocated))})
			case 4:
				name = "fulfill"
				_, err = p.svc.RecordFulfillment(ctx, id, order.CounterInput{Key: key, Lines: lq(q(l.Allocated - l.Fulfilled))})
			case 5:
				name = "ship"
				_, err = p.svc.RecordShipment(ctx, id, order.CounterInput{Key: key, Lines: lq(q(l.Fulfilled - l.Shipped))})
			case 6:
				name = "deliver"
				_, err = p.svc.RecordDelivery(ctx, id, order.CounterInput{Key: key, Lines: lq(q(l.Shipped - l.Delivered))})
			case 7, 8:
				name = "refund"
				left, _ := o.Totals.Lines[li].Total.Sub(l.RefundedAmount)
				cents, _ := left.MinorUnits()
				if cents <= 0 {
					cents = 1
				}
				amt, _ := oms.FromMinor(1+int64(n(int(cents))), oms.USD)
				rq := int64(0)
				if l.Shipped-l.Refunded > 0 {
					rq = int64(n(int(l.Shipped-l.Refunded) + 1))
				}
				ship := oms.Zero(oms.USD)
				if n(3) == 0 {
					ship = usd("1.00")
				}
				total, _ := amt.Add(ship)
				_, err = p.svc.Refund(ctx, id, order.RefundInput{Key: key, Amount: total, Shipping: ship, Lines: []order.RefundLine{{LineID: l.ID, Quantity: rq, Amount: amt}}})
			case 9:
				name = "cancel"
				_, err = p.svc.Cancel(ctx, id, order.CancelInput{})
			}
			var pe *order.PaymentError
			ok := "ok"
			if err != nil {
				ok = err.Error()
				if len(ok) > 60 {
					ok = ok[:60]
				}
				if !errors.As(err, &pe) && !errors.Is(err, oms.ErrValidation) && !errors.Is(err, oms.ErrInvalidTransition) && !errors.Is(err, oms.ErrOnHold) && !errors.Is(err, oms.ErrConflict) {
					fail("%s: unexpected %v", name, err)
				}
			}
			log = append(log, name+":"+ok)
			o = settle()
			pay := o.Payment
			le := p.gw.Ledger(id)
			for _, c := range [][3]any{{"authorized", pay.Authorized, le.Authorized}, {"captured", pay.Captured, le.Captured}, {"voided", pay.Voided, le.Voided}, {"refunded", pay.Refunded, le.Refunded}} {
				if !c[1].(oms.Money).Equal(c[2].(oms.Money)) {
					fail("%s: order %s, gateway %s", c[0], c[1], c[2])
				}
			}
			if err := o.CheckCounters(); err != nil {
				fail("%v", err)
			}
			recorded := oms.Zero(oms.USD)
			recorded, _ = recorded.Add(o.RefundedShipping)
			beyond := oms.Zero(oms.USD)
			for i, l := range o.Lines {
				recorded = oms.MustParseMoney(recorded.Amount().Add(l.RefundedAmount.Amount()).String() + " USD")
				if d, _ := l.RefundedAmount.Sub(o.Totals.Lines[i].Total); d.IsPositive() {
					beyond, _ = beyond.Add(d)
				}
				if l.Refunded > l.Shipped {
					fail("line refunded %d of %d shipped", l.Refunded, l.Shipped)
				}
			}
			sent, _ := pay.Refunded.Sub(pay.Adjusted)
			if !sent.Amount().Equal(recorded.Amount()) {
				fail("refunds sent %s, recorded %s", sent, recorded)
			}
			if o.Status.Final() && !o.OnHold() {
				open, _ := pay.Authorized.Sub(pay.Voided)
				open, _ = open.Sub(pay.Captured)
				if !open.IsZero() {
					fail("%s order keeps %s authorized open", o.Status, open)
				}
			}
			if o.Status == order.StatusCompleted && !o.OnHold() {
				coll, _ := pay.Captured.Sub(pay.Adjusted)
				due, _ := o.Totals.GrandTotal.Add(beyond)
				if !coll.Equal(due) {
					fail("completed: collected %s, due %s (total %s, beyond %s); payment %+v", coll, due, o.Totals.GrandTotal, beyond, pay)
				}
			}
		}
	}
}
