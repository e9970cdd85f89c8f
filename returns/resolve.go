package returns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/shopspring/decimal"
)

// Difference is the exact price difference of an exchange.
type Difference struct {
	// Replacement is what the replacement items cost (after their
	// discounts, with tax).
	Replacement oms.Money `json:"replacement"`
	// Credit is what the exchanged units were worth (their exact share of
	// the order, see CalculateRefund; no fees).
	Credit oms.Money `json:"credit"`
	// Due is what the customer pays: Replacement - Credit when positive.
	Due oms.Money `json:"due"`
	// Credited is what the customer gets back: Credit - Replacement when
	// positive. It is refunded on the original order.
	Credited oms.Money `json:"credited"`
}

// ExchangeDifference returns the exact difference between a replacement
// costing replacement and a credit. Amounts in two currencies cannot be
// compared: then Due and Credited are the zero Money.
func ExchangeDifference(replacement, credit oms.Money) Difference {
	cur := replacement.Currency()
	if cur == "" {
		cur = credit.Currency()
	}
	if c := credit.Currency(); c != "" && c != cur {
		return Difference{Replacement: replacement, Credit: credit}
	}
	z := oms.Zero(cur)
	d := Difference{Replacement: orZero(replacement, cur), Credit: orZero(credit, cur), Due: z, Credited: z}
	diff := minus(d.Replacement, d.Credit)
	if diff.IsPositive() {
		d.Due = diff
	} else {
		d.Credited = diff.Neg()
	}
	return d
}

// ResolveInput resolves an inspected return (or a claim).
type ResolveInput struct {
	// PaymentMethod pays what an exchange's replacement costs beyond the
	// credit (the Gateway's method token); not needed when nothing is due.
	PaymentMethod string `json:"payment_method,omitempty"`
	// Reason is sent to the gateway with the refund; empty means "return".
	Reason string `json:"reason,omitempty"`
}

// RefundKey returns the key of a return's refund at the order.
func RefundKey(id oms.ID) string { return "return-" + string(id) }

// ExchangeKey returns the idempotency key of a return's replacement order.
func ExchangeKey(id oms.ID) string { return "return-" + string(id) + "-exchange" }

// Resolve completes an inspected return (or an approved claim): the
// accepted units of refund lines are refunded (CalculateRefund under the
// policy, the return label's price as the return shipping cost), those of
// store-credit lines become store credit (return.store_credit_issued),
// and exchange lines get a replacement order through the order service,
// linked to the return, with the exact price difference (ExchangeDifference):
// the credit is applied to the replacement order as a discount (and, when
// it exceeds the replacement's price, against its tax, which the customer
// already paid on the original order), the rest of the credit is refunded,
// and what is due is paid by the replacement order (PaymentMethod). An
// advance exchange's replacements of units that did not come back are
// charged on an order of their own (ExchangeRecord.ChargeOrderID), also
// with PaymentMethod: without one, Resolve is refused and changes nothing.
//
// Each step is recorded on the return before it reaches another service,
// with keys derived from the return (RefundKey, ExchangeKey), so a Resolve
// that failed half way (a gateway error, a crash, even after the gateway
// took the money) is finished by calling it again, and the customer is
// refunded exactly once. A completed return is returned unchanged. Money
// goes back through the order service's Gateway: without one, a refund
// fails with oms.ErrUnsupported (store credit and even exchanges need
// none).
func (s *Service) Resolve(ctx context.Context, id oms.ID, in ResolveInput) (*Return, error) {
	v := validation()
	checkText(v, "payment_method", in.PaymentMethod, false)
	checkText(v, "reason", in.Reason, false)
	// The order service takes them (the replacement's payment, the
	// refund's reason) up to its own bound, shorter than ours.
	for _, f := range []struct{ name, s string }{{"payment_method", in.PaymentMethod}, {"reason", in.Reason}} {
		if n := utf8.RuneCountInString(f.s); n > order.MaxTextLength && n <= MaxTextLength {
			v.Add(f.name, "is longer than %d characters", order.MaxTextLength)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	reason := in.Reason
	if reason == "" {
		reason = "return"
	}
	// The resolutions of one order's returns are planned and refunded
	// one at a time: a plan values its units after those of the order's
	// other returns (store credit, exchanges, refunds), which it must
	// see, as the order must reflect the refunds already made.
	first, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	defer s.gate(first.OrderID)()
	for attempt := 0; attempt <= s.retries; attempt++ {
		r, err := s.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Status == StatusCompleted {
			if err := s.endAdvance(ctx, r); err != nil {
				return nil, err
			}
			return r, nil
		}
		ready := r.Status == StatusInspected || r.Kind == KindClaim && r.Status == StatusApproved
		if !ready {
			return nil, transitionError(r, StatusCompleted, "inspect the returned units first")
		}
		if r.Refund == nil {
			if r, err = s.plan(ctx, r, in.PaymentMethod); err != nil {
				return nil, err
			}
		}
		if r.Exchange != nil && r.Exchange.OrderID == "" {
			if r, err = s.placeReplacement(ctx, r, in.PaymentMethod); err != nil {
				return nil, err
			}
		}
		if r.Exchange != nil && r.Exchange.Advance && r.Exchange.Difference.Due.IsPositive() {
			if r.Exchange.ChargeOrderID == "" {
				if r, err = s.chargeUnreturned(ctx, r, in.PaymentMethod); err != nil {
					return nil, err
				}
			}
			if err := s.settleCharge(ctx, r, in.PaymentMethod); err != nil {
				return nil, err
			}
		}
		if r.Refund == nil {
			continue // a concurrent Resolve dropped the plan: plan again
		}
		if !r.Refund.Done && r.Refund.Breakdown.Total.IsPositive() {
			input := r.Refund.Breakdown.RefundInput(r.Refund.Key, reason, r.Refund.OrderVersion)
			if _, err := s.orders.Refund(ctx, r.OrderID, input); err != nil {
				// The order moved since the plan (plan again), or a
				// concurrent Resolve planned again and its refund took
				// the key (a duplicate): unless the plan on the return
				// changed meanwhile (then use it), the error stands.
				moved := errors.Is(err, oms.ErrConflict) && !errors.As(err, new(*order.PaymentError))
				if moved || errors.Is(err, oms.ErrDuplicate) {
					tried, replanned := r.Refund.OrderVersion, false
					if _, _, err := s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
						if r.Refund == nil || r.Refund.Done || r.Refund.OrderVersion != tried {
							replanned = true
							return nil, nil
						}
						if !moved {
							return nil, nil
						}
						r.Refund = nil
						return []pendingEvent{{EventRefundRequested, RefundPayload{OrderID: r.OrderID, Key: RefundKey(r.ID)}}}, nil
					}); err != nil {
						return nil, err
					}
					if moved || replanned {
						continue
					}
				}
				return nil, fmt.Errorf("returns: %s: refund: %w", id, err)
			}
		}
		if org := r.Refund.Original; org != nil && !r.Refund.Done && org.Total.IsPositive() {
			if _, err := s.orders.Refund(ctx, r.Refund.OriginalOrderID, org.RefundInput(r.Refund.Key+"-original", reason, 0)); err != nil {
				return nil, fmt.Errorf("returns: %s: refund the exchange credit on the original order %s: %w", id, r.Refund.OriginalOrderID, err)
			}
		}
		if ch := r.Refund.Charge; ch != nil && !r.Refund.Done && ch.Total.IsPositive() {
			if _, err := s.orders.Refund(ctx, r.Refund.ChargeOrderID, ch.RefundInput(r.Refund.Key+"-charge", reason, 0)); err != nil {
				return nil, fmt.Errorf("returns: %s: refund the charge of the replacements on the charge order %s: %w", id, r.Refund.ChargeOrderID, err)
			}
		}
		replan := false
		r, _, err = s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
			if r.Status == StatusCompleted {
				return nil, nil
			}
			if r.Refund == nil {
				replan = true // a concurrent Resolve dropped the plan
				return nil, nil
			}
			from := r.Status
			if err := transition(r, StatusCompleted); err != nil {
				return nil, err
			}
			r.Refund.Done = true
			r.ClosedAt = now
			var events []pendingEvent
			if r.Refund.Breakdown.Total.IsPositive() {
				events = append(events, pendingEvent{EventRefunded, RefundPayload{OrderID: r.OrderID, Key: r.Refund.Key, Breakdown: r.Refund.Breakdown}})
			}
			if org := r.Refund.Original; org != nil && org.Total.IsPositive() {
				events = append(events, pendingEvent{EventRefunded, RefundPayload{OrderID: r.Refund.OriginalOrderID, Key: r.Refund.Key + "-original", Breakdown: *org}})
			}
			if ch := r.Refund.Charge; ch != nil && ch.Total.IsPositive() {
				events = append(events, pendingEvent{EventRefunded, RefundPayload{OrderID: r.Refund.ChargeOrderID, Key: r.Refund.Key + "-charge", Breakdown: *ch}})
			}
			r.Outcomes = outcomes(r)
			return append(events, pendingEvent{EventCompleted, StatusPayload{OrderID: r.OrderID, From: from, To: StatusCompleted, Outcomes: r.Outcomes}}), nil
		})
		if err == nil && replan {
			continue
		}
		if err == nil {
			err = s.endAdvance(ctx, r)
		}
		return r, err
	}
	return nil, fmt.Errorf("returns: %s: resolve: the order kept changing: %w", id, oms.ErrConflict)
}

