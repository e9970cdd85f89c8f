package oms

import "testing"

// tableKeyIsUpper reports whether s is exactly n upper-case ASCII letters.
func tableKeyIsUpper(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// TestCountryTable checks the size and key shape of the country table and
// that a few well-known codes are present.
func TestCountryTable(t *testing.T) {
	if got := len(countries); got != 249 {
		t.Errorf("len(countries) = %d, want 249", got)
	}
	for code, name := range countries {
		if !tableKeyIsUpper(code, 2) {
			t.Errorf("country code %q is not two upper-case ASCII letters", code)
		}
		if name == "" {
			t.Errorf("country %q has an empty name", code)
		}
	}
	for _, code := range []string{"US", "GB", "DE", "JP", "SS", "CW"} {
		if _, ok := countries[code]; !ok {
			t.Errorf("country %q missing", code)
		}
	}
	if _, ok := countries["XK"]; ok {
		t.Error("user-assigned code XK must not be in countries")
	}
}

// TestCurrencyTable checks key shape, minor units and numeric codes of the
// currency table.
func TestCurrencyTable(t *testing.T) {
	seen := make(map[int]Currency, len(currencies))
	for code, info := range currencies {
		if !tableKeyIsUpper(string(code), 3) {
			t.Errorf("currency code %q is not three upper-case ASCII letters", code)
		}
		if info.name == "" {
			t.Errorf("currency %q has an empty name", code)
		}
		if info.minor < 0 || info.minor > 4 {
			t.Errorf("currency %q: minor = %d, want 0..4", code, info.minor)
		}
		if info.numeric < 1 || info.numeric > 999 {
			t.Errorf("currency %q: numeric = %d, want 1..999", code, info.numeric)
		}
		if other, dup := seen[info.numeric]; dup {
			t.Errorf("numeric code %d used by both %q and %q", info.numeric, other, code)
		}
		seen[info.numeric] = code
	}
}

// TestCurrencySpotChecks checks minor units of a few currencies and that
// withdrawn or non-currency codes are absent.
func TestCurrencySpotChecks(t *testing.T) {
	want := map[Currency]int{
		"JPY": 0, "USD": 2, "KWD": 3, "CLF": 4, "EUR": 2,
		"XCG": 2, "ZWG": 2, "UYW": 4, "XOF": 0,
	}
	for code, minor := range want {
		info, ok := currencies[code]
		if !ok {
			t.Errorf("currency %q missing", code)
			continue
		}
		if info.minor != minor {
			t.Errorf("currency %q: minor = %d, want %d", code, info.minor, minor)
		}
	}
	for _, code := range []Currency{"ANG", "BGN", "HRK", "SLL", "ZWL", "XAU", "XXX", "XDR"} {
		if _, ok := currencies[code]; ok {
			t.Errorf("currency %q should not be in the table", code)
		}
	}
}
