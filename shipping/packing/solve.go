package packing

import (
	"cmp"
	"context"
	"encoding/binary"
	"math"
	"slices"
	"sync"

	"github.com/omskit/oms"
)

// This file holds the search of Pack: which boxes, and which units go in
// each.

// pkKind is an item line in scaled units.
type pkKind struct {
	ors     []pkOrient
	w       int64
	v       float64
	noStack bool
	maxPer  int
	fits    []bool // per box type: some orientation fits and the weight is allowed
	keys    [pkOrders]int64
}

// pkType is a box type in scaled units.
type pkType struct {
	in      [3]int64
	v       float64 // inner volume, scaled units
	outer   oms.Volume
	payload int64 // mg the contents may weigh
	empty   int64 // mg the empty box weighs
}

// Unit orders for filling.
const (
	pkOrderVolume = iota
	pkOrderLongest
	pkOrderFootprint
	pkOrderHeight
	pkOrderWeight
	pkOrders
)

// pkStrat is one way to fill boxes.
type pkStrat struct {
	order, merit int
	firstFit     bool // first fit across boxes, instead of box by box
	rev          bool // box by box, smallest box first
	first        int  // orientation forced on the first unit, or -1
}

// pkStrats lists the strategies in the order they are tried, the most
// successful first (measured on the BoxPacker corpus, where the first
// succeeds for all but about one order in a hundred).
var pkStrats = func() []pkStrat {
	var s []pkStrat
	add := func(merit int, orders []int, ff, rev bool) {
		for _, o := range orders {
			s = append(s, pkStrat{order: o, merit: merit, firstFit: ff, rev: rev, first: -1})
		}
	}
	all := []int{pkOrderVolume, pkOrderLongest, pkOrderFootprint, pkOrderHeight, pkOrderWeight}
	add(pkMeritFit, all, false, false)
	add(pkMeritLowTop, []int{pkOrderVolume, pkOrderLongest}, false, false)
	add(pkMeritFit3, []int{pkOrderVolume, pkOrderLongest, pkOrderWeight}, false, false)
	add(pkMeritCorner, []int{pkOrderVolume}, false, false)
	add(pkMeritFit, []int{pkOrderVolume, pkOrderFootprint}, true, false)
	add(pkMeritFit3, []int{pkOrderVolume}, true, false)
	add(pkMeritFit, []int{pkOrderVolume, pkOrderLongest}, false, true)
	for _, o := range []int{pkOrderVolume, pkOrderFootprint, pkOrderHeight} {
		for f := range len(pkOrientations) {
			s = append(s, pkStrat{order: o, merit: pkMeritFit, first: f})
		}
	}
	return s
}()

// pkQuickStrats is how many strategies fillAll tries while weights are
// balanced: an even weight is the last aim, not worth a long search.
const pkQuickStrats = 10

// pkMultiStrats is how many strategies fillAll tries to fill several boxes
// at once. Most combinations of box types it is asked to fill are too
// small, and every strategy fails on them: on the BoxPacker corpus, trying
// 6 instead of all 34 finds the same box counts (3D and 2D) with a third
// less work.
const pkMultiStrats = 6

// pkMaxMisses is how many item lines in a row may fail to fit before the
// greedy pass deems a box full.
const pkMaxMisses = 256

// pkShelfAfter is how many budgets of work the greedy pass may spend on
// extreme points before it falls back to shelf filling.
const pkShelfAfter = 3

// pkGreedyStrats are the strategies the greedy pass tries per box.
var pkGreedyStrats = []pkStrat{
	{order: pkOrderVolume, merit: pkMeritFit, first: -1},
	{order: pkOrderFootprint, merit: pkMeritFit, first: -1},
	{order: pkOrderVolume, merit: pkMeritLowTop, first: -1},
}

type pkSolver struct {
	ctx     context.Context
	items   []Item
	qty     []int // Quantity per item (validated: at most MaxUnits)
	boxes   []BoxType
	scale   int64
	kinds   []pkKind
	types   []pkType
	byVol   []int // box types by outer volume, smallest first
	supply  []int // remaining boxes per type; -1 is unlimited
	orders  [pkOrders][]int32
	rank    [pkOrders][]int32 // position of each kind in orders
	local   []int32           // scratch: index of a kind in the counts being filled
	mins    []pkMins          // scratch of noRoom
	orBuf   []pkOrient        // the kinds' orientations
	fitBuf  []bool            // the kinds' fits
	ordBuf  []int32           // orders and rank
	chain   []int32           // scratch of noRoom
	near    []int32           // scratch of commit
	keepAll bool              // commit keeps every point (see open)
	// firstO is the orientation of the first unit fillStrat placed by
	// place in its last run, box by box, or -1 (see fillAll).
	firstO    int
	anyMaxPer bool
	// Per kind and box type (at k*len(types)+t): the kind's orientations
	// that fit the box, in the kind's order (tors[torsAt[i]:torsAt[i+1]]),
	// and their least extents along X, Y, Z (tmn; the largest int64 when
	// none fits). Per box type, the least extents over every kind (typeMn).
	tors    []pkOrient
	torsAt  []int32
	tmn     [][3]int64
	typeMn  [][3]int64
	work    int64
	budget  int64
	stopped bool
	pool    []*pkBin // bins of failed attempts, for reuse
	quick   bool     // fillAll tries only the first pkQuickStrats strategies
	settler pkSettler
	unfit   map[string]bool // balance: box type and contents that did not pack
	fills   int             // balance: boxes it has tried to pack
	sig     []byte          // balance: scratch for unfit keys

	cost     CostFunc             // the cost objective's function, or nil
	costs    map[string]oms.Money // cost per box type and contents
	costErr  error                // the cost function's first error
	minBoxes int                  // parcels of the box-count packing

	count    []int // units per kind to pack together
	bins     []*pkBin
	alone    []*pkBin
	asIs     []int // kinds, one entry per unit
	unpacked [][4]int
}

