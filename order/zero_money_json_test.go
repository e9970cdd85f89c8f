package order_test

import (
	"encoding/json"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Order.RefundedShipping and Line.RefundedAmount at 0.00 in the order's
// currency were left out of JSON by their omitzero tags (oms.Money.IsZero
// is true for a zero amount in any currency) and read back as the zero
// Money with no currency: an order a JSON store kept differed from the one
// saved. They now keep their currency.
func TestZeroRefundedAmountsKeepTheirCurrencyThroughJSON(t *testing.T) {
	zero := oms.MustParseMoney("0.00 USD")
	in := order.Order{ID: "o1", Currency: "USD", RefundedShipping: zero, Lines: []order.Line{{ID: "l1", RefundedAmount: zero}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got order.Order
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.RefundedShipping.Valid() || len(got.Lines) != 1 || !got.Lines[0].RefundedAmount.Valid() {
		t.Errorf("read back refunded shipping %v and line refunded %v, want 0.00 USD (JSON %s)", got.RefundedShipping, got.Lines[0].RefundedAmount, b)
	}
}
