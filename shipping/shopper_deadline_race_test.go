package shipping_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// passingCtx is a deadline that passes just after Shop first looks at it:
// its first Err says it is still running, every later look that it is
// over. It stands for a real deadline of a few microseconds that runs out
// between Shop's first check and the start of its own round of carriers.
type passingCtx struct {
	context.Context // done, deadline exceeded
	looked          atomic.Bool
}

func (c *passingCtx) Err() error {
	if !c.looked.Swap(true) {
		return nil
	}
	return c.Context.Err()
}

// TestShopWhoseDeadlinePassesBeforeItsRoundStartsReportsTimeouts: a caller
// whose deadline passed after Shop started but before its own round of
// carrier calls did got "rate shop abandoned" when the round's goroutine
// had not run yet. Shop promises an error only for a deadline already
// passed when it is called, or one that ends while it waits for another
// caller's round; its own round ends at its deadline and reports the
// carriers it could not ask as timeouts.
func TestShopWhoseDeadlinePassesBeforeItsRoundStartsReportsTimeouts(t *testing.T) {
	req := shipping.RateRequest{
		Origin:      oms.Address{Country: "US"},
		Destination: oms.Address{Country: "US"},
		Parcels:     []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(100)}},
	}
	s := newShopper(t, nil, shippingtest.NewFakeCarrier("a", nil), shippingtest.NewFakeCarrier("b", nil))
	for i := range 200 {
		past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		res, err := s.Shop(&passingCtx{Context: past}, req)
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v; want a report of timeouts (the deadline passed after Shop started)", i, err)
		}
		for _, r := range res.Carriers {
			if r.Status != shipping.StatusTimeout || !errors.Is(r.Err, shipping.ErrCarrierTimeout) {
				t.Fatalf("call %d: %s is %s (%v), want timeout", i, r.Carrier, r.Status, r.Err)
			}
		}
		if len(res.Carriers) != 2 || len(res.Rates) != 0 {
			t.Fatalf("call %d: %d reports, %d rates; want 2 timeouts", i, len(res.Carriers), len(res.Rates))
		}
	}
}
