package shippingtest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// doubleBuyer buys a new label on every call, replayed keys included.
type doubleBuyer struct {
	*shippingtest.FakeCarrier
	n atomic.Int64
}

func (d *doubleBuyer) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	if req.IdempotencyKey != "" {
		req.IdempotencyKey = fmt.Sprintf("%s#%d", req.IdempotencyKey, d.n.Add(1))
	}
	return d.FakeCarrier.BuyLabel(ctx, req)
}

// deaf answers whatever its context says.
type deaf struct{ *shippingtest.FakeCarrier }

func (d deaf) Rates(_ context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	return d.FakeCarrier.Rates(context.Background(), req)
}

// lax rates anything, bad requests included.
type lax struct{ *shippingtest.FakeCarrier }

func (lax) Rates(context.Context, shipping.RateRequest) ([]shipping.Rate, error) {
	return shippingtest.DefaultRates("lax"), nil
}

// impostor quotes under another carrier's code.
type impostor struct{ *shippingtest.FakeCarrier }

func (impostor) Code() string { return "impostor" }

// brokenCarriers are carriers that TestCarrier must fail, with a part of
// the failure message it must give.
var brokenCarriers = map[string]struct {
	carrier func() shipping.Carrier
	want    string
}{
	"double_buyer": {func() shipping.Carrier { return &doubleBuyer{FakeCarrier: shippingtest.NewFakeCarrier("db", nil)} }, "bought another label"},
	"deaf":         {func() shipping.Carrier { return deaf{shippingtest.NewFakeCarrier("deaf", nil)} }, "want an error matching context.Canceled"},
	"lax":          {func() shipping.Carrier { return lax{shippingtest.NewFakeCarrier("lax", nil)} }, "want an error matching oms.ErrValidation"},
	"impostor":     {func() shipping.Carrier { return impostor{shippingtest.NewFakeCarrier("real", nil)} }, `rates[0].Carrier = "real", want "impostor"`},
}

// TestCarrierCatchesBrokenCarriers runs the conformance suite against
// broken carriers in a child process (a failing suite fails its test) and
// checks that each one fails, saying why.
func TestCarrierCatchesBrokenCarriers(t *testing.T) {
	if name := os.Getenv("SHIPPINGTEST_BROKEN_CARRIER"); name != "" {
		shippingtest.TestCarrier(t, brokenCarriers[name].carrier())
		return
	}
	for name, bc := range brokenCarriers {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCarrierCatchesBrokenCarriers$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SHIPPINGTEST_BROKEN_CARRIER="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the conformance suite passed a broken carrier:\n%s", out)
			}
			if !strings.Contains(string(out), bc.want) {
				t.Errorf("the failure does not say %q:\n%s", bc.want, out)
			}
		})
	}
}
