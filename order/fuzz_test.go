package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// FuzzListCursor feeds cursors as a host's API receives them from
// clients: List must never panic, and must return a page or an error
// matching oms.ErrValidation; a cursor it handed out lists the rest.
func FuzzListCursor(f *testing.F) {
	f.Add("", 2)
	f.Add("1772357400000000000.01JNJ5Q7E0AAAAAAAAAAAAAAAA", 1)
	f.Add("-9223372036854775808.x", 0)
	f.Add("99999999999999999999.0", 3)
	f.Add("1.2.3", -1)
	f.Add("\x00.\xff", 501)
	svc, _ := newShop()
	ctx := context.Background()
	for i := range 5 {
		in := sampleInput()
		in.IdempotencyKey = fmt.Sprint("fuzz-", i)
		if _, err := svc.Place(ctx, in); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		p, err := svc.List(ctx, order.ListQuery{Customer: "cus_1", PageRequest: order.PageRequest{Cursor: cursor, Limit: limit}})
		if err != nil {
			if !errors.Is(err, oms.ErrValidation) {
				t.Fatalf("List(%q, %d): err = %v, want a validation error", cursor, limit, err)
			}
			return
		}
		if p.NextCursor != "" {
			if _, err := svc.List(ctx, order.ListQuery{Customer: "cus_1", PageRequest: order.PageRequest{Cursor: p.NextCursor, Limit: limit}}); err != nil {
				t.Fatalf("List with the cursor it returned (%q): %v", p.NextCursor, err)
			}
		}
	})
}
