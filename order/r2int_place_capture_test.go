package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// createFails is an order store whose next Create, once armed, fails
// before writing (a crash between the gateway and the store).
type createFails struct {
	*order.MemoryStore
	armed atomic.Bool
}

func (s *createFails) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	if s.armed.CompareAndSwap(true, false) {
		return errors.New("connection reset")
	}
	return s.MemoryStore.Create(ctx, o, events)
}

// timeoutGateway, while timeouts is positive, answers an authorization
// with order.ErrOutcomeUnknown without reaching the processor.
type timeoutGateway struct {
	*ordertest.FakeGateway
	timeouts atomic.Int32
}

func (g *timeoutGateway) Authorize(ctx context.Context, req order.AuthorizeRequest) (order.PaymentResult, error) {
	if g.timeouts.Add(-1) >= 0 {
		return order.PaymentResult{}, fmt.Errorf("dial tcp: i/o timeout: %w", order.ErrOutcomeUnknown)
	}
	return g.FakeGateway.Authorize(ctx, req)
}

// TestPlaceRetriedAfterItsCaptureAtPlacementIsNotCapturedAgain: under
// CaptureOnPlacement, a Place whose authorization and capture went
// through at the gateway but whose store write failed is retried with its
// key; the retry's authorization timed out (its outcome unknown), so the
// order was saved with the placement authorization pending. Settling it
// replayed the authorization, then captured the total under a new key
// (<order>/capture/<amount>), which the gateway refused for ever as
// beyond what the authorization had open: Place and every SettlePayment
// failed and the order never recorded the money it had (a gateway that
// does not hold each authorization to its amount would have charged the
// customer twice). The capture after a placement authorization must be
// the placement's own capture, under its key.
func TestPlaceRetriedAfterItsCaptureAtPlacementIsNotCapturedAgain(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnPlacement)
	store := &createFails{MemoryStore: p.store}
	gw := &timeoutGateway{FakeGateway: p.gw}
	p.svc = order.NewService(store, &order.ServiceOptions{Clock: p.clock, Gateway: gw, CapturePolicy: order.CaptureOnPlacement})
	in := gatewayInput("tok_visa")
	in.IdempotencyKey = "cart-1"
	store.armed.Store(true)
	if _, err := p.svc.Place(ctx, in); err == nil {
		t.Fatal("Place went through a failed store write")
	}
	gw.timeouts.Store(1)
	o, err := p.svc.Place(ctx, in)
	if err != nil {
		var pe *order.PaymentError
		if !errors.As(err, &pe) {
			t.Fatalf("Place retried: %v", err)
		}
		if o, err = p.svc.SettlePayment(ctx, order.PlacementID(in.IdempotencyKey)); err != nil {
			t.Fatalf("Place retried: %v; SettlePayment: %v", pe, err)
		}
	}
	if o, err = p.svc.Get(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	total := o.Totals.GrandTotal.StringAmount()
	checkPayment(t, p, o, total, total, "0.00", "0.00")
}
