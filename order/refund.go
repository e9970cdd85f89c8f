package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
)

// EventRefunded is the type of the event Service.Refund saves when it
// records a refund of returned or claimed goods (its payload is
// RefundedPayload). The money then moves through the usual payment events:
// order.payment_requested, order.payment_refunded.
const EventRefunded = "order.refunded"

// RefundLine is one line's part of a refund.
type RefundLine struct {
	// LineID identifies the order line.
	LineID oms.ID `json:"line_id"`
	// Quantity is how many of the line's units the refund is for. Zero
	// refunds money without refunding a unit (a partial credit for a unit
	// the customer keeps); the units refunded over all refunds never
	// exceed the units shipped.
	Quantity int64 `json:"quantity"`
	// Amount is the money given back for the line, in the order's
	// currency, not negative. Over all refunds a line's amounts never
	// exceed its total (Totals.Lines[i].Total); only shipped units are
	// refunded, and never more than was captured.
	Amount oms.Money `json:"amount"`
}

// RefundInput is a refund of an amount with its breakdown: the per-line
// parts and the shipping part, as a payment provider that wants per-line
// refund data takes them. Amount must equal the sum of the lines' amounts
// and Shipping.
type RefundInput struct {
	// Key makes the refund safe to repeat; required. The gateway's
	// idempotency key derives from it, so a retry after the gateway took
	// the money refunds nothing more. A replay with the same content
	// returns the order; the same key with other content matches
	// oms.ErrDuplicate.
	Key string `json:"key"`
	// Amount is the total to give back: positive, in the order's currency,
	// rounded to its minor unit, at most captured minus refunded.
	Amount oms.Money `json:"amount"`
	// Lines are the per-line parts; a line may appear once.
	Lines []RefundLine `json:"lines,omitempty"`
	// Shipping is the part for shipping (with its tax); over all refunds
	// at most the shipping charge plus its tax (the charge alone when it
	// includes its tax, Order.TaxIncluded).
	Shipping oms.Money `json:"shipping"`
	// Reason is sent to the gateway with the refund and kept in the event.
	Reason string `json:"reason,omitempty"`
	// OrderVersion, when positive, is the order version the amounts were
	// computed from: a refund (not a replay) of an order that changed since
	// is refused with an error matching oms.ErrConflict, so the caller
	// recomputes from the fresh order. The returns package sets it, since
	// its exact per-unit shares depend on what was refunded before.
	OrderVersion int64 `json:"order_version,omitempty"`
}

// RefundedPayload is the payload of order.refunded.
type RefundedPayload struct {
	// Key is the caller's key of the refund.
	Key string `json:"key"`
	// Amount is the total refunded, Lines and Shipping its breakdown.
	Amount   oms.Money    `json:"amount"`
	Lines    []RefundLine `json:"lines,omitempty"`
	Shipping oms.Money    `json:"shipping"`
	Reason   string       `json:"reason,omitempty"`
	// PaymentKey is the idempotency key sent to the gateway.
	PaymentKey string `json:"payment_key"`
}

// errPaymentBusy reports, inside Refund, that another payment operation is
// pending and must be settled first.
var errPaymentBusy = errors.New("order: another payment operation is pending")

// RefundPaymentKey returns the gateway idempotency key of the refund with
// the caller's key on order id.
func RefundPaymentKey(id oms.ID, key string) string {
	return fmt.Sprintf("%s/refund/key/%s", id, key)
}

