package order

import (
	"math"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// fixed is an exact amount c × 10^e with an int64 coefficient: the working
// form of fastTotals. Its operations mirror add, sub and oms.Money.Mul on
// decimals (a sum takes the smaller exponent; adding zero returns the other
// operand unchanged), so fastTotals builds the same amounts, with the same
// exponents, as exactTotals. m is the Money the value was taken from
// unchanged, if any, so that it can be returned without a new decimal.
type fixed struct {
	c int64
	e int32
	m oms.Money
}

// pow10 holds 10^0 … 10^18, the powers that fit an int64.
var pow10 = [...]int64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// fixedOf returns m as a fixed, or false when its coefficient has more
// than 18 digits.
func fixedOf(m oms.Money) (fixed, bool) {
	d := m.Amount()
	if d.NumDigits() > 18 {
		return fixed{}, false
	}
	return fixed{c: d.CoefficientInt64(), e: d.Exponent(), m: m}, true
}

// rescale returns c × 10^(from-to) for to ≤ from, or false on overflow.
func rescale(c int64, from, to int32) (int64, bool) {
	k := int64(from) - int64(to)
	if k == 0 {
		return c, true
	}
	if k >= int64(len(pow10)) {
		return 0, c == 0
	}
	p := pow10[k]
	if c > math.MaxInt64/p || c < math.MinInt64/p {
		return 0, false
	}
	return c * p, true
}

// aligned returns a's and b's coefficients at their smaller exponent.
func aligned(a, b fixed) (x, y int64, e int32, ok bool) {
	e = min(a.e, b.e)
	if x, ok = rescale(a.c, a.e, e); !ok {
		return 0, 0, 0, false
	}
	y, ok = rescale(b.c, b.e, e)
	return x, y, e, ok
}

// fadd mirrors add: a zero operand returns the other one unchanged.
func fadd(a, b fixed) (fixed, bool) {
	switch {
	case b.c == 0:
		return a, true
	case a.c == 0:
		return b, true
	}
	x, y, e, ok := aligned(a, b)
	s := x + y
	if !ok || (y > 0 && s < x) || (y < 0 && s > x) {
		return fixed{}, false
	}
	return fixed{c: s, e: e}, true
}

// fsub mirrors sub: subtracting zero returns a unchanged.
func fsub(a, b fixed) (fixed, bool) {
	if b.c == 0 {
		return a, true
	}
	x, y, e, ok := aligned(a, b)
	s := x - y
	if !ok || (y > 0 && s > x) || (y < 0 && s < x) {
		return fixed{}, false
	}
	return fixed{c: s, e: e}, true
}

// fmul mirrors oms.Money.Mul by a quantity; times one keeps the Money.
func fmul(a fixed, q int64) (fixed, bool) {
	if q == 1 {
		return a, true
	}
	if a.c != 0 && q != 0 {
		p := a.c * q
		if p/q != a.c || (a.c == -1 && q == math.MinInt64) || (q == -1 && a.c == math.MinInt64) {
			return fixed{}, false
		}
		return fixed{c: p, e: a.e}, true
	}
	return fixed{e: a.e}, true
}

// cmp compares a and b, or reports false when they cannot be aligned.
func (a fixed) cmp(b fixed) (int, bool) {
	x, y, _, ok := aligned(a, b)
	switch {
	case !ok:
		return 0, false
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// money returns a as a Money in cur: the Money it was taken from when it is
// unchanged, else a new one.
func (a fixed) money(cur oms.Currency) oms.Money {
	if a.m.Valid() {
		return a.m
	}
	if a.c == 0 && a.e == 0 {
		return oms.Zero(cur)
	}
	m, _ := oms.NewMoney(decimal.New(a.c, a.e), cur) // cur is checked valid
	return m
}

// fixedIn mirrors inCurrency: m in cur, the zero Money as zero, and false
// for another currency (exactTotals then reports it) or a coefficient too
// large.
func fixedIn(m oms.Money, cur oms.Currency) (fixed, bool) {
	switch m.Currency() {
	case cur:
		return fixedOf(m)
	case "":
		if m.IsZero() {
			return fixed{m: oms.Zero(cur)}, true
		}
	}
	return fixed{}, false
}

// fixedPart mirrors activePart: the active units' share of a, split with
// oms.Money.Allocate when some units are cancelled.
func fixedPart(a fixed, active, qty int64, cur oms.Currency) (fixed, bool) {
	switch {
	case active == qty || a.c == 0:
		return a, true
	case active <= 0 || qty <= 0:
		return fixed{m: oms.Zero(cur)}, true
	}
	p, err := activePart(a.money(cur), active, qty)
	if err != nil {
		return fixed{}, false
	}
	return fixedOf(p)
}

// fastTotals computes what exactTotals does, on int64 coefficients instead
// of big.Int decimals, so that an ordinary order costs a few allocations
// per line instead of dozens. It reports false, having computed nothing
// usable, whenever an amount is in another currency, a line's discounts
// exceed its subtotal, or a coefficient would leave int64; exactTotals
// then computes the totals or the error.
func fastTotals(o *Order) (Totals, bool) {
	cur := o.Currency
	zero := oms.Zero(cur)
	if !zero.Valid() {
		return Totals{}, false
	}
	fz := fixed{m: zero}
	lines := make([]LineTotals, len(o.Lines))
	weights := make([]decimal.Decimal, len(o.Lines))
	// Per line: the net (subtotal minus line discount) and the tax, kept
	// for the line totals once the order discount is shared out.
	type work struct{ net, tax fixed }
	var buf [16]work
	ws := buf[:0]
	if len(o.Lines) > len(buf) {
		ws = make([]work, 0, len(o.Lines))
	}
	var active int64
	net, subtotal, lineDisc, tax := fz, fz, fz, fz
	var ok bool
	for i := range o.Lines {
		l := &o.Lines[i]
		a := l.Active()
		active += a
		price, ok1 := fixedIn(l.UnitPrice, cur)
		if !ok1 {
			return Totals{}, false
		}
		sub, ok1 := fmul(price, a)
		if !ok1 {
			return Totals{}, false
		}
		disc := fz
		for j := range l.Discounts {
			d, ok2 := fixedIn(l.Discounts[j].Amount, cur)
			if !ok2 {
				return Totals{}, false
			}
			if disc, ok = fadd(disc, d); !ok {
				return Totals{}, false
			}
		}
		ld, ok1 := fixedPart(disc, a, l.Quantity, cur)
		if !ok1 {
			return Totals{}, false
		}
		lt, ok1 := fixedIn(l.Tax, cur)
		if !ok1 {
			return Totals{}, false
		}
		if lt, ok = fixedPart(lt, a, l.Quantity, cur); !ok {
			return Totals{}, false
		}
		lineNet, ok1 := fsub(sub, ld)
		if !ok1 || lineNet.c < 0 {
			return Totals{}, false
		}
		if net, ok = fadd(net, lineNet); !ok {
			return Totals{}, false
		}
		if subtotal, ok = fadd(subtotal, sub); !ok {
			return Totals{}, false
		}
		if lineDisc, ok = fadd(lineDisc, ld); !ok {
			return Totals{}, false
		}
		if tax, ok = fadd(tax, lt); !ok {
			return Totals{}, false
		}
		lineNet.m = lineNet.money(cur)
		weights[i] = lineNet.m.Amount()
		lines[i] = LineTotals{
			LineID: l.ID, Quantity: a, Subtotal: sub.money(cur),
			LineDiscount: ld.money(cur), OrderDiscount: zero, Tax: lt.money(cur),
		}
		ws = append(ws, work{net: lineNet, tax: lt})
	}
	orderDisc := fz
	for j := range o.Discounts {
		d, ok1 := fixedIn(o.Discounts[j].Amount, cur)
		if !ok1 {
			return Totals{}, false
		}
		if orderDisc, ok = fadd(orderDisc, d); !ok {
			return Totals{}, false
		}
	}
	c, ok := orderDisc.cmp(net)
	if !ok {
		return Totals{}, false
	}
	if c > 0 {
		orderDisc = net
	}
	t := Totals{
		Currency: cur, Subtotal: subtotal.money(cur), LineDiscounts: lineDisc.money(cur),
		OrderDiscounts: zero, Lines: lines,
	}
	orderDiscs := fz
	if orderDisc.c > 0 {
		orderDiscs = orderDisc
		t.OrderDiscounts = orderDisc.money(cur)
		shares, err := t.OrderDiscounts.Allocate(weights)
		if err != nil {
			return Totals{}, false
		}
		for i := range lines {
			lines[i].OrderDiscount = shares[i]
		}
	}
	for i := range lines {
		// Total = Subtotal - LineDiscount - OrderDiscount + Tax, where the
		// first difference is the line's net.
		tot := ws[i].net
		if od := lines[i].OrderDiscount; !od.IsZero() {
			f, ok1 := fixedOf(od)
			if !ok1 {
				return Totals{}, false
			}
			if tot, ok = fsub(tot, f); !ok {
				return Totals{}, false
			}
		}
		if tot, ok = fadd(tot, ws[i].tax); !ok {
			return Totals{}, false
		}
		lines[i].Total = tot.money(cur)
	}
	ship := fz
	if active > 0 {
		if ship, ok = fixedIn(o.ShippingCharge, cur); !ok {
			return Totals{}, false
		}
		st, ok1 := fixedIn(o.ShippingTax, cur)
		if !ok1 {
			return Totals{}, false
		}
		if tax, ok = fadd(tax, st); !ok {
			return Totals{}, false
		}
	}
	disc, ok := fadd(lineDisc, orderDiscs)
	if !ok {
		return Totals{}, false
	}
	left, ok := fsub(subtotal, disc)
	if !ok {
		return Totals{}, false
	}
	right, ok := fadd(ship, tax)
	if !ok {
		return Totals{}, false
	}
	grand, ok := fadd(left, right)
	if !ok {
		return Totals{}, false
	}
	t.Shipping, t.Tax, t.Discount, t.GrandTotal = ship.money(cur), tax.money(cur), disc.money(cur), grand.money(cur)
	return t, true
}
