package packing

// This file holds the last part of step 5 of Pack's heuristic: evening the
// boxes' gross weights without changing their types, so that neither the
// number of boxes nor their total volume changes.

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// pkBalanceTries is how many boxes balance repacks, trying changes to a
// pair of boxes, before it gives up on the pair.
const pkBalanceTries = 8

// pkBalanceAllPairs is the most boxes for which balance looks at every pair;
// above it, only the pairs among the four heaviest and the four lightest.
const pkBalanceAllPairs = 8

// pkBalanceSteps bounds the local search that shares a pair's units out
// afresh.
const pkBalanceSteps = 64

// Changes balance considers for a pair of boxes, cheapest first.
const (
	pkOpRelabel   = iota // swap two units, each into the other's place
	pkOpMove             // move one unit to the lighter box
	pkOpSwap             // swap one unit of each box
	pkOpPartition        // share the pair's units out afresh
)

// pkChange is a change to a pair of boxes, with the difference of their
// gross weights after it.
type pkChange struct {
	diff  int64
	op    int
	j, m  int       // units of the heavier and the lighter box
	parts [2][]pkKC // partition: contents of the heavier and the lighter box
}

// pkPair is a pair of boxes, the heavier first.
type pkPair struct {
	hi, lo int
	diff   int64
}

// balance evens the boxes' gross weights without changing their types,
// so the number of boxes and their total volume stay as they are. It takes
// the pairs of boxes whose gross weights differ most (every pair, up to
// eight boxes) and, for each, lists the changes that narrow the pair's
// difference:
//
//   - move one unit from the heavier box to the lighter;
//   - swap a heavier unit of one box for a lighter unit of the other: in
//     place when each fits within the other's space (units of the same
//     shape), else by repacking both boxes, when the unit going to the
//     lighter box is no larger than the one it replaces;
//   - share the pair's units out afresh, heaviest first, each to the box
//     that is lighter so far;
//   - share them out by a local search from the present contents, which
//     moves several units of an item at once or swaps one unit of each box
//     while that brings the two weights closer, so that groups of units
//     change boxes.
//
// Every change keeps each box within its weight limit, its volume and its
// MaxPerBox rules. The changes are tried in order of the difference they
// leave, smallest first, checking that the boxes still pack (an in-place
// swap always does; the others place the unit at a free corner or repack
// the boxes), and the first that packs is kept; at most pkBalanceTries
// boxes are repacked for a pair before it counts as even for now, and
// contents that failed to pack are not tried again.
// With the sum of the two weights fixed, narrowing their difference always
// lowers the variance. The search repeats until no pair narrows or the
// work budget is spent.
func (s *pkSolver) balance() {
	bins := s.bins
	if len(bins) < 2 {
		return
	}
	s.quick = true
	defer func() { s.quick = false }()
	ver := make([]int, len(bins))
	failed := map[[4]int]bool{}
	for iter := 0; iter < 16*len(bins) && !s.spent(); iter++ {
		idx := make([]int, len(bins))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(s.gross(bins[b]), s.gross(bins[a])) })
		s.work += int64(len(bins))
		heavy, light := idx, idx
		if len(idx) > pkBalanceAllPairs {
			heavy, light = idx[:4], idx[len(idx)-4:]
		}
		var pairs []pkPair
		for _, i := range heavy {
			for _, j := range light {
				if d := s.gross(bins[i]) - s.gross(bins[j]); d > 0 {
					pairs = append(pairs, pkPair{i, j, d})
				}
			}
		}
		slices.SortStableFunc(pairs, func(a, b pkPair) int { return cmp.Compare(b.diff, a.diff) })
		improved := false
		for _, pr := range pairs {
			if s.spent() {
				return
			}
			key := [4]int{pr.hi, pr.lo, ver[pr.hi], ver[pr.lo]}
			if failed[key] {
				continue
			}
			if s.evenPair(bins, pr.hi, pr.lo) {
				ver[pr.hi]++
				ver[pr.lo]++
				improved = true
				break
			}
			failed[key] = true
		}
		if !improved {
			return
		}
	}
}

// pkKindAt is the units of one kind in a box: the first one's index and
// their number.
type pkKindAt struct {
	k     int32
	first int
	n     int
	some  [pkSlotUnits]int32 // the indexes of its first few units
	ns    int                // how many some holds
}