func outcomes(r *Return) []Resolution {
	var out []Resolution
	for _, l := range r.Lines {
		if l.Accepted > 0 && !slices.Contains(out, l.Resolution) {
			out = append(out, l.Resolution)
		}
	}
	return out
}

// plan computes the refund, store credit and exchange of r from its order
// and saves them on r (return.refund_requested). An exchange that leaves
// something due without a payment method is refused before anything is
// saved.
func (s *Service) plan(ctx context.Context, r *Return, method string) (*Return, error) {
	// The order's payment is settled first: a refund is capped at what
	// was captured, so a capture still pending (a gateway failure at
	// shipment) would cap away the refund of goods it charges for.
	o, err := s.orders.SettlePayment(ctx, r.OrderID)
	if err != nil {
		return nil, fmt.Errorf("returns: %s: settle the order's payment before the refund: %w", r.ID, err)
	}
	// A plan is saved before its refund reaches the order, so reading the
	// return after the order finds any plan the order already reflects
	// (a concurrent Resolve's).
	if cur, err := s.store.Get(ctx, r.ID); err != nil || cur.Refund != nil {
		return cur, err
	}
	valued, credited, err := s.valuedUnits(ctx, r)
	if err != nil {
		return nil, err
	}
	var refundItems, exchangeItems []RefundItem
	var exchangeLines []Line
	for _, l := range r.Lines {
		if l.Accepted == 0 {
			continue
		}
		it := RefundItem{OrderLineID: l.OrderLineID, Quantity: l.Accepted, Reason: l.Reason}
		if l.Resolution == ResolutionExchange {
			exchangeItems = append(exchangeItems, it)
			exchangeLines = append(exchangeLines, l)
		} else {
			refundItems = append(refundItems, it)
		}
	}
	cur := o.Currency
	b := Breakdown{Currency: cur, Shipping: oms.Zero(cur), Value: oms.Zero(cur), RestockingFee: oms.Zero(cur), ReturnShipping: oms.Zero(cur), Total: oms.Zero(cur)}
	credit := oms.Zero(cur)
	var original, charge *Breakdown
	var originalOrder, chargeOrder oms.ID
	if len(refundItems) > 0 {
		cost := oms.Money{}
		if r.Label != nil {
			cost = r.Label.Price
		}
		full, err := calculateRefund(o, &s.policy, CalcInput{Items: refundItems, ReturnShippingCost: cost, Claim: r.Kind == KindClaim}, valued, credited)
		if err != nil {
			return nil, err
		}
		shares, err := s.exchangeCreditShares(ctx, o, r, refundItems)
		if err != nil {
			return nil, err
		}
		if shares.origin != nil {
			originalOrder = shares.origin.ID
			if shares.chargeOrder != nil {
				chargeOrder = shares.chargeOrder.ID
			}
			s.deductFromShares(shares, full, r, cost)
		}
		// Store-credit lines leave the money refund; shipping stays with it.
		b.Shipping, b.Total = full.Shipping, full.Shipping
		for _, lr := range full.Lines {
			l := r.Lines[lineOf(r, lr.OrderLineID)]
			if l.Resolution == ResolutionStoreCredit {
				credit = plus(credit, lr.Amount)
				if sh, ok := shares.parts[lr.OrderLineID]; ok {
					credit = plus(credit, sh.Amount)
				}
				if sh, ok := shares.charge[lr.OrderLineID]; ok {
					credit = plus(credit, sh.Amount)
				}
				continue
			}
			if sh, ok := shares.parts[lr.OrderLineID]; ok && shares.origin != nil {
				original = addOriginal(original, shares.origin.Currency, sh)
			}
			if sh, ok := shares.charge[lr.OrderLineID]; ok && shares.chargeOrder != nil {
				charge = addOriginal(charge, shares.chargeOrder.Currency, sh)
			}
			b.Lines = append(b.Lines, lr)
			b.Value = plus(b.Value, lr.Value)
			b.RestockingFee = plus(b.RestockingFee, lr.RestockingFee)
			b.ReturnShipping = plus(b.ReturnShipping, lr.ReturnShipping)
			b.Total = plus(b.Total, lr.Amount)
		}
	}
	var ex *ExchangeRecord
	if r.Exchange != nil {
		e := *r.Exchange
		ex = &e
	}
	if len(exchangeItems) > 0 && ex == nil {
		eb, err := calculateRefund(o, &s.policy, CalcInput{Items: exchangeItems, Claim: true}, valued, credited)
		if err != nil {
			return nil, err
		}
		ex, err = exchangePlan(o, exchangeLines, eb)
		if err != nil {
			return nil, err
		}
	}
	if ex != nil && ex.Advance && unreturned(r) > 0 {
		// The replacements went out at approval against the credit of
		// every authorized unit; only the accepted ones came back. The
		// difference is taken again against their credit: the customer
		// pays for the replacement of the units they kept.
		accepted := oms.Zero(cur)
		if len(exchangeItems) > 0 {
			eb, err := calculateRefund(o, &s.policy, CalcInput{Items: exchangeItems, Claim: true}, valued, credited)
			if err != nil {
				return nil, err
			}
			accepted = eb.Value
		}
		ex.Difference = ExchangeDifference(ex.Difference.Replacement, accepted)
	}
	if ex != nil && (ex.OrderID == "" || ex.Advance && ex.ChargeOrderID == "") && ex.Difference.Due.IsPositive() && method == "" {
		return nil, oms.Validationf(entity, "payment_method", "the exchange costs %s more than the credit; a payment method is required", ex.Difference.Due)
	}
	if ex != nil && ex.Difference.Credited.IsPositive() {
		// The credit beyond the replacement is refunded on the exchanged
		// lines, in proportion to their value; no unit is refunded.
		weights := make([]decimal.Decimal, len(exchangeLines))
		for i, l := range exchangeLines {
			weights[i] = decimal.NewFromInt(l.Accepted)
		}
		if len(weights) > 0 {
			parts, err := ex.Difference.Credited.Allocate(weights)
			if err != nil {
				return nil, err
			}
			// Within the line's total not yet refunded and what was
			// captured and not yet refunded, as every refund.
			capLeft := maxMoney(minus(minus(orZero(o.Payment.Captured, cur), orZero(o.Payment.Refunded, cur)), b.Total), oms.Zero(cur))
			for i, l := range exchangeLines {
				ol, _ := o.Line(l.OrderLineID)
				lt := oms.Zero(cur)
				for k := range o.Lines {
					if o.Lines[k].ID == ol.ID && k < len(o.Totals.Lines) {
						lt = o.Totals.Lines[k].Total
					}
				}
				amt := minMoney(minMoney(parts[i], maxMoney(minus(lt, orZero(ol.RefundedAmount, cur)), oms.Zero(cur))), capLeft)
				capLeft = minus(capLeft, amt)
				if !amt.IsPositive() {
					continue
				}
				b.Lines = append(b.Lines, LineRefund{OrderLineID: l.OrderLineID, SKU: l.SKU, Subtotal: oms.Zero(cur),
					LineDiscount: oms.Zero(cur), OrderDiscount: oms.Zero(cur), Tax: oms.Zero(cur), Value: parts[i],
					RestockingFee: oms.Zero(cur), ReturnShipping: oms.Zero(cur), Capped: minus(parts[i], amt), Amount: amt})
				b.Value = plus(b.Value, parts[i])
				b.Total = plus(b.Total, amt)
			}
		}
	}
	out, _, err := s.update(ctx, r.ID, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Refund != nil {
			return nil, nil
		}
		r.Refund = &RefundRecord{Key: RefundKey(r.ID), OrderVersion: o.Version, Breakdown: b}
		if original != nil && original.Total.IsPositive() {
			r.Refund.OriginalOrderID, r.Refund.Original = originalOrder, original
		}
		if charge != nil && charge.Total.IsPositive() {
			r.Refund.ChargeOrderID, r.Refund.Charge = chargeOrder, charge
		}
		events := []pendingEvent{{EventRefundRequested, RefundPayload{OrderID: r.OrderID, Key: r.Refund.Key, Breakdown: b}}}
		if credit.IsPositive() && !r.StoreCredit.IsPositive() {
			r.StoreCredit = credit
			events = append(events, pendingEvent{EventStoreCreditIssued, CreditPayload{OrderID: r.OrderID, CustomerID: r.CustomerID, Amount: credit}})
		}
		if r.Exchange == nil && ex != nil {
			r.Exchange = ex
		} else if r.Exchange != nil && ex != nil && r.Exchange.Advance {
			r.Exchange.Difference = ex.Difference
		}
		return events, nil
	})
	return out, err
}

