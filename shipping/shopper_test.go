package shipping_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func newShopper(t *testing.T, opts *shipping.RateShopperOptions, carriers ...shipping.Carrier) *shipping.RateShopper {
	t.Helper()
	s, err := shipping.NewRateShopper(carriers, opts)
	if err != nil {
		t.Fatalf("NewRateShopper: %v", err)
	}
	return s
}

func statuses(res *shipping.ShopResult) map[string]shipping.CarrierStatus {
	m := map[string]shipping.CarrierStatus{}
	for _, r := range res.Carriers {
		m[r.Carrier] = r.Status
	}
	return m
}

func TestShopFanOutIsConcurrent(t *testing.T) {
	// Each carrier waits until all K carriers have been called: a
	// sequential loop would never get past the first one.
	const k = 8
	var arrived atomic.Int32
	all := make(chan struct{})
	barrier := func(ctx context.Context, _ shipping.RateRequest) {
		if arrived.Add(1) == k {
			close(all)
		}
		select {
		case <-all:
		case <-ctx.Done():
		}
	}
	var carriers []shipping.Carrier
	for i := range k {
		carriers = append(carriers, shippingtest.NewFakeCarrier("c"+string(rune('a'+i)), &shippingtest.FakeCarrierOptions{OnRates: barrier}))
	}
	s := newShopper(t, &shipping.RateShopperOptions{CarrierTimeout: time.Minute}, carriers...)
	res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Carriers {
		if r.Status != shipping.StatusOK {
			t.Errorf("carrier %s: %s %v", r.Carrier, r.Status, r.Err)
		}
	}
	if len(res.Rates) != 2*k {
		t.Errorf("got %d rates, want %d", len(res.Rates), 2*k)
	}
	if err := res.Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
}

func TestShopNeverAnsweringCarrierDoesNotHoldTheDeadline(t *testing.T) {
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	blackhole := shippingtest.NewFakeCarrier("blackhole", &shippingtest.FakeCarrierOptions{Gate: never, IgnoreContext: true})
	good := shippingtest.NewFakeCarrier("good", nil)
	s := newShopper(t, &shipping.RateShopperOptions{CarrierTimeout: time.Hour}, blackhole, good)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := s.Shop(ctx, shippingtest.DefaultRequest())
	// Reaching this line at all proves it: the blackhole is still blocked.
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(res); !cmp.Equal(got, map[string]shipping.CarrierStatus{"blackhole": shipping.StatusTimeout, "good": shipping.StatusOK}) {
		t.Errorf("statuses = %v", got)
	}
	if len(res.Rates) != 2 || res.Rates[0].Carrier != "good" {
		t.Errorf("rates = %v, want good's two", res.Rates)
	}
	errs := res.Errors()
	if len(errs) != 1 {
		t.Fatalf("errors = %v", errs)
	}
	e := errs[0]
	if e.Carrier != "blackhole" || !strings.Contains(e.Error(), `"blackhole"`) {
		t.Errorf("error %q does not name the carrier", e)
	}
	if !errors.Is(e, shipping.ErrCarrierTimeout) || !errors.Is(e, context.DeadlineExceeded) || !errors.Is(e, oms.ErrUnavailable) {
		t.Errorf("error %v should match ErrCarrierTimeout, DeadlineExceeded and oms.ErrUnavailable", e)
	}
	if !strings.Contains(res.Err().Error(), "caller's deadline") {
		t.Errorf("Err() = %v", res.Err())
	}
	// A timeout at the caller's deadline is not the carrier's fault.
	if st, _ := s.BreakerState("blackhole"); st != shipping.BreakerClosed {
		t.Errorf("breaker %s after a caller-deadline timeout", st)
	}
}

func TestShopCarrierTimeout(t *testing.T) {
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	slow := shippingtest.NewFakeCarrier("slow", &shippingtest.FakeCarrierOptions{Gate: never})
	s := newShopper(t, &shipping.RateShopperOptions{CarrierTimeout: 20 * time.Millisecond, BreakerThreshold: 1}, slow, shippingtest.NewFakeCarrier("fast", nil))
	res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := res.Report("slow")
	if rep.Status != shipping.StatusTimeout || !errors.Is(rep.Err, shipping.ErrCarrierTimeout) || !strings.Contains(rep.Err.Error(), "within its timeout of 20ms") {
		t.Errorf("slow report = %+v", rep)
	}
	if st, _ := s.BreakerState("slow"); st != shipping.BreakerOpen {
		t.Errorf("breaker %s after its own timeout with threshold 1, want open", st)
	}
}

