package oms_test

import (
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/omskit/oms"
)

// TestNormalizeComposesTheCountryAfterUpperCasingIt: Normalize composed the
// country (NFC) before upper-casing its ASCII letters, and upper-casing can
// make a letter and the combining mark after it composable ("i" and a
// combining dot above stay apart; "I" and the dot compose to "İ"). So the
// country it returned was not in form C, as the doc promises, and a second
// Normalize changed it again.
func TestNormalizeComposesTheCountryAfterUpperCasingIt(t *testing.T) {
	for _, country := range []string{"i\u0307", "de\u0307", " a\u030a "} {
		a := oms.Address{Country: country}.Normalize()
		if !norm.NFC.IsNormalString(a.Country) {
			t.Errorf("Normalize(country %+q) = %+q, not in normalization form C", country, a.Country)
		}
		if again := a.Normalize(); again != a {
			t.Errorf("Normalize(country %+q) = %+q, then %+q: not idempotent", country, a.Country, again.Country)
		}
	}
}
