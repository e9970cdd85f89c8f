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
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Quantity is a count of units, 1 to oms.MaxQuantity.
	Quantity int64 `json:"quantity"`
	// Ref is the caller's reference for the line, such as the ID of the
	// order line a reservation line serves: at most 128 bytes of printable
	// ASCII without spaces, or empty. (SKU, Location, Ref) is unique within
	// a reservation, so one order may hold the same SKU at the same
	// location for two order lines. Commit and Release name a reservation
	// line by all three.
	Ref string `json:"ref,omitempty"`
}

// ReservationLine is one line of a reservation and what became of it.
type ReservationLine struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Ref is the caller's reference of the line (see Line.Ref).
	Ref string `json:"ref,omitempty"`
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
	// ID is the caller's idempotency key (1 to 128 bytes of printable ASCII).
	ID oms.ID `json:"id"`
	// Reference names what the stock is held for, such as a cart or order ID.
	Reference string `json:"reference,omitempty"`
	// Lines are the reserved lines in request order.
	Lines []ReservationLine `json:"lines"`
	// ExpiresAt, when set, makes the reservation a hold that SweepExpired
	// returns to stock once it has passed. Committing any unit clears it.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Status is where the reservation is in its life (see the package doc).
	Status ReservationStatus `json:"status"`
	// Version counts the saved changes, starting at 1.
	Version int64 `json:"version"`
	// Ops lists the commits, releases and expiries applied so far, oldest
	// first, so that a replayed key returns what its first call returned.
	// The store saves it with the reservation, as it is.
	Ops []Operation `json:"ops,omitempty"`
	// CreatedAt and UpdatedAt are the service clock's times of the reserve and
	// of the last change.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Outstanding returns the units still held across all lines, saturated