const pkReasons = 4

var pkReasonList = [pkReasons]UnpackedReason{UnpackedTooLarge, UnpackedTooHeavy, UnpackedNoBox, UnpackedStopped}

func pkGCD(a, b int64) int64 {
	if a != 0 && b%a == 0 {
		return a // the common case once a has settled: one division
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// pkSolverPool holds solvers that finished packings released (see
// recycleSolver), so that a later packing reuses their slices.
var pkSolverPool sync.Pool

// pkSolverMax is the most item lines a released solver may have room for:
// larger solvers are left to the garbage collector rather than kept.
const pkSolverMax = 1024

// pkBuf returns b emptied when it has room for n elements, else a new
// slice with room for n.
func pkBuf[T any](b []T, n int) []T {
	if cap(b) >= n {
		return b[:0]
	}
	return make([]T, 0, n)
}

// pkZeros returns n zero elements, in b when it has room.
func pkZeros[T any](b []T, n int) []T {
	b = pkBuf(b, n)[:n]
	clear(b)
	return b
}

func pkNewSolver(ctx context.Context, items []Item, boxes []BoxType, budget int64) *pkSolver {
	s, _ := pkSolverPool.Get().(*pkSolver)
	if s == nil {
		s = new(pkSolver)
	}
	// The slices of a released solver are reused; everything else starts
	// afresh.
	old := *s
	*s = pkSolver{ctx: ctx, items: items, boxes: boxes, budget: budget, settler: old.settler,
		sig: old.sig[:0], mins: old.mins[:0], chain: old.chain[:0], near: old.near[:0], asIs: old.asIs[:0]}
	g := int64(0)
	for _, it := range items {
		g = pkGCD(pkGCD(pkGCD(g, int64(it.Dimensions.Length)), int64(it.Dimensions.Width)), int64(it.Dimensions.Height))
	}
	for _, b := range boxes {
		g = pkGCD(pkGCD(pkGCD(g, int64(b.Inner.Length)), int64(b.Inner.Width)), int64(b.Inner.Height))
	}
	s.scale = max(g, 1)
	// One allocation per field rather than per item or box.
	s.qty = pkBuf(old.qty, len(items))
	s.types = pkBuf(old.types, len(boxes))
	s.byVol = pkBuf(old.byVol, len(boxes))
	s.supply = pkBuf(old.supply, len(boxes))
	s.kinds = pkBuf(old.kinds, len(items))
	s.orBuf = pkBuf(old.orBuf, len(pkOrientations)*len(items))
	s.fitBuf = pkZeros(old.fitBuf, len(items)*len(boxes))
	orBuf, fitBuf := s.orBuf, s.fitBuf
	for _, it := range items {
		s.qty = append(s.qty, int(it.Quantity))
	}
	for i, b := range boxes {
		t := pkType{outer: pkVolume(b.outer()), payload: math.MaxInt64 / 4, empty: int64(b.EmptyWeight)}
		t.in = [3]int64{int64(b.Inner.Length) / s.scale, int64(b.Inner.Width) / s.scale, int64(b.Inner.Height) / s.scale}
		t.v = float64(t.in[0]) * float64(t.in[1]) * float64(t.in[2])
		if b.MaxWeight > 0 {
			t.payload = int64(b.MaxWeight - b.EmptyWeight)
		}
		s.types = append(s.types, t)
		s.byVol = append(s.byVol, i)
		sup := -1
		if b.Limited {
			sup = int(min(b.Supply, MaxUnits+1))
		}
		s.supply = append(s.supply, sup)
	}
	slices.SortStableFunc(s.byVol, func(a, b int) int {
		return cmp.Or(cmp.Compare(s.types[a].outer, s.types[b].outer), cmp.Compare(s.types[a].v, s.types[b].v))
	})
	s.unpacked = pkZeros(old.unpacked, len(items))
	for i, it := range items {
		d := [3]int64{int64(it.Dimensions.Length) / s.scale, int64(it.Dimensions.Width) / s.scale, int64(it.Dimensions.Height) / s.scale}
		k := pkKind{w: int64(it.Weight), noStack: it.NoStack, maxPer: int(min(it.MaxPerBox, MaxUnits+1))}
		k.v = float64(d[0]) * float64(d[1]) * float64(d[2])
		if k.maxPer > 0 {
			s.anyMaxPer = true
		}
		k.ors = orBuf[len(orBuf) : len(orBuf) : len(orBuf)+len(pkOrientations)]
		for oi, p := range pkOrientations {
			if !pkAllows(it.Rotation, oi, it.Dimensions) {
				continue
			}
			od := [3]int64{d[p.axes[0]], d[p.axes[1]], d[p.axes[2]]}
			if !slices.ContainsFunc(k.ors, func(q pkOrient) bool { return q.d == od }) {
				k.ors = append(k.ors, pkOrient{d: od, o: uint8(oi)})
			}
		}
		sd := d
		slices.Sort(sd[:])
		k.keys = [pkOrders]int64{
			pkOrderVolume:    int64(k.v),
			pkOrderLongest:   sd[2],
			pkOrderFootprint: sd[2] * sd[1],
			pkOrderHeight:    d[2],
			pkOrderWeight:    k.w,
		}
		orBuf = orBuf[:len(orBuf)+len(k.ors)]
		k.ors = k.ors[:len(k.ors):len(k.ors)]
		k.fits, fitBuf = fitBuf[:len(boxes):len(boxes)], fitBuf[len(boxes):]
		geo := false
		for t := range s.types {
			for _, o := range k.ors {
				if o.d[0] <= s.types[t].in[0] && o.d[1] <= s.types[t].in[1] && o.d[2] <= s.types[t].in[2] {
					geo = true
					k.fits[t] = k.w <= s.types[t].payload
					break
				}
			}
		}
		s.kinds = append(s.kinds, k)
		switch {
		case it.ShipsAsIs:
			for range s.qty[i] {
				s.asIs = append(s.asIs, i)
			}
		case !geo:
			s.unpacked[i][0] += s.qty[i]
		case !slices.Contains(k.fits, true):
			s.unpacked[i][1] += s.qty[i]
		}
	}
	nt := len(s.types)
	s.tors = pkBuf(old.tors, len(orBuf)*nt)
	s.torsAt = append(pkBuf(old.torsAt, len(items)*nt+1), 0)
	s.tmn = pkBuf(old.tmn, len(items)*nt)
	s.typeMn = pkBuf(old.typeMn, nt)
	for range nt {
		s.typeMn = append(s.typeMn, [3]int64{math.MaxInt64, math.MaxInt64, math.MaxInt64})
	}
	for k := range s.kinds {
		for t := range s.types {
			in := &s.types[t].in
			mn := [3]int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}
			for _, o := range s.kinds[k].ors {
				if o.d[0] <= in[0] && o.d[1] <= in[1] && o.d[2] <= in[2] {
					s.tors = append(s.tors, o)
					for a := range 3 {
						mn[a] = min(mn[a], o.d[a])
						s.typeMn[t][a] = min(s.typeMn[t][a], o.d[a])
					}
				}
			}
			s.torsAt = append(s.torsAt, int32(len(s.tors)))
			s.tmn = append(s.tmn, mn)
		}
	}
	s.count = pkZeros(old.count, len(items))
	for i, it := range items {
		if !it.ShipsAsIs && !it.ShipsAlone && slices.Contains(s.kinds[i].fits, true) {
			s.count[i] = s.qty[i]
		}
	}
	s.ordBuf = pkBuf(old.ordBuf, 2*pkOrders*len(items))[:2*pkOrders*len(items)]
	ordBuf := s.ordBuf
	for o := range pkOrders {
		ks, rk := ordBuf[:len(items):len(items)], ordBuf[len(items):2*len(items):2*len(items)]
		ordBuf = ordBuf[2*len(items):]
		for i := range ks {
			ks[i] = int32(i)
		}
		// Largest key first, then largest volume; stable. (An insertion
		// sort for the few lines of most calls.)
		if len(ks) <= 16 {
			for i := 1; i < len(ks); i++ {
				for j := i; j > 0; j-- {
					ka, kb := &s.kinds[ks[j]], &s.kinds[ks[j-1]]
					if ka.keys[o] < kb.keys[o] || ka.keys[o] == kb.keys[o] && ka.v <= kb.v {
						break
					}
					ks[j], ks[j-1] = ks[j-1], ks[j]
				}
			}
		} else {
			slices.SortStableFunc(ks, func(a, b int32) int {
				ka, kb := &s.kinds[a], &s.kinds[b]
				return cmp.Or(cmp.Compare(kb.keys[o], ka.keys[o]), cmp.Compare(kb.v, ka.v))
			})
		}
		s.orders[o] = ks
		s.rank[o] = rk
		for i, k := range ks {
			s.rank[o][k] = int32(i)
		}
	}
	s.local = pkZeros(old.local, len(items))
	return s
}

// recycleSolver hands the solver to pkSolverPool for a later packing to reuse
// its slices, after releaseBins. The solver must not be used afterwards:
// call it when the result has been built (result copies everything out of
// the solver).
func (s *pkSolver) recycleSolver() {
	if len(s.items) > pkSolverMax || cap(s.asIs) > pkPoolMax || cap(s.settler.nodes) > 8*pkPoolMax {
		return
	}
	// Keep the slices; drop what refers to the caller's data or to maps.
	*s = pkSolver{
		qty: s.qty, types: s.types, byVol: s.byVol, supply: s.supply, kinds: s.kinds,
		tors: s.tors, torsAt: s.torsAt, tmn: s.tmn, typeMn: s.typeMn,
		orBuf: s.orBuf, fitBuf: s.fitBuf, ordBuf: s.ordBuf, unpacked: s.unpacked, count: s.count,
		local: s.local, sig: s.sig, mins: s.mins, chain: s.chain, near: s.near, asIs: s.asIs, settler: s.settler,
	}
	clear(s.kinds[:cap(s.kinds)]) // no pointers into the old buffers survive
	pkSolverPool.Put(s)
}

// ctxDone reports whether the context has ended.
func (s *pkSolver) ctxDone() bool {
	if !s.stopped && s.ctx.Err() != nil {
		s.stopped = true
	}
	return s.stopped
}

// spent reports whether the improvement search must stop.
func (s *pkSolver) spent() bool { return s.work > s.budget || s.ctxDone() }

func (s *pkSolver) solve() {
	if s.ctxDone() {
		s.stopAll()
		return
	}
	s.packAlone()
	s.bins = s.packGroup(s.count)
	s.minBoxes = len(s.bins) + len(s.alone) + len(s.asIs)
	s.balance()
	if s.cost != nil && !s.waiting() {
		// Its moves may free a box, which units waiting for one would
		// take: with units out of boxes, a cheaper packing of the others
		// is not what the shop needs.
		s.costSearch()
	}
}

// waiting reports whether units are left out for want of a box.
func (s *pkSolver) waiting() bool {
	for _, u := range s.unpacked {
		if u[2] > 0 {
			return true
		}
	}
	return false
}

// stopAll lists every unit that is not yet placed as stopped.
func (s *pkSolver) stopAll() {
	for i := range s.items {
		if s.unpacked[i][0]+s.unpacked[i][1] == 0 {
			s.unpacked[i][3] = s.qty[i]
		}
	}
	s.asIs = nil
	s.count = nil
}

// packAlone puts each unit that ships alone into the smallest box type with
// supply left that holds it.
func (s *pkSolver) packAlone() {
	for i, it := range s.items {
		if !it.ShipsAlone || !slices.Contains(s.kinds[i].fits, true) {
			continue
		}
		for u := range s.qty[i] {
			if s.ctxDone() {
				s.unpacked[i][3] += s.qty[i] - u
				break
			}
			placed := false
			for _, t := range s.byVol {
				if s.supply[t] == 0 || !s.kinds[i].fits[t] {
					continue
				}
				b := s.newBin(t)
				if s.grid(b, int32(i), 1) == 1 {
					s.alone = append(s.alone, b)
					s.use(t, 1)
					placed = true
					break
				}
			}
			if !placed {
				s.unpacked[i][2]++
			}
		}
	}
}

// use takes n boxes of type t from the supply.
func (s *pkSolver) use(t, n int) {
	if s.supply[t] > 0 {
		s.supply[t] -= n
	}
}

// release gives a box of type t back to the supply.
func (s *pkSolver) release(t int) {
	if s.supply[t] >= 0 {
		s.supply[t]++
	}
}

// pkKC is a number of units of one kind.
type pkKC struct {
	k int32
	n int
}

// pkSparse returns the kinds of count that have units, in kind order.
func pkSparse(count []int) []pkKC {
	var cs []pkKC
	for k, n := range count {
		if n > 0 {
			cs = append(cs, pkKC{int32(k), n})
		}
	}
	return cs
}

// binCount returns the units of a bin as counts per kind, in kind order.
func pkBinCount(items []pkPlaced) []pkKC {
	ks := make([]int32, len(items))
	for i, p := range items {
		ks[i] = p.k
	}
	return pkKindCount(ks)
}

// pkKindCount returns the units of kinds ks (which it sorts) as counts per
// kind, in kind order.
func pkKindCount(ks []int32) []pkKC {
	slices.Sort(ks)
	var cs []pkKC
	for _, k := range ks {
		if n := len(cs); n > 0 && cs[n-1].k == k {
			cs[n-1].n++
		} else {
			cs = append(cs, pkKC{k, 1})
		}
	}
	return cs
}

// units lists the units of cs in the given kind order.
func (s *pkSolver) units(cs []pkKC, order int) []int32 {
	var buf [16]pkKC
	sorted := append(buf[:0], cs...)
	r := s.rank[order]
	slices.SortFunc(sorted, func(a, b pkKC) int { return cmp.Compare(r[a.k], r[b.k]) })
	n := 0
	for _, c := range cs {
		n += c.n
	}
	u := make([]int32, 0, n)
	for _, c := range sorted {
		for range c.n {
			u = append(u, c.k)
		}
	}
	return u
}

func pkTotal(count []int) int {
	n := 0
	for _, c := range count {
		n += c
	}
	return n
}

// packGroup packs the units of count into as few boxes as it can.
func (s *pkSolver) packGroup(count []int) []*pkBin {
	n := pkTotal(count)
	if n == 0 {
		return nil
	}
	sup0 := slices.Clone(s.supply)
	done := func(bins []*pkBin) []*pkBin {
		copy(s.supply, sup0)
		for _, b := range bins {
			s.use(b.t, 1)
		}
		return s.shrink(bins)
	}
	cs := pkSparse(count)
	lb := s.lowerBound(cs)
	if lb == 1 && !s.spent() {
		if bins := s.tryK(cs, 1, math.MaxInt64); bins != nil {
			// The box types were tried smallest first: nothing to shrink.
			return bins
		}
	}
	bins, left := s.greedy(count)
	copy(s.supply, sup0)
	for k, c := range left {
		if c > 0 {
			if s.stopped {
				s.unpacked[k][3] += c
			} else {
				s.unpacked[k][2] += c
			}
		}
	}
	if pkTotal(left) > 0 {
		// Shrinking may free boxes of a type the units left over fit:
		// they go there, so that no unit waits beside a box it fits.
		bins = done(bins)
		for !s.ctxDone() {
			more, rest := s.greedy(left)
			if len(more) == 0 {
				break
			}
			for k := range left {
				s.unpacked[k][2] -= left[k] - rest[k]
			}
			for _, b := range more {
				s.use(b.t, 1)
			}
			bins, left = append(bins, more...), rest
		}
		return bins
	}
	if len(bins) > 12 || n > 400 {
		return done(bins)
	}
	for k := max(lb, 2); k < len(bins) && !s.spent(); k++ {
		if b := s.tryK(cs, k, math.MaxInt64); b != nil {
			return done(b)
		}
	}
	if !s.spent() {
		if b := s.tryK(cs, len(bins), s.binsVolume(bins)); b != nil {
			bins = b
		}
	}
	return done(bins)
}

func (s *pkSolver) binsVolume(bins []*pkBin) oms.Volume {
	var v oms.Volume
	for _, b := range bins {
		v += s.types[b.t].outer
	}
	return v
}

// lowerBound returns a lower bound on the boxes count needs, by volume and
// by weight.
func (s *pkSolver) lowerBound(cs []pkKC) int {
	var v, maxV float64
	var w, maxW float64
	for _, c := range cs {
		v += float64(c.n) * s.kinds[c.k].v
		w += float64(c.n) * float64(s.kinds[c.k].w)
	}
	for t, ty := range s.types {
		if s.supply[t] != 0 {
			maxV = max(maxV, ty.v)
			maxW = max(maxW, float64(ty.payload))
		}
	}
	lb := 1
	if maxV > 0 {
		lb = max(lb, int(math.Ceil(v/maxV-1e-9)))
	}
	if maxW > 0 {
		lb = max(lb, int(math.Ceil(w/maxW-1e-9)))
	}
	return lb
}

// tryK tries combinations of k box types, smallest total volume first,
// below the volume limit, and returns the first packing of every unit.
func (s *pkSolver) tryK(cs []pkKC, k int, limit oms.Volume) []*pkBin {
	var v, w float64
	for _, c := range cs {
		v += float64(c.n) * s.kinds[c.k].v
		w += float64(c.n) * float64(s.kinds[c.k].w)
	}
	type combo struct {
		ts  []int
		vol oms.Volume
	}
	var combos []combo
	var flat []int // the combos' box types, k each
	cur := make([]int, 0, k)
	var maxV, maxW float64
	for _, ty := range s.types {
		maxV, maxW = max(maxV, ty.v), max(maxW, float64(ty.payload))
	}
	// The enumeration is bounded, so that many box types cannot make it
	// explode.
	const maxCombos, maxNodes = 4000, 100_000
	nodes := 0
	var rec func(from int, vol oms.Volume, iv, pw float64)
	rec = func(from int, vol oms.Volume, iv, pw float64) {
		nodes++
		left := float64(k - len(cur))
		if len(combos) >= maxCombos || nodes > maxNodes || vol >= limit ||
			iv+left*maxV < v*(1-1e-12) || pw+left*maxW < w {
			return
		}
		if len(cur) == k {
			if iv < v*(1-1e-12) || pw < w {
				return
			}
			for _, c := range cs {
				if !slices.ContainsFunc(cur, func(t int) bool { return s.kinds[c.k].fits[t] }) {
					return
				}
			}
			flat = append(flat, cur...)
			combos = append(combos, combo{vol: vol})
			return
		}
		for i := from; i < len(s.byVol); i++ {
			t := s.byVol[i]
			used := 0
			for _, c := range cur {
				if c == t {
					used++
				}
			}
			if s.supply[t] >= 0 && used >= s.supply[t] {
				continue
			}
			cur = append(cur, t)
			rec(i, vol+s.types[t].outer, iv+s.types[t].v, pw+float64(s.types[t].payload))
			cur = cur[:len(cur)-1]
		}
	}
	rec(0, 0, 0, 0)
	for i := range combos {
		combos[i].ts = flat[i*k : (i+1)*k : (i+1)*k]
	}
	s.work += int64(nodes)
	slices.SortStableFunc(combos, func(a, b combo) int { return cmp.Compare(a.vol, b.vol) })
	for _, c := range combos {
		if s.spent() {
			return nil
		}
		// Fill the largest boxes first.
		slices.SortStableFunc(c.ts, func(a, b int) int { return cmp.Compare(s.types[b].v, s.types[a].v) })
		if bins := s.fillAll(cs, c.ts); bins != nil {
			return bins
		}
	}
	return nil
}

// pkMins is a kind's least extent along each axis over its orientations
// that fit a box type, and its number of units.
type pkMins struct {
	m [3]int64
	n int
}

// noRoom reports whether the units of cs provably do not fit together in
// one box of type t, by a chain bound: two units can lie side by side
// along an axis only if their least extents along it (over the
// orientations that fit the box) add up to at most the box's side. Take an
// axis c and a set of units no two of which can lie side by side along
// either other axis: in any packing, each pair is apart along c (two boxes
// that do not overlap are apart along some axis), so the units form a
// chain along c and their extents along c add up to at most the box's
// side. noRoom builds such a set greedily, largest extent along c first,
// for each axis, and reports whether the extents exceed the side. Units of
// a kind that cannot lie side by side with one another all join the set.
//
// Most single boxes that fillAll fails to fill on the BoxPacker corpus are
// caught here (about four in five, half or less full by volume): without
// the bound, every strategy fails on them in turn.
func (s *pkSolver) noRoom(cs []pkKC, t int) bool {
	in := &s.types[t].in
	ms := s.mins[:0]
	for _, c := range cs {
		kd := &s.kinds[c.k]
		if !kd.fits[t] {
			return true
		}
		m := pkMins{m: [3]int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}, n: c.n}
		for _, o := range kd.ors {
			if o.d[0] <= in[0] && o.d[1] <= in[1] && o.d[2] <= in[2] {
				for a := range 3 {
					m.m[a] = min(m.m[a], o.d[a])
				}
			}
		}
		ms = append(ms, m)
	}
	s.mins = ms
	s.work += int64(len(cs))
	for c := range 3 {
		a, b := (c+1)%3, (c+2)%3
		// apart reports whether units of kinds p and q may lie side by
		// side along a or b. (Every least extent is at most the box's
		// side: the sums do not wrap.)
		apart := func(p, q *pkMins) bool {
			return p.m[a]+q.m[a] <= in[a] || p.m[b]+q.m[b] <= in[b]
		}
		idx := s.chain[:0]
		for i := range ms {
			idx = append(idx, int32(i))
		}
		s.chain = idx
		slices.SortFunc(idx, func(x, y int32) int { return cmp.Compare(ms[y].m[c], ms[x].m[c]) })
		// The set is kept in idx[:n], which the loop has passed.
		n := 0
		sum := int64(0)
	next:
		for _, i := range idx {
			p := &ms[i]
			for _, j := range idx[:n] {
				if apart(p, &ms[j]) {
					continue next
				}
			}
			idx[n] = i
			n++
			if apart(p, p) {
				sum += p.m[c]
			} else {
				sum += int64(p.n) * p.m[c]
			}
			if sum > in[c] {
				return true
			}
		}
	}
	return false
}

