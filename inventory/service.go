package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/omskit/oms"
)

// ServiceOptions configures NewService. The zero value (or nil) means defaults.
type ServiceOptions struct {
	// Clock is where the service reads time. Nil means the system clock.
	Clock oms.Clock
	// SyncInterval is how often RunSync publishes channel availability:
	// one update per SKU per channel per interval. Zero means one minute.
	SyncInterval time.Duration
	// MaxRetries bounds how often a command reloads and retries after
	// losing an optimistic-concurrency race (oms.ErrConflict): it makes at
	// most 1+MaxRetries attempts. Zero means 16.
	MaxRetries int
	// SweepBatch is how many expired holds SweepExpired loads at a time.
	// Zero means 256.
	SweepBatch int
	// Logger receives RunSync's errors. Nil means no logging.
	Logger *slog.Logger
}

// Service is what a shop calls: locations and items, reservations, stock
// movements, availability, channel sync and reconciliation, over a Store.
// It is safe for concurrent use; the atomic conditional writes of the Store
// keep concurrent callers (in one process or many) from overselling.
type Service struct {
	store        Store
	clock        oms.Clock
	syncInterval time.Duration
	retries      int
	sweepBatch   int
	log          *slog.Logger
	syncMu       sync.Mutex
}

// NewService returns a Service over store; opts may be nil.
func NewService(store Store, opts *ServiceOptions) *Service {
	var o ServiceOptions
	if opts != nil {
		o = *opts
	}
	s := &Service{store: store, clock: o.Clock, syncInterval: o.SyncInterval, retries: o.MaxRetries, sweepBatch: o.SweepBatch, log: o.Logger}
	if s.clock == nil {
		s.clock = oms.SystemClock()
	}
	if s.syncInterval <= 0 {
		s.syncInterval = time.Minute
	}
	if s.retries <= 0 {
		s.retries = 16
	}
	if s.sweepBatch <= 0 {
		s.sweepBatch = 256
	}
	return s
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// PutLocation creates or replaces a location after validating it.
func (s *Service) PutLocation(ctx context.Context, l Location) error {
	if err := l.Validate(); err != nil {
		return err
	}
	return s.store.PutLocation(ctx, l)
}

// PutItem creates or replaces a SKU's settings after validating them.
// Changing the backorder policy does not touch existing reservations.
func (s *Service) PutItem(ctx context.Context, it Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	return s.store.PutItem(ctx, it)
}

// Location returns a location. An ID no location could have is a
// *oms.ValidationError.
func (s *Service) Location(ctx context.Context, id oms.ID) (Location, error) {
	if err := validateKey(string(id)); err != nil {
		return Location{}, oms.Validationf("location", "id", "%s", err)
	}
	return s.store.Location(ctx, id)
}

// Locations returns every location in priority order.
func (s *Service) Locations(ctx context.Context) ([]Location, error) {
	return s.store.Locations(ctx)
}

// Item returns a SKU's settings. A malformed SKU is a
// *oms.ValidationError.
func (s *Service) Item(ctx context.Context, sku oms.SKU) (Item, error) {
	if err := validateSKU(sku); err != nil {
		return Item{}, oms.Validationf("item", "sku", "%s", err)
	}
	return s.store.Item(ctx, sku)
}

// Reservations returns the reservations that match f. A reference no
// reservation could have (longer than 256 bytes, not UTF-8, with a NUL)
// is a *oms.ValidationError.
func (s *Service) Reservations(ctx context.Context, f ReservationFilter) ([]Reservation, error) {
	if len(f.Reference) > maxReference {
		return nil, oms.Validationf("reservation filter", "reference", "longer than %d bytes", maxReference)
	} else if msg := textProblem(f.Reference); msg != "" {
		return nil, oms.Validationf("reservation filter", "reference", "%s", msg)
	}
	return s.store.Reservations(ctx, f)
}

// Inbound returns an expected delivery or transfer. An ID no delivery
// could have is a *oms.ValidationError.
func (s *Service) Inbound(ctx context.Context, id oms.ID) (Inbound, error) {
	if err := validateKey(string(id)); err != nil {
		return Inbound{}, oms.Validationf("inbound", "id", "%s", err)
	}
	return s.store.Inbound(ctx, id)
}

// Inbounds returns the inbound deliveries (purchase deliveries and
// transfers in transit) that match f, ordered by expected date then ID.
func (s *Service) Inbounds(ctx context.Context, f InboundFilter) ([]Inbound, error) {
	p := problems{entity: "inbound filter"}
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
	if err := p.err(); err != nil {
		return nil, err
	}
	return s.store.Inbounds(ctx, f)
}

// Level returns the stock of sku at loc. A malformed SKU or location ID
// is a *oms.ValidationError listing both; a well-formed one that names
// nothing matches oms.ErrNotFound.
func (s *Service) Level(ctx context.Context, sku oms.SKU, loc oms.ID) (Level, error) {
	p := problems{entity: "level"}
	if err := validateSKU(sku); err != nil {
		p.add("sku", "%s", err)
	}
	if err := validateKey(string(loc)); err != nil {
		p.add("location", "%s", err)
	}
	if err := p.err(); err != nil {
		return Level{}, err
	}
	return s.store.Level(ctx, sku, loc)
}

// Levels returns every stock level of sku, one per location that has held
// it, as the store keeps them (a location with no row has nothing).
func (s *Service) Levels(ctx context.Context, sku oms.SKU) ([]Level, error) {
	if err := oms.ValidateSKU(sku); err != nil {
		return nil, oms.Validationf("level", "sku", "%v", err)
	}
	return s.store.Levels(ctx, sku)
}

// Reservation returns a reservation. An ID no reservation could have is
// a *oms.ValidationError.
func (s *Service) Reservation(ctx context.Context, id oms.ID) (Reservation, error) {
	if err := validateKey(string(id)); err != nil {
		return Reservation{}, oms.Validationf("reservation", "id", "%s", err)
	}
	return s.store.Reservation(ctx, id)
}

// ReserveRequest asks to hold stock.
type ReserveRequest struct {
	// ID is the caller's idempotency key; it becomes the reservation ID.
	ID oms.ID `json:"id"`
	// Reference names what the stock is held for (a cart or an order): at
	// most 256 bytes of UTF-8 without NUL.
	Reference string `json:"reference,omitempty"`
	// Lines name a SKU, a location, a quantity and optionally a ref each;
	// a (SKU, location, ref) triple may appear once. Lines of the same SKU
	// and location with different refs draw on the same level together.
	Lines []Line `json:"lines"`
	// ExpiresAt makes the reservation a hold that expires then.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// HoldFor makes the reservation a hold that expires this long after
	// now. Set ExpiresAt or HoldFor, not both.
	HoldFor time.Duration `json:"hold_for,omitempty"`
}

const (
	maxLines     = 1000
	maxReference = 256
)

// Reserve holds stock for every line or for none, in one atomic store
// operation that also saves an EventReserved. Replaying a request with
// the same ID, reference and lines (in any order) returns the existing
// reservation (in whatever status it has reached), even once the
// request's ExpiresAt has passed; the same ID with a different reference
// or lines is an error matching oms.ErrDuplicate. A
// shortage is a *ShortageError listing each short line (it matches
// oms.ErrInsufficientStock); an unknown SKU or location matches
// oms.ErrNotFound; bad input is a *oms.ValidationError.
func (s *Service) Reserve(ctx context.Context, req ReserveRequest) (Reservation, error) {
	now := s.clock.Now()
	if err := validateReserve(&req, now); err != nil {
		if old, ok := s.lateReplay(ctx, &req, now); ok {
			return old, nil
		}
		return Reservation{}, err
	}
	lines := reservationLines(req.Lines)
	exp := req.ExpiresAt
	if req.HoldFor > 0 {
		exp = now.Add(req.HoldFor)
	}
	ev, err := reservedEvent(req.ID, req.Reference, req.Lines, exp, now)
	if err != nil {
		return Reservation{}, err
	}
	r, _, err := s.store.Reserve(ctx, Reservation{
		ID: req.ID, Reference: req.Reference, Lines: lines, ExpiresAt: exp,
		CreatedAt: now, UpdatedAt: now,
	}, ev)
	if errors.Is(err, oms.ErrDuplicate) {
		// A store that compares the lines in order refuses a replay
		// listing them in another: the same lines are the same request.
		if old, lerr := s.store.Reservation(ctx, req.ID); lerr == nil && sameRequest(old, req.Reference, lines) {
			return old, nil
		}
	}
	return r, err
}

func reservationLines(ls []Line) []ReservationLine {
	lines := make([]ReservationLine, len(ls))
	for i, l := range ls {
		lines[i] = ReservationLine{SKU: l.SKU, Location: l.Location, Ref: l.Ref, Quantity: l.Quantity}
	}
	return lines
}

// lateReplay answers a request refused only because its ExpiresAt is no
// longer after now: when it was valid before its expiry and the
// reservation exists with the same reference and lines, it is a replay
// (a retry after a lost answer, made after the hold's expiry) and the
// existing reservation is the answer.
func (s *Service) lateReplay(ctx context.Context, req *ReserveRequest, now time.Time) (Reservation, bool) {
	if req.ExpiresAt.IsZero() || req.ExpiresAt.After(now) || validateReserve(req, req.ExpiresAt.Add(-time.Nanosecond)) != nil {
		return Reservation{}, false
	}
	old, err := s.store.Reservation(ctx, req.ID)
	if err != nil || !sameRequest(old, req.Reference, reservationLines(req.Lines)) {
		return Reservation{}, false
	}
	return old, true
}

// validateReserve checks a request without allocating when it is good.
func validateReserve(req *ReserveRequest, now time.Time) error {
	ok := validKey(string(req.ID)) && len(req.Reference) <= maxReference && textProblem(req.Reference) == "" &&
		len(req.Lines) > 0 && len(req.Lines) <= maxLines && req.HoldFor >= 0 &&
		(req.ExpiresAt.IsZero() || (req.HoldFor == 0 && req.ExpiresAt.After(now) && jsonTime(req.ExpiresAt))) &&
		(req.HoldFor == 0 || jsonTime(now.Add(req.HoldFor)))
	for i := 0; ok && i < len(req.Lines); i++ {
		l := &req.Lines[i]
		ok = oms.ValidateSKU(l.SKU) == nil && validKey(string(l.Location)) &&
			l.Quantity > 0 && l.Quantity <= oms.MaxQuantity && (l.Ref == "" || validKey(l.Ref))
		for j := 0; ok && j < i; j++ {
			ok = !sameLine(req.Lines[j], *l)
		}
	}
	if ok {
		return nil
	}
	p := problems{entity: "reservation"}
	if err := validateKey(string(req.ID)); err != nil {
		p.add("id", "%s", err)
	}
	if len(req.Reference) > maxReference {
		p.add("reference", "longer than %d bytes", maxReference)
	} else if msg := textProblem(req.Reference); msg != "" {
		p.add("reference", "%s", msg)
	}
	switch {
	case len(req.Lines) == 0:
		p.add("lines", "must not be empty")
	case len(req.Lines) > maxLines:
		p.add("lines", "more than %d lines", maxLines)
	}
	if req.HoldFor < 0 {
		p.add("hold_for", "must not be negative, got %s", req.HoldFor)
	} else if req.HoldFor > 0 && !jsonTime(now.Add(req.HoldFor)) {
		p.add("hold_for", "%s from now ends after year 9999", req.HoldFor)
	}
	if !req.ExpiresAt.IsZero() {
		if req.HoldFor != 0 {
			p.add("expires_at", "set expires_at or hold_for, not both")
		} else if !req.ExpiresAt.After(now) {
			p.add("expires_at", "must be after now (%s), got %s", now.Format(time.RFC3339), req.ExpiresAt.Format(time.RFC3339))
		} else if !jsonTime(req.ExpiresAt) {
			p.add("expires_at", "%s is after year 9999 or has an offset of a day or more or with seconds", req.ExpiresAt.Format(time.RFC3339))
		}
	}
	if len(req.Lines) > maxLines {
		return p.err() // the lines are not looked at one by one
	}
	for i, l := range req.Lines {
		f := fieldIndex("lines", i)
		if err := validateSKU(l.SKU); err != nil {
			p.add(f+".sku", "%s", err)
		}
		if err := validateKey(string(l.Location)); err != nil {
			p.add(f+".location", "%s", err)
		}
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			p.add(f+".quantity", "%s", quantityProblem(l.Quantity, 1))
		}
		if l.Ref != "" {
			if err := validateKey(l.Ref); err != nil {
				p.add(f+".ref", "%s", err)
			}
		}
		for j := 0; j < i; j++ {
			if sameLine(req.Lines[j], l) {
				p.add(f, "duplicates line %d (sku %q at location %q with ref %q)", j, l.SKU, l.Location, l.Ref)
				break
			}
		}
	}
	return p.err()
}

