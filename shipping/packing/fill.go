package packing

// This file holds the single-box machinery of Pack: extreme-point
// placement, grid and shelf filling, and settling, in exact integer units.

import (
	"cmp"
	"slices"
	"sync"
)

// pkPt is an extreme point: a candidate corner for the next unit.
type pkPt struct{ x, y, z int64 }

// pkPlaced is a unit placed in a bin.
type pkPlaced struct {
	k          int32 // kind
	o          uint8 // index into pkOrientations
	x, y, z    int64
	dx, dy, dz int64
}

// pkBin is a box being filled.
type pkBin struct {
	t     int
	items []pkPlaced
	eps   []pkPt
	w     int64   // content weight, mg
	v     float64 // content volume, scaled units
	cnt   []int32 // units per kind, when some kind has MaxPerBox
	nost  bool    // holds a NoStack unit
	shelf bool    // filled by shelves from now on
	sh    pkShelf
	// settled says every unit rests on the floor or on another unit (see
	// settle); adding or removing a unit clears it.
	settled bool
	// pruned says commit left out extreme points because no unit of any
	// kind fits at them (see commit and open). Where eps is cleared, so
	// is pruned.
	pruned bool
	// pooled says the bin is in pkBinPool; newBin clears it.
	pooled bool
}

// pkMaxEP is the most units a bin fills by extreme points; further units go
// on shelves above them, so that filling stays fast for any input.
const pkMaxEP = 120

// pkOrient is an allowed orientation of a kind: extents along X, Y, Z.
type pkOrient struct {
	d [3]int64
	o uint8
}

// Merit rules for choosing among feasible corners.
const (
	pkMeritLowTop = iota // lowest top, then nearest the back, then the side
	pkMeritCorner        // lowest corner, then back, then side; flattest
	pkMeritFit           // lowest top, then least waste across the floor
	pkMeritFit3          // least waste along all three axes, then lowest
	pkMerits
)

func (s *pkSolver) newBin(t int) *pkBin {
	if n := len(s.pool); n > 0 {
		b := s.pool[n-1]
		s.pool = s.pool[:n-1]
		*b = pkBin{t: t, items: b.items[:0], eps: append(b.eps[:0], pkPt{}), cnt: b.cnt}
		clear(b.cnt)
		return b
	}
	if v := pkBinPool.Get(); v != nil {
		// A bin another packing released: its slices are reused, its
		// counts sized for this solver's kinds.
		b := v.(*pkBin)
		*b = pkBin{t: t, items: b.items[:0], eps: append(b.eps[:0], pkPt{}), cnt: b.cnt[:0]}
		if s.anyMaxPer {
			b.cnt = slices.Grow(b.cnt, len(s.kinds))[:len(s.kinds)]
			clear(b.cnt)
		} else {
			b.cnt = nil
		}
		return b
	}
	// Room for a few units and their extreme points, so that the first
	// commits do not grow the slices one doubling at a time.
	b := &pkBin{t: t, items: make([]pkPlaced, 0, pkBinCap), eps: make([]pkPt, 1, 4*pkBinCap)}
	if s.anyMaxPer {
		b.cnt = make([]int32, len(s.kinds))
	}
	return b
}

// pkBinPool holds bins that finished packings released (see release), for
// newBin in later packings, whatever goroutine runs them.
var pkBinPool sync.Pool

// pkPoolMax is the most units a released bin may have room for: larger
// bins are left to the garbage collector rather than kept.
const pkPoolMax = 1024

// releaseBins hands every bin of the solver to pkBinPool, once each, and
// forgets them. The solver must not be used afterwards: call it when the
// result has been built (result copies everything out of the bins).
func (s *pkSolver) releaseBins() {
	for _, list := range [][]*pkBin{s.pool, s.bins, s.alone} {
		for _, b := range list {
			if b == nil || b.pooled || cap(b.items) > pkPoolMax {
				continue
			}
			b.pooled = true
			pkBinPool.Put(b)
		}
	}
	s.pool, s.bins, s.alone = nil, nil, nil
}

// pkBinCap is the number of units a new bin has room for before its
// slices grow.
const pkBinCap = 8

