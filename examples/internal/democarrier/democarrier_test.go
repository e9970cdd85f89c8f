package democarrier

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// TestConformance runs shipping's carrier suite: rates, validation,
// context handling and label idempotency.
func TestConformance(t *testing.T) {
	shippingtest.TestCarrier(t, New(nil))
}

// TestPriceAndLabels checks the table's prices (base plus started billable
// kilograms per parcel), tracking numbers per parcel and replayed keys.
func TestPriceAndLabels(t *testing.T) {
	ctx := context.Background()
	c := New(nil)
	req := shippingtest.DefaultRequest() // one 30×20×10 cm, 1.2 kg parcel: 1.5 kg billable
	rates, err := c.Rates(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rates {
		got[r.Key()] = r.Price.String()
	}
	want := map[string]string{"parcelco/ground": "6.80 USD", "parcelco/express": "15.60 USD"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	lr := shipping.LabelRequest{IdempotencyKey: "k1", ServiceCode: "ground", Origin: req.Origin, Destination: req.Destination,
		Parcels: append(req.Parcels, req.Parcels[0])}
	l1, err := c.BuyLabel(ctx, lr)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := c.BuyLabel(ctx, lr)
	if err != nil {
		t.Fatal(err)
	}
	if len(l1.TrackingNumbers) != 2 || l1.TrackingNumbers[0] != "PARC0000000001" || l2.ID != l1.ID || c.Labels() != 1 {
		t.Fatalf("labels %+v and %+v, %d bought", l1, l2, c.Labels())
	}
}

// TestFailAndLatency checks the failure switch and that a slow call gives
// up when its context ends.
func TestFailAndLatency(t *testing.T) {
	ctx := context.Background()
	c := New(&Options{Fail: func() bool { return true }})
	if _, err := c.Rates(ctx, shippingtest.DefaultRequest()); !errors.Is(err, ErrUnavailable) || !errors.Is(err, oms.ErrUnavailable) {
		t.Fatalf("failing carrier: %v", err)
	}
	if calls, failed := c.Calls(); calls != 1 || failed != 1 {
		t.Fatalf("calls %d failed %d", calls, failed)
	}
	slow := New(&Options{Latency: func() time.Duration { return time.Hour }})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := slow.Rates(cctx, shippingtest.DefaultRequest()); !errors.Is(err, context.Canceled) {
		t.Fatalf("slow carrier with a cancelled context: %v", err)
	}
}
