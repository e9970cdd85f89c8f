package shipping

import "github.com/omskit/oms/shipping/packing"

// This file is the bridge from package packing: a packed box becomes a
// Parcel to rate and label.

// PackedParcel returns the parcel a packed box makes: the box's outer size
// and gross weight (the empty box and its units), with Preset set to the box
// type's name (the unit's ID for a unit shipped as is). Contents and
// DeclaredValue are left for the caller, who knows the goods.
func PackedParcel(b packing.PackedBox) Parcel {
	return Parcel{Dimensions: b.Outer, Weight: b.GrossWeight, Preset: b.Name}
}

// PackedParcels returns one parcel per box of r, in the same order (see
// PackedParcel). Units r left unpacked have no parcel; check r.Complete.
func PackedParcels(r packing.Result) []Parcel {
	ps := make([]Parcel, 0, len(r.Boxes))
	for _, b := range r.Boxes {
		ps = append(ps, PackedParcel(b))
	}
	return ps
}
