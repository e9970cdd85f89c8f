package shipping_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func TestShopLaterCarriersPastTheDeadline(t *testing.T) {
	// With one carrier at a time, a first carrier that never answers uses
	// up the deadline; the next one is reported without being asked.
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	blackhole := shippingtest.NewFakeCarrier("blackhole", &shippingtest.FakeCarrierOptions{Gate: never, IgnoreContext: true})
	next := shippingtest.NewFakeCarrier("next", nil)
	s := newShopper(t, &shipping.RateShopperOptions{Concurrency: 1}, blackhole, next)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	res, err := s.Shop(ctx, shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := res.Report("next")
	if rep.Status != shipping.StatusTimeout || !strings.Contains(rep.Err.Error(), "before it was asked") || next.Calls() != 0 {
		t.Errorf("next = %+v, calls %d", rep, next.Calls())
	}
}

func TestShopMixedCurrenciesSortByCurrency(t *testing.T) {
	eu := shippingtest.NewFakeCarrier("eu", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{
		{Carrier: "eu", ServiceCode: "std", Level: oms.LevelStandard, Price: oms.MustParseMoney("3.00 EUR"), TransitDays: 3},
	}})
	us := shippingtest.NewFakeCarrier("us", nil)
	s := newShopper(t, nil, us, eu)
	res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(res.Rates), " "); got != "eu/std us/ground us/express" {
		t.Errorf("order = %s", got)
	}
}

func TestBestValueCurrencyOfSecondRate(t *testing.T) {
	rates := []shipping.Rate{
		{Carrier: "eu", ServiceCode: "x", Level: oms.LevelStandard, Price: oms.MustParseMoney("1.00 EUR")},
		{Carrier: "us", ServiceCode: "y", Level: oms.LevelStandard, Price: usd("1.00")},
	}
	if _, err := shipping.BestValue(rates, usd("1.00")); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Errorf("got %v", err)
	}
	for _, k := range []shipping.AdjustmentKind{shipping.AdjustPercent, shipping.AdjustFixed, shipping.AdjustFlat, shipping.AdjustFreeOver} {
		if !k.Valid() {
			t.Errorf("%s invalid", k)
		}
	}
}

func TestTableRateCarrierNegativeAmountsAndNoZone(t *testing.T) {
	cfg := tableConfig(t)
	cfg.Surcharges = append(cfg.Surcharges, shipping.Surcharge{Name: "rebate", Amount: usd("-1.00")})
	var ve *oms.ValidationError
	if _, err := shipping.NewTableRateCarrier(cfg); !errors.As(err, &ve) || !ve.Has("surcharges[3].amount") {
		t.Errorf("negative surcharge: %v", err)
	}
	cfg = tableConfig(t)
	cfg.Zones = cfg.Zones[1:]
	cfg.Rows = cfg.Rows[:5]
	c, err := shipping.NewTableRateCarrier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := shippingtest.DefaultRequest()
	req.Destination = oms.Address{Country: "FR", PostalCode: "75001"}
	if _, err := c.Rates(context.Background(), req); !errors.Is(err, shipping.ErrNoService) || !strings.Contains(err.Error(), "no zone covers FR") {
		t.Errorf("no zone: %v", err)
	}
}

