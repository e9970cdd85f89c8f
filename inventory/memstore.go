package inventory

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/omskit/oms"
)

// MemoryStoreOptions configures NewMemoryStore.
type MemoryStoreOptions struct {
	// Outbox receives the events of every write, inside the same locked
	// write. Nil means a new one (see MemoryStore.Outbox).
	Outbox *oms.MemoryOutbox
}

// MemoryStore is the in-memory Store, the embedded default and the one the
// tests use. One mutex guards levels, items, locations, deliveries and the
// ledger; each write holds it once, for a short critical section without
// allocation, formatting or whole-map copies. Reservations are indexed in
// shards with their own mutexes, taken before that one, so a reserve's
// insert into the index never lengthens the shared critical section. It is
// safe for concurrent use.
type MemoryStore struct {
	outbox *oms.MemoryOutbox

	mu         sync.Mutex
	seq        int64 // change sequence: levels, items, locations
	locations  map[oms.ID]*locationRec
	items      map[oms.SKU]*itemRec
	levels     map[levelKey]*levelRec
	inbounds   map[oms.ID]Inbound
	ledger     []LedgerEntry
	movements  map[string]int64 // movement key -> Seq of its first entry
	syncCursor int64
	marks      map[syncKey]SyncMark

	// Reservations live in shards by ID, each with its own mutex, so that
	// growing the index never happens under mu. Lock order: a shard, then
	// mu; Snapshot takes every shard in index order, then mu.
	seed   maphash.Seed
	shards [reservationShards]resShard
}

const reservationShards = 32

type resShard struct {
	mu       sync.Mutex
	res      map[oms.ID]*Reservation
	expiring map[oms.ID]time.Time // active holds with an expiry
	_        [40]byte             // keeps shards on their own cache lines
}

func (s *MemoryStore) shard(id oms.ID) *resShard {
	return &s.shards[maphash.String(s.seed, string(id))%reservationShards]
}

var _ Store = (*MemoryStore)(nil)

type levelKey struct {
	sku oms.SKU
	loc oms.ID
}

type syncKey struct {
	sku     oms.SKU
	channel Channel
}

type locationRec struct {
	loc Location
	seq int64
}

// itemRec holds an item with its policy decoded for the hot path. Levels
// point at it, so PutItem updates it in place.
type itemRec struct {
	item      Item
	seq       int64
	unlimited bool // BackorderAllow: no check
	preorder  bool // BackorderPreorder: caps per location and SKU-wide
	// backordered is the per-SKU counter: the sum over the SKU's levels of
	// max(reserved - on hand, 0), kept in every write that moves a level.
	backordered int64
	// pending is scratch space of one write, under mu: the rise of
	// backordered its lines would cause so far.
	pending int64
}

// capAt returns how many units the level at loc may promise beyond its
// on-hand stock (ignoring the SKU-wide limit).
func (it *itemRec) capAt(loc oms.ID) int64 {
	if !it.preorder {
		return 0
	}
	c, _ := it.item.Backorder.Allowance(loc)
	return c
}

// skuRoom returns how much backordered may still rise.
func (it *itemRec) skuRoom() int64 {
	if !it.preorder {
		return math.MaxInt64
	}
	return it.item.Backorder.Limit - it.backordered - it.pending
}

// backorders returns a level's units promised beyond on hand.
func backorders(onHand, reserved int64) int64 { return max(reserved-onHand, 0) }

// newResRec returns a stored copy of r. The lines of small baskets live in
// the same allocation as the reservation.
func newResRec(r *Reservation) *Reservation {
	var out *Reservation
	switch n := len(r.Lines); n {
	case 1:
		rec := &struct {
			r Reservation
			l [1]ReservationLine
		}{r: *r}
		rec.r.Lines = rec.l[:]
		out = &rec.r
	case 2:
		rec := &struct {
			r Reservation
			l [2]ReservationLine
		}{r: *r}
		rec.r.Lines = rec.l[:]
		out = &rec.r
	case 3:
		rec := &struct {
			r Reservation
			l [3]ReservationLine
		}{r: *r}
		rec.r.Lines = rec.l[:]
		out = &rec.r
	default:
		c := *r
		c.Lines = make([]ReservationLine, n)
		out = &c
	}
	copy(out.Lines, r.Lines)
	out.Ops = cloneOps(r.Ops)
	return out
}

type levelRec struct {
	Level
	item *itemRec
	loc  *locationRec
	// earlier is scratch space of one reserve, under mu: the units of its
	// lines so far on this level.
	earlier int64
}

