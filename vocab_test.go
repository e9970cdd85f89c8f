package oms_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
)

func TestValidateSKU(t *testing.T) {
	for _, tc := range []struct {
		sku  oms.SKU
		want string
	}{
		{"TEE-RED-M", ""},
		{"", "must not be empty"},
		{"a b", "printable ASCII"},
		{"caf\u00e9", "printable ASCII"},
		{oms.SKU(strings.Repeat("x", 128)), ""},
		{oms.SKU(strings.Repeat("x", 129)), "longer than 128"},
	} {
		err := oms.ValidateSKU(tc.sku)
		if tc.want == "" {
			if err != nil {
				t.Errorf("ValidateSKU(%q) = %v, want nil", tc.sku, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateSKU(%q) = %v, want %q", tc.sku, err, tc.want)
		}
	}
}

func TestServiceLevelRank(t *testing.T) {
	var got []int
	for _, l := range oms.ServiceLevels() {
		if !l.Valid() {
			t.Errorf("%q not valid", l)
		}
		got = append(got, l.Rank())
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4}, got); diff != "" {
		t.Errorf("ranks (-want +got):\n%s", diff)
	}
	if oms.ServiceLevel("teleport").Valid() {
		t.Error("unknown level valid")
	}
}

// TestDatePassedEndOfDayInZone pins the rule for "late": a promise for a day
// holds until midnight at the end of that day in the given zone.
func TestDatePassedEndOfDayInZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata")
	}
	d := oms.NewDate(2026, time.November, 24)
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 24, 0, 0, 0, 0, ny), false},
		{time.Date(2026, 11, 24, 23, 59, 59, 0, ny), false},
		{time.Date(2026, 11, 25, 0, 0, 0, 0, ny), true},
		// 03:00 UTC on the 25th is still the 24th in New York.
		{time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC), true},
	} {
		if got := d.Passed(tc.at, ny); got != tc.want {
			t.Errorf("Passed(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if (oms.Date{}).Passed(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), nil) {
		t.Error("zero date passed")
	}
	if got := oms.DateIn(time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), ny); got != d {
		t.Errorf("DateIn = %v, want %v", got, d)
	}
	if got, want := d.End(nil), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("End(nil) = %v, want %v", got, want)
	}
}

func TestDateJSON(t *testing.T) {
	type box struct {
		D oms.Date `json:"d"`
	}
	b, err := json.Marshal(box{oms.NewDate(9999, time.December, 31)})
	if err != nil || string(b) != `{"d":"9999-12-31"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var got box
	if err := json.Unmarshal(b, &got); err != nil || got.D != oms.NewDate(9999, 12, 31) {
		t.Fatalf("unmarshal = %v, %v", got, err)
	}
	if err := json.Unmarshal([]byte(`{"d":"2026-13-01"}`), &got); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad month: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"d":null}`), &got); err != nil || !got.D.IsZero() {
		t.Errorf("null: %v %v", got, err)
	}
	if d, err := oms.ParseDate("2026-02-29"); err == nil {
		t.Errorf("ParseDate(2026-02-29) = %v, want error", d)
	}
	if n := oms.NewDate(2026, 1, 1).DaysUntil(oms.NewDate(2027, 1, 1)); n != 365 {
		t.Errorf("DaysUntil = %d", n)
	}
}
