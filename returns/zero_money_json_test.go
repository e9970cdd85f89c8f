package returns_test

import (
	"encoding/json"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
)

// A zero amount in a currency (0.00 EUR) was left out of JSON by the
// omitzero tags, because oms.Money.IsZero is true for it, and read back
// as the zero Money, which these fields take to mean something else: a
// free replacement (UnitPrice 0.00) came back as "the returned unit's
// price", free return shipping (ReturnShippingCost 0.00) as "deduct the
// policy's fee". A store or API that keeps them as JSON changed the
// money. Each now keeps its currency through JSON.
func TestZeroAmountsKeepTheirMeaningThroughJSON(t *testing.T) {
	zero := oms.MustParseMoney("0.00 EUR")
	roundTrip := func(t *testing.T, in, out any) {
		t.Helper()
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("Replacement", func(t *testing.T) {
		var got returns.Replacement
		roundTrip(t, returns.Replacement{SKU: "MUG", UnitPrice: zero, Tax: zero}, &got)
		if !got.UnitPrice.Valid() || !got.Tax.Valid() {
			t.Errorf("free replacement read back with unit price %v and tax %v, want 0.00 EUR", got.UnitPrice, got.Tax)
		}
	})
	t.Run("CalcInput", func(t *testing.T) {
		var got returns.CalcInput
		roundTrip(t, returns.CalcInput{ReturnShippingCost: zero}, &got)
		if !got.ReturnShippingCost.Valid() {
			t.Errorf("free return shipping read back as %v, want 0.00 EUR", got.ReturnShippingCost)
		}
	})
	t.Run("Return", func(t *testing.T) {
		var got returns.Return
		roundTrip(t, returns.Return{ID: "r1", StoreCredit: zero}, &got)
		if !got.StoreCredit.Valid() {
			t.Errorf("store credit read back as %v, want 0.00 EUR", got.StoreCredit)
		}
	})
	t.Run("Policy", func(t *testing.T) {
		var got returns.Policy
		roundTrip(t, returns.Policy{ReturnShippingFee: zero, RestockingFee: returns.Fee{PerUnit: zero}}, &got)
		if !got.ReturnShippingFee.Valid() || !got.RestockingFee.PerUnit.Valid() {
			t.Errorf("policy fees read back as %v and %v, want 0.00 EUR", got.ReturnShippingFee, got.RestockingFee.PerUnit)
		}
	})
	// The zero Money itself is still left out.
	b, err := json.Marshal(returns.Replacement{SKU: "MUG"})
	if err != nil || string(b) == "" {
		t.Fatal(err)
	}
	var back returns.Replacement
	if err := json.Unmarshal(b, &back); err != nil || back.UnitPrice.Valid() {
		t.Errorf("the zero Money read back as %v (%v)", back.UnitPrice, err)
	}
}
