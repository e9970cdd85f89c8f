package oms

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an exact amount in one ISO 4217 currency. It is an immutable
// value: every operation returns a new Money.
//
// The zero Money has no currency. It means "nothing yet": Add treats it as
// zero of the other operand's currency, so a sum can start from it, and it
// marshals to JSON null. Every other operation that takes two amounts
// returns an error matching ErrCurrencyMismatch when either has no currency
// or the currencies differ.
//
// Arithmetic is exact; nothing is rounded until Round is called. Round is
// the one place that rounds: half away from zero, to the currency's minor
// unit (USD 2 places, JPY 0, KWD 3).
type Money struct {
	amount   decimal.Decimal
	currency Currency
}

// MaxAmountExponent bounds the decimal exponent of an amount NewMoney
// accepts (and MaxAmountBits its coefficient): an amount such as
// decimal.New(1, -1e9) is a valid decimal, but rounding, comparing at a
// scale or printing it would compute 10^1e9. Real amounts are nowhere near:
// 40 digits on either side of the point.
const (
	MaxAmountExponent = 40
	MaxAmountBits     = 256
)

// NewMoney returns amount in currency c. The error matches ErrValidation when
// c is not an active ISO 4217 code, or when amount's exponent is outside
// ±MaxAmountExponent or its coefficient longer than MaxAmountBits bits.
func NewMoney(amount decimal.Decimal, c Currency) (Money, error) {
	v := &ValidationError{Entity: "money"}
	if !c.Valid() {
		v.Add("currency", "%q is not an active ISO 4217 code", string(c))
	}
	if tooLong(amount) {
		v.Add("amount", "has more digits than an amount may have (exponent %d, %d bits)", amount.Exponent(), amount.Coefficient().BitLen())
	}
	if err := v.Err(); err != nil {
		return Money{}, err
	}
	return Money{amount: amount, currency: c}, nil
}

// tooLong reports whether d is outside the bounds of an amount: exponent
// within ±MaxAmountExponent, coefficient within MaxAmountBits bits.
func tooLong(d decimal.Decimal) bool {
	e := d.Exponent()
	return e < -MaxAmountExponent || e > MaxAmountExponent || d.Coefficient().BitLen() > MaxAmountBits
}

// Zero returns zero in currency c, or the zero Money (no currency) when c is
// not an active ISO 4217 code.
func Zero(c Currency) Money {
	if !c.Valid() {
		return Money{}
	}
	return Money{currency: c}
}

// FromMinor returns units of c's minor unit: FromMinor(1234, USD) is 12.34
// USD, FromMinor(1234, JPY) is 1234 JPY.
func FromMinor(units int64, c Currency) (Money, error) {
	if !c.Valid() {
		return Money{}, Validationf("money", "currency", "%q is not an active ISO 4217 code", string(c))
	}
	return Money{amount: decimal.New(units, -int32(c.MinorUnits())), currency: c}, nil
}

// ParseAmount parses a decimal amount such as "12.34" or "-0.5" in currency
// c. The error matches ErrValidation.
func ParseAmount(amount string, c Currency) (Money, error) {
	v := &ValidationError{Entity: "money"}
	if !c.Valid() {
		v.Add("currency", "%q is not an active ISO 4217 code", string(c))
	}
	d, err := parseDecimal(amount)
	if err != nil {
		v.Add("amount", "%v", err)
	}
	if err := v.Err(); err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// maxAmountDigits bounds the digits accepted from outside input, so that a
// hostile string cannot make arithmetic arbitrarily slow. Leading zeros of
// the whole part and trailing zeros of the fraction do not count, so that
// whatever parses still parses once formatted with the currency's minor
// digits.
const maxAmountDigits = 40

// maxAmountLength bounds the length of an amount string, zeros included.
const maxAmountLength = 100

// parseDecimal accepts an optional sign, digits, and an optional fraction:
// no exponents, no thousands separators, no spaces inside.
func parseDecimal(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, fmt.Errorf("is empty")
	}
	if len(s) > maxAmountLength {
		return decimal.Decimal{}, fmt.Errorf("is longer than %d characters", maxAmountLength)
	}
	body := s
	if body[0] == '-' || body[0] == '+' {
		body = body[1:]
	}
	digits, dots := 0, 0
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", truncate(s, 64))
		}
	}
	if digits == 0 || dots > 1 {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", truncate(s, 64))
	}
	if err := amountDigits(body); err != nil {
		return decimal.Decimal{}, err
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", truncate(s, 64))
	}
	return d, nil
}

