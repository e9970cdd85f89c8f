package packing

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// This file holds the search for cut boxes: units that fill a box exactly,
// as the pieces of a box cut by straight cuts from side to side (guillotine
// cuts) do. Extreme points rarely find such a packing among many pieces:
// every unit must go exactly where its piece was cut. Gluing finds it by
// undoing the cuts: two blocks that share a whole face glue into one
// block, until one block is left that fills the box.

// pkGlueMaxUnits is the most units glue tries to rebuild a box from.
const pkGlueMaxUnits = 64

// The gluing search makes pkGlueTries tries of pkGlueTryNodes glues each.
const (
	pkGlueTries    = 150
	pkGlueTryNodes = 120
)

// Rotation freedom of a block.
const (
	pkFreeNone     = 0 // the block stays as it is
	pkFreeVertical = 1 // it may turn about the vertical axis
	pkFreeAny      = 2 // it may lie in any orientation
)

// pkPerms are the axis permutations: new axis j takes old axis p[j]. The
// first is the identity, the second swaps the two horizontal axes.
var pkPerms = [6][3]int{{0, 1, 2}, {1, 0, 2}, {0, 2, 1}, {2, 0, 1}, {1, 2, 0}, {2, 1, 0}}

// pkPermsOf is how many of pkPerms a freedom allows.
var pkPermsOf = [3]int{1, 2, 6}

// pkGlueNode is a block of the gluing search: a unit, or two blocks glued
// along an axis of its frame.
type pkGlueNode struct {
	d    [3]int64
	free int
	k    int32 // the unit's kind, for a unit
	o    uint8 // the unit's orientation (pkOrientations index), for a unit
	// For a glued block: its parts, each turned by a permutation into
	// this block's frame, the second shifted along axis by the first's
	// extent.
	a, b   int32
	pa, pb int8
	axis   int8
}

// pkGlue is the state of one gluing search.
type pkGlue struct {
	s       *pkSolver
	box     [3]int64
	nodes   []pkGlueNode
	failed  map[uint64]bool
	tried   int
	limit   int
	n       int  // units
	checked int  // tried when over last looked at the budget
	stop    bool // the budget is spent or the context ended
	faces   map[[2]int64]int
	// orphans' index of the blocks' faces (see prep)
	who  map[[2]int64][]int
	fs   []pkFaceSet
	lone []bool
	base int
	seen []int
	rng  *rand.Rand // nil: the first try, in order
}

// glue packs the units of cs into one box of type t by gluing, when they
// fill it exactly, and returns the bin, or nil.
func (s *pkSolver) glue(cs []pkKC, t int) *pkBin {
	ty := &s.types[t]
	var v float64
	var w int64
	n := 0
	for _, c := range cs {
		kd := &s.kinds[c.k]
		if kd.noStack || !kd.fits[t] || kd.maxPer > 0 && c.n > kd.maxPer {
			return nil
		}
		n += c.n
		v += float64(c.n) * kd.v
		w += int64(c.n) * kd.w
	}
	if n < 2 || n > pkGlueMaxUnits || w > ty.payload || v < ty.v*(1-1e-9) || v > ty.v*(1+1e-9) {
		return nil
	}
	g := &pkGlue{s: s, box: ty.in, n: n, failed: map[uint64]bool{}, faces: map[[2]int64]int{}, who: map[[2]int64][]int{}}
	var blocks []int32
	for _, c := range cs {
		kd := &s.kinds[c.k]
		free := pkFreeNone
		switch r := s.items[c.k].Rotation; r {
		case "", RotationAny:
			free = pkFreeAny
		case RotationUpright, RotationFlat:
			free = pkFreeVertical
		}
		o := kd.ors[0]
		for range c.n {
			g.nodes = append(g.nodes, pkGlueNode{d: o.d, free: free, k: c.k, o: o.o, a: -1, b: -1})
			blocks = append(blocks, int32(len(g.nodes)-1))
		}
	}
	// A first search in order, then searches in random orders (seeded:
	// the result stays deterministic), each with a small budget; then
	// beam searches, slower, for the few cases these miss.
	leaves := len(g.nodes)
	root := int32(-1)
	for try := range pkGlueTries {
		if g.stop {
			break
		}
		g.nodes = g.nodes[:leaves]
		g.limit = g.tried + pkGlueTryNodes
		if try > 0 {
			g.rng = rand.New(rand.NewPCG(uint64(try), uint64(n)))
		}
		if root = g.search(slices.Clone(blocks)); root >= 0 {
			break
		}
	}
	for _, w := range pkBeamWidths {
		if root >= 0 || g.stop {
			break
		}
		g.nodes = g.nodes[:leaves]
		g.limit = g.tried + pkBeamNodes
		root = g.beam(slices.Clone(blocks), w)
	}
	s.work += int64(g.tried) * int64(n)
	if root < 0 {
		return nil
	}
	return g.bin(root, t)
}

