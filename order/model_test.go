package order_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// model drives random command sequences against a Service and checks the
// invariants after every step.
type model struct {
	t      *testing.T
	rng    *rand.Rand
	ctx    context.Context
	clock  *oms.ManualClock
	store  *order.MemoryStore
	gw     *ordertest.FakeGateway
	svc    *order.Service
	orders []oms.ID
	stats  map[string][2]int
}

func TestModel(t *testing.T) {
	steps := 3000
	if testing.Short() {
		steps = 500
	}
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			m := newModel(t, seed)
			for i := 0; i < steps; i++ {
				m.step(i)
				if t.Failed() {
					t.Fatalf("stopped at step %d (seed %d)", i, seed)
				}
			}
			t.Logf("seed %d: %d orders; accepted/refused per command: %v", seed, len(m.orders), m.stats)
			for _, cmd := range []string{"place", "allocate", "fulfill", "ship", "deliver", "return", "cancel_lines", "edit", "hold", "release"} {
				if m.stats[cmd][0] == 0 {
					t.Errorf("command %s was never accepted; the model does not exercise it", cmd)
				}
			}
			var completed int
			for _, id := range m.orders {
				if o, _ := m.store.Get(m.ctx, id); o.Status == order.StatusCompleted {
					completed++
				}
			}
			if completed == 0 {
				t.Errorf("no order completed in %d steps", steps)
			}
		})
	}
}

func newModel(t *testing.T, seed uint64) *model {
	m := &model{t: t, rng: rand.New(rand.NewPCG(seed, seed*7919)), ctx: context.Background(),
		clock: oms.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		store: order.NewMemoryStore(nil), gw: ordertest.NewFakeGateway(), stats: map[string][2]int{}}
	m.svc = order.NewService(m.store, &order.ServiceOptions{Clock: m.clock, Gateway: m.gw})
	return m
}

func (m *model) n(k int) int { return m.rng.IntN(k) }

func (m *model) money(minCents, maxCents int) oms.Money {
	v, _ := oms.FromMinor(int64(minCents+m.n(maxCents-minCents+1)), oms.USD)
	return v
}

func (m *model) lineInput() order.LineInput {
	q := int64(1 + m.n(5))
	price := m.money(0, 5000)
	in := order.LineInput{SKU: oms.SKU(fmt.Sprintf("SKU-%d", m.n(8))), Quantity: q, UnitPrice: price, Tax: m.money(0, 400)}
	if m.n(3) == 0 && price.IsPositive() {
		max, _ := price.Mul(q).MinorUnits()
		in.Discounts = []order.Discount{{Code: "L", Amount: m.money(1, int(max))}}
	}
	if m.n(10) == 0 {
		in.NoShipping = true
	}
	return in
}

func (m *model) placeInput() order.PlaceInput {
	in := order.PlaceInput{
		Currency: oms.USD,
		Customer: order.Customer{ID: oms.ID(fmt.Sprint("cus-", m.n(5))), Email: "c@example.com"},
		ShippingAddress: oms.Address{Name: "C", Line1: "1 Elm St", City: "Austin", Region: "TX",
			PostalCode: "73301", Country: "US"},
		ShippingCharge: m.money(0, 1500),
		ShippingTax:    m.money(0, 100),
		Payment:        order.PaymentInput{Method: "tok_ok"},
	}
	for range 1 + m.n(4) {
		in.Lines = append(in.Lines, m.lineInput())
	}
	if m.n(3) == 0 {
		in.Discounts = []order.Discount{{Code: "O", Amount: m.money(1, 1000)}}
	}
	switch m.n(6) {
	case 0:
		in.Payment.Method = ordertest.DeclinedMethod
	case 1:
		in.CapturePolicy = order.CaptureOnPlacement
	}
	if m.n(4) == 0 {
		in.IdempotencyKey = fmt.Sprint("cart-", m.n(40))
	}
	if m.n(8) == 0 { // bad input of some kind
		switch m.n(4) {
		case 0:
			in.Lines[0].Quantity = -int64(m.n(2))
		case 1:
			in.Lines[0].UnitPrice = oms.MustParseMoney("3.00 EUR")
		case 2:
			in.Lines = nil
		case 3:
			in.ShippingAddress.Country = "ZZ"
		}
	}
	return in
}

