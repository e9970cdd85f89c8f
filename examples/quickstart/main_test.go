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
  email to ada@example.com: Order 1001 confirmed
    Thank you for your order 1001. Total: 77.29 USD. We will let you know when it ships.
== fulfillment
shipment from newark (the only location with MUG-BLUE x3): parcelco/ground standard (the cheapest rate at the level asked), cost 6.80 USD
  box S, 1200g gross, tracking PARC0000000001
shipment from reno (the only location with TEE-M x2): parcelco/ground standard (the cheapest rate at the level asked), cost 6.80 USD
  box S, 510g gross, tracking PARC0000000002
order shipped, captured 77.29 USD (on shipment), labels bought: 2
  email to ada@example.com: Part of your order 1001 has shipped
    Part of your order 1001 is on the way. Still to come: 2 × T-shirt M. We will let you know when the rest ships.
  email to ada@example.com: Order 1001 has shipped
    Your parcel is on the way with parcelco. Tracking number PARC0000000001.
  email to ada@example.com: Order 1001 has shipped
    Your parcel is on the way with parcelco. Tracking number PARC0000000002.
== tracking
PARC0000000001: 2 new, 0 duplicate scans, status delivered
PARC0000000001: 1 new, 1 duplicate scans, status delivered
  email to ada@example.com: Order 1001 delivered
    Your parcel of your order 1001 has been delivered. We hope you enjoy it.
PARC0000000002: 2 new, 0 duplicate scans, status delivered
PARC0000000002: 1 new, 1 duplicate scans, status delivered
  email to ada@example.com: Order 1001 delivered
    Your parcel of your order 1001 has been delivered. We hope you enjoy it.
order completed, delivered
== return
return label_issued doesnt_fit, label PARC0000000003
return in_transit
return received
refund MUG-BLUE: 11.34 USD
return completed: refunded 11.34 USD (restocking fee 0.00 USD, return shipping 0.00 USD)
  email to ada@example.com: Your return is approved
    We approved your return for order 1001. You will find how to send the items back in your account.
  email to ada@example.com: Your return label
    Your return label for order 1001 is ready in your account. Tracking number PARC0000000003.
  email to ada@example.com: We received your return
    We received your return for order 1001. We will check it and let you know.
  email to ada@example.com: Your refund of 11.34 USD
    We issued a refund of 11.34 USD for order 1001. It may take a few days to show on your statement.
order paid 77.29 USD, refunded 11.34 USD; mugs on hand at newark: 38
stock ledger reconciles: true
`
