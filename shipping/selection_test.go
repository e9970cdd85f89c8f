package shipping_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

func day(d int) oms.Date { return oms.NewDate(2026, 11, d) }

func on(d int) shipping.Window { return shipping.Window{Earliest: day(d), Latest: day(d)} }

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// sampleRates ship on Monday 2026-11-23.
func sampleRates() []shipping.Rate {
	return []shipping.Rate{
		{Carrier: "a", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("5.00"), TransitDays: 5, Delivery: on(30)},
		{Carrier: "b", ServiceCode: "two_day", Level: oms.LevelExpress, Price: usd("9.00"), TransitDays: 3, Delivery: on(26)},
		{Carrier: "b", ServiceCode: "express", Level: oms.LevelExpress, Price: usd("12.00"), TransitDays: 2, Delivery: on(25), Guaranteed: true},
		{Carrier: "c", ServiceCode: "overnight", Level: oms.LevelOvernight, Price: usd("25.00"), TransitDays: 1, Delivery: on(24), Guaranteed: true},
		{Carrier: "d", ServiceCode: "economy", Level: oms.LevelEconomy, Price: usd("5.00"), TransitDays: 7, Delivery: shipping.Window{Earliest: day(30), Latest: oms.NewDate(2026, 12, 2)}},
		{Carrier: "e", ServiceCode: "nodate", Level: oms.LevelEconomy, Price: usd("4.00"), TransitDays: 6},
	}
}

func keys(rates []shipping.Rate) []string {
	out := []string{}
	for _, r := range rates {
		out = append(out, r.Key())
	}
	return out
}

func TestSelectionRules(t *testing.T) {
	all := sampleRates()
	dated := all[:5]
	tests := []struct {
		name   string
		policy shipping.Policy
		rates  []shipping.Rate
		want   string
		err    error
	}{
		{"cheapest", shipping.Policy{}, all, "e/nodate", nil},
		{"cheapest tie goes to the faster", shipping.Policy{Strategy: shipping.StrategyCheapest}, dated, "a/ground", nil},
		{"cheapest tie order does not matter", shipping.Policy{}, []shipping.Rate{all[4], all[0]}, "a/ground", nil},
		{"fastest", shipping.Policy{Strategy: shipping.StrategyFastest}, all, "c/overnight", nil},
		{"fastest by transit days without dates", shipping.Policy{Strategy: shipping.StrategyFastest}, []shipping.Rate{all[5], {Carrier: "f", ServiceCode: "x", Level: oms.LevelEconomy, Price: usd("1.00"), TransitDays: 4}}, "f/x", nil},
		{"fastest tie goes to the cheaper", shipping.Policy{Strategy: shipping.StrategyFastest}, []shipping.Rate{all[2], {Carrier: "z", ServiceCode: "express", Level: oms.LevelExpress, Price: usd("11.99"), TransitDays: 2, Delivery: on(25)}}, "z/express", nil},
		{"best value at 2.00 a day: tie goes to the faster", shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("2.00")}, all, "b/two_day", nil},
		{"best value at 0.00 a day is cheapest", shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("0")}, all, "e/nodate", nil},
		{"best value at 1.00 a day", shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("1.00")}, all, "a/ground", nil},
		{"best value at 100.00 a day is fastest", shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("100.00")}, all, "c/overnight", nil},
		{"deliver by Thursday", shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: day(26)}, all, "b/two_day", nil},
		{"deliver by Tuesday", shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: day(24)}, all, "c/overnight", nil},
		{"deliver by Monday: none", shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: day(23)}, all, "", shipping.ErrNoRate},
		{"deliver by a window's end", shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: oms.NewDate(2026, 12, 2)}, all[3:5], "d/economy", nil},
		{"allow a carrier", shipping.Policy{Filter: shipping.RateFilter{Allow: []string{"b"}}}, all, "b/two_day", nil},
		{"allow a service", shipping.Policy{Filter: shipping.RateFilter{Allow: []string{"b/express", "c"}}}, all, "b/express", nil},
		{"deny a carrier", shipping.Policy{Filter: shipping.RateFilter{Deny: []string{"e", "a"}}}, all, "d/economy", nil},
		{"deny wins over allow", shipping.Policy{Filter: shipping.RateFilter{Allow: []string{"b"}, Deny: []string{"b/two_day"}}}, all, "b/express", nil},
		{"levels", shipping.Policy{Filter: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelOvernight, oms.LevelExpress}}}, all, "b/two_day", nil},
		{"guaranteed only", shipping.Policy{Filter: shipping.RateFilter{GuaranteedOnly: true}}, all, "b/express", nil},
		{"everything filtered out", shipping.Policy{Filter: shipping.RateFilter{Allow: []string{"ups"}}}, all, "", shipping.ErrNoRate},
		{"no rates", shipping.Policy{Strategy: shipping.StrategyFastest}, nil, "", shipping.ErrNoRate},
		{"mixed currencies", shipping.Policy{}, []shipping.Rate{all[0], {Carrier: "eu", ServiceCode: "x", Level: oms.LevelStandard, Price: oms.MustParseMoney("3.00 EUR")}}, "", oms.ErrCurrencyMismatch},
		{"best value mixed currencies", shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: oms.MustParseMoney("1.00 EUR")}, all, "", oms.ErrCurrencyMismatch},
		{"bad strategy", shipping.Policy{Strategy: "random"}, all, "", oms.ErrValidation},
		{"best value without cost", shipping.Policy{Strategy: shipping.StrategyBestValue}, all, "", oms.ErrValidation},
		{"best value negative cost", shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("-1")}, all, "", oms.ErrValidation},
		{"deliver by without date", shipping.Policy{Strategy: shipping.StrategyDeliverBy}, all, "", oms.ErrValidation},
		{"bad filter", shipping.Policy{Filter: shipping.RateFilter{Allow: []string{""}, Deny: []string{""}, Levels: []oms.ServiceLevel{"warp"}}}, all, "", oms.ErrValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.policy.Select(tt.rates)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, %v; want error %v", got.Key(), err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Key() != tt.want {
				t.Errorf("got %s, want %s", got.Key(), tt.want)
			}
		})
	}
}