// lineQty picks a line of o and a quantity that is usually within room.
func (m *model) lineQty(o *order.Order, room func(order.Line) int64) []order.LineQuantity {
	l := o.Lines[m.n(len(o.Lines))]
	var roomy []order.Line
	for _, x := range o.Lines {
		if room(x) > 0 {
			roomy = append(roomy, x)
		}
	}
	if len(roomy) > 0 && m.n(4) > 0 {
		l = roomy[m.n(len(roomy))]
	}
	q := room(l)
	switch {
	case m.n(6) == 0:
		q = int64(m.n(4)) - 1 // 0 or negative or small
	case m.n(8) == 0:
		q += 1 + int64(m.n(2)) // past the bound
	case q > 1:
		q = 1 + int64(m.n(int(q)))
	}
	id := l.ID
	if m.n(30) == 0 {
		id = "no-such-line"
	}
	return []order.LineQuantity{{LineID: id, Quantity: q}}
}

type outcome struct {
	cmd      string
	o        *order.Order
	err      error
	payOnly  bool // the command's own write is a payment write
	replayOK bool // the command may be a no-op
}

func (m *model) step(i int) {
	m.clock.Advance(time.Duration(1+m.n(3600)) * time.Second)
	if len(m.orders) == 0 || m.n(40) == 0 {
		m.place()
		return
	}
	// Mostly the recent orders, so that orders get far in their lifecycle.
	k := len(m.orders)
	if k > 12 && m.n(10) > 0 {
		k = 12
	}
	id := m.orders[len(m.orders)-1-m.n(k)]
	before, err := m.store.Get(m.ctx, id)
	if err != nil {
		m.t.Fatalf("step %d: get %s: %v", i, id, err)
	}
	nEvents := len(m.store.Outbox().Events(id))
	out := m.command(before)
	after, err := m.store.Get(m.ctx, id)
	if err != nil {
		m.t.Fatalf("step %d: reload: %v", i, err)
	}
	newEvents := m.store.Outbox().Events(id)[nEvents:]
	st := m.stats[out.cmd]
	if out.err != nil {
		st[1]++
		m.stats[out.cmd] = st
		m.checkRefusal(i, out, before, after, newEvents)
	} else {
		st[0]++
		m.stats[out.cmd] = st
		m.checkWrites(i, out, before, after, newEvents)
	}
	m.checkInvariants(i, out.cmd, after)
}

