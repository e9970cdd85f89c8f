package packing

import (
	"slices"

	"github.com/omskit/oms"
)

// This file groups identical units, whatever the lines they come on, so
// that the answer does not depend on how the caller lists them, and maps
// the packing of the groups back to the caller's lines.

// pkKindKey says when two lines hold identical units: the same extents in
// every orientation their rotation rules allow (so a unit listed turned,
// or a cube under any rule, is the same unit), the same weight and the same
// rules. Lines with a per-box limit are never grouped: the limit is per
// line.
type pkKindKey struct {
	ors     [6][3]oms.Length
	n       int
	w       oms.Weight
	noStack bool
	alone   bool
	asIs    bool
	line    int // the line's index when it has MaxPerBox, else -1
}

// pkCanon is the grouping of a call's lines into kinds.
type pkCanon struct {
	lines []Item
	items []Item  // one per kind: the first line's copy, with the kind's quantity
	kind  []int   // per line, its kind
	of    [][]int // per kind, its lines in order
}

// pkKeyOf returns the grouping key of a validated line.
func pkKeyOf(it Item, i int) pkKindKey {
	k := pkKindKey{w: it.Weight, noStack: it.NoStack, alone: it.ShipsAlone, asIs: it.ShipsAsIs, line: -1}
	if it.MaxPerBox > 0 {
		k.line = i
	}
	sides := [3]oms.Length{it.Dimensions.Length, it.Dimensions.Width, it.Dimensions.Height}
	for oi, p := range pkOrientations {
		if !pkAllows(it.Rotation, oi, it.Dimensions) {
			continue
		}
		e := [3]oms.Length{sides[p.axes[0]], sides[p.axes[1]], sides[p.axes[2]]}
		if !slices.Contains(k.ors[:k.n], e) {
			k.ors[k.n] = e
			k.n++
		}
	}
	slices.SortFunc(k.ors[:k.n], func(a, b [3]oms.Length) int { return slices.Compare(a[:], b[:]) })
	return k
}

// pkSameUnit reports whether lines a and b hold identical units by their
// fields alone (the cheap test for consecutive lines).
func pkSameUnit(a, b *Item) bool {
	return a.Dimensions == b.Dimensions && a.Weight == b.Weight && a.Rotation == b.Rotation &&
		a.NoStack == b.NoStack && a.ShipsAlone == b.ShipsAlone && a.ShipsAsIs == b.ShipsAsIs &&
		a.MaxPerBox == 0 && b.MaxPerBox == 0
}

// pkGroupSmall is the most lines pkGroup compares pairwise before building
// an index of keys.
const pkGroupSmall = 24

// pkAnyAlike reports whether two lines might hold identical units: the
// same weight, sides and rules, whatever the order of the sides (a cheap
// test that the keys then settle).
func pkAnyAlike(lines []Item) bool {
	for i := range lines {
		a := &lines[i]
		for j := range i {
			b := &lines[j]
			if a.Weight != b.Weight || a.NoStack != b.NoStack || a.ShipsAlone != b.ShipsAlone || a.ShipsAsIs != b.ShipsAsIs ||
				a.MaxPerBox != 0 || b.MaxPerBox != 0 {
				continue
			}
			if a.Dimensions.Sorted() == b.Dimensions.Sorted() {
				return true
			}
		}
	}
	return false
}

