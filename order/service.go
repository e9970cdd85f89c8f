package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// NumberGenerator gives each new order its human-readable number. The host
// plugs in its own (a database sequence, a per-channel prefix); Sequence is
// the in-memory default. Next is called once per placement, before the
// order is saved; a number may be skipped when placement then fails.
// Implementations must be safe for concurrent use.
type NumberGenerator interface {
	Next(ctx context.Context, o *Order) (string, error)
}

// NumberFunc adapts a function to NumberGenerator.
type NumberFunc func(ctx context.Context, o *Order) (string, error)

// Next calls f; a nil f is an error.
func (f NumberFunc) Next(ctx context.Context, o *Order) (string, error) {
	if f == nil {
		return "", errors.New("order: NumberFunc is nil")
	}
	return f(ctx, o)
}

// Sequence is a NumberGenerator counting up in memory: prefix followed by
// the next integer. It is safe for concurrent use.
type Sequence struct {
	prefix string
	start  int64
	next   atomic.Int64
}

// NewSequence returns a Sequence whose first number is prefix+start. Its
// last number is prefix+math.MaxInt64; after it, Next returns an error
// rather than a wrapped number.
func NewSequence(prefix string, start int64) *Sequence {
	s := &Sequence{prefix: prefix, start: start}
	s.next.Store(start)
	return s
}

// Next implements NumberGenerator.
func (s *Sequence) Next(ctx context.Context, _ *Order) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s == nil {
		return "", errors.New("order: Sequence is nil (use NewSequence)")
	}
	n := s.next.Add(1) - 1
	if n < s.start { // the counter passed math.MaxInt64 and wrapped
		return "", fmt.Errorf("order: sequence %q is exhausted: its last number was %d", s.prefix, int64(math.MaxInt64))
	}
	return s.prefix + strconv.FormatInt(n, 10), nil
}

// ServiceOptions configures a Service. The zero value (or nil) gives the
// defaults.
type ServiceOptions struct {
	// Clock is the only source of time. Default: oms.SystemClock().
	Clock oms.Clock
	// Numbers gives order numbers. Default: NewSequence("", 1001).
	Numbers NumberGenerator
	// Gateway is the host's payment gateway. Nil means the host handles
	// payment itself: Place records the authorization it reports in
	// PlaceInput.Payment and nothing is captured by the Service.
	Gateway PaymentGateway
	// CapturePolicy is the policy of orders placed without one. Default:
	// CaptureOnShipment.
	CapturePolicy CapturePolicy
	// MaxRetries bounds the retries of a command that lost an optimistic
	// concurrency race (oms.ErrConflict). Default 16.
	MaxRetries int
	// Logger receives payment-step failures at warn level. Default: no
	// logging.
	Logger *slog.Logger
	// Tax computes the taxes of Quote and Place (a TaxTable, or the
	// host's tax service). Nil (the default) uses the taxes given in
	// PlaceInput. Edit does not call it: added lines carry their own tax.
	Tax TaxCalculator
}

// Service runs the order commands: it loads an order, applies the rules,
// and saves the order with its events in one write that checks the
// version it loaded. A command that lost a race to a concurrent change is
// re-run on the fresh order (every command re-checks its rules, so this is
// safe). A refused command returns an error and saves nothing. Service is
// safe for concurrent use.
type Service struct {
	store   Store
	clock   oms.Clock
	numbers NumberGenerator
	gw      PaymentGateway
	policy  CapturePolicy
	retries int
	log     *slog.Logger
	tax     TaxCalculator
}

// NewService returns a Service over store.
func NewService(store Store, opts *ServiceOptions) *Service {
	var o ServiceOptions
	if opts != nil {
		o = *opts
	}
	s := &Service{store: store, clock: o.Clock, numbers: o.Numbers, gw: o.Gateway, policy: o.CapturePolicy, retries: o.MaxRetries, log: o.Logger, tax: o.Tax}
	if s.clock == nil {
		s.clock = oms.SystemClock()
	}
	if s.numbers == nil {
		s.numbers = NewSequence("", 1001)
	}
	if !s.policy.Valid() {
		s.policy = CaptureOnShipment
	}
	if s.retries <= 0 {
		s.retries = 16
	}
	return s
}

// Get returns the order with id; unknown IDs match oms.ErrNotFound.
func (s *Service) Get(ctx context.Context, id oms.ID) (*Order, error) {
	return s.store.Get(ctx, id)
}

// GetByNumber returns the order with the human-readable number (as given
// by the NumberGenerator); unknown numbers match oms.ErrNotFound.
func (s *Service) GetByNumber(ctx context.Context, number string) (*Order, error) {
	c := newChecker("")
	c.text("number", number, MaxTextLength, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	return s.store.GetByNumber(ctx, number)
}

// ListQuery selects the orders List returns: exactly one of Customer and
// Status, and the page.
type ListQuery struct {
	// Customer lists the orders of this customer ID.
	Customer oms.ID `json:"customer,omitempty"`
	// Status lists the orders in this lifecycle status.
	Status Status `json:"status,omitempty"`
	// Cursor is the previous page's NextCursor (empty for the first
	// page); Limit the page size (0: DefaultPageLimit, at most
	// MaxPageLimit).
	PageRequest
}

// List returns one page of orders of a customer or in a status, oldest
// first (see Store.ListByCustomer): pages follow a cursor and never
// repeat or skip an order that matches for the whole walk. A query
// naming neither or both of Customer and Status, a bad limit or a bad
// cursor is refused with a *oms.ValidationError.
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	c := newChecker("")
	switch {
	case q.Customer == "" && q.Status == "":
		c.add("", "name a customer or a status")
	case q.Customer != "" && q.Status != "":
		c.add("", "name a customer or a status, not both")
	case q.Status != "" && !q.Status.Valid():
		c.add("status", "%q is not an order status", clip(string(q.Status)))
	case q.Customer != "":
		c.key("customer", string(q.Customer), true)
	}
	if _, err := q.PageRequest.EffectiveLimit(); err != nil {
		c.add("limit", "must be between 0 and %d, got %d", MaxPageLimit, q.Limit)
	}
	if len(q.Cursor) > 512 {
		c.add("cursor", "is not a cursor")
	}
	if err := c.err(); err != nil {
		return Page{}, err
	}
	if q.Customer != "" {
		return s.store.ListByCustomer(ctx, q.Customer, q.PageRequest)
	}
	return s.store.ListByStatus(ctx, q.Status, q.PageRequest)
}

