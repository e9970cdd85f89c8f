package returns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// RequestInput asks to return goods of an order.
type RequestInput struct {
	// Key makes the request safe to repeat: the return's ID derives from
	// the order and the key, and a replay with the same content returns
	// the first return (other content matches oms.ErrDuplicate).
	// Optional.
	Key string `json:"key,omitempty"`
	// OrderID is the order the goods came from.
	OrderID oms.ID `json:"order_id"`
	// Lines are the order lines to return; an order line may appear once.
	Lines []RequestLine `json:"lines"`
	// DeliveredAt is when the goods reached the customer (from tracking or
	// fulfillment); zero means the order's completion time.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// AdvanceExchange asks to ship the exchange lines' replacements at
	// approval (Policy.AdvanceExchanges; each replacement needs a
	// Location to reserve its stock at, and must not cost more than the
	// credit: nothing is charged at approval).
	AdvanceExchange bool `json:"advance_exchange,omitempty"`
	// Note is the customer's remark.
	Note string `json:"note,omitempty"`
}

// deliveredAt returns the start of the return window for o.
func deliveredAt(in time.Time, o *order.Order) time.Time {
	if !in.IsZero() {
		return in.UTC()
	}
	return o.CompletedAt
}

// Evaluate says for each line whether it may be returned from the order
// now under the service's policy, and why not (see Policy.Evaluate),
// counting the units of the order's other open returns (and of ended
// advance exchanges whose replacement order was not cancelled: the
// customer holds the replacement). It changes nothing. A fee the lines
// would pay in another currency than the order's (Fee.PerUnit,
// Policy.ReturnShippingFee) is a *oms.ValidationError, as Request
// refuses it.
func (s *Service) Evaluate(ctx context.Context, orderID oms.ID, lines []RequestLine, delivered time.Time) ([]Verdict, error) {
	o, err := s.orders.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	v := validation()
	s.checkFeeCurrencies(v, o, lines)
	if err := v.Err(); err != nil {
		return nil, err
	}
	others, err := s.store.ListByOrder(ctx, orderID)
	if err != nil {
		return nil, err
	}
	tk, err := s.takenUnits(ctx, others, "")
	if err != nil {
		return nil, err
	}
	return s.policy.Evaluate(o, lines, deliveredAt(delivered, o), s.clock.Now(), tk), nil
}

// checkFeeCurrencies records a problem for each fee the lines would pay
// in o that is in another currency than o's: the restocking fee of each
// line, and the return shipping fee, which may stand for the label's
// price (not known yet). An exchange line pays neither.
func (s *Service) checkFeeCurrencies(v *oms.ValidationError, o *order.Order, lines []RequestLine) {
	for i, l := range lines {
		if ol, ok := o.Line(l.OrderLineID); ok && l.Resolution != ResolutionExchange {
			s.policy.checkFeeCurrency(v, fmt.Sprintf("lines[%d]", i), ol.SKU, l.Reason, o.Currency)
		}
	}
	if slices.ContainsFunc(lines, func(l RequestLine) bool { return l.Resolution != ResolutionExchange && !s.policy.waived(l.Reason) }) {
		s.policy.checkShippingFeeCurrency(v, o.Currency)
	}
}

