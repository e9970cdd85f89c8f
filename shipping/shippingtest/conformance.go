package shippingtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// Conformance tunes TestCarrierWith. The zero value gives the defaults.
type Conformance struct {
	// Request is a shipment the carrier can rate; nil means
	// DefaultRequest().
	Request *shipping.RateRequest
	// Wait bounds how long the suite waits for the carrier to honour a
	// cancelled context before failing. Default 5 seconds. It is a guard
	// against hanging, not a timing assertion.
	Wait time.Duration
}

// DefaultRequest returns the request TestCarrier rates: one 30×20×10 cm,
// 1.2 kg parcel from New York to Los Angeles, standard and faster.
func DefaultRequest() shipping.RateRequest {
	return shipping.RateRequest{
		Origin: oms.Address{Company: "Warehouse", Line1: "1 Dock St", City: "New York",
			Region: "NY", PostalCode: "10001", Country: "US"},
		Destination: oms.Address{Name: "Ada Customer", Line1: "9 Sunset Blvd", City: "Los Angeles",
			Region: "CA", PostalCode: "90028", Country: "US", Residential: true},
		Parcels: []shipping.Parcel{{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(1200),
			DeclaredValue: oms.MustParseMoney("40.00 USD"), Contents: "books"}},
	}
}

// TestCarrier runs the conformance suite against c with DefaultRequest.
// See TestCarrierWith.
func TestCarrier(t *testing.T, c shipping.Carrier) {
	t.Helper()
	TestCarrierWith(t, c, Conformance{})
}

// TestCarrierWith checks that c behaves as package shipping expects of a
// Carrier:
//
//   - its code is set and stable;
//   - Rates returns at least one well-formed rate (Rate.Validate) carrying
//     its code, only of the wanted service levels, and is safe to call
//     concurrently;
//   - a bad request returns an error matching oms.ErrValidation;
//   - a context already cancelled, cancelled during the call, or past its
//     deadline makes Rates return promptly with an error wrapping the
//     context's error;
//   - if it is a LabelBuyer: replaying an idempotency key returns the same
//     label and a new key buys a new one; a missing key is refused. Voider,
//     Tracker and Manifester are then checked on the bought label;
//   - if it is an AddressValidator: it answers for the request's address.
//
// Every carrier adapter should run it from its own tests. The suite calls
// BuyLabel, so point adapters at a sandbox account.
func TestCarrierWith(t *testing.T, c shipping.Carrier, opts Conformance) {
	t.Helper()
	req := DefaultRequest()
	if opts.Request != nil {
		req = *opts.Request
	}
	wait := opts.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	code := c.Code()
	if code == "" {
		t.Fatal("Code() is empty")
	}

	var rates []shipping.Rate
	t.Run("Rates", func(t *testing.T) {
		if c.Code() != code {
			t.Errorf("Code() changed from %q to %q", code, c.Code())
		}
		var err error
		rates, err = c.Rates(context.Background(), req)
		if err != nil {
			t.Fatalf("Rates: %v", err)
		}
		if len(rates) == 0 {
			t.Fatal("Rates returned no rate and no error")
		}
		checkRates(t, code, req, rates)
	})
	if len(rates) == 0 {
		t.Fatal("no rates to continue with")
	}

	t.Run("WantedLevels", func(t *testing.T) {
		r := req
		r.Levels = []oms.ServiceLevel{rates[0].Level}
		got, err := c.Rates(context.Background(), r)
		if err != nil {
			t.Fatalf("Rates for level %s: %v", rates[0].Level, err)
		}
		checkRates(t, code, r, got)
	})

	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Rates(context.Background(), req); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Rates: %v", err)
		}
	})

	t.Run("BadRequest", func(t *testing.T) {
		bad := req
		bad.Parcels = []shipping.Parcel{{Dimensions: oms.DimensionsMM(300, 0, 100), Weight: 0}}
		_, err := c.Rates(context.Background(), bad)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Rates with a zero-sized, weightless parcel: got %v, want an error matching oms.ErrValidation", err)
		}
		bad = req
		bad.Destination.Country = "XX"
		if _, err := c.Rates(context.Background(), bad); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Rates to country XX: got %v, want an error matching oms.ErrValidation", err)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := callWithin(t, wait, func() error { _, err := c.Rates(ctx, req); return err })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Rates with a cancelled context: got %v, want an error matching context.Canceled", err)
		}
	})

	t.Run("CancelDuringCall", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		err := callWithin(t, wait, func() error { _, err := c.Rates(ctx, req); return err })
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Rates cancelled during the call: got %v, want nil or an error matching context.Canceled", err)
		}
	})

	t.Run("DeadlinePassed", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
		defer cancel()
		err := callWithin(t, wait, func() error { _, err := c.Rates(ctx, req); return err })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Rates past the deadline: got %v, want an error matching context.DeadlineExceeded", err)
		}
	})

	if lb, ok := c.(shipping.LabelBuyer); ok {
		testLabels(t, c, lb, req, rates[0])
	}

	if av, ok := c.(shipping.AddressValidator); ok {
		t.Run("ValidateAddress", func(t *testing.T) {
			if _, err := av.ValidateAddress(context.Background(), req.Destination); err != nil {
				t.Errorf("ValidateAddress: %v", err)
			}
		})
	}
}