// pkSlotUnits is how many units of a kind balance looks at when it seeks
// two units that can take each other's place.
const pkSlotUnits = 8

// kindsIn lists the kinds in b with the index of their first unit.
func pkKindsIn(b *pkBin) []pkKindAt {
	ks := make([]pkKindAt, 0, 4)
	i := -1
	for j, p := range b.items {
		if i < 0 || ks[i].k != p.k {
			i = slices.IndexFunc(ks, func(q pkKindAt) bool { return q.k == p.k })
		}
		if i < 0 {
			i = len(ks)
			ks = append(ks, pkKindAt{k: p.k, first: j, n: 1, some: [pkSlotUnits]int32{int32(j)}, ns: 1})
		} else {
			ks[i].n++
			if ks[i].ns < pkSlotUnits {
				ks[i].some[ks[i].ns] = int32(j)
				ks[i].ns++
			}
		}
	}
	return ks
}

// evenPair narrows the difference between the gross weights of bins[hi]
// and bins[lo] (the heavier) if it finds a change that packs, and reports
// whether it did.
func (s *pkSolver) evenPair(bins []*pkBin, hi, lo int) bool {
	h, l := bins[hi], bins[lo]
	diff := s.gross(h) - s.gross(l)
	th, tl := &s.types[h.t], &s.types[l.t]
	hk, lk := pkKindsIn(h), pkKindsIn(l)
	s.work += int64(len(hk) * (len(lk) + 1))
	var cs []pkChange
	for _, a := range hk {
		ka := &s.kinds[a.k]
		if ka.w > 0 && ka.w < diff && len(h.items) > 1 && s.admits(l, a.k) {
			cs = append(cs, pkChange{diff: pkAbs(diff - 2*ka.w), op: pkOpMove, j: a.first})
		}
		for _, b := range lk {
			kb := &s.kinds[b.k]
			d := ka.w - kb.w
			if a.k == b.k || d <= 0 || d >= diff || !ka.fits[l.t] || !kb.fits[h.t] ||
				l.w+d > tl.payload || h.v-ka.v+kb.v > th.v*(1+1e-12) || l.v-kb.v+ka.v > tl.v*(1+1e-12) ||
				!s.countOK(h, b.k) || !s.countOK(l, a.k) {
				continue
			}
			c := pkChange{diff: pkAbs(diff - 2*d), op: pkOpSwap, j: a.first, m: b.first}
			if j, m := s.slotPair(h, l, a, b); j >= 0 {
				c.op, c.j, c.m = pkOpRelabel, j, m
			} else if ka.v > kb.v {
				// Repacking the lighter box to take a larger unit
				// rarely succeeds (under one time in ten on the
				// BoxPacker corpus): not worth the work.
				continue
			}
			cs = append(cs, c)
		}
	}
	shares := [2][2][]pkKC{s.shareSearch(h, l, hk, lk)}
	if len(hk) > 1 || len(lk) > 1 || hk[0].k != lk[0].k {
		// (Units of one kind: the search has shared them as evenly.)
		shares[1] = s.shareHeavyFirst(h, l)
	}
	for _, p := range shares {
		if p[0] == nil || p[1] == nil {
			continue
		}
		var w [2]int64
		for i := range p {
			for _, c := range p[i] {
				w[i] += int64(c.n) * s.kinds[c.k].w
			}
		}
		if d := pkAbs(th.empty + w[0] - tl.empty - w[1]); d < diff {
			cs = append(cs, pkChange{diff: d, op: pkOpPartition, parts: p})
		}
	}
	slices.SortStableFunc(cs, func(a, b pkChange) int { return cmp.Or(cmp.Compare(a.diff, b.diff), cmp.Compare(a.op, b.op)) })
	fills := s.fills
	for _, c := range cs {
		if s.fills-fills >= pkBalanceTries || s.spent() {
			break
		}
		var nh, nl *pkBin
		switch c.op {
		case pkOpRelabel:
			nh, nl = s.relabel(h, c.j, l.items[c.m].k), s.relabel(l, c.m, h.items[c.j].k)
		case pkOpMove:
			k := h.items[c.j].k
			nl = l.clone()
			if !s.open(nl) || !s.place(nl, k, pkMeritFit, -1) {
				nl = s.fillOne1(pkCountWith(l.items, -1, k), l.t)
			}
			if nl != nil {
				nh = s.remove(h, c.j)
			}
		case pkOpSwap:
			a, b := h.items[c.j].k, l.items[c.m].k
			nh, nl = s.fillPair(pkCountWith(h.items, c.j, b), h.t, pkCountWith(l.items, c.m, a), l.t)
		case pkOpPartition:
			nh, nl = s.fillPair(c.parts[0], h.t, c.parts[1], l.t)
		}
		if nh != nil && nl != nil {
			bins[hi], bins[lo] = nh, nl
			return true
		}
	}
	return false
}

