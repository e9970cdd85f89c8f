package shippingtest_test

import (
	"context"
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