func TestSelectionFunctions(t *testing.T) {
	all := sampleRates()
	if _, err := shipping.BestValue(all, usd("-0.01")); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("BestValue negative: %v", err)
	}
	if _, err := shipping.BestValue([]shipping.Rate{{Carrier: "x", ServiceCode: "y", Price: oms.MustParseMoney("1 EUR")}, all[0]}, oms.MustParseMoney("1 EUR")); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Errorf("BestValue currency of the other rate: %v", err)
	}
	if _, err := shipping.Fastest([]shipping.Rate{all[2], {Carrier: "z", ServiceCode: "x", Level: oms.LevelExpress, Price: oms.MustParseMoney("1 EUR"), TransitDays: 2, Delivery: on(25)}}); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Errorf("Fastest tie in two currencies: %v", err)
	}
	// Filters keep order and never alias the input.
	f := shipping.RateFilter{Deny: []string{"c"}}
	got := f.Apply(all)
	if diff := cmp.Diff([]string{"a/ground", "b/two_day", "b/express", "d/economy", "e/nodate"}, keys(got)); diff != "" {
		t.Error(diff)
	}
	got[0].Carrier = "zz"
	if all[0].Carrier != "a" {
		t.Error("Apply aliases its input")
	}
	if err := (shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("1")}).Validate(); err != nil {
		t.Error(err)
	}
	for _, s := range []shipping.Strategy{shipping.StrategyCheapest, shipping.StrategyFastest, shipping.StrategyBestValue, shipping.StrategyDeliverBy} {
		if !s.Valid() {
			t.Errorf("%s invalid", s)
		}
	}
}

