package notify_test

import (
	"encoding/json"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// A free order (total 0.00 EUR: a gift card covered it) or a refund of
// 0.00 was left out of JSON by omitzero tags (oms.Money.IsZero is true for
// a zero amount in any currency) and read back as the zero Money, so a
// progress document a JSON store kept, and the status view a page reads,
// had no currency. They now keep it.
func TestZeroTotalsKeepTheirCurrencyThroughJSON(t *testing.T) {
	zero := oms.MustParseMoney("0.00 EUR")
	in := notify.OrderView{OrderID: "o1", Total: zero, Lines: []notify.LineView{{Total: zero}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got notify.OrderView
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Total.Valid() || len(got.Lines) != 1 || !got.Lines[0].Total.Valid() {
		t.Errorf("view read back with total %v and line total %v, want 0.00 EUR (JSON %s)", got.Total, got.Lines[0].Total, b)
	}
	p := notify.Progress{Total: zero, Returns: []notify.ReturnView{{Refunded: zero}}}
	b, err = json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back notify.Progress
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Total.Valid() || len(back.Returns) != 1 || !back.Returns[0].Refunded.Valid() {
		t.Errorf("progress read back with total %v and refunded %v, want 0.00 EUR", back.Total, back.Returns[0].Refunded)
	}
}