// at math.MaxInt64 (a store may hold a reservation of more lines than
// the service makes, each of up to oms.MaxQuantity units).
func (r Reservation) Outstanding() int64 {
	var n int64
	for _, l := range r.Lines {
		n = satAdd(n, l.Outstanding())
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
	r.Ops = cloneOps(r.Ops)
	return r
}

func cloneOps(ops []Operation) []Operation {
	if ops == nil {
		return nil
	}
	out := make([]Operation, len(ops))
	for i, op := range ops {
		op.Requested = cloneLines(op.Requested)
		op.Moved = cloneLines(op.Moved)
		out[i] = op
	}
	return out
}

func cloneLines(ls []Line) []Line {
	if ls == nil {
		return nil
	}
	return append([]Line(nil), ls...)
}

// OperationKind says what an Operation did.
type OperationKind string

// Operation kinds.
const (
	// OpCommit shipped units (Service.Commit).
	OpCommit OperationKind = "commit"
	// OpRelease returned units to stock (Service.Release).
	OpRelease OperationKind = "release"
	// OpExpire returned an expired hold's units to stock (SweepExpired).
	OpExpire OperationKind = "expire"
)

// Operation is one commit, release or expiry applied to a reservation,
// kept with it: a commit or release replayed under the same Key returns
// the reservation as this operation left it, and moves nothing.
type Operation struct {
	// Key is the caller's idempotency key; empty for an expiry.
	Key string `json:"key,omitempty"`
	// Kind is commit, release or expire.
	Kind OperationKind `json:"kind"`
	// Requested are the lines as the caller asked; nil when the caller
	// asked for every outstanding unit.
	Requested []Line `json:"requested,omitempty"`
	// Moved are the units committed or released, per line.
	Moved []Line `json:"moved"`
	// Version, Status and ExpiresAt are the reservation's after the
	// operation; At is when it ran.
	Version   int64             `json:"version"`
	Status    ReservationStatus `json:"status"`
	ExpiresAt time.Time         `json:"expires_at,omitzero"`
	At        time.Time         `json:"at"`
}

// opIndex returns the index of the operation with key in r.Ops, or -1.
func (r Reservation) opIndex(key string) int {
	for i := range r.Ops {
		if r.Ops[i].Key == key {
			return i
		}
	}
	return -1
}

// asOf returns r as its i-th operation left it: the later operations'
// moves undone, the version, status, expiry and time of that operation.
func (r Reservation) asOf(i int) Reservation {
	out := r.Clone()
	lineIndex := out.lineIndexer()
	for j := len(out.Ops) - 1; j > i; j-- {
		op := out.Ops[j]
		for _, m := range op.Moved {
			k := lineIndex(m.SKU, m.Location, m.Ref)
			if k < 0 {
				continue
			}
			if op.Kind == OpCommit {
				out.Lines[k].Committed -= m.Quantity
			} else {
				out.Lines[k].Released -= m.Quantity
			}
		}
	}
	op := out.Ops[i]
	out.Ops = out.Ops[: i+1 : i+1]
	out.Version, out.Status, out.ExpiresAt, out.UpdatedAt = op.Version, op.Status, op.ExpiresAt, op.At
	return out
}

// sameLines reports whether a and b ask for the same thing: both nil
// (every outstanding unit), or the same set of lines and quantities in any
// order.
func sameLines(a, b []Line) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if sameLine(x, y) {
				found = x.Quantity == y.Quantity
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// lineIndexer returns a function that gives the index of r's line with
// sku, loc and ref, or -1. It scans a few lines; for many it builds a map
// once, so that looking up every line of a large reservation stays
// linear.
func (r *Reservation) lineIndexer() func(sku oms.SKU, loc oms.ID, ref string) int {
	lines := r.Lines
	if len(lines) <= fewLines {
		return func(sku oms.SKU, loc oms.ID, ref string) int {
			for i := range lines {
				if l := &lines[i]; l.SKU == sku && l.Location == loc && l.Ref == ref {
					return i
				}
			}
			return -1
		}
	}
	at := make(map[lineKey]int, len(lines))
	for i := len(lines) - 1; i >= 0; i-- { // the first of equal lines wins, as in a scan
		l := &lines[i]
		at[lineKey{l.SKU, l.Location, l.Ref}] = i
	}
	return func(sku oms.SKU, loc oms.ID, ref string) int {
		if i, ok := at[lineKey{sku, loc, ref}]; ok {
			return i
		}
		return -1
	}
}

// sameRequest reports whether r was created from the same reference and
// lines (SKU, location, ref and quantity) as asked, in any order: the
// idempotent-replay check of Reserve. The lines of each side name every
// (SKU, location, ref) once.
func sameRequest(r Reservation, ref string, lines []ReservationLine) bool {
	if r.Reference != ref || len(r.Lines) != len(lines) {
		return false
	}
	same := func(o, l *ReservationLine) bool { return sameResLine(o, l) && o.Quantity == l.Quantity }
	// Replays list their lines in the order of the first request as a
	// rule: compare in order until the first difference.
	i := 0
	for i < len(lines) && same(&r.Lines[i], &lines[i]) {
		i++
	}
	if i == len(lines) {
		return true
	}
	qty := make(map[lineKey]int64, len(lines)-i)
	for _, o := range r.Lines[i:] {
		qty[lineKey{o.SKU, o.Location, o.Ref}] = o.Quantity
	}
	for _, l := range lines[i:] {
		q, ok := qty[lineKey{l.SKU, l.Location, l.Ref}]
		if !ok || q != l.Quantity {
			return false
		}
	}
	return true
}

// lineKey names a reservation line: (SKU, location, ref) is unique within
// a reservation.
type lineKey struct {
	sku oms.SKU
	loc oms.ID
	ref string
}

// derivedStatus returns the status that r's line quantities imply.
func derivedStatus(r *Reservation, expired bool) ReservationStatus {
	var out, committed bool // some unit outstanding, some committed
	for _, l := range r.Lines {
		out = out || l.Outstanding() > 0
		committed = committed || l.Committed > 0
	}
	switch {
	case out && committed:
		return StatusPartiallyCommitted
	case out:
		return StatusActive
	case committed:
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
				out = append(out, Line{SKU: l.SKU, Location: l.Location, Quantity: n, Ref: l.Ref})
			}
		}
		return out, nil
	}
	var p problems
	p.entity = "reservation " + op
	if len(lines) == 0 {
		p.add("lines", "must not be empty (pass nil for every outstanding unit)")
	}
	if len(lines) > maxLines {
		p.add("lines", "more than %d lines", maxLines)
		return nil, p.err()
	}
	lineIndex := r.lineIndexer()
	for i, l := range lines {
		f := fieldIndex("lines", i)
		idx := lineIndex(l.SKU, l.Location, l.Ref)
		if idx < 0 {
			p.add(f, "reservation %s has no line for sku %q at location %q with ref %q", r.ID, l.SKU, l.Location, l.Ref)
			continue
		}
		for j := 0; j < i; j++ {
			if sameLine(lines[j], l) {
				p.add(f, "duplicate line for sku %q at location %q with ref %q", l.SKU, l.Location, l.Ref)
				break
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

// sameLine reports whether a and b name the same reservation line: the
// same SKU, location and ref.
func sameLine(a, b Line) bool {
	return a.SKU == b.SKU && a.Location == b.Location && a.Ref == b.Ref
}

func transitionError(r *Reservation, to ReservationStatus, reason string) error {
	return &oms.TransitionError{Entity: "reservation", ID: r.ID, From: string(r.Status), To: string(to), Reason: reason}
}

// commitReservation ships units of r: they leave reserved and on-hand
// stock. The ledger entries carry key.
func commitReservation(r Reservation, key string, lines []Line, now time.Time) (reservationChange, error) {
	if !r.Open() {
		return reservationChange{}, transitionError(&r, StatusCommitted, "nothing is held")
	}
	qs, err := quantities(&r, lines, "commit")
	if err != nil {
		return reservationChange{}, err
	}
	next := r.Clone()
	lineIndex := next.lineIndexer()
	var ch reservationChange
	for _, q := range qs {
		i := lineIndex(q.SKU, q.Location, q.Ref)
		next.Lines[i].Committed += q.Quantity
		ch.moved = append(ch.moved, q)
		if next.Lines[i].Untracked {
			continue
		}
		ch.deltas = append(ch.deltas, Delta{SKU: q.SKU, Location: q.Location, Reserved: -q.Quantity})
		ch.entries = append(ch.entries, LedgerEntry{
			SKU: q.SKU, Location: q.Location, Reason: ReasonShip,
			OnHand: -q.Quantity, Reference: string(r.ID), Key: key, At: now,
		})
	}
	next.ExpiresAt = time.Time{}
	next.Status = derivedStatus(&next, false)
	if !CanTransition(r.Status, next.Status) {
		return reservationChange{}, transitionError(&r, next.Status, "")
	}
	next.Version++
	next.UpdatedAt = now
	next.Ops = append(next.Ops, Operation{Key: key, Kind: OpCommit, Requested: cloneLines(lines), Moved: cloneLines(ch.moved),
		Version: next.Version, Status: next.Status, ExpiresAt: next.ExpiresAt, At: now})
	ch.next = next
	return ch, nil
}

// releaseReservation returns units of r to stock; expired marks an expiry.
func releaseReservation(r Reservation, key string, lines []Line, now time.Time, expired bool) (reservationChange, error) {
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
	lineIndex := next.lineIndexer()
	var ch reservationChange
	for _, q := range qs {
		i := lineIndex(q.SKU, q.Location, q.Ref)
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
	kind := OpRelease
	if expired {
		kind = OpExpire
	}
	next.Ops = append(next.Ops, Operation{Key: key, Kind: kind, Requested: cloneLines(lines), Moved: cloneLines(ch.moved),
		Version: next.Version, Status: next.Status, ExpiresAt: next.ExpiresAt, At: now})
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
		return reservationChange{}, oms.Validationf("reservation extend", "until", "%s is after year 9999 or has an offset of a day or more or with seconds", until.Format(time.RFC3339))
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