// fillAll tries each strategy to pack every unit of count into boxes of
// types ts, and returns the bins of the first that succeeds.
func (s *pkSolver) fillAll(cs []pkKC, ts []int) []*pkBin {
	if len(ts) == 1 && s.noRoom(cs, ts[0]) {
		return nil // every strategy would fail
	}
	if len(ts) == 1 && len(cs) == 1 && cs[0].n > 32 {
		b := s.newBin(ts[0])
		if s.grid(b, cs[0].k, cs[0].n) == cs[0].n {
			return []*pkBin{b}
		}
		s.recycle([]*pkBin{b})
	}
	if len(ts) == 1 {
		if b := s.glue(cs, ts[0]); b != nil {
			return []*pkBin{b}
		}
	}
	var units [pkOrders][]int32
	// canon[o] is the first order that lists the units as order o does:
	// a strategy that differs from one tried only by such an order would
	// fill the boxes the same way, and is skipped.
	var canon [pkOrders]int
	var tried [pkOrders * pkMerits * 4 * 7]bool
	// One box: firstO[canon order*pkMerits+merit] records how the
	// strategy of that order and merit without a forced orientation
	// started (see fillStrat's s.firstO), plus 2; 0 is not run. A run
	// forcing the orientation the first unit took anyway (or any, when
	// the run started with a grid or could not place its first unit)
	// would fill the box the same way, and fail the same way.
	var firstO [pkOrders * pkMerits]int8
	strats := pkStrats
	if s.quick {
		strats = strats[:pkQuickStrats]
	}
	if len(ts) > 1 {
		// Several boxes: the first strategies (and the partitions
		// below) find what the rest would, on the BoxPacker corpus.
		strats = strats[:min(len(strats), pkMultiStrats)]
	}
	for _, st := range strats {
		if len(ts) == 1 && (st.firstFit || st.rev) {
			continue
		}
		if units[st.order] == nil {
			units[st.order] = s.units(cs, st.order)
			canon[st.order] = st.order
			for o := range pkOrders {
				if o != st.order && units[o] != nil && canon[o] == o && slices.Equal(units[o], units[st.order]) {
					canon[st.order] = o
					break
				}
			}
		}
		mode := 0
		if st.firstFit {
			mode = 1
		}
		if st.rev {
			mode += 2
		}
		key := ((canon[st.order]*pkMerits+st.merit)*4+mode)*7 + st.first + 1
		if tried[key] {
			continue
		}
		tried[key] = true
		if st.first >= 0 && !slices.ContainsFunc(s.kinds[units[st.order][0]].ors, func(o pkOrient) bool { return int(o.o) == st.first }) {
			continue
		}
		fo := &firstO[canon[st.order]*pkMerits+st.merit]
		if len(ts) == 1 && mode == 0 && st.first >= 0 && (*fo == 1 || int(*fo) == st.first+2) {
			continue
		}
		if bins := s.fillStrat(cs, units[st.order], ts, st); bins != nil {
			return bins
		}
		if len(ts) == 1 && mode == 0 && st.first < 0 {
			*fo = int8(s.firstO + 2)
		}
		if s.spent() {
			return nil
		}
	}
	if len(ts) > 1 {
		for _, order := range []int{pkOrderWeight, pkOrderVolume} {
			if bins := s.fillPartition(cs, ts, order); bins != nil || s.spent() {
				return bins
			}
		}
	}
	return nil
}

