package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestQuickstart runs the tour and checks what it prints, so an example
// that no longer runs, or tells another story, breaks the build.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("quickstart output (-want +got):\n%s", diff)
	}
}

const want = `== stock
MUG-BLUE: 40 on hand at newark
TEE-M: 12 on hand at reno
== checkout
quote: subtotal 76.00 USD, discount 10.00 USD, shipping 5.00 USD, tax 6.29 USD, total 77.29 USD
order 1001 confirmed: total 77.29 USD, authorized 77.29 USD, on hold: false
== fulfillment
shipment from newark (the only location with MUG-BLUE x3): parcelco/ground standard (the cheapest rate at the level asked), cost 6.80 USD
  box S, 1200g gross, tracking PARC0000000002
shipment from reno (the only location with TEE-M x2): parcelco/ground standard (the cheapest rate at the level asked), cost 6.80 USD
  box S, 510g gross, tracking PARC0000000001
order shipped, captured 77.29 USD (on shipment), labels bought: 2
== tracking
  event shipment.shipped
  event shipment.shipped
PARC0000000002: 2 new, 0 duplicate scans, status delivered
PARC0000000002: 1 new, 1 duplicate scans, status delivered
  event shipment.delivered
PARC0000000001: 2 new, 0 duplicate scans, status delivered
PARC0000000001: 1 new, 1 duplicate scans, status delivered
  event shipment.delivered
order completed, delivered
== return
return label_issued doesnt_fit, label PARC0000000003
return in_transit
return received
refund MUG-BLUE: 11.34 USD
return completed: refunded 11.34 USD (restocking fee 0.00 USD, return shipping 0.00 USD)
order paid 77.29 USD, refunded 11.34 USD; mugs on hand at newark: 38
stock ledger reconciles: true
`
