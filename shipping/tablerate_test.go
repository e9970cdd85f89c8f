package shipping_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func tableConfig(t testing.TB) shipping.TableRateConfig {
	t.Helper()
	dim := oms.DimFactorMetric5000
	return shipping.TableRateConfig{
		Code:     "vans",
		Name:     "Our vans and partners",
		Currency: oms.USD,
		Zones: []shipping.ZoneRule{
			{Zone: "world", Country: "*"},
			{Zone: "domestic", Country: "US"},
			{Zone: "east", Country: "US", Region: "NY"},
			{Zone: "east", Country: "US", Region: "NJ"},
			{Zone: "local", Country: "US", Region: "NY", PostalPrefix: "100"},
			{Zone: "canada", Country: "CA"},
		},
		Services: []shipping.TableService{
			{Code: "ground", Name: "Ground", Level: oms.LevelStandard},
			{Code: "express", Name: "Express", Level: oms.LevelExpress, Guaranteed: true},
			{Code: "van", Name: "Same-day van", Level: oms.LevelSameDay},
		},
		Rows: []shipping.TableRow{
			{Service: "ground", Zone: "local", TransitDays: 1, PerKg: usd("0.80"), Brackets: []shipping.WeightBracket{
				{UpTo: oms.Kilograms(1), Price: usd("4.00")}, {UpTo: oms.Kilograms(5), Price: usd("6.00")}, {UpTo: oms.Kilograms(10), Price: usd("9.00")}}},
			{Service: "van", Zone: "local", TransitDays: 0, Brackets: []shipping.WeightBracket{{UpTo: oms.Kilograms(20), Price: usd("12.00")}}},
			{Service: "ground", Zone: "east", TransitDays: 2, TransitDaysMax: 3, Brackets: []shipping.WeightBracket{
				{UpTo: oms.Kilograms(1), Price: usd("5.00")}, {UpTo: oms.Kilograms(5), Price: usd("7.50")}}},
			{Service: "ground", Zone: "domestic", TransitDays: 3, TransitDaysMax: 5, Base: usd("6.00"), PerKg: usd("1.10")},
			{Service: "express", Zone: "domestic", TransitDays: 1, Base: usd("15.00"), PerKg: usd("2.00")},
			{Service: "ground", Zone: "world", TransitDays: 6, TransitDaysMax: 10, Base: usd("20.00"), PerKg: usd("5.00")},
		},
		Surcharges: []shipping.Surcharge{
			{Name: "fuel", Amount: usd("0.35"), PerParcel: true},
			{Name: "residential", Amount: usd("2.50"), ResidentialOnly: true},
			{Name: "express handling", Amount: usd("1.00"), Services: []string{"express"}},
		},
		DimFactor: &dim,
		Limits:    shipping.Limits{MaxWeight: oms.Kilograms(30), MaxLength: oms.Millimetres(1200), MaxLengthPlusGirth: oms.Millimetres(3000)},
		Calendar:  newYork(t),
		Clock:     oms.NewManualClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)),
	}
}

