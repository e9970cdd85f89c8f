package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omskit/oms"
)

// Receipt receives stock at a location.
type Receipt struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Quantity is the units received, 1 to oms.MaxQuantity.
	Quantity int64 `json:"quantity"`
	// InboundID, when set, receives against an expected delivery or a
	// transfer: its incoming units become on hand. SKU and Location may
	// then be left empty; when set they must match the delivery.
	InboundID oms.ID `json:"inbound_id,omitempty"`
	// Reference is the caller's text (a delivery note), at most 256 bytes of UTF-8 without NUL;
	// with an InboundID it defaults to the delivery's ID.
	Reference string `json:"reference,omitempty"`
	// Note is free text for people, at most 1024 bytes of UTF-8 without NUL.
	Note string `json:"note,omitempty"`
	// Key, when set, makes the receipt safe to repeat (see "Keyed stock
	// movements" in the package documentation).
	Key string `json:"key,omitempty"`
}

// Adjustment corrects stock for a reason other than a count.
type Adjustment struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Reason is ReasonDamage, ReasonRestore, ReasonWriteOff, ReasonLoss or
	// ReasonFound.
	Reason Reason `json:"reason"`
	// Quantity is positive; the reason gives the direction.
	Quantity int64 `json:"quantity"`
	// Reference (at most 256 bytes) and Note (at most 1024) go to the ledger
	// entry; both are UTF-8 without NUL.
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
	// Key, when set, makes the adjustment safe to repeat (see "Keyed
	// stock movements" in the package documentation).
	Key string `json:"key,omitempty"`
}

// Count is a cycle count: the sellable units found at a location.
type Count struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Counted is the sellable units found, 0 to oms.MaxQuantity: on hand
	// becomes it.
	Counted int64 `json:"counted"`
	// Reference (at most 256 bytes, a count sheet) and Note (at most 1024) go
	// to the ledger entry; both are UTF-8 without NUL.
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
	// Key, when set, makes the count safe to repeat (see "Keyed stock
	// movements" in the package documentation): a repeat returns the
	// first count's entry rather than counting again.
	Key string `json:"key,omitempty"`
}

// Expectation announces stock on its way to a location (a purchase order
// line): it counts as incoming and, with its date, towards available to
// promise.
type Expectation struct {
	// ID is the caller's key; expecting again under it returns the
	// existing delivery.
	ID       oms.ID  `json:"id"`
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Quantity is the units expected, 1 to oms.MaxQuantity.
	Quantity int64 `json:"quantity"`
	// ExpectedAt is when they are due (up to year 9999); zero when unknown.
	ExpectedAt time.Time `json:"expected_at,omitzero"`
	// Reference is the caller's text (a purchase order number), at most 256
	// bytes of UTF-8 without NUL.
	Reference string `json:"reference,omitempty"`
}

// TransferRequest moves stock between locations.
type TransferRequest struct {
	// ID is the caller's key; it becomes the ID of the transfer's inbound
	// delivery at the destination.
	ID  oms.ID  `json:"id"`
	SKU oms.SKU `json:"sku"`
	// From is the source location; To the destination (another location).
	From oms.ID `json:"from"`
	To   oms.ID `json:"to"`
	// Quantity is the units moved, 1 to oms.MaxQuantity; the source must have
	// them available.
	Quantity int64 `json:"quantity"`
	// ExpectedAt is when they are due at the destination (up to year
	// 9999); zero when unknown.
	ExpectedAt time.Time `json:"expected_at,omitzero"`
	// Reference is the caller's text, at most 256 bytes of UTF-8 without NUL.
	Reference string `json:"reference,omitempty"`
}

