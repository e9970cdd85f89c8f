// Package demopay is the payment gateway the example programs use: it
// authorizes, captures, voids and refunds in memory, honours idempotency
// keys and refuses to capture more than authorized or refund more than
// captured. It is also a model of a gateway adapter for order.PaymentGateway.
package demopay

import (
	"context"
	"fmt"
	"sync"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Gateway is an in-memory payment gateway. It is safe for concurrent use.
type Gateway struct {
	mu    sync.Mutex
	auths map[string]*auth               // by authorization reference
	done  map[string]order.PaymentResult // by idempotency key
	seq   int
}

type auth struct {
	authorized, captured, voided, refunded oms.Money
}

var _ order.PaymentGateway = (*Gateway)(nil)

// New returns an empty gateway.
func New() *Gateway {
	return &Gateway{auths: map[string]*auth{}, done: map[string]order.PaymentResult{}}
}

// Totals returns the money captured and refunded over every authorization
// in currency c.
func (g *Gateway) Totals(c oms.Currency) (captured, refunded oms.Money) {
	g.mu.Lock()
	defer g.mu.Unlock()
	captured, refunded = oms.Zero(c), oms.Zero(c)
	for _, a := range g.auths {
		captured, _ = captured.Add(a.captured)
		refunded, _ = refunded.Add(a.refunded)
	}
	return captured, refunded
}

// Authorize implements order.PaymentGateway.
func (g *Gateway) Authorize(ctx context.Context, req order.AuthorizeRequest) (order.PaymentResult, error) {
	return g.do(req.IdempotencyKey, func() (string, error) {
		if req.Method == "" {
			return "", oms.Validationf("demopay authorize", "method", "is required")
		}
		g.seq++
		ref := fmt.Sprintf("auth_%04d", g.seq)
		z := oms.Zero(req.Amount.Currency())
		g.auths[ref] = &auth{authorized: req.Amount, captured: z, voided: z, refunded: z}
		return ref, nil
	})
}

// Capture implements order.PaymentGateway.
func (g *Gateway) Capture(ctx context.Context, req order.CaptureRequest) (order.PaymentResult, error) {
	return g.do(req.IdempotencyKey, func() (string, error) {
		a, err := g.auth(req.Authorization)
		if err != nil {
			return "", err
		}
		open, _ := a.authorized.Sub(a.captured)
		open, _ = open.Sub(a.voided)
		if err := within(req.Amount, open, "capture"); err != nil {
			return "", err
		}
		a.captured, _ = a.captured.Add(req.Amount)
		return g.next("cap"), nil
	})
}

// Void implements order.PaymentGateway.
func (g *Gateway) Void(ctx context.Context, req order.VoidRequest) (order.PaymentResult, error) {
	return g.do(req.IdempotencyKey, func() (string, error) {
		a, err := g.auth(req.Authorization)
		if err != nil {
			return "", err
		}
		open, _ := a.authorized.Sub(a.captured)
		open, _ = open.Sub(a.voided)
		if err := within(req.Amount, open, "void"); err != nil {
			return "", err
		}
		a.voided, _ = a.voided.Add(req.Amount)
		return g.next("void"), nil
	})
}

// Refund implements order.PaymentGateway.
func (g *Gateway) Refund(ctx context.Context, req order.RefundRequest) (order.PaymentResult, error) {
	return g.do(req.IdempotencyKey, func() (string, error) {
		a, err := g.auth(req.Authorization)
		if err != nil {
			return "", err
		}
		open, _ := a.captured.Sub(a.refunded)
		if err := within(req.Amount, open, "refund"); err != nil {
			return "", err
		}
		a.refunded, _ = a.refunded.Add(req.Amount)
		return g.next("ref"), nil
	})
}

// do runs f once per idempotency key; a replayed key returns the first
// result.
func (g *Gateway) do(key string, f func() (string, error)) (order.PaymentResult, error) {
	if key == "" {
		return order.PaymentResult{}, oms.Validationf("demopay", "idempotency_key", "is required")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if r, ok := g.done[key]; ok {
		return r, nil
	}
	ref, err := f()
	if err != nil {
		return order.PaymentResult{}, err
	}
	r := order.PaymentResult{Reference: ref}
	g.done[key] = r
	return r, nil
}

func (g *Gateway) auth(ref string) (*auth, error) {
	a, ok := g.auths[ref]
	if !ok {
		return nil, fmt.Errorf("demopay: authorization %q: %w", ref, oms.ErrNotFound)
	}
	return a, nil
}

func (g *Gateway) next(kind string) string {
	g.seq++
	return fmt.Sprintf("%s_%04d", kind, g.seq)
}

// within checks 0 < amount <= open.
func within(amount, open oms.Money, op string) error {
	if !amount.IsPositive() {
		return oms.Validationf("demopay "+op, "amount", "must be positive, got %s", amount)
	}
	if c, err := amount.Cmp(open); err != nil {
		return err
	} else if c > 0 {
		return oms.Validationf("demopay "+op, "amount", "%s is more than the %s open", amount, open)
	}
	return nil
}