// NewMemoryStore returns an empty store; opts may be nil.
func NewMemoryStore(opts *MemoryStoreOptions) *MemoryStore {
	s := &MemoryStore{
		locations: map[oms.ID]*locationRec{},
		items:     map[oms.SKU]*itemRec{},
		levels:    map[levelKey]*levelRec{},
		inbounds:  map[oms.ID]Inbound{},
		movements: map[string]int64{},
		marks:     map[syncKey]SyncMark{},
	}
	s.seed = maphash.MakeSeed()
	for i := range s.shards {
		s.shards[i].res = map[oms.ID]*Reservation{}
		s.shards[i].expiring = map[oms.ID]time.Time{}
	}
	if opts != nil {
		s.outbox = opts.Outbox
	}
	if s.outbox == nil {
		s.outbox = oms.NewMemoryOutbox(nil)
	}
	return s
}

// Outbox returns the outbox the store appends events to.
func (s *MemoryStore) Outbox() *oms.MemoryOutbox { return s.outbox }

// PutLocation implements Store.
func (s *MemoryStore) PutLocation(ctx context.Context, l Location) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	l = copyLocation(l)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	rec := s.locations[l.ID]
	if rec == nil {
		rec = &locationRec{}
		s.locations[l.ID] = rec
	}
	rec.loc, rec.seq = l, s.seq // in place: levels point at it
	return nil
}

// Location implements Store.
func (s *MemoryStore) Location(ctx context.Context, id oms.ID) (Location, error) {
	if err := ctx.Err(); err != nil {
		return Location{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.locations[id]
	if rec == nil {
		return Location{}, oms.NotFoundError("location", id)
	}
	return copyLocation(rec.loc), nil
}

// Locations implements Store.
func (s *MemoryStore) Locations(ctx context.Context) ([]Location, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := make([]Location, 0, len(s.locations))
	for _, rec := range s.locations {
		out = append(out, copyLocation(rec.loc))
	}
	s.mu.Unlock()
	sortLocations(out)
	return out, nil
}

func sortLocations(ls []Location) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Priority != ls[j].Priority {
			return ls[i].Priority < ls[j].Priority
		}
		return ls[i].ID < ls[j].ID
	})
}

// PutItem implements Store.
func (s *MemoryStore) PutItem(ctx context.Context, it Item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := it.Validate(); err != nil {
		return err
	}
	it = copyItem(it)
	_, limited := it.Backorder.Allowance("")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	rec := s.items[it.SKU]
	if rec == nil {
		rec = &itemRec{}
		s.items[it.SKU] = rec
	}
	rec.item, rec.seq, rec.unlimited, rec.preorder = it, s.seq, !limited, it.Backorder.Mode == BackorderPreorder
	return nil
}

// Item implements Store.
func (s *MemoryStore) Item(ctx context.Context, sku oms.SKU) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.items[sku]
	if rec == nil {
		return Item{}, oms.NotFoundError("sku", sku)
	}
	return copyItem(rec.item), nil
}

// Level implements Store.
func (s *MemoryStore) Level(ctx context.Context, sku oms.SKU, loc oms.ID) (Level, error) {
	if err := ctx.Err(); err != nil {
		return Level{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if lv := s.levels[levelKey{sku, loc}]; lv != nil {
		return lv.Level, nil
	}
	if _, err := s.pairLocked(sku, loc); err != nil {
		return Level{}, err
	}
	return Level{SKU: sku, Location: loc}, nil
}

// pairLocked checks that sku and loc exist and returns a new, empty level
// for them (not yet stored).
func (s *MemoryStore) pairLocked(sku oms.SKU, loc oms.ID) (*levelRec, error) {
	it := s.items[sku]
	if it == nil {
		return nil, oms.NotFoundError("sku", sku)
	}
	l := s.locations[loc]
	if l == nil {
		return nil, oms.NotFoundError("location", loc)
	}
	return &levelRec{Level: Level{SKU: sku, Location: loc}, item: it, loc: l}, nil
}

// Levels implements Store.
func (s *MemoryStore) Levels(ctx context.Context, sku oms.SKU) ([]Level, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []Level
	for k, lv := range s.levels {
		if sku == "" || k.sku == sku {
			out = append(out, lv.Level)
		}
	}
	s.mu.Unlock()
	sortLevels(out)
	return out, nil
}

func sortLevels(ls []Level) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].SKU != ls[j].SKU {
			return ls[i].SKU < ls[j].SKU
		}
		return ls[i].Location < ls[j].Location
	})
}