// Refund gives back in.Amount of what the order's payment captured,
// through the Service's Gateway, for the lines and shipping in.Lines and
// in.Shipping break it into. It is how returned and claimed goods are
// refunded (the returns package computes the amounts); refunds because an
// order shrank are made by the capture policy instead (PlanSettlement).
//
// The refund is recorded first (the lines' Refunded and RefundedAmount,
// RefundedShipping, a pending gateway refund and an order.refunded event,
// in one write), then the gateway is called with a key derived from
// in.Key (RefundPaymentKey), then its result is recorded
// (order.payment_refunded). A gateway failure returns a *PaymentError and
// leaves the refund pending: calling Refund again with the same key (or
// SettlePayment) repeats the gateway call with the same key, so the
// customer is refunded exactly once even when the first call took the
// money and only its answer was lost.
//
// Bad input is refused with a *oms.ValidationError naming each problem
// and changes nothing: a missing key, an amount that is not positive, not
// rounded or in another currency, an amount other than the sum of its
// parts, an unknown or repeated line, more units than shipped and not yet
// refunded, a line amount beyond the line's total not yet refunded, a
// shipping part beyond the shipping not yet refunded, and an amount
// beyond captured minus refunded (minus the parts of earlier refunds not
// yet sent). An order whose authorizations do not cover its grand total
// (an edit raised it) is refused with an error matching oms.ErrOnHold
// until they do. The refund is taken from the latest
// authorization that captured enough; when none did (an order authorized
// several times), it is sent in parts, one authorization at a time, each
// keyed by the order's state, and a Refund repeated after a failure
// between parts sends the rest. Without a Gateway Refund returns an error
// matching oms.ErrUnsupported. Another payment operation pending on the
// order is settled first.
func (s *Service) Refund(ctx context.Context, id oms.ID, in RefundInput) (*Order, error) {
	if s.gw == nil {
		return nil, fmt.Errorf("%w: order: no payment gateway is configured", oms.ErrUnsupported)
	}
	c := newChecker("")
	c.key("key", in.Key, true)
	c.text("reason", in.Reason, MaxTextLength, false)
	if in.OrderVersion < 0 {
		c.add("order_version", "must not be negative, got %d", in.OrderVersion)
	}
	if len(in.Lines) > MaxLines {
		c.add("lines", "has %d lines, at most %d allowed", len(in.Lines), MaxLines)
	}
	seen := make(map[oms.ID]int, len(in.Lines))
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		switch j, dup := seen[l.LineID]; {
		case l.LineID == "":
			c.add(f+".line_id", "is required")
		case dup:
			c.add(f+".line_id", "line %s is already given in lines[%d]", l.LineID, j)
		default:
			seen[l.LineID] = i
		}
		if l.Quantity < 0 || l.Quantity > MaxLineQty {
			c.add(f+".quantity", "must be between 0 and %d, got %d", MaxLineQty, l.Quantity)
		}
		c.size(plain(f+".amount"), l.Amount) // the digest below prints it
	}
	c.size(plain("amount"), in.Amount)
	c.size(plain("shipping"), in.Shipping)
	if err := c.err(); err != nil {
		return nil, err
	}
	digest := digestOf("refund", in.Amount, in.Lines, in.Shipping, in.Reason)
	digest.legacy = legacyDigest("refund", in.Amount.String(), in.Lines, in.Shipping.String(), in.Reason)
	payKey := ""
	for attempt := 0; ; attempt++ {
		replay := false
		o, err := s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
			payKey = RefundPaymentKey(o.ID, in.Key)
			var err error
			replay, err = checkKey(o, "refund:", in.Key, digest)
			if replay || err != nil {
				return nil, err
			}
			if in.OrderVersion > 0 && o.Version != in.OrderVersion {
				return nil, fmt.Errorf("%w: order %s: refund %q was computed from version %d, the order is at %d", oms.ErrConflict, o.ID, in.Key, in.OrderVersion, o.Version)
			}
			return applyRefund(o, in, payKey, digest.sum)
		})
		switch {
		case errors.Is(err, errPaymentBusy) && attempt < s.retries:
			if _, err := s.SettlePayment(ctx, id); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, errPaymentBusy):
			return nil, fmt.Errorf("order: %s: refund: %w: %w", id, oms.ErrConflict, err)
		case err != nil:
			return o, err
		case replay && o.Payment.Pending != nil:
			if o, err = s.settle(ctx, o); err != nil {
				return o, err
			}
		}
		// The Service's settlement sent the rest of a refund larger than
		// any one authorization's captured money (planRefundRest).
		return o, nil
	}
}