func lineOf(r *Return, orderLine oms.ID) int {
	for i, l := range r.Lines {
		if l.OrderLineID == orderLine {
			return i
		}
	}
	return -1
}

// exchangePlan builds the replacement order's lines and the difference
// for the exchanged units valued in eb.
func exchangePlan(o *order.Order, lines []Line, eb Breakdown) (*ExchangeRecord, error) {
	cur := o.Currency
	ex := &ExchangeRecord{}
	replacement := oms.Zero(cur)
	var pretax, tax oms.Money = oms.Zero(cur), oms.Zero(cur)
	for i, l := range lines {
		lr := eb.Lines[i]
		ol, _ := o.Line(l.OrderLineID)
		p := Replacement{SKU: l.SKU, Name: ol.Name}
		if l.Replacement != nil {
			p = *l.Replacement
			if p.Name == "" {
				p.Name = string(p.SKU)
			}
		}
		qty := p.Quantity
		if qty == 0 {
			qty = l.Accepted
		}
		li := order.LineInput{SKU: p.SKU, Name: p.Name, Quantity: qty, UnitWeight: ol.UnitWeight, UnitDimensions: ol.UnitDimensions,
			NoShipping: !ol.RequiresShipping}
		if !p.UnitPrice.Valid() {
			// At the returned price: the same unit price, the returned
			// units' discounts and tax, so the replacement costs exactly
			// the credit.
			li.UnitPrice = ol.UnitPrice
			li.Quantity = l.Accepted
			if d := plus(lr.LineDiscount, lr.OrderDiscount); d.IsPositive() {
				li.Discounts = []order.Discount{{Code: "EXCHANGE", Description: "price paid for the returned units", Amount: d}}
			}
			li.Tax = lr.Tax
		} else {
			li.UnitPrice = p.UnitPrice
			li.Tax = orZero(p.Tax, cur)
		}
		net := minus(li.UnitPrice.Mul(li.Quantity), discountSum(li.Discounts, cur))
		pretax = plus(pretax, net)
		tax = plus(tax, orZero(li.Tax, cur))
		if o.TaxIncluded {
			replacement = plus(replacement, net) // the price holds the tax
		} else {
			replacement = plus(replacement, plus(net, orZero(li.Tax, cur)))
		}
		ex.Lines = append(ex.Lines, li)
	}
	ex.Difference = ExchangeDifference(replacement, eb.Value)
	// The credit is applied as a discount up to the replacement's price,
	// then against its tax; the rest is refunded (Difference.Credited).
	ex.Credit = minMoney(eb.Value, pretax)
	if o.TaxIncluded {
		// The prices hold the tax: a line's tax is at most what is left
		// of its price once the credit is applied (nothing, in an even
		// exchange), as the order refuses more.
		return ex, includedTaxAfterCredit(ex, cur)
	}
	if over := minus(eb.Value, pretax); over.IsPositive() && tax.IsPositive() {
		cut := minMoney(over, tax)
		weights := make([]decimal.Decimal, len(ex.Lines))
		for i, li := range ex.Lines {
			weights[i] = orZero(li.Tax, cur).Amount()
		}
		parts, err := cut.Allocate(weights)
		if err != nil {
			return nil, err
		}
		for i := range ex.Lines {
			ex.Lines[i].Tax = minus(orZero(ex.Lines[i].Tax, cur), parts[i])
		}
	}
	return ex, nil
}