// Reserve implements Store. The critical section looks up each line's
// level once, checks them all, then applies them all: no allocation but
// the stored copy of the lines (and a level the first time a pair is
// reserved). The event goes to the outbox after that, still under the
// reservation's shard lock, so nobody sees the reservation without it.
func (s *MemoryStore) Reserve(ctx context.Context, r Reservation, ev oms.Event) (Reservation, bool, error) {
	if err := ctx.Err(); err != nil {
		return Reservation{}, false, err
	}
	if err := checkReserveShape(&r); err != nil {
		return Reservation{}, false, err
	}
	var buf [8]*levelRec
	lvs := buf[:0]
	if len(r.Lines) > len(buf) {
		lvs = make([]*levelRec, 0, len(r.Lines))
	}
	// Lines of our own: the loop below resets and flags them, and the
	// caller's array is the caller's (other goroutines may reserve with
	// it too).
	r.Lines = append([]ReservationLine(nil), r.Lines...)
	r.Status, r.Version = StatusActive, 1
	rec := newResRec(&r) // allocated before the locks, filled under them

	sh := s.shard(r.ID)
	sh.mu.Lock()
	if prev, ok := sh.res[r.ID]; ok {
		old := prev.Clone()
		sh.mu.Unlock()
		if sameRequest(old, r.Reference, r.Lines) {
			return old, false, nil
		}
		return Reservation{}, false, duplicateReservation(r.ID)
	}
	s.mu.Lock()
	var shortBuf [4]Shortage // short lines, turned into an error after unlock
	short := shortBuf[:0]
	// The levels this reserve makes (pairs that have none yet), so that
	// its lines of one such pair share one: made on first use.
	var fresh map[levelKey]*levelRec
	for i := range r.Lines {
		ln := &r.Lines[i]
		ln.Committed, ln.Released, ln.Untracked = 0, 0, false
		k := levelKey{ln.SKU, ln.Location}
		lv := s.levels[k]
		if lv == nil {
			lv = fresh[k]
		}
		if lv == nil {
			var err error
			if lv, err = s.pairLocked(ln.SKU, ln.Location); err != nil {
				forgetPending(lvs)
				s.mu.Unlock()
				sh.mu.Unlock()
				return Reservation{}, false, err
			}
			if fresh == nil {
				fresh = map[levelKey]*levelRec{}
			}
			fresh[k] = lv
		}
		if !lv.loc.loc.Active {
			forgetPending(lvs)
			s.mu.Unlock()
			sh.mu.Unlock()
			return Reservation{}, false, inactiveLocation(ln.Location)
		}
		if !lv.item.item.Tracked {
			ln.Untracked = true
			lvs = append(lvs, nil)
			continue
		}
		lvs = append(lvs, lv)
		earlier := lv.earlier // units of earlier lines on the same level
		lv.earlier += ln.Quantity
		if lv.Reserved+earlier+ln.Quantity > maxLevelQuantity {
			forgetPending(lvs)
			s.mu.Unlock()
			sh.mu.Unlock()
			return Reservation{}, false, levelTooLarge("reserve", ln.SKU, ln.Location)
		}
		it := lv.item
		reserved := lv.Reserved + earlier
		before := backorders(lv.OnHand, reserved)
		after := backorders(lv.OnHand, reserved+ln.Quantity)
		if !it.unlimited {
			// Deny: no backorders. Preorder: the level's backorders within
			// its cap, and their rise within the SKU-wide room.
			capacity, room := it.capAt(ln.Location), it.skuRoom()
			// A line that raises no backorder needs no room: a limit
			// lowered below the backorders already taken still lets
			// on-hand stock sell.
			if after > capacity || (after > before && after-before > room) {
				short = append(short, Shortage{Line: i, SKU: ln.SKU, Location: ln.Location, Requested: ln.Quantity,
					Available: max(lv.OnHand-reserved, 0) + max(min(capacity-before, room), 0)})
				continue
			}
		}
		// Both are within maxBackorders (pending is a reserve's rise, at
		// most 1000 lines of 2^50): no wrap.
		if after-before > maxBackorders-it.backordered-it.pending {
			forgetPending(lvs)
			s.mu.Unlock()
			sh.mu.Unlock()
			return Reservation{}, false, backordersTooLarge("reserve", ln.SKU)
		}
		it.pending += after - before
	}
	forgetPending(lvs)
	if len(short) > 0 {
		s.mu.Unlock()
		sh.mu.Unlock()
		return Reservation{}, false, &ShortageError{Op: "reserve", ID: r.ID, Lines: append([]Shortage(nil), short...)}
	}
	for i, lv := range lvs {
		if lv == nil {
			continue
		}
		if fresh != nil && lv.Seq == 0 {
			if _, ok := s.levels[levelKey{lv.SKU, lv.Location}]; !ok {
				s.levels[levelKey{lv.SKU, lv.Location}] = lv
			}
		}
		s.seq++
		before := backorders(lv.OnHand, lv.Reserved)
		lv.Reserved += r.Lines[i].Quantity
		lv.item.backordered += backorders(lv.OnHand, lv.Reserved) - before
		lv.Seq = s.seq
	}
	s.mu.Unlock()
	// Still under the shard lock: nobody sees the ID before it is stored
	// with its event, and Snapshot (which takes every shard) never sees the
	// levels without the reservation.
	copy(rec.Lines, r.Lines) // the Untracked flags
	sh.res[r.ID] = rec
	if !r.ExpiresAt.IsZero() {
		sh.expiring[r.ID] = r.ExpiresAt
	}
	if ev.ID != "" {
		s.outbox.Append(ev)
	}
	sh.mu.Unlock()
	return r, true, nil
}