// over reports whether the search must stop: its own limit, or the
// solver's work budget or context (glues count as work, n units each).
func (g *pkGlue) over() bool {
	if g.tried >= g.limit || g.stop {
		return true
	}
	if g.tried-g.checked >= 256 {
		g.checked = g.tried
		g.stop = g.s.work+int64(g.tried)*int64(g.n) > g.s.budget || g.s.ctxDone()
	}
	return g.stop
}

// fitsBox reports whether the block d with the given freedom fits the box
// in an orientation it allows, and returns that permutation (or -1).
func (g *pkGlue) fitsBox(d [3]int64, free int) int {
	for p := range pkPermsOf[free] {
		q := pkPerms[p]
		if d[q[0]] <= g.box[0] && d[q[1]] <= g.box[1] && d[q[2]] <= g.box[2] {
			return p
		}
	}
	return -1
}

// pkBlockKey identifies a block up to the turns its freedom allows.
type pkBlockKey struct {
	free int
	d    [3]int64
}

// keyOf returns the key of block n.
func (g *pkGlue) keyOf(n int32) pkBlockKey {
	nd := &g.nodes[n]
	d := nd.d
	switch nd.free {
	case pkFreeAny:
		slices.Sort(d[:])
	case pkFreeVertical:
		if d[0] > d[1] {
			d[0], d[1] = d[1], d[0]
		}
	}
	return pkBlockKey{nd.free, d}
}

// pkStateHash hashes sorted block keys (FNV-1a): a state of the search.
// Two states that collide share a verdict, which can only lose a packing,
// never make a wrong one.
func pkStateHash(keys []pkBlockKey) uint64 {
	h := uint64(14695981039346656037)
	mix := func(x uint64) {
		for range 8 {
			h ^= x & 0xff
			h *= 1099511628211
			x >>= 8
		}
	}
	for _, k := range keys {
		mix(uint64(k.free))
		for _, x := range k.d {
			mix(uint64(x))
		}
	}
	return h
}

// pkGlueMove is a glue of blocks i and j, turned by pa and pb, along axis.
type pkGlueMove struct {
	i, j   int
	pa, pb int8
	axis   int8
	d      [3]int64
	free   int
	span   int // sides of the result equal to a side of the box
	amb    int // blocks left with no face to glue on (see orphans)
	vol    float64
}

