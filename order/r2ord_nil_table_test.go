package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestNilTaxTableIsAnErrorNotAPanic: a *TaxTable left nil (NewTaxTable
// returned an error the host did not check) and passed as the
// TaxCalculator made Quote and Place panic with a nil dereference, as did
// its Tax and Rate methods. Now Rate finds no row and Tax, Quote and
// Place return an error matching oms.ErrValidation; nothing is saved.
func TestNilTaxTableIsAnErrorNotAPanic(t *testing.T) {
	ctx := context.Background()
	var tbl *order.TaxTable
	in := sampleInput()
	for i := range in.Lines {
		in.Lines[i].Tax = oms.Money{}
	}
	noPanic := func(what string, f func() error) error {
		t.Helper()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panicked: %v", what, r)
					err = errors.New("panic")
				}
			}()
			err = f()
		}()
		return err
	}
	noPanic("Rate", func() error {
		if _, ok := tbl.Rate(oms.Address{Country: "US"}); ok {
			t.Error("a nil TaxTable has a row")
		}
		return nil
	})
	if err := noPanic("Tax", func() error {
		_, err := tbl.Tax(ctx, order.TaxRequest{Currency: oms.USD, Lines: []order.TaxLine{{SKU: "A", Quantity: 1, Amount: usd("1.00")}}})
		return err
	}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Tax of a nil TaxTable: %v, want oms.ErrValidation", err)
	}
	if err := noPanic("Quote", func() error { _, err := order.Quote(ctx, in, tbl); return err }); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Quote with a nil TaxTable: %v, want oms.ErrValidation", err)
	}
	store := order.NewMemoryStore(nil)
	svc := order.NewService(store, &order.ServiceOptions{Tax: tbl})
	if err := noPanic("Place", func() error { _, err := svc.Place(ctx, in); return err }); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Place with a nil TaxTable: %v, want oms.ErrValidation", err)
	}
	if _, err := store.GetByIdempotencyKey(ctx, in.IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("the refused Place saved an order (%v)", err)
	}
}
