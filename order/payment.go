package order

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/omskit/oms"
)

// PaymentGateway is the host's payment provider: a card processor, a
// wallet, an invoice system. The host implements it; the order package
// decides when to call it and for how much. Every request carries an
// idempotency key: a call repeated with the same key must not move money
// again and must return the first result (most processors accept such a
// key natively). The Service derives the keys from the order, so a step
// repeated after a crash or a lost race reuses its key. Implementations
// must be safe for concurrent use. Errors are returned to the caller
// wrapped in a *PaymentError; a declined authorization is an error too.
type PaymentGateway interface {
	// Authorize reserves req.Amount on the customer's payment method. An
	// error is a decline (nothing held; the next AuthorizePayment tries
	// anew under a new key) unless it matches ErrOutcomeUnknown or
	// context.DeadlineExceeded: then the gateway may hold the money, and
	// the order repeats this request under the same key until the gateway
	// answers it.
	Authorize(ctx context.Context, req AuthorizeRequest) (PaymentResult, error)
	// Capture collects req.Amount of an authorization; it may be called
	// several times for one authorization (partial captures), never for
	// more than authorized in total.
	Capture(ctx context.Context, req CaptureRequest) (PaymentResult, error)
	// Void releases req.Amount of an authorization that will not be
	// captured.
	Void(ctx context.Context, req VoidRequest) (PaymentResult, error)
	// Refund returns req.Amount of what was captured, never more than
	// captured in total.
	Refund(ctx context.Context, req RefundRequest) (PaymentResult, error)
}

// AuthorizeRequest asks a gateway to authorize an amount.
type AuthorizeRequest struct {
	// IdempotencyKey is derived from the order and the step: a request
	// repeated with it must return the first result and move no money.
	IdempotencyKey string
	// OrderID is the order the money is for.
	OrderID oms.ID
	// Method is the host's opaque payment method token.
	Method string
	// Amount is what to authorize, in the order's currency.
	Amount oms.Money
}

// CaptureRequest asks a gateway to capture part of an authorization.
type CaptureRequest struct {
	// IdempotencyKey is derived from the order and the step: a request
	// repeated with it must return the first result and move no money.
	IdempotencyKey string
	// OrderID is the order the money is for.
	OrderID oms.ID
	// Authorization is the reference the gateway returned from Authorize.
	Authorization string
	// Amount is what to capture, at most the authorization's open part.
	Amount oms.Money
}

// VoidRequest asks a gateway to release Amount of the uncaptured rest of
// the authorization Authorization.
type VoidRequest struct {
	// IdempotencyKey is derived from the order and the step: a request
	// repeated with it must return the first result and move no money.
	IdempotencyKey string
	// OrderID is the order the money is for.
	OrderID       oms.ID
	Authorization string
	Amount        oms.Money
}

// RefundRequest asks a gateway to give back Amount of the money captured
// on the authorization Authorization; Reason is shown to the payer where
// the gateway supports it.
type RefundRequest struct {
	// IdempotencyKey is derived from the order and the step: a request
	// repeated with it must return the first result and move no money.
	IdempotencyKey string
	// OrderID is the order the money is for.
	OrderID       oms.ID
	Authorization string
	Amount        oms.Money
	Reason        string
}

// PaymentResult is what a gateway reports for a successful call.
type PaymentResult struct {
	// Reference is the gateway's ID of the transaction (for Authorize, the
	// authorization that later requests name).
	Reference string
}

// CapturePolicy says when payment is captured.
type CapturePolicy string

// Capture policies.
const (
	// CaptureOnShipment captures, after each shipment, the value of what
	// has shipped so far (the usual rule for physical goods); the last
	// shipment captures the rest of the grand total.
	CaptureOnShipment CapturePolicy = "on_shipment"
	// CaptureOnPlacement captures the grand total when the order is
	// placed (digital goods, pre-orders paid up front).
	CaptureOnPlacement CapturePolicy = "on_placement"
)