func (m *model) command(o *order.Order) outcome {
	ctx, id := m.ctx, o.ID
	key := func(prefix string) string { return fmt.Sprintf("%s-%d", prefix, m.n(6)) }
	switch c := m.n(100); {
	case c < 8:
		r, err := m.svc.Confirm(ctx, id)
		return outcome{cmd: "confirm", o: r, err: err, replayOK: true}
	case c < 12:
		reasons := []order.HoldReason{order.HoldFraudReview, order.HoldAddressVerification, order.HoldCustomerRequest, order.HoldInventory, order.HoldOther, "nap"}
		in := order.HoldInput{Reason: reasons[m.n(len(reasons))], By: "model"}
		if m.n(2) == 0 {
			in.Key = key("hold")
		}
		r, err := m.svc.AddHold(ctx, id, in)
		return outcome{cmd: "hold", o: r, err: err, replayOK: true}
	case c < 20:
		var open []oms.ID
		for _, h := range o.Holds {
			if h.Reason != order.HoldAwaitingPayment {
				open = append(open, h.ID)
			}
		}
		hid := oms.ID("no-such-hold")
		if len(open) > 0 && m.n(10) > 0 {
			hid = open[m.n(len(open))]
		}
		r, err := m.svc.ReleaseHold(ctx, id, hid, order.ReleaseInput{By: "model"})
		return outcome{cmd: "release", o: r, err: err, replayOK: true}
	case c < 21:
		r, err := m.svc.Cancel(ctx, id, order.CancelInput{Reason: "model", By: "model"})
		return outcome{cmd: "cancel", o: r, err: err, replayOK: true}
	case c < 25:
		in := order.CancelLinesInput{Lines: m.lineQty(o, order.Line.Unshipped), Reason: "model"}
		if m.n(2) == 0 {
			in.Key = key("cl")
		}
		r, err := m.svc.CancelLines(ctx, id, in)
		return outcome{cmd: "cancel_lines", o: r, err: err, replayOK: in.Key != ""}
	case c < 30:
		in := m.editInput(o)
		r, err := m.svc.Edit(ctx, id, in)
		return outcome{cmd: "edit", o: r, err: err, replayOK: in.Key != ""} // a keyed edit may replay
	case c < 31:
		r, err := m.svc.AddNote(ctx, id, "model", fmt.Sprint("note ", m.n(100)))
		return outcome{cmd: "note", o: r, err: err}
	case c < 34:
		r, err := m.svc.AuthorizePayment(ctx, id, order.AuthorizeInput{Key: key("auth"), Method: "tok_ok"})
		return outcome{cmd: "authorize", o: r, err: err, payOnly: true, replayOK: true}
	}
	type rec struct {
		name string
		fn   func(context.Context, oms.ID, order.CounterInput) (*order.Order, error)
		room func(order.Line) int64
	}
	recs := []rec{
		{"allocate", m.svc.RecordAllocation, func(l order.Line) int64 { return l.Active() - l.Allocated }},
		{"fulfill", m.svc.RecordFulfillment, func(l order.Line) int64 { return l.Allocated - l.Fulfilled }},
		{"ship", m.svc.RecordShipment, func(l order.Line) int64 { return l.Fulfilled - l.Shipped }},
		{"deliver", m.svc.RecordDelivery, func(l order.Line) int64 { return l.Shipped - l.Delivered }},
		{"return", m.svc.RecordReturn, func(l order.Line) int64 { return l.Delivered - l.Returned }},
	}
	r := recs[m.n(len(recs))]
	if m.n(10) < 7 { // usually a move that has room somewhere
		var open []rec
		for _, c := range recs {
			for _, l := range o.Lines {
				if c.room(l) > 0 {
					open = append(open, c)
					break
				}
			}
		}
		if len(open) > 0 {
			r = open[m.n(len(open))]
		}
	}
	in := order.CounterInput{Key: key(r.name), Lines: m.lineQty(o, r.room)}
	if m.n(40) == 0 {
		in.Key = ""
	}
	res, err := r.fn(ctx, id, in)
	return outcome{cmd: r.name, o: res, err: err, replayOK: true}
}

func (m *model) editInput(o *order.Order) order.EditInput {
	var in order.EditInput
	pick := func() order.LineRef {
		l := o.Lines[m.n(len(o.Lines))]
		switch m.n(10) {
		case 0:
			return order.LineRef{SKU: "NOPE"}
		case 1, 2:
			return order.LineRef{SKU: l.SKU}
		}
		return order.LineRef{LineID: l.ID}
	}
	switch m.n(4) {
	case 0:
		in.Add = []order.LineInput{m.lineInput()}
		if m.n(6) == 0 {
			in.Add[0].Quantity = 0
		}
	case 1:
		in.Remove = []order.LineRef{pick()}
	default:
		in.Change = []order.QuantityChange{{LineRef: pick(), Quantity: int64(m.n(7))}}
	}
	if m.n(3) == 0 {
		in.Key = fmt.Sprint("edit-", m.n(4))
	}
	return in
}

