package shippingtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func TestFakeCarrierConformance(t *testing.T) {
	shippingtest.TestCarrier(t, shippingtest.NewFakeCarrier("fake", nil))
}

func TestFakeCarrierScripts(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	slow := shippingtest.NewFakeCarrier("slowpoke", &shippingtest.FakeCarrierOptions{Latency: time.Minute, Clock: clock})
	done := make(chan error, 1)
	go func() {
		_, err := slow.Rates(ctx, shippingtest.DefaultRequest())
		done <- err
	}()
	clock.BlockUntil(1)
	clock.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatalf("Rates after latency: %v", err)
	}
	if slow.Calls() != 1 {
		t.Errorf("Calls() = %d, want 1", slow.Calls())
	}
	cctx0, cancel0 := context.WithCancel(ctx)
	go func() {
		_, err := slow.Rates(cctx0, shippingtest.DefaultRequest())
		done <- err
	}()
	clock.BlockUntil(1)
	cancel0()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during latency: got %v", err)
	}

	f := shippingtest.NewFakeCarrier("slowpoke", &shippingtest.FakeCarrierOptions{Clock: clock, TrackingNumbers: []string{"TN1"}})

	boom := errors.New("boom")
	f.SetError(boom)
	if _, err := f.Rates(ctx, shippingtest.DefaultRequest()); !errors.Is(err, boom) {
		t.Errorf("scripted error: got %v", err)
	}
	f.SetError(nil)
	gate := make(chan struct{})
	f.SetGate(gate)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Rates(cctx, shippingtest.DefaultRequest()); !errors.Is(err, context.Canceled) {
		t.Errorf("gated call with cancelled ctx: got %v", err)
	}
	f.SetGate(nil)
	f.SetRates([]shipping.Rate{{Carrier: "slowpoke", ServiceCode: "x", Level: "warp", Price: oms.MustParseMoney("1.00 USD")}})
	got, err := f.Rates(ctx, shippingtest.DefaultRequest())
	if err != nil || len(got) != 1 || got[0].Level != "warp" {
		t.Errorf("malformed scripted rate: got %v, %v", got, err)
	}
	f.SetRates(nil)

	req := shippingtest.DefaultRequest()
	lreq := shipping.LabelRequest{IdempotencyKey: "k1", ServiceCode: "ground", Origin: req.Origin, Destination: req.Destination, Parcels: req.Parcels, Format: shipping.LabelZPL}
	l, err := f.BuyLabel(ctx, lreq)
	if err != nil {
		t.Fatal(err)
	}
	if l.TrackingNumbers[0] != "TN1" || l.Format != shipping.LabelZPL || !l.Price.Equal(oms.MustParseMoney("7.50 USD")) {
		t.Errorf("label = %+v", l)
	}
	l2, err := f.BuyLabel(ctx, shipping.LabelRequest{IdempotencyKey: "k2", ServiceCode: "ground", Origin: req.Origin, Destination: req.Destination, Parcels: req.Parcels})
	if err != nil || l2.TrackingNumbers[0] != "slowpoke000002" {
		t.Errorf("second label = %+v, %v", l2, err)
	}
	dup := lreq
	dup.ServiceCode = "express"
	if _, err := f.BuyLabel(ctx, dup); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("key reused for another service: got %v", err)
	}
	unknown := lreq
	unknown.IdempotencyKey, unknown.ServiceCode = "k3", "teleport"
	if _, err := f.BuyLabel(ctx, unknown); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("unknown service: got %v", err)
	}
	if f.LabelCalls() != 4 || f.Purchases() != 2 {
		t.Errorf("LabelCalls %d Purchases %d, want 4 and 2", f.LabelCalls(), f.Purchases())
	}
	f.AddTrackingEvents("TN1", shipping.TrackingEvent{Time: clock.Now(), Code: "DL", Description: "Delivered"})
	ev, err := f.Track(ctx, "TN1")
	if err != nil || len(ev) != 2 || ev[1].Code != "DL" {
		t.Errorf("Track = %v, %v", ev, err)
	}
	if err := f.VoidLabel(ctx, l2.ID); err != nil || !f.Voided(l2.ID) {
		t.Errorf("VoidLabel: %v", err)
	}
	m, err := f.Manifest(ctx, shipping.ManifestRequest{Date: oms.NewDate(2026, 11, 23)})
	if err != nil || len(m.LabelIDs) != 1 || m.LabelIDs[0] != l.ID {
		t.Errorf("Manifest of all labels not voided = %+v, %v", m, err)
	}
	if _, err := f.Manifest(ctx, shipping.ManifestRequest{LabelIDs: []string{"nope"}}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("Manifest of an unknown label: got %v", err)
	}
	check, err := f.ValidateAddress(ctx, oms.Address{Line1: " 1  Main St", City: "Springfield", Country: "us"})
	if err != nil || check.Deliverable || len(check.Suggestions) != 1 || len(check.Messages) != 1 {
		t.Errorf("ValidateAddress = %+v, %v", check, err)
	}

	failing := shippingtest.NewFakeCarrier("nolabels", &shippingtest.FakeCarrierOptions{LabelErr: oms.ErrUnavailable})
	if _, err := failing.BuyLabel(ctx, lreq); !errors.Is(err, oms.ErrUnavailable) {
		t.Errorf("LabelErr: got %v", err)
	}
	if failing.LastRequest().Parcels != nil {
		t.Error("LastRequest before any call should be empty")
	}
	cctx2, cancel2 := context.WithCancel(ctx)
	cancel2()
	if _, err := failing.BuyLabel(cctx2, lreq); !errors.Is(err, context.Canceled) {
		t.Errorf("BuyLabel cancelled: %v", err)
	}
	if err := failing.VoidLabel(cctx2, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("VoidLabel cancelled: %v", err)
	}
	if _, err := failing.Track(cctx2, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Track cancelled: %v", err)
	}
	if _, err := failing.ValidateAddress(cctx2, oms.Address{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ValidateAddress cancelled: %v", err)
	}
	if _, err := failing.Manifest(cctx2, shipping.ManifestRequest{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Manifest cancelled: %v", err)
	}
}
