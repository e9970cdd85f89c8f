package returns_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
)

// TestReplacementQuantityWithoutAPriceIsRefused: an exchange of one tee
// for three of size L "at the returned price" (no unit price) was
// accepted, then the replacement order sent one: at the returned price a
// replacement stands for the returned units one for one, and the asked
// quantity was dropped without a word (while an advance exchange reserved
// all three). Such a request is now refused, naming the field.
func TestReplacementQuantityWithoutAPriceIsRefused(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-qty")
	before := s.snapshot(o.ID)
	for _, advance := range []bool{false, true} {
		_, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: advance, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
				Replacement: &returns.Replacement{SKU: "TEE-L", Quantity: 3, Location: "WH1"}}}})
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("advance %v: %v, want a validation error", advance, err)
		}
		found := false
		for _, p := range ve.Problems {
			found = found || p.Field == "lines[0].replacement.quantity"
		}
		if !found {
			t.Errorf("advance %v: %v does not name lines[0].replacement.quantity", advance, err)
		}
	}
	if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
		t.Errorf("the refused requests changed something:\n%s", d)
	}
	// The line's own quantity, or a price, is fine.
	for i, p := range []returns.Replacement{{SKU: "TEE-L", Quantity: 1}, {SKU: "TEE-L", Quantity: 3, UnitPrice: usd("5.00")}} {
		if _, err := s.svc.Request(s.ctx, returns.RequestInput{Key: string(rune('a' + i)), OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange, Replacement: &p}}}); err != nil {
			t.Errorf("replacement %+v: %v", p, err)
		}
		ok[*returns.Return](t)(s.svc.Cancel(s.ctx, oms.DeriveID(o.ID, "return:"+string(rune('a'+i))), returns.StatusInput{}))
	}
}
