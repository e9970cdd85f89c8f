package oms_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// TestMoneyOfAHugeExponentIsWrittenAtOnce: an amount reached by
// multiplying in a hostile rate (MulRate with 1e±1,000,000,000) was
// written out digit by digit: String, StringAmount and MarshalJSON built
// a string of a billion digits (computing 10^1e9 first), and MinorUnits
// shifted the amount to an integer of a billion digits, or put the whole
// amount into its error message, so each ran for minutes or ran out of
// memory (a zero amount of such an exponent too). Now they answer at
// once: a short string, and errors matching ErrValidation for amounts
// JSON and int64 cannot carry.
func TestMoneyOfAHugeExponentIsWrittenAtOnce(t *testing.T) {
	base := oms.MustParseMoney("10.00 USD")
	for _, tc := range []struct {
		name string
		m    oms.Money
	}{
		{"huge", base.MulRate(decimal.New(1, 1_000_000_000))},
		{"tiny", base.MulRate(decimal.New(1, -1_000_000_000))},
		{"negative huge", base.Neg().MulRate(decimal.New(3, 1_000_000_000))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := tc.m.String(); len(s) > 200 || !strings.HasSuffix(s, " USD") {
				t.Errorf("String() is %d characters: %.40q", len(s), s)
			}
			if s := tc.m.StringAmount(); len(s) > 200 {
				t.Errorf("StringAmount() is %d characters", len(s))
			}
			if _, err := tc.m.MinorUnits(); !errors.Is(err, oms.ErrValidation) || len(err.Error()) > 500 {
				t.Errorf("MinorUnits() error matches ErrValidation %v, %d characters", errors.Is(err, oms.ErrValidation), len(errString(err)))
			}
			if b, err := json.Marshal(tc.m); !errors.Is(err, oms.ErrValidation) || len(err.Error()) > 500 {
				t.Errorf("json.Marshal = %.40q, error matches ErrValidation %v, %d characters", b, errors.Is(err, oms.ErrValidation), len(errString(err)))
			}
		})
	}
	zero := oms.MustParseMoney("0.00 USD").MulRate(decimal.New(1, 1_000_000_000))
	if s := zero.String(); s != "0.00 USD" {
		t.Errorf("zero String() = %.40q, want 0.00 USD", s)
	}
	if n, err := zero.MinorUnits(); n != 0 || err != nil {
		t.Errorf("zero MinorUnits() = %d, %v, want 0", n, err)
	}
	if b, err := json.Marshal(zero); err != nil || string(b) != `{"amount":"0.00","currency":"USD"}` {
		t.Errorf("zero json.Marshal = %.60q, %v", b, err)
	}
	if s := (oms.Money{}).MulRate(decimal.New(1, 1_000_000_000)).String(); s != "0" {
		t.Errorf("zero Money times a huge rate String() = %.40q, want 0", s)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestMoneyComparisonsOfHugeExponentsAnswerAtOnce: Cmp, Equal, Min and
// Max brought both amounts to one exponent before comparing, so comparing
// an amount a hostile rate was multiplied into (10 USD × 1e±1,000,000,000)
// with an ordinary one computed 10^1e9 and never returned (go-cmp calls
// Equal, so a test diffing such a Money hung too). Now amounts whose
// orders of magnitude are apart compare by them at once.
func TestMoneyComparisonsOfHugeExponentsAnswerAtOnce(t *testing.T) {
	ten := oms.MustParseMoney("10.00 USD")
	huge := ten.MulRate(decimal.New(1, 1_000_000_000))
	tiny := ten.MulRate(decimal.New(1, -1_000_000_000))
	zero := oms.MustParseMoney("0.00 USD")
	for _, tc := range []struct {
		name string
		a, b oms.Money
		want int
	}{
		{"huge vs ten", huge, ten, 1},
		{"ten vs huge", ten, huge, -1},
		{"-huge vs ten", huge.Neg(), ten, -1},
		{"-huge vs -ten", huge.Neg(), ten.Neg(), -1},
		{"tiny vs ten", tiny, ten, -1},
		{"tiny vs zero", tiny, zero, 1},
		{"-tiny vs zero", tiny.Neg(), zero, -1},
		{"-tiny vs -ten", tiny.Neg(), ten.Neg(), 1},
		{"huge vs tiny", huge, tiny, 1},
		{"huge vs huge", huge, huge, 0},
	} {
		got, err := tc.a.Cmp(tc.b)
		if err != nil || got != tc.want {
			t.Errorf("%s: Cmp = %d, %v; want %d", tc.name, got, err, tc.want)
		}
		if eq := tc.a.Equal(tc.b); eq != (tc.want == 0) {
			t.Errorf("%s: Equal = %v", tc.name, eq)
		}
	}
	if m, err := huge.Min(ten); err != nil || !m.Equal(ten) {
		t.Errorf("Min(huge, ten) = %v, %v", m, err)
	}
	if m, err := ten.Max(huge); err != nil || !m.Equal(huge) {
		t.Errorf("Max(ten, huge) = %v, %v", m, err)
	}
}