// ReturnRestock puts units returned by a customer back into stock.
type ReturnRestock struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Quantity is the units returned, 1 to oms.MaxQuantity.
	Quantity int64 `json:"quantity"`
	// Quarantine puts the units into damaged stock instead of on hand.
	Quarantine bool `json:"quarantine,omitempty"`
	// Reference (at most 256 bytes, a return ID) and Note (at most 1024) go to
	// the ledger entry; both are UTF-8 without NUL.
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
	// Key, when set, makes the restock safe to repeat (see "Keyed
	// stock movements" in the package documentation).
	Key string `json:"key,omitempty"`
}

type movementCheck struct{ p problems }

func (m *movementCheck) pair(sku oms.SKU, loc oms.ID, locField string) {
	if err := validateSKU(sku); err != nil {
		m.p.add("sku", "%s", err)
	}
	if err := validateKey(string(loc)); err != nil {
		m.p.add(locField, "%s", err)
	}
}

func (m *movementCheck) quantity(field string, q int64) {
	if q <= 0 || q > oms.MaxQuantity {
		m.p.add(field, "%s", quantityProblem(q, 1))
	}
}

// date refuses a time that JSON cannot carry (after year 9999, or an
// offset of a day or more or with seconds); the zero time means unknown.
func (m *movementCheck) date(field string, t time.Time) {
	if !t.IsZero() && !jsonTime(t) {
		m.p.add(field, "%s is after year 9999 or has an offset of a day or more or with seconds", t.Format(time.RFC3339))
	}
}

func (m *movementCheck) text(ref, note string) {
	if len(ref) > maxReference {
		m.p.add("reference", "longer than %d bytes", maxReference)
	} else if msg := textProblem(ref); msg != "" {
		m.p.add("reference", "%s", msg)
	}
	if len(note) > 1024 {
		m.p.add("note", "longer than 1024 bytes")
	} else if msg := textProblem(note); msg != "" {
		m.p.add("note", "%s", msg)
	}
}

// textProblem describes why free text cannot be stored and sent as is:
// bytes that are not UTF-8 (an event's JSON would carry U+FFFD instead)
// or a NUL (which a PostgreSQL text column refuses). It returns "" when s
// is fine.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain a NUL byte"
	}
	return ""
}

// movementReasons are the reasons of the entries a keyed movement makes
// (a commit's entries, reason ship, share the Key field but not its keys'
// namespace).
var movementReasons = map[Reason]bool{
	ReasonReceipt: true, ReasonTransferIn: true, ReasonDamage: true, ReasonRestore: true,
	ReasonWriteOff: true, ReasonLoss: true, ReasonFound: true, ReasonCount: true,
	ReasonReturnRestock: true, ReasonReturnQuarantine: true,
}

// keyedMovement makes the movement apply under key at most once: when the
// ledger holds the key's entry (before, or because a concurrent caller's
// change won the store's key check or a race the refused attempt then
// retried), it returns that entry if same says it is this movement, else
// an error matching oms.ErrDuplicate, and moves nothing. Without a key it
// calls apply.
func (s *Service) keyedMovement(ctx context.Context, op, key string, same func(LedgerEntry) bool, apply func() (LedgerEntry, error)) (LedgerEntry, error) {
	if key == "" {
		return apply()
	}
	made := func() (LedgerEntry, bool, error) {
		es, err := s.store.Ledger(ctx, LedgerFilter{Key: key})
		if err != nil {
			return LedgerEntry{}, false, err
		}
		for _, e := range es {
			if !movementReasons[e.Reason] {
				continue
			}
			if !same(e) {
				return LedgerEntry{}, true, fmt.Errorf("%w: inventory: %s: key %q was used for another movement (ledger entry %d: %s of %s at %s)",
					oms.ErrDuplicate, op, key, e.Seq, e.Reason, e.SKU, e.Location)
			}
			return e, true, nil
		}
		return LedgerEntry{}, false, nil
	}
	if e, ok, err := made(); ok || err != nil {
		return e, err
	}
	e, err := apply()
	if err != nil && ctx.Err() == nil {
		// Refused: a concurrent caller may have made the movement under
		// the key meanwhile, and the refusal may come from that (the
		// store's key check, or a retry that found a delivery the other
		// caller closed). The key's entry, when there is one, is the
		// answer.
		if e2, ok, err2 := made(); ok {
			return e2, err2
		}
	}
	return e, err
}

