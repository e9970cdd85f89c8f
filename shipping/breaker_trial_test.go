package shipping_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// scriptedCarrier answers each request by the weight of its first parcel:
// it signals entered, waits for the gate of that weight (if any), then
// fails.
type scriptedCarrier struct {
	entered chan oms.Weight
	gates   map[oms.Weight]chan struct{}
}

func (c *scriptedCarrier) Code() string { return "flaky" }

func (c *scriptedCarrier) Rates(ctx context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	w := req.Parcels[0].Weight
	c.entered <- w
	if g, ok := c.gates[w]; ok {
		select {
		case <-g:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, errors.New("flaky: down")
}

// TestHalfOpenBreakerLetsOneTrialAtATimeDespiteOlderCalls: a call that
// started while the breaker was closed and ended while the half-open trial
// was in flight cleared the trial's mark, so once the breaker was
// half-open again a second trial went through while the first was still
// out. Only the trial's own outcome frees the trial slot.
func TestHalfOpenBreakerLetsOneTrialAtATimeDespiteOlderCalls(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	c := &scriptedCarrier{entered: make(chan oms.Weight, 8), gates: map[oms.Weight]chan struct{}{
		oms.Grams(1): make(chan struct{}), // the old call
		oms.Grams(3): make(chan struct{}), // the trial
	}}
	s := newShopper(t, &shipping.RateShopperOptions{Clock: clock, BreakerThreshold: 1, BreakerCoolDown: 30 * time.Second, CarrierTimeout: time.Minute}, c)
	req := func(grams int64) shipping.RateRequest {
		return shipping.RateRequest{Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US"},
			Parcels: []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Grams(grams)}}}
	}
	shop := func(grams int64) <-chan *shipping.ShopResult {
		out := make(chan *shipping.ShopResult, 1)
		go func() {
			res, err := s.Shop(context.Background(), req(grams))
			if err != nil {
				t.Error(err)
			}
			out <- res
		}()
		return out
	}
	status := func(res *shipping.ShopResult) shipping.CarrierStatus { return res.Carriers[0].Status }

	old := shop(1) // closed: let through, and held
	waitEntered(t, c, 1)
	if got := status(<-shop(2)); got != shipping.StatusFailed {
		t.Fatalf("second call: %s, want failed", got)
	}
	waitEntered(t, c, 2)
	if st, _ := s.BreakerState("flaky"); st != shipping.BreakerOpen {
		t.Fatalf("breaker %s after a failure at threshold 1, want open", st)
	}
	clock.Advance(30 * time.Second)
	trial := shop(3) // half-open: the trial, held
	waitEntered(t, c, 3)
	close(c.gates[oms.Grams(1)]) // the old call fails now
	if got := status(<-old); got != shipping.StatusFailed {
		t.Fatalf("old call: %s, want failed", got)
	}
	clock.Advance(30 * time.Second)
	if got := status(<-shop(4)); got != shipping.StatusSkipped {
		t.Errorf("a call while the trial is in flight: %s, want skipped", got)
	}
	close(c.gates[oms.Grams(3)])
	if got := status(<-trial); got != shipping.StatusFailed {
		t.Errorf("trial: %s, want failed", got)
	}
}

// waitEntered waits until the carrier was called for the request of the
// given weight.
func waitEntered(t *testing.T, c *scriptedCarrier, grams int64) {
	t.Helper()
	if w := <-c.entered; w != oms.Grams(grams) {
		t.Fatalf("carrier called for %s, want %dg", w, grams)
	}
}