func (m *model) place() {
	in := m.placeInput()
	var first *order.Order
	if in.IdempotencyKey != "" {
		first, _ = m.store.GetByIdempotencyKey(m.ctx, in.IdempotencyKey)
	}
	nAll := len(m.store.Outbox().Events(""))
	o, err := m.svc.Place(m.ctx, in)
	st := m.stats["place"]
	defer func() { m.stats["place"] = st }()
	if err != nil {
		var pe *order.PaymentError
		if errors.As(err, &pe) {
			m.t.Errorf("place: payment error with a fake gateway that does not fail: %v", err)
		}
		st[1]++
		switch {
		case first != nil && errors.Is(err, oms.ErrDuplicate):
			// The key was used for another cart (issue 10 item 2).
		case !errors.Is(err, oms.ErrValidation):
			m.t.Errorf("place refused with %v, want a validation error (or ErrDuplicate for a reused key)", err)
		}
		if n := len(m.store.Outbox().Events("")); n != nAll {
			m.t.Errorf("refused place saved %d events", n-nAll)
		}
		return
	}
	st[0]++
	if first != nil {
		if o.ID != first.ID {
			m.t.Errorf("place replay with key %q returned %s, first was %s", in.IdempotencyKey, o.ID, first.ID)
		}
		if n := len(m.store.Outbox().Events("")); n != nAll {
			m.t.Errorf("place replay saved %d events", n-nAll)
		}
		return
	}
	m.orders = append(m.orders, o.ID)
	evs := m.store.Outbox().Events(o.ID)
	if len(evs) == 0 || evs[0].Type != order.EventPlaced || evs[0].AggregateVersion != 1 {
		m.t.Errorf("new order's first event = %+v, want order.placed at version 1", evs)
	}
	after, _ := m.store.Get(m.ctx, o.ID)
	if own := m.checkVersions(-1, "place", 0, after, evs); own != 1 {
		m.t.Errorf("place: %d non-payment writes, want 1", own)
	}
	m.checkInvariants(-1, "place", after)
}

// checkRefusal: a refused command changed nothing and saved no event.
func (m *model) checkRefusal(i int, out outcome, before, after *order.Order, evs []oms.Event) {
	var pe *order.PaymentError
	if errors.As(out.err, &pe) {
		if pe.Operation != "authorize" {
			m.t.Errorf("step %d %s: payment error with a fake gateway that only declines: %v", i, out.cmd, out.err)
		}
		return // the authorization request was recorded, and its failure
	}
	known := []error{oms.ErrValidation, oms.ErrInvalidTransition, oms.ErrOnHold, oms.ErrDuplicate, oms.ErrNotFound, oms.ErrConflict}
	ok := false
	for _, k := range known {
		ok = ok || errors.Is(out.err, k)
	}
	if !ok {
		m.t.Errorf("step %d %s: error of no known kind: %v", i, out.cmd, out.err)
	}
	if d := ordertest.Diff(before, after); d != "" {
		m.t.Errorf("step %d %s refused (%v) but changed the order (-before +after):\n%s", i, out.cmd, out.err, d)
	}
	if len(evs) != 0 {
		m.t.Errorf("step %d %s refused but saved %d events", i, out.cmd, len(evs))
	}
}

// checkWrites: an accepted command made exactly one write of its own (none
// for a replay), plus the payment writes it caused; each write's events
// carry its version.
func (m *model) checkWrites(i int, out outcome, before, after *order.Order, evs []oms.Event) {
	if d := ordertest.Diff(after, out.o); d != "" {
		m.t.Errorf("step %d %s: returned order differs from the stored one (-stored +returned):\n%s", i, out.cmd, d)
	}
	if len(evs) == 0 {
		if !out.replayOK {
			m.t.Errorf("step %d %s accepted but saved nothing", i, out.cmd)
		}
		if d := ordertest.Diff(before, after); d != "" {
			m.t.Errorf("step %d %s saved no event but changed the order:\n%s", i, out.cmd, d)
		}
		return
	}
	own := m.checkVersions(i, out.cmd, before.Version, after, evs)
	want := 1
	if out.payOnly {
		want = 0
	}
	if own != want {
		m.t.Errorf("step %d %s: %d non-payment writes, want %d", i, out.cmd, own, want)
	}
}