// amountDigits checks the digits of an unsigned decimal string against
// maxAmountDigits.
func amountDigits(body string) error {
	whole, frac, _ := strings.Cut(body, ".")
	if len(strings.TrimLeft(whole, "0"))+len(strings.TrimRight(frac, "0")) > maxAmountDigits {
		return fmt.Errorf("has more than %d digits", maxAmountDigits)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ParseMoney parses "12.34 USD" or "USD 12.34" (code in any case, one or more
// spaces between). The error matches ErrValidation.
func ParseMoney(s string) (Money, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Money{}, Validationf("money", "", "%q is not of the form \"12.34 USD\"", truncate(s, 64))
	}
	a, c := fields[0], fields[1]
	if len(a) == 3 && isLetters(a) {
		a, c = c, a
	}
	return ParseAmount(a, Currency(upperASCII(c)))
}

// upperASCII upper-cases the ASCII letters of s and nothing else, so that a
// code such as "uſd" (with a long s, whose upper case is S) is not taken for
// "USD".
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

// MustParseMoney is ParseMoney for constants in tests and examples: it panics
// when s does not parse. Never use it on outside input.
func MustParseMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Amount returns the exact amount.
func (m Money) Amount() decimal.Decimal { return m.amount }

// Currency returns the currency, "" for the zero Money.
func (m Money) Currency() Currency { return m.currency }

// Valid reports whether m has a currency (is not the zero Money).
func (m Money) Valid() bool { return m.currency != "" }

// IsZero reports whether the amount is zero, in any currency or none.
func (m Money) IsZero() bool { return m.amount.IsZero() }

// Sign returns -1, 0 or 1.
func (m Money) Sign() int { return m.amount.Sign() }

// IsNegative reports whether m is below zero.
func (m Money) IsNegative() bool { return m.amount.Sign() < 0 }

// IsPositive reports whether m is above zero.
func (m Money) IsPositive() bool { return m.amount.Sign() > 0 }

func (m Money) same(o Money, op string) error {
	if m.currency == "" || o.currency == "" || m.currency != o.currency {
		return fmt.Errorf("%w: %s %s and %s", ErrCurrencyMismatch, op, m.describe(), o.describe())
	}
	return nil
}

func (m Money) describe() string {
	if m.currency == "" {
		return "an amount with no currency"
	}
	return string(m.currency)
}

// Add returns m + o. The zero Money counts as nothing: Money{}.Add(x) is x.
func (m Money) Add(o Money) (Money, error) {
	switch {
	case m.currency == "" && m.amount.IsZero():
		return o, nil
	case o.currency == "" && o.amount.IsZero():
		return m, nil
	}
	if err := m.same(o, "add"); err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Add(o.amount), currency: m.currency}, nil
}

// Sub returns m - o.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.same(o, "subtract"); err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Sub(o.amount), currency: m.currency}, nil
}

// Cmp compares m and o: -1 when m < o, 0 when equal, 1 when m > o.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.same(o, "compare"); err != nil {
		return 0, err
	}
	return cmpAmounts(m.amount, o.amount), nil
}

// Equal reports whether m and o have the same currency and amount (1.5 and
// 1.50 are equal). It never errors: different currencies are not equal.
func (m Money) Equal(o Money) bool {
	return m.currency == o.currency && cmpAmounts(m.amount, o.amount) == 0
}

// cmpAmounts compares a and b. decimal's Cmp brings both to the smaller
// exponent first, which computes 10 to the power of their difference: for
// an amount a hostile rate was multiplied into (1e1000000000), for ever.
// Amounts of the same sign whose orders of magnitude are apart are
// ordered by them instead.
func cmpAmounts(a, b decimal.Decimal) int {
	sa, sb := a.Sign(), b.Sign()
	switch {
	case sa != sb:
		return cmp.Compare(sa, sb)
	case sa == 0:
		return 0
	}
	// |d| lies in [10^(e+k-1), 10^(e+k)) for a coefficient of k digits;
	// magnitude estimates e+k within two, so a gap of four is certain.
	ma, mb := magnitude(a), magnitude(b)
	switch {
	case ma > mb+4:
		return sa
	case mb > ma+4:
		return -sa
	}
	return a.Cmp(b)
}

