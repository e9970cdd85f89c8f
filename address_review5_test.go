package oms_test

import (
	"strings"
	"testing"

	"github.com/omskit/oms"
)

// TestAddressNormalizeComposesUnicode: Normalize, which Validate's doc
// says to call on loose input, left text in decomposed form (é as e and a
// combining acute, as macOS and some keyboards send it), so the same
// address typed two ways normalized to two different addresses, and a
// name of 60 such letters counted 120 characters and was refused as
// longer than 100. Now Normalize composes text (Unicode NFC): both
// spellings normalize alike and are accepted alike.
func TestAddressNormalizeComposesUnicode(t *testing.T) {
	composed := oms.Address{Name: strings.Repeat("é", 60), Line1: "1 Rue de l'Église", City: "Montréal", Region: "qc", PostalCode: "h2x 1y4", Country: "CA"}
	decomposed := oms.Address{Name: strings.Repeat("e\u0301", 60), Line1: "1 Rue de l'E\u0301glise", City: "Montre\u0301al", Region: "qc", PostalCode: "h2x 1y4", Country: "CA"}
	n1, n2 := composed.Normalize(), decomposed.Normalize()
	if n1 != n2 {
		t.Errorf("the two spellings normalize differently:\n%+v\n%+v", n1, n2)
	}
	if err := n1.Validate(); err != nil {
		t.Errorf("composed: %v", err)
	}
	if err := n2.Validate(); err != nil {
		t.Errorf("decomposed: %v", err)
	}
	if n2.Region != "QC" || n2.Normalize() != n2 {
		t.Errorf("Normalize not idempotent or region not upper case: %+v", n2)
	}
}