// checkLines checks the shape of requested lines.
func checkLines(v *oms.ValidationError, lines []RequestLine) {
	switch {
	case len(lines) == 0:
		v.Add("lines", "at least one line is required")
	case len(lines) > MaxLines:
		v.Add("lines", "has %d lines, at most %d allowed", len(lines), MaxLines)
	}
	seen := map[oms.ID]int{}
	for i, l := range lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.OrderLineID == "" || oms.ValidateID(l.OrderLineID) != nil {
			v.Add(f+".order_line_id", "is required: 1 to 128 bytes of printable ASCII without spaces")
		} else if j, dup := seen[l.OrderLineID]; dup {
			v.Add(f+".order_line_id", "order line %s is already given in lines[%d]", l.OrderLineID, j)
		} else {
			seen[l.OrderLineID] = i
		}
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			v.Add(f+".quantity", "must be between 1 and %d, got %d", oms.MaxQuantity, l.Quantity)
		}
		if !l.Reason.Valid() {
			v.Add(f+".reason", "%q is not a return reason", l.Reason)
		}
		if l.Resolution != "" && !l.Resolution.Valid() {
			v.Add(f+".resolution", "%q is not refund, exchange or store_credit", l.Resolution)
		}
		checkText(v, f+".comment", l.Comment, false)
		if p := l.Replacement; p != nil {
			if l.Resolution != ResolutionExchange {
				v.Add(f+".replacement", "is only for the exchange resolution")
			}
			checkReplacement(v, f+".replacement", *p)
			if p.Quantity != 0 && !p.UnitPrice.Valid() && p.Quantity != l.Quantity {
				v.Add(f+".replacement.quantity", "at the returned price a replacement stands for the returned units one for one (%d); set unit_price for %d", l.Quantity, p.Quantity)
			}
		}
	}
}

func checkReplacement(v *oms.ValidationError, f string, p Replacement) {
	if err := oms.ValidateSKU(p.SKU); err != nil {
		v.Add(f+".sku", "%v", err)
	}
	checkText(v, f+".name", p.Name, false)
	if p.Quantity < 0 || p.Quantity > order.MaxLineQty {
		v.Add(f+".quantity", "must be between 0 and %d, got %d", order.MaxLineQty, p.Quantity)
	}
	checkAmount(v, f+".unit_price", p.UnitPrice)
	checkAmount(v, f+".tax", p.Tax)
	if p.Tax.Valid() && !p.UnitPrice.Valid() {
		v.Add(f+".tax", "needs a unit_price (a replacement at the returned price takes its tax too)")
	}
	if p.Location != "" {
		checkKeyShape(v, f+".location", string(p.Location), false)
	}
}

