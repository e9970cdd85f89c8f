package order

import (
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/omskit/oms"
)

// Input limits applied by Place and Edit. SKUs follow oms.ValidateSKU
// (at most oms.MaxSKULength bytes).
const (
	// MaxLines is the most lines an order may have.
	MaxLines = 500
	// MaxLineQty is the largest quantity of one line (well below
	// oms.MaxQuantity, so sums over MaxLines lines never wrap).
	MaxLineQty = 1_000_000
	// MaxTextLength bounds free text (names, notes, reasons) in characters.
	MaxTextLength = 500
	// MaxCodeLength bounds short codes (channel, discount codes) in
	// characters.
	MaxCodeLength = 64
	// MaxMetadata is the most metadata keys; MaxMetadataKey the longest
	// key in characters.
	MaxMetadata    = 50
	MaxMetadataKey = 40
)

// maxAmountScale bounds the decimal exponent of an amount given to Place
// or Edit, either way: oms.Money is written with at most 40 digits.
const maxAmountScale = 40

// checker collects every problem of an input. Amounts in the wrong
// currency are recorded as problems too and make the final error match
// oms.ErrCurrencyMismatch as well as oms.ErrValidation.
type checker struct {
	v        *oms.ValidationError
	currency oms.Currency
	mismatch bool
}

func newChecker(cur oms.Currency) *checker {
	return &checker{v: validation(), currency: cur}
}

func (c *checker) add(field, format string, args ...any) { c.v.Add(field, format, args...) }

func (c *checker) err() error {
	err := c.v.Err()
	if err != nil && c.mismatch {
		return &mismatchError{c.v}
	}
	return err
}

// mismatchError is a *oms.ValidationError that also matches
// oms.ErrCurrencyMismatch.
type mismatchError struct{ *oms.ValidationError }

// Is reports whether target is oms.ErrCurrencyMismatch or
// oms.ErrValidation.
func (e *mismatchError) Is(target error) bool {
	return target == oms.ErrCurrencyMismatch || target == oms.ErrValidation
}

// Unwrap returns the *oms.ValidationError, for errors.As.
func (e *mismatchError) Unwrap() error { return e.ValidationError }

// money checks an amount: in the order's currency, rounded to its minor
// unit, not negative (positive when strict). A zero oms.Money counts as
// zero when optional and is reported missing otherwise. It returns the
// amount to store (zero in the order's currency for a missing optional).
func (c *checker) money(name string, m oms.Money, optional, strict bool) oms.Money {
	return c.moneyAt(plain(name), m, optional, strict)
}

// moneyAt is money for a field path built only if there is a problem.
func (c *checker) moneyAt(f field, m oms.Money, optional, strict bool) oms.Money {
	if m.Currency() == "" && m.IsZero() {
		if !optional {
			c.add(f.String(), "is required")
		} else if strict {
			c.add(f.String(), "must be positive")
		}
		return oms.Zero(c.currency)
	}
	if !c.size(f, m) {
		// Checked first: rounding or printing such a decimal computes a
		// power of ten with up to billions of digits.
		return oms.Zero(c.currency)
	}
	if m.Currency() != c.currency {
		if c.currency.Valid() {
			c.mismatch = true
			c.add(f.String(), "is in %q, the order is in %s", string(m.Currency()), c.currency)
		}
		return m
	}
	switch {
	case m.IsNegative():
		c.add(f.String(), "must not be negative, got %s", m)
	case strict && m.IsZero():
		c.add(f.String(), "must be positive")
	case !m.IsRounded():
		c.add(f.String(), "%s has more decimals than %s allows", m.Amount(), c.currency)
	default:
		// Stored at the minor unit: "10.000 USD" is 10.00 USD, so that
		// splitting it (Allocate) never cuts below a cent.
		return m.Round()
	}
	return m
}

// size checks that m can be printed and rounded: an exponent within
// ±maxAmountScale and a coefficient of at most 256 bits. Commands check
// it before they print their input (to fingerprint it), since printing an
// amount with an exponent of a billion writes a billion digits. It
// reports whether m is fine.
func (c *checker) size(f field, m oms.Money) bool {
	if tooLong(m) {
		c.add(f.String(), "has more digits than an amount may have (exponent %d)", m.Amount().Exponent())
		return false
	}
	return true
}