// sameEntry reports whether e records the movement want describes: the
// same SKU, location, reason, quantities, reference and note.
func sameEntry(e, want LedgerEntry) bool {
	return e.SKU == want.SKU && e.Location == want.Location && e.Reason == want.Reason &&
		e.OnHand == want.OnHand && e.Incoming == want.Incoming && e.Damaged == want.Damaged &&
		e.Reference == want.Reference && e.Note == want.Note
}

// key adds the problem of a movement's key, if any.
func (m *movementCheck) key(k string) {
	if k == "" {
		return
	}
	if err := validateKey(k); err != nil {
		m.p.add("key", "%s", err)
	}
}

// applyOne saves the single entry e, stamped now, under key.
func (s *Service) applyOne(ctx context.Context, op, key string, e LedgerEntry) (LedgerEntry, error) {
	e.At = s.clock.Now()
	out, err := s.applyMovement(ctx, op, key, []LedgerEntry{e}, nil, nil)
	if err != nil {
		return LedgerEntry{}, err
	}
	return out[0], nil
}

// applyMovement saves entries (and an inbound) with a stock_moved event,
// under the movement key when one is given.
func (s *Service) applyMovement(ctx context.Context, op, key string, entries []LedgerEntry, in *Inbound, deltas []Delta) ([]LedgerEntry, error) {
	for i := range entries {
		entries[i].Key = key
	}
	now := entries[0].At
	ev, err := oms.NewEvent(EventStockMoved, aggregateSKU, oms.ID(entries[0].SKU), 0, now, StockMovedPayload{Entries: entries})
	if err != nil {
		return nil, err
	}
	c := &Change{Op: op, Entries: entries, Inbound: in, Deltas: deltas, Events: []oms.Event{ev}, MovementKey: key}
	if err := s.store.Apply(ctx, c); err != nil {
		return nil, err
	}
	return c.Entries, nil
}

// Receive receives stock. With an InboundID it receives against that
// delivery (at most its outstanding units); otherwise it is a direct
// receipt. It returns the ledger entry.
func (s *Service) Receive(ctx context.Context, rc Receipt) (LedgerEntry, error) {
	m := movementCheck{p: problems{entity: "receipt"}}
	if rc.InboundID == "" {
		m.pair(rc.SKU, rc.Location, "location")
	} else {
		// Against a delivery, SKU and Location are each optional.
		if err := validateKey(string(rc.InboundID)); err != nil {
			m.p.add("inbound_id", "%s", err)
		}
		if rc.SKU != "" {
			if err := validateSKU(rc.SKU); err != nil {
				m.p.add("sku", "%s", err)
			}
		}
		if rc.Location != "" {
			if err := validateKey(string(rc.Location)); err != nil {
				m.p.add("location", "%s", err)
			}
		}
	}
	m.quantity("quantity", rc.Quantity)
	m.text(rc.Reference, rc.Note)
	m.key(rc.Key)
	if err := m.p.err(); err != nil {
		return LedgerEntry{}, err
	}
	if rc.InboundID == "" {
		want := LedgerEntry{SKU: rc.SKU, Location: rc.Location, Reason: ReasonReceipt, OnHand: rc.Quantity, Reference: rc.Reference, Note: rc.Note}
		return s.keyedMovement(ctx, "receive", rc.Key, func(e LedgerEntry) bool { return sameEntry(e, want) }, func() (LedgerEntry, error) {
			return s.applyOne(ctx, "receive", rc.Key, want)
		})
	}
	same := func(e LedgerEntry) bool {
		ref := rc.Reference
		if ref == "" {
			ref = string(rc.InboundID)
		}
		// An entry without an InboundID was written before entries
		// carried it.
		return (e.Reason == ReasonReceipt || e.Reason == ReasonTransferIn) && e.OnHand == rc.Quantity && e.Incoming == -rc.Quantity &&
			(e.InboundID == rc.InboundID || e.InboundID == "") &&
			(rc.SKU == "" || e.SKU == rc.SKU) && (rc.Location == "" || e.Location == rc.Location) && e.Reference == ref && e.Note == rc.Note
	}
	return s.keyedMovement(ctx, "receive", rc.Key, same, func() (LedgerEntry, error) { return s.receiveInbound(ctx, rc) })
}