// Valid reports whether p is a capture policy.
func (p CapturePolicy) Valid() bool { return p == CaptureOnShipment || p == CaptureOnPlacement }

// TransactionKind names a payment operation.
type TransactionKind string

// Transaction kinds.
const (
	TxAuthorize TransactionKind = "authorize"
	TxCapture   TransactionKind = "capture"
	TxVoid      TransactionKind = "void"
	TxRefund    TransactionKind = "refund"
)

// Valid reports whether k is a transaction kind.
func (k TransactionKind) Valid() bool {
	switch k {
	case TxAuthorize, TxCapture, TxVoid, TxRefund:
		return true
	}
	return false
}

// Payment is an order's payment summary. The payment itself lives at the
// host's gateway; the order records what happened there. Invariants:
// Voided + Captured <= Authorized (when a gateway authorized) and
// Refunded <= Captured.
type Payment struct {
	// Policy is when the order's payment is captured.
	Policy CapturePolicy `json:"capture_policy"`
	// Authorization is the gateway's reference of the latest
	// authorization; empty when no gateway authorized the order.
	Authorization string `json:"authorization,omitempty"`
	// Authorized, Captured, Voided and Refunded are running sums of the
	// confirmed gateway operations, in the order's currency.
	Authorized oms.Money `json:"authorized"`
	Captured   oms.Money `json:"captured"`
	Voided     oms.Money `json:"voided"`
	Refunded   oms.Money `json:"refunded"`
	// Adjusted is the part of Refunded given back because the order shrank
	// (cancellations, edits), as opposed to refunds of returned goods.
	Adjusted oms.Money `json:"adjusted"`
	// Pending is a gateway operation recorded but not yet confirmed. The
	// Service records it before calling the gateway and clears it after,
	// so a crash in between repeats the same call with the same key.
	Pending *PaymentOp `json:"pending,omitempty"`
	// Transactions lists the confirmed gateway operations, oldest first.
	Transactions []Transaction `json:"transactions,omitempty"`
}

// PaymentOp is a gateway operation to perform.
type PaymentOp struct {
	// Kind is the operation; Amount how much it moves.
	Kind   TransactionKind `json:"kind"`
	Amount oms.Money       `json:"amount"`
	// Key is the idempotency key sent to the gateway.
	Key string `json:"key"`
	// Method is the payment method token (authorizations only).
	Method string `json:"method,omitempty"`
	// Reason is sent with refunds.
	Reason string `json:"reason,omitempty"`
	// Adjustment marks a refund made because the order shrank.
	Adjustment bool `json:"adjustment,omitempty"`
	// Authorization is the authorization a capture, void or refund
	// applies to (an order authorized several times settles each within
	// its own amount); empty means Payment.Authorization.
	Authorization string `json:"authorization,omitempty"`
}

// Transaction is a confirmed gateway operation.
type Transaction struct {
	// Kind is the operation and Amount how much it moved.
	Kind   TransactionKind `json:"kind"`
	Amount oms.Money       `json:"amount"`
	// Reference is the gateway's ID of the transaction ("host"-given for
	// an authorization recorded from PlaceInput.Payment).
	Reference string `json:"reference,omitempty"`
	// Key is the idempotency key the gateway got ("host" when the host
	// authorized itself); At is when the order recorded it.
	Key string    `json:"key"`
	At  time.Time `json:"at"`
	// Authorization is the authorization a capture, void or refund
	// applied to; for an authorization it is its own Reference.
	Authorization string `json:"authorization,omitempty"`
}

// newPayment returns an empty summary in currency c.
func newPayment(c oms.Currency, p CapturePolicy) Payment {
	z := oms.Zero(c)
	return Payment{Policy: p, Authorized: z, Captured: z, Voided: z, Refunded: z, Adjusted: z}
}