// tooLong reports whether m's exponent is outside ±maxAmountScale or its
// coefficient longer than 256 bits: adding, rounding or printing it
// computes a power of ten with up to billions of digits.
func tooLong(m oms.Money) bool {
	d := m.Amount()
	return d.Exponent() < -maxAmountScale || d.Exponent() > maxAmountScale || d.Coefficient().BitLen() > 256
}

func (c *checker) text(name, s string, max int, required bool) {
	c.textAt(plain(name), s, max, required)
}

// textAt is text for a field path built only if there is a problem.
func (c *checker) textAt(f field, s string, max int, required bool) {
	switch {
	case !utf8.ValidString(s):
		c.add(f.String(), "is not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		c.add(f.String(), "contains control characters")
	case utf8.RuneCountInString(s) > max:
		c.add(f.String(), "is longer than %d characters", max)
	case required && strings.TrimSpace(s) == "":
		c.add(f.String(), "is required")
	}
}

// field is the path of an input field, such as lines[2].discounts[0].amount,
// kept in parts so that the string is built only when a problem is
// reported: base, then [i] when i >= 0, then .sub[j] when sub is set,
// then .name when name is set.
type field struct {
	base string
	i    int
	sub  string
	j    int
	name string
}

// plain is the field path name as it is.
func plain(name string) field { return field{base: name, i: -1} }

// at returns f with the last part name.
func (f field) at(name string) field {
	f.name = name
	return f
}

// String returns the path, as ValidationError field names spell it.
func (f field) String() string {
	b := make([]byte, 0, len(f.base)+len(f.sub)+len(f.name)+16)
	b = append(b, f.base...)
	if f.i >= 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(f.i), 10)
		b = append(b, ']')
	}
	if f.sub != "" {
		b = append(b, '.')
		b = append(b, f.sub...)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(f.j), 10)
		b = append(b, ']')
	}
	if f.name != "" {
		b = append(b, '.')
		b = append(b, f.name...)
	}
	return string(b)
}

func (c *checker) key(field, k string, required bool) {
	if k == "" {
		if required {
			c.add(field, "is required")
		}
		return
	}
	if err := oms.ValidateID(oms.ID(k)); err != nil {
		c.add(field, "must be 1 to 128 bytes of printable ASCII without spaces")
	}
}

// date checks that d is zero or a calendar day between years 1 and 9999
// (what oms.ParseDate reads back), and reports whether it is.
func (c *checker) date(field string, d oms.Date) bool {
	if d.IsZero() || d.Year >= 1 && d.Year <= 9999 && oms.NewDate(d.Year, d.Month, d.Day) == d {
		return true
	}
	c.add(field, "is not a calendar day between years 1 and 9999: year %d, month %d, day %d", d.Year, int(d.Month), d.Day)
	return false
}

func (c *checker) email(field, s string) {
	c.text(field, s, oms.MaxEmailLength, true)
	if s == "" {
		return
	}
	if p, err := mail.ParseAddress(s); err != nil || p.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		c.add(field, "%q is not an e-mail address", clip(s))
	}
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// LineInput describes a line to add, at placement or in an edit.
type LineInput struct {
	// SKU is the stock-keeping unit (oms.ValidateSKU); required.
	SKU oms.SKU `json:"sku"`
	// Name is the product name shown to the customer; the SKU when empty.
	Name string `json:"name"`
	// Quantity is the units ordered, 1 to MaxLineQty.
	Quantity int64 `json:"quantity"`
	// UnitPrice is the price of one unit before discounts (with its tax
	// when the order's taxes are included), in the order's currency,
	// rounded to its minor unit.
	UnitPrice oms.Money `json:"unit_price"`
	// Discounts are for the full quantity; their sum is at most
	// UnitPrice × Quantity.
	Discounts []Discount `json:"discounts,omitempty"`
	// Tax is the line's tax for the full quantity, after every discount
	// (leave it zero when the Service has a TaxCalculator).
	Tax oms.Money `json:"tax"`
	// TaxCode is the product's tax class for a TaxCalculator ("reduced",
	// "zero"); empty for the standard rate.
	TaxCode        string         `json:"tax_code,omitempty"`
	UnitWeight     oms.Weight     `json:"unit_weight,omitempty"`
	UnitDimensions oms.Dimensions `json:"unit_dimensions,omitzero"`
	// NoShipping marks goods that are not shipped (digital goods,
	// services); the line's RequiresShipping is its negation.
	NoShipping bool `json:"no_shipping,omitempty"`
}