// receiveInbound receives against a delivery, retrying a lost race.
func (s *Service) receiveInbound(ctx context.Context, rc Receipt) (LedgerEntry, error) {
	var err error
	for attempt := 0; attempt <= s.retries; attempt++ {
		var in Inbound
		if in, err = s.store.Inbound(ctx, rc.InboundID); err != nil {
			return LedgerEntry{}, err
		}
		p := problems{entity: "receipt"}
		if rc.SKU != "" && rc.SKU != in.SKU {
			p.add("sku", "inbound %s is for sku %q, not %q", in.ID, in.SKU, rc.SKU)
		}
		if rc.Location != "" && rc.Location != in.Location {
			p.add("location", "inbound %s goes to location %q, not %q", in.ID, in.Location, rc.Location)
		}
		if out := in.Outstanding(); rc.Quantity > out {
			p.add("quantity", "inbound %s expects %d more units, not %d", in.ID, out, rc.Quantity)
		}
		if err := p.err(); err != nil {
			return LedgerEntry{}, err
		}
		now := s.clock.Now()
		reason := ReasonReceipt
		if in.Kind == InboundTransfer {
			reason = ReasonTransferIn
		}
		ref := rc.Reference
		if ref == "" {
			ref = string(in.ID)
		}
		next := advanceInbound(in, rc.Quantity, 0, now)
		var out []LedgerEntry
		out, err = s.applyMovement(ctx, "receive", rc.Key, []LedgerEntry{{
			SKU: in.SKU, Location: in.Location, Reason: reason, OnHand: rc.Quantity, Incoming: -rc.Quantity,
			Reference: ref, Note: rc.Note, InboundID: in.ID, At: now,
		}}, &next, nil)
		if err == nil {
			return out[0], nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return LedgerEntry{}, err
		}
	}
	return LedgerEntry{}, fmt.Errorf("inventory: receive %s: gave up after %d attempts: %w", rc.InboundID, s.retries+1, err)
}

func advanceInbound(in Inbound, received, cancelled int64, now time.Time) Inbound {
	in.Received += received
	in.Cancelled += cancelled
	if in.Outstanding() == 0 {
		in.Status = InboundClosed
	}
	in.Version++
	in.UpdatedAt = now
	return in
}

// Expect announces a delivery: its units become incoming at the location.
// Expecting again under the same ID returns the existing delivery; a
// different payload under it is an error matching oms.ErrDuplicate.
func (s *Service) Expect(ctx context.Context, e Expectation) (Inbound, error) {
	m := movementCheck{p: problems{entity: "expectation"}}
	if err := validateKey(string(e.ID)); err != nil {
		m.p.add("id", "%s", err)
	}
	m.pair(e.SKU, e.Location, "location")
	m.quantity("quantity", e.Quantity)
	m.date("expected_at", e.ExpectedAt)
	m.text(e.Reference, "")
	if err := m.p.err(); err != nil {
		return Inbound{}, err
	}
	now := s.clock.Now()
	in := Inbound{ID: e.ID, Kind: InboundPurchase, SKU: e.SKU, Location: e.Location, Quantity: e.Quantity,
		ExpectedAt: e.ExpectedAt, Reference: e.Reference, Status: InboundOpen, Version: 1, CreatedAt: now, UpdatedAt: now}
	return s.createInbound(ctx, "expect", in, []LedgerEntry{{
		SKU: e.SKU, Location: e.Location, Reason: ReasonExpected, Incoming: e.Quantity,
		Reference: string(e.ID), At: now,
	}})
}

