package inventory_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

var approx = cmpopts.EquateApprox(0, 1e-9)

// Each case states its worked example; the expected numbers were computed
// by hand from the formulas in the comments.
func TestForecasts(t *testing.T) {
	tests := []struct {
		name string
		run  func() (inventory.Forecast, error)
		want inventory.Forecast
	}{
		// (30 + 40) / 2 = 35
		{"moving average of the last 2", func() (inventory.Forecast, error) {
			return inventory.MovingAverage([]float64{10, 20, 30, 40}, 2)
		}, inventory.Forecast{Level: 35}},
		// (10 + 20 + 30 + 40) / 4 = 25
		{"moving average of all", func() (inventory.Forecast, error) {
			return inventory.MovingAverage([]float64{10, 20, 30, 40}, 4)
		}, inventory.Forecast{Level: 25}},
		// ℓ = 10; ℓ = .5·20 + .5·10 = 15; ℓ = .5·30 + .5·15 = 22.5
		{"exponential smoothing α=.5", func() (inventory.Forecast, error) {
			return inventory.ExponentialSmoothing([]float64{10, 20, 30}, 0.5)
		}, inventory.Forecast{Level: 22.5}},
		// ℓ = 100; ℓ = .2·50 + .8·100 = 90; ℓ = .2·50 + .8·90 = 82
		{"exponential smoothing α=.2", func() (inventory.Forecast, error) {
			return inventory.ExponentialSmoothing([]float64{100, 50, 50}, 0.2)
		}, inventory.Forecast{Level: 82}},
		// α = 1 follows the last day.
		{"exponential smoothing α=1", func() (inventory.Forecast, error) {
			return inventory.ExponentialSmoothing([]float64{3, 9, 4}, 1)
		}, inventory.Forecast{Level: 4}},
		// A straight line stays on itself: ℓ = 16, b = 2.
		{"holt on a line", func() (inventory.Forecast, error) {
			return inventory.Holt([]float64{10, 12, 14, 16}, 0.5, 0.5)
		}, inventory.Forecast{Level: 16, Trend: 2}},
		// ℓ₁ = 10, b₁ = 4.
		// y=14: ℓ = .5·14 + .5·(10+4) = 14,      b = .4·(14−10) + .6·4 = 4
		// y=15: ℓ = .5·15 + .5·(14+4) = 16.5,    b = .4·2.5 + .6·4 = 3.4
		// y=20: ℓ = .5·20 + .5·(16.5+3.4) = 19.95, b = .4·3.45 + .6·3.4 = 3.42
		{"holt α=.5 β=.4", func() (inventory.Forecast, error) {
			return inventory.Holt([]float64{10, 14, 15, 20}, 0.5, 0.4)
		}, inventory.Forecast{Level: 19.95, Trend: 3.42}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.run()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestForecastOver(t *testing.T) {
	f := inventory.Forecast{Level: 10, Trend: -4}
	tests := []struct {
		days float64
		want float64
	}{
		{0, 0},
		{-1, 0},
		{1, 6},         // 10 − 4
		{1.5, 6 + 1},   // + half of day 2 (2)
		{3, 6 + 2 + 0}, // day 3 would be −2: demand never goes below zero
	}
	for _, tc := range tests {
		if got := f.Over(tc.days); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Over(%v) = %v, want %v", tc.days, got, tc.want)
		}
	}
}

func TestForecastBadInput(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"window zero", second(inventory.MovingAverage([]float64{1}, 0)), "window"},
		{"window too long", second(inventory.MovingAverage([]float64{1, 2}, 3)), "window"},
		{"empty history", second(inventory.MovingAverage(nil, 1)), "history"},
		{"negative day", second(inventory.MovingAverage([]float64{1, -2}, 1)), "history[1]"},
		{"NaN day", second(inventory.ExponentialSmoothing([]float64{math.NaN()}, 0.5)), "history[0]"},
		{"alpha zero", second(inventory.ExponentialSmoothing([]float64{1}, 0)), "alpha"},
		{"holt one day", second(inventory.Holt([]float64{1}, 0.5, 0.5)), "history"},
		{"holt beta", second(inventory.Holt([]float64{1, 2}, 0.5, 1.5)), "beta"},
		{"holt alpha", second(inventory.Holt([]float64{1, 2}, -1, 0.5)), "alpha"},
	}
	for _, tc := range tests {
		var ve *oms.ValidationError
		if !errors.As(tc.err, &ve) || !ve.Has(tc.field) {
			t.Errorf("%s: got %v, want a validation error naming %s", tc.name, tc.err, tc.field)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestStdDev(t *testing.T) {
	// mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; 32/7 = 4.5714; √ = 2.13809
	if got := inventory.StdDev([]float64{2, 4, 4, 4, 5, 5, 7, 9}); math.Abs(got-math.Sqrt(32.0/7)) > 1e-12 {
		t.Errorf("StdDev = %v", got)
	}
	if got := inventory.StdDev([]float64{3}); got != 0 {
		t.Errorf("StdDev of one day = %v", got)
	}
}

func TestInverseNormalCDF(t *testing.T) {
	// Reference quantiles of the standard normal distribution.
	tests := []struct{ p, z float64 }{
		{0.5, 0},
		{0.8413447460685429, 1},
		{0.9, 1.2815515655446004},
		{0.95, 1.6448536269514722},
		{0.975, 1.959963984540054},
		{0.99, 2.3263478740408408},
		{0.01, -2.3263478740408408},
		{0.001, -3.090232306167813},
		{0.9999, 3.719016485455709},
		{1e-10, -6.361340902404056},
	}
	for _, tc := range tests {
		if got := inventory.InverseNormalCDF(tc.p); math.Abs(got-tc.z) > 1e-9 {
			t.Errorf("InverseNormalCDF(%v) = %.12f, want %.12f", tc.p, got, tc.z)
		}
	}
	for _, p := range []float64{0, 1, -0.5, 2, math.NaN()} {
		if got := inventory.InverseNormalCDF(p); !math.IsNaN(got) {
			t.Errorf("InverseNormalCDF(%v) = %v, want NaN", p, got)
		}
	}
	if _, err := inventory.ServiceLevelZ(1); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("ServiceLevelZ(1): %v", err)
	}
}

func TestReorderPoint(t *testing.T) {
	tests := []struct {
		name string
		in   inventory.ReorderInput
		want inventory.ReorderPlan
	}{
		// LTD = 20·4 = 80; SS = 1.6449·5·√4 = 16.449 → 17; ROP = ⌈96.449⌉ = 97
		{"flat demand at 95%", inventory.ReorderInput{Forecast: inventory.Forecast{Level: 20}, DemandStdDev: 5, LeadTimeDays: 4, ServiceLevel: 0.95},
			inventory.ReorderPlan{LeadTimeDemand: 80, Z: 1.6448536269514722, SafetyStock: 17, ReorderPoint: 97}},
		// LTD = 11 + 12 + 13 = 36; no variability, no safety stock
		{"trend without variability", inventory.ReorderInput{Forecast: inventory.Forecast{Level: 10, Trend: 1}, LeadTimeDays: 3, ServiceLevel: 0.5},
			inventory.ReorderPlan{LeadTimeDemand: 36, Z: 0, SafetyStock: 0, ReorderPoint: 36}},
		// LTD = 10·2.5 = 25; SS = 2.3263·4·√2.5 = 14.713 → 15; ROP = ⌈39.713⌉ = 40
		{"fractional lead time at 99%", inventory.ReorderInput{Forecast: inventory.Forecast{Level: 10}, DemandStdDev: 4, LeadTimeDays: 2.5, ServiceLevel: 0.99},
			inventory.ReorderPlan{LeadTimeDemand: 25, Z: 2.3263478740408408, SafetyStock: 15, ReorderPoint: 40}},
		// A service level below 50 % gives a negative z: no safety stock.
		{"low service level", inventory.ReorderInput{Forecast: inventory.Forecast{Level: 10}, DemandStdDev: 4, LeadTimeDays: 1, ServiceLevel: 0.3},
			inventory.ReorderPlan{LeadTimeDemand: 10, Z: -0.5244005127080407, SafetyStock: 0, ReorderPoint: 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inventory.ReorderPoint(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	_, err := inventory.ReorderPoint(inventory.ReorderInput{Forecast: inventory.Forecast{Level: math.NaN()}, DemandStdDev: -1, LeadTimeDays: -2, ServiceLevel: 1})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !(ve.Has("forecast") && ve.Has("demand_std_dev") && ve.Has("lead_time_days") && ve.Has("service_level")) {
		t.Errorf("bad input: %v", err)
	}
}

func TestSuggestOrder(t *testing.T) {
	f := inventory.Forecast{Level: 10}
	tests := []struct {
		name string
		in   inventory.OrderInput
		want int64
	}{
		{"above the reorder point", inventory.OrderInput{Position: 120, ReorderPoint: 100, Forecast: f, CoverDays: 7}, 0},
		// target 100 + 70 = 170; 170 − 90 = 80
		{"order up to", inventory.OrderInput{Position: 90, ReorderPoint: 100, Forecast: f, CoverDays: 7}, 80},
		{"at the reorder point", inventory.OrderInput{Position: 100, ReorderPoint: 100, Forecast: f, CoverDays: 7}, 70},
		{"minimum order", inventory.OrderInput{Position: 90, ReorderPoint: 100, Forecast: f, CoverDays: 7, MinQuantity: 100}, 100},
		// 80 → 4 packs of 24 = 96
		{"whole packs", inventory.OrderInput{Position: 90, ReorderPoint: 100, Forecast: f, CoverDays: 7, PackSize: 24}, 96},
		// backorders make the position negative: 100 + 0 − (−15) = 115
		{"backordered", inventory.OrderInput{Position: -15, ReorderPoint: 100, Forecast: f}, 115},
	}
	for _, tc := range tests {
		got, err := inventory.SuggestOrder(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	_, err := inventory.SuggestOrder(inventory.OrderInput{ReorderPoint: -1, CoverDays: -1, MinQuantity: -1, PackSize: -1, Forecast: inventory.Forecast{Trend: math.Inf(1)}})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 5 {
		t.Errorf("bad input: %v", err)
	}
}

func TestEOQ(t *testing.T) {
	// √(2 · 1200 · 50 / 3) = √40000 = 200
	if got, err := inventory.EOQ(1200, 50, 3); err != nil || math.Abs(got-200) > 1e-9 {
		t.Errorf("EOQ = %v, %v", got, err)
	}
	if _, err := inventory.EOQ(-1, -1, 0); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("EOQ bad input: %v", err)
	}
}