// pkGroup groups validated lines into kinds, in order of first appearance.
// It returns nil when every kind has one line, which needs no mapping.
func pkGroup(lines []Item) *pkCanon {
	small := len(lines) <= pkGroupSmall
	if small && !pkAnyAlike(lines) {
		return nil
	}
	c := &pkCanon{lines: lines, kind: make([]int, len(lines))}
	// Few lines: the kinds' keys are searched in turn; many: indexed.
	var kbuf [8]pkKindKey
	keys := kbuf[:0]
	var index map[pkKindKey]int
	if !small {
		index = map[pkKindKey]int{}
	}
	grouped := false
	for i := range lines {
		it := &lines[i]
		if i > 0 && pkSameUnit(it, &lines[i-1]) {
			k := c.kind[i-1]
			c.kind[i] = k
			c.items[k].Quantity += it.Quantity
			grouped = true
			continue
		}
		key := pkKeyOf(*it, i)
		k, ok := -1, false
		if small {
			if k = slices.Index(keys, key); k >= 0 {
				ok = true
			}
		} else {
			k, ok = index[key]
		}
		if !ok {
			k = len(c.items)
			if small {
				keys = append(keys, key)
			} else {
				index[key] = k
			}
			if c.items == nil {
				c.items = make([]Item, 0, min(len(lines), 16))
			}
			c.items = append(c.items, *it)
		} else {
			c.items[k].Quantity += it.Quantity
			grouped = true
		}
		c.kind[i] = k
	}
	if !grouped {
		return nil
	}
	// Each kind's lines in order, carved from one slice.
	at := make([]int, len(c.items)+1)
	for _, k := range c.kind {
		at[k+1]++
	}
	for k := range c.items {
		at[k+1] += at[k]
	}
	flat := make([]int, len(lines))
	c.of = make([][]int, len(c.items))
	for k := range c.of {
		c.of[k] = flat[at[k]:at[k]:at[k+1]]
	}
	for i, k := range c.kind {
		c.of[k] = append(c.of[k], i)
	}
	return c
}

// pkCursor hands out a kind's units to its lines in order.
type pkCursor struct {
	pos  int   // index into the kind's lines
	left int64 // units the current line still has to place
}

// next returns the line the next unit of kind k belongs to.
func (c *pkCanon) next(cur []pkCursor, k int) int {
	cu := &cur[k]
	lines := c.of[k]
	for cu.left == 0 && cu.pos < len(lines)-1 {
		cu.pos++
		cu.left = c.lines[lines[cu.pos]].Quantity
	}
	cu.left--
	return lines[cu.pos]
}

// expand maps a packing of the kinds back to the caller's lines: each
// kind's units go to its lines in order (the lines' units in the boxes in
// box order, then the unpacked ones), each unit turned as its own line
// describes it.
func (c *pkCanon) expand(r Result) Result {
	cur := make([]pkCursor, len(c.items))
	for k, lines := range c.of {
		cur[k] = pkCursor{left: c.lines[lines[0]].Quantity}
	}
	for bi := range r.Boxes {
		b := &r.Boxes[bi]
		for ui := range b.Items {
			u := &b.Items[ui]
			kind := &c.items[u.Item]
			li := c.next(cur, u.Item)
			line := &c.lines[li]
			u.Item, u.ID, u.SKU = li, line.ID, line.SKU
			if b.AsIs {
				u.Placed = line.Dimensions
				b.Name, b.Outer = line.ID, line.Dimensions
				continue
			}
			if line.Dimensions == kind.Dimensions && line.Rotation == kind.Rotation {
				continue // the line is its kind's copy: the kind's turn is its own
			}
			if o := u.Orientation; o.Apply(line.Dimensions) == u.Placed && line.Rotation.Allows(o, line.Dimensions) {
				continue
			}
			for _, p := range pkOrientations {
				if p.o.Apply(line.Dimensions) == u.Placed && line.Rotation.Allows(p.o, line.Dimensions) {
					u.Orientation = p.o
					break
				}
			}
		}
	}
	var un []UnpackedItem
	for _, u := range r.Unpacked {
		for n := u.Quantity; n > 0; {
			li := c.next(cur, u.Item)
			// The rest of this line's units go at once.
			take := min(n, cur[u.Item].left+1)
			cur[u.Item].left -= take - 1
			n -= take
			line := &c.lines[li]
			if m := len(un); m > 0 && un[m-1].Item == li && un[m-1].Reason == u.Reason {
				un[m-1].Quantity += take
			} else {
				un = append(un, UnpackedItem{Item: li, ID: line.ID, Quantity: take, Reason: u.Reason})
			}
		}
	}
	slices.SortStableFunc(un, func(a, b UnpackedItem) int { return a.Item - b.Item })
	r.Unpacked = un
	return r
}
