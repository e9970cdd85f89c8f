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

// lostAnswerGateway authorizes at the fake gateway and then, while lose
// is positive, loses the answer: it reports lost (by default an error
// matching order.ErrOutcomeUnknown) although the hold is placed.
type lostAnswerGateway struct {
	*ordertest.FakeGateway
	lose atomic.Int32
	lost error
}

func (g *lostAnswerGateway) Authorize(ctx context.Context, req order.AuthorizeRequest) (order.PaymentResult, error) {
	res, err := g.FakeGateway.Authorize(ctx, req)
	if g.lose.Add(-1) >= 0 {
		if g.lost != nil {
			return order.PaymentResult{}, g.lost
		}
		return order.PaymentResult{}, fmt.Errorf("read tcp 10.0.0.1:443: i/o timeout: %w", order.ErrOutcomeUnknown)
	}
	return res, err
}

// A gateway whose own request deadline expired (its HTTP client's
// context, not the caller's) returns an error matching
// context.DeadlineExceeded: the processor may well have held the money.
// It was recorded as a decline, and the host's retry held the card twice;
// it is now an unknown outcome like ErrOutcomeUnknown.
func TestAuthorizationWhoseGatewayDeadlineExpiredHoldsTheCardOnce(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnShipment)
	gw := &lostAnswerGateway{FakeGateway: p.gw, lost: fmt.Errorf("stripe: POST /v1/payment_intents: %w", context.DeadlineExceeded)}
	p.svc = order.NewService(p.store, &order.ServiceOptions{Clock: p.clock, Gateway: gw})
	gw.lose.Store(1)
	o, err := p.svc.Place(ctx, gatewayInput("tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "retry-1", Method: "tok_visa"}); errors.Is(err, oms.ErrConflict) {
		_, err = p.svc.SettlePayment(ctx, o.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	o, err = p.svc.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkPayment(t, p, o, "55.48", "0.00", "0.00", "0.00")
}

// An authorization whose answer the gateway lost (a timeout after the
// processor placed the hold) was recorded as failed, so the host's retry,
// AuthorizePayment under a new key, placed a second hold on the card: the
// customer saw twice the order's total held. Now an Authorize error
// matching order.ErrOutcomeUnknown leaves the authorization pending under
// its key; AuthorizePayment is refused (oms.ErrConflict: settle first)
// and SettlePayment repeats the same request, which the gateway answers
// from its first result: one hold, recorded on the order, the
// awaiting_payment hold released.
func TestAuthorizationWhoseAnswerWasLostHoldsTheCardOnce(t *testing.T) {
	ctx := context.Background()
	for _, at := range []string{"placement", "AuthorizePayment"} {
		t.Run(at, func(t *testing.T) {
			p := newPayShop(order.CaptureOnShipment)
			gw := &lostAnswerGateway{FakeGateway: p.gw}
			p.svc = order.NewService(p.store, &order.ServiceOptions{Clock: p.clock, Gateway: gw})
			method := "tok_visa"
			if at != "placement" {
				method = ordertest.DeclinedMethod
			} else {
				gw.lose.Store(1)
			}
			o, err := p.svc.Place(ctx, gatewayInput(method))
			if err != nil {
				t.Fatal(err)
			}
			if at != "placement" {
				gw.lose.Store(1)
				_, err = p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "retry-1", Method: "tok_visa"})
				var pe *order.PaymentError
				if !errors.As(err, &pe) || !errors.Is(err, order.ErrOutcomeUnknown) {
					t.Fatalf("AuthorizePayment with the answer lost: %v, want a *PaymentError matching ErrOutcomeUnknown", err)
				}
			}
			// What a host does next: authorize again, or settle when told to.
			_, err = p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "retry-2", Method: "tok_visa"})
			if errors.Is(err, oms.ErrConflict) {
				_, err = p.svc.SettlePayment(ctx, o.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			o, err = p.svc.Get(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkPayment(t, p, o, "55.48", "0.00", "0.00", "0.00")
			if o.HasOpenHold(order.HoldAwaitingPayment) {
				t.Error("awaiting_payment hold still open after the authorization was recorded")
			}
		})
	}
}
