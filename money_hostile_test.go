package oms_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// TestMoneyHugeExponentsNeverHang: amounts of extreme scale are refused by
// NewMoney, and Round and IsRounded answer at once whatever exponent an
// amount reached (they used to compute 10^1e9; found by black-box review).
func TestMoneyHugeExponentsNeverHang(t *testing.T) {
	for _, d := range []decimal.Decimal{decimal.New(1, -1_000_000_000), decimal.New(1, 1_000_000_000), decimal.New(7, -41), decimal.New(7, 41)} {
		if _, err := oms.NewMoney(d, oms.USD); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("NewMoney(1e%d) = %v, want ErrValidation", d.Exponent(), err)
		}
	}
	ok := []decimal.Decimal{decimal.New(123, -40), decimal.New(9, 40), decimal.RequireFromString("12.345")}
	for _, d := range ok {
		if _, err := oms.NewMoney(d, oms.USD); err != nil {
			t.Errorf("NewMoney(%s) = %v", d, err)
		}
	}
	// Amounts reached by arithmetic (a hostile rate multiplied in).
	base := oms.MustParseMoney("10.00 USD")
	tiny := base.MulRate(decimal.New(1, -1_000_000_000))
	if got := tiny.Round(); !got.IsZero() || got.Currency() != oms.USD {
		t.Errorf("Round(tiny) = %v, want 0.00 USD", got)
	}
	if tiny.IsRounded() {
		t.Error("tiny amount reported rounded")
	}
	huge := base.MulRate(decimal.New(1, 1_000_000_000))
	if !huge.IsRounded() {
		t.Error("huge whole amount reported not rounded")
	}
	if got := huge.Round(); !got.Equal(huge) {
		t.Error("Round changed a whole amount")
	}
	for _, tc := range []struct {
		in   string
		want string
		rnd  bool
	}{
		{"2.345 USD", "2.35 USD", false},
		{"-2.345 USD", "-2.35 USD", false},
		{"0.004 USD", "0.00 USD", false},
		{"0.005 USD", "0.01 USD", false},
		{"2.30 USD", "2.30 USD", true},
		{"2.300000 USD", "2.30 USD", true},
		{"5 JPY", "5 JPY", true},
		{"0.5 JPY", "1 JPY", false},
		{"1.2345 KWD", "1.235 KWD", false},
	} {
		m := oms.MustParseMoney(tc.in)
		if got := m.Round().String(); got != tc.want {
			t.Errorf("Round(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if got := m.IsRounded(); got != tc.rnd {
			t.Errorf("IsRounded(%s) = %v, want %v", tc.in, got, tc.rnd)
		}
	}
}
