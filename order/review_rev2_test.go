package order_test

// Hostile-input review (rev2) of package order through its public API:
// every test here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/shopspring/decimal"
)

// TestEditAndRefundRefuseAmountsTooLongToPrintBeforeFingerprinting: Place
// and the money checks refuse an amount with a huge exponent (one that a
// rate such as decimal.New(1, -1e9) multiplied in) before printing it,
// since printing it writes a billion digits. But Edit and Refund
// fingerprinted their input for the idempotency key first, printing every
// amount, so such an amount in an added line, a changed tax, a refund or
// its breakdown ran the process out of time and memory instead of being
// refused. They are refused now with a validation error naming the
// field, and change nothing. (One such refused refund took 6 s and
// allocated 4.7 GB.)
func TestEditAndRefundRefuseAmountsTooLongToPrintBeforeFingerprinting(t *testing.T) {
	ctx := context.Background()
	long := refundUSD("1.00").MulRate(decimal.New(1, -1_000_000_000))
	r := newRefundShop(t, nil)
	o := r.o
	shop, shopStore := newShop()
	pending := must(t)(shop.Place(ctx, sampleInput()))
	type snap struct{ orders, events int }
	take := func() [2]snap {
		var s [2]snap
		s[0].orders, s[0].events = bbSnapshot(t, r.store)
		s[1].orders, s[1].events = bbSnapshot(t, shopStore)
		return s
	}
	before := take()
	cases := map[string]struct {
		field string
		run   func() error
	}{
		"edit add price": {"add[0].unit_price", func() error {
			_, err := shop.Edit(ctx, pending.ID, order.EditInput{Key: "e1", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: long}}})
			return err
		}},
		"edit add discount": {"add[0].discounts[0].amount", func() error {
			_, err := shop.Edit(ctx, pending.ID, order.EditInput{Key: "e1", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: refundUSD("5.00"),
				Discounts: []order.Discount{{Amount: long}}}}})
			return err
		}},
		"edit change tax": {"change[0].tax", func() error {
			_, err := shop.Edit(ctx, pending.ID, order.EditInput{Key: "e1", Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: pending.Lines[0].ID}, Quantity: 2, Tax: &long}}})
			return err
		}},
		"refund amount": {"amount", func() error {
			_, err := r.svc.Refund(ctx, o.ID, order.RefundInput{Key: "r1", Amount: long})
			return err
		}},
		"refund shipping": {"shipping", func() error {
			_, err := r.svc.Refund(ctx, o.ID, order.RefundInput{Key: "r1", Amount: refundUSD("1.00"), Shipping: long})
			return err
		}},
		"refund line": {"lines[0].amount", func() error {
			_, err := r.svc.Refund(ctx, o.ID, order.RefundInput{Key: "r1", Amount: refundUSD("1.00"),
				Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Amount: long}}})
			return err
		}},
	}
	for name, c := range cases {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		alloc := ms.TotalAlloc
		err := c.run()
		runtime.ReadMemStats(&ms)
		if mb := (ms.TotalAlloc - alloc) >> 20; mb > 64 {
			t.Errorf("%s: a refused command allocated %d MiB", name, mb)
		}
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || ve.Problems[0].Field != c.field {
			t.Errorf("%s: err = %v, want a validation error naming %s", name, err, c.field)
		}
		if after := take(); after != before {
			t.Errorf("%s: refused command saved something: %v, was %v", name, after, before)
		}
		if got := r.reload(t); got.Version != o.Version {
			t.Errorf("%s: refused command moved the order to version %d", name, got.Version)
		}
		if got, _ := shopStore.Get(ctx, pending.ID); got.Version != pending.Version {
			t.Errorf("%s: refused command moved the order to version %d", name, got.Version)
		}
	}
}

// TestEditRefusesTotalsTooLargeToRecord: Quote and Place refuse a cart
// with an amount of 1e38 USD or more, which no oms.Money can be written
// with, but Edit did not: adding a line or raising a quantity took a
// 9e37 USD order to 1.8e38 and 2.7e38 USD. Depending on the cents, such
// an order's totals and its events then cannot be marshalled (its
// confirmation could never be saved). Edit refuses such totals as Place
// does, and changes nothing.
func TestEditRefusesTotalsTooLargeToRecord(t *testing.T) {
	ctx := context.Background()
	svc, store := newShop()
	in := sampleInput()
	in.Payment = order.PaymentInput{}
	in.Lines[0].UnitPrice, in.Lines[0].Quantity, in.Lines[0].Tax = usd("90000000000000000000000000000000000000.00"), 1, oms.Money{}
	o := must(t)(svc.Place(ctx, in))
	_, events := bbSnapshot(t, store)
	edits := map[string]order.EditInput{
		"add":    {Add: []order.LineInput{{SKU: "B", Quantity: 1, UnitPrice: usd("90000000000000000000000000000000000000.01")}}},
		"change": {Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[0].ID}, Quantity: 2}}},
	}
	for name, e := range edits {
		_, err := svc.Edit(ctx, o.ID, e)
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s above 1e38 USD: err = %v, want a validation error", name, err)
		}
		if got, _ := store.Get(ctx, o.ID); got.Version != o.Version || !got.Totals.GrandTotal.Equal(o.Totals.GrandTotal) {
			t.Errorf("refused %s changed the order: version %d, total %s", name, got.Version, got.Totals.GrandTotal)
		}
		if _, e := bbSnapshot(t, store); e != events {
			t.Errorf("refused %s saved %d events", name, e-events)
		}
	}
	// An edit that stays below the bound goes through.
	if _, err := svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "C", Quantity: 1, UnitPrice: usd("1.00")}}}); err != nil {
		t.Errorf("edit below the bound: %v", err)
	}
}