// fillPartition shares the units out among boxes of types ts, each unit
// (taken in the given order) to the box it fills least by weight and
// volume, then packs each box on its own.
func (s *pkSolver) fillPartition(cs []pkKC, ts []int, order int) []*pkBin {
	parts := make([][]int, len(ts))
	ws := make([]float64, len(ts))
	vs := make([]float64, len(ts))
	for i := range parts {
		parts[i] = make([]int, len(cs))
	}
	for i, c := range cs {
		s.local[c.k] = int32(i)
	}
	for _, k := range s.units(cs, order) {
		kd := &s.kinds[k]
		best, bestF := -1, math.Inf(1)
		for i, t := range ts {
			ty := &s.types[t]
			if !kd.fits[t] {
				continue
			}
			f := max((ws[i]+float64(kd.w))/float64(ty.payload), (vs[i]+kd.v)/ty.v)
			if f < bestF {
				best, bestF = i, f
			}
		}
		if best < 0 || bestF > 1 {
			return nil
		}
		parts[best][s.local[k]]++
		ws[best] += float64(kd.w)
		vs[best] += kd.v
	}
	bins := make([]*pkBin, len(ts))
	for i, t := range ts {
		var part []pkKC
		for j, n := range parts[i] {
			if n > 0 {
				part = append(part, pkKC{cs[j].k, n})
			}
		}
		if part == nil {
			return nil
		}
		// The last resort for several boxes: each box gets the quick
		// strategies only (on the BoxPacker corpus, the same boxes for
		// 5% less work).
		q := s.quick
		s.quick = true
		b := s.fillAll(part, []int{t})
		s.quick = q
		if b == nil {
			return nil
		}
		bins[i] = b[0]
	}
	return bins
}