// PlanSettlement returns the next gateway operation the capture policy
// calls for, or nil when the payment is settled for now. It is pure. The
// rules, in order:
//
//   - Refund what was collected beyond the grand total (the order shrank
//     after capture), less what Refund already gave back beyond a line's
//     or the shipping's current total (a line refunded at its value
//     before the order discounts moved onto it).
//   - Unless the order is cancelled, capture up to the target, within what
//     is authorized: the grand total under CaptureOnPlacement, the shipped
//     value (see ShippedValue) under CaptureOnShipment, each plus what
//     Refund gave back beyond a line's or the shipping's current total
//     (money the customer got back already: a line credited and then
//     cancelled is not given back twice).
//   - Once the order is cancelled or completed, void the authorized rest.
//
// An order authorized several times (AuthorizePayment after an edit raised
// the total) settles each authorization within its own amount: captures
// and voids take the oldest authorization with an open part first,
// refunds the latest one with captured money, and each op names its
// authorization, capped at what that authorization allows; the next call
// plans the rest.
//
// Orders without a gateway authorization (Payment.Authorization empty) are
// settled by the host and get nil. A payment sum in another currency than
// the order's is an error matching oms.ErrCurrencyMismatch; a zero
// oms.Money counts as zero.
func PlanSettlement(o *Order) (*PaymentOp, error) {
	if o == nil {
		return nil, oms.Validationf(entity, "", "order is nil")
	}
	p := o.Payment
	if p.Authorization == "" || p.Pending != nil {
		return nil, nil
	}
	t, err := ComputeTotals(o)
	if err != nil {
		return nil, err
	}
	// The sums may come from the host's database: a zero Money (JSON
	// null) counts as zero, another currency is refused.
	for _, f := range []struct {
		name string
		m    *oms.Money
	}{{"authorized", &p.Authorized}, {"captured", &p.Captured}, {"voided", &p.Voided}, {"refunded", &p.Refunded}, {"adjusted", &p.Adjusted}} {
		if *f.m, err = inCurrency(*f.m, o.Currency, -1, "payment."+f.name); err != nil {
			return nil, err
		}
	}
	auths := authBalances(o)
	collected := sub(p.Captured, p.Adjusted)
	// Refund gave back goods at their value then; what a line (or the
	// shipping) refunded beyond its total now was given back already, so
	// a shrunken total does not refund it again.
	beyond, err := refundedBeyondTotals(o, t)
	if err != nil {
		return nil, err
	}
	due := add(t.GrandTotal, beyond)
	if gt(collected, due) {
		amt := minMoney(sub(collected, due), sub(p.Captured, p.Refunded))
		if b := lastAuth(auths, func(b *authBalance) oms.Money { return sub(b.captured, b.refunded) }); amt.IsPositive() && b != nil {
			amt = minMoney(amt, sub(b.captured, b.refunded))
			return &PaymentOp{Kind: TxRefund, Amount: amt, Adjustment: true, Reason: "order reduced", Authorization: b.ref,
				Key: fmt.Sprintf("%s/refund/%s", o.ID, add(p.Refunded, amt).StringAmount())}, nil
		}
	}
	available := sub(sub(p.Authorized, p.Voided), p.Captured)
	if o.Status != StatusCancelled {
		target := due
		if p.Policy != CaptureOnPlacement {
			if target, err = ShippedValue(o, t); err != nil {
				return nil, err
			}
			target = add(target, beyond)
		}
		if b := firstAuth(auths, (*authBalance).open); gt(target, collected) && available.IsPositive() && b != nil {
			amt := minMoney(minMoney(sub(target, collected), available), b.open())
			return &PaymentOp{Kind: TxCapture, Amount: amt, Authorization: b.ref,
				Key: fmt.Sprintf("%s/capture/%s", o.ID, add(p.Captured, amt).StringAmount())}, nil
		}
	}
	if b := firstAuth(auths, (*authBalance).open); o.Status.Final() && available.IsPositive() && b != nil {
		amt := minMoney(available, b.open())
		return &PaymentOp{Kind: TxVoid, Amount: amt, Authorization: b.ref,
			Key: fmt.Sprintf("%s/void/%s", o.ID, add(p.Voided, amt).StringAmount())}, nil
	}
	return nil, nil
}