func TestShopReportsEveryCarrierProblem(t *testing.T) {
	boom := errors.New("connection refused")
	failing := shippingtest.NewFakeCarrier("failing", &shippingtest.FakeCarrierOptions{Err: boom})
	euro := shippingtest.NewFakeCarrier("euro", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{
		{Carrier: "euro", ServiceCode: "std", Level: oms.LevelStandard, Price: oms.MustParseMoney("6.00 EUR"), TransitDays: 3},
	}})
	sloppy := shippingtest.NewFakeCarrier("sloppy", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{
		{Carrier: "sloppy", ServiceCode: "neg", Level: oms.LevelStandard, Price: oms.MustParseMoney("-1.00 USD")},
		{Carrier: "sloppy", ServiceCode: "", Level: oms.LevelStandard, Price: oms.MustParseMoney("3.00 USD")},
		{Carrier: "sloppy", ServiceCode: "frac", Level: oms.LevelStandard, Price: oms.MustParseMoney("3.005 USD")},
		{Carrier: "someone_else", ServiceCode: "x", Level: oms.LevelStandard, Price: oms.MustParseMoney("3.00 USD")},
		{Carrier: "sloppy", ServiceCode: "warp", Level: "warp", Price: oms.MustParseMoney("3.00 USD")},
		{ServiceCode: "ok", Level: oms.LevelEconomy, Price: oms.MustParseMoney("4.00 USD"), TransitDays: 6},
	}})
	limited, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code:     "limited",
		Services: []shipping.FlatRateService{{Code: "box", Level: oms.LevelStandard, Price: oms.MustParseMoney("5.00 USD"), TransitDays: 3}},
		Limits:   shipping.Limits{MaxWeight: oms.Grams(500)},
	})
	if err != nil {
		t.Fatal(err)
	}
	empty := shippingtest.NewFakeCarrier("empty", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{}})
	good := shippingtest.NewFakeCarrier("good", nil)
	var logs bytes.Buffer
	s := newShopper(t, &shipping.RateShopperOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		failing, euro, sloppy, limited, empty, good, panicker{})
	req := shippingtest.DefaultRequest()
	req.Currency = oms.USD
	res, err := s.Shop(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]shipping.CarrierStatus{
		"failing": shipping.StatusFailed, "euro": shipping.StatusInvalid, "sloppy": shipping.StatusInvalid,
		"limited": shipping.StatusNoService, "empty": shipping.StatusNoService, "good": shipping.StatusOK,
		"panicker": shipping.StatusFailed,
	}
	if diff := cmp.Diff(want, statuses(res)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	var keys []string
	for _, r := range res.Rates {
		keys = append(keys, r.Key()+" "+r.Price.String())
	}
	wantKeys := []string{"sloppy/ok 4.00 USD", "good/ground 7.50 USD", "good/express 19.00 USD"}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("rates (-want +got):\n%s", diff)
	}
	msgs := map[string][]string{
		"failing":  {`carrier "failing" failed`, "connection refused"},
		"euro":     {`carrier "euro" invalid`, "unexpected currency EUR, want USD"},
		"sloppy":   {"rates[0] sloppy/neg", "must not be negative", "rates[1] sloppy/", "service_code: is required", "rates[2] sloppy/frac", "rounded", `rates[3] someone_else/x`, `want "sloppy"`, `unknown service level "warp"`},
		"limited":  {"weight 1200g over the limit of 500g"},
		"empty":    {"no rates"},
		"panicker": {"panicked: oops"},
	}
	for code, parts := range msgs {
		rep, ok := res.Report(code)
		if !ok || rep.Err == nil {
			t.Errorf("%s: no error", code)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(rep.Err.Error(), p) {
				t.Errorf("%s error %q lacks %q", code, rep.Err, p)
			}
		}
	}
	if rep, _ := res.Report("failing"); !errors.Is(rep.Err, boom) {
		t.Errorf("failing error does not unwrap to the cause: %v", rep.Err)
	}
	if rep, _ := res.Report("sloppy"); !errors.Is(rep.Err, shipping.ErrInvalidRate) || rep.Rates != 1 {
		t.Errorf("sloppy report = %+v", rep)
	}
	if rep, _ := res.Report("limited"); !errors.Is(rep.Err, shipping.ErrNoService) {
		t.Errorf("limited report = %+v", rep)
	}
	if _, ok := res.Report("nobody"); ok {
		t.Error("Report of an unknown carrier")
	}
	if len(res.Errors()) != 6 || !errors.Is(res.Err(), boom) {
		t.Errorf("Errors() = %v", res.Errors())
	}
	if !strings.Contains(logs.String(), "carrier=failing") || strings.Contains(logs.String(), "carrier=limited") {
		t.Errorf("log = %s", logs.String())
	}
}

