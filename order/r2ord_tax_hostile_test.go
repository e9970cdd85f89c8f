package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/shopspring/decimal"
)

// within runs f and fails the test if it does not return in seconds (it
// computed 10 to the power of a billion).
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return", what)
		return nil
	}
}

// TestTaxOfAmountsOfAHugeExponentAnswersAtOnce: TaxTable.Tax of a request
// whose amount a hostile rate was multiplied into (1 GBP × 1e1000000000)
// computed 10^1e9 in its included-tax division and never returned; and a
// TaxCalculator answering such a tax (an external tax service's reply
// read as is) passed checkTaxResult (rounded, not negative) and hung
// Quote and Place adding it to the totals. Both are now refused at once
// with oms.ErrValidation, and Place saves nothing.
func TestTaxOfAmountsOfAHugeExponentAnswersAtOnce(t *testing.T) {
	ctx := context.Background()
	tbl := testTaxTable(t)
	for _, exp := range []int32{1_000_000_000, -1_000_000_000} {
		huge := oms.MustParseMoney("1 GBP").MulRate(decimal.New(1, exp))
		err := within(t, "TaxTable.Tax", func() error {
			_, err := tbl.Tax(ctx, order.TaxRequest{Currency: oms.GBP, ShipTo: oms.Address{Country: "GB"}, Shipping: huge,
				Lines: []order.TaxLine{{SKU: "A", Quantity: 1, Amount: huge}}})
			return err
		})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("TaxTable.Tax of an amount of exponent %d: %v, want oms.ErrValidation", exp, err)
		}
	}
	for _, exp := range []int32{1_000_000_000, 41} {
		tax := order.TaxFunc(func(_ context.Context, req order.TaxRequest) (order.TaxResult, error) {
			r := order.TaxResult{Lines: make([]oms.Money, len(req.Lines))}
			for i, l := range req.Lines {
				r.Lines[i] = l.Amount.MulRate(decimal.New(1, exp))
			}
			return r, nil
		})
		store := order.NewMemoryStore(nil)
		svc := order.NewService(store, &order.ServiceOptions{Tax: tax})
		in := sampleInput()
		for i := range in.Lines {
			in.Lines[i].Tax = oms.Money{}
		}
		err := within(t, "Quote", func() error { _, err := svc.Quote(ctx, in); return err })
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Quote with a tax of exponent %d: %v, want oms.ErrValidation", exp, err)
		}
		err = within(t, "Place", func() error { _, err := svc.Place(ctx, in); return err })
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Place with a tax of exponent %d: %v, want oms.ErrValidation", exp, err)
		}
		if _, err := store.GetByIdempotencyKey(ctx, in.IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("the refused Place saved an order (%v)", err)
		}
	}
}
