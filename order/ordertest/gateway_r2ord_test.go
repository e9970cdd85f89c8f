package ordertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// TestFakeGatewayRefusesAKeyReusedForAnotherOrderOrAuthorization:
// FakeGateway compared a repeated idempotency key's request with the
// first only by kind and amount, so a key reused for another order (or
// a capture, void or refund naming another authorization) got the first
// request's result back and moved nothing, where a processor refuses a
// key reused with other parameters: the code under test was told the
// second order was paid. Now the same key with another order or
// authorization matches oms.ErrDuplicate, as one with another amount
// does; a retry of the same request (a fresh method token allowed) still
// returns the first result.
func TestFakeGatewayRefusesAKeyReusedForAnotherOrderOrAuthorization(t *testing.T) {
	ctx := context.Background()
	usd := func(s string) oms.Money { return oms.MustParseMoney(s + " USD") }
	g := ordertest.NewFakeGateway()
	a1, err := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "auth", OrderID: "o1", Method: "tok_visa", Amount: usd("50.00")})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "auth", OrderID: "o1", Method: "tok_fresh", Amount: usd("50.00")}); err != nil || again != a1 {
		t.Errorf("a retry with a fresh token: %v, %v; want the first result %v", again, err, a1)
	}
	if _, err := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "auth", OrderID: "o2", Method: "tok_visa", Amount: usd("50.00")}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("the key reused for order o2: %v, want oms.ErrDuplicate", err)
	}
	a2, err := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "auth-2", OrderID: "o1", Method: "tok_visa", Amount: usd("50.00")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Capture(ctx, order.CaptureRequest{IdempotencyKey: "cap", OrderID: "o1", Authorization: a1.Reference, Amount: usd("10.00")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Capture(ctx, order.CaptureRequest{IdempotencyKey: "cap", OrderID: "o1", Authorization: a2.Reference, Amount: usd("10.00")}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("the capture key reused on another authorization: %v, want oms.ErrDuplicate", err)
	}
	if l := g.Ledger("o2"); l.Authorized.IsPositive() {
		t.Errorf("order o2's ledger: %+v", l)
	}
}