// planRefundRest returns the next gateway refund of money that Refund
// recorded (the lines' RefundedAmount and RefundedShipping) beyond what
// the refunds that were not adjustments carried, from the latest
// authorization with captured money left; nil when nothing is left or a
// payment operation is pending.
func planRefundRest(o *Order) *PaymentOp {
	p := o.Payment
	if p.Pending != nil || p.Authorization == "" {
		return nil
	}
	sent, rest := unsentRefund(o)
	if !rest.IsPositive() {
		return nil
	}
	b := lastAuth(authBalances(o), func(b *authBalance) oms.Money { return sub(b.captured, b.refunded) })
	if b == nil {
		return nil
	}
	amt := minMoney(rest, sub(b.captured, b.refunded))
	return &PaymentOp{Kind: TxRefund, Amount: amt, Reason: "refund", Authorization: b.ref,
		Key: fmt.Sprintf("%s/refund/rest/%s", o.ID, add(sent, amt).StringAmount())}
}

// unsentRefund returns what the refunds that were not adjustments sent to
// the gateway, and the part of the money Refund recorded (the lines'
// RefundedAmount and RefundedShipping) that no gateway refund has carried
// yet (zero or negative when none).
func unsentRefund(o *Order) (sent, rest oms.Money) {
	cur := o.Currency
	recorded := moneyOr(o.RefundedShipping, cur)
	for _, l := range o.Lines {
		recorded = add(recorded, moneyOr(l.RefundedAmount, cur))
	}
	sent = sub(moneyOr(o.Payment.Refunded, cur), moneyOr(o.Payment.Adjusted, cur))
	return sent, sub(recorded, sent)
}

// ShippingTotal returns what the customer pays for shipping: the charge
// plus its tax (the totals' tax less the lines' tax), or the charge alone
// when prices include their tax. It is the most Refund gives back for
// shipping, and what returns refunds under a shipping-refund policy.
func (t Totals) ShippingTotal() oms.Money { return shippingTotal(t) }

func shippingTotal(t Totals) oms.Money {
	if t.TaxIncluded {
		return moneyOr(t.Shipping, t.Currency)
	}
	lineTax := oms.Zero(t.Currency)
	for _, lt := range t.Lines {
		lineTax = add(lineTax, lt.Tax)
	}
	return add(moneyOr(t.Shipping, t.Currency), sub(moneyOr(t.Tax, t.Currency), lineTax))
}