func TestAdjustmentsExactToTheCent(t *testing.T) {
	pct := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	ground := shipping.Rate{Carrier: "a", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("7.99"), TransitDays: 5}
	express := shipping.Rate{Carrier: "b", ServiceCode: "express", Level: oms.LevelExpress, Price: usd("12.35"), TransitDays: 2}
	yen := shipping.Rate{Carrier: "jp", ServiceCode: "takkyubin", Level: oms.LevelStandard, Price: oms.MustParseMoney("1235 JPY")}
	tests := []struct {
		name  string
		rate  shipping.Rate
		order oms.Money
		adj   shipping.Adjustments
		want  string
		err   error
	}{
		{"no rules", ground, oms.Money{}, nil, "7.99 USD", nil},
		{"10% markup rounds half away", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: pct("10")}}, "8.79 USD", nil},
		{"markup then fixed, rounded once", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: pct("10")}, {Kind: shipping.AdjustFixed, Amount: usd("0.50")}}, "9.29 USD", nil},
		{"15% discount", express, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: pct("-15")}}, "10.50 USD", nil},
		{"12.5% of 0.99", shipping.Rate{Price: usd("0.99")}, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: pct("12.5")}}, "1.11 USD", nil},
		{"fixed discount floors at zero", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustFixed, Amount: usd("-10.00")}}, "0.00 USD", nil},
		{"flat price", express, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustFlat, Amount: usd("4.99")}}, "4.99 USD", nil},
		{"free over 50: order 49.99", ground, usd("49.99"), shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: usd("50.00")}}, "7.99 USD", nil},
		{"free over 50: order exactly 50.00", ground, usd("50.00"), shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: usd("50.00")}}, "0.00 USD", nil},
		{"free over 50: order unknown", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: usd("50.00")}}, "7.99 USD", nil},
		{"free standard only", express, usd("80.00"), shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: usd("50.00"), Only: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelStandard}}}}, "12.35 USD", nil},
		{"markup on one carrier", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: pct("50"), Only: shipping.RateFilter{Allow: []string{"b"}}}}, "7.99 USD", nil},
		{"yen rounds to whole yen", yen, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: pct("10")}}, "1359 JPY", nil},
		{"fixed in another currency", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustFixed, Amount: oms.MustParseMoney("1.00 EUR")}}, "", oms.ErrCurrencyMismatch},
		{"flat in another currency", ground, oms.Money{}, shipping.Adjustments{{Kind: shipping.AdjustFlat, Amount: oms.MustParseMoney("1.00 EUR")}}, "", oms.ErrCurrencyMismatch},
		{"threshold in another currency", ground, usd("10.00"), shipping.Adjustments{{Kind: shipping.AdjustFreeOver, Threshold: oms.MustParseMoney("50.00 EUR")}}, "", oms.ErrCurrencyMismatch},
		{"bad rules", ground, oms.Money{}, shipping.Adjustments{
			{Kind: "bogus"}, {Kind: shipping.AdjustPercent, Percent: pct("-101")}, {Kind: shipping.AdjustFixed},
			{Kind: shipping.AdjustFlat}, {Kind: shipping.AdjustFlat, Amount: usd("-1")}, {Kind: shipping.AdjustFreeOver},
			{Kind: shipping.AdjustFreeOver, Threshold: usd("-1")}, {Kind: shipping.AdjustFixed, Amount: usd("1"), Only: shipping.RateFilter{Levels: []oms.ServiceLevel{"x"}}},
		}, "", oms.ErrValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.adj.Price(tt.rate, tt.order)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %s, %v; want %v", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAdjustmentsValidationListsEveryProblem(t *testing.T) {
	err := shipping.Adjustments{{Kind: "bogus"}, {Kind: shipping.AdjustFixed}}.Validate()
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("adjustments[0].kind") || !ve.Has("adjustments[1].amount") {
		t.Errorf("got %v", err)
	}
	if err := (shipping.Adjustment{Kind: shipping.AdjustFlat, Amount: usd("1")}).Validate(); err != nil {
		t.Error(err)
	}
	if (shipping.AdjustmentKind("x")).Valid() {
		t.Error("x valid")
	}
}

func TestAdjustmentsApply(t *testing.T) {
	rates := sampleRates()
	adj := shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: decimal.NewFromInt(10)}}
	got, err := adj.Apply(rates, oms.Money{})
	if err != nil {
		t.Fatal(err)
	}
	var prices []string
	for _, r := range got {
		prices = append(prices, r.Price.String())
	}
	if diff := cmp.Diff([]string{"5.50 USD", "9.90 USD", "13.20 USD", "27.50 USD", "5.50 USD", "4.40 USD"}, prices); diff != "" {
		t.Error(diff)
	}
	if rates[0].Price.String() != "5.00 USD" {
		t.Error("Apply changed its input")
	}
	if _, err := (shipping.Adjustments{{Kind: "x"}}).Apply(rates, oms.Money{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad rule: %v", err)
	}
	if _, err := (shipping.Adjustments{{Kind: shipping.AdjustFixed, Amount: oms.MustParseMoney("1 EUR")}}).Apply(rates, oms.Money{}); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Errorf("currency: %v", err)
	}
}

