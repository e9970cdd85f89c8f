package shipping_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestFreeOverRefusesAThresholdInAnotherCurrencyThanTheRate: a free-over
// rule compared the order value with its threshold only, so a threshold
// and an order in euros made a rate in dollars free, where the rule is
// documented to fail with oms.ErrCurrencyMismatch when a threshold is in
// another currency than the rate.
func TestFreeOverRefusesAThresholdInAnotherCurrencyThanTheRate(t *testing.T) {
	rate := shipping.Rate{Carrier: "a", ServiceCode: "ground", Level: oms.LevelStandard, Price: oms.MustParseMoney("5.00 USD")}
	free := shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: oms.MustParseMoney("50.00 EUR")}}
	for _, order := range []oms.Money{oms.MustParseMoney("100.00 EUR"), oms.MustParseMoney("10.00 EUR")} {
		if p, err := free.Price(rate, order); !errors.Is(err, oms.ErrCurrencyMismatch) {
			t.Errorf("order %s, threshold 50.00 EUR, rate 5.00 USD: price %s, %v; want an error matching oms.ErrCurrencyMismatch", order, p, err)
		}
	}
	// In one currency, the rule works as before.
	same := shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: oms.MustParseMoney("50.00 USD")}}
	for order, want := range map[string]string{"100.00 USD": "0.00 USD", "10.00 USD": "5.00 USD"} {
		p, err := same.Price(rate, oms.MustParseMoney(order))
		if err != nil || !p.Equal(oms.MustParseMoney(want)) {
			t.Errorf("order %s: price %s, %v; want %s", order, p, err, want)
		}
	}
}
