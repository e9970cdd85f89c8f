// Package packing chooses boxes for a shipment's units and places every
// unit in 3D (position and orientation) inside them. It imports only
// package oms; package shipping turns its packed boxes into Parcels
// (shipping.PackedParcels).
//
// # The model
//
// An Item is a line of units of one shape: dimensions, weight, a rotation
// rule (any; upright: turn only about the vertical axis; flat: lie on the
// largest face; none) and optional rules (ships alone, ships as is, nothing
// stacked on top, at most N per box). A BoxType has inner and outer sizes,
// an empty and a maximum gross weight, a cost and an optional limited
// supply. Pack returns a Result: the packed boxes, each unit with its
// position and orientation, and the units it could not pack with a reason
// (too large, too heavy, no box left, stopped). Every unit is either placed,
// resting on the box's floor or on another unit, or listed as unpacked.
// Check is the geometric checker a packing station can trust: it verifies a
// Result against its input (inside the box, no overlap, nothing floating,
// rules and weights kept, every unit accounted for once).
//
//	items, boxes ─▶ validate ──▶ *oms.ValidationError (every problem listed)
//	                   │
//	                   ▼
//	   set aside: too large / too heavy ─────────────▶ Unpacked
//	   ships as is ─▶ a parcel of its own (AsIs)
//	   ships alone ─▶ the smallest box type that holds it
//	                   │ the rest
//	                   ▼
//	   lower bound ─▶ one box? try types smallest first
//	                   │ no
//	                   ▼
//	   greedy: box after box, the type taking the most ─▶ upper bound
//	                   │
//	                   ▼
//	   search: k boxes, lower bound ≤ k < greedy, combinations of
//	   types by total volume; the first that takes every unit wins
//	                   │
//	                   ▼
//	   shrink each box to the smallest type that holds it,
//	   even the weights, settle every unit onto a support ─▶ Result
//
// The objective, in order: fewest boxes, then the smallest total box volume
// (which keeps dimensional weight down), then the most even weights. The
// heuristic is described in full on PackContext. A work budget
// (Options.Budget) and the context bound the search, so no input takes
// long, and the best packing found so far is returned. Results are
// deterministic for the same input and budget.
//
// On the 4,288-order BoxPacker corpus in testdata/boxpacker it uses fewer
// boxes than BoxPacker in total and never more for any order, with free
// rotation and with upright-only rotation (BoxPacker's "keep flat").
//
// # Concurrency
//
// Pack and Check are safe for concurrent use; every other type is a value.
package packing