// refundedBeyondTotals returns what Service.Refund gave back beyond the
// current totals: per line, its RefundedAmount above its total, and the
// RefundedShipping above the shipping with its tax. An amount in another
// currency than the order's is an error matching oms.ErrCurrencyMismatch.
func refundedBeyondTotals(o *Order, t Totals) (oms.Money, error) {
	cur := o.Currency
	over := oms.Zero(cur)
	for i, l := range o.Lines {
		m, err := inCurrency(l.RefundedAmount, cur, i, "refunded_amount")
		if err != nil {
			return oms.Money{}, err
		}
		if d := sub(m, t.Lines[i].Total); d.IsPositive() {
			over = add(over, d)
		}
	}
	m, err := inCurrency(o.RefundedShipping, cur, -1, "refunded_shipping")
	if err != nil {
		return oms.Money{}, err
	}
	if d := sub(m, shippingTotal(t)); d.IsPositive() {
		over = add(over, d)
	}
	return over, nil
}

// authBalance is what one authorization of an order has authorized,
// captured, voided and refunded, summed from Payment.Transactions.
type authBalance struct {
	ref                                    string
	authorized, captured, voided, refunded oms.Money
}

// open returns the part of the authorization neither captured nor voided.
func (b *authBalance) open() oms.Money { return sub(sub(b.authorized, b.voided), b.captured) }

// authBalances returns the balances of o's authorizations, oldest first.
// A capture, void or refund that names no authorization counts against
// Payment.Authorization.
func authBalances(o *Order) []*authBalance {
	var out []*authBalance
	find := func(ref string) *authBalance {
		for _, b := range out {
			if b.ref == ref {
				return b
			}
		}
		z := oms.Zero(o.Currency)
		b := &authBalance{ref: ref, authorized: z, captured: z, voided: z, refunded: z}
		out = append(out, b)
		return b
	}
	for _, tx := range o.Payment.Transactions {
		ref := tx.Authorization
		if tx.Kind == TxAuthorize {
			ref = tx.Reference
		} else if ref == "" {
			ref = o.Payment.Authorization
		}
		if tx.Amount.Currency() != o.Currency {
			continue // not ours; the sums in Payment decide
		}
		b := find(ref)
		switch tx.Kind {
		case TxAuthorize:
			b.authorized = add(b.authorized, tx.Amount)
		case TxCapture:
			b.captured = add(b.captured, tx.Amount)
		case TxVoid:
			b.voided = add(b.voided, tx.Amount)
		case TxRefund:
			b.refunded = add(b.refunded, tx.Amount)
		}
	}
	return out
}

// firstAuth returns the oldest authorization whose f is positive, or nil.
func firstAuth(bs []*authBalance, f func(*authBalance) oms.Money) *authBalance {
	for _, b := range bs {
		if f(b).IsPositive() {
			return b
		}
	}
	return nil
}

// lastAuth returns the latest authorization whose f is positive, or nil.
func lastAuth(bs []*authBalance, f func(*authBalance) oms.Money) *authBalance {
	for i := len(bs) - 1; i >= 0; i-- {
		if f(bs[i]).IsPositive() {
			return bs[i]
		}
	}
	return nil
}