// recycle keeps bins that are no longer used for newBin, and returns nil.
// A nil bin is skipped.
func (s *pkSolver) recycle(bins []*pkBin) []*pkBin {
	for _, b := range bins {
		if b != nil {
			s.pool = append(s.pool, b)
		}
	}
	return nil
}

// clone returns a deep copy of b.
func (b *pkBin) clone() *pkBin {
	c := *b
	c.items = append([]pkPlaced(nil), b.items...)
	c.eps = append([]pkPt(nil), b.eps...)
	if b.cnt != nil {
		c.cnt = append([]int32(nil), b.cnt...)
	}
	return &c
}

// admits reports whether kind k passes b's weight, volume and count limits.
func (s *pkSolver) admits(b *pkBin, k int32) bool {
	kd := &s.kinds[k]
	ty := &s.types[b.t]
	if !kd.fits[b.t] || b.w+kd.w > ty.payload || b.v+kd.v > ty.v*(1+1e-12) {
		return false
	}
	return kd.maxPer <= 0 || b.cnt == nil || int(b.cnt[k]) < kd.maxPer
}

// place puts one unit of kind k into b at the best extreme point, and
// reports whether it found room. A force of 0 to 5 allows only that
// orientation (pkOrientations index); -1 allows every orientation the
// kind's rule allows.
func (s *pkSolver) place(b *pkBin, k int32, merit, force int) bool {
	if !s.admits(b, k) {
		return false
	}
	if !b.shelf && (len(b.items) >= pkMaxEP || s.work > pkShelfAfter*s.budget) {
		s.startShelf(b)
	}
	if b.shelf {
		return s.shelfPlace(b, &b.sh, k)
	}
	kd := &s.kinds[k]
	ty := &s.types[b.t]
	W, L, H := ty.in[0], ty.in[1], ty.in[2]
	found := false
	var best pkPlaced
	var bm [4]int64
	n := int64(len(b.items))
	// Only the orientations that fit the box are tried (admits saw that
	// there is one), in the kind's order.
	kt := int(k)*len(s.types) + b.t
	ors := s.tors[s.torsAt[kt]:s.torsAt[kt+1]]
	mn := &s.tmn[kt]
	mx, my, mz := W-mn[0], L-mn[1], H-mn[2]
	// Under the merits that rank first by the unit's top (or base), a
	// corner whose lowest possible top (or base) is above the best so far
	// cannot win.
	mz0 := int64(0)
	switch merit {
	case pkMeritLowTop, pkMeritFit:
		mz0 = mn[2]
	case pkMeritFit3:
		mz0 = -1 // no bound
	}
	if force >= 0 {
		// Only the forced orientation (if the kind has it) is tried.
		i := slices.IndexFunc(ors, func(o pkOrient) bool { return int(o.o) == force })
		if i < 0 {
			return false
		}
		ors = ors[i : i+1]
	}
	// Tests of the form a <= b && c <= d are written (b-a)|(d-c) >= 0,
	// one branch instead of several that the processor cannot predict:
	// every side is at most pkMaxLength, so no difference wraps.
	for _, p := range b.eps {
		if (mx-p.x)|(my-p.y)|(mz-p.z) < 0 {
			continue // no orientation fits at p
		}
		if found && mz0 >= 0 && p.z+mz0 > bm[0] {
			continue
		}
		for _, o := range ors {
			dx, dy, dz := o.d[0], o.d[1], o.d[2]
			if (W-dx-p.x)|(L-dy-p.y)|(H-dz-p.z) < 0 {
				continue // out of the box
			}
			// The merit is ranked first by its first value, which is
			// cheap: a corner that loses on it is dropped before the
			// rest (two divisions for pkMeritFit) is worked out.
			var m [4]int64
			switch merit {
			case pkMeritLowTop:
				if found && p.z+dz > bm[0] {
					continue
				}
				m = [4]int64{p.z + dz, p.y + dy, p.x + dx, p.z}
			case pkMeritFit:
				if found && p.z+dz > bm[0] {
					continue
				}
				m = [4]int64{p.z + dz, pkMod(W-p.x, dx) + pkMod(L-p.y, dy), p.y, p.x}
			case pkMeritFit3:
				m = [4]int64{pkMod(W-p.x, dx) + pkMod(L-p.y, dy) + pkMod(H-p.z, dz), p.z, p.y, p.x}
			default:
				if found && p.z > bm[0] {
					continue
				}
				m = [4]int64{p.z, p.y, p.x, dz}
			}
			if found && !pkLess(m, bm) {
				continue
			}
			s.work += n + 1
			c := pkPlaced{k: k, o: o.o, x: p.x, y: p.y, z: p.z, dx: dx, dy: dy, dz: dz}
			if !s.free(b, &c, kd.noStack) {
				continue
			}
			found, best, bm = true, c, m
		}
	}
	if !found {
		return false
	}
	s.commit(b, best)
	return true
}

