package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestConcurrentRefundsUnderFewKeysRefundEachOnce: twelve goroutines
// refund one line under six keys at once; the line's refunded amount, the
// order's and the gateway's agree and stay within the line's total.
func TestConcurrentRefundsUnderFewKeysRefundEachOnce(t *testing.T) {
	ctx := context.Background()
	for round := 0; round < 10; round++ {
		p := newPayShop(order.CaptureOnPlacement)
		o := must(t)(p.svc.Place(ctx, gatewayInput("tok_visa")))
		o = must(t)(p.svc.Confirm(ctx, o.ID))
		all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 1}}
		for _, f := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){p.svc.RecordAllocation, p.svc.RecordFulfillment, p.svc.RecordShipment, p.svc.RecordDelivery} {
			o = must(t)(f(ctx, o.ID, order.CounterInput{Key: "k", Lines: all}))
		}
		mug := o.Lines[0].ID
		var wg sync.WaitGroup
		var mu sync.Mutex
		okSum := oms.Zero(oms.USD)
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("rf%d", i%6)
				amt := usd("5.00")
				_, err := p.svc.Refund(ctx, o.ID, order.RefundInput{Key: key, Amount: amt, Lines: []order.RefundLine{{LineID: mug, Amount: amt}}})
				var pe *order.PaymentError
				switch {
				case err == nil:
					if i < 6 {
						mu.Lock()
						okSum, _ = okSum.Add(amt)
						mu.Unlock()
					}
				case errors.Is(err, oms.ErrValidation), errors.Is(err, oms.ErrConflict), errors.As(err, &pe):
				default:
					t.Errorf("refund %s: %v", key, err)
				}
			}()
		}
		wg.Wait()
		o = must(t)(p.svc.SettlePayment(ctx, o.ID))
		l := p.gw.Ledger(o.ID)
		line, _ := o.Line(mug)
		if !l.Refunded.Equal(o.Payment.Refunded) || !line.RefundedAmount.Equal(o.Payment.Refunded) {
			t.Errorf("ledger refunded %s, order %s, line %s (ok sum %s)", l.Refunded, o.Payment.Refunded, line.RefundedAmount, okSum)
		}
		if gt, _ := line.RefundedAmount.Cmp(o.Totals.Lines[0].Total); gt > 0 {
			t.Errorf("line refunded %s beyond its total %s", line.RefundedAmount, o.Totals.Lines[0].Total)
		}
	}
}