// applyPayment records the confirmed op in o's summary.
func applyPayment(o *Order, op PaymentOp, ref string, at time.Time) pendingEvent {
	p := &o.Payment
	var typ string
	switch op.Kind {
	case TxAuthorize:
		p.Authorized = add(p.Authorized, op.Amount)
		p.Authorization = ref
		typ = EventPaymentAuthorized
	case TxCapture:
		p.Captured = add(p.Captured, op.Amount)
		typ = EventPaymentCaptured
	case TxVoid:
		p.Voided = add(p.Voided, op.Amount)
		typ = EventPaymentVoided
	default:
		p.Refunded = add(p.Refunded, op.Amount)
		if op.Adjustment {
			p.Adjusted = add(p.Adjusted, op.Amount)
		}
		typ = EventPaymentRefunded
	}
	auth := op.Authorization
	switch {
	case op.Kind == TxAuthorize:
		auth = ref
	case auth == "":
		auth = p.Authorization
	}
	p.Transactions = append(p.Transactions, Transaction{Kind: op.Kind, Amount: op.Amount, Reference: ref, Key: op.Key, At: at, Authorization: auth})
	return pendingEvent{typ, PaymentPayload{Kind: op.Kind, Amount: op.Amount, Reference: ref, Key: op.Key}}
}

// call performs op at the gateway.
func call(ctx context.Context, g PaymentGateway, o *Order, op PaymentOp) (PaymentResult, error) {
	auth := op.Authorization
	if auth == "" {
		auth = o.Payment.Authorization
	}
	switch op.Kind {
	case TxAuthorize:
		return g.Authorize(ctx, AuthorizeRequest{IdempotencyKey: op.Key, OrderID: o.ID, Method: op.Method, Amount: op.Amount})
	case TxCapture:
		return g.Capture(ctx, CaptureRequest{IdempotencyKey: op.Key, OrderID: o.ID, Authorization: auth, Amount: op.Amount})
	case TxVoid:
		return g.Void(ctx, VoidRequest{IdempotencyKey: op.Key, OrderID: o.ID, Authorization: auth, Amount: op.Amount})
	default:
		return g.Refund(ctx, RefundRequest{IdempotencyKey: op.Key, OrderID: o.ID, Authorization: auth, Amount: op.Amount, Reason: op.Reason})
	}
}

// outcomeUnknown reports whether an Authorize error leaves open whether
// the money is held: ErrOutcomeUnknown, or a deadline that expired while
// the request was out (the gateway's own, or the caller's).
func outcomeUnknown(err error) bool {
	return errors.Is(err, ErrOutcomeUnknown) || errors.Is(err, context.DeadlineExceeded)
}

func gt(a, b oms.Money) bool { return a.Amount().GreaterThan(b.Amount()) }

func minMoney(a, b oms.Money) oms.Money {
	if gt(a, b) {
		return b
	}
	return a
}

// authorizedEnough reports whether the open authorization covers what
// the order collects (see owed).
func authorizedEnough(o *Order, t Totals) bool {
	return !gt(owed(o, t), payable(o))
}

// owed returns what the order's payment must collect in all: the grand
// total of t, plus what Refund gave back beyond a line's or the
// shipping's current total (the customer got that money back already, so
// a cancellation's refund kept it back, and it is not the authorization's
// to give again: an edit spending it must be authorized).
func owed(o *Order, t Totals) oms.Money {
	if t.GrandTotal.Currency() != o.Currency {
		return t.GrandTotal
	}
	cur, err := ComputeTotals(o) // t may be the totals a store returned
	if err != nil {
		return t.GrandTotal
	}
	beyond, err := refundedBeyondTotals(o, cur)
	if err != nil || !beyond.IsPositive() {
		return t.GrandTotal
	}
	return add(t.GrandTotal, beyond)
}

// payable returns what the order's authorizations can still collect in
// all: authorized minus voided minus what was refunded because the order
// shrank (that money was captured and given back; no capture takes it
// again).
func payable(o *Order) oms.Money {
	cur := o.Currency
	return sub(sub(moneyOr(o.Payment.Authorized, cur), moneyOr(o.Payment.Voided, cur)), moneyOr(o.Payment.Adjusted, cur))
}

