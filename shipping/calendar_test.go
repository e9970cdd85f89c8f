package shipping_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

func newYork(t testing.TB) *shipping.Calendar {
	t.Helper()
	c, err := shipping.NewCalendar("America/New_York", &shipping.CalendarOptions{Holidays: []shipping.Holiday{
		{Date: oms.NewDate(2026, 11, 26), Name: "Thanksgiving"},
		{Date: oms.NewDate(2026, 12, 25), Name: "Christmas Day"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sydney(t testing.TB) *shipping.Calendar {
	t.Helper()
	c, err := shipping.NewCalendar("Australia/Sydney", &shipping.CalendarOptions{Holidays: []shipping.Holiday{
		{Date: oms.NewDate(2026, 12, 25), Name: "Christmas Day"},
		{Date: oms.NewDate(2026, 12, 28), Name: "Boxing Day (observed)"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEstimateDelivery(t *testing.T) {
	ny, syd := newYork(t), sydney(t)
	nyLoc := ny.Location()
	at := func(y int, m time.Month, d, h, min int, loc *time.Location) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	utc := time.UTC
	nyWarehouse := shipping.Dispatch{Calendar: ny, CutOff: 14 * time.Hour}
	sydWarehouse := shipping.Dispatch{Calendar: syd, CutOff: 15 * time.Hour}
	d := oms.NewDate
	tests := []struct {
		name     string
		now      time.Time
		from     shipping.Dispatch
		to       *shipping.Calendar
		min, max int
		ship     oms.Date
		earliest oms.Date
		latest   oms.Date
	}{
		{"before cut-off ships today; window over Thanksgiving", at(2026, 11, 23, 10, 0, nyLoc), nyWarehouse, nil, 2, 3, d(2026, 11, 23), d(2026, 11, 25), d(2026, 11, 27)},
		{"at cut-off waits for tomorrow", at(2026, 11, 23, 14, 0, nyLoc), nyWarehouse, nil, 2, 2, d(2026, 11, 24), d(2026, 11, 27), d(2026, 11, 27)},
		{"a minute before cut-off", at(2026, 11, 23, 13, 59, nyLoc), nyWarehouse, nil, 1, 1, d(2026, 11, 23), d(2026, 11, 24), d(2026, 11, 24)},
		{"friday after cut-off ships monday", at(2026, 11, 20, 16, 0, nyLoc), nyWarehouse, nil, 1, 1, d(2026, 11, 23), d(2026, 11, 24), d(2026, 11, 24)},
		{"saturday ships monday", at(2026, 11, 21, 9, 0, nyLoc), nyWarehouse, nil, 1, 1, d(2026, 11, 23), d(2026, 11, 24), d(2026, 11, 24)},
		{"after cut-off the day before a holiday", at(2026, 11, 25, 15, 0, nyLoc), nyWarehouse, nil, 1, 1, d(2026, 11, 27), d(2026, 11, 30), d(2026, 11, 30)},
		{"order on the holiday", at(2026, 11, 26, 9, 0, nyLoc), nyWarehouse, nil, 0, 0, d(2026, 11, 27), d(2026, 11, 27), d(2026, 11, 27)},
		{"one handling day", at(2026, 11, 23, 10, 0, nyLoc), shipping.Dispatch{Calendar: ny, CutOff: 14 * time.Hour, HandlingDays: 1}, nil, 0, 0, d(2026, 11, 24), d(2026, 11, 24), d(2026, 11, 24)},
		{"two handling days over the holiday", at(2026, 11, 25, 10, 0, nyLoc), shipping.Dispatch{Calendar: ny, CutOff: 14 * time.Hour, HandlingDays: 2}, nil, 1, 1, d(2026, 11, 30), d(2026, 12, 1), d(2026, 12, 1)},
		{"no cut-off: late evening counts for today", at(2026, 11, 23, 23, 30, nyLoc), shipping.Dispatch{Calendar: ny}, nil, 1, 1, d(2026, 11, 23), d(2026, 11, 24), d(2026, 11, 24)},
		{"now in UTC: 18:30Z is 13:30 in New York", at(2026, 11, 23, 18, 30, utc), nyWarehouse, nil, 1, 1, d(2026, 11, 23), d(2026, 11, 24), d(2026, 11, 24)},
		{"now in UTC: 19:00Z is the cut-off in New York", at(2026, 11, 23, 19, 0, utc), nyWarehouse, nil, 1, 1, d(2026, 11, 24), d(2026, 11, 25), d(2026, 11, 25)},
		{"max below min is min", at(2026, 11, 23, 10, 0, nyLoc), nyWarehouse, nil, 2, 1, d(2026, 11, 23), d(2026, 11, 25), d(2026, 11, 25)},
		// A warehouse in Sydney (AEDT, UTC+11 in November) shipping to New
		// York (EST, UTC-5): Sydney's 15:00 pickup is 23:00 the day
		// before in New York, where transit starts.
		{"Sydney to New York before cut-off", at(2026, 11, 25, 3, 0, utc), sydWarehouse, ny, 3, 3, d(2026, 11, 25), d(2026, 11, 30), d(2026, 11, 30)},
		{"Sydney to New York after cut-off", at(2026, 11, 25, 4, 30, utc), sydWarehouse, ny, 3, 4, d(2026, 11, 26), d(2026, 12, 1), d(2026, 12, 2)},
		{"Sydney monday morning is sunday in New York", at(2026, 11, 22, 22, 0, utc), sydWarehouse, ny, 0, 1, d(2026, 11, 23), d(2026, 11, 23), d(2026, 11, 23)},
		{"Sydney Christmas and Boxing Day observed", at(2026, 12, 24, 5, 0, utc), sydWarehouse, ny, 2, 2, d(2026, 12, 29), d(2026, 12, 30), d(2026, 12, 30)},
		{"Sydney before daylight saving: 04:30Z is 14:30 AEST", at(2026, 10, 2, 4, 30, utc), sydWarehouse, ny, 1, 1, d(2026, 10, 2), d(2026, 10, 5), d(2026, 10, 5)},
		{"Sydney after daylight saving: 04:30Z is 15:30 AEDT", at(2026, 10, 9, 4, 30, utc), sydWarehouse, ny, 1, 1, d(2026, 10, 12), d(2026, 10, 13), d(2026, 10, 13)},
		{"New York to Sydney lands a day later", at(2026, 11, 23, 10, 0, nyLoc), nyWarehouse, syd, 2, 2, d(2026, 11, 23), d(2026, 11, 26), d(2026, 11, 26)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shipping.EstimateDelivery(tt.now, tt.from, tt.to, tt.min, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			want := shipping.Window{Earliest: tt.earliest, Latest: tt.latest}
			if got.ShipDate != tt.ship || got.Delivery != want {
				t.Errorf("ship %s deliver %s, want ship %s deliver %s (pickup %s)", got.ShipDate, got.Delivery, tt.ship, want, got.PickupAt)
			}
		})
	}
}

func TestEstimateDeliveryBadInput(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	_, err := shipping.EstimateDelivery(now, shipping.Dispatch{CutOff: 25 * time.Hour, HandlingDays: -1, Pickup: 24 * time.Hour}, nil, -1, -2)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"dispatch.calendar", "dispatch.cut_off", "dispatch.handling_days", "dispatch.pickup", "transit_min", "transit_max"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s: %v", f, ve)
		}
	}
	if _, err := (shipping.Dispatch{}).ShipDate(now); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("ShipDate without calendar: %v", err)
	}
}

func TestDispatchPickup(t *testing.T) {
	ny := newYork(t)
	d := shipping.Dispatch{Calendar: ny, CutOff: 14 * time.Hour, Pickup: 16*time.Hour + 30*time.Minute}
	got := d.PickupAt(oms.NewDate(2026, 11, 23))
	if want := time.Date(2026, 11, 23, 16, 30, 0, 0, ny.Location()); !got.Equal(want) {
		t.Errorf("PickupAt = %s, want %s", got, want)
	}
	d = shipping.Dispatch{Calendar: ny, CutOff: 24 * time.Hour}
	if got := d.PickupAt(oms.NewDate(2026, 11, 23)); got.Hour() != 17 {
		t.Errorf("default pickup with a midnight cut-off = %s", got)
	}
}

func TestCalendar(t *testing.T) {
	ny := newYork(t)
	d := oms.NewDate
	if !ny.IsBusinessDay(d(2026, 11, 25)) || ny.IsBusinessDay(d(2026, 11, 26)) || ny.IsBusinessDay(d(2026, 11, 28)) {
		t.Error("IsBusinessDay")
	}
	if name, ok := ny.Holiday(d(2026, 11, 26)); !ok || name != "Thanksgiving" {
		t.Errorf("Holiday = %q, %v", name, ok)
	}
	if got := ny.AddBusinessDays(d(2026, 11, 20), 1); got != d(2026, 11, 23) {
		t.Errorf("Friday + 1 = %s", got)
	}
	if got := ny.AddBusinessDays(d(2026, 11, 21), 0); got != d(2026, 11, 23) {
		t.Errorf("Saturday + 0 = %s", got)
	}
	if got := ny.AddBusinessDays(d(2026, 11, 21), 1); got != d(2026, 11, 23) {
		t.Errorf("Saturday + 1 = %s", got)
	}
	if got := ny.DateAt(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)); got != d(2026, 11, 23) {
		t.Errorf("DateAt = %s", got)
	}
	gulf := shipping.MustCalendar("Asia/Dubai", &shipping.CalendarOptions{Weekend: []time.Weekday{time.Saturday, time.Sunday}})
	if gulf.IsBusinessDay(d(2026, 11, 22)) {
		t.Error("Dubai Sunday is weekend")
	}
	seven := shipping.MustCalendar("UTC", &shipping.CalendarOptions{SevenDays: true})
	if !seven.IsBusinessDay(d(2026, 11, 22)) {
		t.Error("seven-day calendar: Sunday is not a business day")
	}
	friSat := shipping.MustCalendar("Asia/Riyadh", &shipping.CalendarOptions{Weekend: []time.Weekday{time.Friday, time.Saturday}})
	if !friSat.IsBusinessDay(d(2026, 11, 22)) || friSat.IsBusinessDay(d(2026, 11, 20)) {
		t.Error("Friday-Saturday weekend")
	}

	_, err := shipping.NewCalendar("Mars/Olympus_Mons", &shipping.CalendarOptions{
		Weekend:  []time.Weekday{0, 1, 2, 3, 4, 5, 6, 9},
		Holidays: []shipping.Holiday{{Name: "no date"}},
	})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"time_zone", "weekend[7]", "weekend", "holidays[0].date"} {
		if !ve.Has(f) {
			t.Errorf("no problem for %s: %v", f, ve)
		}
	}
	if _, err := shipping.NewCalendar("", nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("empty zone: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustCalendar did not panic")
		}
	}()
	shipping.MustCalendar("Nowhere/Atlantis", nil)
}

func TestEstimateRates(t *testing.T) {
	ny := newYork(t)
	disp := shipping.Dispatch{Calendar: ny, CutOff: 14 * time.Hour}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, ny.Location())
	rates := []shipping.Rate{
		{Carrier: "a", ServiceCode: "ground", TransitDays: 3},
		{Carrier: "b", ServiceCode: "dated", TransitDays: 1, Delivery: on(29)},
	}
	got, err := shipping.EstimateRates(now, disp, nil, rates)
	if err != nil {
		t.Fatal(err)
	}
	want := []shipping.Window{{Earliest: day(27), Latest: day(27)}, on(29)}
	if diff := cmp.Diff(want, []shipping.Window{got[0].Delivery, got[1].Delivery}); diff != "" {
		t.Error(diff)
	}
	if !rates[0].Delivery.IsZero() {
		t.Error("EstimateRates changed its input")
	}
	if _, err := shipping.EstimateRates(now, shipping.Dispatch{}, nil, rates); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad dispatch: %v", err)
	}
	if _, err := shipping.EstimateRates(now, disp, nil, []shipping.Rate{{Carrier: "x", ServiceCode: "y", TransitDays: -1}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("negative transit: %v", err)
	}
}

func TestDate(t *testing.T) {
	d, err := oms.ParseDate("2026-02-28")
	if err != nil {
		t.Fatal(err)
	}
	if d.AddDays(1) != oms.NewDate(2026, 3, 1) || d.AddDays(-59) != oms.NewDate(2025, 12, 31) {
		t.Error("AddDays")
	}
	if oms.NewDate(2026, 4, 31) != oms.NewDate(2026, 5, 1) {
		t.Error("NewDate does not normalize")
	}
	if d.DaysUntil(oms.NewDate(2026, 3, 7)) != 7 || d.Weekday() != time.Saturday {
		t.Error("DaysUntil or Weekday")
	}
	for _, c := range []struct {
		a, b oms.Date
		want int
	}{
		{oms.NewDate(2025, 12, 31), d, -1}, {d, d, 0}, {oms.NewDate(2026, 3, 1), d, 1}, {oms.NewDate(2026, 2, 27), d, -1},
	} {
		if got := c.a.Compare(c.b); got != c.want {
			t.Errorf("%s.Compare(%s) = %d", c.a, c.b, got)
		}
	}
	if !d.Before(d.AddDays(1)) || !d.After(d.AddDays(-1)) {
		t.Error("Before or After")
	}
	if _, err := oms.ParseDate("28/02/2026"); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("ParseDate: %v", err)
	}
	type wire struct {
		D oms.Date        `json:"d"`
		Z oms.Date        `json:"z"`
		W shipping.Window `json:"w"`
	}
	in := wire{D: d, W: shipping.Window{Earliest: d, Latest: d.AddDays(2)}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"d":"2026-02-28","z":null,"w":{"earliest":"2026-02-28","latest":"2026-03-02"}}` {
		t.Errorf("JSON = %s", b)
	}
	var out wire
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip: %+v, %v", out, err)
	}
	for _, bad := range []string{`{"d":12}`, `{"d":"2026-13-01"}`} {
		if err := json.Unmarshal([]byte(bad), &out); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if in.W.String() != "2026-02-28..2026-03-02" || (shipping.Window{Earliest: d, Latest: d}).String() != "2026-02-28" || (oms.Date{}).String() != "" {
		t.Error("String")
	}
}

func TestZeroCalendarIsUTCEveryDay(t *testing.T) {
	var c shipping.Calendar
	sat := oms.NewDate(2026, 11, 28)
	if got := c.Location(); got != time.UTC {
		t.Errorf("Location = %v, want UTC", got)
	}
	if !c.IsBusinessDay(sat) {
		t.Errorf("zero calendar: Saturday %s is not a business day", sat)
	}
	if got, want := c.DateAt(time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC)), sat; got != want {
		t.Errorf("DateAt = %s, want %s", got, want)
	}
	if got, want := c.AddBusinessDays(sat, 2), oms.NewDate(2026, 11, 30); got != want {
		t.Errorf("AddBusinessDays = %s, want %s", got, want)
	}
}