type panicker struct{}

func (panicker) Code() string { return "panicker" }
func (panicker) Rates(context.Context, shipping.RateRequest) ([]shipping.Rate, error) {
	panic("oops")
}

func TestShopRefusesBadRequests(t *testing.T) {
	fake := shippingtest.NewFakeCarrier("fake", nil)
	s := newShopper(t, nil, fake)
	bad := shippingtest.DefaultRequest()
	bad.Destination.Country = "XX"
	bad.Origin.Country = ""
	bad.Parcels = append(bad.Parcels,
		shipping.Parcel{Dimensions: oms.DimensionsMM(100, -5, 0), Weight: 0},
		shipping.Parcel{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: -oms.Gram},
	)
	bad.Levels = []oms.ServiceLevel{"teleport"}
	bad.Currency = "ZZZ"
	bad.Carriers = []string{"ups", ""}
	_, err := s.Shop(context.Background(), bad)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *oms.ValidationError", err)
	}
	for _, f := range []string{"origin.country", "destination.country", "parcels[1].dimensions.width", "parcels[1].dimensions.height",
		"parcels[1].weight", "parcels[2].weight", "levels[0]", "currency", "carriers[0]", "carriers[1]"} {
		if !ve.Has(f) {
			t.Errorf("no problem reported for %s in %v", f, ve)
		}
	}
	none := shippingtest.DefaultRequest()
	none.Parcels = nil
	if _, err := s.Shop(context.Background(), none); err == nil || !strings.Contains(err.Error(), "at least one parcel") {
		t.Errorf("no parcels: %v", err)
	}
	if fake.Calls() != 0 {
		t.Errorf("carrier called %d times for refused requests", fake.Calls())
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := s.Shop(ctx, shippingtest.DefaultRequest()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline already passed: got %v", err)
	}
	if fake.Calls() != 0 {
		t.Errorf("carrier called after the deadline passed")
	}
}

func TestNewRateShopperValidation(t *testing.T) {
	f := shippingtest.NewFakeCarrier("a", nil)
	_, err := shipping.NewRateShopper([]shipping.Carrier{f, nil, shippingtest.NewFakeCarrier("", nil), shippingtest.NewFakeCarrier("a", nil)},
		&shipping.RateShopperOptions{Concurrency: -1, CarrierTimeout: -1, CacheTTL: -1, BreakerCoolDown: -1})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"carriers[1]", "carriers[2]", "carriers[3]", "concurrency", "carrier_timeout", "cache_ttl", "breaker_cool_down"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s: %v", f, ve)
		}
	}
	if _, err := shipping.NewRateShopper(nil, nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("no carriers: %v", err)
	}
	s := newShopper(t, nil, f, shippingtest.NewFakeCarrier("b", nil))
	if diff := cmp.Diff([]string{"a", "b"}, s.Carriers()); diff != "" {
		t.Error(diff)
	}
	if _, ok := s.BreakerState("zz"); ok {
		t.Error("BreakerState of an unknown carrier")
	}
}

func TestShopCarrierRestriction(t *testing.T) {
	a, b := shippingtest.NewFakeCarrier("a", nil), shippingtest.NewFakeCarrier("b", nil)
	s := newShopper(t, nil, a, b)
	req := shippingtest.DefaultRequest()
	req.Carriers = []string{"b"}
	req.Levels = []oms.ServiceLevel{oms.LevelExpress}
	res, err := s.Shop(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if a.Calls() != 0 || b.Calls() != 1 || len(res.Carriers) != 1 || len(res.Rates) != 1 || res.Rates[0].Key() != "b/express" {
		t.Errorf("calls a=%d b=%d, result %+v", a.Calls(), b.Calls(), res)
	}
}

func TestShopConcurrencyLimit(t *testing.T) {
	var cur, peak atomic.Int32
	hook := func(context.Context, shipping.RateRequest) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		cur.Add(-1)
	}
	var carriers []shipping.Carrier
	for _, c := range []string{"a", "b", "c", "d", "e", "f"} {
		carriers = append(carriers, shippingtest.NewFakeCarrier(c, &shippingtest.FakeCarrierOptions{OnRates: hook}))
	}
	s := newShopper(t, &shipping.RateShopperOptions{Concurrency: 2}, carriers...)
	for range 20 {
		if _, err := s.Shop(context.Background(), shippingtest.DefaultRequest()); err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d carriers in flight at once, limit 2", p)
	}
}

