package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestNilOptionsAreErrorsNotPanics: a nil TaxFunc, NumberFunc or
// *Sequence given in ServiceOptions (a function or generator variable
// never set) made Quote and Place panic calling it. Now each returns an
// error, and Place saves nothing.
func TestNilOptionsAreErrorsNotPanics(t *testing.T) {
	ctx := context.Background()
	var seq *order.Sequence
	for name, opts := range map[string]*order.ServiceOptions{
		"nil TaxFunc":    {Tax: order.TaxFunc(nil)},
		"nil NumberFunc": {Numbers: order.NumberFunc(nil)},
		"nil *Sequence":  {Numbers: seq},
	} {
		store := order.NewMemoryStore(nil)
		svc := order.NewService(store, opts)
		in := sampleInput()
		if opts.Tax != nil {
			for i := range in.Lines {
				in.Lines[i].Tax = oms.Money{}
			}
		}
		run := func(what string, f func() error) {
			t.Helper()
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %s panicked: %v", name, what, r)
				}
			}()
			if err := f(); err == nil && (what == "Place" || opts.Tax != nil) {
				t.Errorf("%s: %s: no error", name, what)
			}
		}
		run("Quote", func() error { _, err := svc.Quote(ctx, in); return err })
		run("Place", func() error { _, err := svc.Place(ctx, in); return err })
		if _, err := store.GetByIdempotencyKey(ctx, in.IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("%s: the refused Place saved an order (%v)", name, err)
		}
	}
}
