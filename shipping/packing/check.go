package packing

import (
	"fmt"
	"math"

	"github.com/omskit/oms"
)

// Check is the geometric checker: it returns the first way r is not a
// valid packing of items into boxes, or nil. Every test of this package
// runs it on every packing; callers may run it on a packing they stored or
// edited by hand before a packing station uses it.
//
// It checks that every parcel names a real box type and has its name,
// outer size and volume (or is a unit shipped as is, described as its item:
// its ID, SKU, weight and size), every unit lies inside its box's inner
// space in an orientation its rotation rule allows, no two units overlap,
// nothing lies above a NoStack unit, every unit rests on the floor or on
// the top face of a unit whose footprint overlaps its own with positive
// area (nothing floats), no box holds more than MaxPerBox units of an item,
// a unit that ships alone is alone, each box's gross weight (empty weight
// included) is within its limit and matches the units, limited supplies
// hold, every unit is placed exactly once or listed as unpacked with a
// reason that is true of it (out of boxes: every box type that takes it
// is used up, unless the search was stopped).
//
// Input that Pack refuses (a negative weight, a side over 100 m, ...) is
// refused with Pack's *oms.ValidationError.
func Check(items []Item, boxes []BoxType, p Result) error {
	if err := pkValidate(items, boxes); err != nil {
		// Pack refuses such input; the checks below rely on its bounds
		// (sides of at most 100 m, so no sum of them wraps).
		return err
	}
	placed := make([]int64, len(items))
	used := make([]int64, len(boxes))
	for bi, b := range p.Boxes {
		where := fmt.Sprintf("box %d", bi)
		if b.AsIs {
			if b.Type != -1 || len(b.Items) != 1 {
				return fmt.Errorf("%s: as-is parcel with type %d and %d units", where, b.Type, len(b.Items))
			}
			u := b.Items[0]
			if u.Item < 0 || u.Item >= len(items) || !items[u.Item].ShipsAsIs {
				return fmt.Errorf("%s: as-is parcel holds item %d, which does not ship as is", where, u.Item)
			}
			it := items[u.Item]
			if b.GrossWeight != it.Weight || b.ContentWeight != it.Weight || b.Outer != it.Dimensions {
				return fmt.Errorf("%s: as-is parcel weight %s/%s / size %s, want the item's", where, b.ContentWeight, b.GrossWeight, b.Outer)
			}
			if b.Name != it.ID || b.Volume != it.Dimensions.Volume() {
				return fmt.Errorf("%s: as-is parcel name %q volume %d, want %q %d", where, b.Name, b.Volume, it.ID, it.Dimensions.Volume())
			}
			if u.ID != it.ID || u.SKU != it.SKU || u.Weight != it.Weight {
				return fmt.Errorf("%s: as-is unit id %q sku %q weight %s, want %q %q %s", where, u.ID, u.SKU, u.Weight, it.ID, it.SKU, it.Weight)
			}
			if !u.Orientation.Valid() || u.Placed != u.Orientation.Apply(it.Dimensions) || u.Position != (Position{}) {
				return fmt.Errorf("%s: as-is unit %s turned %q at %+v, want the item's size %s at the origin", where, u.Placed, u.Orientation, u.Position, it.Dimensions)
			}
			placed[u.Item]++
			continue
		}
		if b.Type < 0 || b.Type >= len(boxes) {
			return fmt.Errorf("%s: unknown box type %d", where, b.Type)
		}
		bt := boxes[b.Type]
		used[b.Type]++
		if b.Name != bt.Name || b.Outer != bt.outer() || b.Volume != bt.outer().Volume() {
			return fmt.Errorf("%s: name %q outer %s volume %d, want %q %s %d", where, b.Name, b.Outer, b.Volume, bt.Name, bt.outer(), bt.outer().Volume())
		}
		if len(b.Items) == 0 {
			return fmt.Errorf("%s: empty box", where)
		}
		var content oms.Weight
		per := map[int]int64{}
		var vol float64
		rests := make([]bool, len(b.Items)) // on the top face of another unit
		for ui, u := range b.Items {
			at := fmt.Sprintf("%s unit %d", where, ui)
			if u.Item < 0 || u.Item >= len(items) {
				return fmt.Errorf("%s: unknown item %d", at, u.Item)
			}
			it := items[u.Item]
			if it.ShipsAsIs {
				return fmt.Errorf("%s: item %d ships as is but is boxed", at, u.Item)
			}
			if it.ShipsAlone && len(b.Items) != 1 {
				return fmt.Errorf("%s: item %d ships alone but shares a box with %d others", at, u.Item, len(b.Items)-1)
			}
			if u.ID != it.ID || u.SKU != it.SKU || u.Weight != it.Weight {
				return fmt.Errorf("%s: id %q sku %q weight %s, want %q %q %s", at, u.ID, u.SKU, u.Weight, it.ID, it.SKU, it.Weight)
			}
			if !it.Rotation.Allows(u.Orientation, it.Dimensions) {
				return fmt.Errorf("%s: orientation %q not allowed by rotation %q for %s", at, u.Orientation, it.Rotation, it.Dimensions)
			}
			if u.Placed != u.Orientation.Apply(it.Dimensions) {
				return fmt.Errorf("%s: placed size %s, want %s turned %s", at, u.Placed, it.Dimensions, u.Orientation)
			}
			q := u.Position
			// Subtract rather than add: a position near the largest Length
			// would wrap past the box's far wall.
			if q.X < 0 || q.Y < 0 || q.Z < 0 || q.X > bt.Inner.Length-u.Placed.Length ||
				q.Y > bt.Inner.Width-u.Placed.Width || q.Z > bt.Inner.Height-u.Placed.Height {
				return fmt.Errorf("%s: %s at %+v sticks out of inner %s", at, u.Placed, q, bt.Inner)
			}
			for vi := range ui {
				v := b.Items[vi]
				r := v.Position
				apart := q.X >= r.X+v.Placed.Length || r.X >= q.X+u.Placed.Length ||
					q.Y >= r.Y+v.Placed.Width || r.Y >= q.Y+u.Placed.Width
				if apart {
					continue
				}
				rests[ui] = rests[ui] || q.Z == r.Z+v.Placed.Height
				rests[vi] = rests[vi] || r.Z == q.Z+u.Placed.Height
				if q.Z < r.Z+v.Placed.Height && r.Z < q.Z+u.Placed.Height {
					return fmt.Errorf("%s overlaps unit %d: %s at %+v and %s at %+v", at, vi, u.Placed, q, v.Placed, r)
				}
				if items[v.Item].NoStack && q.Z >= r.Z+v.Placed.Height || it.NoStack && r.Z >= q.Z+u.Placed.Height {
					return fmt.Errorf("%s and unit %d: one lies on top of the other, which is no-stack", at, vi)
				}
			}
			per[u.Item]++
			if it.MaxPerBox > 0 && per[u.Item] > it.MaxPerBox {
				return fmt.Errorf("%s: more than %d units of item %d", where, it.MaxPerBox, u.Item)
			}
			content += it.Weight
			vol += float64(it.Dimensions.Length) * float64(it.Dimensions.Width) * float64(it.Dimensions.Height)
			placed[u.Item]++
		}
		for ui, u := range b.Items {
			if u.Position.Z != 0 && !rests[ui] {
				return fmt.Errorf("%s unit %d: %s at %+v floats: neither on the floor nor on another unit", where, ui, u.Placed, u.Position)
			}
		}
		if b.ContentWeight != content || b.GrossWeight != content+bt.EmptyWeight {
			return fmt.Errorf("%s: weights %s/%s, want %s/%s", where, b.ContentWeight, b.GrossWeight, content, content+bt.EmptyWeight)
		}
		if bt.MaxWeight > 0 && b.GrossWeight > bt.MaxWeight {
			return fmt.Errorf("%s: gross weight %s over the limit %s", where, b.GrossWeight, bt.MaxWeight)
		}
		inner := float64(bt.Inner.Length) * float64(bt.Inner.Width) * float64(bt.Inner.Height)
		if d := b.Utilisation - vol/inner; !(math.Abs(d) <= 1e-9) { // NaN fails too
			return fmt.Errorf("%s: utilisation %v, want %v", where, b.Utilisation, vol/inner)
		}
	}
	for t, n := range used {
		if boxes[t].Limited && n > boxes[t].Supply {
			return fmt.Errorf("box type %d used %d times, supply %d", t, n, boxes[t].Supply)
		}
	}
	stoppedUnits := int64(0)
	for _, u := range p.Unpacked {
		if u.Item < 0 || u.Item >= len(items) || u.Quantity <= 0 || !u.Reason.Valid() || u.ID != items[u.Item].ID {
			return fmt.Errorf("bad unpacked entry %+v", u)
		}
		it := items[u.Item]
		if u.Quantity > it.Quantity-placed[u.Item] {
			// Compared before adding: quantities near the largest int64
			// would wrap the count back to the line's quantity.
			return fmt.Errorf("unpacked entry %+v: more units of item %d than its quantity %d", u, u.Item, it.Quantity)
		}
		placed[u.Item] += u.Quantity
		if it.ShipsAsIs && u.Reason != UnpackedStopped {
			// It needs no box: only a stopped search leaves it out.
			return fmt.Errorf("item %d ships as is but is listed %s", u.Item, u.Reason)
		}
		geo, light, spare := false, false, false
		for t, bt := range boxes {
			for _, o := range []Orientation{OrientationLWH, OrientationWLH, OrientationLHW, OrientationHLW, OrientationWHL, OrientationHWL} {
				d := o.Apply(it.Dimensions)
				if it.Rotation.Allows(o, it.Dimensions) && d.Length <= bt.Inner.Length && d.Width <= bt.Inner.Width && d.Height <= bt.Inner.Height {
					geo = true
					if bt.MaxWeight == 0 || it.Weight+bt.EmptyWeight <= bt.MaxWeight {
						light = true
						spare = spare || !bt.Limited || used[t] < bt.Supply
					}
				}
			}
		}
		switch u.Reason {
		case UnpackedTooLarge:
			if geo {
				return fmt.Errorf("item %d listed too large but fits a box type", u.Item)
			}
		case UnpackedTooHeavy:
			if !geo || light {
				return fmt.Errorf("item %d listed too heavy, but fits=%v light=%v", u.Item, geo, light)
			}
		case UnpackedNoBox:
			if !light {
				return fmt.Errorf("item %d listed as out of boxes but no box type takes it", u.Item)
			}
			if spare && !p.Stopped {
				// (A stopped search may have freed a box too late to use it.)
				return fmt.Errorf("item %d listed as out of boxes but a box type that takes it has boxes left", u.Item)
			}
		case UnpackedStopped:
			stoppedUnits += u.Quantity
		}
	}
	if stoppedUnits > 0 && !p.Stopped {
		return fmt.Errorf("stopped=%v but %d units listed as stopped", p.Stopped, stoppedUnits)
	}
	for i, it := range items {
		if placed[i] != it.Quantity {
			return fmt.Errorf("item %d: %d units placed or listed, want %d", i, placed[i], it.Quantity)
		}
	}
	return nil
}
