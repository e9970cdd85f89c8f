package demopay

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// TestGateway checks authorize, partial captures, refunds, replayed keys
// and the refusals that catch a double charge or refund.
func TestGateway(t *testing.T) {
	ctx := context.Background()
	g := New()
	a, err := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "a", OrderID: "o", Method: "tok", Amount: usd("50.00")})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "a", OrderID: "o", Method: "tok", Amount: usd("50.00")}); again != a {
		t.Fatalf("replayed authorize: %v, want %v", again, a)
	}
	for _, key := range []string{"c1", "c1"} { // the replay captures nothing more
		if _, err := g.Capture(ctx, order.CaptureRequest{IdempotencyKey: key, Authorization: a.Reference, Amount: usd("30.00")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Capture(ctx, order.CaptureRequest{IdempotencyKey: "c2", Authorization: a.Reference, Amount: usd("20.01")}); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("capture over the authorization: %v", err)
	}
	if _, err := g.Refund(ctx, order.RefundRequest{IdempotencyKey: "r1", Authorization: a.Reference, Amount: usd("12.50")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Refund(ctx, order.RefundRequest{IdempotencyKey: "r2", Authorization: a.Reference, Amount: usd("17.51")}); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("refund over the capture: %v", err)
	}
	if _, err := g.Void(ctx, order.VoidRequest{IdempotencyKey: "v", Authorization: a.Reference, Amount: usd("20.00")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Capture(ctx, order.CaptureRequest{IdempotencyKey: "c3", Authorization: "nope", Amount: usd("1.00")}); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("unknown authorization: %v", err)
	}
	captured, refunded := g.Totals(oms.USD)
	if captured.String() != "30.00 USD" || refunded.String() != "12.50 USD" {
		t.Fatalf("totals: captured %s refunded %s", captured, refunded)
	}
}
