package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// FuzzPlaceJSON feeds placement requests as a host would decode them from
// its checkout API: Place must never panic, must refuse with a validation
// error or accept, and an accepted order must be consistent.
func FuzzPlaceJSON(f *testing.F) {
	good, _ := json.Marshal(sampleInput())
	f.Add(good)
	ten, _ := json.Marshal(tenLines())
	f.Add(ten)
	f.Add([]byte(`{"currency":"JPY","customer":{"email":"a@b.co"},"lines":[{"sku":"A","quantity":2,"unit_price":{"amount":"100","currency":"JPY"}}],"shipping_address":{"name":"A","line1":"1","city":"Tokyo","postal_code":"100-0001","country":"JP"}}`))
	f.Add([]byte(`{"currency":"USD","lines":[{"sku":"A","quantity":-1,"unit_price":{"amount":"1e9","currency":"EUR"}}],"discounts":[{"amount":{"amount":"-3","currency":"USD"}}]}`))
	f.Add([]byte(`{"currency":"KWD","customer":{"email":"x@y.kw"},"lines":[{"sku":"B","quantity":3,"unit_price":{"amount":"0.125","currency":"KWD"},"no_shipping":true}],"discounts":[{"amount":{"amount":"0.001","currency":"KWD"}}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in order.PlaceInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		svc, store := newShop()
		o, err := svc.Place(context.Background(), in)
		if err != nil {
			if !errors.Is(err, oms.ErrValidation) {
				t.Fatalf("refused with a non-validation error: %v", err)
			}
			if n := len(store.Outbox().Events("")); n != 0 {
				t.Fatalf("refused placement saved %d events", n)
			}
			return
		}
		if err := o.CheckCounters(); err != nil {
			t.Fatalf("accepted order breaks bounds: %v", err)
		}
		tot, err := order.ComputeTotals(o)
		if err != nil {
			t.Fatalf("accepted order has no totals: %v", err)
		}
		if d := ordertest.Diff(&order.Order{Totals: tot}, &order.Order{Totals: o.Totals}); d != "" {
			t.Fatalf("stored totals differ:\n%s", d)
		}
		if tot.GrandTotal.IsNegative() || !tot.GrandTotal.IsRounded() {
			t.Fatalf("grand total %s", tot.GrandTotal)
		}
		back, err := store.Get(context.Background(), o.ID)
		if err != nil || ordertest.Diff(o, back) != "" {
			t.Fatalf("stored order differs from returned: %v", err)
		}
	})
}