// fillStrat packs every unit into fresh boxes of types ts with one
// strategy, or returns nil.
func (s *pkSolver) fillStrat(cs []pkKC, units []int32, ts []int, st pkStrat) []*pkBin {
	bins := make([]*pkBin, len(ts))
	for i, t := range ts {
		bins[i] = s.newBin(t)
	}
	s.firstO = -1
	if st.rev {
		slices.Reverse(bins)
	}
	for i, c := range cs {
		s.local[c.k] = int32(i)
	}
	nk := len(cs)
	// Flags on the stack for most calls.
	var fbuf [64]bool
	var dbuf [128]bool
	failed := pkFlags(fbuf[:], len(ts)*nk)
	s.work += int64(len(units) + len(failed)) // the setup and scans cost too
	force := st.first
	if st.firstFit {
	next:
		for _, k := range units {
			if s.work > s.budget {
				return s.recycle(bins)
			}
			for i, b := range bins {
				if failed[i*nk+int(s.local[k])] {
					continue
				}
				if s.place(b, k, st.merit, force) {
					force = -1
					continue next
				}
				failed[i*nk+int(s.local[k])] = true
			}
			return s.recycle(bins)
		}
		return s.dropEmpty(bins)
	}
	done := pkFlags(dbuf[:], len(units))
	left := len(units)
	for i, b := range bins {
		if left == 0 {
			// Fewer boxes than ts take every unit.
			return s.dropEmpty(bins)
		}
		s.work += int64(len(units))
		if kd, n := s.onlyKind(units, done); n > 1 {
			// One item left: fill the box as a grid.
			placed := s.grid(b, int32(kd), n)
			for j := range units {
				if placed == 0 {
					break
				}
				if !done[j] {
					done[j] = true
					placed--
					left--
				}
			}
			continue
		}
		for j, k := range units {
			if done[j] || failed[i*nk+int(s.local[k])] {
				continue
			}
			if s.work > s.budget {
				return s.recycle(bins)
			}
			if s.place(b, k, st.merit, force) {
				if s.firstO < 0 {
					s.firstO = int(b.items[len(b.items)-1].o)
				}
				force = -1
				done[j] = true
				left--
			} else {
				if i == len(bins)-1 {
					return s.recycle(bins) // the last box has no room for it
				}
				failed[i*nk+int(s.local[k])] = true
			}
		}
	}
	if left > 0 {
		return s.recycle(bins)
	}
	return bins
}

