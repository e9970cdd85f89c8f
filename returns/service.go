package returns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
)

// TrackingRegistrar registers a return label's tracking number with the
// host's tracking (usually tracking.Service.Register), so that carrier
// events for it reach Service.Track. The host implements it; returns does
// not import the tracking package. Register must be idempotent: the same
// registration twice registers once.
type TrackingRegistrar interface {
	Register(ctx context.Context, reg TrackingRegistration) error
}

// TrackingRegistration is a return parcel to follow.
type TrackingRegistration struct {
	ReturnID       oms.ID `json:"return_id"`
	OrderID        oms.ID `json:"order_id"`
	CustomerID     oms.ID `json:"customer_id,omitempty"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
}

// ServiceOptions configures a Service.
type ServiceOptions struct {
	// Orders is the order service: refunds, return counters and
	// replacement orders go through it. Required.
	Orders *order.Service
	// Inventory moves inspected units (restock, quarantine, write-off) and
	// reserves advance exchanges. Nil refuses inspections that move stock
	// and advance exchanges (oms.ErrUnsupported).
	Inventory *inventory.Service
	// Carrier buys return labels; it must implement shipping.LabelBuyer.
	// Nil refuses IssueLabel (oms.ErrUnsupported).
	Carrier shipping.Carrier
	// ReturnAddress is where return labels send the goods.
	ReturnAddress oms.Address
	// Tracking registers return labels' tracking numbers; optional.
	Tracking TrackingRegistrar
	// Policy is the return policy. Nil means DefaultPolicy().
	Policy *Policy
	// Clock is the only source of time. Default: oms.SystemClock().
	Clock oms.Clock
	// MaxRetries bounds the retries of a command that lost a race
	// (oms.ErrConflict). Default 16.
	MaxRetries int
}

// Service runs the return commands. Each loads a return, applies the
// rules and saves it with its events in one write that checks the version
// it loaded; a lost race is retried on the fresh return. Steps that reach
// other services (the order's refund and counters, inventory, the
// carrier) happen after the return recorded what it is about to do, with
// keys derived from the return, so a command repeated after a crash or an
// error finishes the work and never does it twice. Service is safe for
// concurrent use.
type Service struct {
	store    Store
	orders   *order.Service
	inv      *inventory.Service
	carrier  shipping.Carrier
	address  oms.Address
	tracking TrackingRegistrar
	policy   Policy
	clock    oms.Clock
	retries  int
	// gates serializes, per order, the commands that check what is still
	// returnable and then take units (request, approve, claim), within
	// this process. An order's gate lives while a command holds or awaits
	// it, so the map holds only the orders being worked on.
	gatesMu sync.Mutex
	gates   map[oms.ID]*orderGate
}

// orderGate is one order's gate and the number of commands holding or
// awaiting it.
type orderGate struct {
	mu    sync.Mutex
	users int
}

// gate locks the order's gate and returns its unlock.
func (s *Service) gate(orderID oms.ID) func() {
	s.gatesMu.Lock()
	if s.gates == nil {
		s.gates = map[oms.ID]*orderGate{}
	}
	g := s.gates[orderID]
	if g == nil {
		g = &orderGate{}
		s.gates[orderID] = g
	}
	g.users++
	s.gatesMu.Unlock()
	g.mu.Lock()
	return func() {
		g.mu.Unlock()
		s.gatesMu.Lock()
		if g.users--; g.users == 0 {
			delete(s.gates, orderID)
		}
		s.gatesMu.Unlock()
	}
}

// NewService returns a Service over store. It refuses options without
// Orders and an invalid policy (*oms.ValidationError).
func NewService(store Store, opts *ServiceOptions) (*Service, error) {
	var o ServiceOptions
	if opts != nil {
		o = *opts
	}
	if store == nil || o.Orders == nil {
		return nil, oms.Validationf("return service", "orders", "a store and an order service are required")
	}
	s := &Service{store: store, orders: o.Orders, inv: o.Inventory, carrier: o.Carrier, address: o.ReturnAddress,
		tracking: o.Tracking, clock: o.Clock, retries: o.MaxRetries}
	if o.Policy != nil {
		s.policy = o.Policy.clone()
	} else {
		s.policy = DefaultPolicy()
	}
	if err := s.policy.Validate(); err != nil {
		return nil, err
	}
	if s.clock == nil {
		s.clock = oms.SystemClock()
	}
	if s.retries <= 0 {
		s.retries = 16
	}
	return s, nil
}

// Policy returns a copy of the service's policy: changing it changes
// nothing of the service.
func (s *Service) Policy() Policy { return s.policy.clone() }

// Get returns the return with id; unknown IDs match oms.ErrNotFound.
func (s *Service) Get(ctx context.Context, id oms.ID) (*Return, error) { return s.store.Get(ctx, id) }

// ListByOrder returns the returns and claims of an order, oldest first.
func (s *Service) ListByOrder(ctx context.Context, orderID oms.ID) ([]*Return, error) {
	return s.store.ListByOrder(ctx, orderID)
}

// mutation changes r (a private copy) and returns the events of the
// change; no events and no error means nothing changed (a replay).
type mutation func(r *Return, now time.Time) ([]pendingEvent, error)

// update loads the return, applies fn and saves, retrying on
// oms.ErrConflict. It reports whether anything was saved.
func (s *Service) update(ctx context.Context, id oms.ID, fn mutation) (*Return, bool, error) {
	var lastErr error
	for attempt := 0; attempt <= s.retries; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		cur, err := s.store.Get(ctx, id)
		if err != nil {
			return nil, false, err
		}
		next := cur.Clone()
		now := s.clock.Now().UTC()
		events, err := fn(next, now)
		if err != nil {
			return nil, false, err
		}
		if len(events) == 0 {
			return cur, false, nil
		}
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		evs, err := stamp(next, now, events)
		if err != nil {
			return nil, false, err
		}
		if err := s.store.Update(ctx, next, cur.Version, evs); err != nil {
			if errors.Is(err, oms.ErrConflict) {
				lastErr = err
				continue
			}
			return nil, false, err
		}
		return next, true, nil
	}
	return nil, false, fmt.Errorf("returns: %s: gave up after %d conflicts: %w", id, s.retries+1, lastErr)
}

// digestOf fingerprints a keyed command's content.
func digestOf(parts ...any) string {
	b, err := json.Marshal(parts)
	if err != nil {
		b = fmt.Appendf(nil, "%v", parts)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

// checkKey reports whether the keyed command already ran (a replay), or an
// error matching oms.ErrDuplicate when the key ran with other content.
func checkKey(r *Return, prefix, key, digest string) (bool, error) {
	if key == "" {
		return false, nil
	}
	k, ok := r.applied(prefix + key)
	switch {
	case !ok:
		return false, nil
	case k.Digest != digest:
		return false, fmt.Errorf("%w: return %s: key %q was used for a different %s", oms.ErrDuplicate, r.ID, key, strings.TrimSuffix(prefix, ":"))
	}
	return true, nil
}

func recordKey(r *Return, prefix, key, digest string) {
	if key != "" {
		r.AppliedKeys = append(r.AppliedKeys, AppliedKey{Key: prefix + key, Digest: digest})
	}
}

// MaxTextLength bounds comments, notes and reasons (in characters).
const MaxTextLength = 1000

// MaxLines bounds the lines of one return or claim.
const MaxLines = 500

func checkText(v *oms.ValidationError, field, s string, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "is not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "contains control characters")
	case utf8.RuneCountInString(s) > MaxTextLength:
		v.Add(field, "is longer than %d characters", MaxTextLength)
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	}
}

func checkKeyShape(v *oms.ValidationError, field, key string, required bool) {
	if key == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if err := oms.ValidateID(oms.ID(key)); err != nil {
		v.Add(field, "must be 1 to 128 bytes of printable ASCII without spaces")
	}
}

// StatusInput is a reason for a status change, with who made it.
type StatusInput struct {
	Note string `json:"note,omitempty"`
	By   string `json:"by,omitempty"`
}

func (in StatusInput) check() error {
	v := validation()
	checkText(v, "note", in.Note, false)
	checkText(v, "by", in.By, false)
	return v.Err()
}

// Approve authorizes a requested return. It re-evaluates every line under
// the policy as it stood when the customer asked (other returns may have
// been approved for the same units since),
// starts the expiry clock (Policy.ExpireAfter) and, for an advance
// exchange, reserves the replacement's stock and places the replacement
// order. Approving an approved return changes nothing (an unfinished
// advance exchange is finished).
func (s *Service) Approve(ctx context.Context, id oms.ID, in StatusInput) (*Return, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	cur, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	defer s.gate(cur.OrderID)()
	o, err := s.orders.Get(ctx, cur.OrderID)
	if err != nil {
		return nil, err
	}
	others, err := s.store.ListByOrder(ctx, cur.OrderID)
	if err != nil {
		return nil, err
	}
	tk, err := s.takenUnits(ctx, others, cur.ID)
	if err != nil {
		return nil, err
	}
	eligible := func(r *Return) error {
		req := make([]RequestLine, len(r.Lines))
		for i, l := range r.Lines {
			req[i] = RequestLine{OrderLineID: l.OrderLineID, Quantity: l.Quantity, Reason: l.Reason, Resolution: l.Resolution}
		}
		// The window is judged at the request: a late approval does not
		// shut a customer out who asked in time.
		return ineligible(s.policy.Evaluate(o, req, r.DeliveredAt, r.CreatedAt, tk))
	}
	// An advance exchange holds the replacement's stock before the
	// approval is saved, so a shortage refuses the approval and changes
	// nothing.
	var ex *ExchangeRecord
	if cur.Status == StatusRequested && cur.AdvanceExchange {
		if err := eligible(cur); err != nil {
			return nil, err
		}
		if ex, err = s.reserveAdvance(ctx, o, cur); err != nil {
			return nil, err
		}
	}
	refused := false
	r, _, err := s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Status == StatusApproved {
			return nil, nil
		}
		if r.Status != StatusRequested {
			refused = true
			return nil, transitionError(r, StatusApproved, "")
		}
		if err := eligible(r); err != nil {
			refused = true
			return nil, err
		}
		if err := transition(r, StatusApproved); err != nil {
			return nil, err
		}
		r.ApprovedAt = now
		if s.policy.ExpireAfter > 0 {
			r.ExpiresAt = expiry(now, s.policy.ExpireAfter)
		}
		events := []pendingEvent{{EventApproved, StatusPayload{OrderID: r.OrderID, From: StatusRequested, To: StatusApproved, Note: in.Note}}}
		if ex != nil && r.Exchange == nil {
			r.Exchange = ex
			events = append(events, pendingEvent{EventExchangeCreated, ExchangePayload{OrderID: r.OrderID, Advance: true, ReservationID: ex.ReservationID, Difference: ex.Difference}})
		}
		return events, nil
	})
	if err != nil {
		// A refused approval, or one that kept losing races (the return
		// moved on, so a retry derives another reservation), gives the
		// stock back. Any other error may come after the write went
		// through, and a retry before it derives this reservation's ID
		// again: the hold stays for the retry, as after a crash.
		if ex != nil && (refused || errors.Is(err, oms.ErrConflict)) {
			s.releaseAdvance(ctx, ex.ReservationID)
		}
		return nil, err
	}
	if r.Status == StatusApproved && r.Exchange != nil && r.Exchange.Advance && r.Exchange.OrderID == "" {
		return s.placeReplacement(ctx, r, "")
	}
	return r, nil
}

// lastExpiry is the end of year 9999, the last time a JSON time holds.
var lastExpiry = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// expiry returns when a return approved at now expires: after, or at the
// end of year 9999 when that is later (or the sum wraps).
func expiry(now time.Time, after time.Duration) time.Time {
	at := now.Add(after)
	if at.After(lastExpiry) || at.Before(now) {
		return lastExpiry
	}
	return at
}

// Reject refuses a requested return.
func (s *Service) Reject(ctx context.Context, id oms.ID, in StatusInput) (*Return, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	r, _, err := s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Status == StatusRejected {
			return nil, nil
		}
		from := r.Status
		if err := transition(r, StatusRejected); err != nil {
			return nil, err
		}
		r.RejectReason, r.ClosedAt = in.Note, now
		return []pendingEvent{{EventRejected, StatusPayload{OrderID: r.OrderID, From: from, To: StatusRejected, Note: in.Note}}}, nil
	})
	return r, err
}

// Cancel withdraws a return before anything arrived (requested, approved
// or label_issued). A label bought for it is not voided: that is the
// host's call (shipping.Voider). The replacement order of an advance
// exchange is cancelled with it; once that replacement has shipped, the
// return can no longer be cancelled (oms.ErrInvalidTransition): the
// goods must come back. Cancelling a cancelled return changes nothing
// (it finishes cancelling the replacement if that failed); so does
// cancelling an expired advance exchange, which finishes cancelling the
// replacement order SweepExpired failed to cancel (other expired returns
// are refused: oms.ErrInvalidTransition).
func (s *Service) Cancel(ctx context.Context, id oms.ID, in StatusInput) (*Return, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	cur, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Status == StatusExpired && cur.Exchange != nil && cur.Exchange.Advance && cur.Exchange.OrderID != "" {
		// The expiry was saved but the sweep could not cancel the
		// replacement order (an error it returned): finish that.
		if err := s.dropReplacement(ctx, cur); err != nil {
			return cur, err
		}
		return cur, s.endAdvance(ctx, cur)
	}
	if cur.Status != StatusCancelled {
		if shipped, err := s.replacementShipped(ctx, cur); err != nil || shipped {
			if err == nil {
				err = transitionError(cur, StatusCancelled, "its advance replacement order "+string(cur.Exchange.OrderID)+" has shipped")
			}
			return nil, err
		}
	}
	r, _, err := s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if r.Status == StatusCancelled {
			return nil, nil
		}
		from := r.Status
		if err := transition(r, StatusCancelled); err != nil {
			return nil, err
		}
		r.CancelReason, r.ClosedAt = in.Note, now
		return []pendingEvent{{EventCancelled, StatusPayload{OrderID: r.OrderID, From: from, To: StatusCancelled, Note: in.Note}}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.dropReplacement(ctx, r); err != nil {
		return r, err
	}
	return r, s.endAdvance(ctx, r)
}

// replacementShipped reports whether r has an advance replacement order
// that has shipped goods (or completed).
func (s *Service) replacementShipped(ctx context.Context, r *Return) (bool, error) {
	if r.Exchange == nil || !r.Exchange.Advance || r.Exchange.OrderID == "" {
		return false, nil
	}
	o, err := s.orders.Get(ctx, r.Exchange.OrderID)
	if err != nil {
		return false, fmt.Errorf("returns: %s: replacement order: %w", r.ID, err)
	}
	return shippedAny(o), nil
}

func shippedAny(o *order.Order) bool {
	if o.Status == order.StatusCompleted {
		return true
	}
	for _, l := range o.Lines {
		if l.Shipped > 0 {
			return true
		}
	}
	return false
}

// dropReplacement cancels the advance replacement order of a return that
// ended without its goods coming back (cancelled, expired), unless that
// order has shipped: then the customer holds it and it stays. Cancelling
// a cancelled order changes nothing, so a repeat is safe.
func (s *Service) dropReplacement(ctx context.Context, r *Return) error {
	if r == nil || r.Exchange == nil || !r.Exchange.Advance || r.Exchange.OrderID == "" ||
		r.Status != StatusCancelled && r.Status != StatusExpired {
		return nil
	}
	o, err := s.orders.Get(ctx, r.Exchange.OrderID)
	if err != nil {
		return fmt.Errorf("returns: %s: replacement order: %w", r.ID, err)
	}
	if o.Status == order.StatusCancelled || shippedAny(o) {
		return nil
	}
	if _, err := s.orders.Cancel(ctx, o.ID, order.CancelInput{Reason: "return " + string(r.ID) + " " + string(r.Status), By: "returns"}); err != nil {
		return fmt.Errorf("returns: %s: cancel the advance replacement order %s: %w", r.ID, o.ID, err)
	}
	return nil
}

// SweepExpired expires the approved returns (with or without a label)
// whose ExpiresAt has passed on the clock and that received nothing, up to
// limit of them (all when limit <= 0). It returns the IDs expired. A
// return that moved on meanwhile is skipped. The replacement order of an
// expired advance exchange is cancelled unless it has shipped. Hosts run
// it periodically. When a replacement order cannot be cancelled, the
// return is expired all the same (and listed), the sweep goes on with the
// others, and the error returned names each such return: Cancel on it
// retries cancelling its replacement (a later sweep no longer lists it).
func (s *Service) SweepExpired(ctx context.Context, limit int) ([]oms.ID, error) {
	now := s.clock.Now().UTC()
	due, err := s.store.ListExpiring(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	var out []oms.ID
	var left []error
	for _, d := range due {
		r, changed, err := s.update(ctx, d.ID, func(r *Return, now time.Time) ([]pendingEvent, error) {
			if r.ExpiresAt.IsZero() || r.ExpiresAt.After(now) || (r.Status != StatusApproved && r.Status != StatusLabelIssued) {
				return nil, nil
			}
			from := r.Status
			if err := transition(r, StatusExpired); err != nil {
				return nil, nil // received something meanwhile
			}
			r.ClosedAt = now
			return []pendingEvent{{EventExpired, StatusPayload{OrderID: r.OrderID, From: from, To: StatusExpired, Note: "not sent back in time"}}}, nil
		})
		if err != nil {
			return out, errors.Join(append(left, err)...)
		}
		if !changed {
			continue
		}
		out = append(out, d.ID)
		if err = s.dropReplacement(ctx, r); err == nil {
			err = s.endAdvance(ctx, r)
		}
		if err != nil {
			left = append(left, fmt.Errorf("%w (expired; Cancel it to retry)", err))
		}
	}
	return out, errors.Join(left...)
}

// takenUnits is taken, plus the units of ended returns (expired,
// cancelled) whose advance replacement order went out and was not
// cancelled: the customer holds the replacement for them, so they are
// not returnable again.
func (s *Service) takenUnits(ctx context.Context, others []*Return, self oms.ID) (map[oms.ID]int64, error) {
	m := taken(others, self)
	for _, x := range others {
		if x.ID == self || x.Open() || x.Exchange == nil || !x.Exchange.Advance || x.Exchange.OrderID == "" {
			continue
		}
		rep, err := s.orders.Get(ctx, x.Exchange.OrderID)
		if errors.Is(err, oms.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if rep.Status == order.StatusCancelled {
			continue
		}
		for _, l := range x.Lines {
			if l.Resolution == ResolutionExchange {
				m[l.OrderLineID] += l.Quantity
			}
		}
	}
	return m, nil
}

// taken counts, per order line, the units in the open returns of others
// other than the return self. With self set (an approval), returns still
// requested do not count: the first approved wins the units.
func taken(others []*Return, self oms.ID) map[oms.ID]int64 {
	m := map[oms.ID]int64{}
	for _, o := range others {
		if o.ID == self || !o.Open() || self != "" && o.Status == StatusRequested {
			continue
		}
		for _, l := range o.Lines {
			m[l.OrderLineID] += l.Quantity
		}
	}
	return m
}

// IneligibleError reports a request refused by the policy. It matches
// oms.ErrValidation and carries every line's verdict, with a message for
// the customer.
type IneligibleError struct {
	Verdicts []Verdict
}

// Error lists the refused lines.
func (e *IneligibleError) Error() string {
	var b strings.Builder
	b.WriteString("returns: request refused:")
	for i, v := range e.Verdicts {
		if !v.Eligible {
			fmt.Fprintf(&b, " lines[%d] (%s, %s): %s", i, v.OrderLineID, v.Code, v.Message)
		}
	}
	return b.String()
}

// Is reports whether target is oms.ErrValidation.
func (e *IneligibleError) Is(target error) bool { return target == oms.ErrValidation }

func ineligible(vs []Verdict) error {
	for _, v := range vs {
		if !v.Eligible {
			return &IneligibleError{Verdicts: vs}
		}
	}
	return nil
}