// forgetPending clears the scratch counts of lvs and of their items (the
// preorder counts; nil entries skipped): every exit of a reserve calls it,
// refused or not, or the next write of those SKUs would find their room
// taken, and the next reserve of those levels their units.
func forgetPending(lvs []*levelRec) {
	for _, lv := range lvs {
		if lv != nil {
			lv.earlier = 0
			lv.item.pending = 0
		}
	}
}

// checkReserveShape refuses what the store cannot apply safely: no lines,
// non-positive or huge quantities, the same line (SKU, location and ref)
// twice.
func checkReserveShape(r *Reservation) error {
	ok := len(r.Lines) > 0 && r.ID != ""
	for _, l := range r.Lines {
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			ok = false
		}
	}
	// first gives the index of the first earlier line equal to line i, or
	// -1: a scan among a few lines, a map's answer for many.
	var dups []int
	if len(r.Lines) > fewLines {
		dups = firstLines(r.Lines)
	}
	first := func(i int) int {
		if dups != nil {
			return dups[i]
		}
		for j := 0; j < i; j++ {
			if sameResLine(&r.Lines[j], &r.Lines[i]) {
				return j
			}
		}
		return -1
	}
	for i := range r.Lines {
		if first(i) >= 0 {
			ok = false
			break
		}
	}
	if ok {
		return nil
	}
	p := problems{entity: "reservation"}
	if r.ID == "" {
		p.add("id", "must not be empty")
	}
	if len(r.Lines) == 0 {
		p.add("lines", "must not be empty")
	}
	for i, l := range r.Lines {
		f := fieldIndex("lines", i)
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			p.add(f+".quantity", "%s", quantityProblem(l.Quantity, 1))
		}
		if j := first(i); j >= 0 {
			p.add(f, "duplicates line %d (sku %q at location %q with ref %q)", j, l.SKU, l.Location, l.Ref)
		}
	}
	return p.err()
}

// fewLines is how many lines are compared with each other without a map.
const fewLines = 16

// firstLines returns, for each of lines, the index of the first earlier
// line with the same SKU, location and ref, or -1, looking at each line
// once.
func firstLines(lines []ReservationLine) []int {
	first := make(map[lineKey]int, len(lines))
	dup := make([]int, len(lines))
	for i, l := range lines {
		k := lineKey{l.SKU, l.Location, l.Ref}
		if j, seen := first[k]; seen {
			dup[i] = j
		} else {
			first[k] = i
			dup[i] = -1
		}
	}
	return dup
}

func sameResLine(a, b *ReservationLine) bool {
	return a.SKU == b.SKU && a.Location == b.Location && a.Ref == b.Ref
}

func inactiveLocation(id oms.ID) error {
	return fmt.Errorf("%w: location %s is inactive and sells nothing", oms.ErrUnavailable, id)
}

func duplicateReservation(id oms.ID) error {
	return fmt.Errorf("%w: reservation %s exists with a different reference or lines", oms.ErrDuplicate, id)
}

// Reservation implements Store.
func (s *MemoryStore) Reservation(ctx context.Context, id oms.ID) (Reservation, error) {
	if err := ctx.Err(); err != nil {
		return Reservation{}, err
	}
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.res[id]
	if !ok {
		return Reservation{}, oms.NotFoundError("reservation", id)
	}
	return rec.Clone(), nil
}

// Reservations implements Store.
func (s *MemoryStore) Reservations(ctx context.Context, f ReservationFilter) ([]Reservation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Reservation
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, r := range sh.res {
			if (f.Reference == "" || r.Reference == f.Reference) && (!f.OpenOnly || r.Open()) {
				out = append(out, r.Clone())
			}
		}
		sh.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Expired implements Store.
func (s *MemoryStore) Expired(ctx context.Context, now time.Time, limit int) ([]oms.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, oms.Validationf("expired", "limit", "must be positive, got %d", limit)
	}
	type hold struct {
		id oms.ID
		at time.Time
	}
	var due []hold
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for id, at := range sh.expiring {
			if !at.After(now) {
				due = append(due, hold{id, at})
			}
		}
		sh.mu.Unlock()
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].id < due[j].id
	})
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]oms.ID, len(due))
	for i, h := range due {
		out[i] = h.id
	}
	return out, nil
}

