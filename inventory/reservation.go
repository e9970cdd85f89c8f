package inventory

import (
	"time"

	"github.com/omskit/oms"
)

// ReservationStatus is where a reservation is in its life.
type ReservationStatus string

// Reservation statuses. See the package doc for the diagram.
const (
	// StatusActive holds stock; nothing is committed yet.
	StatusActive ReservationStatus = "active"
	// StatusPartiallyCommitted has shipped some units and holds the rest.
	StatusPartiallyCommitted ReservationStatus = "partially_committed"
	// StatusCommitted is final: every unit was shipped or released, and at
	// least one was shipped.
	StatusCommitted ReservationStatus = "committed"
	// StatusReleased is final: every unit went back to stock by release.
	StatusReleased ReservationStatus = "released"
	// StatusExpired is final: the hold's expiry passed and the sweep
	// returned its units to stock.
	StatusExpired ReservationStatus = "expired"
)

// Valid reports whether s is a known status.
func (s ReservationStatus) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Final reports whether no move leaves s.
func (s ReservationStatus) Final() bool {
	return s.Valid() && len(transitions[s]) == 0
}

// transitions is the reservation state machine: from → allowed targets.
var transitions = map[ReservationStatus][]ReservationStatus{
	StatusActive:             {StatusActive, StatusPartiallyCommitted, StatusCommitted, StatusReleased, StatusExpired},
	StatusPartiallyCommitted: {StatusPartiallyCommitted, StatusCommitted},
	StatusCommitted:          nil,
	StatusReleased:           nil,
	StatusExpired:            nil,
}

// CanTransition reports whether the table allows a move from one status to
// another. Moves to the same status (a partial commit or release, an
// extension) are listed explicitly.
func CanTransition(from, to ReservationStatus) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// Line asks for a quantity of one SKU at one location.
type Line struct {
	SKU      SKU    `json:"sku"`
	Location oms.ID `json:"location"`
	Quantity int64  `json:"quantity"`
}

// ReservationLine is one line of a reservation and what became of it.
type ReservationLine struct {
	SKU      SKU    `json:"sku"`
	Location oms.ID `json:"location"`
	// Quantity is what was reserved.
	Quantity int64 `json:"quantity"`
	// Committed units were shipped: they left on-hand stock.
	Committed int64 `json:"committed"`
	// Released units went back to stock (release or expiry).
	Released int64 `json:"released"`
	// Untracked is set by the store when the SKU was not tracked at reserve
	// time: the line held no stock and moves none.
	Untracked bool `json:"untracked,omitempty"`
}

// Outstanding returns the units still held.
func (l ReservationLine) Outstanding() int64 { return l.Quantity - l.Committed - l.Released }

