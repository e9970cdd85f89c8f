package shipping_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

func TestParcelValidate(t *testing.T) {
	good := shipping.Parcel{Dimensions: oms.DimensionsMM(300, 200, 100), Weight: oms.Grams(500), DeclaredValue: usd("25.00"), Contents: "mugs"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := shipping.Parcel{Dimensions: oms.DimensionsMM(0, -1, 100), Weight: -5, DeclaredValue: usd("-0.005"), Contents: strings.Repeat("x", 201)}
	err := bad.Validate()
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	want := []string{"dimensions.length", "dimensions.width", "weight", "declared_value", "declared_value", "contents"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s\n%v", diff, ve)
	}
}

func TestParcelBillableWeight(t *testing.T) {
	tests := []struct {
		name   string
		p      shipping.Parcel
		f      oms.DimFactor
		want   oms.Weight
		errors bool
	}{
		{"dimensional wins", shipping.Parcel{Dimensions: oms.DimensionsMM(400, 300, 200), Weight: oms.Grams(2000)}, oms.DimFactorMetric5000, oms.Grams(5000), false},
		{"actual wins", shipping.Parcel{Dimensions: oms.DimensionsMM(200, 100, 100), Weight: oms.Grams(2100)}, oms.DimFactorMetric5000, oms.Grams(2500), false},
		{"per-carrier divisor", shipping.Parcel{Dimensions: oms.DimensionsMM(400, 300, 200), Weight: oms.Grams(2000)}, oms.DimFactor{Divisor: 6000}, oms.Grams(4000), false},
		{"imperial", shipping.Parcel{Dimensions: shipping.Parcel{}.Dimensions, Weight: 1}, oms.DimFactorImperial139, 0, true},
		{"bad parcel", shipping.Parcel{Dimensions: oms.DimensionsMM(1, 1, 1)}, oms.DimFactorMetric5000, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.BillableWeight(tt.f)
			if tt.errors {
				if !errors.Is(err, oms.ErrValidation) {
					t.Fatalf("got %s, %v", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestParcelPresets(t *testing.T) {
	presets := shipping.StandardPresets()
	for _, p := range presets {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	presets[0].Name = "changed"
	if shipping.StandardPresets()[0].Name == "changed" {
		t.Error("StandardPresets shares its slice")
	}
	medium := shipping.StandardPresets()[2]
	p, err := medium.Parcel(oms.Grams(4650))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(shipping.Parcel{Dimensions: medium.Dimensions, Weight: oms.Grams(5000), Preset: "medium_box"}, p, cmp.Comparer(func(a, b oms.Money) bool { return a.Equal(b) || (!a.Valid() && !b.Valid()) })); diff != "" {
		t.Error(diff)
	}
	if _, err := medium.Parcel(oms.Kilograms(20)); err == nil || !strings.Contains(err.Error(), "over the preset's max_weight") {
		t.Errorf("overweight: %v", err)
	}
	_, err = shipping.ParcelPreset{TareWeight: oms.Grams(10), MaxWeight: oms.Grams(5)}.Parcel(0)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"name", "dimensions.length", "tare_weight", "contents_weight"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s: %v", f, ve)
		}
	}
	if err := (shipping.ParcelPreset{Name: "x", Dimensions: oms.DimensionsMM(1, 1, 1), TareWeight: -1, MaxWeight: -1}).Validate(); err == nil {
		t.Error("negative weights accepted")
	}
}

func TestRateValidate(t *testing.T) {
	good := shipping.Rate{Carrier: "ups", ServiceCode: "ground", Level: oms.LevelStandard, Price: usd("7.50"), ListPrice: usd("9.00"), TransitDays: 3, Delivery: on(26), Guaranteed: true}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*shipping.Rate)
		field  string
	}{
		{"no carrier", func(r *shipping.Rate) { r.Carrier = "" }, "carrier"},
		{"no service", func(r *shipping.Rate) { r.ServiceCode = "" }, "service_code"},
		{"unknown level", func(r *shipping.Rate) { r.Level = "warp" }, "level"},
		{"no price", func(r *shipping.Rate) { r.Price = oms.Money{} }, "price"},
		{"negative price", func(r *shipping.Rate) { r.Price = usd("-1") }, "price"},
		{"unrounded price", func(r *shipping.Rate) { r.Price = usd("1.001") }, "price"},
		{"list price currency", func(r *shipping.Rate) { r.ListPrice = oms.MustParseMoney("9 EUR") }, "list_price"},
		{"negative list price", func(r *shipping.Rate) { r.ListPrice = usd("-9") }, "list_price"},
		{"negative weight", func(r *shipping.Rate) { r.BillableWeight = -1 }, "billable_weight"},
		{"negative transit", func(r *shipping.Rate) { r.TransitDays = -1 }, "transit_days"},
		{"half a window", func(r *shipping.Rate) { r.Delivery.Latest = oms.Date{} }, "delivery"},
		{"inverted window", func(r *shipping.Rate) { r.Delivery.Latest = day(20) }, "delivery"},
		{"guaranteed without date", func(r *shipping.Rate) { r.Delivery = shipping.Window{} }, "delivery"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.mutate(&r)
			var ve *oms.ValidationError
			if err := r.Validate(); !errors.As(err, &ve) || !ve.Has(tt.field) {
				t.Errorf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
	b, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"carrier":"ups","service_code":"ground","service_name":"","level":"standard","price":{"amount":"7.50","currency":"USD"},"list_price":{"amount":"9.00","currency":"USD"},"transit_days":3,"delivery":{"earliest":"2026-11-26","latest":"2026-11-26"},"guaranteed":true}`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
	var back shipping.Rate
	if err := json.Unmarshal(b, &back); err != nil || back.Key() != "ups/ground" || !back.Price.Equal(good.Price) || back.Delivery != good.Delivery {
		t.Errorf("round trip %+v, %v", back, err)
	}
}

func TestEnums(t *testing.T) {
	for _, l := range oms.ServiceLevels() {
		if !l.Valid() {
			t.Errorf("%s invalid", l)
		}
	}
	if oms.ServiceLevel("warp").Valid() || oms.LevelSameDay.Rank() != 0 || oms.LevelEconomy.Rank() != 4 {
		t.Error("levels")
	}
	for _, s := range []shipping.CarrierStatus{shipping.StatusOK, shipping.StatusNoService, shipping.StatusInvalid, shipping.StatusFailed, shipping.StatusTimeout, shipping.StatusSkipped} {
		if !s.Valid() {
			t.Errorf("%s invalid", s)
		}
	}
	if shipping.CarrierStatus("meh").Valid() {
		t.Error("meh valid")
	}
	for _, f := range []shipping.LabelFormat{shipping.LabelPDF, shipping.LabelPNG, shipping.LabelZPL} {
		if !f.Valid() {
			t.Errorf("%s invalid", f)
		}
	}
	if shipping.LabelFormat("gif").Valid() {
		t.Error("gif valid")
	}
}

func TestRateRequestHelpers(t *testing.T) {
	req := shipping.RateRequest{Parcels: []shipping.Parcel{{Weight: oms.Grams(500)}, {Weight: oms.Grams(700)}}, Levels: []oms.ServiceLevel{oms.LevelExpress}}
	if req.TotalWeight() != oms.Grams(1200) || !req.WantsLevel(oms.LevelExpress) || req.WantsLevel(oms.LevelStandard) {
		t.Error("TotalWeight or WantsLevel")
	}
}

func TestLabelRequestValidate(t *testing.T) {
	err := shipping.LabelRequest{Origin: oms.Address{Country: "us"}, Parcels: []shipping.Parcel{{}}, Format: "gif"}.Validate()
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"idempotency_key", "service_code", "origin.country", "destination.country", "parcels[0].weight", "format"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s", f)
		}
	}
	if err := (shipping.LabelRequest{}).Validate(); err == nil || !strings.Contains(err.Error(), "at least one parcel") {
		t.Errorf("no parcels: %v", err)
	}
	l := shipping.Label{TrackingNumbers: []string{"1Z"}, Data: []byte("x")}
	c := l.Clone()
	c.TrackingNumbers[0], c.Data[0] = "2Z", 'y'
	if l.TrackingNumbers[0] != "1Z" || l.Data[0] != 'x' {
		t.Error("Clone shares memory")
	}
}

func TestErrorsNameTheirParts(t *testing.T) {
	ns := &shipping.NoServiceError{Carrier: "ups", Reason: "too heavy"}
	if ns.Error() != `shipping: carrier "ups" has no service: too heavy` || !errors.Is(ns, shipping.ErrNoService) {
		t.Errorf("NoServiceError: %v", ns)
	}
	ce := &shipping.CarrierError{Carrier: "ups", Status: shipping.StatusNoService, Err: ns}
	if !errors.Is(ce, shipping.ErrNoService) || !strings.HasPrefix(ce.Error(), `shipping: carrier "ups" no_service: `) {
		t.Errorf("CarrierError: %v", ce)
	}
}