// open reports whether place may put a unit into b as it would have
// before commit left out points (which balance asks before it tries): when
// b's list of extreme points would be non-empty had commit kept every
// point. A point left out cannot win a unit, so place finds the same
// corners without it; only when the list is empty and place would turn to
// shelves (pkMaxEP units, or the work long spent) does the full list tell
// what to do, and open builds it again by committing b's units afresh in
// order, keeping every point. (b's units are in the order they were
// committed: balance asks before the positions are settled.)
func (s *pkSolver) open(b *pkBin) bool {
	if len(b.eps) > 0 {
		return true
	}
	if !b.pruned || len(b.items) < pkMaxEP && s.work <= pkShelfAfter*s.budget {
		// The full list is empty too, or place would find nothing in it
		// and return false: the same as not trying.
		return false
	}
	work := s.work
	r := s.newBin(b.t)
	s.keepAll = true
	for _, c := range b.items {
		s.commit(r, c)
	}
	s.keepAll = false
	s.work = work
	ok := len(r.eps) > 0
	s.recycle([]*pkBin{r})
	return ok
}

// pkMod returns a % b for 0 <= a and 0 < b, both at most pkMaxLength (so
// below 2³²), by the faster 32-bit division.
func pkMod(a, b int64) int64 { return int64(uint32(a) % uint32(b)) }

