package shipping_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestAdjustmentPercentWithManyDecimalsIsExact: a percentage was divided
// by 100 with decimal.Div, which rounds to 16 decimal places, so a
// percentage with more decimals was changed before it was applied. On a
// 100.00 price a markup of 0.004999999999999951% is 0.00499999999999999951
// exactly, which rounds to 100.00; rounded first to 0.00005 per unit it
// became 0.005, which rounds half away to 100.01.
func TestAdjustmentPercentWithManyDecimalsIsExact(t *testing.T) {
	tests := []struct {
		pct  string
		want string
	}{
		{"0.004999999999999951", "100.00 EUR"},
		{"0.005000000000000000", "100.01 EUR"},
		{"-0.004999999999999951", "100.00 EUR"},
		{"-0.005000000000000001", "99.99 EUR"},
		{"12.5", "112.50 EUR"},
	}
	for _, tt := range tests {
		t.Run(tt.pct, func(t *testing.T) {
			r := shipping.Rate{Carrier: "c", ServiceCode: "s", Level: oms.LevelStandard, Price: oms.MustParseMoney("100.00 EUR")}
			as := shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: decimal.RequireFromString(tt.pct)}}
			got, err := as.Price(r, oms.Money{})
			if err != nil {
				t.Fatal(err)
			}
			if want := oms.MustParseMoney(tt.want); !got.Equal(want) {
				t.Errorf("%s%% of 100.00 EUR: price %s, want %s", tt.pct, got, want)
			}
		})
	}
}