// pkCountWith returns the units of items, with the j-th one of kind k
// instead (or, if j is negative, a unit of kind k more), as counts per
// kind in kind order.
func pkCountWith(items []pkPlaced, j int, k int32) []pkKC {
	ks := make([]int32, len(items), len(items)+1)
	for i, p := range items {
		ks[i] = p.k
	}
	if j >= 0 {
		ks[j] = k
	} else {
		ks = append(ks, k)
	}
	return pkKindCount(ks)
}

// fillOne1 packs the units of cs (in kind order) into one fresh box of
// type t, or returns nil. Contents that failed to pack once are not tried
// again.
func (s *pkSolver) fillOne1(cs []pkKC, t int) *pkBin {
	sig := binary.LittleEndian.AppendUint32(s.sig[:0], uint32(t))
	for _, c := range cs {
		sig = binary.LittleEndian.AppendUint32(sig, uint32(c.k))
		sig = binary.LittleEndian.AppendUint32(sig, uint32(c.n))
	}
	s.sig = sig
	if s.unfit[string(sig)] {
		return nil
	}
	s.fills++
	if b := s.fillAll(cs, []int{t}); b != nil {
		return b[0]
	}
	if s.unfit == nil {
		s.unfit = map[string]bool{}
	}
	s.unfit[string(sig)] = true
	return nil
}

// fillPair packs the units of ch into a fresh box of type th and those of
// cl into one of type tl, the fuller by volume first (the likelier to
// fail), and returns both boxes, or nils.
func (s *pkSolver) fillPair(ch []pkKC, th int, cl []pkKC, tl int) (*pkBin, *pkBin) {
	if s.fillRatio(cl, tl) > s.fillRatio(ch, th) {
		nl := s.fillOne1(cl, tl)
		if nl == nil {
			return nil, nil
		}
		nh := s.fillOne1(ch, th)
		if nh == nil {
			return nil, nil
		}
		return nh, nl
	}
	nh := s.fillOne1(ch, th)
	if nh == nil {
		return nil, nil
	}
	nl := s.fillOne1(cl, tl)
	if nl == nil {
		return nil, nil
	}
	return nh, nl
}

// fillRatio returns the share of the inner volume of a box of type t that
// the units of cs take.
func (s *pkSolver) fillRatio(cs []pkKC, t int) float64 {
	var v float64
	for _, c := range cs {
		v += float64(c.n) * s.kinds[c.k].v
	}
	return v / s.types[t].v
}

// countOK reports whether b may take one more unit of kind k under its
// MaxPerBox rule.
func (s *pkSolver) countOK(b *pkBin, k int32) bool {
	kd := &s.kinds[k]
	return kd.maxPer <= 0 || b.cnt == nil || int(b.cnt[k]) < kd.maxPer
}

// slotOrient returns an orientation (pkOrientations index) in which a unit
// of kind k fits within the space of the placed unit p, or -1.
func (s *pkSolver) slotOrient(k int32, p *pkPlaced) int {
	for _, o := range s.kinds[k].ors {
		if o.d[0] <= p.dx && o.d[1] <= p.dy && o.d[2] <= p.dz {
			return int(o.o)
		}
	}
	return -1
}

// slotPair looks among the first units of kind a in h and of kind b in l
// for two that can take each other's place: each fits within the other's
// space (so both have the same extents, as placed), and a NoStack unit
// only goes where one was. It returns their indexes, or -1s.
func (s *pkSolver) slotPair(h, l *pkBin, a, b pkKindAt) (int, int) {
	ka, kb := &s.kinds[a.k], &s.kinds[b.k]
	if ka.noStack != kb.noStack {
		return -1, -1
	}
	s.work += int64(a.ns * b.ns)
	for _, j := range a.some[:a.ns] {
		if s.slotOrient(b.k, &h.items[j]) < 0 {
			continue
		}
		for _, m := range b.some[:b.ns] {
			if s.slotOrient(a.k, &l.items[m]) >= 0 {
				return int(j), int(m)
			}
		}
	}
	return -1, -1
}