// applyRefund checks in against o and records it with its pending gateway
// refund; it returns the events.
func applyRefund(o *Order, in RefundInput, payKey, digest string) ([]pendingEvent, error) {
	cur := o.Currency
	c := newChecker(cur)
	amount := c.money("amount", in.Amount, false, true)
	shipping := c.money("shipping", in.Shipping, true, false)
	t := o.Totals
	if len(t.Lines) != len(o.Lines) {
		var err error
		if t, err = ComputeTotals(o); err != nil {
			return nil, err
		}
	}
	sum := shipping
	amounts := make([]oms.Money, len(in.Lines))
	idx := make([]int, len(in.Lines))
	for k, rl := range in.Lines {
		f := fmt.Sprintf("lines[%d]", k)
		amounts[k] = c.money(f+".amount", rl.Amount, true, false)
		idx[k] = o.lineIndex(rl.LineID)
		if idx[k] < 0 {
			c.add(f+".line_id", "no line %s in order %s", rl.LineID, o.ID)
			continue
		}
		if amounts[k].Currency() != cur {
			continue
		}
		sum = add(sum, amounts[k])
		l := o.Lines[idx[k]]
		if rl.Quantity == 0 && amounts[k].IsZero() {
			c.add(f, "line %s: a refund line needs a quantity or an amount", l.ID)
			continue
		}
		if rl.Quantity > l.Shipped-l.Refunded {
			c.add(f+".quantity", "line %s: cannot refund %d units: %d shipped, %d already refunded", l.ID, rl.Quantity, l.Shipped, l.Refunded)
		}
		total := t.Lines[idx[k]].Total
		if left := sub(total, moneyOr(l.RefundedAmount, cur)); gt(amounts[k], left) {
			c.add(f+".amount", "line %s: %s exceeds the %s of the line's total %s not yet refunded", l.ID, amounts[k], left, total)
		}
	}
	if shipping.Currency() == cur {
		shipTotal := shippingTotal(t)
		if left := sub(shipTotal, moneyOr(o.RefundedShipping, cur)); gt(shipping, left) {
			c.add("shipping", "%s exceeds the %s of shipping %s not yet refunded", shipping, left, shipTotal)
		}
	}
	if amount.Currency() == cur && shipping.Currency() == cur && c.v.Err() == nil {
		if !amount.Equal(sum) {
			c.add("amount", "%s is not the sum %s of the lines' amounts and shipping", amount, sum)
		}
		// A refund recorded but not yet sent in full (its parts after a
		// failure) has promised the rest of its money already.
		left := sub(o.Payment.Captured, o.Payment.Refunded)
		if _, rest := unsentRefund(o); rest.IsPositive() {
			if left = sub(left, rest); gt(amount, left) {
				c.add("amount", "%s exceeds what was captured and not yet refunded (%s captured, %s refunded, %s of earlier refunds not yet sent)", amount, o.Payment.Captured, o.Payment.Refunded, rest)
			}
		} else if gt(amount, left) {
			c.add("amount", "%s exceeds what was captured and not yet refunded (%s captured, %s refunded)", amount, o.Payment.Captured, o.Payment.Refunded)
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if o.Payment.Pending != nil {
		return nil, errPaymentBusy
	}
	// While the authorizations do not cover the grand total (an edit
	// raised it), a line's total may include value never collected (an
	// order discount moved off it onto the added units): refunding at it
	// could give back money the customer never paid.
	if !authorizedEnough(o, t) {
		return nil, fmt.Errorf("%w: order %s: refund: the grand total %s is not covered by its authorizations (%s); authorize it (AuthorizePayment) or edit the order back first", oms.ErrOnHold, o.ID, t.GrandTotal, payable(o))
	}
	// The latest authorization that can take the whole amount, else the
	// latest with money left: the rest goes in further parts
	// (planRefundRest).
	auths := authBalances(o)
	left := func(b *authBalance) oms.Money { return sub(b.captured, b.refunded) }
	auth := lastAuth(auths, func(b *authBalance) oms.Money {
		if !gt(amount, left(b)) {
			return left(b)
		}
		return oms.Zero(cur)
	})
	part := amount
	if auth == nil {
		if auth = lastAuth(auths, left); auth == nil {
			return nil, oms.Validationf(entity, "amount", "%s: no authorization of order %s has captured money left to refund", amount, o.ID)
		}
		part = left(auth)
	}
	for k, rl := range in.Lines {
		l := &o.Lines[idx[k]]
		l.Refunded += rl.Quantity
		l.RefundedAmount = add(moneyOr(l.RefundedAmount, cur), amounts[k])
	}
	o.RefundedShipping = add(moneyOr(o.RefundedShipping, cur), shipping)
	reason := in.Reason
	if reason == "" {
		reason = "refund"
	}
	op := &PaymentOp{Kind: TxRefund, Amount: part, Key: payKey, Reason: reason, Authorization: auth.ref}
	o.Payment.Pending = op
	recordKey(o, "refund:", in.Key, digest)
	lines := make([]RefundLine, len(in.Lines))
	for k, rl := range in.Lines {
		lines[k] = RefundLine{LineID: rl.LineID, Quantity: rl.Quantity, Amount: amounts[k]}
	}
	return []pendingEvent{
		{EventRefunded, RefundedPayload{Key: in.Key, Amount: amount, Lines: lines, Shipping: shipping, Reason: in.Reason, PaymentKey: payKey}},
		{EventPaymentRequested, PaymentPayload{Kind: op.Kind, Amount: op.Amount, Key: op.Key}},
	}, nil
}