func pkLess(a, b [4]int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// free reports whether c overlaps no unit of b and breaks no stacking
// rule.
func (s *pkSolver) free(b *pkBin, c *pkPlaced, noStack bool) bool {
	top := c.z + c.dz
	// The units placed last first: a corner is most often near them, so
	// a clash is found sooner (a fifth fewer units looked at on the
	// BoxPacker corpus).
	for i := len(b.items) - 1; i >= 0; i-- {
		q := &b.items[i]
		// The footprints overlap if c.x < q.x+q.dx && q.x < c.x+c.dx,
		// and likewise along Y (see place).
		if (q.x+q.dx-1-c.x)|(c.x+c.dx-1-q.x)|(q.y+q.dy-1-c.y)|(c.y+c.dy-1-q.y) < 0 {
			continue // footprints apart
		}
		if c.z < q.z+q.dz && q.z < top {
			return false
		}
		if noStack && q.z >= top {
			return false
		}
		if b.nost && s.kinds[q.k].noStack && c.z >= q.z+q.dz {
			return false
		}
	}
	return true
}

// commit records c in b and updates the extreme points.
func (s *pkSolver) commit(b *pkBin, c pkPlaced) {
	kd := &s.kinds[c.k]
	b.items = append(b.items, c)
	b.settled = false
	b.w += kd.w
	b.v += kd.v
	if b.cnt != nil {
		b.cnt[c.k]++
	}
	if kd.noStack {
		b.nost = true
	}
	ty := &s.types[b.t]
	x1, y1, z1 := c.x+c.dx, c.y+c.dy, c.z+c.dz
	// The six projections, in one pass over the units: px1y projects
	// (x1, c.y, c.z) along Y, and so on. (c itself, listed last, projects
	// nothing: none of its far faces lies inside it.) The pass also lists
	// the units that straddle one of c's far faces (x1, y1 or z1), the
	// only ones a new point, which lies on one of those faces, can be in.
	var px1y, px1z, py1x, py1z, pz1x, pz1y int64
	near := s.near[:0]
	for i := range b.items[:len(b.items)-1] {
		q := &b.items[i]
		qx1, qy1, qz1 := q.x+q.dx, q.y+q.dy, q.z+q.dz
		inX1, inCX := x1 >= q.x && x1 < qx1, c.x >= q.x && c.x < qx1
		inY1, inCY := y1 >= q.y && y1 < qy1, c.y >= q.y && c.y < qy1
		inZ1, inCZ := z1 >= q.z && z1 < qz1, c.z >= q.z && c.z < qz1
		if inX1 || inY1 || inZ1 {
			near = append(near, int32(i))
		}
		if inCZ {
			if inX1 && qy1 <= c.y && qy1 > px1y {
				px1y = qy1
			}
			if inY1 && qx1 <= c.x && qx1 > py1x {
				py1x = qx1
			}
		}
		if qz1 <= c.z && inCY {
			if inX1 && qz1 > px1z {
				px1z = qz1
			}
		}
		if qz1 <= c.z && inCX && inY1 && qz1 > py1z {
			py1z = qz1
		}
		if inZ1 {
			if inCY && qx1 <= c.x && qx1 > pz1x {
				pz1x = qx1
			}
			if inCX && qy1 <= c.y && qy1 > pz1y {
				pz1y = qy1
			}
		}
	}
	// The new extreme points, in the order they are added: a point is
	// added unless it lies outside the box, equals a point already listed
	// or lies inside a unit.
	ps := [9]pkPt{
		{x1, c.y, c.z},
		{x1, px1y, c.z},
		{x1, c.y, px1z},
		{c.x, y1, c.z},
		{py1x, y1, c.z},
		{c.x, y1, py1z},
		{c.x, c.y, z1},
		{pz1x, c.y, z1},
		{c.x, pz1y, z1},
	}
	// The points are in three groups: ps[0:3] lie on the plane x = x1,
	// ps[3:6] on y = y1, ps[6:9] on z = z1, and each on no other of these
	// planes (its other coordinates are below c's far faces). So two
	// points can be equal only within a group. live has bit i set while
	// ps[i] is still to be added.
	var live uint16
	// A point where no kind fits in this box type, even at its least
	// extents, is left out: place would pass over it for every unit, so
	// the packing does not change for it; only the list gets shorter.
	tm := &s.typeMn[b.t]
	lx, ly, lz := ty.in[0]-tm[0], ty.in[1]-tm[1], ty.in[2]-tm[2]
	for i := range ps {
		p := &ps[i]
		if p.x >= ty.in[0] || p.y >= ty.in[1] || p.z >= ty.in[2] {
			continue
		}
		if (lx-p.x)|(ly-p.y)|(lz-p.z) < 0 && !s.keepAll {
			b.pruned = true
			continue
		}
		dup := false
		for j := i - i%3; j < i; j++ {
			if ps[j] == *p {
				dup = true
				break
			}
		}
		if !dup {
			live |= 1 << i
		}
	}
	eps := b.eps
	kept := 0
	for _, e := range eps {
		// A listed point equal to a new one lies on the new one's plane;
		// the new point is then not added again.
		if live != 0 && (e.x == x1 || e.y == y1 || e.z == z1) {
			g := 6
			switch {
			case e.x == x1:
				g = 0
			case e.y == y1:
				g = 3
			}
			for j := g; j < g+3; j++ {
				if live&(1<<j) != 0 && ps[j] == e {
					live &^= 1 << j
					break // the new points differ from one another
				}
			}
		}
		// The point stays unless it lies inside c (c.x <= e.x < x1, and
		// likewise along Y and Z; see place): written in place, counted
		// without a branch.
		in := (e.x - c.x) | (x1 - 1 - e.x) | (e.y - c.y) | (y1 - 1 - e.y) | (e.z - c.z) | (z1 - 1 - e.z)
		eps[kept] = e
		kept += int(uint64(in) >> 63)
	}
	b.eps = eps[:kept]
	s.near = near
	for _, i := range near {
		if live == 0 {
			break
		}
		q := &b.items[i]
		for j := range ps {
			if live&(1<<j) != 0 && pkInside(ps[j], q) {
				live &^= 1 << j
			}
		}
	}
	for j := range ps {
		if live&(1<<j) != 0 {
			b.eps = append(b.eps, ps[j])
		}
	}
	s.work += int64(len(b.items)) * 8
}

func pkInside(e pkPt, q *pkPlaced) bool {
	// q.x <= e.x < q.x+q.dx, and likewise along Y and Z (see place).
	return (e.x-q.x)|(q.x+q.dx-1-e.x)|(e.y-q.y)|(q.y+q.dy-1-e.y)|(e.z-q.z)|(q.z+q.dz-1-e.z) >= 0
}

// grid places up to n units of kind k in the empty bin b as layers of a
// grid in the orientation that holds the most (the fewest layers on a tie),
// and returns how many it placed.
func (s *pkSolver) grid(b *pkBin, k int32, n int) int {
	kd := &s.kinds[k]
	ty := &s.types[b.t]
	if !kd.fits[b.t] {
		return 0
	}
	if kd.w > 0 {
		n = int(min(int64(n), ty.payload/kd.w))
	}
	if kd.maxPer > 0 {
		n = min(n, kd.maxPer)
	}
	bestN, bestLayers := 0, int64(0)
	var bo pkOrient
	for _, o := range kd.ors {
		nx, ny, nz := ty.in[0]/o.d[0], ty.in[1]/o.d[1], ty.in[2]/o.d[2]
		if kd.noStack {
			nz = min(nz, 1)
		}
		per := nx * ny
		if per == 0 || nz == 0 {
			continue
		}
		c := int(min(per*nz, int64(n)))
		layers := (int64(c) + per - 1) / per
		if c > bestN || c == bestN && layers*o.d[2] < bestLayers {
			bestN, bestLayers, bo = c, layers*o.d[2], o
		}
	}
	if bestN == 0 {
		return 0
	}
	nx, ny := ty.in[0]/bo.d[0], ty.in[1]/bo.d[1]
	s.work += int64(bestN)
	for i := 0; i < bestN; i++ {
		ix, iy, iz := int64(i)%nx, int64(i)/nx%ny, int64(i)/(nx*ny)
		c := pkPlaced{k: k, o: bo.o, x: ix * bo.d[0], y: iy * bo.d[1], z: iz * bo.d[2], dx: bo.d[0], dy: bo.d[1], dz: bo.d[2]}
		b.items = append(b.items, c)
		b.w += kd.w
		b.v += kd.v
		if b.cnt != nil {
			b.cnt[k]++
		}
	}
	if kd.noStack {
		b.nost = true
	}
	b.eps, b.pruned = nil, false // a grid bin takes nothing more
	// Full layers from the floor up, each unit above one of the same
	// footprint: settled, unless the bin held units before.
	b.settled = len(b.items) == bestN
	return bestN
}

// pkShelf is the cursor of shelf filling.
type pkShelf struct {
	x, y, z    int64 // next free corner
	x0, y0     int64 // where rows and layers start along X and Y
	rowD, layH int64 // depth of the current row, height of the current layer
}

// startShelf starts shelf filling in the largest free block of b that lies
// wholly above, or wholly beyond along X or Y, everything already in it:
// above only left no room for units as tall as those placed (sheets
// standing on edge, say), and a box that held thousands of them took a
// few hundred.
func (s *pkSolver) startShelf(b *pkBin) {
	var top, ex, ey int64
	for i := range b.items {
		p := &b.items[i]
		top, ex, ey = max(top, p.z+p.dz), max(ex, p.x+p.dx), max(ey, p.y+p.dy)
	}
	in := s.types[b.t].in
	w, l, h := float64(in[0]), float64(in[1]), float64(in[2])
	b.sh = pkShelf{z: top}
	best := w * l * (h - float64(top))
	if v := (w - float64(ex)) * l * h; v > best {
		b.sh, best = pkShelf{x: ex, x0: ex}, v
	}
	if v := w * (l - float64(ey)) * h; v > best {
		b.sh = pkShelf{y: ey, y0: ey}
	}
	b.shelf = true
	b.eps, b.pruned = nil, false // extreme points no longer describe the free space
}

// shelfPlace puts one unit of kind k in the next free spot of rows and
// layers, flattest orientation first, and reports whether it did. It costs
// no search, so it is what filling falls back to once the work budget is
// long spent: any input finishes quickly.
func (s *pkSolver) shelfPlace(b *pkBin, sh *pkShelf, k int32) bool {
	if !s.admits(b, k) {
		return false
	}
	kd := &s.kinds[k]
	ty := &s.types[b.t]
	W, L, H := ty.in[0], ty.in[1], ty.in[2]
	for step := range 3 {
		x, y, z := sh.x, sh.y, sh.z
		switch step {
		case 1: // a new row
			x, y = sh.x0, sh.y+sh.rowD
		case 2: // a new layer
			x, y, z = sh.x0, sh.y0, sh.z+sh.layH
		}
		found := false
		var c pkPlaced
		for _, o := range kd.ors {
			if x+o.d[0] > W || y+o.d[1] > L || z+o.d[2] > H {
				continue
			}
			if !found || o.d[2] < c.dz || o.d[2] == c.dz && o.d[1] < c.dy {
				found = true
				c = pkPlaced{k: k, o: o.o, x: x, y: y, z: z, dx: o.d[0], dy: o.d[1], dz: o.d[2]}
			}
		}
		if !found {
			continue
		}
		s.work++
		if (kd.noStack || b.nost) && !s.free(b, &c, kd.noStack) {
			return false
		}
		switch step {
		case 1:
			sh.rowD = 0
		case 2:
			sh.rowD, sh.layH = 0, 0
		}
		sh.x, sh.y, sh.z = x+c.dx, y, z
		sh.rowD = max(sh.rowD, c.dy)
		sh.layH = max(sh.layH, c.dz)
		b.items = append(b.items, c)
		b.settled = false
		b.w += kd.w
		b.v += kd.v
		if b.cnt != nil {
			b.cnt[k]++
		}
		if kd.noStack {
			b.nost = true
		}
		return true
	}
	return false
}

// pkSettleSmall is the most units a bin may hold for settle to compare
// every pair instead of building a grid.
const pkSettleSmall = 48

// pkSettler holds settle's scratch space, reused from bin to bin.
type pkSettler struct {
	order []int32   // units by increasing z
	heads []int32   // per grid cell, the first node of its list; -1 is empty
	nodes []pkSNode // cell lists
}

// pkSNode is an entry of a cell list: a settled unit whose footprint
// covers part of the cell.
type pkSNode struct{ u, next int32 }

// settle lowers every unit of b until it rests on the floor or on the top
// face of a unit below it: taking the units in increasing z, each drops to
// the highest top among the units already settled whose footprints overlap
// its own with positive area, or to 0. Extreme points at a unit's base and
// shelf layers (which sit at the layer's z, above shorter units of the
// layer below) can leave units in the air; a packing station needs every
// unit to rest on something.
//
// Settling keeps the packing valid. Take two units a and b whose
// footprints overlap. They do not overlap in space, so one lies wholly
// above the other: say a's top is at or below b's bottom, so a comes first
// in increasing z (two such units never share a z). When b settles, a has
// settled already, so b ends at or above a's new top: the two still do not
// overlap, and b is still the one above. So no overlap appears, and
// nothing comes to lie above a NoStack unit that did not lie above it
// before (footprints do not move, and the order of stacked units is kept).
// A unit never moves up: the units it may drop onto were below it, and
// they only moved down, so their new tops are at or below its bottom. Nor
// does it go below the floor: it stays inside the box.
// Weights, counts and orientations do not change. Each unit rests where it
// settles (on the floor or on the unit whose top it dropped to), and that
// unit does not move again. Settling a settled bin changes nothing, so
// bins known to be settled (grids, and copies of settled bins) are skipped.
//
// Small bins compare every pair. Larger bins use a uniform grid over the
// box's floor, with cells about the units' mean footprint: each settled
// unit is listed in the cells its footprint covers, and a unit looks only
// at the lists of its own cells. A listed unit is dropped from a cell's
// list once a later unit covers all of its part of the cell (the later
// unit is higher, so the earlier can no longer be the highest there),
// which keeps a column of many layers from growing the lists.
func (s *pkSolver) settle(b *pkBin) {
	if b.settled {
		return
	}
	b.settled = true
	n := len(b.items)
	if n < 2 {
		if n == 1 {
			b.items[0].z = 0
		}
		return
	}
	st := &s.settler
	items := b.items
	if n <= pkSettleSmall {
		// Insertion sort, stable, in an array on the stack.
		var buf [pkSettleSmall]int32
		order := buf[:n]
		for i := range order {
			order[i] = int32(i)
			for j := i; j > 0 && items[order[j]].z < items[order[j-1]].z; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		for i, u := range order {
			c := &items[u]
			z := int64(0)
			for _, v := range order[:i] {
				q := &items[v]
				if c.x < q.x+q.dx && q.x < c.x+c.dx && c.y < q.y+q.dy && q.y < c.y+c.dy {
					z = max(z, q.z+q.dz)
				}
			}
			c.z = z
		}
		return
	}
	st.order = slices.Grow(st.order[:0], n)
	for i := range items {
		st.order = append(st.order, int32(i))
	}
	slices.SortStableFunc(st.order, func(i, j int32) int { return cmp.Compare(items[i].z, items[j].z) })
	// Cells of about the mean footprint, coarsened while there would be
	// more than about 4n of them or the units would be listed more than
	// about 8n times in all (a few large units over many small cells).
	var sx, sy int64
	for i := range items {
		sx += items[i].dx
		sy += items[i].dy
	}
	ty := &s.types[b.t]
	W, L := ty.in[0], ty.in[1]
	cw, ch := max(sx/int64(n), 1), max(sy/int64(n), 1)
	var gx, gy, lists int64
	for {
		gx, gy = (W+cw-1)/cw, (L+ch-1)/ch
		if gx*gy <= 4*int64(n)+16 {
			lists = 0
			for i := range items {
				q := &items[i]
				lists += ((q.x+q.dx-1)/cw - q.x/cw + 1) * ((q.y+q.dy-1)/ch - q.y/ch + 1)
			}
			if lists <= 8*int64(n) || gx*gy == 1 {
				break
			}
		}
		cw, ch = 2*cw, 2*ch
	}
	st.heads = slices.Grow(st.heads[:0], int(gx*gy))[:gx*gy]
	for i := range st.heads {
		st.heads[i] = -1
	}
	st.nodes = slices.Grow(st.nodes[:0], int(lists))
	for _, u := range st.order {
		c := &items[u]
		x1, y1 := c.x+c.dx, c.y+c.dy
		cx0, cx1 := c.x/cw, min((x1-1)/cw, gx-1)
		cy0, cy1 := c.y/ch, min((y1-1)/ch, gy-1)
		z := int64(0)
		for cy := cy0; cy <= cy1; cy++ {
			for cx := cx0; cx <= cx1; cx++ {
				cell := cy*gx + cx
				prev := int32(-1)
				for e := st.heads[cell]; e >= 0; e = st.nodes[e].next {
					q := &items[st.nodes[e].u]
					qx1, qy1 := q.x+q.dx, q.y+q.dy
					if c.x < qx1 && q.x < x1 && c.y < qy1 && q.y < y1 {
						z = max(z, q.z+q.dz)
						if c.x <= max(q.x, cx*cw) && min(qx1, (cx+1)*cw) <= x1 &&
							c.y <= max(q.y, cy*ch) && min(qy1, (cy+1)*ch) <= y1 {
							// c covers q's part of the cell: unlink q.
							if prev < 0 {
								st.heads[cell] = st.nodes[e].next
							} else {
								st.nodes[prev].next = st.nodes[e].next
							}
							continue
						}
					}
					prev = e
				}
			}
		}
		c.z = z
		for cy := cy0; cy <= cy1; cy++ {
			for cx := cx0; cx <= cx1; cx++ {
				cell := cy*gx + cx
				st.nodes = append(st.nodes, pkSNode{u: u, next: st.heads[cell]})
				st.heads[cell] = int32(len(st.nodes) - 1)
			}
		}
	}
}
