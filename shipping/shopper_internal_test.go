package shipping

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
)

// gatedCarrier answers once its gate is closed, counting its calls.
type gatedCarrier struct {
	gate  chan struct{}
	calls atomic.Int32
}

func (g *gatedCarrier) Code() string { return "gated" }

func (g *gatedCarrier) Rates(ctx context.Context, req RateRequest) ([]Rate, error) {
	g.calls.Add(1)
	<-g.gate
	return []Rate{{Carrier: "gated", ServiceCode: "ground", Level: oms.LevelStandard, Price: oms.MustParseMoney("5.00 USD"), TransitDays: 3}}, nil
}

func testRequest() RateRequest {
	return RateRequest{
		Origin:      oms.Address{Country: "US", PostalCode: "10001"},
		Destination: oms.Address{Country: "US", PostalCode: "90028"},
		Parcels:     []Parcel{{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(1200)}},
	}
}

func TestShopSingleflightCollapsesIdenticalRequests(t *testing.T) {
	const n = 20
	c := &gatedCarrier{gate: make(chan struct{})}
	s, err := NewRateShopper([]Carrier{c}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var joined sync.WaitGroup
	joined.Add(n)
	s.joined = joined.Done
	results := make(chan *ShopResult, n)
	for range n {
		go func() {
			res, err := s.Shop(context.Background(), testRequest())
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	joined.Wait() // all n are waiting on the same flight
	close(c.gate)
	shared := 0
	for range n {
		res := <-results
		if len(res.Rates) != 1 || res.Rates[0].Key() != "gated/ground" {
			t.Errorf("result %+v", res)
		}
		if res.Shared {
			shared++
		}
	}
	if got := c.calls.Load(); got != 1 {
		t.Errorf("carrier called %d times for %d identical concurrent requests, want 1", got, n)
	}
	if shared != n {
		t.Errorf("%d results marked shared, want %d", shared, n)
	}
	// Once the flight is over, the next request asks again (no cache).
	s.joined = nil
	if _, err := s.Shop(context.Background(), testRequest()); err != nil || c.calls.Load() != 2 {
		t.Errorf("after the flight: calls %d, err %v", c.calls.Load(), err)
	}
}

func TestShopFollowerDeadline(t *testing.T) {
	// A caller that joins a flight and whose own deadline ends first gets
	// an error at its deadline; the leader still gets its answer.
	c := &gatedCarrier{gate: make(chan struct{})}
	s, _ := NewRateShopper([]Carrier{c}, nil)
	var joined sync.WaitGroup
	joined.Add(1)
	s.joined = joined.Done
	leader := make(chan *ShopResult, 1)
	go func() {
		res, _ := s.Shop(context.Background(), testRequest())
		leader <- res
	}()
	joined.Wait()
	joined.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := s.Shop(ctx, testRequest()); err == nil {
		t.Error("follower past its deadline got no error")
	}
	close(c.gate)
	if res := <-leader; len(res.Rates) != 1 {
		t.Errorf("leader result %+v", res)
	}
}

func TestBreakerStates(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &breaker{}
	if ok, trial := b.allow(now, time.Minute); !ok || trial {
		t.Fatal("closed breaker refused, or took the call for a trial")
	}
	b.record(now, true, false, false, 1)
	if ok, _ := b.allow(now, time.Minute); b.state(now, time.Minute) != BreakerOpen || ok {
		t.Fatal("breaker not open after threshold")
	}
	later := now.Add(time.Minute)
	if ok, trial := b.allow(later, time.Minute); !ok || !trial {
		t.Fatal("half-open breaker refused the trial")
	}
	if ok, _ := b.allow(later, time.Minute); ok {
		t.Fatal("half-open breaker allowed a second trial in flight")
	}
	b.record(later, false, true, true, 1) // neutral: the trial slot frees up
	if ok, trial := b.allow(later, time.Minute); !ok || !trial {
		t.Fatal("trial slot not freed by a neutral outcome")
	}
	b.record(later, false, false, true, 1)
	if b.state(later, time.Minute) != BreakerClosed {
		t.Fatal("breaker not closed after a good trial")
	}
	for _, s := range []BreakerState{BreakerClosed, BreakerOpen, BreakerHalfOpen} {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	if BreakerState("ajar").Valid() {
		t.Error("ajar is valid")
	}
}