// settle runs the gateway steps the order's payment needs, starting from
// o as saved. Each step is two writes: the operation is recorded as
// pending, then the gateway is called with the operation's key, then the
// result is recorded. Whoever finds a pending operation (this call after a
// lost race, a later call after a crash) repeats it with the same key, so
// the gateway moves money once. A gateway error leaves a capture, void or
// refund pending and returns a *PaymentError; a failed authorization is
// recorded (order.payment_failed) and returned as a *PaymentError.
func (s *Service) settle(ctx context.Context, o *Order) (*Order, error) {
	if s.gw == nil {
		return o, nil
	}
	reload := func() error {
		cur, err := s.store.Get(ctx, o.ID)
		if err == nil {
			o = cur
		}
		return err
	}
	// Four tries per step; a huge MaxRetries must not wrap the bound.
	limit := math.MaxInt - 1
	if s.retries < limit/4 {
		limit = 4 * s.retries
	}
	for attempt := 0; attempt <= limit; attempt++ {
		if err := ctx.Err(); err != nil {
			return o, err
		}
		if o.Payment.Pending == nil {
			op, err := PlanSettlement(o)
			if err != nil {
				return o, err
			}
			if op == nil {
				// The parts of a refund recorded by Refund that no gateway
				// refund carried yet (a part failed before the rest went).
				if op = planRefundRest(o); op == nil {
					return o, nil
				}
			}
			next := o.Clone()
			next.Payment.Pending = op
			ev := pendingEvent{EventPaymentRequested, PaymentPayload{Kind: op.Kind, Amount: op.Amount, Key: op.Key}}
			if err := s.commit(ctx, o, next, s.clock.Now().UTC(), []pendingEvent{ev}); err != nil {
				if errors.Is(err, oms.ErrConflict) {
					if err := reload(); err != nil {
						return o, err
					}
					continue
				}
				return o, err
			}
			o = next
		}
		op := *o.Payment.Pending
		res, callErr := call(ctx, s.gw, o, op)
		// A failed capture, void or refund, and an authorization whose
		// outcome the gateway could not tell, stay pending: the next run
		// repeats the same request under the same key. Only a declined
		// authorization is recorded as failed.
		if callErr != nil && (op.Kind != TxAuthorize || outcomeUnknown(callErr)) {
			s.warn("payment "+string(op.Kind)+" failed", o.ID, callErr)
			return o, &PaymentError{OrderID: o.ID, Operation: string(op.Kind), Err: callErr}
		}
		now := s.clock.Now().UTC()
		next := o.Clone()
		next.Payment.Pending = nil
		var events []pendingEvent
		if callErr != nil {
			events = append(events, pendingEvent{EventPaymentFailed, PaymentFailedPayload{Kind: op.Kind, Amount: op.Amount, Key: op.Key, Error: clip(callErr.Error())}})
		} else {
			events = append(events, applyPayment(next, op, res.Reference, now))
			if capture := placementCapture(next, op, res.Reference); capture != nil {
				// An authorization at placement whose outcome was unknown
				// is followed by the placement's own capture, under its
				// key: an earlier attempt of the same Place may have made
				// it, and the gateway then answers from that.
				next.Payment.Pending = capture
				events = append(events, pendingEvent{EventPaymentRequested, PaymentPayload{Kind: capture.Kind, Amount: capture.Amount, Key: capture.Key}})
			}
			if op.Kind == TxAuthorize && authorizedEnough(next, next.Totals) {
				for i := range next.Holds {
					h := &next.Holds[i]
					if h.Open() && h.Reason == HoldAwaitingPayment {
						h.ReleasedAt, h.ReleasedBy, h.ReleaseNote = now, "payment", "payment authorized"
						events = append(events, pendingEvent{EventHoldReleased, HoldPayload{HoldID: h.ID, Reason: h.Reason, By: h.ReleasedBy, Note: h.ReleaseNote}})
					}
				}
			}
		}
		if err := s.commit(ctx, o, next, now, events); err != nil {
			if errors.Is(err, oms.ErrConflict) {
				if err := reload(); err != nil {
					return o, err
				}
				continue
			}
			return o, err
		}
		o = next
		if callErr != nil {
			s.warn("payment authorize failed", o.ID, callErr)
			return o, &PaymentError{OrderID: o.ID, Operation: string(op.Kind), Err: callErr}
		}
	}
	return o, fmt.Errorf("order: %s: payment settlement did not finish after %d attempts: %w", o.ID, limit+1, oms.ErrConflict)
}

