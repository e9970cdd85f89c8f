package shipping_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// TestTableRateHugeParcelIsNoServiceNotFailed: a valid parcel so large
// that its dimensional weight exceeds the largest Weight cannot be priced
// by a table with a dimensional-weight divisor; the carrier answered a
// validation error, which a rate shop reports as failed (the carrier is
// broken) instead of no_service (it does not carry such a parcel).
func TestTableRateHugeParcelIsNoServiceNotFailed(t *testing.T) {
	cfg := tableConfig(t)
	cfg.Limits = shipping.Limits{} // no limits: the table alone decides
	carrier, err := shipping.NewTableRateCarrier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	side := oms.Length(math.MaxInt64)
	req := shipping.RateRequest{
		Origin:      oms.Address{Country: "US", Region: "NY", PostalCode: "10001"},
		Destination: oms.Address{Country: "US", Region: "CA", PostalCode: "90028"},
		Parcels:     []shipping.Parcel{{Dimensions: oms.Dimensions{Length: side, Width: side, Height: side}, Weight: oms.Kilograms(1)}},
	}
	if err := req.Validate(); err != nil {
		t.Fatalf("the request is valid: %v", err)
	}
	heavy := req
	heavy.Parcels = []shipping.Parcel{{Dimensions: oms.DimensionsMM(100, 100, 100), Weight: oms.Weight(math.MaxInt64)}}
	for _, r := range []shipping.RateRequest{req, heavy} {
		_, err = carrier.Rates(context.Background(), r)
		if !errors.Is(err, shipping.ErrNoService) || errors.Is(err, oms.ErrValidation) {
			t.Errorf("Rates of %+v = %v, want ErrNoService and no validation error", r.Parcels[0], err)
		}
	}
	shopper, err := shipping.NewRateShopper([]shipping.Carrier{carrier}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shopper.Shop(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Carriers) != 1 || res.Carriers[0].Status != shipping.StatusNoService {
		t.Errorf("reports %+v, want one no_service", res.Carriers)
	}
}