func TestCheckoutOptions(t *testing.T) {
	rules := []shipping.CheckoutRule{
		{Code: "standard", Name: "Standard", PadDays: 2,
			Policy: shipping.Policy{Filter: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelStandard, oms.LevelEconomy}, Deny: []string{"e"}}},
			Price: shipping.Adjustments{
				{Kind: shipping.AdjustFlat, Amount: usd("4.99")},
				{Kind: shipping.AdjustFreeOver, Threshold: usd("50.00")},
			}},
		{Code: "express", Name: "Express", Policy: shipping.Policy{Strategy: shipping.StrategyBestValue, CostPerDay: usd("2.00"),
			Filter: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelExpress, oms.LevelOvernight}}},
			Price: shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: decimal.NewFromInt(10)}}},
		{Code: "same_day", Name: "Same day", Policy: shipping.Policy{Filter: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelSameDay}}}},
		{Code: "any", Name: "Whatever is cheapest", Policy: shipping.Policy{Filter: shipping.RateFilter{Allow: []string{"e"}}}, PadDays: 3},
	}
	type opt struct {
		Code, Price, Rate string
		Promise           shipping.Window
	}
	summarize := func(opts []shipping.CheckoutOption) []opt {
		var out []opt
		for _, o := range opts {
			out = append(out, opt{o.Code, o.Price.String(), o.Rate.Key() + " " + o.Rate.Price.String(), o.Promise})
		}
		return out
	}
	got, err := shipping.CheckoutOptions(sampleRates(), usd("42.00"), rules)
	if err != nil {
		t.Fatal(err)
	}
	want := []opt{
		{"standard", "4.99 USD", "a/ground 5.00 USD", shipping.Window{Earliest: day(30), Latest: oms.NewDate(2026, 12, 2)}},
		{"express", "9.90 USD", "b/two_day 9.00 USD", on(26)},
		{"any", "4.00 USD", "e/nodate 4.00 USD", shipping.Window{}},
	}
	if diff := cmp.Diff(want, summarize(got)); diff != "" {
		t.Errorf("order of 42.00 (-want +got):\n%s", diff)
	}
	got, err = shipping.CheckoutOptions(sampleRates(), usd("50.00"), rules)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Price.String() != "0.00 USD" || got[1].Price.String() != "9.90 USD" {
		t.Errorf("order of 50.00: %+v", summarize(got))
	}

	bad := []shipping.CheckoutRule{
		{Code: "", Name: ""},
		{Code: "x", Name: "X", PadDays: -1, Policy: shipping.Policy{Strategy: "random"}, Price: shipping.Adjustments{{Kind: "nope"}}},
		{Code: "x", Name: "X again"},
	}
	_, err = shipping.CheckoutOptions(sampleRates(), oms.Money{}, bad)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"rules[0].code", "rules[0].name", "rules[1].pad_days", "rules[1].policy.strategy", "rules[1].price.adjustments[0].kind", "rules[2].code"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s: %v", f, ve)
		}
	}
	mixed := append(sampleRates(), shipping.Rate{Carrier: "eu", ServiceCode: "x", Level: oms.LevelStandard, Price: oms.MustParseMoney("1.00 EUR")})
	if _, err := shipping.CheckoutOptions(mixed, oms.Money{}, rules[:1]); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Errorf("mixed currencies: %v", err)
	}
	eurFlat := []shipping.CheckoutRule{{Code: "s", Name: "S", Price: shipping.Adjustments{{Kind: shipping.AdjustFlat, Amount: oms.MustParseMoney("1.00 EUR")}}}}
	if _, err := shipping.CheckoutOptions(sampleRates(), oms.Money{}, eurFlat); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Errorf("flat price in another currency: %v", err)
	}
}