// relabel returns a copy of b whose j-th unit is replaced by a unit of
// kind k that takes its place (see slotPair): as the two units fit within
// each other's space, they have the same extents, so the layout stays as
// it is.
func (s *pkSolver) relabel(b *pkBin, j int, k int32) *pkBin {
	c := b.clone()
	p := &c.items[j]
	old := p.k
	p.k, p.o = k, uint8(s.slotOrient(k, p))
	c.w += s.kinds[k].w - s.kinds[old].w
	c.v += s.kinds[k].v - s.kinds[old].v
	if c.cnt != nil {
		c.cnt[old]--
		c.cnt[k]++
	}
	return c
}

// shareHeavyFirst shares the units of h and l out afresh, heaviest first,
// each to the box that is lighter so far and has room by volume and
// weight, and returns the two boxes' contents, or nils.
func (s *pkSolver) shareHeavyFirst(h, l *pkBin) [2][]pkKC {
	// The units heaviest first (then largest, then by kind): sort the
	// kinds, not the units, which may be thousands of one kind.
	cs := make([]pkKC, 0, 8)
	for _, b := range [2]*pkBin{h, l} {
		for _, a := range pkKindsIn(b) {
			if i := slices.IndexFunc(cs, func(c pkKC) bool { return c.k == a.k }); i >= 0 {
				cs[i].n += a.n
			} else {
				cs = append(cs, pkKC{a.k, a.n})
			}
		}
	}
	slices.SortFunc(cs, func(a, b pkKC) int {
		return cmp.Or(cmp.Compare(s.kinds[b.k].w, s.kinds[a.k].w), cmp.Compare(s.kinds[b.k].v, s.kinds[a.k].v), cmp.Compare(a.k, b.k))
	})
	units := make([]int32, 0, len(h.items)+len(l.items))
	for _, c := range cs {
		for range c.n {
			units = append(units, c.k)
		}
	}
	s.work += int64(len(units))
	ts := [2]int{h.t, l.t}
	g := [2]int64{s.types[h.t].empty, s.types[l.t].empty}
	var v [2]float64
	var n [2]map[int32]int
	var parts [2][]int32
	for _, k := range units {
		kd := &s.kinds[k]
		first := 0
		if g[1] < g[0] {
			first = 1
		}
		placed := false
		for _, i := range [2]int{first, 1 - first} {
			ty := &s.types[ts[i]]
			if kd.fits[ts[i]] && g[i]-ty.empty+kd.w <= ty.payload && v[i]+kd.v <= ty.v*(1+1e-12) &&
				(kd.maxPer <= 0 || n[i][k] < kd.maxPer) {
				g[i] += kd.w
				v[i] += kd.v
				if kd.maxPer > 0 {
					if n[i] == nil {
						n[i] = map[int32]int{}
					}
					n[i][k]++
				}
				parts[i] = append(parts[i], k)
				placed = true
				break
			}
		}
		if !placed {
			return [2][]pkKC{}
		}
	}
	if len(parts[0]) == 0 || len(parts[1]) == 0 {
		return [2][]pkKC{}
	}
	return [2][]pkKC{pkKindCount(parts[0]), pkKindCount(parts[1])}
}