// Inbound implements Store.
func (s *MemoryStore) Inbound(ctx context.Context, id oms.ID) (Inbound, error) {
	if err := ctx.Err(); err != nil {
		return Inbound{}, err
	}
	s.mu.Lock()
	in, ok := s.inbounds[id]
	s.mu.Unlock()
	if !ok {
		return Inbound{}, oms.NotFoundError("inbound", id)
	}
	return in, nil
}

// Inbounds implements Store.
func (s *MemoryStore) Inbounds(ctx context.Context, f InboundFilter) ([]Inbound, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []Inbound
	for _, in := range s.inbounds {
		if (f.SKU == "" || in.SKU == f.SKU) && (f.Location == "" || in.Location == f.Location) && (!f.OpenOnly || in.Status == InboundOpen) {
			out = append(out, in)
		}
	}
	s.mu.Unlock()
	sortInbounds(out)
	return out, nil
}

// sortInbounds orders deliveries as Store.Inbounds does: undated ones
// (the zero time) first, whatever the dates, then by date, then by ID. A
// date before the zero time (year 0) is still a date.
func sortInbounds(ins []Inbound) {
	sort.Slice(ins, func(i, j int) bool {
		if zi, zj := ins[i].ExpectedAt.IsZero(), ins[j].ExpectedAt.IsZero(); zi != zj {
			return zi
		}
		if !ins[i].ExpectedAt.Equal(ins[j].ExpectedAt) {
			return ins[i].ExpectedAt.Before(ins[j].ExpectedAt)
		}
		return ins[i].ID < ins[j].ID
	})
}

// pending is one level's share of a Change.
type pending struct {
	key                                 levelKey
	lv                                  *levelRec
	onHand, reserved, incoming, damaged int64
	line                                int // first entry or delta index, for errors
}