// search glues blocks until one is left that fits the box, and returns
// its node, or -1.
func (g *pkGlue) search(blocks []int32) int32 {
	if len(blocks) == 1 {
		if g.fitsBox(g.nodes[blocks[0]].d, g.nodes[blocks[0]].free) >= 0 {
			return blocks[0]
		}
		return -1
	}
	if g.over() {
		return -1
	}
	keys := make([]pkBlockKey, len(blocks))
	for i, b := range blocks {
		keys[i] = g.keyOf(b)
	}
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b pkBlockKey) int {
		return cmp.Or(cmp.Compare(a.free, b.free), slices.Compare(a.d[:], b.d[:]))
	})
	state := pkStateHash(sorted)
	if g.failed[state] {
		return -1
	}
	// Each pair of blocks once, counting blocks alike as one: the first
	// two of a key glue with each other, the first of each key with the
	// first of every other key.
	occ := make([]int, len(blocks))
	for i := range keys {
		for j := range i {
			if keys[j] == keys[i] {
				occ[i]++
			}
		}
	}
	g.prep(blocks)
	var moves []pkGlueMove
	for _, p := range g.pairs() {
		i, j := p[0], p[1]
		if occ[i] == 0 && (keys[j] == keys[i] && occ[j] == 1 || keys[j] != keys[i] && occ[j] == 0) {
			g.moves(&moves, blocks, i, j)
		}
	}
	if g.rng != nil {
		g.rng.Shuffle(len(moves), func(i, j int) { moves[i], moves[j] = moves[j], moves[i] })
		slices.SortStableFunc(moves, func(a, b pkGlueMove) int { return cmp.Compare(a.amb, b.amb) })
	} else {
		slices.SortStableFunc(moves, func(a, b pkGlueMove) int {
			return cmp.Or(cmp.Compare(a.amb, b.amb), cmp.Compare(a.vol, b.vol))
		})
	}
	mark := len(g.nodes)
	rest := make([]int32, 0, len(blocks)-1)
	for x := range moves {
		m := &moves[x]
		if len(blocks) > 2 {
			m.amb = g.orphans(blocks, m.i, m.j, m.d)
		}
	}
	slices.SortStableFunc(moves, func(a, b pkGlueMove) int { return cmp.Compare(a.amb, b.amb) })
	for _, m := range moves {
		if g.over() {
			return -1
		}
		g.tried++
		g.nodes = append(g.nodes[:mark], pkGlueNode{d: m.d, free: m.free, a: blocks[m.i], b: blocks[m.j], pa: m.pa, pb: m.pb, axis: m.axis})
		rest = rest[:0]
		for x, b := range blocks {
			if x != m.i && x != m.j {
				rest = append(rest, b)
			}
		}
		rest = append(rest, int32(mark))
		if r := g.search(slices.Clone(rest)); r >= 0 {
			return r
		}
	}
	g.nodes = g.nodes[:mark]
	if g.tried < g.limit && !g.stop {
		g.failed[state] = true
	}
	return -1
}

// pkFaces returns the faces of a block of extents d (free to turn): its
// pairs of sides, each sorted, and how many distinct ones there are.
func pkFaces(d [3]int64) ([3][2]int64, int) {
	slices.Sort(d[:])
	fs := [3][2]int64{{d[0], d[1]}, {d[0], d[2]}, {d[1], d[2]}}
	n := 0
	for _, f := range fs {
		if !slices.Contains(fs[:n], f) {
			fs[n] = f
			n++
		}
	}
	return fs, n
}

// prep indexes the faces of blocks for orphans: how many blocks have
// each face, which blocks, and which blocks share a face with another.
func (g *pkGlue) prep(blocks []int32) {
	clear(g.faces)
	clear(g.who)
	g.fs = g.fs[:0]
	for x, b := range blocks {
		fs, n := pkFaces(g.nodes[b].d)
		g.fs = append(g.fs, pkFaceSet{fs, n})
		for _, f := range fs[:n] {
			g.faces[f]++
			g.who[f] = append(g.who[f], x)
		}
	}
	g.lone = g.lone[:0]
	g.base = 0
	for x := range blocks {
		fs := &g.fs[x]
		lone := !slices.ContainsFunc(fs.f[:fs.n], func(f [2]int64) bool { return g.faces[f] > 1 })
		g.lone = append(g.lone, lone)
		if lone {
			g.base++
		}
	}
}