// pkFlags returns n false flags, in buf when it has room.
func pkFlags(buf []bool, n int) []bool {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]bool, n)
}

// dropEmpty returns bins without the empty ones (which it recycles): when
// fewer boxes than asked for take every unit, the packing is better for it.
func (s *pkSolver) dropEmpty(bins []*pkBin) []*pkBin {
	kept := bins[:0]
	for _, b := range bins {
		if len(b.items) > 0 {
			kept = append(kept, b)
		} else {
			s.recycle([]*pkBin{b})
		}
	}
	return kept
}

// onlyKind returns the kind of the units not done and their number when
// they are all of one kind; otherwise a zero number.
func (s *pkSolver) onlyKind(units []int32, done []bool) (int32, int) {
	kd, n := int32(-1), 0
	for j, k := range units {
		if done[j] {
			continue
		}
		if kd >= 0 && k != kd {
			return 0, 0
		}
		kd = k
		n++
	}
	return kd, n
}

// fillOne fills one box of type t with as much of rem as the best of a
// few strategies takes (by volume); live lists, per unit order, the kinds
// that may still have units.
func (s *pkSolver) fillOne(rem []int, live *[pkOrders][]int32, t int, strats int) *pkBin {
	if l := live[0]; len(l) == 1 && rem[l[0]] > 32 {
		b := s.newBin(t)
		s.grid(b, l[0], rem[l[0]])
		return b
	}
	var best *pkBin
	for _, st := range pkGreedyStrats[:min(strats, len(pkGreedyStrats))] {
		b := s.newBin(t)
		misses := 0
		for _, k := range live[st.order] {
			for range rem[k] {
				if !s.place(b, k, st.merit, -1) {
					misses++
					break
				}
				misses = 0
			}
			if misses >= pkMaxMisses {
				break // the box is as good as full
			}
		}
		if best == nil || b.v > best.v {
			s.recycle([]*pkBin{best})
			best = b
		} else {
			s.recycle([]*pkBin{b})
		}
	}
	return best
}