// magnitude returns d's exponent plus about the number of digits of its
// coefficient (from its bit length, within two).
func magnitude(d decimal.Decimal) int64 {
	return int64(d.Exponent()) + int64(d.Coefficient().BitLen())*30103/100000
}

// Min returns the smaller of m and o.
func (m Money) Min(o Money) (Money, error) {
	c, err := m.Cmp(o)
	if err != nil {
		return Money{}, err
	}
	if c <= 0 {
		return m, nil
	}
	return o, nil
}

// Max returns the larger of m and o.
func (m Money) Max(o Money) (Money, error) {
	c, err := m.Cmp(o)
	if err != nil {
		return Money{}, err
	}
	if c >= 0 {
		return m, nil
	}
	return o, nil
}

// Mul returns m times a quantity.
func (m Money) Mul(qty int64) Money {
	return Money{amount: m.amount.Mul(decimal.NewFromInt(qty)), currency: m.currency}
}

// MulRate returns m times rate, exactly (a tax rate of 0.0825 gives more
// decimals than the currency has; call Round when the amount is final).
func (m Money) MulRate(rate decimal.Decimal) Money {
	return Money{amount: m.amount.Mul(rate), currency: m.currency}
}

// Neg returns -m.
func (m Money) Neg() Money { return Money{amount: m.amount.Neg(), currency: m.currency} }

// Abs returns |m|.
func (m Money) Abs() Money { return Money{amount: m.amount.Abs(), currency: m.currency} }

// Round rounds m to its currency's minor unit, half away from zero
// (2.345 USD becomes 2.35 USD, -2.345 USD becomes -2.35 USD). This is the one
// rounding rule of the library. The zero Money is returned unchanged.
func (m Money) Round() Money {
	if m.currency == "" {
		return m
	}
	places := int32(m.currency.MinorUnits())
	// d is how many decimals past the minor unit the amount carries.
	// Rounding scales the coefficient by 10^d, so it is done only when d
	// is within the coefficient's own digits: with more, the amount is
	// under half a minor unit and rounds to zero. This keeps Round fast
	// whatever exponent an amount reached (a rate multiplied in, say).
	switch d := -int64(m.amount.Exponent()) - int64(places); {
	case d <= 0:
		if d == 0 {
			return m
		}
		if d < -MaxAmountExponent {
			return m // already whole at the minor unit; rescaling would be huge
		}
	case d > int64(len(m.amount.Coefficient().Text(10))):
		return Money{amount: decimal.New(0, -places), currency: m.currency}
	}
	return Money{amount: m.amount.Round(places), currency: m.currency}
}

// IsRounded reports whether m has no more decimals than its currency's minor
// unit.
func (m Money) IsRounded() bool {
	if m.currency == "" {
		return true
	}
	d := -int64(m.amount.Exponent()) - int64(m.currency.MinorUnits())
	if d <= 0 {
		return true
	}
	c := new(big.Int).Abs(m.amount.Coefficient())
	if c.Sign() == 0 {
		return true
	}
	if d > int64(len(c.Text(10))) {
		return false
	}
	return new(big.Int).Mod(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(d), nil)).Sign() == 0
}

// MinorUnits returns m as a count of minor units (1234 for 12.34 USD). The
// error matches ErrValidation when m is not rounded or does not fit an int64.
func (m Money) MinorUnits() (int64, error) {
	if m.currency == "" {
		return 0, fmt.Errorf("%w: minor units of an amount with no currency", ErrCurrencyMismatch)
	}
	if !m.IsRounded() {
		return 0, Validationf("money", "amount", "%s is not rounded to the minor unit", m)
	}
	if m.amount.Sign() == 0 {
		return 0, nil
	}
	if int64(m.amount.Exponent())+int64(m.currency.MinorUnits()) > 18 {
		// At least 10^19 minor units; shifting would compute 10 to the
		// power of the exponent.
		return 0, Validationf("money", "amount", "%s does not fit in 64 bits of minor units", m)
	}
	v := m.amount.Shift(int32(m.currency.MinorUnits())).BigInt()
	if !v.IsInt64() {
		return 0, Validationf("money", "amount", "%s does not fit in 64 bits of minor units", m)
	}
	return v.Int64(), nil
}