// Reservation holds stock for a cart or an order. Its ID is the caller's
// idempotency key: reserving again under the same ID returns the existing
// reservation.
type Reservation struct {
	ID oms.ID `json:"id"`
	// Reference names what the stock is held for, such as a cart or order ID.
	Reference string            `json:"reference,omitempty"`
	Lines     []ReservationLine `json:"lines"`
	// ExpiresAt, when set, makes the reservation a hold that SweepExpired
	// returns to stock once it has passed. Committing any unit clears it.
	ExpiresAt time.Time         `json:"expires_at,omitzero"`
	Status    ReservationStatus `json:"status"`
	// Version counts the saved changes, starting at 1.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Outstanding returns the units still held across all lines.
func (r Reservation) Outstanding() int64 {
	var n int64
	for _, l := range r.Lines {
		n += l.Outstanding()
	}
	return n
}

// Open reports whether the reservation still holds stock.
func (r Reservation) Open() bool {
	return r.Status == StatusActive || r.Status == StatusPartiallyCommitted
}

// Clone returns a deep copy of r.
func (r Reservation) Clone() Reservation {
	r.Lines = append([]ReservationLine(nil), r.Lines...)
	return r
}

func (r Reservation) lineIndex(sku SKU, loc oms.ID) int {
	for i, l := range r.Lines {
		if l.SKU == sku && l.Location == loc {
			return i
		}
	}
	return -1
}

// sameRequest reports whether r was created from the same lines and
// reference as q (the idempotent-replay check).
func sameRequest(r Reservation, ref string, lines []ReservationLine) bool {
	if r.Reference != ref || len(r.Lines) != len(lines) {
		return false
	}
	for i, l := range lines {
		o := r.Lines[i]
		if o.SKU != l.SKU || o.Location != l.Location || o.Quantity != l.Quantity {
			return false
		}
	}
	return true
}

// derivedStatus returns the status that r's line quantities imply.
func derivedStatus(r *Reservation, expired bool) ReservationStatus {
	var out, committed int64
	for _, l := range r.Lines {
		out += l.Outstanding()
		committed += l.Committed
	}
	switch {
	case out > 0 && committed > 0:
		return StatusPartiallyCommitted
	case out > 0:
		return StatusActive
	case committed > 0:
		return StatusCommitted
	case expired:
		return StatusExpired
	}
	return StatusReleased
}

// reservationChange is the outcome of a pure reservation command: the new
// reservation, the moves on levels and the ledger entries.
type reservationChange struct {
	next    Reservation
	deltas  []Delta
	entries []LedgerEntry
	moved   []Line // units committed or released, per line
}

// quantities resolves the lines of a commit or release against r: nil lines
// mean every outstanding unit.
func quantities(r *Reservation, lines []Line, op string) ([]Line, error) {
	if lines == nil {
		var out []Line
		for _, l := range r.Lines {
			if n := l.Outstanding(); n > 0 {
				out = append(out, Line{SKU: l.SKU, Location: l.Location, Quantity: n})
			}
		}
		return out, nil
	}
	var p problems
	p.entity = "reservation " + op
	if len(lines) == 0 {
		p.add("lines", "must not be empty (pass nil for every outstanding unit)")
	}
	for i, l := range lines {
		f := fieldIndex("lines", i)
		idx := r.lineIndex(l.SKU, l.Location)
		if idx < 0 {
			p.add(f, "reservation %s has no line for sku %q at location %q", r.ID, l.SKU, l.Location)
			continue
		}
		for j := 0; j < i; j++ {
			if lines[j].SKU == l.SKU && lines[j].Location == l.Location {
				p.add(f, "duplicate line for sku %q at location %q", l.SKU, l.Location)
			}
		}
		switch out := r.Lines[idx].Outstanding(); {
		case l.Quantity <= 0:
			p.add(f+".quantity", "must be positive, got %d", l.Quantity)
		case l.Quantity > out:
			p.add(f+".quantity", "cannot %s %d: only %d outstanding", op, l.Quantity, out)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return lines, nil
}

func transitionError(r *Reservation, to ReservationStatus, reason string) error {
	return &oms.TransitionError{Entity: "reservation", ID: r.ID, From: string(r.Status), To: string(to), Reason: reason}
}

// commit ships units of r: they leave reserved and on-hand stock.
func commitReservation(r Reservation, lines []Line, now time.Time) (reservationChange, error) {
	if !r.Open() {
		return reservationChange{}, transitionError(&r, StatusCommitted, "nothing is held")
	}
	qs, err := quantities(&r, lines, "commit")
	if err != nil {
		return reservationChange{}, err
	}
	next := r.Clone()
	var ch reservationChange
	for _, q := range qs {
		i := next.lineIndex(q.SKU, q.Location)
		next.Lines[i].Committed += q.Quantity
		ch.moved = append(ch.moved, q)
		if next.Lines[i].Untracked {
			continue
		}
		ch.deltas = append(ch.deltas, Delta{SKU: q.SKU, Location: q.Location, Reserved: -q.Quantity})
		ch.entries = append(ch.entries, LedgerEntry{
			SKU: q.SKU, Location: q.Location, Reason: ReasonShip,
			OnHand: -q.Quantity, Reference: string(r.ID), At: now,
		})
	}
	next.ExpiresAt = time.Time{}
	next.Status = derivedStatus(&next, false)
	if !CanTransition(r.Status, next.Status) {
		return reservationChange{}, transitionError(&r, next.Status, "")
	}
	next.Version++
	next.UpdatedAt = now
	ch.next = next
	return ch, nil
}

// releaseReservation returns units of r to stock; expired marks an expiry.
func releaseReservation(r Reservation, lines []Line, now time.Time, expired bool) (reservationChange, error) {
	target := StatusReleased
	if expired {
		target = StatusExpired
	}
	if !r.Open() {
		return reservationChange{}, transitionError(&r, target, "nothing is held")
	}
	if expired && (r.Status != StatusActive || r.ExpiresAt.IsZero() || r.ExpiresAt.After(now)) {
		return reservationChange{}, transitionError(&r, target, "the hold has not expired")
	}
	qs, err := quantities(&r, lines, "release")
	if err != nil {
		return reservationChange{}, err
	}
	next := r.Clone()
	var ch reservationChange
	for _, q := range qs {
		i := next.lineIndex(q.SKU, q.Location)
		next.Lines[i].Released += q.Quantity
		ch.moved = append(ch.moved, q)
		if !next.Lines[i].Untracked {
			ch.deltas = append(ch.deltas, Delta{SKU: q.SKU, Location: q.Location, Reserved: -q.Quantity})
		}
	}
	next.Status = derivedStatus(&next, expired)
	if !next.Open() {
		next.ExpiresAt = time.Time{}
	}
	if !CanTransition(r.Status, next.Status) {
		return reservationChange{}, transitionError(&r, next.Status, "")
	}
	next.Version++
	next.UpdatedAt = now
	ch.next = next
	return ch, nil
}

// extendReservation moves the expiry of an active hold.
func extendReservation(r Reservation, until, now time.Time) (reservationChange, error) {
	if r.Status != StatusActive {
		return reservationChange{}, transitionError(&r, StatusActive, "only active holds can be extended")
	}
	if !until.After(now) {
		return reservationChange{}, oms.Validationf("reservation extend", "until", "must be after now (%s), got %s", now.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	if !jsonTime(until) {
		return reservationChange{}, oms.Validationf("reservation extend", "until", "%s is after year 9999 or has an offset of a day or more", until.Format(time.RFC3339))
	}
	next := r.Clone()
	next.ExpiresAt = until
	next.Version++
	next.UpdatedAt = now
	return reservationChange{next: next}, nil
}

// problems collects validation problems, allocating only when there is one.
type problems struct {
	entity string
	v      *oms.ValidationError
}

func (p *problems) add(field, format string, args ...any) {
	if p.v == nil {
		p.v = &oms.ValidationError{Entity: p.entity}
	}
	p.v.Add(field, format, args...)
}

func (p *problems) err() error {
	if p.v == nil {
		return nil
	}
	return p.v
}