func checkRates(t *testing.T, code string, req shipping.RateRequest, rates []shipping.Rate) {
	t.Helper()
	for i, r := range rates {
		if err := r.Validate(); err != nil {
			t.Errorf("rates[%d] %s is malformed: %v", i, r.Key(), err)
		}
		if r.Carrier != code {
			t.Errorf("rates[%d].Carrier = %q, want %q", i, r.Carrier, code)
		}
		if !req.WantsLevel(r.Level) {
			t.Errorf("rates[%d] has level %s, not one of %v", i, r.Level, req.Levels)
		}
		if req.Currency != "" && r.Price.Currency() != req.Currency {
			t.Errorf("rates[%d] is in %s, want %s", i, r.Price.Currency(), req.Currency)
		}
	}
}

// callWithin runs fn and fails the test if it does not return within d.
func callWithin(t *testing.T, d time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("the carrier did not return within %s of its context ending", d)
		return nil
	}
}

func testLabels(t *testing.T, c shipping.Carrier, lb shipping.LabelBuyer, req shipping.RateRequest, rate shipping.Rate) {
	key := fmt.Sprintf("conformance-%s-%d", c.Code(), time.Now().UnixNano())
	lreq := shipping.LabelRequest{
		IdempotencyKey: key,
		ServiceCode:    rate.ServiceCode,
		QuoteID:        rate.QuoteID,
		Origin:         req.Origin,
		Destination:    req.Destination,
		Parcels:        req.Parcels,
		ShipDate:       req.ShipDate,
		Reference:      "conformance",
	}
	var first shipping.Label
	t.Run("LabelIdempotency", func(t *testing.T) {
		var err error
		first, err = lb.BuyLabel(context.Background(), lreq)
		if err != nil {
			t.Fatalf("BuyLabel: %v", err)
		}
		if first.ID == "" || len(first.TrackingNumbers) != len(lreq.Parcels) {
			t.Errorf("label %+v: want an ID and %d tracking numbers", first, len(lreq.Parcels))
		}
		again, err := lb.BuyLabel(context.Background(), lreq)
		if err != nil {
			t.Fatalf("BuyLabel replay: %v", err)
		}
		if again.ID != first.ID || fmt.Sprint(again.TrackingNumbers) != fmt.Sprint(first.TrackingNumbers) {
			t.Errorf("replaying key %q bought another label: %s %v, first %s %v", key, again.ID, again.TrackingNumbers, first.ID, first.TrackingNumbers)
		}
		other := lreq
		other.IdempotencyKey = key + "-2"
		second, err := lb.BuyLabel(context.Background(), other)
		if err != nil {
			t.Fatalf("BuyLabel with a new key: %v", err)
		}
		if second.ID == first.ID {
			t.Errorf("a new key returned the first label %s", first.ID)
		}
		nokey := lreq
		nokey.IdempotencyKey = ""
		if _, err := lb.BuyLabel(context.Background(), nokey); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("BuyLabel without a key: got %v, want an error matching oms.ErrValidation", err)
		}
	})
	if first.ID == "" {
		return
	}
	if tr, ok := c.(shipping.Tracker); ok {
		t.Run("Track", func(t *testing.T) {
			if _, err := tr.Track(context.Background(), first.TrackingNumbers[0]); err != nil {
				t.Errorf("Track(%s): %v", first.TrackingNumbers[0], err)
			}
			if _, err := tr.Track(context.Background(), "no-such-tracking-number"); !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("Track of an unknown number: got %v, want an error matching oms.ErrNotFound", err)
			}
		})
	}
	if m, ok := c.(shipping.Manifester); ok {
		t.Run("Manifest", func(t *testing.T) {
			got, err := m.Manifest(context.Background(), shipping.ManifestRequest{Date: req.ShipDate, LabelIDs: []string{first.ID}})
			if err != nil {
				t.Fatalf("Manifest: %v", err)
			}
			if len(got.LabelIDs) != 1 || got.LabelIDs[0] != first.ID {
				t.Errorf("manifest covers %v, want [%s]", got.LabelIDs, first.ID)
			}
		})
	}
	if v, ok := c.(shipping.Voider); ok {
		t.Run("VoidLabel", func(t *testing.T) {
			if err := v.VoidLabel(context.Background(), first.ID); err != nil {
				t.Fatalf("VoidLabel: %v", err)
			}
			if err := v.VoidLabel(context.Background(), first.ID); err != nil {
				t.Errorf("voiding a voided label again: %v, want nil", err)
			}
			if err := v.VoidLabel(context.Background(), "no-such-label"); !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("voiding an unknown label: got %v, want an error matching oms.ErrNotFound", err)
			}
		})
	}
}