// Request opens a return for the order: every line must be eligible under
// the policy now (Policy.Evaluate), otherwise the request is refused with
// an *IneligibleError carrying each line's verdict for the customer, and
// nothing is saved. Bad input (missing order, lines repeated, quantities
// out of range, unknown reasons) is a *oms.ValidationError. The return
// starts requested (return.requested).
func (s *Service) Request(ctx context.Context, in RequestInput) (*Return, error) {
	v := validation()
	checkKeyShape(v, "key", in.Key, false)
	checkKeyShape(v, "order_id", string(in.OrderID), true)
	checkLines(v, in.Lines)
	checkText(v, "note", in.Note, false)
	if in.AdvanceExchange {
		if !s.policy.AdvanceExchanges {
			v.Add("advance_exchange", "the policy does not offer advance exchanges")
		}
		exchange := false
		for i, l := range in.Lines {
			if l.Resolution == ResolutionExchange {
				exchange = true
				if l.Replacement == nil || l.Replacement.Location == "" {
					v.Add(fmt.Sprintf("lines[%d].replacement.location", i), "an advance exchange reserves the replacement at a location; name it")
				}
			}
		}
		if !exchange {
			v.Add("advance_exchange", "no line asks for an exchange")
		}
	}
	now := s.clock.Now().UTC()
	if in.DeliveredAt.After(now) {
		v.Add("delivered_at", "%s is in the future", in.DeliveredAt.UTC().Format(time.RFC3339))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	digest := digestOf("request", in.OrderID, in.Lines, in.DeliveredAt.UTC(), in.AdvanceExchange, in.Note)
	id := oms.NewIDAt(now)
	if in.Key != "" {
		id = oms.DeriveID(in.OrderID, "return:"+in.Key)
		if r, err := s.replay(ctx, id, "request:", in.Key, digest); r != nil || err != nil {
			return r, err
		}
	}
	defer s.gate(in.OrderID)()
	if in.Key != "" { // a concurrent request with the key may have won
		if r, err := s.replay(ctx, id, "request:", in.Key, digest); r != nil || err != nil {
			return r, err
		}
	}
	o, err := s.orders.Get(ctx, in.OrderID)
	if err != nil {
		return nil, err
	}
	for i, l := range in.Lines {
		if p := l.Replacement; p != nil && (p.UnitPrice.Valid() && p.UnitPrice.Currency() != o.Currency || p.Tax.Valid() && p.Tax.Currency() != o.Currency) {
			v.Add(fmt.Sprintf("lines[%d].replacement", i), "amounts must be in the order's currency %s", o.Currency)
		}
	}
	s.checkFeeCurrencies(v, o, in.Lines)
	if err := v.Err(); err != nil {
		return nil, err
	}
	checkPlaceable(ctx, v, o, in.Lines)
	if err := v.Err(); err != nil {
		return nil, err
	}
	others, err := s.store.ListByOrder(ctx, in.OrderID)
	if err != nil {
		return nil, err
	}
	delivered := deliveredAt(in.DeliveredAt, o)
	tk, err := s.takenUnits(ctx, others, "")
	if err != nil {
		return nil, err
	}
	if err := ineligible(s.policy.Evaluate(o, in.Lines, delivered, now, tk)); err != nil {
		return nil, err
	}
	r := &Return{
		ID: id, Kind: KindReturn, OrderID: o.ID, CustomerID: o.Customer.ID, Channel: o.Channel, Currency: o.Currency,
		Status: StatusRequested, ReturnShipping: s.policy.payer(), AdvanceExchange: in.AdvanceExchange, Note: in.Note,
		DeliveredAt: delivered, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	r.Lines = make([]Line, len(in.Lines))
	for i, rl := range in.Lines {
		ol, _ := o.Line(rl.OrderLineID)
		res := rl.Resolution
		if res == "" {
			res = ResolutionRefund
		}
		r.Lines[i] = Line{ID: oms.DeriveID(id, fmt.Sprintf("line:%d", i)), OrderLineID: ol.ID, SKU: ol.SKU, Quantity: rl.Quantity,
			Reason: rl.Reason, Comment: rl.Comment, Resolution: res}
		if rl.Replacement != nil {
			p := *rl.Replacement
			r.Lines[i].Replacement = &p
		}
	}
	recordKey(r, "request:", in.Key, digest)
	return s.create(ctx, r, in.Key, digest, pendingEvent{EventRequested, requestedPayload(r)})
}

// checkPlaceable records a problem for each exchange line whose
// replacement the order service would refuse to place (a name or an
// amount beyond what an order line takes), as Resolve will place it.
func checkPlaceable(ctx context.Context, v *oms.ValidationError, o *order.Order, lines []RequestLine) {
	for i, l := range lines {
		p := l.Replacement
		ol, ok := o.Line(l.OrderLineID)
		if p == nil || l.Resolution != ResolutionExchange || !ok {
			continue
		}
		li := order.LineInput{SKU: p.SKU, Name: p.Name, Quantity: l.Quantity, UnitPrice: ol.UnitPrice, NoShipping: !ol.RequiresShipping}
		if p.UnitPrice.Valid() {
			li.UnitPrice, li.Tax = p.UnitPrice, p.Tax
			if p.Quantity > 0 {
				li.Quantity = p.Quantity
			}
		}
		in := order.PlaceInput{Currency: o.Currency, Customer: o.Customer, ShippingAddress: o.ShippingAddress,
			TaxIncluded: o.TaxIncluded, Lines: []order.LineInput{li}}
		if _, err := order.Quote(ctx, in, nil); err != nil {
			v.Add(fmt.Sprintf("lines[%d].replacement", i), "the replacement order would be refused: %v", err)
		}
	}
}

// replay returns the return with id when it exists and was created by a
// command with the same key and digest, an oms.ErrDuplicate error when
// the key was used with other content, and nil, nil when there is none.
func (s *Service) replay(ctx context.Context, id oms.ID, prefix, key, digest string) (*Return, error) {
	r, err := s.store.Get(ctx, id)
	if errors.Is(err, oms.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := checkKey(r, prefix, key, digest); err != nil {
		return nil, err
	}
	if _, ok := r.applied(prefix + key); !ok {
		return nil, fmt.Errorf("%w: return %s exists and was not made by key %q", oms.ErrDuplicate, id, key)
	}
	return r, nil
}

// create saves a new return; a concurrent create under the same key finds
// the winner.
func (s *Service) create(ctx context.Context, r *Return, key, digest string, evs ...pendingEvent) (*Return, error) {
	events, err := stamp(r, r.CreatedAt, evs)
	if err != nil {
		return nil, err
	}
	if err := s.store.Create(ctx, r, events); err != nil {
		if errors.Is(err, oms.ErrDuplicate) && key != "" {
			prefix := "request:"
			if r.Kind == KindClaim {
				prefix = "claim:"
			}
			if first, rerr := s.replay(ctx, r.ID, prefix, key, digest); first != nil || rerr != nil {
				return first, rerr
			}
		}
		return nil, err
	}
	return r.Clone(), nil
}

func requestedPayload(r *Return) RequestedPayload {
	p := RequestedPayload{OrderID: r.OrderID, CustomerID: r.CustomerID, Kind: r.Kind, Claim: r.Claim}
	for _, l := range r.Lines {
		p.Lines = append(p.Lines, LineNote{LineID: l.ID, OrderLineID: l.OrderLineID, SKU: l.SKU, Quantity: l.Quantity, Reason: l.Reason})
	}
	return p
}

// ClaimLine is a quantity of one order line a claim is about.
type ClaimLine struct {
	// OrderLineID is the order line; Quantity the units claimed, at most
	// those shipped and not yet refunded or in other returns.
	OrderLineID oms.ID `json:"order_line_id"`
	Quantity    int64  `json:"quantity"`
	// Comment is the customer's own words.
	Comment string `json:"comment,omitempty"`
}

// ClaimInput opens a claim: goods damaged on arrival, the wrong item
// shipped, an item missing from the parcel. Nothing comes back.
type ClaimInput struct {
	// Key makes the claim safe to repeat; required. The claim's ID
	// derives from the order and the key.
	Key string `json:"key"`
	// OrderID is the order; Type what went wrong; Lines the units.
	OrderID oms.ID      `json:"order_id"`
	Type    ClaimType   `json:"type"`
	Lines   []ClaimLine `json:"lines"`
	// Resolution is refund, exchange (a replacement of the same item at no
	// charge) or store_credit; empty means refund. Exchanges and store
	// credit must be allowed by the policy.
	Resolution Resolution `json:"resolution,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// Claim opens a claim and resolves it at once: the claimed units are
// refunded in full (no restocking fee, no return shipping), given as store
// credit, or replaced by a new order of the same items at no charge,
// linked to the claim. Claimed units count against the order line's
// shipped units not yet refunded or in other returns. It is keyed: a
// replay returns the claim (finishing its resolution if an earlier call
// stopped half way), the same key with other content matches
// oms.ErrDuplicate. Bad input and ineligible lines change nothing.
func (s *Service) Claim(ctx context.Context, in ClaimInput) (*Return, error) {
	v := validation()
	checkKeyShape(v, "key", in.Key, true)
	checkKeyShape(v, "order_id", string(in.OrderID), true)
	if !in.Type.Valid() {
		v.Add("type", "%q is not damaged_on_arrival, wrong_item or missing_item", in.Type)
	}
	res := in.Resolution
	if res == "" {
		res = ResolutionRefund
	}
	switch {
	case !res.Valid():
		v.Add("resolution", "%q is not refund, exchange or store_credit", in.Resolution)
	case res == ResolutionExchange && !s.policy.Exchanges:
		v.Add("resolution", "the policy does not offer exchanges")
	case res == ResolutionStoreCredit && !s.policy.StoreCredit:
		v.Add("resolution", "the policy does not offer store credit")
	}
	lines := make([]RequestLine, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = RequestLine{OrderLineID: l.OrderLineID, Quantity: l.Quantity, Reason: in.Type.reason(), Comment: l.Comment, Resolution: res}
	}
	checkLines(v, lines)
	checkText(v, "note", in.Note, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	digest := digestOf("claim", in.OrderID, in.Type, in.Lines, res, in.Note)
	id := oms.DeriveID(in.OrderID, "claim:"+in.Key)
	r, err := s.replay(ctx, id, "claim:", in.Key, digest)
	if err != nil {
		return nil, err
	}
	if r == nil {
		if r, err = s.openClaim(ctx, id, in, lines, digest); err != nil {
			return nil, err
		}
	}
	if r.Status == StatusCompleted {
		return r, nil
	}
	return s.Resolve(ctx, r.ID, ResolveInput{Reason: "claim: " + string(in.Type)})
}

func (s *Service) openClaim(ctx context.Context, id oms.ID, in ClaimInput, lines []RequestLine, digest string) (*Return, error) {
	defer s.gate(in.OrderID)()
	if r, err := s.replay(ctx, id, "claim:", in.Key, digest); r != nil || err != nil {
		return r, err // a concurrent claim with the key won
	}
	o, err := s.orders.Get(ctx, in.OrderID)
	if err != nil {
		return nil, err
	}
	others, err := s.store.ListByOrder(ctx, in.OrderID)
	if err != nil {
		return nil, err
	}
	tk, err := s.takenUnits(ctx, others, "")
	if err != nil {
		return nil, err
	}
	vs := make([]Verdict, len(lines))
	bad := false
	for i, l := range lines {
		vs[i] = Verdict{OrderLineID: l.OrderLineID, Eligible: true, Code: CodeEligible, Message: "The claim can be accepted."}
		ol, ok := o.Line(l.OrderLineID)
		if !ok {
			vs[i].Eligible, vs[i].Code, vs[i].Message = false, CodeUnknownLine, "This item is not part of the order."
			bad = true
			continue
		}
		vs[i].SKU = ol.SKU
		vs[i].Returnable = max(0, ol.Shipped-max(tk[ol.ID], ol.Returned, ol.Refunded))
		switch {
		case ol.Shipped == 0:
			vs[i].Eligible, vs[i].Code, vs[i].Message = false, CodeNotDelivered, fmt.Sprintf("%s has not shipped yet.", ol.Name)
		case l.Quantity > vs[i].Returnable:
			vs[i].Eligible, vs[i].Code, vs[i].Message = false, CodeQuantity, fmt.Sprintf("Only %d of %s can be claimed.", vs[i].Returnable, ol.Name)
		}
		bad = bad || !vs[i].Eligible
	}
	if bad {
		return nil, &IneligibleError{Verdicts: vs}
	}
	now := s.clock.Now().UTC()
	r := &Return{
		ID: id, Kind: KindClaim, Claim: in.Type, OrderID: o.ID, CustomerID: o.Customer.ID, Channel: o.Channel, Currency: o.Currency,
		Status: StatusApproved, ReturnShipping: s.policy.payer(), Note: in.Note, DeliveredAt: o.CompletedAt,
		Version: 1, CreatedAt: now, UpdatedAt: now, ApprovedAt: now,
	}
	for i, l := range lines {
		ol, _ := o.Line(l.OrderLineID)
		r.Lines = append(r.Lines, Line{ID: oms.DeriveID(id, fmt.Sprintf("line:%d", i)), OrderLineID: ol.ID, SKU: ol.SKU,
			Quantity: l.Quantity, Reason: l.Reason, Comment: l.Comment, Resolution: l.Resolution, Accepted: l.Quantity})
	}
	recordKey(r, "claim:", in.Key, digest)
	return s.create(ctx, r, in.Key, digest, pendingEvent{EventClaimOpened, requestedPayload(r)})
}