// checkVersions checks that evs (the events of the writes after version
// from) cover each version from+1..after.Version with at least one event,
// and returns how many of those writes were not payment steps.
func (m *model) checkVersions(i int, cmd string, from int64, after *order.Order, evs []oms.Event) int {
	byVersion := map[int64][]string{}
	for _, e := range evs {
		byVersion[e.AggregateVersion] = append(byVersion[e.AggregateVersion], e.Type)
	}
	if got := int64(len(byVersion)); after.Version-from != got {
		m.t.Errorf("step %d %s: version grew %d -> %d but %d writes saved events %v", i, cmd, from, after.Version, got, byVersion)
	}
	own := 0
	for v := from + 1; v <= after.Version; v++ {
		types := byVersion[v]
		if len(types) == 0 {
			m.t.Errorf("step %d %s: version %d has no event", i, cmd, v)
			continue
		}
		if !strings.HasPrefix(types[0], "order.payment_") {
			own++
		}
	}
	return own
}

// checkInvariants checks everything that must hold of any stored order.
func (m *model) checkInvariants(i int, cmd string, o *order.Order) {
	t := m.t
	fail := func(format string, args ...any) {
		t.Errorf("step %d %s: order %s: %s", i, cmd, o.ID, fmt.Sprintf(format, args...))
	}
	if err := o.CheckCounters(); err != nil {
		fail("counters out of bounds: %v", err)
	}
	if !o.Status.Valid() {
		fail("status %q", o.Status)
	}
	// Derived statuses, recomputed line by line.
	all := func(f func(order.Line) bool) bool {
		for _, l := range o.Lines {
			if l.Active() > 0 && !f(l) {
				return false
			}
		}
		return true
	}
	some := func(f func(order.Line) bool) bool {
		for _, l := range o.Lines {
			if f(l) {
				return true
			}
		}
		return false
	}
	active := some(func(l order.Line) bool { return l.Active() > 0 })
	var wantF order.FulfillmentStatus
	switch {
	case !active:
		wantF = order.FulfillmentUnfulfilled
	case all(func(l order.Line) bool { return l.Delivered == l.Active() }):
		wantF = order.FulfillmentDelivered
	case some(func(l order.Line) bool { return l.Delivered > 0 }):
		wantF = order.FulfillmentPartiallyDelivered
	case all(func(l order.Line) bool { return l.Shipped == l.Active() }):
		wantF = order.FulfillmentShipped
	case some(func(l order.Line) bool { return l.Shipped > 0 }):
		wantF = order.FulfillmentPartiallyShipped
	case all(func(l order.Line) bool { return l.Allocated == l.Active() }):
		wantF = order.FulfillmentAllocated
	case some(func(l order.Line) bool { return l.Allocated > 0 }):
		wantF = order.FulfillmentPartiallyAllocated
	default:
		wantF = order.FulfillmentUnfulfilled
	}
	if got := o.FulfillmentStatus(); got != wantF || !got.Valid() {
		fail("fulfillment status %s, counters say %s", got, wantF)
	}
	returned := some(func(l order.Line) bool { return l.Returned > 0 })
	allBack := !some(func(l order.Line) bool { return l.Returned != l.Shipped })
	wantR := order.ReturnNone
	if returned {
		wantR = order.ReturnPartial
		if allBack {
			wantR = order.ReturnFull
		}
	}
	if got := o.ReturnStatus(); got != wantR || !got.Valid() {
		fail("return status %s, counters say %s", got, wantR)
	}
	// Lifecycle status against the counters.
	done := !some(func(l order.Line) bool { return l.Delivered+l.Cancelled != l.Quantity })
	delivered := some(func(l order.Line) bool { return l.Delivered > 0 })
	shipped := some(func(l order.Line) bool { return l.Shipped > 0 })
	allocated := some(func(l order.Line) bool { return l.Allocated > 0 })
	switch o.Status {
	case order.StatusPending, order.StatusConfirmed:
		if allocated || !active {
			fail("%s with allocated=%v active=%v", o.Status, allocated, active)
		}
	case order.StatusProcessing:
		if !active || (done && delivered) {
			fail("processing with active=%v and every line done=%v", active, done)
		}
	case order.StatusCompleted:
		if !done || !delivered {
			fail("completed but not every line delivered or cancelled")
		}
	case order.StatusCancelled:
		if active || shipped {
			fail("cancelled with active=%v shipped=%v", active, shipped)
		}
	}
	// Totals.
	want, err := order.ComputeTotals(o)
	if err != nil {
		fail("ComputeTotals: %v", err)
		return
	}
	// Money prints every digit, so equal prints are equal totals (the
	// cheap check first; go-cmp explains a difference).
	if fmt.Sprintf("%+v", want) != fmt.Sprintf("%+v", o.Totals) {
		fail("stored totals differ from recomputed (-recomputed +stored):\n%s", cmp.Diff(want, o.Totals, ordertest.CmpOptions()))
	}

	sum := func(f func(order.LineTotals) oms.Money) oms.Money {
		s := oms.Zero(oms.USD)
		for _, lt := range want.Lines {
			s, _ = s.Add(f(lt))
		}
		return s
	}
	check := func(name string, got, wantM oms.Money) {
		if !got.Equal(wantM) || !got.IsRounded() {
			fail("%s = %s, want %s (rounded)", name, got, wantM)
		}
	}
	check("subtotal", want.Subtotal, sum(func(l order.LineTotals) oms.Money { return l.Subtotal }))
	check("order discounts", want.OrderDiscounts, sum(func(l order.LineTotals) oms.Money { return l.OrderDiscount }))
	check("line discounts", want.LineDiscounts, sum(func(l order.LineTotals) oms.Money { return l.LineDiscount }))
	g := want.Subtotal
	g, _ = g.Sub(want.Discount)
	g, _ = g.Add(want.Shipping)
	g, _ = g.Add(want.Tax)
	check("grand total", want.GrandTotal, g)
	if want.GrandTotal.IsNegative() {
		fail("negative grand total %s", want.GrandTotal)
	}
	for j, lt := range want.Lines {
		if lt.Total.IsNegative() || lt.LineDiscount.Amount().GreaterThan(lt.Subtotal.Amount()) {
			fail("line %d totals %+v", j, lt)
		}
	}
	// Payment.
	p := o.Payment
	le := m.gw.Ledger(o.ID)
	amt := func(x oms.Money) string { return x.Round().StringAmount() }
	if p.Pending != nil {
		fail("payment %s left pending with a gateway that does not fail", p.Pending.Kind)
	}
	if le.Authorized.Valid() {
		for _, c := range [][3]any{{"authorized", p.Authorized, le.Authorized}, {"captured", p.Captured, le.Captured}, {"voided", p.Voided, le.Voided}, {"refunded", p.Refunded, le.Refunded}} {
			if amt(c[1].(oms.Money)) != amt(c[2].(oms.Money)) {
				fail("order says %s %s, gateway %s", c[0], c[1], c[2])
			}
		}
	}
	used, _ := p.Captured.Add(p.Voided)
	if used.Amount().GreaterThan(p.Authorized.Amount()) {
		fail("captured %s + voided %s above authorized %s", p.Captured, p.Voided, p.Authorized)
	}
	if p.Refunded.Amount().GreaterThan(p.Captured.Amount()) {
		fail("refunded %s above captured %s", p.Refunded, p.Captured)
	}
	collected, _ := p.Captured.Sub(p.Adjusted)
	if collected.Amount().GreaterThan(want.GrandTotal.Amount()) {
		fail("collected %s above the grand total %s", collected, want.GrandTotal)
	}
	open, _ := p.Authorized.Sub(p.Voided)
	if !o.Status.Final() && want.GrandTotal.Amount().GreaterThan(open.Amount()) && !o.HasOpenHold(order.HoldAwaitingPayment) {
		fail("authorized %s below the grand total %s without an awaiting_payment hold", open, want.GrandTotal)
	}
	if o.Status.Final() && open.Amount().GreaterThan(p.Captured.Amount()) {
		fail("%s order keeps an open authorization: authorized %s voided %s captured %s", o.Status, p.Authorized, p.Voided, p.Captured)
	}
	if o.Status == order.StatusCompleted && p.Authorization != "" && !collected.Equal(want.GrandTotal) {
		fail("completed order collected %s of %s", collected, want.GrandTotal)
	}
}