// Transfer ships units from one location to another: they leave the
// source's on hand (which must have them available) and are incoming at
// the destination until received with Receive{InboundID: ID}. Replaying
// the same request returns the existing transfer.
func (s *Service) Transfer(ctx context.Context, t TransferRequest) (Inbound, error) {
	m := movementCheck{p: problems{entity: "transfer"}}
	if err := validateKey(string(t.ID)); err != nil {
		m.p.add("id", "%s", err)
	}
	m.pair(t.SKU, t.From, "from")
	if err := validateKey(string(t.To)); err != nil {
		m.p.add("to", "%s", err)
	}
	if t.From == t.To && t.From != "" {
		m.p.add("to", "must differ from the source location %q", t.From)
	}
	m.quantity("quantity", t.Quantity)
	m.date("expected_at", t.ExpectedAt)
	m.text(t.Reference, "")
	if err := m.p.err(); err != nil {
		return Inbound{}, err
	}
	now := s.clock.Now()
	in := Inbound{ID: t.ID, Kind: InboundTransfer, SKU: t.SKU, From: t.From, Location: t.To, Quantity: t.Quantity,
		ExpectedAt: t.ExpectedAt, Reference: t.Reference, Status: InboundOpen, Version: 1, CreatedAt: now, UpdatedAt: now}
	return s.createInbound(ctx, "transfer", in, []LedgerEntry{
		{SKU: t.SKU, Location: t.From, Reason: ReasonTransferOut, OnHand: -t.Quantity, Reference: string(t.ID), At: now},
		{SKU: t.SKU, Location: t.To, Reason: ReasonInTransit, Incoming: t.Quantity, Reference: string(t.ID), At: now},
	})
}

func sameInbound(a, b Inbound) bool {
	return a.Kind == b.Kind && a.SKU == b.SKU && a.From == b.From && a.Location == b.Location &&
		a.Quantity == b.Quantity && a.ExpectedAt.Equal(b.ExpectedAt) && a.Reference == b.Reference
}

func (s *Service) createInbound(ctx context.Context, op string, in Inbound, entries []LedgerEntry) (Inbound, error) {
	replay := func() (Inbound, error) {
		old, err := s.store.Inbound(ctx, in.ID)
		if err != nil {
			return Inbound{}, err
		}
		if !sameInbound(old, in) {
			return Inbound{}, fmt.Errorf("%w: inbound %s exists with different content", oms.ErrDuplicate, in.ID)
		}
		return old, nil
	}
	if _, err := s.store.Inbound(ctx, in.ID); err == nil {
		return replay()
	} else if !errors.Is(err, oms.ErrNotFound) {
		return Inbound{}, err
	}
	if _, err := s.applyMovement(ctx, op, "", entries, &in, nil); err != nil {
		if errors.Is(err, oms.ErrDuplicate) {
			return replay()
		}
		return Inbound{}, err
	}
	return in, nil
}