func TestHugeWeightsDoNotOverflow(t *testing.T) {
	cfg := tableConfig(t)
	cfg.Limits = shipping.Limits{}
	cfg.DimFactor = nil
	c, err := shipping.NewTableRateCarrier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := shippingtest.DefaultRequest()
	huge := shipping.Parcel{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Weight(1<<63 - 1)}
	req.Parcels = []shipping.Parcel{huge, huge}
	rates, err := c.Rates(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rates {
		if err := r.Validate(); err != nil || r.BillableWeight != oms.Weight(1<<63-1) {
			t.Errorf("%s: %v, weight %d", r.Key(), err, r.BillableWeight)
		}
	}
	if req.TotalWeight() != oms.Weight(1<<63-1) {
		t.Errorf("TotalWeight = %d", req.TotalWeight())
	}
}

// TestShopHammer shops from many goroutines at once with a cache, breakers
// and a carrier that fails every other call; run it with -race.
func TestShopHammer(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	flaky := shippingtest.NewFakeCarrier("flaky", nil)
	var carriers []shipping.Carrier
	for _, c := range []string{"a", "b", "c"} {
		carriers = append(carriers, shippingtest.NewFakeCarrier(c, nil))
	}
	carriers = append(carriers, flaky)
	s := newShopper(t, &shipping.RateShopperOptions{Clock: clock, CacheTTL: time.Second, BreakerThreshold: 2, BreakerCoolDown: time.Second, Concurrency: 3}, carriers...)
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				if (g+i)%2 == 0 {
					flaky.SetError(errors.New("flaky"))
				} else {
					flaky.SetError(nil)
				}
				if i%10 == 0 {
					clock.Advance(300 * time.Millisecond)
				}
				req := shippingtest.DefaultRequest()
				req.Parcels[0].Weight = oms.Grams(int64(1000 + (g*i)%5))
				res, err := s.Shop(context.Background(), req)
				if err != nil {
					done <- err
					return
				}
				if len(res.Carriers) != 4 {
					done <- errors.New("a carrier is missing from the report")
					return
				}
				for _, r := range res.Carriers {
					if !r.Status.Valid() || (r.Status == shipping.StatusOK) != (r.Err == nil) {
						done <- errors.New("inconsistent report " + r.Carrier)
						return
					}
				}
				for j := 1; j < len(res.Rates); j++ {
					if c, _ := res.Rates[j-1].Price.Cmp(res.Rates[j].Price); c > 0 {
						done <- errors.New("rates not sorted")
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestShopHalfOpenTrialNotAskedBeforeTheDeadlineFreesTheTrial(t *testing.T) {
	// The trial call of a half-open breaker that waits for a slot and is
	// never asked (the deadline passed first) must not leave the trial
	// marked in flight: the carrier would be skipped for ever.
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	slow := shippingtest.NewFakeCarrier("slow", nil)
	flaky := shippingtest.NewFakeCarrier("flaky", &shippingtest.FakeCarrierOptions{Err: errors.New("503")})
	s := newShopper(t, &shipping.RateShopperOptions{Clock: clock, Concurrency: 1, BreakerThreshold: 1, BreakerCoolDown: time.Minute}, slow, flaky)
	if _, err := s.Shop(context.Background(), shippingtest.DefaultRequest()); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.BreakerState("flaky"); st != shipping.BreakerOpen {
		t.Fatalf("flaky breaker %s after a failure with threshold 1", st)
	}
	clock.Advance(time.Minute)
	flaky.SetError(nil)
	slow.SetGate(never) // takes the only slot until the deadline
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	res, err := s.Shop(ctx, shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := res.Report("flaky"); rep.Status != shipping.StatusTimeout || flaky.Calls() != 1 {
		t.Fatalf("flaky = %+v, calls %d; want a timeout before it was asked", rep, flaky.Calls())
	}
	slow.SetGate(nil)
	res, err = s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := res.Report("flaky"); rep.Status != shipping.StatusOK {
		t.Errorf("flaky = %s %v after its trial was never asked, want ok (a new trial)", rep.Status, rep.Err)
	}
	if st, _ := s.BreakerState("flaky"); st != shipping.BreakerClosed {
		t.Errorf("flaky breaker %s, want closed after a good trial", st)
	}
}

func TestShopResultJSON(t *testing.T) {
	failing := shippingtest.NewFakeCarrier("failing", &shippingtest.FakeCarrierOptions{Err: errors.New("connection refused")})
	good := shippingtest.NewFakeCarrier("good", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{
		{Carrier: "good", ServiceCode: "ground", ServiceName: "Ground", Level: oms.LevelStandard, Price: oms.MustParseMoney("7.50 USD"), TransitDays: 5},
	}})
	s := newShopper(t, nil, good, failing)
	res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rates    []map[string]any `json:"rates"`
		Carriers []map[string]any `json:"carriers"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"carrier": "good", "status": "ok", "rates": float64(1)},
		{"carrier": "failing", "status": "failed", "rates": float64(0),
			"error": `shipping: carrier "failing" failed: connection refused`},
	}
	if diff := cmp.Diff(want, got.Carriers); diff != "" {
		t.Errorf("carriers JSON (-want +got):\n%s\n%s", diff, b)
	}
	if len(got.Rates) != 1 || got.Rates[0]["service_code"] != "ground" || got.Rates[0]["price"].(map[string]any)["amount"] != "7.50" {
		t.Errorf("rates JSON: %s", b)
	}
}

func TestHugeTransitDaysAreRefusedNotCounted(t *testing.T) {
	// Counting business days is a loop; a carrier's rate (outside input)
	// with an absurd transit time must be refused, not counted for hours.
	const huge = 100_000
	r := shipping.Rate{Carrier: "x", ServiceCode: "slowboat", Level: oms.LevelEconomy, Price: usd("1.00"), TransitDays: huge}
	var ve *oms.ValidationError
	if err := r.Validate(); !errors.As(err, &ve) || !ve.Has("transit_days") {
		t.Errorf("Rate.Validate with %d transit days: %v", huge, err)
	}
	ny := shipping.MustCalendar("America/New_York", nil)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	_, err := shipping.EstimateDelivery(now, shipping.Dispatch{Calendar: ny, HandlingDays: huge}, nil, huge, huge)
	if !errors.As(err, &ve) || !ve.Has("transit_min") || !ve.Has("transit_max") || !ve.Has("dispatch.handling_days") {
		t.Errorf("EstimateDelivery with %d days: %v", huge, err)
	}
	if _, err := shipping.EstimateRates(now, shipping.Dispatch{Calendar: ny}, nil, []shipping.Rate{r}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("EstimateRates with %d transit days: %v", huge, err)
	}
	_, err = shipping.NewFlatRateCarrier(shipping.FlatRateConfig{Code: "f", Services: []shipping.FlatRateService{
		{Code: "s", Level: oms.LevelEconomy, Price: usd("1.00"), TransitDays: huge}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("flat rate service with %d transit days: %v", huge, err)
	}
	cfg := tableConfig(t)
	cfg.Rows[0].TransitDaysMax = huge
	if _, err := shipping.NewTableRateCarrier(cfg); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("table row with %d transit days: %v", huge, err)
	}
	slowboat := shippingtest.NewFakeCarrier("x", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{r}})
	res, err := newShopper(t, nil, slowboat).Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := res.Report("x"); rep.Status != shipping.StatusInvalid || len(res.Rates) != 0 {
		t.Errorf("shop with a %d-day rate: %+v, rates %v", huge, rep, res.Rates)
	}
}