// Apply implements Store.
func (s *MemoryStore) Apply(ctx context.Context, c *Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidateChange(c); err != nil {
		return err
	}
	var sh *resShard
	if r := c.Reservation; r != nil {
		sh = s.shard(r.ID)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		old, ok := sh.res[r.ID]
		if !ok {
			return oms.NotFoundError("reservation", r.ID)
		}
		if old.Version != r.Version-1 {
			return oms.ConflictError("reservation", r.ID, r.Version-1, old.Version)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := c.Inbound; in != nil {
		old, ok := s.inbounds[in.ID]
		switch {
		case in.Version == 1 && ok:
			return fmt.Errorf("%w: inbound %s exists", oms.ErrDuplicate, in.ID)
		case in.Version != 1 && !ok:
			return oms.NotFoundError("inbound", in.ID)
		case in.Version != 1 && old.Version != in.Version-1:
			return oms.ConflictError("inbound", in.ID, in.Version-1, old.Version)
		}
	}
	if c.MovementKey != "" {
		if _, ok := s.movements[c.MovementKey]; ok {
			return movementKeyUsed(opName(c), c.MovementKey)
		}
	}

	var buf [8]pending
	ps := buf[:0]
	var index map[levelKey]int // of ps, once it has more than a few levels
	at := func(sku oms.SKU, loc oms.ID, line int) (*pending, error) {
		k := levelKey{sku, loc}
		if index != nil {
			if i, ok := index[k]; ok {
				return &ps[i], nil
			}
		} else {
			for i := range ps {
				if ps[i].key == k {
					return &ps[i], nil
				}
			}
		}
		lv := s.levels[k]
		if lv == nil {
			var err error
			if lv, err = s.pairLocked(sku, loc); err != nil {
				return nil, err
			}
		}
		ps = append(ps, pending{key: k, lv: lv, line: line})
		switch {
		case index != nil:
			index[k] = len(ps) - 1
		case len(ps) > fewLines:
			index = make(map[levelKey]int, len(c.Deltas)+len(c.Entries))
			for i := range ps {
				index[ps[i].key] = i
			}
		}
		return &ps[len(ps)-1], nil
	}
	for i, d := range c.Deltas {
		p, err := at(d.SKU, d.Location, i)
		if err != nil {
			return err
		}
		p.reserved += d.Reserved
		if d.CheckSeq && p.lv.Seq != d.Seq {
			return oms.ConflictError("level", string(d.SKU)+"@"+string(d.Location), d.Seq, p.lv.Seq)
		}
	}
	for i, e := range c.Entries {
		p, err := at(e.SKU, e.Location, i)
		if err != nil {
			return err
		}
		p.onHand += e.OnHand
		p.incoming += e.Incoming
		p.damaged += e.Damaged
	}
	var short *ShortageError
	for _, p := range ps {
		lv := p.lv
		onHand, reserved := lv.OnHand+p.onHand, lv.Reserved+p.reserved
		incoming, damaged := lv.Incoming+p.incoming, lv.Damaged+p.damaged
		if reserved < 0 {
			resetPending(ps)
			return fmt.Errorf("%w: %s: sku %s at %s: reserved would go negative (%d)",
				oms.ErrConflict, opName(c), p.key.sku, p.key.loc, reserved)
		}
		if max(onHand, reserved, incoming, damaged) > maxLevelQuantity {
			resetPending(ps)
			return levelTooLarge(opName(c), p.key.sku, p.key.loc)
		}
		var requested, avail int64
		before, after := backorders(lv.OnHand, lv.Reserved), backorders(onHand, reserved)
		lv.item.pending = satAdd(lv.item.pending, after-before)
		capacity := lv.item.capAt(p.key.loc)
		switch lowers := p.onHand-p.reserved < 0 && !lv.item.unlimited; {
		case onHand < 0:
			requested, avail = -p.onHand, lv.OnHand
		case lowers && after > capacity:
			requested, avail = p.reserved-p.onHand, lv.OnHand-lv.Reserved+capacity
		case damaged < 0:
			requested, avail = -p.damaged, lv.Damaged
		case incoming < 0:
			requested, avail = -p.incoming, lv.Incoming
		default:
			continue
		}
		if short == nil {
			short = &ShortageError{Op: opName(c)}
		}
		short.Lines = append(short.Lines, Shortage{Line: p.line, SKU: p.key.sku, Location: p.key.loc,
			Requested: requested, Available: max(avail, 0)})
	}
	// The per-SKU counter: a change that raises it must keep it within
	// maxBackorders and, for a preorder, within the limit.
	for _, p := range ps {
		if it := p.lv.item; it.pending > 0 && satAdd(it.backordered, it.pending) > maxBackorders {
			resetPending(ps)
			return backordersTooLarge(opName(c), p.key.sku)
		}
	}
	for _, p := range ps {
		it := p.lv.item
		if !it.preorder || it.pending == 0 {
			it.pending = 0
			continue
		}
		if it.pending > 0 && satAdd(it.backordered, it.pending) > it.item.Backorder.Limit {
			if short == nil {
				short = &ShortageError{Op: opName(c)}
			}
			for _, q := range ps {
				if q.lv.item == it && q.onHand-q.reserved < 0 {
					short.Lines = append(short.Lines, Shortage{Line: q.line, SKU: q.key.sku, Location: q.key.loc,
						Requested: q.reserved - q.onHand, Available: max(q.lv.OnHand-q.lv.Reserved, 0) + max(it.item.Backorder.Limit-it.backordered, 0)})
				}
			}
		}
		it.pending = 0
	}
	if short != nil {
		if c.Reservation != nil {
			short.ID = c.Reservation.ID
		}
		return short
	}

	for _, p := range ps {
		lv := p.lv
		if lv.Seq == 0 {
			if _, ok := s.levels[p.key]; !ok {
				s.levels[p.key] = lv
			}
		}
		s.seq++
		before := backorders(lv.OnHand, lv.Reserved)
		lv.OnHand += p.onHand
		lv.Reserved += p.reserved
		lv.item.backordered += backorders(lv.OnHand, lv.Reserved) - before
		lv.Incoming += p.incoming
		lv.Damaged += p.damaged
		lv.Seq = s.seq
	}
	if c.MovementKey != "" {
		s.movements[c.MovementKey] = int64(len(s.ledger)) + 1
	}
	for i := range c.Entries {
		c.Entries[i].Seq = int64(len(s.ledger)) + 1
		s.ledger = append(s.ledger, c.Entries[i])
	}
	if r := c.Reservation; r != nil {
		sh.res[r.ID] = newResRec(r)
		if r.Status == StatusActive && !r.ExpiresAt.IsZero() {
			sh.expiring[r.ID] = r.ExpiresAt
		} else {
			delete(sh.expiring, r.ID)
		}
	}
	if in := c.Inbound; in != nil {
		s.inbounds[in.ID] = *in
	}
	if len(c.Events) > 0 {
		s.outbox.Append(c.Events...)
	}
	return nil
}

// maxLevelQuantity bounds every quantity of a level (2^62 units): beyond
// it a store refuses the write instead of letting a sum wrap.
const maxLevelQuantity = 1 << 62

// maxBackorders bounds a SKU's backorders summed over all its levels
// (the per-SKU counter): a SKU that allows backorders could otherwise
// promise 2^62 units at each of several locations and wrap the counter,
// which a later preorder limit is checked against.
const maxBackorders = 1 << 62

func backordersTooLarge(op string, sku oms.SKU) error {
	return oms.Validationf(op, "quantity", "sku %s would have more than 2^62 units backordered across its locations", sku)
}

func levelTooLarge(op string, sku oms.SKU, loc oms.ID) error {
	return oms.Validationf(op, "quantity", "sku %s at %s would hold more than 2^62 units", sku, loc)
}

func resetPending(ps []pending) {
	for _, p := range ps {
		p.lv.item.pending = 0
	}
}

func opName(c *Change) string {
	if c.Op == "" {
		return "apply"
	}
	return c.Op
}

// ValidateChange refuses a Change no Store should apply: a nil change, a
// reservation update below version 2 or with an unknown status, an inbound
// with inconsistent quantities, unknown ledger reasons, quantities
// beyond oms.MaxQuantity, and changes moving 2^62 units or more of one
// quantity (on hand, incoming, damaged or reserved) on one level, whose
// sum there could wrap int64. The error is a *oms.ValidationError. Stores call
// it first in Apply (MemoryStore does), so that an adapter refuses the same
// shapes as the memory store.
func ValidateChange(c *Change) error {
	p := problems{entity: "change"}
	if c == nil {
		p.add("", "must not be nil")
		return p.err()
	}
	if r := c.Reservation; r != nil {
		if r.Version < 2 {
			p.add("reservation.version", "must be at least 2 (an update), got %d", r.Version)
		}
		if !r.Status.Valid() {
			p.add("reservation.status", "unknown status %q", r.Status)
		}
	}
	if in := c.Inbound; in != nil {
		if in.Version < 1 {
			p.add("inbound.version", "must be positive, got %d", in.Version)
		}
		if !in.Kind.Valid() {
			p.add("inbound.kind", "unknown kind %q", in.Kind)
		}
		if !in.Status.Valid() {
			p.add("inbound.status", "unknown status %q", in.Status)
		}
		if in.Quantity <= 0 || in.Received < 0 || in.Cancelled < 0 || in.Outstanding() < 0 {
			p.add("inbound.quantity", "inconsistent quantities: %d expected, %d received, %d cancelled", in.Quantity, in.Received, in.Cancelled)
		}
	}
	if c.MovementKey != "" {
		if err := validateKey(c.MovementKey); err != nil {
			p.add("movement_key", "%s", err)
		}
		if len(c.Entries) == 0 {
			p.add("movement_key", "a keyed movement needs ledger entries")
		}
		for i, e := range c.Entries {
			if e.Key != c.MovementKey {
				p.add(fieldIndex("entries", i)+".key", "must be the movement key %q, got %q", c.MovementKey, e.Key)
			}
		}
	}
	// moved sums each quantity's units over the change (saturating at
	// maxLevelQuantity): below 2^62 units each, no level's sum can wrap.
	// Only a change moving more looks at its levels one by one.
	var moved [4]int64
	move := func(m *[4]int64, i int, n int64) {
		if !outOfRange(n) {
			m[i] = min(m[i]+max(n, -n), maxLevelQuantity)
		}
	}
	for i, e := range c.Entries {
		if !e.Reason.Valid() {
			p.add(fieldIndex("entries", i)+".reason", "unknown reason %q", e.Reason)
		}
		if outOfRange(e.OnHand) || outOfRange(e.Incoming) || outOfRange(e.Damaged) {
			p.add(fieldIndex("entries", i), "quantity out of range")
		}
		move(&moved, 0, e.OnHand)
		move(&moved, 1, e.Incoming)
		move(&moved, 2, e.Damaged)
	}
	for i, d := range c.Deltas {
		if outOfRange(d.Reserved) {
			p.add(fieldIndex("deltas", i)+".reserved", "out of range: %d", d.Reserved)
		}
		move(&moved, 3, d.Reserved)
	}
	if max(moved[0], moved[1], moved[2], moved[3]) >= maxLevelQuantity {
		byLevel := map[levelKey]*[4]int64{}
		at := func(sku oms.SKU, loc oms.ID) *[4]int64 {
			m := byLevel[levelKey{sku, loc}]
			if m == nil {
				m = new([4]int64)
				byLevel[levelKey{sku, loc}] = m
			}
			return m
		}
		for _, e := range c.Entries {
			m := at(e.SKU, e.Location)
			move(m, 0, e.OnHand)
			move(m, 1, e.Incoming)
			move(m, 2, e.Damaged)
		}
		for _, d := range c.Deltas {
			move(at(d.SKU, d.Location), 3, d.Reserved)
		}
		var over [4]bool
		for _, m := range byLevel {
			for i := range m {
				over[i] = over[i] || m[i] >= maxLevelQuantity
			}
		}
		for i, f := range [...]string{"entries.on_hand", "entries.incoming", "entries.damaged", "deltas.reserved"} {
			if over[i] {
				p.add(f, "one change moves at most 2^62-1 units of each quantity on one level")
			}
		}
	}
	return p.err()
}

// outOfRange says n is beyond ±oms.MaxQuantity. (Comparing an absolute
// value instead lets math.MinInt64 through: its negation wraps to itself.)
func outOfRange(n int64) bool {
	return n < -oms.MaxQuantity || n > oms.MaxQuantity
}

// Ledger implements Store.
func (s *MemoryStore) Ledger(ctx context.Context, f LedgerFilter) ([]LedgerEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []LedgerEntry
	start := 0
	if f.AfterSeq > 0 {
		start = int(min(f.AfterSeq, int64(len(s.ledger))))
	}
	for _, e := range s.ledger[start:] {
		if (f.SKU == "" || e.SKU == f.SKU) && (f.Location == "" || e.Location == f.Location) && (f.Key == "" || e.Key == f.Key) {
			out = append(out, e)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}

// Snapshot implements Store.
func (s *MemoryStore) Snapshot(ctx context.Context) (Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return Snapshot{}, err
	}
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	s.mu.Lock()
	snap := Snapshot{
		Levels:  make([]Level, 0, len(s.levels)),
		Entries: append([]LedgerEntry(nil), s.ledger...),
	}
	for _, lv := range s.levels {
		snap.Levels = append(snap.Levels, lv.Level)
	}
	for i := range s.shards {
		for _, r := range s.shards[i].res {
			if r.Open() {
				snap.Reservations = append(snap.Reservations, r.Clone())
			}
		}
	}
	for _, in := range s.inbounds {
		if in.Status == InboundOpen {
			snap.Inbounds = append(snap.Inbounds, in)
		}
	}
	s.mu.Unlock()
	for i := range s.shards {
		s.shards[i].mu.Unlock()
	}
	sortLevels(snap.Levels)
	sort.Slice(snap.Reservations, func(i, j int) bool { return snap.Reservations[i].ID < snap.Reservations[j].ID })
	sortInbounds(snap.Inbounds)
	return snap, nil
}

// ChangedSKUs implements Store.
func (s *MemoryStore) ChangedSKUs(ctx context.Context, after int64) ([]oms.SKU, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	set := map[oms.SKU]bool{}
	changedLoc := map[oms.ID]bool{}
	for id, rec := range s.locations {
		if rec.seq > after {
			changedLoc[id] = true
		}
	}
	for sku, rec := range s.items {
		// A preorder SKU may sell at a location where it has no level.
		if rec.seq > after || (rec.preorder && len(changedLoc) > 0) {
			set[sku] = true
		}
	}
	for k, lv := range s.levels {
		if lv.Seq > after || changedLoc[k.loc] {
			set[k.sku] = true
		}
	}
	next := s.seq
	s.mu.Unlock()
	out := make([]oms.SKU, 0, len(set))
	for sku := range set {
		out = append(out, sku)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, next, nil
}

// SyncState implements Store.
func (s *MemoryStore) SyncState(ctx context.Context, skus []oms.SKU) (int64, []SyncMark, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	want := map[oms.SKU]bool{}
	for _, sku := range skus {
		want[sku] = true
	}
	s.mu.Lock()
	var out []SyncMark
	for k, m := range s.marks {
		if want[k.sku] {
			out = append(out, m)
		}
	}
	cursor := s.syncCursor
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].SKU != out[j].SKU {
			return out[i].SKU < out[j].SKU
		}
		return out[i].Channel < out[j].Channel
	})
	return cursor, out, nil
}

// SaveSync implements Store.
func (s *MemoryStore) SaveSync(ctx context.Context, cursor, next int64, marks []SyncMark, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.syncCursor != cursor {
		return oms.ConflictError("sync cursor", "inventory", cursor, s.syncCursor)
	}
	s.syncCursor = next
	for _, m := range marks {
		s.marks[syncKey{m.SKU, m.Channel}] = m
	}
	if len(events) > 0 {
		s.outbox.Append(events...)
	}
	return nil
}

// movementKeyUsed is Apply's refusal of a movement key used before.
func movementKeyUsed(op, key string) error {
	return fmt.Errorf("%w: %s: movement key %q was used before", oms.ErrDuplicate, op, key)
}