// CancelInbound stops expecting a delivery's outstanding units: a purchase
// is cancelled, a transfer's units are written off as lost in transit.
// The delivery's ID is the command's key: cancelling a delivery that was
// cancelled before (a retry after a lost answer, a flow re-run after a
// crash) returns it as it is and moves nothing. Cancelling a delivery
// that closed by receiving every unit is an error matching
// oms.ErrInvalidTransition.
func (s *Service) CancelInbound(ctx context.Context, id oms.ID) (Inbound, error) {
	if err := validateKey(string(id)); err != nil {
		return Inbound{}, oms.Validationf("inbound cancel", "id", "%s", err)
	}
	var err error
	for attempt := 0; attempt <= s.retries; attempt++ {
		var in Inbound
		if in, err = s.store.Inbound(ctx, id); err != nil {
			return Inbound{}, err
		}
		if in.Status != InboundOpen {
			if in.Cancelled > 0 {
				return in, nil // cancelled before: a replay
			}
			return Inbound{}, &oms.TransitionError{Entity: "inbound", ID: id, From: string(in.Status), To: string(InboundClosed), Reason: "nothing is outstanding"}
		}
		now := s.clock.Now()
		out := in.Outstanding()
		reason := ReasonInboundCancelled
		if in.Kind == InboundTransfer {
			reason = ReasonTransferLost
		}
		next := advanceInbound(in, 0, out, now)
		_, err = s.applyMovement(ctx, "cancel inbound", "", []LedgerEntry{{
			SKU: in.SKU, Location: in.Location, Reason: reason, Incoming: -out, Reference: string(id), At: now,
		}}, &next, nil)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return Inbound{}, err
		}
	}
	return Inbound{}, fmt.Errorf("inventory: cancel inbound %s: gave up after %d attempts: %w", id, s.retries+1, err)
}

// Adjust records damage, restoration, write-off, loss or found stock.
// Units that leave sellable stock must be available (not reserved, under
// the SKU's backorder policy), else a *ShortageError: release the
// reservation first. It returns the ledger entry.
func (s *Service) Adjust(ctx context.Context, a Adjustment) (LedgerEntry, error) {
	m := movementCheck{p: problems{entity: "adjustment"}}
	m.pair(a.SKU, a.Location, "location")
	m.quantity("quantity", a.Quantity)
	m.text(a.Reference, a.Note)
	m.key(a.Key)
	e := LedgerEntry{SKU: a.SKU, Location: a.Location, Reason: a.Reason, Reference: a.Reference, Note: a.Note}
	switch q := a.Quantity; a.Reason {
	case ReasonDamage:
		e.OnHand, e.Damaged = -q, q
	case ReasonRestore:
		e.OnHand, e.Damaged = q, -q
	case ReasonWriteOff:
		e.Damaged = -q
	case ReasonLoss:
		e.OnHand = -q
	case ReasonFound:
		e.OnHand = q
	default:
		m.p.add("reason", "must be damage, restore, write_off, loss or found, got %q", a.Reason)
	}
	if err := m.p.err(); err != nil {
		return LedgerEntry{}, err
	}
	return s.keyedMovement(ctx, "adjust", a.Key, func(x LedgerEntry) bool { return sameEntry(x, e) }, func() (LedgerEntry, error) {
		return s.applyOne(ctx, "adjust", a.Key, e)
	})
}

// Count sets on hand to a cycle count. The entry records the counted
// quantity and the difference. A count below the reserved units of a level
// whose SKU denies backorders is refused with a *ShortageError (release
// or reallocate those reservations first); a count equal to the books
// still records an entry, as proof the count happened. A count that
// differs from the books by more than oms.MaxQuantity (a level may hold
// up to 2^62 units) is refused with a *oms.ValidationError on counted:
// one movement moves at most oms.MaxQuantity units.
func (s *Service) Count(ctx context.Context, c Count) (LedgerEntry, error) {
	m := movementCheck{p: problems{entity: "count"}}
	m.pair(c.SKU, c.Location, "location")
	if c.Counted < 0 || c.Counted > oms.MaxQuantity {
		m.p.add("counted", "%s", quantityProblem(c.Counted, 0))
	}
	m.text(c.Reference, c.Note)
	m.key(c.Key)
	if err := m.p.err(); err != nil {
		return LedgerEntry{}, err
	}
	same := func(e LedgerEntry) bool {
		return e.SKU == c.SKU && e.Location == c.Location && e.Reason == ReasonCount && e.Counted == c.Counted &&
			e.Reference == c.Reference && e.Note == c.Note
	}
	return s.keyedMovement(ctx, "count", c.Key, same, func() (LedgerEntry, error) { return s.count(ctx, c) })
}