// greedy fills one box after another and returns the boxes and the units
// left over (no box left, or the context ended).
func (s *pkSolver) greedy(count []int) ([]*pkBin, []int) {
	rem := slices.Clone(count)
	sup := slices.Clone(s.supply)
	defer copy(s.supply, sup)
	var bins []*pkBin
	total := pkTotal(rem)
	// Two strategies a box (one past 500 units): a third found no fewer
	// boxes on the BoxPacker corpus, for 8% more work.
	strats := 2
	if total > 500 {
		strats = 1
	}
	var live [pkOrders][]int32
	for o := range live {
		for _, k := range s.orders[o] {
			if rem[k] > 0 {
				live[o] = append(live[o], k)
			}
		}
	}
	for total > 0 && !s.ctxDone() {
		var best *pkBin
		for _, t := range s.byVol {
			if s.supply[t] == 0 {
				continue
			}
			b := s.fillOne(rem, &live, t, strats)
			if len(b.items) == 0 {
				s.recycle([]*pkBin{b})
				continue
			}
			if len(b.items) == total {
				s.recycle([]*pkBin{best})
				best = b
				break
			}
			if best == nil || b.v > best.v {
				s.recycle([]*pkBin{best})
				best = b
			} else {
				s.recycle([]*pkBin{b})
			}
		}
		if best == nil {
			break
		}
		content := pkBinCount(best.items)
		reps := math.MaxInt
		for _, c := range content {
			rem[c.k] -= c.n
			total -= c.n
			reps = min(reps, rem[c.k]/c.n)
		}
		bins = append(bins, best)
		s.use(best.t, 1)
		// Replicate a box while at least one more of the same remains
		// after it, leaving the tail to fresh decisions.
		for r := 1; r < reps; r++ {
			if s.supply[best.t] == 0 {
				break
			}
			bins = append(bins, best.clone())
			s.use(best.t, 1)
			for _, c := range content {
				rem[c.k] -= c.n
				total -= c.n
			}
		}
		for o := range live {
			live[o] = slices.DeleteFunc(live[o], func(k int32) bool { return rem[k] == 0 })
		}
	}
	return bins, rem
}