// CommitRequest asks to ship units of a reservation.
type CommitRequest struct {
	// Key is the caller's idempotency key for this commit, such as the
	// parcel or shipment ID: 1 to 128 bytes of printable ASCII without
	// spaces, unique within the reservation.
	Key string `json:"key"`
	// Reservation is the reservation's ID.
	Reservation oms.ID `json:"reservation"`
	// Lines name reservation lines (SKU, location and ref) and how many of
	// their outstanding units to commit. Nil commits every outstanding
	// unit; an empty slice is refused, and stays empty through JSON (only
	// nil is left out).
	Lines []Line `json:"lines,omitzero"`
}

// ReleaseRequest asks to return units of a reservation to stock.
type ReleaseRequest struct {
	// Key is the caller's idempotency key for this release: 1 to 128
	// bytes of printable ASCII without spaces, unique within the
	// reservation.
	Key string `json:"key"`
	// Reservation is the reservation's ID.
	Reservation oms.ID `json:"reservation"`
	// Lines name reservation lines (SKU, location and ref) and how many of
	// their outstanding units to release. Nil releases every outstanding
	// unit; an empty slice is refused, and stays empty through JSON (only
	// nil is left out).
	Lines []Line `json:"lines,omitzero"`
}

// Commit ships units of a reservation: they leave reserved and on-hand
// stock, and a ship entry per line, carrying the key, goes to the ledger.
// Nil lines commit every outstanding unit; otherwise each line names a
// reservation line and at most its outstanding quantity. Committing
// clears the hold's expiry. A backordered line whose units are not on
// hand yet fails with a *ShortageError.
//
// Commit is idempotent per key: a request replayed with the same key and
// the same lines (nil again, or the same lines in any order) returns the
// reservation as the first call left it and moves nothing; the same key
// with other lines, or a key already used by a release, is an error
// matching oms.ErrDuplicate.
func (s *Service) Commit(ctx context.Context, req CommitRequest) (Reservation, error) {
	return s.keyed(ctx, OpCommit, req.Key, req.Reservation, req.Lines, EventReservationCommitted, func(r Reservation, now time.Time) (reservationChange, error) {
		return commitReservation(r, req.Key, req.Lines, now)
	})
}

