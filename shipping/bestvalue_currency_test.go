package shipping_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestBestValueRefusesACostPerDayInAnotherCurrencyForOneRate: BestValue
// compared scores only between rates, so with a single rate a cost per day
// in another currency was never added and the rate came back, while two
// rates gave the documented oms.ErrCurrencyMismatch.
func TestBestValueRefusesACostPerDayInAnotherCurrencyForOneRate(t *testing.T) {
	ground := shipping.Rate{Carrier: "a", ServiceCode: "ground", Level: oms.LevelStandard, Price: oms.MustParseMoney("5.00 USD"), TransitDays: 5}
	express := shipping.Rate{Carrier: "a", ServiceCode: "express", Level: oms.LevelExpress, Price: oms.MustParseMoney("9.00 USD"), TransitDays: 2}
	eur := oms.MustParseMoney("2.00 EUR")
	for _, rates := range [][]shipping.Rate{{ground}, {ground, express}} {
		if r, err := shipping.BestValue(rates, eur); !errors.Is(err, oms.ErrCurrencyMismatch) {
			t.Errorf("BestValue of %d USD rates at %s a day = %s, %v; want an error matching oms.ErrCurrencyMismatch", len(rates), eur, r.Key(), err)
		}
		p := shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: eur}
		if r, err := p.Select(rates); !errors.Is(err, oms.ErrCurrencyMismatch) {
			t.Errorf("Select of %d USD rates at %s a day = %s, %v; want an error matching oms.ErrCurrencyMismatch", len(rates), eur, r.Key(), err)
		}
	}
	if r, err := shipping.BestValue([]shipping.Rate{ground}, oms.MustParseMoney("2.00 USD")); err != nil || r.Key() != ground.Key() {
		t.Errorf("BestValue of one rate = %s, %v; want %s", r.Key(), err, ground.Key())
	}
}
