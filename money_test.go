package oms

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// moneyCmp compares Money by currency and exact amount (1.5 equals 1.50).
var moneyCmp = cmp.Comparer(func(a, b Money) bool { return a.Equal(b) })

// mp parses a Money constant of a test table; "" is the zero Money.
func mp(s string) Money {
	if s == "" {
		return Money{}
	}
	return MustParseMoney(s)
}

// dec parses a decimal constant of a test table.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// errKind names the sentinel an error matches, for table comparisons.
func errKind(err error) string {
	for _, k := range []struct {
		name string
		err  error
	}{
		{"currency mismatch", ErrCurrencyMismatch},
		{"validation", ErrValidation},
		{"not found", ErrNotFound},
		{"conflict", ErrConflict},
		{"invalid transition", ErrInvalidTransition},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// problemFields returns the field paths of a *ValidationError, or nil.
func problemFields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Field)
	}
	return out
}

func TestMoneyTwoOperandOperations(t *testing.T) {
	const mismatch = "currency mismatch"
	tests := []struct {
		a, b               string
		add, sub, min, max string
		cmp                int
		addErr, otherErr   string
	}{
		{a: "1.50 USD", b: "2.25 USD", add: "3.75 USD", sub: "-0.75 USD", min: "1.50 USD", max: "2.25 USD", cmp: -1},
		{a: "2.25 USD", b: "1.50 USD", add: "3.75 USD", sub: "0.75 USD", min: "1.50 USD", max: "2.25 USD", cmp: 1},
		{a: "1.5 USD", b: "1.50 USD", add: "3.00 USD", sub: "0 USD", min: "1.5 USD", max: "1.5 USD", cmp: 0},
		{a: "-3 EUR", b: "2 EUR", add: "-1 EUR", sub: "-5 EUR", min: "-3 EUR", max: "2 EUR", cmp: -1},
		{a: "1000 JPY", b: "1 JPY", add: "1001 JPY", sub: "999 JPY", min: "1 JPY", max: "1000 JPY", cmp: 1},
		{a: "0.001 KWD", b: "0.0005 KWD", add: "0.0015 KWD", sub: "0.0005 KWD", min: "0.0005 KWD", max: "0.001 KWD", cmp: 1},
		{a: "1.00 USD", b: "1.00 EUR", addErr: mismatch, otherErr: mismatch},
		{a: "0 USD", b: "0 JPY", addErr: mismatch, otherErr: mismatch},
		// The zero Money is "nothing yet" in Add only.
		{a: "", b: "2.00 USD", add: "2.00 USD", otherErr: mismatch},
		{a: "2.00 USD", b: "", add: "2.00 USD", otherErr: mismatch},
		{a: "", b: "", add: "", otherErr: mismatch},
	}
	for _, tc := range tests {
		t.Run(tc.a+"_"+tc.b, func(t *testing.T) {
			a, b := mp(tc.a), mp(tc.b)
			check := func(op string, got Money, err error, want, wantErr string) {
				t.Helper()
				if diff := cmp.Diff(wantErr, errKind(err)); diff != "" {
					t.Errorf("%s error kind (-want +got):\n%s", op, diff)
				}
				if wantErr != "" {
					if got.Valid() || !got.IsZero() {
						t.Errorf("%s: got %v with an error, want the zero Money", op, got)
					}
					return
				}
				if diff := cmp.Diff(mp(want), got, moneyCmp); diff != "" {
					t.Errorf("%s (-want +got):\n%s", op, diff)
				}
			}
			got, err := a.Add(b)
			check("Add", got, err, tc.add, tc.addErr)
			got, err = a.Sub(b)
			check("Sub", got, err, tc.sub, tc.otherErr)
			got, err = a.Min(b)
			check("Min", got, err, tc.min, tc.otherErr)
			got, err = a.Max(b)
			check("Max", got, err, tc.max, tc.otherErr)
			c, err := a.Cmp(b)
			if diff := cmp.Diff(tc.otherErr, errKind(err)); diff != "" {
				t.Errorf("Cmp error kind (-want +got):\n%s", diff)
			}
			if c != tc.cmp {
				t.Errorf("Cmp = %d, want %d", c, tc.cmp)
			}
		})
	}
}

func TestMoneyMismatchMessage(t *testing.T) {
	_, err := mp("1 USD").Sub(mp("1 EUR"))
	if got, want := err.Error(), "oms: currency mismatch: subtract USD and EUR"; got != want {
		t.Errorf("Sub error = %q, want %q", got, want)
	}
	_, err = mp("1 USD").Cmp(Money{})
	if got, want := err.Error(), "oms: currency mismatch: compare USD and an amount with no currency"; got != want {
		t.Errorf("Cmp error = %q, want %q", got, want)
	}
}

