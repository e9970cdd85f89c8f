package shippingtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// TestFakeCarrierKeepsItsOwnCopyOfRequests: the fake kept the caller's
// Parcels (and Levels, Carriers) slices, so a caller reusing its slice
// changed what the fake recorded: a replay of a label key with other
// parcels in the same slice was taken for the same shipment and got the
// first label, and LastRequest showed parcels never asked about.
func TestFakeCarrierKeepsItsOwnCopyOfRequests(t *testing.T) {
	ctx := context.Background()
	f := shippingtest.NewFakeCarrier("fake", nil)
	addr := oms.Address{Name: "A", Line1: "1 Main St", City: "New York", Region: "NY", PostalCode: "10001", Country: "US"}
	parcels := []shipping.Parcel{{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(500)}}
	lreq := shipping.LabelRequest{IdempotencyKey: "k1", ServiceCode: "ground", Origin: addr, Destination: addr, Parcels: parcels}
	if _, err := f.BuyLabel(ctx, lreq); err != nil {
		t.Fatal(err)
	}
	parcels[0].Weight = oms.Kilograms(20) // the caller reuses its slice for another shipment
	if l, err := f.BuyLabel(ctx, lreq); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("replay of k1 for a 20 kg parcel = %+v, %v; want ErrDuplicate", l, err)
	}
	if n := f.Purchases(); n != 1 {
		t.Errorf("purchases = %d, want 1", n)
	}

	rparcels := []shipping.Parcel{{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(500)}}
	levels := []oms.ServiceLevel{oms.LevelStandard}
	carriers := []string{"fake"}
	req := shipping.RateRequest{Origin: addr, Destination: addr, Parcels: rparcels, Levels: levels, Carriers: carriers}
	if _, err := f.Rates(ctx, req); err != nil {
		t.Fatal(err)
	}
	want := shipping.RateRequest{Origin: addr, Destination: addr,
		Parcels: []shipping.Parcel{{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(500)}},
		Levels:  []oms.ServiceLevel{oms.LevelStandard}, Carriers: []string{"fake"}}
	rparcels[0].Weight = oms.Kilograms(20)
	levels[0] = oms.LevelExpress
	carriers[0] = "other"
	if diff := cmp.Diff(want, f.LastRequest()); diff != "" {
		t.Errorf("LastRequest changed with the caller's slices (-asked +recorded):\n%s", diff)
	}
	got := f.LastRequest()
	got.Parcels[0].Weight = 1
	if diff := cmp.Diff(want, f.LastRequest()); diff != "" {
		t.Errorf("LastRequest shares its slices (-asked +recorded):\n%s", diff)
	}
}
