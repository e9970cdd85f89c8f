package ordertest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// DeclinedMethod is the payment method token FakeGateway declines.
const DeclinedMethod = "tok_decline"

// ErrDeclined is the error FakeGateway returns for DeclinedMethod.
var ErrDeclined = errors.New("ordertest: payment declined")

// Call is one request FakeGateway received.
type Call struct {
	Kind   order.TransactionKind
	Key    string
	Order  oms.ID
	Amount oms.Money
	// Authorization is the authorization a capture, void or refund named.
	Authorization string
	// Replay is true when the key was seen before and the first result
	// was returned without moving money.
	Replay bool
}

// Ledger is what FakeGateway holds for one order.
type Ledger struct {
	Authorized, Captured, Voided, Refunded oms.Money
}

// FakeGateway is an in-memory order.PaymentGateway for tests. It keeps a
// ledger per order, honours idempotency keys (a repeated key returns the
// first result and moves nothing; the same key with another amount is an
// error matching oms.ErrDuplicate, as is one with another order or, for a
// capture, void or refund, another authorization), declines the method DeclinedMethod,
// and refuses to capture more than authorized or refund more than
// captured (errors matching oms.ErrValidation), so a test notices any
// double charge. Like a real processor it holds each authorization to its
// own amount: a capture or void beyond what the named authorization has
// open, or a refund beyond what was captured on it, is refused, and an
// authorization it never granted matches oms.ErrNotFound. It is safe for
// concurrent use.
type FakeGateway struct {
	mu      sync.Mutex
	seen    map[string]fakeResult
	ledgers map[oms.ID]*Ledger
	auths   map[string]*Ledger // by authorization reference
	calls   []Call
	failing map[order.TransactionKind]error
	losing  map[order.TransactionKind]int
	n       int
}

type fakeResult struct {
	kind   order.TransactionKind
	amount oms.Money
	order  oms.ID
	auth   string
	res    order.PaymentResult
	err    error
}

var _ order.PaymentGateway = (*FakeGateway)(nil)

// NewFakeGateway returns a gateway with empty ledgers.
func NewFakeGateway() *FakeGateway {
	return &FakeGateway{seen: map[string]fakeResult{}, ledgers: map[oms.ID]*Ledger{}, auths: map[string]*Ledger{},
		failing: map[order.TransactionKind]error{}, losing: map[order.TransactionKind]int{}}
}

// ErrAnswerLost is the error of a call whose answer LoseAnswers lost; it
// matches order.ErrOutcomeUnknown.
var ErrAnswerLost = fmt.Errorf("ordertest: answer lost after the request took effect: %w", order.ErrOutcomeUnknown)

// LoseAnswers makes the next n calls of kind take effect (money moves, the
// key is recorded) and then return ErrAnswerLost instead of their result,
// as a processor does when the connection drops after it acted. A repeat
// under the same key returns the first result. n <= 0 stops losing.
func (g *FakeGateway) LoseAnswers(kind order.TransactionKind, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n <= 0 {
		delete(g.losing, kind)
		return
	}
	g.losing[kind] = n
}

// Fail makes every later call of kind return err (nil restores success).
// Failed calls do not record their key, so a retry can succeed.
func (g *FakeGateway) Fail(kind order.TransactionKind, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil {
		delete(g.failing, kind)
		return
	}
	g.failing[kind] = err
}

// Calls returns the requests received so far, oldest first.
func (g *FakeGateway) Calls() []Call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Call(nil), g.calls...)
}

// Ledger returns the order's ledger (zero amounts when unknown).
func (g *FakeGateway) Ledger(id oms.ID) Ledger {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l, ok := g.ledgers[id]; ok {
		return *l
	}
	return Ledger{}
}

// Authorize implements order.PaymentGateway.
func (g *FakeGateway) Authorize(ctx context.Context, req order.AuthorizeRequest) (order.PaymentResult, error) {
	return g.do(ctx, order.TxAuthorize, req.IdempotencyKey, req.OrderID, req.Amount, req.Method, "")
}

// Capture implements order.PaymentGateway.
func (g *FakeGateway) Capture(ctx context.Context, req order.CaptureRequest) (order.PaymentResult, error) {
	return g.do(ctx, order.TxCapture, req.IdempotencyKey, req.OrderID, req.Amount, "", req.Authorization)
}