// StringAmount returns the amount alone: with exactly the currency's minor
// digits when m is rounded ("12.30"), with all its digits otherwise.
//
// An amount whose digits would run far past the 100 characters JSON
// carries (an exponent reached by multiplying in a hostile rate) is written
// at once as its coefficient and exponent, such as "1000e999999998".
func (m Money) StringAmount() string {
	a := m.amount
	if a.Sign() == 0 {
		a = decimal.Zero // of any exponent: writing it would rescale
	}
	if unwieldy(a) {
		return a.Coefficient().String() + "e" + strconv.FormatInt(int64(a.Exponent()), 10)
	}
	if m.currency != "" && m.IsRounded() {
		return a.StringFixed(int32(m.currency.MinorUnits()))
	}
	return a.String()
}

// unwieldy reports whether d, not zero, has so large or so small an
// exponent that its digits run far past maxAmountLength characters:
// writing them would compute 10 to the power of the exponent.
func unwieldy(d decimal.Decimal) bool {
	e := int64(d.Exponent())
	if d.Sign() == 0 || (e >= -maxAmountLength && e <= maxAmountLength) {
		return false
	}
	// A coefficient of n bits has at most n×log10(2)+1 digits, all of
	// them trailing zeros at most.
	digits := int64(d.Coefficient().BitLen())*30103/100000 + 1
	return e > maxAmountLength || -e > maxAmountLength+digits
}

// String returns "12.34 USD"; the zero Money is "0".
func (m Money) String() string {
	if m.currency == "" {
		return m.StringAmount()
	}
	return m.StringAmount() + " " + string(m.currency)
}