// shrink repacks each bin into the smallest box type that takes its
// contents.
func (s *pkSolver) shrink(bins []*pkBin) []*pkBin {
	type key struct {
		t   int
		sig string
	}
	memo := map[key]*pkBin{}
	for i, b := range bins {
		if s.spent() {
			break
		}
		count := pkBinCount(b.items)
		sig := make([]byte, 0, 8*len(count))
		for _, c := range count {
			sig = binary.LittleEndian.AppendUint32(sig, uint32(c.k))
			sig = binary.LittleEndian.AppendUint32(sig, uint32(c.n))
		}
		kk := key{b.t, string(sig)}
		if m, ok := memo[kk]; ok {
			if m != nil && s.supply[m.t] != 0 {
				s.use(m.t, 1)
				s.release(b.t)
				bins[i] = m.clone()
			}
			continue
		}
		memo[kk] = nil
		for _, t := range s.byVol {
			if t == b.t {
				break
			}
			if s.types[t].outer >= s.types[b.t].outer || s.supply[t] == 0 || s.types[t].v < b.v {
				continue
			}
			if nb := s.fillAll(count, []int{t}); nb != nil {
				s.use(t, 1)
				s.release(b.t)
				bins[i] = nb[0]
				memo[kk] = nb[0]
				break
			}
		}
	}
	return bins
}

// gross returns the weight of a packed bin, box included.
func (s *pkSolver) gross(b *pkBin) int64 { return b.w + s.types[b.t].empty }

func pkAbs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// remove returns a copy of b without its j-th unit. The layout of the
// others stays valid; the copy takes no further units.
func (s *pkSolver) remove(b *pkBin, j int) *pkBin {
	c := b.clone()
	p := c.items[j]
	c.items = slices.Delete(c.items, j, j+1)
	kd := &s.kinds[p.k]
	c.w -= kd.w
	c.v -= kd.v
	if c.cnt != nil {
		c.cnt[p.k]--
	}
	c.nost = slices.ContainsFunc(c.items, func(q pkPlaced) bool { return s.kinds[q.k].noStack })
	c.eps, c.pruned = nil, false
	c.settled = false // units may have rested on the one removed
	return c
}

// result converts the solver's state into a Result.
func (s *pkSolver) result() Result {
	var p Result
	if n := len(s.bins) + len(s.alone) + len(s.asIs); n > 0 {
		p.Boxes = make([]PackedBox, 0, n) // nil when there are none, as before
	}
	for _, list := range [2][]*pkBin{s.bins, s.alone} {
		for _, b := range list {
			s.settle(b)
			p.Boxes = append(p.Boxes, s.packedBox(b))
		}
	}
	for _, k := range s.asIs {
		it := s.items[k]
		p.Boxes = append(p.Boxes, PackedBox{
			Type: -1, Name: it.ID, AsIs: true, Outer: it.Dimensions,
			Items:         []PackedItem{{Item: k, ID: it.ID, SKU: it.SKU, Orientation: OrientationLWH, Placed: it.Dimensions, Weight: it.Weight}},
			ContentWeight: it.Weight, GrossWeight: it.Weight, Volume: pkVolume(it.Dimensions), Utilisation: 1,
		})
	}
	for i, r := range s.unpacked {
		for j, n := range r {
			if n > 0 {
				p.Unpacked = append(p.Unpacked, UnpackedItem{Item: i, ID: s.items[i].ID, Quantity: int64(n), Reason: pkReasonList[j]})
			}
		}
	}
	p.Stopped = s.stopped
	p.MinBoxes = s.minBoxes
	if s.cost == nil || s.minBoxes == 0 {
		p.MinBoxes = len(p.Boxes)
	}
	return p
}

func (s *pkSolver) packedBox(b *pkBin) PackedBox {
	bt := &s.boxes[b.t]
	pb := PackedBox{Type: b.t, Name: bt.Name, Outer: bt.outer(), Volume: s.types[b.t].outer}
	g := oms.Length(s.scale)
	pb.Items = make([]PackedItem, len(b.items))
	for i := range b.items {
		q := &b.items[i]
		it := &s.items[q.k]
		pb.Items[i] = PackedItem{
			Item: int(q.k), ID: it.ID, SKU: it.SKU,
			Position:    Position{X: oms.Length(q.x) * g, Y: oms.Length(q.y) * g, Z: oms.Length(q.z) * g},
			Orientation: pkOrientations[q.o].o,
			Placed:      oms.Dimensions{Length: oms.Length(q.dx) * g, Width: oms.Length(q.dy) * g, Height: oms.Length(q.dz) * g},
			Weight:      it.Weight,
		}
		pb.ContentWeight += it.Weight
	}
	pb.GrossWeight = pb.ContentWeight + bt.EmptyWeight
	pb.Utilisation = pkUtil(b.v, s.types[b.t].v)
	return pb
}
