package oms_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
)

// Black-box review of package oms: defects found through the public API.

func TestDateInNilLocationIsUTCNotPanic(t *testing.T) {
	d := oms.NewDate(2026, 3, 1)
	var got time.Time
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("Date.In(nil) panicked: %v", v)
			}
		}()
		got = d.In(nil)
	}()
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Date.In(nil) = %v, want %v (nil means UTC, as End and DateIn say)", got, want)
	}
}

func TestDateDaysUntilAcrossCenturiesDoesNotSaturate(t *testing.T) {
	for _, c := range []struct {
		from, to oms.Date
		want     int
	}{
		{oms.NewDate(0, 1, 1), oms.NewDate(9999, 12, 31), 3652424},
		{oms.NewDate(9999, 12, 31), oms.NewDate(0, 1, 1), -3652424},
		{oms.NewDate(1700, 1, 1), oms.NewDate(2026, 1, 1), 119069},
		{oms.NewDate(2026, 3, 28), oms.NewDate(2026, 3, 30), 2},
		{oms.NewDate(2026, 1, 1), oms.NewDate(2026, 1, 1), 0},
	} {
		if got := c.from.DaysUntil(c.to); got != c.want {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", c.from, c.to, got, c.want)
		}
		if back := c.from.AddDays(c.want); back != c.to {
			t.Errorf("%s.AddDays(%d) = %s, want %s", c.from, c.want, back, c.to)
		}
	}
}

func TestDateJSONRefusesWhatItCannotReadBack(t *testing.T) {
	for _, d := range []oms.Date{
		oms.NewDate(10000, 1, 1),
		oms.NewDate(-1, 6, 1),
		{Year: 2024, Month: 2, Day: 30}, // not normalized
		{Year: 2024, Month: 13, Day: 1},
	} {
		b, err := json.Marshal(d)
		if err == nil {
			var back oms.Date
			if uerr := json.Unmarshal(b, &back); uerr != nil || back != d {
				t.Errorf("Marshal(%#v) = %s, which reads back as %v (%v)", d, b, back, uerr)
			}
			continue
		}
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Marshal(%#v): error %v does not match oms.ErrValidation", d, err)
		}
	}
	for _, d := range []oms.Date{oms.NewDate(0, 1, 1), oms.NewDate(9999, 12, 31), oms.NewDate(2024, 2, 29), {}} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", d, err)
		}
		var back oms.Date
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("round trip of %v: %s -> %v, %v", d, b, back, err)
		}
	}
}

func TestDateZeroAddDaysStaysUnknown(t *testing.T) {
	var z oms.Date
	for _, n := range []int{-1, 0, 1, 365} {
		if got := z.AddDays(n); !got.IsZero() {
			t.Errorf("zero Date.AddDays(%d) = %#v (%q), want the zero Date (unknown)", n, got, got)
		}
	}
}

func TestDateValid(t *testing.T) {
	for d, want := range map[oms.Date]bool{
		{}:                              false,
		oms.NewDate(0, 1, 1):            true,
		oms.NewDate(9999, 12, 31):       true,
		oms.NewDate(10000, 1, 1):        false,
		oms.NewDate(-1, 12, 31):         false,
		{Year: 2024, Month: 2, Day: 29}: true,
		{Year: 2023, Month: 2, Day: 29}: false,
		{Year: 2024, Month: 0, Day: 1}:  false,
		{Year: 2024, Month: 1, Day: 0}:  false,
	} {
		if got := d.Valid(); got != want {
			t.Errorf("%#v.Valid() = %v, want %v", d, got, want)
		}
	}
}