// pairs returns the pairs of blocks (indexes, the smaller first, in
// order) that share a face, which every glue needs; prep(blocks) first.
func (g *pkGlue) pairs() [][2]int {
	var ps [][2]int
	for _, xs := range g.who {
		for a := range xs {
			for b := a + 1; b < len(xs); b++ {
				ps = append(ps, [2]int{xs[a], xs[b]})
			}
		}
	}
	slices.SortFunc(ps, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	return slices.Compact(ps)
}

// pkFaceSet is the faces of a block.
type pkFaceSet struct {
	f [3][2]int64
	n int
}

// orphans returns how many blocks would share no face with any other
// block if blocks i and j glued into a block of extents d: the fewer, the
// likelier the glue is one of the cuts. It needs prep(blocks) first; only
// the blocks with a face of i, j or the new block can change.
func (g *pkGlue) orphans(blocks []int32, i, j int, d [3]int64) int {
	fa, fb := &g.fs[i], &g.fs[j]
	fc, nc := pkFaces(d)
	count := func(f [2]int64) int {
		c := g.faces[f]
		if slices.Contains(fa.f[:fa.n], f) {
			c--
		}
		if slices.Contains(fb.f[:fb.n], f) {
			c--
		}
		if slices.Contains(fc[:nc], f) {
			c++
		}
		return c
	}
	n := g.base
	if g.lone[i] {
		n--
	}
	if g.lone[j] {
		n--
	}
	g.seen = g.seen[:0]
	touch := func(f [2]int64) {
		for _, x := range g.who[f] {
			if x == i || x == j || slices.Contains(g.seen, x) {
				continue
			}
			g.seen = append(g.seen, x)
			fs := &g.fs[x]
			lone := !slices.ContainsFunc(fs.f[:fs.n], func(f [2]int64) bool { return count(f) > 1 })
			if lone != g.lone[x] {
				if lone {
					n++
				} else {
					n--
				}
			}
		}
	}
	for _, f := range fa.f[:fa.n] {
		touch(f)
	}
	for _, f := range fb.f[:fb.n] {
		touch(f)
	}
	for _, f := range fc[:nc] {
		touch(f)
	}
	if !slices.ContainsFunc(fc[:nc], func(f [2]int64) bool { return count(f) > 1 }) {
		n++
	}
	return n
}

// moves lists the glues of blocks i and j whose result fits the box.
func (g *pkGlue) moves(out *[]pkGlueMove, blocks []int32, i, j int) {
	A, B := &g.nodes[blocks[i]], &g.nodes[blocks[j]]
	// Glued blocks share a face: two sides, whatever the turn.
	shared, used := 0, [3]bool{}
	for _, x := range A.d {
		for y, z := range B.d {
			if !used[y] && x == z {
				used[y] = true
				shared++
				break
			}
		}
	}
	if shared < 2 {
		return
	}
	free := min(A.free, B.free)
	seen := 0
	var done [36][3]int64
	for pa := range pkPermsOf[A.free] {
		qa := pkPerms[pa]
		da := [3]int64{A.d[qa[0]], A.d[qa[1]], A.d[qa[2]]}
		for pb := range pkPermsOf[B.free] {
			qb := pkPerms[pb]
			db := [3]int64{B.d[qb[0]], B.d[qb[1]], B.d[qb[2]]}
			for axis := range 3 {
				ok := true
				for x := range 3 {
					if x != axis && da[x] != db[x] {
						ok = false
					}
				}
				if !ok {
					continue
				}
				d := da
				d[axis] += db[axis]
				// The same result in another frame is the same glue
				// for blocks free to turn.
				c := d
				if free == pkFreeAny {
					slices.Sort(c[:])
				}
				if slices.Contains(done[:seen], c) {
					continue
				}
				if g.fitsBox(d, free) < 0 {
					continue
				}
				if seen < len(done) {
					done[seen] = c
					seen++
				}
				span := 0
				for _, x := range d {
					if slices.Contains(g.box[:], x) {
						span++
					}
				}
				*out = append(*out, pkGlueMove{i: i, j: j, pa: int8(pa), pb: int8(pb), axis: int8(axis), d: d, free: free, span: span, amb: 0,
					vol: float64(d[0]) * float64(d[1]) * float64(d[2])})
			}
		}
	}
}

// bin lays out the block root in a fresh box of type t.
func (g *pkGlue) bin(root int32, t int) *pkBin {
	s := g.s
	b := s.newBin(t)
	p := g.fitsBox(g.nodes[root].d, g.nodes[root].free)
	ok := true
	var lay func(n int32, perm [3]int, off [3]int64)
	// perm maps the node's frame into the box: box axis j takes the
	// node's axis perm[j]; off is the node's corner in the box.
	lay = func(n int32, perm [3]int, off [3]int64) {
		nd := &g.nodes[n]
		if nd.a < 0 {
			d := [3]int64{nd.d[perm[0]], nd.d[perm[1]], nd.d[perm[2]]}
			kd := &s.kinds[nd.k]
			i := slices.IndexFunc(kd.ors, func(o pkOrient) bool { return o.d == d })
			if i < 0 {
				ok = false
				return
			}
			b.items = append(b.items, pkPlaced{k: nd.k, o: kd.ors[i].o, x: off[0], y: off[1], z: off[2], dx: d[0], dy: d[1], dz: d[2]})
			b.w += kd.w
			b.v += kd.v
			if b.cnt != nil {
				b.cnt[nd.k]++
			}
			return
		}
		// A part turned by q sits in the node's frame: node axis x
		// takes the part's axis q[x]. In the box, axis j takes node
		// axis perm[j], so the part's axis q[perm[j]].
		for side, c := range [2]int32{nd.a, nd.b} {
			q := pkPerms[nd.pa]
			if side == 1 {
				q = pkPerms[nd.pb]
			}
			cp := [3]int{q[perm[0]], q[perm[1]], q[perm[2]]}
			o := off
			if side == 1 {
				// Shifted along the node's axis by the first part's
				// extent there.
				ea := g.nodes[nd.a].d[pkPerms[nd.pa][nd.axis]]
				for j := range 3 {
					if perm[j] == int(nd.axis) {
						o[j] += ea
					}
				}
			}
			lay(c, cp, o)
		}
	}
	lay(root, pkPerms[p], [3]int64{})
	if !ok {
		s.recycle([]*pkBin{b})
		return nil
	}
	b.eps, b.pruned = nil, false // the box is full
	return b
}

// pkBeamWidths are the numbers of states a level keeps in the beam
// searches glue tries in turn (a wider beam is slower, and not always
// better), and pkBeamNodes bounds the glues each looks at.
var pkBeamWidths = [...]int{48, 200, 600}

const pkBeamNodes = 250_000

// pkBeamState is a state of the beam search: its blocks and how it was
// reached.
type pkBeamState struct {
	blocks []int32
	hash   uint64 // sum of the blocks' key hashes: the same for the same blocks
	score  int    // blocks with no face to glue on
}

// pkKeyHash hashes one block key.
func pkKeyHash(k pkBlockKey) uint64 {
	return pkStateHash([]pkBlockKey{k})*0x9e3779b97f4a7c15 + 1
}

// beam glues level by level, one glue a level, keeping the width states with the fewest blocks left without a face to glue on: unlike the
// depth-first search, an early wrong glue does not hold up the rest. It
// returns the node of a block that fits the box, or -1.
func (g *pkGlue) beam(blocks []int32, width int) int32 {
	var h uint64
	for _, b := range blocks {
		h += pkKeyHash(g.keyOf(b))
	}
	beam := []pkBeamState{{blocks: blocks, hash: h}}
	type cand struct {
		from  int
		m     pkGlueMove
		hash  uint64
		score int
		vol   float64
	}
	for len(beam) > 0 {
		if g.over() {
			return -1
		}
		var cands []cand
		for si := range beam {
			st := &beam[si]
			if len(st.blocks) == 1 {
				if g.fitsBox(g.nodes[st.blocks[0]].d, g.nodes[st.blocks[0]].free) >= 0 {
					return st.blocks[0]
				}
				continue
			}
			g.prep(st.blocks)
			var moves []pkGlueMove
			for _, p := range g.pairs() {
				g.moves(&moves, st.blocks, p[0], p[1])
			}
			g.tried += len(moves)
			for _, m := range moves {
				c := pkBlockKey{m.free, m.d}
				if m.free == pkFreeAny {
					slices.Sort(c.d[:])
				} else if m.free == pkFreeVertical && c.d[0] > c.d[1] {
					c.d[0], c.d[1] = c.d[1], c.d[0]
				}
				hh := st.hash - pkKeyHash(g.keyOf(st.blocks[m.i])) - pkKeyHash(g.keyOf(st.blocks[m.j])) + pkKeyHash(c)
				score := 0
				if len(st.blocks) > 2 {
					score = g.orphans(st.blocks, m.i, m.j, m.d)
				}
				cands = append(cands, cand{si, m, hh, score, m.vol})
			}
		}
		slices.SortStableFunc(cands, func(a, b cand) int {
			return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(b.m.span, a.m.span), cmp.Compare(a.vol, b.vol))
		})
		var next []pkBeamState
		seen := map[uint64]bool{}
		for _, c := range cands {
			if len(next) == width {
				break
			}
			if seen[c.hash] {
				continue
			}
			seen[c.hash] = true
			st := &beam[c.from]
			g.nodes = append(g.nodes, pkGlueNode{d: c.m.d, free: c.m.free, a: st.blocks[c.m.i], b: st.blocks[c.m.j], pa: c.m.pa, pb: c.m.pb, axis: c.m.axis})
			bs := make([]int32, 0, len(st.blocks)-1)
			for x, b := range st.blocks {
				if x != c.m.i && x != c.m.j {
					bs = append(bs, b)
				}
			}
			bs = append(bs, int32(len(g.nodes)-1))
			next = append(next, pkBeamState{blocks: bs, hash: c.hash, score: c.score})
		}
		beam = next
	}
	return -1
}