func TestSum(t *testing.T) {
	tests := []struct {
		name    string
		cur     Currency
		amounts []string
		want    string
		wantErr string
	}{
		{name: "none", cur: USD, want: "0 USD"},
		{name: "several", cur: USD, amounts: []string{"1.10 USD", "2.20 USD", "-0.30 USD"}, want: "3.00 USD"},
		{name: "zero Money skipped", cur: EUR, amounts: []string{"", "5 EUR", ""}, want: "5 EUR"},
		{name: "other currency", cur: USD, amounts: []string{"1 USD", "1 EUR"}, wantErr: "currency mismatch"},
		{name: "zero of other currency", cur: USD, amounts: []string{"0 JPY"}, wantErr: "currency mismatch"},
		{name: "unknown currency", cur: "XYZ", wantErr: "validation"},
		{name: "no currency", cur: "", amounts: []string{"1 USD"}, wantErr: "validation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in []Money
			for _, s := range tc.amounts {
				in = append(in, mp(s))
			}
			got, err := Sum(tc.cur, in...)
			if diff := cmp.Diff(tc.wantErr, errKind(err)); diff != "" {
				t.Fatalf("error kind (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(mp(tc.want), got, moneyCmp); diff != "" {
				t.Errorf("Sum (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMoneyRound(t *testing.T) {
	tests := []struct{ in, want, str string }{
		// 0 decimals.
		{"2.5 JPY", "3 JPY", "3 JPY"},
		{"-2.5 JPY", "-3 JPY", "-3 JPY"},
		{"2.4999 JPY", "2 JPY", "2 JPY"},
		{"-2.4999 JPY", "-2 JPY", "-2 JPY"},
		{"1234.5 JPY", "1235 JPY", "1235 JPY"},
		{"7 JPY", "7 JPY", "7 JPY"},
		// 2 decimals.
		{"2.345 USD", "2.35 USD", "2.35 USD"},
		{"-2.345 USD", "-2.35 USD", "-2.35 USD"},
		{"2.344999 USD", "2.34 USD", "2.34 USD"},
		{"-2.344999 USD", "-2.34 USD", "-2.34 USD"},
		{"0.005 USD", "0.01 USD", "0.01 USD"},
		{"-0.005 USD", "-0.01 USD", "-0.01 USD"},
		{"0.0049 USD", "0 USD", "0.00 USD"},
		{"1.2 USD", "1.20 USD", "1.20 USD"},
		{"99.995 EUR", "100 EUR", "100.00 EUR"},
		// 3 decimals.
		{"1.2345 KWD", "1.235 KWD", "1.235 KWD"},
		{"-1.2345 KWD", "-1.235 KWD", "-1.235 KWD"},
		{"1.23449 KWD", "1.234 KWD", "1.234 KWD"},
		{"0.0005 BHD", "0.001 BHD", "0.001 BHD"},
		{"5 KWD", "5 KWD", "5.000 KWD"},
		// 4 decimals.
		{"1.23455 CLF", "1.2346 CLF", "1.2346 CLF"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			in := mp(tc.in)
			got := in.Round()
			if diff := cmp.Diff(mp(tc.want), got, moneyCmp); diff != "" {
				t.Errorf("Round (-want +got):\n%s", diff)
			}
			if got.String() != tc.str {
				t.Errorf("Round().String() = %q, want %q", got.String(), tc.str)
			}
			if !got.IsRounded() {
				t.Errorf("Round() = %v is not rounded", got)
			}
			if again := got.Round(); !again.Equal(got) {
				t.Errorf("Round is not idempotent: %v then %v", got, again)
			}
		})
	}
	if got := (Money{}).Round(); got.Valid() || !got.IsZero() {
		t.Errorf("zero Money Round = %v", got)
	}
}

func TestMoneyUnaryOperations(t *testing.T) {
	m := mp("-12.345 USD")
	tests := []struct {
		name string
		got  Money
		want string
	}{
		{"Mul 3", mp("1.25 USD").Mul(3), "3.75 USD"},
		{"Mul -2", mp("1.25 USD").Mul(-2), "-2.50 USD"},
		{"Mul 0", mp("1.25 USD").Mul(0), "0 USD"},
		{"MulRate tax", mp("19.99 USD").MulRate(dec("0.0825")), "1.649175 USD"},
		{"MulRate tax rounded", mp("19.99 USD").MulRate(dec("0.0825")).Round(), "1.65 USD"},
		{"MulRate JPY", mp("1000 JPY").MulRate(dec("0.1")), "100 JPY"},
		{"Neg", m.Neg(), "12.345 USD"},
		{"Neg Neg", m.Neg().Neg(), "-12.345 USD"},
		{"Abs negative", m.Abs(), "12.345 USD"},
		{"Abs positive", mp("3 EUR").Abs(), "3 EUR"},
		{"Mul zero Money", Money{}.Mul(5), ""},
		{"Neg zero Money", Money{}.Neg(), ""},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(mp(tc.want), tc.got, moneyCmp); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestMoneyPredicatesAndAccessors(t *testing.T) {
	type facts struct {
		Valid, IsZero, IsNegative, IsPositive, IsRounded bool
		Sign                                             int
		Currency                                         Currency
		Amount, StringAmount, String                     string
	}
	get := func(m Money) facts {
		return facts{m.Valid(), m.IsZero(), m.IsNegative(), m.IsPositive(), m.IsRounded(), m.Sign(), m.Currency(), m.Amount().String(), m.StringAmount(), m.String()}
	}
	tests := []struct {
		in   Money
		want facts
	}{
		{mp("12.3 USD"), facts{true, false, false, true, true, 1, USD, "12.3", "12.30", "12.30 USD"}},
		{mp("-0.5 KWD"), facts{true, false, true, false, true, -1, KWD, "-0.5", "-0.500", "-0.500 KWD"}},
		{mp("1.005 USD"), facts{true, false, false, true, false, 1, USD, "1.005", "1.005", "1.005 USD"}},
		{mp("1500 JPY"), facts{true, false, false, true, true, 1, JPY, "1500", "1500", "1500 JPY"}},
		{mp("1.5 JPY"), facts{true, false, false, true, false, 1, JPY, "1.5", "1.5", "1.5 JPY"}},
		{Zero(EUR), facts{true, true, false, false, true, 0, EUR, "0", "0.00", "0.00 EUR"}},
		{Money{}, facts{false, true, false, false, true, 0, "", "0", "0", "0"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, get(tc.in)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestMoneyConstructors(t *testing.T) {
	tests := []struct {
		name    string
		got     func() (Money, error)
		want    string
		wantErr string
		fields  []string
	}{
		{"NewMoney", func() (Money, error) { return NewMoney(dec("12.34"), USD) }, "12.34 USD", "", nil},
		{"NewMoney unknown", func() (Money, error) { return NewMoney(dec("1"), "usd") }, "", "validation", []string{"currency"}},
		{"FromMinor USD", func() (Money, error) { return FromMinor(1234, USD) }, "12.34 USD", "", nil},
		{"FromMinor JPY", func() (Money, error) { return FromMinor(1234, JPY) }, "1234 JPY", "", nil},
		{"FromMinor KWD", func() (Money, error) { return FromMinor(-1234, KWD) }, "-1.234 KWD", "", nil},
		{"FromMinor CLF", func() (Money, error) { return FromMinor(1, "CLF") }, "0.0001 CLF", "", nil},
		{"FromMinor unknown", func() (Money, error) { return FromMinor(1, "ZZZ") }, "", "validation", []string{"currency"}},
		{"Zero", func() (Money, error) { return Zero(GBP), nil }, "0 GBP", "", nil},
		{"Zero unknown", func() (Money, error) { return Zero("XXX"), nil }, "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if diff := cmp.Diff(tc.wantErr, errKind(err)); diff != "" {
				t.Fatalf("error kind (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.fields, problemFields(err)); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(mp(tc.want), got, moneyCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMoneyMinorUnits(t *testing.T) {
	tests := []struct {
		in      Money
		want    int64
		wantErr string
	}{
		{mp("12.34 USD"), 1234, ""},
		{mp("-12.3 USD"), -1230, ""},
		{mp("1234 JPY"), 1234, ""},
		{mp("1.234 KWD"), 1234, ""},
		{mp("0 EUR"), 0, ""},
		{mp("1.005 USD"), 0, "validation"},
		{mp("92233720368547758.07 USD"), 1<<63 - 1, ""},
		{mp("92233720368547758.08 USD"), 0, "validation"},
		{Money{}, 0, "currency mismatch"},
	}
	for _, tc := range tests {
		got, err := tc.in.MinorUnits()
		if diff := cmp.Diff(tc.wantErr, errKind(err)); diff != "" {
			t.Errorf("%v: error kind (-want +got):\n%s", tc.in, diff)
		}
		if got != tc.want {
			t.Errorf("%v.MinorUnits() = %d, want %d", tc.in, got, tc.want)
		}
		if err == nil {
			back, _ := FromMinor(got, tc.in.Currency())
			if !back.Equal(tc.in) {
				t.Errorf("FromMinor(%d) = %v, want %v", got, back, tc.in)
			}
		}
	}
}

func TestParseMoney(t *testing.T) {
	good := []struct{ in, want string }{
		{"12.34 USD", "12.34 USD"},
		{"USD 12.34", "12.34 USD"},
		{"12.34 usd", "12.34 USD"},
		{"usd 12.34", "12.34 USD"},
		{"  12.34\t\tEUR  ", "12.34 EUR"},
		{"-0.5 EUR", "-0.50 EUR"},
		{"+7 GBP", "7.00 GBP"},
		{".5 USD", "0.50 USD"},
		{"5. USD", "5.00 USD"},
		{"-0 USD", "0.00 USD"},
		{"1000 JPY", "1000 JPY"},
		{"1.5 JPY", "1.5 JPY"},
		{"1.2345 KWD", "1.2345 KWD"},
		{"0012.3400 CHF", "12.34 CHF"},
		{"1234567890123456789012345678901234567890 USD", "1234567890123456789012345678901234567890.00 USD"},
		{"0.0000000000000000000000000000000000000001 USD", "0.0000000000000000000000000000000000000001 USD"},
	}
	for _, tc := range good {
		got, err := ParseMoney(tc.in)
		if err != nil {
			t.Errorf("ParseMoney(%q): %v", tc.in, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("ParseMoney(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	bad := []struct {
		in     string
		fields []string
	}{
		{"", []string{""}},
		{"12.34", []string{""}},
		{"12.34 USD extra", []string{""}},
		{"12.34USD", []string{""}},
		{"12.34 XYZ", []string{"currency"}},
		{"12.34 US", []string{"currency"}},
		{"12.34 uſd", []string{"currency"}},
		{"abc USD", []string{"currency", "amount"}},
		{"1,234.00 USD", []string{"amount"}},
		{"1e3 USD", []string{"amount"}},
		{"1.2.3 USD", []string{"amount"}},
		{"- USD", []string{"amount"}},
		{". USD", []string{"amount"}},
		{"+-1 USD", []string{"amount"}},
		{"0x10 USD", []string{"amount"}},
		{"NaN USD", []string{"currency", "amount"}},
		{"Inf USD", []string{"currency", "amount"}},
		{"１２ USD", []string{"amount"}},
		{"12345678901234567890123456789012345678901 USD", []string{"amount"}},
		{"0.00000000000000000000000000000000000000001 USD", []string{"amount"}},
		{"1" + strings.Repeat("0", 100) + " USD", []string{"amount"}},
		{strings.Repeat("0", 101) + " USD", []string{"amount"}},
	}
	for _, tc := range bad {
		got, err := ParseMoney(tc.in)
		if !errors.Is(err, ErrValidation) {
			t.Errorf("ParseMoney(%q) = %v, %v; want an error matching ErrValidation", tc.in, got, err)
			continue
		}
		if diff := cmp.Diff(tc.fields, problemFields(err)); diff != "" {
			t.Errorf("ParseMoney(%q) problem fields (-want +got):\n%s\n%v", tc.in, diff, err)
		}
	}
	var ve *ValidationError
	_, err := ParseMoney("1,5 USD")
	if !errors.As(err, &ve) || ve.Error() != `oms: invalid money: amount: "1,5" is not a decimal number` {
		t.Errorf("ParseMoney(\"1,5 USD\") error = %v", err)
	}
}

func TestParseAmount(t *testing.T) {
	got, err := ParseAmount("19.999", USD)
	if err != nil || got.String() != "19.999 USD" {
		t.Errorf("ParseAmount = %v, %v", got, err)
	}
	_, err = ParseAmount("", "")
	if diff := cmp.Diff([]string{"currency", "amount"}, problemFields(err)); diff != "" {
		t.Errorf("ParseAmount(\"\", \"\") fields (-want +got):\n%s", diff)
	}
	_, err = ParseAmount("1", "usd")
	if diff := cmp.Diff([]string{"currency"}, problemFields(err)); diff != "" {
		t.Errorf("ParseAmount lower-case currency fields (-want +got):\n%s", diff)
	}
}

func TestMustParseMoneyPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("MustParseMoney(\"bad\") did not panic")
		}
	}()
	MustParseMoney("bad")
}

func TestCurrency(t *testing.T) {
	type facts struct {
		Valid   bool
		Minor   int
		Name    string
		Numeric int
		String  string
	}
	tests := []struct {
		c    Currency
		want facts
	}{
		{USD, facts{true, 2, "US Dollar", 840, "USD"}},
		{JPY, facts{true, 0, "Yen", 392, "JPY"}},
		{KWD, facts{true, 3, "Kuwaiti Dinar", 414, "KWD"}},
		{"CLF", facts{true, 4, "Unidad de Fomento", 990, "CLF"}},
		{"usd", facts{false, -1, "", 0, "usd"}},
		{"", facts{false, -1, "", 0, ""}},
	}
	for _, tc := range tests {
		got := facts{tc.c.Valid(), tc.c.MinorUnits(), tc.c.Name(), tc.c.Numeric(), tc.c.String()}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.c, diff)
		}
	}
	all := Currencies()
	if len(all) != len(currencies) || !sort.SliceIsSorted(all, func(i, j int) bool { return all[i] < all[j] }) {
		t.Errorf("Currencies() has %d codes (want %d), sorted %v", len(all), len(currencies), sort.SliceIsSorted(all, func(i, j int) bool { return all[i] < all[j] }))
	}
	for _, c := range []Currency{USD, EUR, GBP, JPY, CAD, AUD, CHF, KWD} {
		if !c.Valid() {
			t.Errorf("constant %q is not valid", c)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Currency
		err  string
	}{
		{"USD", USD, ""},
		{" eur ", EUR, ""},
		{"jPy", JPY, ""},
		{"uſd", "", "validation"},
		{"", "", "validation"},
		{"XAU", "", "validation"},
		{"USDX", "", "validation"},
	} {
		got, err := ParseCurrency(tc.in)
		if got != tc.want || errKind(err) != tc.err {
			t.Errorf("ParseCurrency(%q) = %q, %v; want %q, %s", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	tests := []struct {
		in   Money
		json string
	}{
		{mp("12.34 USD"), `{"amount":"12.34","currency":"USD"}`},
		{mp("12.3 USD"), `{"amount":"12.30","currency":"USD"}`},
		{mp("-0.5 KWD"), `{"amount":"-0.500","currency":"KWD"}`},
		{mp("1234 JPY"), `{"amount":"1234","currency":"JPY"}`},
		{mp("1.2345 USD"), `{"amount":"1.2345","currency":"USD"}`},
		{Zero(EUR), `{"amount":"0.00","currency":"EUR"}`},
		{Money{}, `null`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(tc.in)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", tc.in, err)
		}
		if diff := cmp.Diff(tc.json, string(b)); diff != "" {
			t.Errorf("Marshal(%v) (-want +got):\n%s", tc.in, diff)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if diff := cmp.Diff(tc.in, back, moneyCmp); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
		}
		if back.Valid() != tc.in.Valid() {
			t.Errorf("round trip of %s: Valid = %v", b, back.Valid())
		}
	}

	// In a struct, with the zero Money as null and a JSON number amount.
	type line struct {
		Price    Money  `json:"price"`
		Discount Money  `json:"discount"`
		Tax      *Money `json:"tax"`
	}
	var l line
	in := `{"price":{"amount":12.5,"currency":"EUR"},"discount":null,"tax":{"currency":"EUR","amount":"1.0000"}}`
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	want := line{Price: mp("12.50 EUR"), Tax: ptr(mp("1 EUR"))}
	if diff := cmp.Diff(want, l, moneyCmp); diff != "" {
		t.Errorf("Unmarshal struct (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(l)
	if got, want := string(b), `{"price":{"amount":"12.50","currency":"EUR"},"discount":null,"tax":{"amount":"1.00","currency":"EUR"}}`; got != want {
		t.Errorf("Marshal struct = %s, want %s", got, want)
	}

	// null over a set value resets it.
	m := mp("5 USD")
	if err := json.Unmarshal([]byte(" null "), &m); err != nil || m.Valid() {
		t.Errorf("Unmarshal null = %v, %v", m, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestMoneyJSONBad(t *testing.T) {
	tests := []struct {
		in     string
		fields []string
	}{
		{`{"amount":"abc","currency":"USD"}`, []string{"amount"}},
		{`{"amount":"1","currency":"usd"}`, []string{"currency"}},
		{`{"amount":"1","currency":"XYZ"}`, []string{"currency"}},
		{`{"amount":"1"}`, []string{"currency"}},
		{`{"currency":"USD"}`, []string{"amount"}},
		{`{}`, []string{"currency", "amount"}},
		{`{"amount":1e5,"currency":"USD"}`, []string{"amount"}},
		{`{"amount":"1e5","currency":"USD"}`, []string{"amount"}},
		{`{"amount":null,"currency":"USD"}`, []string{"amount"}},
		{`{"amount":true,"currency":"USD"}`, []string{"amount"}},
		{`{"amount":"\"5","currency":"USD"}`, []string{"amount"}},
		{`{"amount":"1","currency":5}`, []string{""}},
		{`"12.34 USD"`, []string{""}},
		{`[1]`, []string{""}},
		{`12`, []string{""}},
		{`{"amount":"1","currency":"USD"`, []string{""}},
		{`{"amount":"\u0031\ud800","currency":"USD"}`, []string{"amount"}},
	}
	for _, tc := range tests {
		// Call UnmarshalJSON directly: json.Unmarshal checks the syntax
		// first and would not reach it with broken JSON.
		m := mp("9 USD")
		err := m.UnmarshalJSON([]byte(tc.in))
		if !errors.Is(err, ErrValidation) {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error matching ErrValidation", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.fields, problemFields(err)); diff != "" {
			t.Errorf("UnmarshalJSON(%s) fields (-want +got):\n%s", tc.in, diff)
		}
		if !m.Equal(mp("9 USD")) {
			t.Errorf("UnmarshalJSON(%s) changed the value to %v", tc.in, m)
		}
	}
}

// randomMoney returns a random amount in c: up to 12 whole digits and up to
// extra decimals beyond the currency's minor unit, either sign.
func randomMoney(r *rand.Rand, c Currency, extra int) Money {
	scale := c.MinorUnits() + r.IntN(extra+1)
	units := r.Int64N(1_000_000_000_000) - 500_000_000_000
	if r.IntN(8) == 0 {
		units = r.Int64N(100) - 50 // small amounts stress the remainders
	}
	return Money{amount: decimal.New(units, -int32(scale)), currency: c}
}

// currenciesByExponent groups the table's currencies by minor units.
func currenciesByExponent() map[int][]Currency {
	out := map[int][]Currency{}
	for _, c := range Currencies() {
		out[c.MinorUnits()] = append(out[c.MinorUnits()], c)
	}
	return out
}

func TestCurrencyExponentsCovered(t *testing.T) {
	var got []int
	for e := range currenciesByExponent() {
		got = append(got, e)
	}
	sort.Ints(got)
	if diff := cmp.Diff([]int{0, 2, 3, 4}, got); diff != "" {
		t.Errorf("currency exponents (-want +got):\n%s", diff)
	}
}

// TestAllocateProperties checks, for random amounts, weights and every
// currency exponent of the table, that the parts sum exactly to the whole,
// each part is within one unit of its exact share, zero weights get zero,
// and the result is deterministic.
func TestAllocateProperties(t *testing.T) {
	const casesPerExponent = 3000
	r := rand.New(rand.NewPCG(20260101, 2))
	for exp, curs := range currenciesByExponent() {
		t.Run(fmt.Sprintf("exponent%d", exp), func(t *testing.T) {
			for i := 0; i < casesPerExponent; i++ {
				c := curs[r.IntN(len(curs))]
				m := randomMoney(r, c, 3)
				weights := randomWeights(r)
				parts, err := m.Allocate(weights)
				if err != nil {
					t.Fatalf("Allocate(%v, %v): %v", m, weights, err)
				}
				checkAllocation(t, m, weights, parts)
				again, _ := m.Allocate(weights)
				if diff := cmp.Diff(parts, again, moneyCmp); diff != "" {
					t.Fatalf("Allocate(%v, %v) is not deterministic (-first +second):\n%s", m, weights, diff)
				}
			}
		})
	}
}

// randomWeights returns 1 to 12 non-negative weights, some zero, some with
// decimals, with a positive sum.
func randomWeights(r *rand.Rand) []decimal.Decimal {
	n := 1 + r.IntN(12)
	w := make([]decimal.Decimal, n)
	sum := 0
	for i := range w {
		switch r.IntN(4) {
		case 0:
			w[i] = decimal.Zero
		case 1:
			v := 1 + r.IntN(5)
			w[i] = decimal.NewFromInt(int64(v))
			sum += v
		default:
			v := 1 + r.IntN(100000)
			w[i] = decimal.New(int64(v), -int32(r.IntN(4)))
			sum += v
		}
	}
	if sum == 0 {
		w[r.IntN(n)] = decimal.NewFromInt(1)
	}
	return w
}

func checkAllocation(t *testing.T, m Money, weights []decimal.Decimal, parts []Money) {
	t.Helper()
	if len(parts) != len(weights) {
		t.Fatalf("Allocate(%v, %v) gave %d parts", m, weights, len(parts))
	}
	scale := int32(m.Currency().MinorUnits())
	if e := -m.Amount().Exponent(); e > scale {
		scale = e
	}
	unit := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	total := new(big.Rat)
	for _, w := range weights {
		total.Add(total, w.Rat())
	}
	sum := Zero(m.Currency())
	for i, p := range parts {
		if p.Currency() != m.Currency() {
			t.Fatalf("part %d of %v is in %q", i, m, p.Currency())
		}
		if -p.Amount().Exponent() > scale && !p.Amount().Equal(p.Amount().Round(scale)) {
			t.Fatalf("part %d = %v of %v has more than %d decimals", i, p, m, scale)
		}
		if weights[i].IsZero() && !p.IsZero() {
			t.Fatalf("part %d of %v has weight zero but got %v", i, m, p)
		}
		if p.Sign()*m.Sign() < 0 {
			t.Fatalf("part %d = %v has the opposite sign of %v", i, p, m)
		}
		exact := new(big.Rat).Mul(m.Amount().Rat(), weights[i].Rat())
		exact.Quo(exact, total)
		diff := new(big.Rat).Sub(p.Amount().Rat(), exact)
		if diff.Abs(diff).Cmp(unit) >= 0 {
			t.Fatalf("part %d = %v of %v (weights %v) is %s away from its exact share %s", i, p, m, weights, diff.FloatString(8), exact.FloatString(8))
		}
		var err error
		if sum, err = sum.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if !sum.Equal(m) {
		t.Fatalf("Allocate(%v, %v) parts %v sum to %v", m, weights, parts, sum)
	}
}

func TestAllocateTable(t *testing.T) {
	w := func(ss ...string) []decimal.Decimal {
		var out []decimal.Decimal
		for _, s := range ss {
			out = append(out, dec(s))
		}
		return out
	}
	tests := []struct {
		m       string
		weights []decimal.Decimal
		want    []string
	}{
		{"100.00 USD", w("1", "2", "3"), []string{"16.67 USD", "33.33 USD", "50.00 USD"}},
		{"-100.00 USD", w("1", "2", "3"), []string{"-16.67 USD", "-33.33 USD", "-50.00 USD"}},
		{"0.01 USD", w("1", "1", "1"), []string{"0.01 USD", "0 USD", "0 USD"}},
		{"0.02 USD", w("1", "1", "1"), []string{"0.01 USD", "0.01 USD", "0 USD"}},
		{"10 USD", w("0", "1", "0", "1"), []string{"0 USD", "5 USD", "0 USD", "5 USD"}},
		{"1000 JPY", w("0.3", "0.3", "0.4"), []string{"300 JPY", "300 JPY", "400 JPY"}},
		{"1001 JPY", w("1", "1"), []string{"501 JPY", "500 JPY"}},
		{"1.000 KWD", w("1", "1", "1"), []string{"0.334 KWD", "0.333 KWD", "0.333 KWD"}},
		// An amount with more decimals than the currency keeps them.
		{"0.005 USD", w("1", "1"), []string{"0.003 USD", "0.002 USD"}},
		// Ties go to the earlier part; larger remainders first.
		{"0.05 USD", w("1", "1", "3"), []string{"0.01 USD", "0.01 USD", "0.03 USD"}},
		{"0 EUR", w("1", "2"), []string{"0 EUR", "0 EUR"}},
		{"7 EUR", w("5"), []string{"7 EUR"}},
	}
	for _, tc := range tests {
		got, err := mp(tc.m).Allocate(tc.weights)
		if err != nil {
			t.Errorf("Allocate(%s, %v): %v", tc.m, tc.weights, err)
			continue
		}
		var want []Money
		for _, s := range tc.want {
			want = append(want, mp(s))
		}
		if diff := cmp.Diff(want, got, moneyCmp); diff != "" {
			t.Errorf("Allocate(%s, %v) (-want +got):\n%s", tc.m, tc.weights, diff)
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	tests := []struct {
		name    string
		m       Money
		weights []decimal.Decimal
		kind    string
		fields  []string
	}{
		{"no weights", mp("1 USD"), nil, "validation", []string{"weights"}},
		{"negative", mp("1 USD"), []decimal.Decimal{dec("1"), dec("-1"), dec("-2")}, "validation", []string{"weights[1]", "weights[2]"}},
		{"all zero", mp("1 USD"), []decimal.Decimal{dec("0"), dec("0")}, "validation", []string{"weights"}},
		{"zero Money", Money{}, []decimal.Decimal{dec("1")}, "currency mismatch", nil},
	}
	for _, tc := range tests {
		parts, err := tc.m.Allocate(tc.weights)
		if parts != nil || errKind(err) != tc.kind {
			t.Errorf("%s: Allocate = %v, %v; want %s error", tc.name, parts, err, tc.kind)
		}
		if diff := cmp.Diff(tc.fields, problemFields(err)); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		m    string
		n    int
		want []string
	}{
		{"10.00 USD", 3, []string{"3.34 USD", "3.33 USD", "3.33 USD"}},
		{"-10.00 USD", 3, []string{"-3.34 USD", "-3.33 USD", "-3.33 USD"}},
		{"100 JPY", 3, []string{"34 JPY", "33 JPY", "33 JPY"}},
		{"0.05 USD", 3, []string{"0.02 USD", "0.02 USD", "0.01 USD"}},
		{"1 KWD", 7, []string{"0.143 KWD", "0.143 KWD", "0.143 KWD", "0.143 KWD", "0.143 KWD", "0.143 KWD", "0.142 KWD"}},
		{"5 EUR", 1, []string{"5 EUR"}},
	}
	for _, tc := range tests {
		got, err := mp(tc.m).Split(tc.n)
		if err != nil {
			t.Errorf("Split(%s, %d): %v", tc.m, tc.n, err)
			continue
		}
		var want []Money
		for _, s := range tc.want {
			want = append(want, mp(s))
		}
		if diff := cmp.Diff(want, got, moneyCmp); diff != "" {
			t.Errorf("Split(%s, %d) (-want +got):\n%s", tc.m, tc.n, diff)
		}
	}
	for _, n := range []int{0, -1} {
		if _, err := mp("1 USD").Split(n); !errors.Is(err, ErrValidation) || !cmp.Equal(problemFields(err), []string{"parts"}) {
			t.Errorf("Split(%d) error = %v", n, err)
		}
	}
	if _, err := (Money{}).Split(2); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("zero Money Split error = %v", err)
	}
}

// TestSplitProperties checks that random splits sum to the whole, that the
// parts differ by at most one unit and that the larger parts come first.
func TestSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for exp, curs := range currenciesByExponent() {
		for i := 0; i < 1000; i++ {
			c := curs[r.IntN(len(curs))]
			m := randomMoney(r, c, 2)
			n := 1 + r.IntN(20)
			parts, err := m.Split(n)
			if err != nil {
				t.Fatalf("exponent %d: Split(%v, %d): %v", exp, m, n, err)
			}
			w := make([]decimal.Decimal, n)
			for j := range w {
				w[j] = decimal.NewFromInt(1)
			}
			checkAllocation(t, m, w, parts)
			for j := 1; j < n; j++ {
				if parts[j].Abs().Amount().GreaterThan(parts[j-1].Abs().Amount()) {
					t.Fatalf("Split(%v, %d) = %v: part %d is larger than part %d", m, n, parts, j, j-1)
				}
			}
		}
	}
}

// TestAddSubRoundTrip checks (a+b)-b == a, (a-b)+b == a, a+b == b+a and
// a-a == 0 for random amounts of every exponent.
func TestAddSubRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	for exp, curs := range currenciesByExponent() {
		for i := 0; i < 2000; i++ {
			c := curs[r.IntN(len(curs))]
			a, b := randomMoney(r, c, 3), randomMoney(r, c, 3)
			sum, err := a.Add(b)
			if err != nil {
				t.Fatal(err)
			}
			back, err := sum.Sub(b)
			if err != nil || !back.Equal(a) {
				t.Fatalf("exponent %d: (%v + %v) - %v = %v, %v", exp, a, b, b, back, err)
			}
			diff, _ := a.Sub(b)
			back, _ = diff.Add(b)
			if !back.Equal(a) {
				t.Fatalf("(%v - %v) + %v = %v", a, b, b, back)
			}
			rev, _ := b.Add(a)
			if !rev.Equal(sum) {
				t.Fatalf("%v + %v = %v but %v + %v = %v", a, b, sum, b, a, rev)
			}
			if z, _ := a.Sub(a); !z.IsZero() || z.Currency() != c {
				t.Fatalf("%v - itself = %v", a, z)
			}
			if s, _ := Sum(c, a, b); !s.Equal(sum) {
				t.Fatalf("Sum(%v, %v) = %v, want %v", a, b, s, sum)
			}
		}
	}
}

// TestMoneyJSONProperty round-trips random amounts through JSON and through
// String and ParseMoney.
func TestMoneyJSONProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 14))
	all := Currencies()
	for i := 0; i < 3000; i++ {
		m := randomMoney(r, all[r.IntN(len(all))], 4)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(m) {
			t.Fatalf("JSON round trip of %v: %s gave %v, %v", m, b, back, err)
		}
		parsed, err := ParseMoney(m.String())
		if err != nil || !parsed.Equal(m) {
			t.Fatalf("ParseMoney(%q) = %v, %v", m.String(), parsed, err)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{
		"12.34 USD", "USD 12.34", "-0.5 eur", "+7 GBP", ".5 USD", "5. USD",
		"1000 JPY", "1.5 JPY", "1.2345 KWD", "0.0001 CLF", "", " ", "USD",
		"1,234.00 USD", "1e3 USD", "NaN USD", "12.34 uſd", "１２ USD",
		"1234567890123456789012345678901234567890 USD",
		"0.0000000000000000000000000000000000000001 KWD",
		"usd usd", "- USD", "\x00 USD", "12.34\tUSD",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) || len(ve.Problems) == 0 {
				t.Fatalf("ParseMoney(%q) error %v is not a *ValidationError", s, err)
			}
			if m.Valid() {
				t.Fatalf("ParseMoney(%q) returned %v with an error", s, m)
			}
			return
		}
		if !m.Currency().Valid() {
			t.Fatalf("ParseMoney(%q) = %v has an unknown currency", s, m)
		}
		back, err := ParseMoney(m.String())
		if err != nil || !back.Equal(m) {
			t.Fatalf("ParseMoney(%q) = %v, but ParseMoney(%q) = %v, %v", s, m, m.String(), back, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var j Money
		if err := json.Unmarshal(b, &j); err != nil || !j.Equal(m) {
			t.Fatalf("JSON round trip of %v: %s gave %v, %v", m, b, j, err)
		}
		if r := m.Round(); !r.IsRounded() {
			t.Fatalf("%v.Round() = %v is not rounded", m, r)
		}
		if _, err := m.Split(3); err != nil {
			t.Fatalf("%v.Split(3): %v", m, err)
		}
	})
}

// TestMoneyJSONUnreadableRefused checks that MarshalJSON refuses an amount
// that UnmarshalJSON would refuse (more digits or characters than outside
// input may have), rather than writing JSON that cannot be read back (an
// event payload that no consumer could decode). Amounts at the limits
// still round-trip.
func TestMoneyJSONUnreadableRefused(t *testing.T) {
	for _, d := range []decimal.Decimal{
		decimal.New(1, 45), // 46 digits before the point
		decimal.RequireFromString("1234567890.1234567890123456789012345678901"), // 41 digits
		decimal.New(1, -120), // 122 characters
	} {
		// NewMoney refuses such scales; arithmetic can still reach them.
		m := MustParseMoney("1 USD").MulRate(d)
		b, err := json.Marshal(m)
		if err == nil {
			var back Money
			t.Errorf("Marshal(%s) = %s, nil; Unmarshal of it: %v", d, b, json.Unmarshal(b, &back))
			continue
		}
		if !errors.Is(err, ErrValidation) || !strings.Contains(err.Error(), "amount") {
			t.Errorf("Marshal(%s) error = %v, want a ValidationError naming the amount", d, err)
		}
	}
	for _, d := range []decimal.Decimal{
		decimal.New(1, 37), // 38 digits and two zero decimals
		decimal.RequireFromString("1234567890.123456789012345678901234567890"),
		decimal.New(1, -40), // 40 decimals
	} {
		m, _ := NewMoney(d, USD)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(%s): %v", d, err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(m) {
			t.Errorf("round trip of %s = %v, %v", b, back, err)
		}
	}
}