// Release returns units of a reservation to stock. Nil lines release every
// outstanding unit. Releasing a reservation that holds nothing is an error
// matching oms.ErrInvalidTransition. Release is idempotent per key as
// Commit is.
func (s *Service) Release(ctx context.Context, req ReleaseRequest) (Reservation, error) {
	return s.keyed(ctx, OpRelease, req.Key, req.Reservation, req.Lines, EventReservationReleased, func(r Reservation, now time.Time) (reservationChange, error) {
		return releaseReservation(r, req.Key, req.Lines, now, false)
	})
}

// keyed runs a keyed commit or release: a replay of the key is answered
// from the reservation's operations before anything is computed.
func (s *Service) keyed(ctx context.Context, kind OperationKind, key string, id oms.ID, lines []Line, eventType string, f func(Reservation, time.Time) (reservationChange, error)) (Reservation, error) {
	op := "reservation " + string(kind)
	if err := validateKey(key); err != nil {
		return Reservation{}, oms.Validationf(op, "key", "%s", err)
	}
	replay := func(r Reservation) (Reservation, bool, error) {
		i := r.opIndex(key)
		if i < 0 {
			return Reservation{}, false, nil
		}
		if o := r.Ops[i]; o.Kind != kind || !sameLines(o.Requested, lines) {
			return Reservation{}, true, fmt.Errorf("%w: %s of reservation %s: key %q was used for a %s of other lines", oms.ErrDuplicate, kind, id, key, o.Kind)
		}
		return r.asOf(i), true, nil
	}
	return s.updateAt(ctx, id, string(kind), eventType, key, replay, f, s.clock.Now)
}

