package oms

import (
	"sort"
	"strings"
)

// Currency is an ISO 4217 alphabetic currency code such as "USD". The
// package knows every active code and its minor units.
type Currency string

// Common currencies, for convenience. Any active ISO 4217 code is valid.
const (
	USD Currency = "USD"
	EUR Currency = "EUR"
	GBP Currency = "GBP"
	JPY Currency = "JPY"
	CAD Currency = "CAD"
	AUD Currency = "AUD"
	CHF Currency = "CHF"
	KWD Currency = "KWD"
)

// Valid reports whether c is an active ISO 4217 code (upper case).
func (c Currency) Valid() bool {
	_, ok := currencies[c]
	return ok
}

// MinorUnits returns the number of decimal places of c's minor unit (2 for
// USD, 0 for JPY, 3 for KWD), or -1 when c is not a known code.
func (c Currency) MinorUnits() int {
	info, ok := currencies[c]
	if !ok {
		return -1
	}
	return info.minor
}

// Name returns the English name of c, or "" when c is not a known code.
func (c Currency) Name() string { return currencies[c].name }

// Numeric returns the ISO 4217 numeric code of c, or 0 when unknown.
func (c Currency) Numeric() int { return currencies[c].numeric }

// String returns the code.
func (c Currency) String() string { return string(c) }

// ParseCurrency trims s, upper-cases its ASCII letters and checks it
// against the ISO 4217 table. The error matches ErrValidation.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(upperASCII(strings.TrimSpace(s)))
	if !c.Valid() {
		return "", Validationf("currency", "currency", "%q is not an active ISO 4217 code", s)
	}
	return c, nil
}

// Currencies returns every known currency code, sorted.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencies))
	for c := range currencies {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