// count sets on hand to c.Counted, retrying a lost race.
func (s *Service) count(ctx context.Context, c Count) (LedgerEntry, error) {
	var err error
	for attempt := 0; attempt <= s.retries; attempt++ {
		var lv Level
		if lv, err = s.store.Level(ctx, c.SKU, c.Location); err != nil {
			return LedgerEntry{}, err
		}
		// Both are within 2^62: the difference cannot wrap.
		if d := c.Counted - lv.OnHand; d > oms.MaxQuantity || d < -oms.MaxQuantity {
			return LedgerEntry{}, oms.Validationf("count", "counted", "%d units at %s differ from the %d on hand by more than 2^50, the most one movement may move",
				c.Counted, c.Location, lv.OnHand)
		}
		var out []LedgerEntry
		out, err = s.applyMovement(ctx, "count", c.Key, []LedgerEntry{{
			SKU: c.SKU, Location: c.Location, Reason: ReasonCount, OnHand: c.Counted - lv.OnHand, Counted: c.Counted,
			Reference: c.Reference, Note: c.Note, At: s.clock.Now(),
		}}, nil, []Delta{{SKU: c.SKU, Location: c.Location, CheckSeq: true, Seq: lv.Seq}})
		if err == nil {
			return out[0], nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return LedgerEntry{}, err
		}
	}
	return LedgerEntry{}, fmt.Errorf("inventory: count %s at %s: gave up after %d attempts: %w", c.SKU, c.Location, s.retries+1, err)
}

// Restock puts returned units back into stock (or into quarantine).
func (s *Service) Restock(ctx context.Context, r ReturnRestock) (LedgerEntry, error) {
	m := movementCheck{p: problems{entity: "return restock"}}
	m.pair(r.SKU, r.Location, "location")
	m.quantity("quantity", r.Quantity)
	m.text(r.Reference, r.Note)
	m.key(r.Key)
	if err := m.p.err(); err != nil {
		return LedgerEntry{}, err
	}
	e := LedgerEntry{SKU: r.SKU, Location: r.Location, Reason: ReasonReturnRestock, OnHand: r.Quantity,
		Reference: r.Reference, Note: r.Note}
	if r.Quarantine {
		e.Reason, e.OnHand, e.Damaged = ReasonReturnQuarantine, 0, r.Quantity
	}
	return s.keyedMovement(ctx, "restock", r.Key, func(x LedgerEntry) bool { return sameEntry(x, e) }, func() (LedgerEntry, error) {
		return s.applyOne(ctx, "restock", r.Key, e)
	})
}

// Ledger returns the ledger entries that match f. A SKU, location or key
// that no entry could carry, or a negative limit, is a
// *oms.ValidationError listing every problem.
func (s *Service) Ledger(ctx context.Context, f LedgerFilter) ([]LedgerEntry, error) {
	p := problems{entity: "ledger filter"}
	if f.SKU != "" {
		if err := validateSKU(f.SKU); err != nil {
			p.add("sku", "%s", err)
		}
	}
	if f.Location != "" {
		if err := validateKey(string(f.Location)); err != nil {
			p.add("location", "%s", err)
		}
	}
	if f.Key != "" {
		if err := validateKey(f.Key); err != nil {
			p.add("key", "%s", err)
		}
	}
	if f.Limit < 0 {
		p.add("limit", "must not be negative, got %d", f.Limit)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return s.store.Ledger(ctx, f)
}

// Reconcile proves that every level equals the sum of its ledger entries
// (and its reserved and incoming units the open reservations and
// deliveries), on one consistent snapshot of the store.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	snap, err := s.store.Snapshot(ctx)
	if err != nil {
		return ReconcileReport{}, err
	}
	return Reconcile(snap), nil
}