// PlaceInput is everything Quote and Place need. Required fields:
// Currency, Customer.Email, at least one line (SKU, positive Quantity,
// UnitPrice), and ShippingAddress when any line is shipped.
type PlaceInput struct {
	// IdempotencyKey makes Place safe to repeat: the order's ID derives
	// from it (PlacementID), and a second call with the same key and the
	// same content returns the first order and creates nothing; the same
	// key with another cart, customer or address matches
	// oms.ErrDuplicate. Optional.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Channel names where the order came from; free-form.
	Channel         string         `json:"channel,omitempty"`
	Currency        oms.Currency   `json:"currency"`
	Customer        Customer       `json:"customer"`
	ShippingAddress oms.Address    `json:"shipping_address"`
	BillingAddress  oms.Address    `json:"billing_address"`
	Shipping        ShippingOption `json:"shipping"`
	// Lines are the cart's lines, 1 to MaxLines, in display order.
	Lines []LineInput `json:"lines"`
	// Discounts are order-level discounts, prorated across the lines in
	// proportion to each line's amount after its own discounts. They
	// never reduce ShippingCharge.
	Discounts []Discount `json:"discounts,omitempty"`
	// ShippingCharge is what the customer pays for shipping (zero for
	// free shipping); discounts do not change it.
	ShippingCharge oms.Money `json:"shipping_charge"`
	// ShippingTax is the tax on ShippingCharge; leave it zero when the
	// Service has a TaxCalculator, which computes it.
	ShippingTax oms.Money `json:"shipping_tax"`
	// TaxIncluded says the unit prices, the shipping charge and the taxes
	// given are VAT style: the taxes are part of the prices (see
	// Order.TaxIncluded). Leave it false with a TaxCalculator, which
	// decides.
	TaxIncluded bool `json:"tax_included,omitempty"`
	// ShipFrom is where the goods ship from, given to the TaxCalculator
	// (origin-based taxes); optional and not stored.
	ShipFrom oms.Address `json:"ship_from,omitzero"`
	// Note is the customer's remark, saved as the first Note.
	Note     string            `json:"note,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	// CapturePolicy overrides the Service's default for this order.
	CapturePolicy CapturePolicy `json:"capture_policy,omitempty"`
	// Payment is how the order is paid.
	Payment PaymentInput `json:"payment"`
}

// PaymentInput says how an order is paid.
type PaymentInput struct {
	// Method is a payment method token for the Service's Gateway, which
	// authorizes the grand total at placement.
	Method string `json:"method,omitempty"`
	// Authorized and Reference record an authorization the host obtained
	// itself (at checkout, typically for Quote's GrandTotal). With a
	// Gateway, later captures name Reference. Give a Method or these, not
	// both.
	Authorized oms.Money `json:"authorized"`
	Reference  string    `json:"reference,omitempty"`
}

// Place validates in, listing every problem in a *oms.ValidationError
// (which also matches oms.ErrCurrencyMismatch when an amount is in another
// currency), prices it exactly as Quote does (calling the Service's
// TaxCalculator when set), and saves a new pending order with its
// order.placed event. An order whose payment is not authorized for the
// grand total carries an awaiting_payment hold: a checkout that
// authorizes Quote's GrandTotal gets none. A cart with an amount of
// 10^(40 - minor units) or more (1e38 USD), which no oms.Money can be
// written with, is refused by Quote and Place alike.
//
// With an IdempotencyKey the sequence is safe to repeat after a crash or
// a failed store write at any step:
//
//  1. The order's ID is derived from the key (DeriveID), so every attempt
//     builds the same order ID and line IDs.
//  2. An order already saved under the key is returned as it is when the
//     input is the same (lines, amounts, customer, addresses, shipping);
//     another input under that key is refused with an error matching
//     oms.ErrDuplicate and changes nothing.
//  3. With a Gateway and a payment method, the grand total is authorized
//     (and under CaptureOnPlacement captured) with keys derived from the
//     placement key, naming the derived order ID.
//  4. The order is created. If this write fails, the money stays
//     authorized at the gateway; the retry repeats steps 1–4 with the same
//     gateway keys, so the gateway returns the first authorization, which
//     already names the order the retry creates.
//
// Without a key, every call places a new order.
func (s *Service) Place(ctx context.Context, in PlaceInput) (*Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, digest, err := s.build(in, false)
	if err != nil {
		return nil, err
	}
	if in.IdempotencyKey != "" {
		first, err := s.store.GetByIdempotencyKey(ctx, in.IdempotencyKey)
		if err == nil {
			return s.replayPlace(ctx, first, in.IdempotencyKey, digest)
		}
		if !errors.Is(err, oms.ErrNotFound) {
			return nil, err
		}
	}
	if err := s.price(ctx, o, in); err != nil {
		return nil, err
	}
	if err := checkRecordable(o.Totals); err != nil {
		return nil, err
	}
	now := o.CreatedAt
	if err := checkNow(now); err != nil {
		return nil, err
	}
	if o.Number, err = s.numbers.Next(ctx, o); err != nil {
		return nil, fmt.Errorf("order: number: %w", err)
	}
	// A number GetByNumber would refuse could never be looked up.
	nc := newChecker("")
	nc.text("number", o.Number, MaxTextLength, true)
	if err := nc.err(); err != nil {
		return nil, fmt.Errorf("order: the number generator gave %q: %w", clip(o.Number), err)
	}
	events := []pendingEvent{{EventPlaced, placedPayload(o)}}
	if in.Payment.Method != "" {
		base := string(o.ID)
		if in.IdempotencyKey != "" {
			base = "place/" + in.IdempotencyKey
		}
		events = append(events, s.authorizeAtPlacement(ctx, o, in.Payment.Method, base, now)...)
	}
	if o.Totals.GrandTotal.IsPositive() && !authorizedEnough(o, o.Totals) {
		note := "payment not authorized"
		if n := len(o.Notes); n > 0 && o.Notes[n-1].By == "payment" {
			note = o.Notes[n-1].Text
		}
		h := Hold{ID: systemHoldID(o.ID, HoldAwaitingPayment, 1), Reason: HoldAwaitingPayment, Note: note, By: "system", At: now}
		if err := addHold(o, h); err != nil {
			return nil, err
		}
		events = append(events, pendingEvent{EventHoldAdded, HoldPayload{HoldID: h.ID, Reason: h.Reason, By: h.By, Note: h.Note}})
	}
	if in.IdempotencyKey != "" {
		o.AppliedKeys = append(o.AppliedKeys, AppliedKey{Key: "place:" + in.IdempotencyKey, Digest: digest, Version: 1})
	}
	evs, err := stamp(o, now, events)
	if err != nil {
		return nil, err
	}
	if err := s.store.Create(ctx, o, evs); err != nil {
		if errors.Is(err, oms.ErrDuplicate) && in.IdempotencyKey != "" {
			if first, gerr := s.store.GetByIdempotencyKey(ctx, in.IdempotencyKey); gerr == nil {
				return s.replayPlace(ctx, first, in.IdempotencyKey, digest)
			}
		}
		return nil, err
	}
	return s.settle(ctx, o)
}

// replayPlace returns first, the order saved under key, when it was placed
// with the same content (digest), and an oms.ErrDuplicate error otherwise.
// It settles the payment as the first Place would have after its create
// (which may have taken effect and reported a failure): a capture at
// placement left pending is repeated with its key.
func (s *Service) replayPlace(ctx context.Context, first *Order, key, digest string) (*Order, error) {
	if k, ok := first.appliedKey("place:" + key); ok && k.Digest != digest {
		return nil, fmt.Errorf("%w: order: idempotency key %q was used for order %s with another cart, customer or address", oms.ErrDuplicate, key, first.ID)
	}
	return s.settle(ctx, first)
}

// placeDigest fingerprints what a Place replay must repeat: currency,
// customer, addresses, shipping option, lines, discounts, shipping charge
// and taxes (normalized as the order stores them). The payment method is
// left out: a retry may carry a fresh token. Every part is written with
// its length, so no two contents give the same bytes.
func placeDigest(in PlaceInput, o *Order) string {
	h := sha256.New()
	buf := make([]byte, 0, 512)
	str := func(s string) {
		buf = strconv.AppendInt(buf, int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
	}
	num := func(n int64) { buf = strconv.AppendInt(append(buf, '#'), n, 10) }
	money := func(m oms.Money) { str(m.StringAmount()); str(string(m.Currency())) }
	flag := func(b bool) { buf = strconv.AppendBool(append(buf, '?'), b) }
	addr := func(a oms.Address) {
		for _, f := range []string{a.Name, a.Company, a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country, a.Phone, a.Email} {
			str(f)
		}
		flag(a.Residential)
	}
	discounts := func(ds []Discount) {
		num(int64(len(ds)))
		for _, d := range ds {
			str(d.Code)
			str(d.Description)
			money(d.Amount)
		}
	}
	flush := func() {
		h.Write(buf)
		buf = buf[:0]
	}
	str("place/v1")
	str(string(o.Currency))
	str(string(o.Customer.ID))
	str(o.Customer.Email)
	str(o.Customer.Name)
	str(o.Customer.Phone)
	str(in.Channel)
	addr(o.ShippingAddress)
	addr(o.BillingAddress)
	addr(normalizedOrZero(in.ShipFrom))
	str(string(o.Shipping.ServiceLevel))
	str(o.Shipping.Name)
	str(o.Shipping.PromisedFrom.String())
	str(o.Shipping.PromisedBy.String())
	num(int64(len(in.Lines)))
	for _, l := range in.Lines {
		flush()
		str(string(l.SKU))
		str(l.Name)
		num(l.Quantity)
		money(l.UnitPrice)
		money(l.Tax)
		str(l.TaxCode)
		num(int64(l.UnitWeight))
		num(int64(l.UnitDimensions.Length))
		num(int64(l.UnitDimensions.Width))
		num(int64(l.UnitDimensions.Height))
		flag(l.NoShipping)
		discounts(l.Discounts)
	}
	discounts(o.Discounts)
	money(o.ShippingCharge)
	money(o.ShippingTax)
	flag(in.TaxIncluded)
	flush()
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func normalizedOrZero(a oms.Address) oms.Address {
	if a == (oms.Address{}) {
		return a
	}
	return a.Normalize()
}

// build validates in and returns the order it describes (version 1, not
// saved, without number, priced with the explicit taxes of in) and the
// digest of its content. quoting skips the checks that concern only
// placement (a payment method needs a Gateway).
func (s *Service) build(in PlaceInput, quoting bool) (*Order, string, error) {
	c := newChecker(in.Currency)
	if !in.Currency.Valid() {
		c.add("currency", "%q is not an active ISO 4217 code", string(in.Currency))
	}
	c.key("idempotency_key", in.IdempotencyKey, false)
	c.text("channel", in.Channel, MaxCodeLength, false)
	if in.Customer.ID != "" {
		c.key("customer.id", string(in.Customer.ID), false)
	}
	c.email("customer.email", in.Customer.Email)
	c.text("customer.name", in.Customer.Name, oms.MaxNameLength, false)
	c.text("customer.phone", in.Customer.Phone, oms.MaxPhoneLength, false)
	c.text("note", in.Note, MaxTextLength, false)
	if in.Shipping.ServiceLevel != "" && !in.Shipping.ServiceLevel.Valid() {
		c.add("shipping.service_level", "%q is not a service level (want one of %v)", clip(string(in.Shipping.ServiceLevel)), oms.ServiceLevels())
	}
	c.text("shipping.name", in.Shipping.Name, MaxTextLength, false)
	okFrom := c.date("shipping.promised_from", in.Shipping.PromisedFrom)
	okBy := c.date("shipping.promised_by", in.Shipping.PromisedBy)
	if okFrom && okBy && !in.Shipping.PromisedFrom.IsZero() && !in.Shipping.PromisedBy.IsZero() && in.Shipping.PromisedBy.Before(in.Shipping.PromisedFrom) {
		c.add("shipping.promised_by", "is before promised_from")
	}
	if in.CapturePolicy != "" && !in.CapturePolicy.Valid() {
		c.add("capture_policy", "%q is not a capture policy", string(in.CapturePolicy))
	}
	if len(in.Metadata) > MaxMetadata {
		c.add("metadata", "has %d keys, at most %d allowed", len(in.Metadata), MaxMetadata)
	}
	for k, v := range in.Metadata {
		c.text("metadata.key", k, MaxMetadataKey, true)
		c.text("metadata."+clip(k), v, MaxTextLength, false)
	}
	now := s.clock.Now().UTC()
	id := oms.NewIDAt(now)
	if in.IdempotencyKey != "" {
		id = PlacementID(in.IdempotencyKey)
	}
	o := &Order{
		ID: id, Channel: in.Channel, IdempotencyKey: in.IdempotencyKey, Currency: in.Currency,
		Customer: in.Customer, Shipping: in.Shipping, Status: StatusPending, Version: 1,
		CreatedAt: now, UpdatedAt: now,
	}
	switch {
	case len(in.Lines) == 0:
		c.add("lines", "an order needs at least one line")
	case len(in.Lines) > MaxLines:
		c.add("lines", "has %d lines, at most %d allowed", len(in.Lines), MaxLines)
	}
	ships := false
	if len(in.Lines) > 0 {
		o.Lines = make([]Line, 0, min(len(in.Lines), MaxLines+1))
	}
	for i, li := range in.Lines {
		l := c.line("lines", i, li)
		l.ID = oms.DeriveID(id, "line:1:"+strconv.Itoa(i))
		ships = ships || l.RequiresShipping
		o.Lines = append(o.Lines, l)
	}
	o.ShippingAddress = c.address("shipping_address", in.ShippingAddress, ships)
	o.BillingAddress = c.address("billing_address", in.BillingAddress, false)
	for j, d := range in.Discounts {
		df := field{base: "discounts", i: j}
		c.textAt(df.at("code"), d.Code, MaxCodeLength, false)
		c.textAt(df.at("description"), d.Description, MaxTextLength, false)
		d.Amount = c.moneyAt(df.at("amount"), d.Amount, false, true)
		o.Discounts = append(o.Discounts, d)
	}
	o.ShippingCharge = c.money("shipping_charge", in.ShippingCharge, true, false)
	o.ShippingTax = c.money("shipping_tax", in.ShippingTax, true, false)
	c.address("ship_from", in.ShipFrom, false)
	o.TaxIncluded = in.TaxIncluded
	if s.tax != nil {
		// The calculator sets every tax; explicit ones would be ignored.
		if in.TaxIncluded {
			c.add("tax_included", "is decided by the TaxCalculator; leave it false")
		}
		if !in.ShippingTax.IsZero() {
			c.add("shipping_tax", "is computed by the TaxCalculator; leave it zero")
		}
		for i, li := range in.Lines {
			if !li.Tax.IsZero() {
				c.add(linesField(i, "tax"), "is computed by the TaxCalculator; leave it zero")
			}
		}
	}
	if in.TaxIncluded && o.ShippingTax.Currency() == o.Currency && gt(o.ShippingTax, o.ShippingCharge) {
		c.add("shipping_tax", "%s exceeds the shipping charge %s that includes it", o.ShippingTax, o.ShippingCharge)
	}
	policy := in.CapturePolicy
	if policy == "" {
		policy = s.policy
	}
	o.Payment = newPayment(in.Currency, policy)
	if in.Payment.Method != "" {
		c.text("payment.method", in.Payment.Method, MaxTextLength, false)
		if s.gw == nil && !quoting {
			c.add("payment.method", "no payment gateway is configured")
		}
	}
	auth := c.money("payment.authorized", in.Payment.Authorized, true, false)
	if auth.Currency() == in.Currency && in.Currency.Valid() {
		// Saved as the order's authorized amount: as large as the
		// totals may be at most, or the order could not be written.
		checkAmountRecordable(c.v, in.Currency, "payment.authorized", auth)
	}
	c.text("payment.reference", in.Payment.Reference, MaxTextLength, false)
	if auth.IsPositive() && in.Payment.Reference == "" {
		c.add("payment.reference", "is required with an authorized amount")
	}
	if in.Payment.Method != "" && auth.IsPositive() {
		c.add("payment", "give a method or an authorization, not both")
	}
	if err := c.err(); err != nil {
		return nil, "", err
	}
	if len(in.Metadata) > 0 {
		o.Metadata = make(map[string]string, len(in.Metadata))
		for k, v := range in.Metadata {
			o.Metadata[k] = v
		}
	}
	if in.Note != "" {
		o.Notes = []Note{{By: "customer", At: now, Text: in.Note}}
	}
	t, err := ComputeTotals(o)
	if err != nil {
		return nil, "", err
	}
	orderDisc := oms.Zero(o.Currency)
	for _, d := range o.Discounts {
		orderDisc = add(orderDisc, d.Amount)
	}
	// ComputeTotals applies the order discounts up to the lines' worth
	// after their own discounts; applying less than asked means they exceed
	// it.
	if gt(orderDisc, t.OrderDiscounts) {
		net := sub(t.Subtotal, t.LineDiscounts)
		return nil, "", oms.Validationf(entity, "discounts", "total %s exceeds the lines' worth %s after line discounts", orderDisc, net)
	}
	if err := checkIncludedTax(o, t, nil); err != nil {
		return nil, "", err
	}
	o.Totals = t
	if auth.IsPositive() {
		o.Payment.Authorized = auth
		o.Payment.Authorization = in.Payment.Reference
		o.Payment.Transactions = []Transaction{{Kind: TxAuthorize, Amount: auth, Reference: in.Payment.Reference, Key: "host", At: now, Authorization: in.Payment.Reference}}
	}
	if in.IdempotencyKey == "" {
		return o, "", nil
	}
	return o, placeDigest(in, o), nil
}

// checkIncludedTax refuses, when o's taxes are included in its prices, a
// line whose tax exceeds the line's amount after discounts that includes
// it; only the lines in given are checked when it is not nil.
func checkIncludedTax(o *Order, t Totals, given map[oms.ID]bool) error {
	if !o.TaxIncluded {
		return nil
	}
	for i, lt := range t.Lines {
		if (given == nil || given[lt.LineID]) && gt(lt.Tax, sub(sub(lt.Subtotal, lt.LineDiscount), lt.OrderDiscount)) {
			return oms.Validationf(entity, linesField(i, "tax"), "%s exceeds the line's amount after discounts %s that includes it", lt.Tax, lt.Total)
		}
	}
	return nil
}

// PlacementID returns the ID of the order that Place creates for an
// idempotency key: every attempt with the key builds this ID, so a
// payment authorized by an attempt whose store write failed names the
// order that the retry creates. Orders placed without a key get a fresh
// time-ordered ID instead.
func PlacementID(key string) oms.ID { return oms.DeriveID("order", "place:"+key) }

// authorizeAtPlacement authorizes (and under CaptureOnPlacement captures)
// the grand total before the order is first saved; nobody else can see the
// order yet, so no pending step is needed. The keys derive from the
// placement's idempotency key, so a Place repeated after a crash reuses
// them. A failed authorization leaves a note for the awaiting_payment
// hold; a failed capture is saved pending with its key, to be repeated.
func (s *Service) authorizeAtPlacement(ctx context.Context, o *Order, method, base string, now time.Time) []pendingEvent {
	total := o.Totals.GrandTotal
	if !total.IsPositive() {
		return nil
	}
	op := PaymentOp{Kind: TxAuthorize, Amount: total, Key: base + "/authorize", Method: method}
	res, err := call(ctx, s.gw, o, op)
	if err != nil {
		s.warn("authorize at placement failed", o.ID, err)
		if outcomeUnknown(err) {
			// The gateway may hold the money: the authorization stays
			// pending under its key, and the settlement after the order
			// is saved repeats this very request.
			o.Notes = append(o.Notes, Note{By: "payment", At: now, Text: "authorization outcome unknown: " + clip(err.Error())})
			o.Payment.Pending = &op
			return []pendingEvent{{EventPaymentRequested, PaymentPayload{Kind: op.Kind, Amount: op.Amount, Key: op.Key}}}
		}
		o.Notes = append(o.Notes, Note{By: "payment", At: now, Text: "authorization failed: " + clip(err.Error())})
		return nil
	}
	events := []pendingEvent{applyPayment(o, op, res.Reference, now)}
	if o.Payment.Policy == CaptureOnPlacement {
		op = PaymentOp{Kind: TxCapture, Amount: total, Key: base + "/capture", Authorization: res.Reference}
		if res, err = call(ctx, s.gw, o, op); err != nil {
			// The gateway may have taken the money and lost only its
			// answer: the capture stays pending under its key, so the
			// settlement after the order is saved repeats this very call.
			s.warn("capture at placement failed", o.ID, err)
			o.Payment.Pending = &op
			return append(events, pendingEvent{EventPaymentRequested, PaymentPayload{Kind: op.Kind, Amount: op.Amount, Key: op.Key}})
		}
		events = append(events, applyPayment(o, op, res.Reference, now))
	}
	return events
}

func (s *Service) warn(msg string, id oms.ID, err error) {
	if s.log != nil {
		s.log.Warn("order: "+msg, "order_id", string(id), "error", err)
	}
}

func placedPayload(o *Order) PlacedPayload {
	p := PlacedPayload{Number: o.Number, CustomerID: o.Customer.ID, Email: o.Customer.Email, Channel: o.Channel, GrandTotal: o.Totals.GrandTotal}
	if len(o.Lines) > 0 {
		p.Lines = make([]LineSummary, 0, len(o.Lines))
	}
	for _, l := range o.Lines {
		p.Lines = append(p.Lines, LineSummary{LineID: l.ID, SKU: l.SKU, Quantity: l.Quantity})
	}
	return p
}

// confirmedPayload describes o as confirmed; o.Totals are current (a
// confirmation changes no amount).
func confirmedPayload(o *Order, from Status) ConfirmedPayload {
	p := ConfirmedPayload{From: from, To: StatusConfirmed, Number: o.Number, Customer: o.Customer, Channel: o.Channel,
		ShippingAddress: o.ShippingAddress, Shipping: o.Shipping, Totals: o.Totals, Lines: []ConfirmedLine{}}
	p.Totals.Lines = slices.Clone(o.Totals.Lines)
	for i, l := range o.Lines {
		if l.Active() == 0 {
			continue
		}
		cl := ConfirmedLine{LineID: l.ID, SKU: l.SKU, Name: l.Name, Quantity: l.Active(), UnitPrice: l.UnitPrice, RequiresShipping: l.RequiresShipping}
		if i < len(o.Totals.Lines) {
			cl.Total = o.Totals.Lines[i].Total
		}
		p.Lines = append(p.Lines, cl)
	}
	return p
}

// mutation changes o (a private copy) and returns the events of the change.
// It returns no events and no error when the command is a replay that
// changes nothing; an error discards the copy.
type mutation func(o *Order, now time.Time) ([]pendingEvent, error)

// update loads the order, applies fn and saves, retrying on
// oms.ErrConflict; then it settles payment.
func (s *Service) update(ctx context.Context, id oms.ID, fn mutation) (*Order, error) {
	var lastErr error
	for attempt := 0; attempt <= s.retries; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur, err := s.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		next := cur.Clone()
		now := s.clock.Now().UTC()
		events, err := fn(next, now)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			// A replay: the change was saved by an earlier run, whose
			// payment step may not have run (the write reported a failure
			// after it took effect), so settle as that run would have.
			return s.settle(ctx, cur)
		}
		events = append(events, settleStatus(next, now)...)
		if err := s.commit(ctx, cur, next, now, events); err != nil {
			if errors.Is(err, oms.ErrConflict) {
				lastErr = err
				runtime.Gosched() // let the writer that won finish first
				continue
			}
			return nil, err
		}
		return s.settle(ctx, next)
	}
	return nil, fmt.Errorf("order: %s: gave up after %d conflicts: %w", id, s.retries+1, lastErr)
}

// checkNow refuses a time of the Service's clock that encoding/json
// cannot write (outside years 0 to 9999): an order or event stamped with
// it could no longer be marshalled, so a JSON store would fail every
// later write of the order.
func checkNow(now time.Time) error {
	if y := now.Year(); y < 0 || y > 9999 {
		return oms.Validationf(entity, "clock", "reads %s, outside years 0 to 9999; nothing is saved at such a time", now.Format(time.RFC3339))
	}
	return nil
}

// commit saves next as the version after cur with its events.
func (s *Service) commit(ctx context.Context, cur, next *Order, now time.Time, events []pendingEvent) error {
	if err := checkNow(now); err != nil {
		return err
	}
	t, err := ComputeTotals(next)
	if err != nil {
		return err
	}
	next.Totals = t
	next.Version = cur.Version + 1
	next.UpdatedAt = now
	evs, err := stamp(next, now, events)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, next, cur.Version, evs)
}

// settleStatus makes the automatic lifecycle moves after a change: an order
// whose every unit is cancelled is cancelled; a processing order whose
// every line is delivered or cancelled is completed.
func settleStatus(o *Order, now time.Time) []pendingEvent {
	c := CountsOf(o)
	switch {
	case !o.Status.Final() && c.Active == 0:
		if transition(o, StatusCancelled) == nil {
			o.CancelledAt = now
			if o.CancelReason == "" {
				o.CancelReason = "every line cancelled"
			}
			return []pendingEvent{{EventCancelled, CancelPayload{Reason: o.CancelReason, Lines: []LineQuantity{}}}}
		}
	case o.Status == StatusProcessing:
		if transition(o, StatusCompleted) == nil {
			o.CompletedAt = now
			return []pendingEvent{{EventCompleted, StatusPayload{From: StatusProcessing, To: StatusCompleted}}}
		}
	}
	return nil
}

// Confirm moves a pending order to confirmed. Its guard refuses an order
// whose payment is not authorized (open awaiting_payment hold). Confirming
// a confirmed order changes nothing.
func (s *Service) Confirm(ctx context.Context, id oms.ID) (*Order, error) {
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		if o.Status == StatusConfirmed {
			return nil, nil
		}
		from := o.Status
		if err := transition(o, StatusConfirmed); err != nil {
			return nil, err
		}
		o.ConfirmedAt = now
		return []pendingEvent{{EventConfirmed, confirmedPayload(o, from)}}, nil
	})
}

// HoldInput describes a hold to add.
type HoldInput struct {
	// Key makes AddHold safe to repeat: the hold's ID derives from it and a
	// replay (same reason and note) adds nothing; the key with another
	// reason or note matches oms.ErrDuplicate. Optional. Caller keys live in their own
	// namespace: no key gives the ID of a hold the Service adds itself
	// (awaiting_payment), and every hold ID is unique within its order.
	Key    string     `json:"key,omitempty"`
	Reason HoldReason `json:"reason"`
	Note   string     `json:"note,omitempty"`
	By     string     `json:"by,omitempty"`
}

// AddHold puts a hold on the order: until every hold is released, the
// order refuses allocation and fulfillment. Cancelled and completed orders
// cannot be held (oms.ErrInvalidTransition).
func (s *Service) AddHold(ctx context.Context, id oms.ID, in HoldInput) (*Order, error) {
	c := newChecker("")
	if !in.Reason.Valid() {
		c.add("reason", "%q is not a hold reason", string(in.Reason))
	}
	c.key("key", in.Key, false)
	c.text("note", in.Note, MaxTextLength, false)
	c.text("by", in.By, MaxTextLength, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		hid := oms.NewIDAt(now)
		if in.Key != "" {
			hid = callerHoldID(o.ID, in.Key)
			for _, h := range o.Holds {
				if h.ID != hid {
					continue
				}
				if h.Reason != in.Reason || h.Note != in.Note {
					return nil, fmt.Errorf("%w: order %s: hold key %q was used for reason %s with another note", oms.ErrDuplicate, o.ID, in.Key, h.Reason)
				}
				return nil, nil
			}
		}
		if o.Status.Final() {
			return nil, transitionError(o.ID, o.Status, "on_hold", "a "+string(o.Status)+" order cannot be held")
		}
		h := Hold{ID: hid, Reason: in.Reason, Note: in.Note, By: in.By, At: now}
		if err := addHold(o, h); err != nil {
			return nil, err
		}
		return []pendingEvent{{EventHoldAdded, HoldPayload{HoldID: h.ID, Reason: h.Reason, By: h.By, Note: h.Note}}}, nil
	})
}

// ReleaseInput describes a hold release.
type ReleaseInput struct {
	By   string `json:"by,omitempty"`
	Note string `json:"note,omitempty"`
}

// ReleaseHold releases the hold with holdID. An unknown hold matches
// oms.ErrNotFound; releasing a released hold changes nothing. Releasing the
// last open hold lets the order continue.
func (s *Service) ReleaseHold(ctx context.Context, id, holdID oms.ID, in ReleaseInput) (*Order, error) {
	c := newChecker("")
	c.text("by", in.By, MaxTextLength, false)
	c.text("note", in.Note, MaxTextLength, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		for i := range o.Holds {
			h := &o.Holds[i]
			if h.ID != holdID {
				continue
			}
			if !h.Open() {
				return nil, nil
			}
			h.ReleasedAt, h.ReleasedBy, h.ReleaseNote = now, in.By, in.Note
			return []pendingEvent{{EventHoldReleased, HoldPayload{HoldID: h.ID, Reason: h.Reason, By: in.By, Note: in.Note}}}, nil
		}
		return nil, oms.NotFoundError("hold", fmt.Sprintf("%s of order %s", holdID, o.ID))
	})
}

// CancelInput describes a whole-order cancellation.
type CancelInput struct {
	Reason string `json:"reason,omitempty"`
	By     string `json:"by,omitempty"`
}

// Cancel cancels the whole order while nothing has shipped: every line's
// active units are cancelled, allocations are released (the event lists
// them), and the payment's authorization is voided or its capture refunded.
// An order with shipped units, or a completed one, is refused with a
// *oms.TransitionError; cancelling a cancelled order changes nothing.
func (s *Service) Cancel(ctx context.Context, id oms.ID, in CancelInput) (*Order, error) {
	c := newChecker("")
	c.text("reason", in.Reason, MaxTextLength, false)
	c.text("by", in.By, MaxTextLength, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		if o.Status == StatusCancelled {
			return nil, nil
		}
		if err := transition(o, StatusCancelled); err != nil {
			return nil, err
		}
		p := CancelPayload{Reason: in.Reason, By: in.By}
		for i := range o.Lines {
			l := &o.Lines[i]
			if n := l.Active(); n > 0 {
				p.Lines = append(p.Lines, LineQuantity{LineID: l.ID, Quantity: n})
			}
			if l.Allocated > 0 {
				p.Released = append(p.Released, LineQuantity{LineID: l.ID, Quantity: l.Allocated})
			}
			l.Cancelled, l.Allocated, l.Fulfilled = l.Quantity, 0, 0
		}
		o.CancelReason, o.CancelledAt = in.Reason, now
		if o.CancelReason == "" {
			o.CancelReason = "cancelled"
		}
		return []pendingEvent{{EventCancelled, p}}, nil
	})
}

// CancelLinesInput describes a partial cancellation.
type CancelLinesInput struct {
	// Key makes the call safe to repeat. Optional.
	Key string `json:"key,omitempty"`
	// Lines are the units to cancel per line, each at most the line's
	// unshipped units.
	Lines  []LineQuantity `json:"lines"`
	Reason string         `json:"reason,omitempty"`
	By     string         `json:"by,omitempty"`
	// Packed says the units cancelled were packed and not shipped: their
	// fulfillment was recorded (RecordFulfillment), and each line's
	// fulfilled units fall with them (never below its shipped units), not
	// only once its allocated units fall below them. Fulfillment sets it
	// when it cancels packed work while other units of the line are not
	// packed yet.
	Packed bool `json:"packed,omitempty"`
	// PackKey, when set, is the key under which the units' packing is
	// counted (RecordFulfillment's CounterInput.Key), and the order
	// decides in the same write whether it was: when a RecordFulfillment
	// under PackKey is recorded, the units cancel as Packed; when not, the
	// key is closed, so a count under it arriving later (a packing that
	// raced the cancel) is refused with oms.ErrDuplicate rather than
	// counting fulfilled units that are gone. Fulfillment sets it when it
	// cancels a fulfillment order.
	PackKey string `json:"pack_key,omitempty"`
}

// CancelLines cancels units of the given lines, at most each line's
// unshipped part (Line.Unshipped), at any time before they ship. Allocated
// and packed units beyond what remains active are released (the event
// lists them). Cancelling every remaining unit of an order with nothing
// shipped cancels the order; cancelling the rest of a delivered order
// completes it. Totals shrink and payment is adjusted by the capture
// policy.
func (s *Service) CancelLines(ctx context.Context, id oms.ID, in CancelLinesInput) (*Order, error) {
	c := newChecker("")
	c.key("key", in.Key, false)
	c.text("reason", in.Reason, MaxTextLength, false)
	c.text("by", in.By, MaxTextLength, false)
	c.key("pack_key", in.PackKey, false)
	checkQuantities(c, in.Lines)
	if err := c.err(); err != nil {
		return nil, err
	}
	digest := digestOf("cancel_lines", in.Lines, in.Reason, in.Packed, in.PackKey)
	switch {
	case in.PackKey != "":
		digest.legacy = legacyDigest("cancel_lines", in.Lines, in.Reason, in.Packed, "pack_key", in.PackKey)
	case in.Packed:
		digest.legacy = legacyDigest("cancel_lines", in.Lines, in.Reason, "packed")
	default:
		digest.legacy = legacyDigest("cancel_lines", in.Lines, in.Reason)
	}
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		if replay, err := checkKey(o, "cancel_lines:", in.Key, digest); replay || err != nil {
			return nil, err
		}
		if o.Status.Final() {
			return nil, transitionError(o.ID, o.Status, StatusCancelled, "the order is "+string(o.Status))
		}
		v := validation()
		idx := resolveLines(o, v, in.Lines)
		for i, lq := range in.Lines {
			if idx[i] < 0 {
				continue
			}
			if l := o.Lines[idx[i]]; lq.Quantity > l.Unshipped() {
				v.Add(fmt.Sprintf("lines[%d].quantity", i), "cannot cancel %d of line %s: only %d unshipped (%d shipped, %d cancelled of %d)", lq.Quantity, l.ID, l.Unshipped(), l.Shipped, l.Cancelled, l.Quantity)
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		packed := in.Packed
		if in.PackKey != "" {
			if k, ok := o.appliedKey(string(CounterFulfilled) + ":" + in.PackKey); ok && k.Digest != packKeyClosed {
				packed = true
			} else if !ok {
				recordKey(o, string(CounterFulfilled)+":", in.PackKey, packKeyClosed)
			}
		}
		p := CancelPayload{Lines: append([]LineQuantity(nil), in.Lines...), Reason: in.Reason, By: in.By}
		for i, lq := range in.Lines {
			l := &o.Lines[idx[i]]
			l.Cancelled += lq.Quantity
			if over := l.Allocated - l.Active(); over > 0 {
				l.Allocated -= over
				p.Released = append(p.Released, LineQuantity{LineID: l.ID, Quantity: over})
			}
			if packed {
				l.Fulfilled -= min(lq.Quantity, l.Fulfilled-l.Shipped)
			}
			l.Fulfilled = min(l.Fulfilled, l.Allocated)
		}
		if in.Reason != "" && CountsOf(o).Active == 0 {
			o.CancelReason = in.Reason
		}
		events := []pendingEvent{{EventLinesCancelled, p}}
		if t, err := ComputeTotals(o); err == nil {
			events = append(events, releaseCoveredHolds(o, t, now)...)
		}
		recordKey(o, "cancel_lines:", in.Key, digest.sum)
		return events, nil
	})
}

// packKeyClosed is the digest a CancelLines with a PackKey records under
// that key when no packing was counted under it: no RecordFulfillment
// digest equals it, so a later count under the key is refused.
const packKeyClosed = "closed by cancel_lines"

// hasServiceHold reports whether an awaiting_payment hold the Service
// added (releaseCoveredHolds releases those) is open.
func hasServiceHold(o *Order) bool {
	for _, h := range o.Holds {
		if h.Open() && serviceHold(o, h) {
			return true
		}
	}
	return false
}

// serviceHold reports whether h is an awaiting_payment hold the Service
// added (Place or an Edit). By is "system" for those, but a caller may
// give that too: the ID tells, derived from the version that added it
// (Place's first, then the latest versions, at most maxHoldVersions back).
func serviceHold(o *Order, h Hold) bool {
	if h.Reason != HoldAwaitingPayment || h.By != "system" {
		return false
	}
	if h.ID == systemHoldID(o.ID, HoldAwaitingPayment, 1) {
		return true
	}
	for v, n := o.Version+1, 0; v > 1 && n < maxHoldVersions; v, n = v-1, n+1 {
		if h.ID == systemHoldID(o.ID, HoldAwaitingPayment, v) {
			return true
		}
	}
	return false
}

// maxHoldVersions bounds how many versions back serviceHold looks for the
// edit that added a hold.
const maxHoldVersions = 1 << 16

// releaseCoveredHolds releases, when o's authorizations cover the total
// of t (after an edit or a cancellation lowered it), the awaiting_payment
// holds the Service added, and returns their events.
func releaseCoveredHolds(o *Order, t Totals, now time.Time) []pendingEvent {
	if o.Status.Final() || !authorizedEnough(o, t) {
		return nil
	}
	var events []pendingEvent
	for i := range o.Holds {
		h := &o.Holds[i]
		if h.Open() && serviceHold(o, *h) {
			h.ReleasedAt, h.ReleasedBy, h.ReleaseNote = now, "system", "the authorization covers the total"
			events = append(events, pendingEvent{EventHoldReleased, HoldPayload{HoldID: h.ID, Reason: h.Reason, By: h.ReleasedBy, Note: h.ReleaseNote}})
		}
	}
	return events
}

// LineRef names a line of an order by its ID or, when the order has one
// line with that SKU, by SKU.
type LineRef struct {
	LineID oms.ID  `json:"line_id,omitempty"`
	SKU    oms.SKU `json:"sku,omitempty"`
}

// QuantityChange sets a line's ordered quantity.
type QuantityChange struct {
	LineRef
	// Quantity is the line's new ordered quantity (cancelled units
	// included), positive and above the cancelled units.
	Quantity int64 `json:"quantity"`
	// Tax is the line's new tax for the new quantity; nil scales the old
	// tax in proportion (rounded by oms.Money.Round). Line discounts
	// always scale in proportion.
	Tax *oms.Money `json:"tax,omitempty"`
}

// EditInput describes an order edit.
type EditInput struct {
	// Key makes the edit safe to repeat. Optional.
	Key string `json:"key,omitempty"`
	// Add are new lines (their tax explicit: the TaxCalculator is not
	// called); Remove and Change name existing lines with nothing
	// allocated. A line may be named once per edit.
	Add    []LineInput      `json:"add,omitempty"`
	Remove []LineRef        `json:"remove,omitempty"`
	Change []QuantityChange `json:"change,omitempty"`
	By     string           `json:"by,omitempty"`
}

// Edit adds lines, removes lines and changes line quantities of an order
// that is not cancelled or completed. Only lines with nothing allocated
// may be removed or changed, and only lines nothing was refunded for may
// be removed (otherwise *oms.TransitionError); references
// to lines or SKUs the order does not have, and bad new lines (including a
// shipped line on an order placed without a shipping address), are listed
// in a *oms.ValidationError. Totals are recomputed; when the authorization
// no longer covers the grand total the order gets an awaiting_payment
// hold (released by the edit that makes it cover the total again), and
// money collected beyond it is refunded. Like Place, Edit
// refuses totals with an amount of 10^(40 - minor units) or more.
func (s *Service) Edit(ctx context.Context, id oms.ID, in EditInput) (*Order, error) {
	pre := newChecker("")
	pre.key("key", in.Key, false)
	pre.text("by", in.By, MaxTextLength, false)
	if len(in.Add)+len(in.Remove)+len(in.Change) == 0 {
		pre.add("", "an edit needs at least one addition, removal or change")
	}
	// The digest below prints the amounts: refuse those too long to print.
	for k, li := range in.Add {
		p := field{base: "add", i: k}
		pre.size(p.at("unit_price"), li.UnitPrice)
		pre.size(p.at("tax"), li.Tax)
		for j, d := range li.Discounts {
			df := p
			df.sub, df.j = "discounts", j
			pre.size(df.at("amount"), d.Amount)
		}
	}
	for k, ch := range in.Change {
		if ch.Tax != nil {
			pre.size(plain(fmt.Sprintf("change[%d].tax", k)), *ch.Tax)
		}
	}
	if err := pre.err(); err != nil {
		return nil, err
	}
	digest := digestOf("edit", in.Add, in.Remove, in.Change)
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		if replay, err := checkKey(o, "edit:", in.Key, digest); replay || err != nil {
			return nil, err
		}
		if o.Status.Final() {
			return nil, transitionError(o.ID, o.Status, "edited", "a "+string(o.Status)+" order cannot be edited")
		}
		before := o.Totals.GrandTotal
		c := newChecker(o.Currency)
		p := EditPayload{By: in.By, Before: before}
		touched := map[int]string{}
		resolve := func(field string, r LineRef) int {
			i := findLine(o, c, field, r)
			if i >= 0 {
				if prev, dup := touched[i]; dup {
					c.add(field, "line %s is already named by %s", o.Lines[i].ID, prev)
					return -1
				}
				touched[i] = field
			}
			return i
		}
		removes := make([]int, len(in.Remove))
		for k, r := range in.Remove {
			removes[k] = resolve(fmt.Sprintf("remove[%d]", k), r)
		}
		changes := make([]int, len(in.Change))
		taxes := make([]oms.Money, len(in.Change))
		for k, ch := range in.Change {
			f := fmt.Sprintf("change[%d]", k)
			changes[k] = resolve(f, ch.LineRef)
			switch {
			case ch.Quantity <= 0:
				c.add(f+".quantity", "must be positive, got %d (remove the line instead)", ch.Quantity)
			case ch.Quantity > MaxLineQty:
				c.add(f+".quantity", "must be at most %d, got %d", MaxLineQty, ch.Quantity)
			case changes[k] >= 0 && ch.Quantity <= o.Lines[changes[k]].Cancelled:
				c.add(f+".quantity", "must exceed the %d cancelled units", o.Lines[changes[k]].Cancelled)
			}
			if ch.Tax != nil {
				taxes[k] = c.money(f+".tax", *ch.Tax, true, false)
			}
		}
		var added []Line
		for k, li := range in.Add {
			l := c.line("add", k, li)
			if l.RequiresShipping && o.ShippingAddress == (oms.Address{}) {
				c.add(fmt.Sprintf("add[%d].no_shipping", k), "line %q is shipped but the order has no shipping address", clip(string(li.SKU)))
			}
			l.ID = oms.DeriveID(o.ID, fmt.Sprintf("line:%d:%d", o.Version+1, k))
			added = append(added, l)
		}
		if len(o.Lines)-len(in.Remove)+len(added) > MaxLines {
			c.add("add", "the order would have more than %d lines", MaxLines)
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		for _, i := range append(append([]int(nil), removes...), changes...) {
			if l := o.Lines[i]; l.Allocated > 0 {
				return nil, &oms.TransitionError{Entity: "order line", ID: l.ID, From: "allocated", To: "edited",
					Reason: fmt.Sprintf("%d units of %s are allocated; cancel them instead", l.Allocated, l.SKU)}
			}
		}
		// A refunded line keeps its refunds on the order (they bound what
		// the order still owes): it is cancelled, never removed.
		for _, i := range removes {
			if l := o.Lines[i]; l.Refunded > 0 || l.RefundedAmount.IsPositive() {
				return nil, &oms.TransitionError{Entity: "order line", ID: l.ID, From: "refunded", To: "removed",
					Reason: fmt.Sprintf("%s of %s was refunded; cancel its units instead", l.RefundedAmount, l.SKU)}
			}
		}
		given := map[oms.ID]bool{} // lines whose tax this edit gives
		for k, ch := range in.Change {
			l := &o.Lines[changes[k]]
			if ch.Tax != nil {
				given[l.ID] = true
			}
			old := l.Quantity
			if old == ch.Quantity && ch.Tax == nil {
				continue
			}
			if ch.Tax != nil {
				l.Tax = taxes[k]
			} else {
				l.Tax = scale(l.Tax, ch.Quantity, old)
			}
			scaleDiscounts(l.Discounts, ch.Quantity, old)
			l.Quantity = ch.Quantity
			p.Changed = append(p.Changed, LineQuantity{LineID: l.ID, Quantity: ch.Quantity})
		}
		drop := map[int]bool{}
		for _, i := range removes {
			drop[i] = true
			p.Removed = append(p.Removed, LineSummary{LineID: o.Lines[i].ID, SKU: o.Lines[i].SKU, Quantity: o.Lines[i].Quantity})
		}
		kept := o.Lines[:0]
		for i, l := range o.Lines {
			if !drop[i] {
				kept = append(kept, l)
			}
		}
		o.Lines = append(kept, added...)
		for _, l := range added {
			p.Added = append(p.Added, LineSummary{LineID: l.ID, SKU: l.SKU, Quantity: l.Quantity})
		}
		if len(o.Lines) == 0 {
			return nil, oms.Validationf(entity, "remove", "an order needs at least one line")
		}
		t, err := ComputeTotals(o)
		if err != nil {
			return nil, err
		}
		// Totals no oms.Money can be written with are refused as Place
		// refuses them.
		if err := checkRecordable(t); err != nil {
			return nil, err
		}
		// Taxes this edit gives are checked as Place checks them.
		for _, l := range added {
			given[l.ID] = true
		}
		if err := checkIncludedTax(o, t, given); err != nil {
			return nil, err
		}
		p.GrandTotal = t.GrandTotal
		events := []pendingEvent{{EventEdited, p}}
		// The Service's own hold: a caller's awaiting_payment hold is
		// released by the caller, whatever the authorization covers.
		if t.GrandTotal.IsPositive() && !authorizedEnough(o, t) && !hasServiceHold(o) {
			h := Hold{ID: systemHoldID(o.ID, HoldAwaitingPayment, o.Version+1), Reason: HoldAwaitingPayment,
				Note: fmt.Sprintf("grand total %s exceeds the authorized amount", t.GrandTotal), By: "system", At: now}
			if err := addHold(o, h); err != nil {
				return nil, err
			}
			events = append(events, pendingEvent{EventHoldAdded, HoldPayload{HoldID: h.ID, Reason: h.Reason, By: h.By, Note: h.Note}})
		}
		events = append(events, releaseCoveredHolds(o, t, now)...)
		recordKey(o, "edit:", in.Key, digest.sum)
		return events, nil
	})
}

// scale returns m * n / d rounded by the one rounding rule (oms.Money.Round).
func scale(m oms.Money, n, d int64) oms.Money {
	if n == d || d <= 0 || !m.Valid() {
		return m
	}
	amt := m.Amount().Mul(decimal.NewFromInt(n)).DivRound(decimal.NewFromInt(d), 12)
	r, err := oms.NewMoney(amt, m.Currency())
	if err != nil {
		return m
	}
	return r.Round()
}

// scaleDiscounts scales a line's discounts by n / d together: their sum
// is scaled by the one rounding rule and split back over them in
// proportion with Allocate, so it never passes the line's new subtotal
// (rounding each on its own could: three of 10.00 for 2 of 3 units are
// 6.67 each, 20.01 for a 20.00 line).
func scaleDiscounts(ds []Discount, n, d int64) {
	if len(ds) == 0 || n == d || d <= 0 {
		return
	}
	one := func() { // each on its own, for amounts that are not one currency
		for j := range ds {
			ds[j].Amount = scale(ds[j].Amount, n, d)
		}
	}
	cur := ds[0].Amount.Currency()
	total := oms.Zero(cur)
	weights := make([]decimal.Decimal, len(ds))
	for j, x := range ds {
		if x.Amount.Currency() != cur || !total.Valid() {
			one()
			return
		}
		total = add(total, x.Amount)
		weights[j] = x.Amount.Amount()
	}
	if !total.IsPositive() {
		one()
		return
	}
	parts, err := scale(total, n, d).Allocate(weights)
	if err != nil {
		one()
		return
	}
	for j := range ds {
		ds[j].Amount = parts[j]
	}
}

func moneyOr(m oms.Money, cur oms.Currency) oms.Money {
	if m.Currency() == "" && m.IsZero() {
		return oms.Zero(cur)
	}
	return m
}

// findLine resolves a LineRef, recording problems under field.
func findLine(o *Order, c *checker, field string, r LineRef) int {
	switch {
	case r.LineID != "" && r.SKU != "":
		i := o.lineIndex(r.LineID)
		if i < 0 {
			c.add(field+".line_id", "no line %s in order %s", r.LineID, o.ID)
		} else if o.Lines[i].SKU != r.SKU {
			c.add(field+".sku", "line %s has SKU %q, not %q", r.LineID, o.Lines[i].SKU, clip(string(r.SKU)))
			return -1
		}
		return i
	case r.LineID != "":
		i := o.lineIndex(r.LineID)
		if i < 0 {
			c.add(field+".line_id", "no line %s in order %s", r.LineID, o.ID)
		}
		return i
	case r.SKU != "":
		found := -1
		for i, l := range o.Lines {
			if l.SKU == r.SKU {
				if found >= 0 {
					c.add(field+".sku", "several lines have SKU %q; name the line_id", clip(string(r.SKU)))
					return -1
				}
				found = i
			}
		}
		if found < 0 {
			c.add(field+".sku", "unknown SKU %q: no line of order %s has it", clip(string(r.SKU)), o.ID)
		}
		return found
	}
	c.add(field, "name a line_id or a sku")
	return -1
}

// checkQuantities checks the shape of a LineQuantity list.
func checkQuantities(c *checker, lines []LineQuantity) {
	if len(lines) == 0 {
		c.add("lines", "at least one line is required")
	}
	seen := map[oms.ID]int{}
	for i, lq := range lines {
		f := fmt.Sprintf("lines[%d]", i)
		if lq.LineID == "" {
			c.add(f+".line_id", "is required")
		} else if j, dup := seen[lq.LineID]; dup {
			c.add(f+".line_id", "line %s is already given in lines[%d]", lq.LineID, j)
		} else {
			seen[lq.LineID] = i
		}
		if lq.Quantity <= 0 {
			c.add(f+".quantity", "must be positive, got %d", lq.Quantity)
		}
	}
}

// resolveLines maps each LineQuantity to its line index (-1 and a problem
// for unknown lines).
func resolveLines(o *Order, v *oms.ValidationError, lines []LineQuantity) []int {
	idx := make([]int, len(lines))
	for i, lq := range lines {
		idx[i] = o.lineIndex(lq.LineID)
		if idx[i] < 0 {
			v.Add(fmt.Sprintf("lines[%d].line_id", i), "no line %s in order %s", lq.LineID, o.ID)
		}
	}
	return idx
}

// digest fingerprints a keyed command's content: sum is what the command
// records; legacy is the fingerprint the versions before recorded, which
// a key recorded by them is still compared with.
type digest struct{ sum, legacy string }

// digestPrefix starts every digest that digestOf's sum writes, telling it
// from the legacy ones.
const digestPrefix = "v2:"

// digestOf fingerprints a keyed command's content. Every string is written
// with its length, every list with its count, every amount as its exact
// amount and currency, so no two contents give the same bytes (the %v text
// the legacy fingerprint hashed let free text run into the fields beside
// it: a reason "r packed" read like the reason "r" of a packed cancel).
func digestOf(parts ...any) digest {
	var b []byte
	for _, p := range parts {
		b = appendDigest(b, reflect.ValueOf(p))
	}
	h := sha256.Sum256(b)
	return digest{sum: digestPrefix + hex.EncodeToString(h[:12]), legacy: legacyDigest(parts...)}
}

// legacyDigest is the fingerprint of the versions before digestOf wrote
// every part unambiguously.
func legacyDigest(parts ...any) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%v", parts))
	return hex.EncodeToString(h[:12])
}

var moneyType = reflect.TypeFor[oms.Money]()

// appendDigest appends v to b, tagged with its kind.
func appendDigest(b []byte, v reflect.Value) []byte {
	str := func(b []byte, s string) []byte {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		return append(append(b, ':'), s...)
	}
	if !v.IsValid() {
		return append(b, 'z')
	}
	if v.Type() == moneyType {
		m := v.Interface().(oms.Money)
		return str(str(append(b, '$'), m.StringAmount()), string(m.Currency()))
	}
	switch v.Kind() {
	case reflect.String:
		return str(append(b, 's'), v.String())
	case reflect.Bool:
		return strconv.AppendBool(append(b, '?'), v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return append(strconv.AppendInt(append(b, '#'), v.Int(), 10), ';')
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return append(strconv.AppendUint(append(b, '+'), v.Uint(), 10), ';')
	case reflect.Slice, reflect.Array:
		b = append(strconv.AppendInt(append(b, '['), int64(v.Len()), 10), ';')
		for i := range v.Len() {
			b = appendDigest(b, v.Index(i))
		}
		return b
	case reflect.Struct:
		b = append(strconv.AppendInt(append(b, '{'), int64(v.NumField()), 10), ';')
		for i := range v.NumField() {
			b = appendDigest(b, v.Field(i))
		}
		return b
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, 'n')
		}
		return appendDigest(append(b, '*'), v.Elem())
	}
	// No command's input holds another kind.
	return str(append(b, '%'), fmt.Sprint(v))
}

// checkKey reports whether the keyed command already ran (a replay), or
// an oms.ErrDuplicate error when the key ran with other content.
func checkKey(o *Order, prefix, key string, d digest) (bool, error) {
	if key == "" {
		return false, nil
	}
	k, ok := o.appliedKey(prefix + key)
	switch {
	case !ok:
		return false, nil
	case k.Digest != d.sum && (strings.HasPrefix(k.Digest, digestPrefix) || k.Digest != d.legacy):
		return false, fmt.Errorf("%w: order %s: key %q was used for a different %s", oms.ErrDuplicate, o.ID, key, prefix[:len(prefix)-1])
	}
	return true, nil
}

func recordKey(o *Order, prefix, key, digest string) {
	if key != "" {
		o.AppliedKeys = append(o.AppliedKeys, AppliedKey{Key: prefix + key, Digest: digest, Version: o.Version + 1})
	}
}

// Counter names a line counter that the Record commands move.
type Counter string

// The counters moved by RecordAllocation, RecordFulfillment,
// RecordShipment, RecordDelivery and RecordReturn.
const (
	CounterAllocated Counter = "allocated"
	CounterFulfilled Counter = "fulfilled"
	CounterShipped   Counter = "shipped"
	CounterDelivered Counter = "delivered"
	CounterReturned  Counter = "returned"
)

// Valid reports whether c is one of the counters.
func (c Counter) Valid() bool {
	switch c {
	case CounterAllocated, CounterFulfilled, CounterShipped, CounterDelivered, CounterReturned:
		return true
	}
	return false
}

// CounterInput is a counter move: quantities of lines that were
// allocated, packed, shipped, delivered or returned.
type CounterInput struct {
	// Key is the caller's key (a fulfillment order ID, a shipment ID, a
	// tracking event ID); required. A replay with the same key and content
	// changes nothing; the same key with other content matches
	// oms.ErrDuplicate.
	Key string `json:"key"`
	// Reference is free text carried in the event (a tracking number).
	Reference string `json:"reference,omitempty"`
	// Lines are the units to add to the counter, per line; each line
	// once.
	Lines []LineQuantity `json:"lines"`
}

// RecordAllocation adds allocated units (stock reserved at a location).
// The order must be confirmed or processing and not on hold; the first
// allocation moves a confirmed order to processing.
func (s *Service) RecordAllocation(ctx context.Context, id oms.ID, in CounterInput) (*Order, error) {
	return s.record(ctx, id, CounterAllocated, in)
}

// RecordFulfillment adds packed units, at most the allocated ones. The
// order must be processing and not on hold.
func (s *Service) RecordFulfillment(ctx context.Context, id oms.ID, in CounterInput) (*Order, error) {
	return s.record(ctx, id, CounterFulfilled, in)
}

// RecordShipment adds shipped units, at most the packed ones. Under
// CaptureOnShipment the value shipped is captured afterwards.
func (s *Service) RecordShipment(ctx context.Context, id oms.ID, in CounterInput) (*Order, error) {
	return s.record(ctx, id, CounterShipped, in)
}

// RecordDelivery adds delivered units, at most the shipped ones. When
// every line is delivered or cancelled the order completes.
func (s *Service) RecordDelivery(ctx context.Context, id oms.ID, in CounterInput) (*Order, error) {
	return s.record(ctx, id, CounterDelivered, in)
}

// RecordReturn adds returned units (received back by the shop), at most
// the delivered ones. It is accepted while processing and after
// completion. Refunds are the returns package's decision.
func (s *Service) RecordReturn(ctx context.Context, id oms.ID, in CounterInput) (*Order, error) {
	return s.record(ctx, id, CounterReturned, in)
}

var counterEvents = map[Counter]string{
	CounterAllocated: EventAllocated, CounterFulfilled: EventFulfilled, CounterShipped: EventShipped,
	CounterDelivered: EventDelivered, CounterReturned: EventReturned,
}

func (s *Service) record(ctx context.Context, id oms.ID, counter Counter, in CounterInput) (*Order, error) {
	c := newChecker("")
	c.key("key", in.Key, true)
	c.text("reference", in.Reference, MaxTextLength, false)
	checkQuantities(c, in.Lines)
	if err := c.err(); err != nil {
		return nil, err
	}
	prefix := string(counter) + ":"
	digest := digestOf(counter, in.Lines, in.Reference)
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		if replay, err := checkKey(o, prefix, in.Key, digest); replay || err != nil {
			return nil, err
		}
		if err := counterAllowed(o, counter); err != nil {
			return nil, err
		}
		v := validation()
		idx := resolveLines(o, v, in.Lines)
		for i, lq := range in.Lines {
			if idx[i] < 0 {
				continue
			}
			l := &o.Lines[idx[i]]
			cur, limit, above := counterOf(l, counter)
			if lq.Quantity > limit-*cur { // not *cur+lq.Quantity, which can overflow
				v.Add(fmt.Sprintf("lines[%d].quantity", i), "%s %d more of line %s would pass %s %d (now %d)", counter, lq.Quantity, l.ID, above, limit, *cur)
				continue
			}
			*cur += lq.Quantity
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		events := []pendingEvent{{counterEvents[counter], CounterPayload{Key: in.Key, Reference: in.Reference, Lines: append([]LineQuantity(nil), in.Lines...)}}}
		if counter == CounterAllocated && o.Status == StatusConfirmed {
			if err := transition(o, StatusProcessing); err != nil {
				return nil, err
			}
		}
		recordKey(o, prefix, in.Key, digest.sum)
		return events, nil
	})
}

// counterOf returns a pointer to the counter, its upper bound and the
// bound's name.
func counterOf(l *Line, c Counter) (*int64, int64, string) {
	switch c {
	case CounterAllocated:
		return &l.Allocated, l.Active(), "quantity - cancelled"
	case CounterFulfilled:
		return &l.Fulfilled, l.Allocated, "allocated"
	case CounterShipped:
		return &l.Shipped, l.Fulfilled, "fulfilled"
	case CounterDelivered:
		return &l.Delivered, l.Shipped, "shipped"
	default:
		return &l.Returned, l.Delivered, "delivered"
	}
}

// counterAllowed checks the lifecycle status and holds for a counter move.
func counterAllowed(o *Order, c Counter) error {
	switch c {
	case CounterAllocated, CounterFulfilled:
		if o.Status == StatusConfirmed && c == CounterAllocated || o.Status == StatusProcessing {
			if o.OnHold() {
				cmd := "allocation"
				if c == CounterFulfilled {
					cmd = "fulfillment"
				}
				return &HoldError{OrderID: o.ID, Command: cmd, Holds: o.OpenHolds()}
			}
			return nil
		}
	case CounterReturned:
		if o.Status == StatusProcessing || o.Status == StatusCompleted {
			return nil
		}
	default:
		if o.Status == StatusProcessing {
			return nil
		}
	}
	return transitionError(o.ID, o.Status, StatusProcessing, fmt.Sprintf("units cannot be %s while the order is %s", c, o.Status))
}

// AddNote adds a remark to the order.
func (s *Service) AddNote(ctx context.Context, id oms.ID, by, text string) (*Order, error) {
	c := newChecker("")
	c.text("by", by, MaxTextLength, false)
	c.text("text", text, MaxTextLength, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(o *Order, now time.Time) ([]pendingEvent, error) {
		o.Notes = append(o.Notes, Note{By: by, At: now, Text: text})
		return []pendingEvent{{EventNoteAdded, NotePayload{By: by, Text: text}}}, nil
	})
}
