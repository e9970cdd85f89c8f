package oms_test

// Hostile-input review (rev2) of package oms through its public API: every
// test here failed before the fix named in its comment.

import (
	"errors"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// TestDateAddDaysOfAHugeCountNeverGoesBackwards: AddDays added n to the
// day of the month inside time.AddDate, which wraps an int: 9999-12-31
// plus math.MaxInt days was 9999-12-30, a day before it, and plus
// math.MinInt days the same day. A count beyond ±2^30 days (2.9
// million years, past every valid date) now counts as ±2^30, so adding
// more days never gives an earlier day.
func TestDateAddDaysOfAHugeCountNeverGoesBackwards(t *testing.T) {
	for _, d := range []oms.Date{oms.NewDate(0, 1, 1), oms.NewDate(2026, 3, 1), oms.NewDate(9999, 12, 31)} {
		prev := d.AddDays(math.MinInt)
		if !prev.Before(d) {
			t.Errorf("%v.AddDays(math.MinInt) = %v, not before it", d, prev)
		}
		for _, n := range []int{math.MinInt + 1, -1 << 30, -3652424, -1, 0, 1, 3652424, 1 << 30, math.MaxInt - 1, math.MaxInt} {
			got := d.AddDays(n)
			if got.Before(prev) {
				t.Errorf("%v.AddDays(%d) = %v, before the result %v of a smaller count", d, n, got, prev)
			}
			if n > 0 && !got.After(d) || n < 0 && !got.Before(d) || n == 0 && got != d {
				t.Errorf("%v.AddDays(%d) = %v, on the wrong side of it", d, n, got)
			}
			prev = got
		}
	}
	if got := oms.NewDate(2026, 3, 1).AddDays(30); got != oms.NewDate(2026, 3, 31) {
		t.Errorf("2026-03-01 + 30 days = %v", got)
	}
}

// TestMoneyAllocateRefusesDecimalsTooLongToCompute: Allocate scales the
// weights (and the amount) to integers, computing 10 to the power of
// their exponents: a weight of decimal.New(1, -1e9) or 1e9, or an amount
// that a rate of 1e9 multiplied in, made it compute a number of a billion
// digits (a weight of 1e-10000000 alone took five seconds). Weights and
// amounts beyond the bounds NewMoney puts on an amount (exponent within
// ±MaxAmountExponent, coefficient within MaxAmountBits bits) are refused
// now with an error matching ErrValidation.
func TestMoneyAllocateRefusesDecimalsTooLongToCompute(t *testing.T) {
	usd := oms.MustParseMoney("10.00 USD")
	one := decimal.New(1, 0)
	huge := new(big.Int).Lsh(big.NewInt(1), oms.MaxAmountBits+1)
	for name, c := range map[string]struct {
		m oms.Money
		w []decimal.Decimal
	}{
		"tiny weight":        {usd, []decimal.Decimal{one, decimal.New(1, -1_000_000_000)}},
		"huge weight":        {usd, []decimal.Decimal{decimal.New(1, 1_000_000_000), one}},
		"long weight":        {usd, []decimal.Decimal{decimal.NewFromBigInt(huge, 0), one}},
		"huge amount":        {usd.MulRate(decimal.New(1, 1_000_000_000)), []decimal.Decimal{one, one}},
		"amount tiny weight": {usd.MulRate(decimal.New(1, -1_000_000_000)), []decimal.Decimal{one, decimal.New(1, -1_000_000_000)}},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := c.m.Allocate(c.w)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s: Allocate: err = %v, want ErrValidation", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Allocate still computing after 10s", name)
		}
	}
	// Weights at the bounds still work.
	parts, err := usd.Allocate([]decimal.Decimal{decimal.New(1, -oms.MaxAmountExponent), decimal.New(1, -oms.MaxAmountExponent)})
	if err != nil || len(parts) != 2 || !parts[0].Equal(oms.MustParseMoney("5.00 USD")) {
		t.Errorf("Allocate with weights of 1e-40: %v %v", parts, err)
	}
}

// TestAddressRequiredFieldOfInvisibleCharactersIsRequired: a required
// address field was taken as given when it held only zero-width or other
// invisible format characters (U+200B, U+FEFF, U+2060, U+200E): their
// strings.TrimSpace is not empty, so an address whose line1, city or
// name was "\u200b" passed Validate and went onto a label blank. Such a
// field counts as empty now; visible text that merely contains them
// (a ZWJ emoji, a ZWNJ in Persian) is still accepted.
func TestAddressRequiredFieldOfInvisibleCharactersIsRequired(t *testing.T) {
	good := oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, blank := range []string{"\u200b", "\u200b \u200b", "\ufeff", "\u2060", " \u200e\u200f "} {
		for field, set := range map[string]func(a *oms.Address){
			"name":   func(a *oms.Address) { a.Name = blank },
			"line1":  func(a *oms.Address) { a.Line1 = blank },
			"city":   func(a *oms.Address) { a.City = blank },
			"region": func(a *oms.Address) { a.Region = blank },
		} {
			a := good
			set(&a)
			for _, in := range []oms.Address{a, a.Normalize()} {
				var ve *oms.ValidationError
				if err := in.Validate(); !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != field {
					t.Errorf("%s %+q: Validate = %v, want one problem with %s", field, blank, err, field)
				}
			}
		}
	}
	a := good
	a.Name, a.Line2 = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\U0001F469\u200d\U0001F4BB lab"
	if err := a.Validate(); err != nil {
		t.Errorf("visible text with joiners: %v", err)
	}
}
