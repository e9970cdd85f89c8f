package order_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestPlaceRefusesANumberGetByNumberCannotFind: Place saved whatever the
// NumberGenerator gave (a NumberFunc, or a Sequence whose prefix holds a
// NUL): an empty or blank number, one with a NUL byte or invalid UTF-8,
// one of 600 characters. GetByNumber refuses each of those as a number,
// so the order could never be found by it (and a PostgreSQL store cannot
// hold a NUL). Place now fails with an error matching oms.ErrValidation
// naming the number, and saves nothing.
func TestPlaceRefusesANumberGetByNumberCannotFind(t *testing.T) {
	ctx := context.Background()
	for _, n := range []string{"", "  ", "A\x00", "\xff1001", "N\u0085", strings.Repeat("9", order.MaxTextLength+100)} {
		store := order.NewMemoryStore(nil)
		numbers := order.NumberFunc(func(context.Context, *order.Order) (string, error) { return n, nil })
		svc := order.NewService(store, &order.ServiceOptions{Numbers: numbers})
		o, err := svc.Place(ctx, sampleInput())
		if !errors.Is(err, oms.ErrValidation) {
			if err == nil {
				_, gerr := svc.GetByNumber(ctx, o.Number)
				t.Errorf("number %q: placed; GetByNumber of it: %v", clipQ(n), gerr)
			} else {
				t.Errorf("number %q: %v, want oms.ErrValidation", clipQ(n), err)
			}
			continue
		}
		if _, err := store.GetByIdempotencyKey(ctx, sampleInput().IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("number %q: the refused Place saved an order (%v)", clipQ(n), err)
		}
	}
	// A Sequence with a prefix that is not text gives such numbers too.
	svc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Numbers: order.NewSequence("W\x00-", 1)})
	if _, err := svc.Place(ctx, sampleInput()); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a Sequence prefixed with a NUL: %v, want oms.ErrValidation", err)
	}
}

func clipQ(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}
