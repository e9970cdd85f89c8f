package shippingtest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// The fake carrier quotes DefaultRates until a test scripts other rates or
// an outage, and remembers what it was asked.
func ExampleFakeCarrier() {
	ctx := context.Background()
	ups := shippingtest.NewFakeCarrier("ups", nil)
	req := shippingtest.DefaultRequest()
	rates, _ := ups.Rates(ctx, req)
	for _, r := range rates {
		fmt.Println(r.Key(), r.Level, r.Price, r.TransitDays, "days")
	}

	req.Levels = []oms.ServiceLevel{oms.LevelExpress}
	rates, _ = ups.Rates(ctx, req)
	fmt.Println("express only:", len(rates), rates[0].Key())

	outage := errors.New("ups: 503 service unavailable")
	ups.SetError(outage)
	_, err := ups.Rates(ctx, req)
	fmt.Println("scripted outage:", errors.Is(err, outage))
	fmt.Println("calls:", ups.Calls(), "last asked for:", ups.LastRequest().Levels)
	// Output:
	// ups/ground standard 7.50 USD 5 days
	// ups/express express 19.00 USD 2 days
	// express only: 1 ups/express
	// scripted outage: true
	// calls: 3 last asked for: [express]
}

// Buying a label with scripted tracking numbers and a manual clock: a
// replayed idempotency key returns the first label and buys nothing, the
// tracking number has its first scan, and the label can be voided.
func ExampleFakeCarrier_BuyLabel() {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	ups := shippingtest.NewFakeCarrier("ups", &shippingtest.FakeCarrierOptions{
		Clock: clock, TrackingNumbers: []string{"1Z0001", "1Z0002"},
	})
	rr := shippingtest.DefaultRequest()
	req := shipping.LabelRequest{
		IdempotencyKey: "shp-1/label", ServiceCode: "ground",
		Origin: rr.Origin, Destination: rr.Destination,
		Parcels: []shipping.Parcel{rr.Parcels[0], rr.Parcels[0]}, // two parcels
	}
	label, err := ups.BuyLabel(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(label.ID, label.ServiceCode, label.Price, label.TrackingNumbers, label.CreatedAt.Format(time.RFC3339))
	again, _ := ups.BuyLabel(ctx, req)
	fmt.Println("replay:", again.ID, "labels bought:", ups.Purchases(), "of", ups.LabelCalls(), "calls")

	scans, _ := ups.Track(ctx, "1Z0002")
	fmt.Println(scans[0].Code, scans[0].Description)
	_ = ups.VoidLabel(ctx, label.ID)
	fmt.Println("voided:", ups.Voided(label.ID))
	// Output:
	// ups-L0001 ground 15.00 USD [1Z0001 1Z0002] 2026-03-02T14:00:00Z
	// replay: ups-L0001 labels bought: 1 of 2 calls
	// LC Label created
	// voided: true
}