// shareSearch starts from the present contents of h and l and, by a local
// search over moving several units of one item from one box to the other
// and swapping one unit of each, brings their gross weights as close as it
// can while each box keeps room by volume and weight (and its MaxPerBox
// rules) and holds something. It returns the two boxes' contents (in kind
// order), or nils if it finds no better.
func (s *pkSolver) shareSearch(h, l *pkBin, hk, lk []pkKindAt) [2][]pkKC {
	type line struct {
		k      int32
		tot, n int // units in both boxes; units in l
	}
	var ls []line
	for _, a := range hk {
		ls = append(ls, line{a.k, a.n, 0})
	}
	for _, b := range lk {
		if i := slices.IndexFunc(ls, func(q line) bool { return q.k == b.k }); i >= 0 {
			ls[i].tot += b.n
			ls[i].n = b.n
		} else {
			ls = append(ls, line{b.k, b.n, b.n})
		}
	}
	slices.SortFunc(ls, func(a, b line) int { return cmp.Compare(a.k, b.k) })
	th, tl := &s.types[h.t], &s.types[l.t]
	// d is the gross weight of h less that of l; units in each box.
	d := s.gross(h) - s.gross(l)
	vh, vl := h.v, l.v
	wh, wl := h.w, l.w
	uh, ul := len(h.items), len(l.items)
	capOK := func(kd *pkKind, t int, n int) bool { return kd.fits[t] && (kd.maxPer <= 0 || n <= kd.maxPer) }
	moved := false
	for step := 0; step < pkBalanceSteps; step++ {
		s.work += int64(len(ls) * (len(ls) + 1))
		best := pkAbs(d)
		bi, bj, bn := -1, -1, 0
		for i, a := range ls {
			ka := &s.kinds[a.k]
			if ka.w == 0 {
				continue
			}
			// Move n units of a: from h to l (n > 0) or from l to h (n < 0).
			n := (d + ka.w) / (2 * ka.w) // d/2w rounded
			if d < 0 {
				n = (d - ka.w) / (2 * ka.w)
			}
			n = min(max(n, int64(-a.n)), int64(a.tot-a.n))
			// No more than the receiving box has room for by volume,
			// weight and count, and each box keeps a unit.
			if n > 0 {
				n = min(n, int64(uh-1), (tl.payload-wl)/ka.w, int64((tl.v*(1+1e-12)-vl)/ka.v))
				if ka.maxPer > 0 {
					n = min(n, int64(ka.maxPer-a.n))
				}
				n = max(n, 0)
			} else if n < 0 {
				n = max(n, int64(1-ul), -(th.payload-wh)/ka.w, -int64((th.v*(1+1e-12)-vh)/ka.v))
				if ka.maxPer > 0 {
					n = max(n, -int64(ka.maxPer-(a.tot-a.n)))
				}
				n = min(n, 0)
			}
			if n != 0 {
				fn := float64(n)
				nd := d - 2*n*ka.w
				ok := capOK(ka, l.t, a.n+int(n)) && capOK(ka, h.t, a.tot-a.n-int(n)) &&
					wl+n*ka.w <= tl.payload && wh-n*ka.w <= th.payload &&
					vl+fn*ka.v <= tl.v*(1+1e-12) && vh-fn*ka.v <= th.v*(1+1e-12)
				if ok && pkAbs(nd) < best {
					best, bi, bj, bn = pkAbs(nd), i, -1, int(n)
				}
			}
			// Swap one unit of a in h for one unit of b in l.
			if a.tot-a.n == 0 {
				continue
			}
			for j, b := range ls {
				if j == i || b.n == 0 {
					continue
				}
				kb := &s.kinds[b.k]
				dw := ka.w - kb.w
				nd := d - 2*dw
				if pkAbs(nd) >= best {
					continue
				}
				dv := ka.v - kb.v
				if capOK(ka, l.t, a.n+1) && capOK(kb, h.t, b.tot-b.n+1) &&
					wl+dw <= tl.payload && wh-dw <= th.payload &&
					vl+dv <= tl.v*(1+1e-12) && vh-dv <= th.v*(1+1e-12) {
					best, bi, bj, bn = pkAbs(nd), i, j, 1
				}
			}
		}
		if bi < 0 {
			break
		}
		a := &ls[bi]
		ka := &s.kinds[a.k]
		a.n += bn
		d -= 2 * int64(bn) * ka.w
		wl += int64(bn) * ka.w
		wh -= int64(bn) * ka.w
		vl += float64(bn) * ka.v
		vh -= float64(bn) * ka.v
		uh -= bn
		ul += bn
		if bj >= 0 {
			b := &ls[bj]
			kb := &s.kinds[b.k]
			b.n--
			d += 2 * kb.w
			wl -= kb.w
			wh += kb.w
			vl -= kb.v
			vh += kb.v
			uh++
			ul--
		}
		moved = true
	}
	if !moved {
		return [2][]pkKC{}
	}
	var p [2][]pkKC
	for _, a := range ls {
		if a.tot > a.n {
			p[0] = append(p[0], pkKC{a.k, a.tot - a.n})
		}
		if a.n > 0 {
			p[1] = append(p[1], pkKC{a.k, a.n})
		}
	}
	return p
}