// Extend moves the expiry of an active hold to until, which must be after
// now.
func (s *Service) Extend(ctx context.Context, id oms.ID, until time.Time) (Reservation, error) {
	return s.updateAt(ctx, id, "extend", EventReservationExtended, "", nil, func(r Reservation, now time.Time) (reservationChange, error) {
		return extendReservation(r, until, now)
	}, s.clock.Now)
}

// SweepExpired expires every active hold whose expiry is at or before now
// and returns its units to stock. It returns the expired reservations' IDs.
// Holds extended or committed meanwhile are skipped. A now that
// encoding/json cannot write (after year 9999) is refused with a
// validation error: the expired holds would carry it.
func (s *Service) SweepExpired(ctx context.Context, now time.Time) ([]oms.ID, error) {
	if !jsonTime(now) {
		return nil, oms.Validationf("reservation expire", "now", "%s is after year 9999, before year 0 or has an offset of a day or more or with seconds", now.Format(time.RFC3339))
	}
	var done []oms.ID
	for {
		ids, err := s.store.Expired(ctx, now, s.sweepBatch)
		if err != nil {
			return done, err
		}
		progressed := false
		for _, id := range ids {
			_, err := s.updateAt(ctx, id, "expire", EventReservationExpired, "", nil, func(r Reservation, _ time.Time) (reservationChange, error) {
				return releaseReservation(r, "", nil, now, true)
			}, func() time.Time { return now })
			switch {
			case err == nil:
				done = append(done, id)
				progressed = true
			case errors.Is(err, oms.ErrInvalidTransition):
				// extended, committed or released meanwhile
			default:
				return done, err
			}
		}
		if len(ids) < s.sweepBatch || !progressed {
			return done, nil
		}
	}
}