// includedTaxAfterCredit caps each replacement line's tax, included in
// its price, at the line's amount after its discounts and its share of the
// credit, prorated as the replacement order will prorate it.
func includedTaxAfterCredit(ex *ExchangeRecord, cur oms.Currency) error {
	draft := &order.Order{Currency: cur, TaxIncluded: true}
	for i, li := range ex.Lines {
		draft.Lines = append(draft.Lines, order.Line{ID: oms.ID(fmt.Sprintf("line-%d", i)), SKU: li.SKU, Quantity: li.Quantity,
			UnitPrice: li.UnitPrice, Discounts: li.Discounts, Tax: orZero(li.Tax, cur)})
	}
	if ex.Credit.IsPositive() {
		draft.Discounts = []order.Discount{{Amount: ex.Credit}}
	}
	t, err := order.ComputeTotals(draft)
	if err != nil {
		return err
	}
	for i, lt := range t.Lines {
		ex.Lines[i].Tax = minMoney(orZero(ex.Lines[i].Tax, cur), minus(minus(lt.Subtotal, lt.LineDiscount), lt.OrderDiscount))
	}
	return nil
}

func discountSum(ds []order.Discount, cur oms.Currency) oms.Money {
	s := oms.Zero(cur)
	for _, d := range ds {
		s = plus(s, d.Amount)
	}
	return s
}

// placeReplacement places r's replacement order through the order
// service (keyed by ExchangeKey) and links it (return.exchange_created).
func (s *Service) placeReplacement(ctx context.Context, r *Return, method string) (*Return, error) {
	o, err := s.orders.Get(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	ex := r.Exchange
	in := order.PlaceInput{
		IdempotencyKey: ExchangeKey(r.ID), Channel: o.Channel, Currency: o.Currency, Customer: o.Customer, TaxIncluded: o.TaxIncluded,
		ShippingAddress: o.ShippingAddress, BillingAddress: o.BillingAddress, Shipping: o.Shipping,
		Lines: ex.Lines, Metadata: map[string]string{"return_id": string(r.ID), "original_order_id": string(o.ID)},
		Note: "replacement for return " + string(r.ID),
	}
	if s.orders.ComputesTaxes() {
		// Its TaxCalculator taxes the replacement, after the credit.
		in.TaxIncluded = false
		in.Lines = slices.Clone(ex.Lines)
		for i := range in.Lines {
			in.Lines[i].Tax = oms.Money{}
		}
	}
	if ex.Credit.IsPositive() {
		in.Discounts = []order.Discount{{Code: "EXCHANGE-CREDIT", Description: "credit of return " + string(r.ID), Amount: ex.Credit}}
	}
	if ex.Difference.Due.IsPositive() {
		if method == "" {
			return nil, oms.Validationf(entity, "payment_method", "the exchange costs %s more than the credit; a payment method is required", ex.Difference.Due)
		}
		in.Payment = order.PaymentInput{Method: method}
	}
	placed, err := s.orders.Place(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("returns: %s: place the replacement order: %w", r.ID, err)
	}
	out, _, err := s.update(ctx, r.ID, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Exchange == nil || r.Exchange.OrderID != "" {
			return nil, nil
		}
		r.Exchange.OrderID = placed.ID
		return []pendingEvent{{EventExchangeCreated, ExchangePayload{OrderID: r.OrderID, ReplacementOrderID: placed.ID,
			Advance: r.Exchange.Advance, ReservationID: r.Exchange.ReservationID, Difference: r.Exchange.Difference}}}, nil
	})
	return out, err
}