func TestShopCacheExpiresOnTheClock(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	fake := shippingtest.NewFakeCarrier("fake", nil)
	limited, _ := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code:     "limited",
		Services: []shipping.FlatRateService{{Code: "box", Level: oms.LevelStandard, Price: oms.MustParseMoney("5.00 USD")}},
		Limits:   shipping.Limits{MaxWeight: oms.Grams(1)},
	})
	s := newShopper(t, &shipping.RateShopperOptions{Clock: clock, CacheTTL: time.Minute}, fake, limited)
	req := shippingtest.DefaultRequest()
	shop := func() *shipping.ShopResult {
		t.Helper()
		res, err := s.Shop(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := shop()
	if r, _ := first.Report("fake"); r.Cached || fake.Calls() != 1 {
		t.Fatalf("first shop: cached=%v calls=%d", r.Cached, fake.Calls())
	}
	clock.Advance(59 * time.Second)
	second := shop()
	r, _ := second.Report("fake")
	if !r.Cached || fake.Calls() != 1 || !cmp.Equal(first.Rates, second.Rates) {
		t.Errorf("within TTL: cached=%v calls=%d", r.Cached, fake.Calls())
	}
	if r, _ := second.Report("limited"); !r.Cached || r.Status != shipping.StatusNoService || !errors.Is(r.Err, shipping.ErrNoService) {
		t.Errorf("no-service answer not cached: %+v", r)
	}
	// A different request is a different cache entry.
	other := req
	other.Destination.PostalCode = "90210"
	if _, err := s.Shop(context.Background(), other); err != nil || fake.Calls() != 2 {
		t.Errorf("other request: calls=%d err=%v", fake.Calls(), err)
	}
	// Mutating a returned result does not touch the cache.
	second.Rates[0].Price = oms.MustParseMoney("0.01 USD")
	clock.Advance(time.Second)
	third := shop()
	if r, _ := third.Report("fake"); r.Cached || fake.Calls() != 3 {
		t.Errorf("after TTL: cached=%v calls=%d", r.Cached, fake.Calls())
	}
	if !cmp.Equal(first.Rates, third.Rates) {
		t.Errorf("rates changed: %v", third.Rates)
	}
}

func TestShopCacheSweepsExpiredEntries(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	fake := shippingtest.NewFakeCarrier("fake", nil)
	s := newShopper(t, &shipping.RateShopperOptions{Clock: clock, CacheTTL: time.Second}, fake)
	for i := range 200 {
		req := shippingtest.DefaultRequest()
		req.Parcels[0].Weight = oms.Grams(int64(100 + i))
		if _, err := s.Shop(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		clock.Advance(100 * time.Millisecond)
	}
	if fake.Calls() != 200 {
		t.Errorf("calls = %d", fake.Calls())
	}
}

func TestShopBreakerOpensAndCloses(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	flaky := shippingtest.NewFakeCarrier("flaky", &shippingtest.FakeCarrierOptions{Err: errors.New("503 service unavailable")})
	s := newShopper(t, &shipping.RateShopperOptions{Clock: clock, BreakerThreshold: 3, BreakerCoolDown: 30 * time.Second}, flaky)
	shop := func() shipping.CarrierReport {
		t.Helper()
		res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
		if err != nil {
			t.Fatal(err)
		}
		return res.Carriers[0]
	}
	state := func() shipping.BreakerState {
		st, _ := s.BreakerState("flaky")
		return st
	}
	for i := range 3 {
		if st := state(); st != shipping.BreakerClosed {
			t.Fatalf("before failure %d: %s", i+1, st)
		}
		if r := shop(); r.Status != shipping.StatusFailed {
			t.Fatalf("failure %d: %+v", i+1, r)
		}
	}
	if st := state(); st != shipping.BreakerOpen {
		t.Fatalf("after 3 failures: %s", st)
	}
	r := shop()
	if r.Status != shipping.StatusSkipped || !errors.Is(r.Err, shipping.ErrCircuitOpen) || !errors.Is(r.Err, oms.ErrUnavailable) || flaky.Calls() != 3 {
		t.Errorf("open breaker: %+v, calls %d", r, flaky.Calls())
	}
	if !strings.Contains(r.Err.Error(), `carrier "flaky" skipped`) {
		t.Errorf("skip error %q", r.Err)
	}
	clock.Advance(30 * time.Second)
	if st := state(); st != shipping.BreakerHalfOpen {
		t.Fatalf("after cool-down: %s", st)
	}
	// The trial call fails: open again for another cool-down.
	if r := shop(); r.Status != shipping.StatusFailed || flaky.Calls() != 4 {
		t.Fatalf("failed trial: %+v", r)
	}
	if st := state(); st != shipping.BreakerOpen {
		t.Fatalf("after a failed trial: %s", st)
	}
	clock.Advance(29 * time.Second)
	if r := shop(); r.Status != shipping.StatusSkipped {
		t.Fatalf("within the second cool-down: %+v", r)
	}
	clock.Advance(time.Second)
	flaky.SetError(nil)
	if r := shop(); r.Status != shipping.StatusOK {
		t.Fatalf("successful trial: %+v", r)
	}
	if st := state(); st != shipping.BreakerClosed {
		t.Fatalf("after a successful trial: %s", st)
	}
	// Closed again: failures count from zero; an answer of no service is
	// not a failure and resets the count.
	flaky.SetError(errors.New("boom"))
	shop()
	shop()
	flaky.SetError(&shipping.NoServiceError{Carrier: "flaky", Reason: "not to Mars"})
	if r := shop(); r.Status != shipping.StatusNoService {
		t.Fatalf("no service: %+v", r)
	}
	flaky.SetError(errors.New("boom"))
	shop()
	shop()
	if st := state(); st != shipping.BreakerClosed {
		t.Errorf("two failures after a reset: %s", st)
	}
	// Bad-request errors do not count either.
	flaky.SetError(oms.Validationf("rate request", "destination.postal_code", "unknown"))
	for range 5 {
		shop()
	}
	if st := state(); st != shipping.BreakerClosed {
		t.Errorf("after validation errors: %s", st)
	}
}

func TestShopBreakerDisabled(t *testing.T) {
	flaky := shippingtest.NewFakeCarrier("flaky", &shippingtest.FakeCarrierOptions{Err: errors.New("down")})
	s := newShopper(t, &shipping.RateShopperOptions{BreakerThreshold: -1}, flaky)
	for range 10 {
		if _, err := s.Shop(context.Background(), shippingtest.DefaultRequest()); err != nil {
			t.Fatal(err)
		}
	}
	if flaky.Calls() != 10 {
		t.Errorf("calls = %d, want 10 with the breaker disabled", flaky.Calls())
	}
}

func TestShopCallerCancels(t *testing.T) {
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	called := make(chan struct{}, 1)
	fake := shippingtest.NewFakeCarrier("fake", &shippingtest.FakeCarrierOptions{Gate: gate, IgnoreContext: true,
		OnRates: func(context.Context, shipping.RateRequest) { called <- struct{}{} }})
	s := newShopper(t, nil, fake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Shop(ctx, shippingtest.DefaultRequest())
		done <- err
	}()
	<-called
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestShopSharedResultsAreCopies(t *testing.T) {
	gate := make(chan struct{})
	var once sync.Once
	started := make(chan struct{})
	fake := shippingtest.NewFakeCarrier("fake", &shippingtest.FakeCarrierOptions{Gate: gate,
		OnRates: func(context.Context, shipping.RateRequest) { once.Do(func() { close(started) }) }})
	s := newShopper(t, nil, fake)
	results := make(chan *shipping.ShopResult, 2)
	for range 2 {
		go func() {
			res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	<-started
	close(gate)
	a, b := <-results, <-results
	a.Rates[0].ServiceName = "changed"
	if b.Rates[0].ServiceName == "changed" {
		t.Error("shared results share memory")
	}
}

// TestRateShopperCarrier is issue 12: RateShopper.Carriers returned only
// codes, so buying a label from a chosen rate needed a map of one's own.
// Carrier(code) returns the carrier itself, for its optional interfaces.
func TestRateShopperCarrier(t *testing.T) {
	a, b := shippingtest.NewFakeCarrier("a", nil), shippingtest.NewFakeCarrier("b", nil)
	s := newShopper(t, nil, a, b)
	for _, tc := range []struct {
		code string
		want shipping.Carrier
	}{{"a", a}, {"b", b}, {"", nil}, {"A", nil}, {"zz", nil}} {
		got, ok := s.Carrier(tc.code)
		if ok != (tc.want != nil) || got != tc.want {
			t.Errorf("Carrier(%q) = %v, %v; want %v", tc.code, got, ok, tc.want)
		}
	}
	// The carrier of a shopped rate buys its label.
	res, err := s.Shop(context.Background(), shippingtest.DefaultRequest())
	if err != nil {
		t.Fatal(err)
	}
	rate, err := shipping.Cheapest(res.Rates)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := s.Carrier(rate.Carrier)
	if !ok {
		t.Fatalf("Carrier(%q) of a shopped rate not found", rate.Carrier)
	}
	if _, ok := c.(shipping.LabelBuyer); !ok {
		t.Errorf("carrier %s is a %T, not the LabelBuyer given", rate.Carrier, c)
	}
}
