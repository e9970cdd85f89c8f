package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// flakyStore fails every nth write: before it takes effect, or (late)
// after, losing only the answer.
type flakyStore struct {
	*order.MemoryStore
	n, late int64
	count   atomic.Int64
}

var errFlaky = errors.New("store: write failed")

func (s *flakyStore) fail(write func() error) error {
	c := s.count.Add(1)
	if s.n > 0 && c%s.n == 0 {
		if s.late > 0 && c%(s.n*s.late) == 0 {
			if err := write(); err != nil {
				return err
			}
		}
		return errFlaky
	}
	return write()
}

func (s *flakyStore) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	return s.fail(func() error { return s.MemoryStore.Update(ctx, o, expected, events) })
}

func (s *flakyStore) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	return s.fail(func() error { return s.MemoryStore.Create(ctx, o, events) })
}

type crashRun struct {
	payment [5]string
	ledger  ordertest.Ledger
	lines   []order.Line
	status  order.Status
	total   string
}

func runCrashScenario(t *testing.T, n, late int64, lose int) crashRun {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnShipment)
	store := &flakyStore{MemoryStore: p.store, n: n, late: late}
	p.svc = order.NewService(store, &order.ServiceOptions{Clock: p.clock, Gateway: p.gw})
	var id oms.ID
	step := 0
	do := func(name string, f func() (*order.Order, error)) *order.Order {
		t.Helper()
		step++
		if lose > 0 && step%lose == 0 {
			for _, k := range []order.TransactionKind{order.TxAuthorize, order.TxCapture, order.TxVoid, order.TxRefund} {
				p.gw.LoseAnswers(k, 1)
			}
		}
		for i := 0; i < 50; i++ {
			o, err := f()
			if err == nil {
				return o
			}
			var pe *order.PaymentError
			if !errors.Is(err, errFlaky) && !errors.As(err, &pe) {
				t.Fatalf("%s: %v", name, err)
			}
		}
		t.Fatalf("%s: never succeeded", name)
		return nil
	}
	o := do("place", func() (*order.Order, error) { return p.svc.Place(ctx, gatewayInput("tok_visa")) })
	id = o.ID
	mug, tee := o.Lines[0].ID, o.Lines[1].ID
	do("confirm", func() (*order.Order, error) { return p.svc.Confirm(ctx, id) })
	do("edit", func() (*order.Order, error) {
		return p.svc.Edit(ctx, id, order.EditInput{Key: "e1", Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: tee}, Quantity: 2}}})
	})
	do("authorize", func() (*order.Order, error) {
		return p.svc.AuthorizePayment(ctx, id, order.AuthorizeInput{Key: "a1", Method: "tok_visa"})
	})
	do("settle", func() (*order.Order, error) { return p.svc.SettlePayment(ctx, id) })
	lq := func(l oms.ID, q int64) order.LineQuantity { return order.LineQuantity{LineID: l, Quantity: q} }
	do("allocate", func() (*order.Order, error) {
		return p.svc.RecordAllocation(ctx, id, order.CounterInput{Key: "al", Lines: []order.LineQuantity{lq(mug, 3), lq(tee, 2)}})
	})
	do("cancel", func() (*order.Order, error) {
		return p.svc.CancelLines(ctx, id, order.CancelLinesInput{Key: "c1", Lines: []order.LineQuantity{lq(mug, 1)}})
	})
	do("pack", func() (*order.Order, error) {
		return p.svc.RecordFulfillment(ctx, id, order.CounterInput{Key: "p1", Lines: []order.LineQuantity{lq(mug, 2), lq(tee, 2)}})
	})
	do("ship1", func() (*order.Order, error) {
		return p.svc.RecordShipment(ctx, id, order.CounterInput{Key: "s1", Lines: []order.LineQuantity{lq(mug, 1), lq(tee, 1)}})
	})
	do("ship2", func() (*order.Order, error) {
		return p.svc.RecordShipment(ctx, id, order.CounterInput{Key: "s2", Lines: []order.LineQuantity{lq(mug, 1), lq(tee, 1)}})
	})
	do("deliver", func() (*order.Order, error) {
		return p.svc.RecordDelivery(ctx, id, order.CounterInput{Key: "d1", Lines: []order.LineQuantity{lq(mug, 2), lq(tee, 2)}})
	})
	do("return", func() (*order.Order, error) {
		return p.svc.RecordReturn(ctx, id, order.CounterInput{Key: "r1", Lines: []order.LineQuantity{lq(mug, 1)}})
	})
	do("refund", func() (*order.Order, error) {
		return p.svc.Refund(ctx, id, order.RefundInput{Key: "rf1", Amount: usd("10.00"), Lines: []order.RefundLine{{LineID: mug, Quantity: 1, Amount: usd("10.00")}}})
	})
	o = do("settle", func() (*order.Order, error) { return p.svc.SettlePayment(ctx, id) })
	if o.Payment.Pending != nil {
		t.Errorf("pending %+v", o.Payment.Pending)
	}
	pay := o.Payment
	return crashRun{
		payment: [5]string{pay.Authorized.String(), pay.Captured.String(), pay.Voided.String(), pay.Refunded.String(), pay.Adjusted.String()},
		ledger:  p.gw.Ledger(id), lines: o.Lines, status: o.Status, total: o.Totals.GrandTotal.String(),
	}
}

// TestStoreFailuresAndLostAnswersAnywhereEndLikeACleanRun runs one
// order's life (placement with a gateway, an edit and its authorization,
// allocation, a cancelled unit, two shipments, delivery, a return and its
// refund) with every nth store write failing, before or after it took
// effect, and the gateway losing answers, retrying each call with its key
// until it succeeds: the payment, the gateway's ledger and the lines end
// as in a clean run.
func TestStoreFailuresAndLostAnswersAnywhereEndLikeACleanRun(t *testing.T) {
	clean := runCrashScenario(t, 0, 0, 0)
	for n := int64(2); n <= 9; n++ {
		for late := int64(0); late <= 2; late++ {
			for lose := 0; lose <= 3; lose++ {
				t.Run(fmt.Sprint(n, late, lose), func(t *testing.T) {
					got := runCrashScenario(t, n, late, lose)
					if d := cmp.Diff(clean, got, cmp.AllowUnexported(crashRun{}), cmp.Comparer(func(a, b oms.Money) bool { return a.String() == b.String() })); d != "" {
						t.Errorf("(-clean +crashy):\n%s", d)
					}
				})
			}
		}
	}
}