// line checks in, the input base[i] (lines[i] or add[i]), and returns the
// line it describes (without ID).
func (c *checker) line(base string, i int, in LineInput) Line {
	p := field{base: base, i: i}
	f := func(name string) string { return p.at(name).String() }
	if err := oms.ValidateSKU(in.SKU); err != nil {
		c.add(f("sku"), "%q: %v", clip(string(in.SKU)), err)
	}
	c.textAt(p.at("name"), in.Name, MaxTextLength, false)
	c.textAt(p.at("tax_code"), in.TaxCode, MaxCodeLength, false)
	switch {
	case in.Quantity <= 0:
		c.add(f("quantity"), "must be positive, got %d", in.Quantity)
	case in.Quantity > MaxLineQty:
		c.add(f("quantity"), "must be at most %d, got %d", MaxLineQty, in.Quantity)
	}
	l := Line{
		SKU: in.SKU, Name: in.Name, Quantity: in.Quantity, TaxCode: in.TaxCode,
		UnitWeight: in.UnitWeight, UnitDimensions: in.UnitDimensions,
		RequiresShipping: !in.NoShipping,
	}
	if l.Name == "" {
		l.Name = string(in.SKU)
	}
	l.UnitPrice = c.moneyAt(p.at("unit_price"), in.UnitPrice, false, false)
	l.Tax = c.moneyAt(p.at("tax"), in.Tax, true, false)
	ok := l.UnitPrice.Currency() == c.currency && c.currency.Valid()
	if len(in.Discounts) > 0 {
		l.Discounts = make([]Discount, 0, len(in.Discounts))
	}
	for j, d := range in.Discounts {
		df := p
		df.sub, df.j = "discounts", j
		c.textAt(df.at("code"), d.Code, MaxCodeLength, false)
		c.textAt(df.at("description"), d.Description, MaxTextLength, false)
		d.Amount = c.moneyAt(df.at("amount"), d.Amount, false, true)
		ok = ok && d.Amount.Currency() == c.currency
		l.Discounts = append(l.Discounts, d)
	}
	if ok && in.Quantity > 0 && discountsExceed(l.UnitPrice, in.Quantity, l.Discounts) {
		disc := oms.Zero(c.currency)
		for _, d := range l.Discounts {
			disc = add(disc, d.Amount)
		}
		c.add(f("discounts"), "total %s exceeds the line subtotal %s", disc, l.UnitPrice.Mul(in.Quantity))
	}
	if in.UnitWeight < 0 {
		c.add(f("unit_weight"), "must not be negative, got %s", in.UnitWeight)
	}
	if !in.UnitDimensions.IsZero() {
		var ve *oms.ValidationError
		if err := in.UnitDimensions.Validate(); errors.As(err, &ve) {
			c.v.Merge(f("unit_dimensions"), ve)
		}
	}
	return l
}

func (c *checker) address(field string, a oms.Address, required bool) oms.Address {
	if a == (oms.Address{}) {
		if required {
			c.add(field, "is required")
		}
		return a
	}
	a = a.Normalize()
	c.v.Merge(field, a.Validate())
	return a
}

// discountsExceed reports whether the discounts, all in price's currency,
// add up to more than price × qty.
func discountsExceed(price oms.Money, qty int64, discounts []Discount) bool {
	disc := oms.Zero(price.Currency())
	for _, d := range discounts {
		disc = add(disc, d.Amount)
	}
	return gt(disc, price.Mul(qty))
}