// Void implements order.PaymentGateway.
func (g *FakeGateway) Void(ctx context.Context, req order.VoidRequest) (order.PaymentResult, error) {
	return g.do(ctx, order.TxVoid, req.IdempotencyKey, req.OrderID, req.Amount, "", req.Authorization)
}

// Refund implements order.PaymentGateway.
func (g *FakeGateway) Refund(ctx context.Context, req order.RefundRequest) (order.PaymentResult, error) {
	return g.do(ctx, order.TxRefund, req.IdempotencyKey, req.OrderID, req.Amount, "", req.Authorization)
}

func (g *FakeGateway) do(ctx context.Context, kind order.TransactionKind, key string, id oms.ID, amt oms.Money, method, auth string) (order.PaymentResult, error) {
	if err := ctx.Err(); err != nil {
		return order.PaymentResult{}, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	call := Call{Kind: kind, Key: key, Order: id, Amount: amt, Authorization: auth}
	if r, ok := g.seen[key]; ok {
		call.Replay = true
		g.calls = append(g.calls, call)
		if r.kind != kind || !r.amount.Equal(amt) || r.order != id || r.auth != auth {
			return order.PaymentResult{}, fmt.Errorf("%w: ordertest: key %q was used for %s %s of order %s (authorization %q), now %s %s of order %s (authorization %q)",
				oms.ErrDuplicate, key, r.kind, r.amount, r.order, r.auth, kind, amt, id, auth)
		}
		return r.res, r.err
	}
	g.calls = append(g.calls, call)
	if err := g.failing[kind]; err != nil {
		return order.PaymentResult{}, err
	}
	if key == "" || !amt.IsPositive() {
		return order.PaymentResult{}, oms.Validationf("payment", "request", "needs a key and a positive amount, got %q and %s", key, amt)
	}
	z := oms.Zero(amt.Currency())
	a := g.auths[auth]
	if kind != order.TxAuthorize && a == nil {
		return order.PaymentResult{}, oms.NotFoundError("authorization", auth)
	}
	l := g.ledgers[id]
	if l == nil {
		l = &Ledger{Authorized: z, Captured: z, Voided: z, Refunded: z}
		g.ledgers[id] = l
	}
	g.n++
	r := fakeResult{kind: kind, amount: amt, order: id, auth: auth, res: order.PaymentResult{Reference: string(kind) + "_" + strconv.Itoa(g.n)}}
	sum := func(a, b oms.Money) oms.Money { s, _ := a.Add(b); return s }
	diff := func(a, b oms.Money) oms.Money { s, _ := a.Sub(b); return s }
	over := func(a, limit oms.Money) bool { c, err := a.Cmp(limit); return err != nil || c > 0 }
	switch kind {
	case order.TxAuthorize:
		if method == DeclinedMethod {
			r.err = ErrDeclined
			r.res = order.PaymentResult{}
		} else {
			l.Authorized = sum(l.Authorized, amt)
			g.auths[r.res.Reference] = &Ledger{Authorized: amt, Captured: z, Voided: z, Refunded: z}
		}
	case order.TxCapture:
		if over(amt, diff(diff(a.Authorized, a.Voided), a.Captured)) {
			return order.PaymentResult{}, oms.Validationf("payment", "amount", "capture %s exceeds the open part of authorization %s", amt, auth)
		}
		l.Captured, a.Captured = sum(l.Captured, amt), sum(a.Captured, amt)
	case order.TxVoid:
		if over(amt, diff(diff(a.Authorized, a.Voided), a.Captured)) {
			return order.PaymentResult{}, oms.Validationf("payment", "amount", "void %s exceeds the open part of authorization %s", amt, auth)
		}
		l.Voided, a.Voided = sum(l.Voided, amt), sum(a.Voided, amt)
	case order.TxRefund:
		if over(amt, diff(a.Captured, a.Refunded)) {
			return order.PaymentResult{}, oms.Validationf("payment", "amount", "refund %s exceeds what authorization %s captured", amt, auth)
		}
		l.Refunded, a.Refunded = sum(l.Refunded, amt), sum(a.Refunded, amt)
	}
	g.seen[key] = r
	if g.losing[kind] > 0 {
		if g.losing[kind]--; g.losing[kind] == 0 {
			delete(g.losing, kind)
		}
		return order.PaymentResult{}, ErrAnswerLost
	}
	return r.res, r.err
}
