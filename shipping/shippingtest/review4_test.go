package shippingtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func TestFakeCarrierNeverGivesTwoParcelsOneTrackingNumber(t *testing.T) {
	// The scripted number has the generated form; once the script ran
	// out, the counter generated "fake000002" again, so two labels shared
	// one tracking number and the second's events replaced the first's.
	f := shippingtest.NewFakeCarrier("fake", &shippingtest.FakeCarrierOptions{TrackingNumbers: []string{"fake000002"}})
	req := shipping.LabelRequest{ServiceCode: "ground", Origin: oms.Address{Country: "US"}, Destination: oms.Address{Country: "US"},
		Parcels: shippingtest.DefaultRequest().Parcels}
	seen := map[string]string{}
	for _, key := range []string{"a", "b", "c"} {
		req.IdempotencyKey = key
		l, err := f.BuyLabel(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range l.TrackingNumbers {
			if prev, dup := seen[n]; dup {
				t.Errorf("labels %s and %s both got tracking number %s", prev, key, n)
			}
			seen[n] = key
		}
	}
}

// TestFakeCarrierRefusesAKeyReusedForAnotherShipment: BuyLabel compared
// a replayed idempotency key's request with the first only by service and
// parcel count, so a key reused for another shipment (another
// destination, a heavier parcel, a return) got the first shipment's
// label back: its tracking numbers and an address on the label that was
// not the one asked for. The same key with other content must be an
// error matching oms.ErrDuplicate; a true replay (even another day, with
// another reference) still returns the first label.
func TestFakeCarrierRefusesAKeyReusedForAnotherShipment(t *testing.T) {
	ctx := context.Background()
	f := shippingtest.NewFakeCarrier("fake", nil)
	req := shippingtest.DefaultRequest()
	first := shipping.LabelRequest{IdempotencyKey: "k", ServiceCode: "ground", Origin: req.Origin, Destination: req.Destination,
		Parcels: req.Parcels, ShipDate: oms.NewDate(2026, 3, 2), Reference: "A-1"}
	l, err := f.BuyLabel(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := first
	elsewhere.Destination.Line1, elsewhere.Destination.PostalCode = "1 Other Rd", "90210"
	heavier := first
	heavier.Parcels = []shipping.Parcel{req.Parcels[0]}
	heavier.Parcels[0].Weight *= 10
	ret := first
	ret.Return = true
	for name, r := range map[string]shipping.LabelRequest{"another destination": elsewhere, "a heavier parcel": heavier, "a return": ret} {
		if got, err := f.BuyLabel(ctx, r); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("key reused for %s: got label %s, %v; want oms.ErrDuplicate", name, got.ID, err)
		}
	}
	replay := first
	replay.ShipDate, replay.Reference = oms.NewDate(2026, 3, 3), "A-1 retry"
	replay.Parcels = []shipping.Parcel{req.Parcels[0]}
	replay.Parcels[0].DeclaredValue = oms.MustParseMoney("40.0 USD")
	if got, err := f.BuyLabel(ctx, replay); err != nil || got.ID != l.ID {
		t.Errorf("true replay = %s, %v; want the first label %s", got.ID, err, l.ID)
	}
	if f.Purchases() != 1 {
		t.Errorf("%d labels bought, want 1", f.Purchases())
	}
}