// creditShares are the parts of an exchange's credit that paid for units
// of its replacement order now returned: per replacement order line, the
// amount to give back on the original order (origin), on its line.
//
// When that exchange was an advance one whose replacements of units never
// returned were charged on an order of their own, the charge also paid
// for rep's units: its share of the returned units is refunded on the
// charge order (chargeOrder), on its line (charge).
type creditShares struct {
	origin      *order.Order
	parts       map[oms.ID]LineRefund
	chargeOrder *order.Order
	charge      map[oms.ID]LineRefund
}

// exchangeCreditShares returns, when rep is the replacement order of
// another return's exchange, the exact share of that exchange's credit
// (what the customer paid for the original units, applied to rep as its
// discount and against its tax) that paid for items: the credit is split
// over rep's lines by their price after their own discounts, and each
// line's part over its units in the order they come back (after the
// units of rep's other returns resolved before), as CalculateRefund
// splits a line, so no cent is given back twice. Each part is capped by
// what the original line and order have left to refund.
func (s *Service) exchangeCreditShares(ctx context.Context, rep *order.Order, r *Return, items []RefundItem) (creditShares, error) {
	var out creditShares
	xid, orig := rep.Metadata["return_id"], rep.Metadata["original_order_id"]
	if xid == "" || orig == "" {
		return out, nil
	}
	x, err := s.store.Get(ctx, oms.ID(xid))
	if errors.Is(err, oms.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if x.Exchange == nil || x.Exchange.OrderID != rep.ID || string(x.OrderID) != orig || len(rep.Lines) == 0 {
		return out, nil
	}
	if x.Status != StatusCompleted && x.Status.Final() {
		return out, nil // the original units never came back: no credit paid for the replacement
	}
	if x.Status != StatusCompleted {
		// An advance exchange's replacement came back before the
		// original units did: what paid for it is not settled yet.
		return out, transitionError(r, StatusCompleted, "its units replace those of return "+string(x.ID)+
			", whose exchange credit is settled once that return is completed; resolve it first")
	}
	cur := rep.Currency
	d := x.Exchange.Difference
	if d.Credit.Currency() != cur {
		return out, nil
	}
	used := maxMoney(minus(d.Credit, orZero(d.Credited, cur)), oms.Zero(cur))
	var c *order.Order
	if x.Exchange.Advance && x.Exchange.ChargeOrderID != "" && orZero(d.Due, cur).IsPositive() {
		if c, err = s.orders.Get(ctx, x.Exchange.ChargeOrderID); err != nil {
			return out, err
		}
		if c.Currency != cur || len(c.Lines) == 0 || len(c.Totals.Lines) == 0 {
			c = nil
		}
	}
	if !used.IsPositive() && c == nil {
		return out, nil
	}
	o, err := s.orders.Get(ctx, x.OrderID)
	if err != nil {
		return out, err
	}
	var xLines []Line
	for _, l := range x.Lines {
		if l.Resolution == ResolutionExchange && (x.Exchange.Advance || l.Accepted > 0) {
			xLines = append(xLines, l)
		}
	}
	if len(xLines) == 0 || o.Currency != cur {
		return out, nil
	}
	t, err := order.ComputeTotals(rep)
	if err != nil {
		return out, err
	}
	weights := make([]decimal.Decimal, len(rep.Lines))
	priced := false
	for k := range rep.Lines {
		if k < len(t.Lines) {
			weights[k] = maxMoney(minus(t.Lines[k].Subtotal, t.Lines[k].LineDiscount), oms.Zero(cur)).Amount()
			priced = priced || weights[k].IsPositive()
		}
	}
	if !priced {
		for k, l := range rep.Lines {
			weights[k] = decimal.NewFromInt(max(l.Quantity, 0))
		}
	}
	perLine, err := used.Allocate(weights)
	if err != nil {
		return out, nil // nothing to split over: no share
	}
	// What the charge order paid for rep, split the same way.
	var chargeLine []oms.Money
	chargeLeft, chargeCap := oms.Zero(cur), oms.Zero(cur)
	if c != nil {
		if chargeLine, err = d.Due.Allocate(weights); err != nil {
			return out, nil
		}
		chargeLeft = maxMoney(minus(c.Totals.Lines[0].Total, orZero(c.Lines[0].RefundedAmount, cur)), oms.Zero(cur))
		chargeCap = maxMoney(minus(orZero(c.Payment.Captured, cur), orZero(c.Payment.Refunded, cur)), oms.Zero(cur))
	}
	// The units of rep's lines whose share other returns already took.
	others, err := s.store.ListByOrder(ctx, rep.ID)
	if err != nil {
		return out, err
	}
	prior := map[oms.ID]int64{}
	for _, y := range others {
		if y.ID == r.ID || y.Refund == nil {
			continue
		}
		for _, l := range y.Lines {
			if l.Resolution != ResolutionExchange {
				prior[l.OrderLineID] += l.Accepted
			}
		}
	}
	first := func(total oms.Money, n, q int64) (oms.Money, error) {
		if n <= 0 {
			return oms.Zero(cur), nil
		}
		if n >= q {
			return total, nil
		}
		parts, err := total.Allocate([]decimal.Decimal{decimal.NewFromInt(n), decimal.NewFromInt(q - n)})
		if err != nil {
			return oms.Money{}, err
		}
		return parts[0], nil
	}
	capLeft := maxMoney(minus(orZero(o.Payment.Captured, cur), orZero(o.Payment.Refunded, cur)), oms.Zero(cur))
	left := map[oms.ID]oms.Money{}
	for k, ol := range o.Lines {
		if k < len(o.Totals.Lines) {
			left[ol.ID] = maxMoney(minus(o.Totals.Lines[k].Total, orZero(ol.RefundedAmount, cur)), oms.Zero(cur))
		}
	}
	out.parts = map[oms.ID]LineRefund{}
	for _, it := range items {
		k := -1
		for i := range rep.Lines {
			if rep.Lines[i].ID == it.OrderLineID {
				k = i
			}
		}
		if k < 0 {
			continue
		}
		q, n := rep.Lines[k].Quantity, prior[it.OrderLineID]
		hi, err := first(perLine[k], n+it.Quantity, q)
		if err != nil {
			return out, err
		}
		lo, err := first(perLine[k], n, q)
		if err != nil {
			return out, err
		}
		share := minus(hi, lo)
		xl := xLines[min(k, len(xLines)-1)]
		ol, _ := o.Line(xl.OrderLineID)
		amt := minMoney(minMoney(share, left[ol.ID]), capLeft)
		amt = maxMoney(amt, oms.Zero(cur))
		left[ol.ID] = minus(left[ol.ID], amt)
		capLeft = minus(capLeft, amt)
		z := oms.Zero(cur)
		out.parts[it.OrderLineID] = LineRefund{OrderLineID: ol.ID, SKU: ol.SKU, Subtotal: z, LineDiscount: z, OrderDiscount: z, Tax: z,
			Value: share, RestockingFee: z, ReturnShipping: z, Capped: minus(share, amt), Amount: amt}
		if c == nil {
			continue
		}
		hi, err = first(chargeLine[k], n+it.Quantity, q)
		if err != nil {
			return out, err
		}
		lo, err = first(chargeLine[k], n, q)
		if err != nil {
			return out, err
		}
		share = minus(hi, lo)
		amt = maxMoney(minMoney(minMoney(share, chargeLeft), chargeCap), z)
		chargeLeft, chargeCap = minus(chargeLeft, amt), minus(chargeCap, amt)
		if out.charge == nil {
			out.charge = map[oms.ID]LineRefund{}
		}
		cl := c.Lines[0]
		out.charge[it.OrderLineID] = LineRefund{OrderLineID: cl.ID, SKU: cl.SKU, Subtotal: z, LineDiscount: z, OrderDiscount: z, Tax: z,
			Value: share, RestockingFee: z, ReturnShipping: z, Capped: minus(share, amt), Amount: amt}
	}
	out.origin, out.chargeOrder = o, c
	return out, nil
}

// deductFromShares deducts from the credit shares what full, the refund
// of the replacement's own money, could not: the restocking fee on the
// units' whole worth (their share of the credit included) and the return
// shipping, as CalculateRefund deducts them, in the order of the lines.
func (s *Service) deductFromShares(sh creditShares, full Breakdown, r *Return, cost oms.Money) {
	p := &s.policy
	if r.Kind == KindClaim {
		return
	}
	cur := full.Currency
	zero := oms.Zero(cur)
	for _, lr := range full.Lines {
		part, ok := sh.parts[lr.OrderLineID]
		k := lineOf(r, lr.OrderLineID)
		if !ok || k < 0 || p.waived(r.Lines[k].Reason) {
			continue
		}
		f := p.fee(r.Lines[k].SKU)
		worth := plus(lr.Value, part.Value)
		ch, charged := sh.charge[lr.OrderLineID]
		if charged {
			worth = plus(worth, ch.Value)
		}
		fee := worth.MulRate(f.Percent).Round()
		if !f.PerUnit.IsZero() && f.PerUnit.Currency() == cur {
			fee = plus(fee, f.PerUnit.Mul(lr.Quantity))
		}
		fee = minMoney(fee, worth)
		// A unit valued below zero (its discounts split per unit) has a
		// negative fee there: nothing was deducted, not less than nothing.
		rest := maxMoney(minus(fee, maxMoney(lr.RestockingFee, zero)), zero)
		extra := minMoney(rest, part.Amount)
		part.RestockingFee = extra
		part.Amount = minus(part.Amount, extra)
		sh.parts[lr.OrderLineID] = part
		if rest = minus(rest, extra); charged && rest.IsPositive() {
			extra = minMoney(rest, ch.Amount)
			ch.RestockingFee = extra
			ch.Amount = minus(ch.Amount, extra)
			sh.charge[lr.OrderLineID] = ch
		}
	}
	if p.payer() != ReturnShippingDeducted {
		return
	}
	if cost.Currency() != cur {
		cost = p.ReturnShippingFee
	}
	if cost = cost.Round(); cost.Currency() != cur {
		return
	}
	rest := minus(cost, full.ReturnShipping)
	for _, lr := range full.Lines {
		part, ok := sh.parts[lr.OrderLineID]
		k := lineOf(r, lr.OrderLineID)
		if !rest.IsPositive() || !ok || k < 0 || p.waived(r.Lines[k].Reason) {
			continue
		}
		d := minMoney(rest, part.Amount)
		part.ReturnShipping = d
		part.Amount = minus(part.Amount, d)
		rest = minus(rest, d)
		sh.parts[lr.OrderLineID] = part
		if ch, charged := sh.charge[lr.OrderLineID]; charged && rest.IsPositive() {
			d = minMoney(rest, ch.Amount)
			ch.ReturnShipping = d
			ch.Amount = minus(ch.Amount, d)
			rest = minus(rest, d)
			sh.charge[lr.OrderLineID] = ch
		}
	}
}

// addOriginal adds lr to the refund on the original order b (nil: none
// yet), merging the parts of one original line.
func addOriginal(b *Breakdown, cur oms.Currency, lr LineRefund) *Breakdown {
	if b == nil {
		z := oms.Zero(cur)
		b = &Breakdown{Currency: cur, Shipping: z, Value: z, RestockingFee: z, ReturnShipping: z, Total: z}
	}
	b.Value = plus(b.Value, lr.Value)
	b.Total = plus(b.Total, lr.Amount)
	b.RestockingFee = plus(b.RestockingFee, lr.RestockingFee)
	b.ReturnShipping = plus(b.ReturnShipping, lr.ReturnShipping)
	for i := range b.Lines {
		if b.Lines[i].OrderLineID == lr.OrderLineID {
			b.Lines[i].Value = plus(b.Lines[i].Value, lr.Value)
			b.Lines[i].Capped = plus(b.Lines[i].Capped, lr.Capped)
			b.Lines[i].Amount = plus(b.Lines[i].Amount, lr.Amount)
			b.Lines[i].RestockingFee = plus(b.Lines[i].RestockingFee, lr.RestockingFee)
			b.Lines[i].ReturnShipping = plus(b.Lines[i].ReturnShipping, lr.ReturnShipping)
			return b
		}
	}
	b.Lines = append(b.Lines, lr)
	return b
}

// unreturned counts the units of r's exchange lines that were not
// accepted: never received, or missing from the parcel.
func unreturned(r *Return) int64 {
	var n int64
	for _, l := range r.Lines {
		if l.Resolution == ResolutionExchange {
			n += l.Quantity - l.Accepted
		}
	}
	return n
}

// chargeUnreturned places the order that charges what r's advance
// exchange leaves due (the replacement of units never returned), keyed by
// the return so a retry charges once, captured at placement, and links
// it to the return (return.exchange_created with the charge order).
func (s *Service) chargeUnreturned(ctx context.Context, r *Return, method string) (*Return, error) {
	ex := r.Exchange
	due := ex.Difference.Due
	if method == "" {
		return nil, oms.Validationf(entity, "payment_method", "the advance exchange's replacements of units never returned cost %s; a payment method is required", due)
	}
	o, err := s.orders.Get(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	sku := o.Lines[0].SKU
	if len(ex.Lines) > 0 {
		sku = ex.Lines[0].SKU
	}
	in := order.PlaceInput{
		IdempotencyKey: ExchangeKey(r.ID) + "-unreturned", Channel: o.Channel, Currency: o.Currency, Customer: o.Customer,
		TaxIncluded: o.TaxIncluded, ShippingAddress: o.ShippingAddress, BillingAddress: o.BillingAddress,
		Lines: []order.LineInput{{SKU: sku, Name: "replacement kept without returning the original", Quantity: 1,
			UnitPrice: due, Tax: oms.Zero(o.Currency), NoShipping: true}},
		Metadata:      map[string]string{"return_id": string(r.ID), "original_order_id": string(o.ID), "replacement_order_id": string(ex.OrderID)},
		Note:          "charge for the advance exchange of return " + string(r.ID) + ": units never returned",
		CapturePolicy: order.CaptureOnPlacement,
		Payment:       order.PaymentInput{Method: method},
	}
	placed, err := s.orders.Place(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("returns: %s: charge the replacements of units never returned: %w", r.ID, err)
	}
	out, _, err := s.update(ctx, r.ID, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Exchange == nil || r.Exchange.ChargeOrderID != "" {
			return nil, nil
		}
		r.Exchange.ChargeOrderID = placed.ID
		return []pendingEvent{{EventExchangeCreated, ExchangePayload{OrderID: r.OrderID, ReplacementOrderID: r.Exchange.OrderID,
			Advance: true, ReservationID: r.Exchange.ReservationID, Difference: r.Exchange.Difference, ChargeOrderID: placed.ID}}}, nil
	})
	return out, err
}

// settleCharge makes sure the charge order of r's advance exchange
// captured what is due before the return completes: a declined card at its
// placement leaves it awaiting payment, which the method given now (a
// retry with another card) authorizes; the capture follows its policy.
func (s *Service) settleCharge(ctx context.Context, r *Return, method string) error {
	ex := r.Exchange
	if ex == nil || ex.ChargeOrderID == "" || r.Refund == nil {
		return nil
	}
	c, err := s.orders.SettlePayment(ctx, ex.ChargeOrderID)
	if err != nil {
		return fmt.Errorf("returns: %s: settle the charge order %s: %w", r.ID, ex.ChargeOrderID, err)
	}
	short := func(c *order.Order) bool {
		return minus(orZero(c.Payment.Captured, c.Currency), c.Totals.GrandTotal).IsNegative()
	}
	if !short(c) {
		return s.completeCharge(ctx, c)
	}
	if method == "" {
		return oms.Validationf(entity, "payment_method", "the charge order %s of the replacements of units never returned is not paid (%s due); a payment method is required", c.ID, ex.Difference.Due)
	}
	if minus(minus(orZero(c.Payment.Authorized, c.Currency), orZero(c.Payment.Voided, c.Currency)), c.Totals.GrandTotal).IsNegative() {
		key := "return-charge-" + digestOf("charge", r.ID, method)
		if c, err = s.orders.AuthorizePayment(ctx, c.ID, order.AuthorizeInput{Key: key, Method: method}); err != nil {
			return fmt.Errorf("returns: %s: pay the charge order %s: %w", r.ID, ex.ChargeOrderID, err)
		}
	}
	if c, err = s.orders.SettlePayment(ctx, c.ID); err != nil {
		return fmt.Errorf("returns: %s: settle the charge order %s: %w", r.ID, ex.ChargeOrderID, err)
	}
	if short(c) {
		return fmt.Errorf("returns: %s: the charge order %s captured %s of %s: %w", r.ID, c.ID, orZero(c.Payment.Captured, c.Currency), c.Totals.GrandTotal, oms.ErrOnHold)
	}
	return s.completeCharge(ctx, c)
}

// completeCharge completes the paid charge order c: its line ships
// nothing, so it is confirmed and its counters moved to delivered, as
// those of goods needing no shipping, with keys derived from the order
// (a retry changes nothing). A pending charge order could be cancelled,
// and its charge refunded, by an ordinary Cancel while the return it
// pays for stays completed; a completed one cannot.
func (s *Service) completeCharge(ctx context.Context, c *order.Order) error {
	if c.Status.Final() {
		return nil
	}
	var err error
	if id := c.ID; c.Status == order.StatusPending {
		if c, err = s.orders.Confirm(ctx, id); err != nil {
			return fmt.Errorf("returns: confirm the charge order %s: %w", id, err)
		}
	}
	steps := []struct {
		name  string
		count func(l order.Line) int64
		rec   func(context.Context, oms.ID, order.CounterInput) (*order.Order, error)
	}{
		{"allocated", func(l order.Line) int64 { return l.Allocated }, s.orders.RecordAllocation},
		{"fulfilled", func(l order.Line) int64 { return l.Fulfilled }, s.orders.RecordFulfillment},
		{"shipped", func(l order.Line) int64 { return l.Shipped }, s.orders.RecordShipment},
		{"delivered", func(l order.Line) int64 { return l.Delivered }, s.orders.RecordDelivery},
	}
	for _, st := range steps {
		if c.Status.Final() {
			return nil
		}
		var lq []order.LineQuantity
		what := "charge-" + st.name
		for _, l := range c.Lines {
			if n := l.Active() - st.count(l); n > 0 {
				lq = append(lq, order.LineQuantity{LineID: l.ID, Quantity: n})
				what += ":" + string(l.ID) + "=" + strconv.FormatInt(n, 10)
			}
		}
		if len(lq) == 0 {
			continue
		}
		id := c.ID
		if c, err = st.rec(ctx, id, order.CounterInput{Key: string(oms.DeriveID(id, what)), Reference: "charge for units never returned", Lines: lq}); err != nil {
			return fmt.Errorf("returns: complete the charge order %s (%s): %w", id, st.name, err)
		}
	}
	return nil
}

// valuedUnits returns, per order line, the units the order's other
// returns valued without a refund of their own (store credit, exchanges;
// see creditedUnits): CalculateRefund values r's units after them, so a
// line's shares over all its returns sum to its total. It also returns
// how many of them the other returns gave back as store credit.
func (s *Service) valuedUnits(ctx context.Context, r *Return) (map[oms.ID]int64, int64, error) {
	others, err := s.store.ListByOrder(ctx, r.OrderID)
	if err != nil {
		return nil, 0, err
	}
	valued := map[oms.ID]int64{}
	var credited int64
	for _, x := range others {
		if x.ID != r.ID {
			for id, n := range creditedUnits(x) {
				valued[id] += n
			}
			if x.Refund != nil {
				for _, l := range x.Lines {
					if l.Resolution == ResolutionStoreCredit {
						credited += l.Accepted
					}
				}
			}
		}
	}
	return valued, credited, nil
}

// creditedUnits returns, per order line, the units of x valued without a
// refund of their own: store-credit and exchange lines once x planned its
// resolution (their accepted units), and the exchange lines of an advance
// exchange from its approval (their units).
func creditedUnits(x *Return) map[oms.ID]int64 {
	out := map[oms.ID]int64{}
	for _, l := range x.Lines {
		switch {
		case x.Refund != nil && (l.Resolution == ResolutionStoreCredit || l.Resolution == ResolutionExchange):
			out[l.OrderLineID] += l.Accepted
		case x.Refund == nil && x.Exchange != nil && x.Exchange.Advance && l.Resolution == ResolutionExchange && x.Open():
			out[l.OrderLineID] += l.Quantity
		}
	}
	return out
}

// reserveAdvance plans the advance exchange of r (valuing the exchanged
// units as authorized: they have not come back yet) and reserves the
// replacements' stock under an ID derived from the return and its version,
// so a retry of the same approval finds the same reservation.
func (s *Service) reserveAdvance(ctx context.Context, o *order.Order, r *Return) (*ExchangeRecord, error) {
	if s.inv == nil {
		return nil, fmt.Errorf("%w: returns: an advance exchange reserves stock; no inventory service is configured", oms.ErrUnsupported)
	}
	var items []RefundItem
	var lines []Line
	for _, l := range r.Lines {
		if l.Resolution == ResolutionExchange {
			l.Accepted = l.Quantity
			items = append(items, RefundItem{OrderLineID: l.OrderLineID, Quantity: l.Quantity, Reason: l.Reason})
			lines = append(lines, l)
		}
	}
	valued, credited, err := s.valuedUnits(ctx, r)
	if err != nil {
		return nil, err
	}
	eb, err := calculateRefund(o, &s.policy, CalcInput{Items: items, Claim: true}, valued, credited)
	if err != nil {
		return nil, err
	}
	ex, err := exchangePlan(o, lines, eb)
	if err != nil {
		return nil, err
	}
	if ex.Difference.Due.IsPositive() {
		return nil, oms.Validationf(entity, "advance_exchange", "the replacement costs %s more than the credit; an advance exchange must not leave anything due", ex.Difference.Due)
	}
	ex.Advance = true
	ex.ReservationID = oms.DeriveID(r.ID, fmt.Sprintf("advance-exchange:%d", r.Version))
	req := inventory.ReserveRequest{ID: ex.ReservationID, Reference: "return:" + string(r.ID)}
	for _, l := range lines {
		p := l.Replacement
		if p == nil || p.Location == "" {
			return nil, oms.Validationf(entity, "lines.replacement.location", "line %s: an advance exchange reserves the replacement at a location; none is named", l.ID)
		}
		qty := p.Quantity
		if qty == 0 {
			qty = l.Quantity
		}
		req.Lines = append(req.Lines, inventory.Line{SKU: p.SKU, Location: p.Location, Quantity: qty, Ref: string(l.ID)})
	}
	if _, err := s.inv.Reserve(ctx, req); err != nil {
		return nil, fmt.Errorf("returns: %s: reserve the advance exchange: %w", r.ID, err)
	}
	return ex, nil
}

// endAdvance gives back what the advance exchange reservation of an ended
// return (completed, cancelled, expired) still holds: the replacement
// order is allocated and shipped under a reservation of its own, so the
// hold made at approval only guarded the approval. It is keyed, so a
// repeat moves nothing.
func (s *Service) endAdvance(ctx context.Context, r *Return) error {
	if r == nil || s.inv == nil || r.Exchange == nil || !r.Exchange.Advance || r.Exchange.ReservationID == "" || !r.Status.Final() {
		return nil
	}
	res, err := s.inv.Reservation(ctx, r.Exchange.ReservationID)
	if errors.Is(err, oms.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if res.Outstanding() == 0 {
		return nil
	}
	if _, err := s.inv.Release(ctx, inventory.ReleaseRequest{Key: "return-ended", Reservation: res.ID}); err != nil {
		return fmt.Errorf("returns: %s: give back the advance exchange's stock: %w", r.ID, err)
	}
	return nil
}

// releaseAdvance gives back the stock of an advance exchange whose
// approval was refused after it was reserved. A failure leaves the
// reservation to the host (it is named in no saved return).
func (s *Service) releaseAdvance(ctx context.Context, id oms.ID) {
	_, _ = s.inv.Release(ctx, inventory.ReleaseRequest{Key: "approval-refused", Reservation: id})
}
