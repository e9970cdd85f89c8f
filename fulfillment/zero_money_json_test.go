package fulfillment_test

import (
	"encoding/json"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// A free label or rate (0.00 USD: a shop's own van, a carrier's
// promotion) was left out of JSON by the omitzero tags on Package.Cost and
// Shipment.Cost (oms.Money.IsZero is true for a zero amount in any
// currency) and read back as the zero Money with no currency. They now
// keep their currency.
func TestFreeLabelsKeepTheirCurrencyThroughJSON(t *testing.T) {
	zero := oms.MustParseMoney("0.00 USD")
	in := fulfillment.Shipment{ID: "s1", Cost: zero, Packages: []fulfillment.Package{{Index: 0, Cost: zero}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got fulfillment.Shipment
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Cost.Valid() || len(got.Packages) != 1 || !got.Packages[0].Cost.Valid() {
		t.Errorf("read back shipment cost %v and package cost %v, want 0.00 USD (JSON %s)", got.Cost, got.Packages[0].Cost, b)
	}
}