// updateAt loads a reservation, applies a pure command and saves the
// result with its level moves, ledger entries and event in one atomic
// write, retrying after a lost race. replay, when set, answers a replayed
// key from the loaded reservation (done reports that it answered).
func (s *Service) updateAt(ctx context.Context, id oms.ID, op, eventType, key string,
	replay func(Reservation) (res Reservation, done bool, err error),
	f func(Reservation, time.Time) (reservationChange, error), clock func() time.Time) (Reservation, error) {
	if err := validateKey(string(id)); err != nil {
		return Reservation{}, oms.Validationf("reservation "+op, "id", "%s", err)
	}
	var err error
	for attempt := 0; attempt <= s.retries; attempt++ {
		var r Reservation
		r, err = s.store.Reservation(ctx, id)
		if err != nil {
			return Reservation{}, err
		}
		if replay != nil {
			if res, done, rerr := replay(r); done {
				return res, rerr
			}
		}
		now := clock()
		ch, ferr := f(r, now)
		if ferr != nil {
			return Reservation{}, ferr
		}
		ev, eerr := oms.NewEvent(eventType, aggregateReservation, id, ch.next.Version, now, ReservationPayload{
			ReservationID: id, Reference: r.Reference, Key: key, Status: ch.next.Status, Lines: ch.moved, ExpiresAt: ch.next.ExpiresAt,
		})
		if eerr != nil {
			return Reservation{}, eerr
		}
		next := ch.next
		err = s.store.Apply(ctx, &Change{Op: op, Reservation: &next, Deltas: ch.deltas, Entries: ch.entries, Events: []oms.Event{ev}})
		if err == nil {
			return next.Clone(), nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return Reservation{}, err
		}
	}
	return Reservation{}, fmt.Errorf("inventory: %s reservation %s: gave up after %d attempts: %w", op, id, s.retries+1, err)
}