type moneyJSON struct {
	Amount   string   `json:"amount"`
	Currency Currency `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"12.34","currency":"USD"}, and the zero
// Money as null. An amount that UnmarshalJSON would refuse (more than 40
// significant digits, or more than 100 characters) is refused with an error
// matching ErrValidation, so that no JSON is written that cannot be read
// back.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency == "" {
		return []byte("null"), nil
	}
	if unwieldy(m.amount) {
		return nil, Validationf("money", "amount", "%s %s is longer than %d characters", truncate(m.StringAmount(), 32), m.currency, maxAmountLength)
	}
	a := m.StringAmount()
	if len(a) > maxAmountLength {
		return nil, Validationf("money", "amount", "%s %s is longer than %d characters", truncate(a, 32), m.currency, maxAmountLength)
	}
	if err := amountDigits(strings.TrimPrefix(a, "-")); err != nil {
		return nil, Validationf("money", "amount", "%s %s %v", truncate(a, 64), m.currency, err)
	}
	return json.Marshal(moneyJSON{Amount: a, Currency: m.currency})
}

// UnmarshalJSON decodes {"amount":"12.34","currency":"USD"} (the amount may
// also be a JSON number without an exponent, such as 12.34) and null as the
// zero Money. The currency must be an active code in upper case. Errors
// match ErrValidation.
func (m *Money) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = Money{}
		return nil
	}
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Validationf("money", "", "not a money object: %v", err)
	}
	a := string(bytes.TrimSpace(raw.Amount))
	if len(a) >= 2 && a[0] == '"' {
		var s string
		if err := json.Unmarshal(raw.Amount, &s); err != nil {
			return Validationf("money", "amount", "%v", err)
		}
		a = s
	}
	v, err := ParseAmount(a, Currency(raw.Currency))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Sum adds amounts in currency c. With no amounts it returns Zero(c). The
// error matches ErrCurrencyMismatch when any amount is in another currency.
func Sum(c Currency, amounts ...Money) (Money, error) {
	total := Zero(c)
	if !total.Valid() {
		return Money{}, Validationf("money", "currency", "%q is not an active ISO 4217 code", string(c))
	}
	for _, a := range amounts {
		if a.currency != c && !(a.currency == "" && a.amount.IsZero()) {
			return Money{}, fmt.Errorf("%w: sum in %s of %s", ErrCurrencyMismatch, c, a.describe())
		}
		total.amount = total.amount.Add(a.amount)
	}
	return total, nil
}

// maxParts bounds Split and Allocate: a split into billions of parts ran
// the process out of memory instead of returning an error.
const maxParts = 1 << 16

// Split divides m into n parts that differ by at most one smallest unit and
// sum exactly to m; the earlier parts get the extra units. Split(10.00 USD, 3)
// is 3.34, 3.33, 3.33. n is 1 to 65,536; other counts are an error matching
// ErrValidation.
func (m Money) Split(n int) ([]Money, error) {
	if n <= 0 || n > maxParts {
		return nil, Validationf("money", "parts", "must be from 1 to %d, got %d", maxParts, n)
	}
	w := make([]decimal.Decimal, n)
	for i := range w {
		w[i] = decimal.NewFromInt(1)
	}
	return m.Allocate(w)
}

// Allocate divides m in proportion to weights so that the parts sum exactly
// to m. Each part is rounded toward zero to the currency's minor unit (or to
// m's own precision when m has more decimals); the units left over go one
// each to the parts with the largest remainders, ties to the earlier part.
// The result is deterministic. Weights (1 to 65,536 of them) must be
// non-negative with a positive sum; a part whose weight is zero gets zero.
// Weights, and m, must be within the bounds NewMoney puts on an amount
// (scaling them to integers computes 10 to the power of their exponents).
// Errors match ErrValidation, or ErrCurrencyMismatch for the zero Money.
func (m Money) Allocate(weights []decimal.Decimal) ([]Money, error) {
	if m.currency == "" {
		return nil, fmt.Errorf("%w: allocate an amount with no currency", ErrCurrencyMismatch)
	}
	v := &ValidationError{Entity: "allocation"}
	if len(weights) == 0 {
		v.Add("weights", "at least one weight is required")
	}
	if len(weights) > maxParts {
		v.Add("weights", "at most %d weights, got %d", maxParts, len(weights))
		return nil, v
	}
	if tooLong(m.amount) {
		v.Add("amount", "has more digits than an amount may have (exponent %d, %d bits)", m.amount.Exponent(), m.amount.Coefficient().BitLen())
	}
	total := decimal.Zero
	places := int32(0)
	for i, w := range weights {
		if tooLong(w) {
			v.Add(fmt.Sprintf("weights[%d]", i), "has more digits than a weight may have (exponent %d, %d bits)", w.Exponent(), w.Coefficient().BitLen())
			continue
		}
		if w.Sign() < 0 {
			v.Add(fmt.Sprintf("weights[%d]", i), "must not be negative, got %s", w)
		}
		total = total.Add(w)
		if e := -w.Exponent(); e > places {
			places = e
		}
	}
	if len(weights) > 0 && total.Sign() <= 0 && len(v.Problems) == 0 {
		v.Add("weights", "must sum to more than zero")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Work in integers: the amount in its smallest unit, the weights scaled
	// to whole numbers.
	scale := int32(m.currency.MinorUnits())
	if e := -m.amount.Exponent(); e > scale {
		scale = e
	}
	units := m.amount.Shift(scale).BigInt()
	neg := units.Sign() < 0
	units.Abs(units)
	ws := make([]*big.Int, len(weights))
	W := new(big.Int)
	for i, w := range weights {
		ws[i] = w.Shift(places).BigInt()
		W.Add(W, ws[i])
	}
	parts := make([]*big.Int, len(weights))
	rems := make([]*big.Int, len(weights))
	assigned := new(big.Int)
	for i := range weights {
		num := new(big.Int).Mul(units, ws[i])
		q, r := new(big.Int).QuoRem(num, W, new(big.Int))
		parts[i], rems[i] = q, r
		assigned.Add(assigned, q)
	}
	left := new(big.Int).Sub(units, assigned).Int64() // < len(weights)
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return rems[order[a]].Cmp(rems[order[b]]) > 0
	})
	for k := int64(0); k < left; k++ {
		parts[order[k]].Add(parts[order[k]], big.NewInt(1))
	}
	out := make([]Money, len(weights))
	for i, p := range parts {
		if neg {
			p.Neg(p)
		}
		out[i] = Money{amount: decimal.NewFromBigInt(p, -scale), currency: m.currency}
	}
	return out, nil
}