// placementCapture returns, for an order captured at placement, the
// capture that follows op when op is the authorization made at placement
// (authorizeAtPlacement's key and amount, now confirmed as ref), and nil
// otherwise.
func placementCapture(o *Order, op PaymentOp, ref string) *PaymentOp {
	if op.Kind != TxAuthorize || o.Payment.Policy != CaptureOnPlacement {
		return nil
	}
	base, ok := strings.CutSuffix(op.Key, "/authorize")
	if !ok {
		return nil
	}
	placed := base == string(o.ID)
	if key, isPlace := strings.CutPrefix(base, "place/"); isPlace {
		_, placed = o.appliedKey("place:" + key)
	}
	if !placed {
		return nil
	}
	return &PaymentOp{Kind: TxCapture, Amount: op.Amount, Key: base + "/capture", Authorization: ref}
}

// SettlePayment runs whatever gateway steps the order's payment needs now:
// a pending operation left by an earlier failure, then captures, refunds
// and voids by the capture policy (see PlanSettlement), then the parts of
// refunds recorded by Refund that no gateway refund carried yet. The
// Service calls it after every change; hosts call it to retry after a
// *PaymentError.
// Without a Gateway it returns the order unchanged.
func (s *Service) SettlePayment(ctx context.Context, id oms.ID) (*Order, error) {
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.settle(ctx, o)
}

// AuthorizeInput asks for a new authorization of an order's unpaid part.
type AuthorizeInput struct {
	// Key makes the call safe to repeat; required.
	Key string `json:"key"`
	// Method is the payment method token for the Gateway.
	Method string `json:"method"`
}

// AuthorizePayment authorizes what the order's authorizations do not yet
// cover (after a declined authorization at placement, or an edit that
// raised the total). Success releases the awaiting_payment hold. It needs
// a Gateway (otherwise oms.ErrUnsupported). An order with a payment
// operation pending is refused with oms.ErrConflict: call SettlePayment
// first.
func (s *Service) AuthorizePayment(ctx context.Context, id oms.ID, in AuthorizeInput) (*Order, error) {
	if s.gw == nil {
		return nil, fmt.Errorf("%w: order: no payment gateway is configured", oms.ErrUnsupported)
	}
	c := newChecker("")
	c.key("key", in.Key, true)
	c.text("method", in.Method, MaxTextLength, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	digest := digestOf("authorize", in.Method)
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		if replay, err := checkKey(o, "authorize:", in.Key, digest); replay || err != nil {
			return nil, err
		}
		if o.Status.Final() {
			return nil, transitionError(o.ID, o.Status, "authorized", "a "+string(o.Status)+" order takes no new payment")
		}
		if o.Payment.Pending != nil {
			return nil, fmt.Errorf("%w: order %s: a payment %s is pending; settle it first", oms.ErrConflict, o.ID, o.Payment.Pending.Kind)
		}
		need := sub(owed(o, o.Totals), payable(o))
		if !need.IsPositive() {
			return nil, nil
		}
		op := &PaymentOp{Kind: TxAuthorize, Amount: need, Method: in.Method, Key: fmt.Sprintf("%s/authorize/%s", o.ID, in.Key)}
		o.Payment.Pending = op
		recordKey(o, "authorize:", in.Key, digest.sum)
		return []pendingEvent{{EventPaymentRequested, PaymentPayload{Kind: op.Kind, Amount: op.Amount, Key: op.Key}}}, nil
	})
}