func tableCarrier(t testing.TB) *shipping.TableRateCarrier {
	t.Helper()
	c, err := shipping.NewTableRateCarrier(tableConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTableRateCarrierConformance(t *testing.T) {
	shippingtest.TestCarrier(t, tableCarrier(t))
}

func TestTableRateCarrierZones(t *testing.T) {
	c := tableCarrier(t)
	tests := []struct {
		addr oms.Address
		want string
	}{
		{oms.Address{Country: "US", Region: "NY", PostalCode: "10001"}, "local"},
		{oms.Address{Country: "US", Region: "ny", PostalCode: " 100 27"}, "local"},
		{oms.Address{Country: "US", Region: "NY", PostalCode: "12207"}, "east"},
		{oms.Address{Country: "US", Region: "NJ", PostalCode: "07030"}, "east"},
		{oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}, "domestic"},
		{oms.Address{Country: "US", Region: "CA", PostalCode: "10001"}, "domestic"},
		{oms.Address{Country: "CA", Region: "ON", PostalCode: "M5V 2T6"}, "canada"},
		{oms.Address{Country: "FR", PostalCode: "75001"}, "world"},
	}
	for _, tt := range tests {
		if got, ok := c.Zone(tt.addr); !ok || got != tt.want {
			t.Errorf("Zone(%s %s %s) = %q, %v; want %q", tt.addr.Country, tt.addr.Region, tt.addr.PostalCode, got, ok, tt.want)
		}
	}
	cfg := tableConfig(t)
	cfg.Zones = cfg.Zones[1:] // no world zone
	cfg.Rows = cfg.Rows[:5]
	narrow, err := shipping.NewTableRateCarrier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := narrow.Zone(oms.Address{Country: "FR"}); ok {
		t.Errorf("FR in zone %q without a world zone", z)
	}
}

func TestTableRateCarrierRates(t *testing.T) {
	c := tableCarrier(t)
	ny := oms.Address{Country: "US", Region: "NY", PostalCode: "10001", City: "New York", Line1: "1 Dock St", Company: "Shop"}
	parcel := func(l, w, h, grams int64) shipping.Parcel {
		return shipping.Parcel{Dimensions: oms.DimensionsMM(l, w, h), Weight: oms.Grams(grams)}
	}
	box := parcel(300, 200, 100, 1200) // 6 litres: 1.2 kg dimensional, bills 1.5 kg
	type row struct {
		Key, Price string
		Weight     oms.Weight
		Transit    int
		Delivery   shipping.Window
		Guaranteed bool
	}
	tests := []struct {
		name    string
		to      oms.Address
		parcels []shipping.Parcel
		levels  []oms.ServiceLevel
		ret     bool
		ship    oms.Date
		want    []row
		noSvc   string
	}{
		{"local: brackets and a per-parcel surcharge", oms.Address{Country: "US", Region: "NY", PostalCode: "10013"}, []shipping.Parcel{box}, nil, false, oms.Date{},
			[]row{{"vans/ground", "6.35 USD", oms.Grams(1500), 1, on(24), false}, {"vans/van", "12.35 USD", oms.Grams(1500), 0, on(23), false}}, ""},
		{"local: over the last bracket pays per started kg", oms.Address{Country: "US", Region: "NY", PostalCode: "10013"}, []shipping.Parcel{parcel(100, 100, 100, 10200)}, []oms.ServiceLevel{oms.LevelStandard}, false, oms.Date{},
			[]row{{"vans/ground", "10.15 USD", oms.Grams(10500), 1, on(24), false}}, ""},
		{"local: lightest bracket", oms.Address{Country: "US", Region: "NY", PostalCode: "10013"}, []shipping.Parcel{parcel(100, 100, 100, 800)}, []oms.ServiceLevel{oms.LevelStandard}, false, oms.Date{},
			[]row{{"vans/ground", "4.35 USD", oms.Grams(1000), 1, on(24), false}}, ""},
		{"east residential, window over Thanksgiving", oms.Address{Country: "US", Region: "NY", PostalCode: "12207", Residential: true}, []shipping.Parcel{box}, nil, false, oms.Date{},
			[]row{{"vans/ground", "10.35 USD", oms.Grams(1500), 2, shipping.Window{Earliest: day(25), Latest: day(27)}, false}}, ""},
		{"domestic: base plus per started kg, two parcels", oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}, []shipping.Parcel{box, box}, nil, false, day(24),
			[]row{{"vans/ground", "17.10 USD", oms.Grams(3000), 3, shipping.Window{Earliest: day(30), Latest: oms.NewDate(2026, 12, 2)}, false},
				{"vans/express", "39.70 USD", oms.Grams(3000), 1, on(25), true}}, ""},
		{"world", oms.Address{Country: "FR", PostalCode: "75001"}, []shipping.Parcel{box}, nil, false, oms.Date{},
			[]row{{"vans/ground", "30.35 USD", oms.Grams(1500), 6, shipping.Window{Earliest: oms.NewDate(2026, 12, 2), Latest: oms.NewDate(2026, 12, 8)}, false}}, ""},
		{"a ship date on the weekend moves to monday", oms.Address{Country: "US", Region: "NY", PostalCode: "10013"}, []shipping.Parcel{box}, []oms.ServiceLevel{oms.LevelSameDay}, false, day(21),
			[]row{{"vans/van", "12.35 USD", oms.Grams(1500), 0, on(23), false}}, ""},
		{"east: over the last bracket without per-kg", oms.Address{Country: "US", Region: "NJ", PostalCode: "07030"}, []shipping.Parcel{parcel(200, 200, 200, 8000)}, nil, false, oms.Date{},
			nil, "ground: parcels[0]: weight 8000g over the last bracket of 5000g"},
		{"canada has no rows", oms.Address{Country: "CA", Region: "ON", PostalCode: "M5V 2T6"}, []shipping.Parcel{box}, nil, false, oms.Date{},
			nil, `no service of the wanted levels in zone "canada"`},
		{"no express locally", oms.Address{Country: "US", Region: "NY", PostalCode: "10013"}, []shipping.Parcel{box}, []oms.ServiceLevel{oms.LevelExpress}, false, oms.Date{},
			nil, `no service of the wanted levels in zone "local"`},
		{"too heavy", oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}, []shipping.Parcel{box, parcel(300, 300, 300, 31000)}, nil, false, oms.Date{},
			nil, "parcels[1]: weight 31000g over the limit of 30000g"},
		{"too long", oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}, []shipping.Parcel{parcel(100, 1300, 100, 1000)}, nil, false, oms.Date{},
			nil, "length 1300mm over the limit of 1200mm"},
		{"too big around", oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}, []shipping.Parcel{parcel(1000, 600, 500, 1000)}, nil, false, oms.Date{},
			nil, "length plus girth 3200mm over the limit of 3000mm"},
		{"a return is zoned by its origin", ny, []shipping.Parcel{box}, []oms.ServiceLevel{oms.LevelStandard}, true, day(23),
			[]row{{"vans/ground", "8.55 USD", oms.Grams(1500), 3, shipping.Window{Earliest: day(27), Latest: oms.NewDate(2026, 12, 1)}, false}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := shipping.RateRequest{Origin: ny, Destination: tt.to, Parcels: tt.parcels, Levels: tt.levels, ShipDate: tt.ship, Return: tt.ret}
			if tt.ret {
				req.Origin, req.Destination = oms.Address{Country: "US", Region: "CA", PostalCode: "90028"}, ny
			}
			rates, err := c.Rates(context.Background(), req)
			if tt.noSvc != "" {
				var ns *shipping.NoServiceError
				if !errors.As(err, &ns) || !errors.Is(err, shipping.ErrNoService) || ns.Carrier != "vans" || !strings.Contains(ns.Reason, tt.noSvc) {
					t.Fatalf("got %v, %v; want no service because %q", rates, err, tt.noSvc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, r := range rates {
				if err := r.Validate(); err != nil {
					t.Errorf("%s malformed: %v", r.Key(), err)
				}
				got = append(got, row{r.Key(), r.Price.String(), r.BillableWeight, r.TransitDays, r.Delivery, r.Guaranteed})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTableRateCarrierBadInput(t *testing.T) {
	c := tableCarrier(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Rates(ctx, shippingtest.DefaultRequest()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	req := shippingtest.DefaultRequest()
	req.Parcels[0].Weight = 0
	if _, err := c.Rates(context.Background(), req); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("zero weight: %v", err)
	}

	cfg := tableConfig(t)
	cfg.Code = ""
	cfg.Currency = "XYZ"
	cfg.Zones = append(cfg.Zones, shipping.ZoneRule{Zone: "", Country: "ZZ"})
	cfg.Services = append(cfg.Services, shipping.TableService{Code: "ground", Level: "warp"})
	cfg.Rows = append(cfg.Rows,
		shipping.TableRow{Service: "teleport", Zone: "moon", TransitDays: -1},
		shipping.TableRow{Service: "ground", Zone: "local"},
		shipping.TableRow{Service: "van", Zone: "east", Brackets: []shipping.WeightBracket{{UpTo: oms.Kilograms(2), Price: oms.MustParseMoney("1 EUR")}, {UpTo: oms.Kilograms(1), Price: usd("-1")}}},
	)
	cfg.Surcharges = append(cfg.Surcharges, shipping.Surcharge{Services: []string{"teleport"}})
	cfg.DimFactor = &oms.DimFactor{}
	cfg.Limits = shipping.Limits{MaxWeight: -1, MaxLength: -1, MaxLengthPlusGirth: -1}
	_, err := shipping.NewTableRateCarrier(cfg)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"code", "currency", "zones[6].zone", "zones[6].country", "services[3].code", "services[3].level",
		"rows[6].service", "rows[6].zone", "rows[6].per_kg", "rows[6].transit_days", "rows[7]", "rows[8].brackets[0].price", "rows[8].brackets[1].up_to", "rows[8].brackets[1].price",
		"surcharges[3].name", "surcharges[3].amount", "surcharges[3].services[0]", "dim_factor.divisor",
		"limits.max_weight", "limits.max_length", "limits.max_length_plus_girth"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s", f)
		}
	}
	if _, err := shipping.NewTableRateCarrier(shipping.TableRateConfig{Code: "x", Currency: oms.USD}); err == nil || !strings.Contains(err.Error(), "at least one service") {
		t.Errorf("no services: %v", err)
	}
}

func TestTableRateCarrierDefaultsAndCopies(t *testing.T) {
	cfg := tableConfig(t)
	cfg.Calendar, cfg.Clock, cfg.DimFactor = nil, nil, nil
	c, err := shipping.NewTableRateCarrier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rows[0].Brackets[0].Price = usd("99.00") // the carrier keeps its own copy
	req := shippingtest.DefaultRequest()
	req.Destination = oms.Address{Country: "US", Region: "NY", PostalCode: "10013"}
	req.Parcels[0].Weight = oms.Grams(900)
	req.Levels = []oms.ServiceLevel{oms.LevelStandard}
	rates, err := c.Rates(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// Without a dimensional factor the actual 900 g is priced: 4.00 + fuel.
	if rates[0].Price.String() != "4.35 USD" || rates[0].BillableWeight != oms.Grams(900) || rates[0].Delivery.IsZero() {
		t.Errorf("rate = %+v", rates[0])
	}
}

func TestFlatRateCarrier(t *testing.T) {
	cfg := shipping.FlatRateConfig{
		Code: "flat",
		Services: []shipping.FlatRateService{
			{Code: "letter", Name: "Letter", Level: oms.LevelEconomy, Price: usd("3.00"), PerParcel: true, TransitDays: 3, TransitDaysMax: 6},
			{Code: "priority", Name: "Priority", Level: oms.LevelExpress, Price: usd("15.00"), Countries: []string{"US"}, TransitDays: 1, Guaranteed: true},
		},
		Limits:   shipping.Limits{MaxWeight: oms.Kilograms(2)},
		Calendar: newYork(t),
		Clock:    oms.NewManualClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)),
	}
	c, err := shipping.NewFlatRateCarrier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shippingtest.TestCarrier(t, c)

	req := shippingtest.DefaultRequest()
	req.Parcels = append(req.Parcels, req.Parcels[0])
	rates, err := c.Rates(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rates {
		got = append(got, r.Key()+" "+r.Price.String()+" "+r.Delivery.String())
	}
	want := []string{"flat/letter 6.00 USD 2026-11-27..2026-12-02", "flat/priority 15.00 USD 2026-11-24"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	abroad := shippingtest.DefaultRequest()
	abroad.Destination = oms.Address{Country: "DE", PostalCode: "10115"}
	abroad.Levels = []oms.ServiceLevel{oms.LevelExpress}
	if _, err := c.Rates(context.Background(), abroad); !errors.Is(err, shipping.ErrNoService) {
		t.Errorf("priority abroad: %v", err)
	}
	abroad.Levels = nil
	abroad.Return = true // zoned by the origin: the US
	if rates, err := c.Rates(context.Background(), abroad); err != nil || len(rates) != 2 {
		t.Errorf("return from abroad: %v %v", rates, err)
	}
	heavy := shippingtest.DefaultRequest()
	heavy.Parcels[0].Weight = oms.Kilograms(3)
	if _, err := c.Rates(context.Background(), heavy); err == nil || !strings.Contains(err.Error(), "weight 3000g over the limit of 2000g") {
		t.Errorf("heavy: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Rates(ctx, req); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	bad := shippingtest.DefaultRequest()
	bad.Destination.Country = "XX"
	if _, err := c.Rates(context.Background(), bad); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad request: %v", err)
	}

	_, err = shipping.NewFlatRateCarrier(shipping.FlatRateConfig{Services: []shipping.FlatRateService{
		{Code: "", Level: "x", Countries: []string{"XX"}, TransitDays: -1},
		{Code: "a", Level: oms.LevelStandard, Price: usd("1.005")},
		{Code: "a", Level: oms.LevelStandard, Price: usd("1.00")},
	}, Limits: shipping.Limits{MaxWeight: -1}})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"code", "services[0].code", "services[0].level", "services[0].price", "services[0].countries[0]", "services[0].transit_days", "services[1].price", "services[2].code", "limits.max_weight"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s", f)
		}
	}
	if _, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{Code: "x"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("no services: %v", err)
	}
	if c, err := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{Code: "x", Services: cfg.Services}); err != nil || c.Code() != "x" {
		t.Errorf("defaults: %v", err)
	}
}
