// Package packing chooses boxes for a shipment's units and places every
// unit in 3D (position and orientation) inside them. It imports only
// package oms; package shipping turns its packed boxes into Parcels
// (shipping.PackedParcels) and can price them with a carrier's rates
// (shipping.PackingCost).
//
// # The model
//
// An Item is a line of units of one shape: dimensions, weight, an optional
// SKU, a rotation rule (any; upright: turn only about the vertical axis;
// flat: lie on the largest face; none) and optional rules (ships alone,
// ships as is, nothing stacked on top, at most N per box). A BoxType has
// inner and outer sizes, an empty and a maximum gross weight, a cost and an
// optional limited supply. Pack returns a Result: the packed boxes, each
// unit with its line, position and orientation, and the units it could not
// pack with a reason (too large, too heavy, no box left, stopped). Every
// unit is either placed, resting on the box's floor or on another unit, or
// listed as unpacked. Check is the geometric checker a packing station can
// trust: it verifies a Result against its input (inside the box, no
// overlap, nothing floating, rules and weights kept, every unit accounted
// for once); every packing in this package's tests passes it.
//
// Units are what is packed, not lines: identical units (the same extents
// in every orientation their rules allow, the same weight and rules) are
// grouped whatever the lines they come on, so 10,000 units listed as one
// line or as 10,000 lines (as a flow with serial numbers lists them) get the
// same boxes, and each line gets its own units back.
//
//	items, boxes, Options ─▶ validate ─▶ *oms.ValidationError (every problem)
//	                   │
//	                   ▼
//	   group identical units into kinds
//	   set aside: too large / too heavy ─────────────▶ Unpacked
//	   ships as is ─▶ a parcel of its own (AsIs)
//	   ships alone ─▶ the smallest box type that holds it
//	                   │ the rest
//	                   ▼
//	   lower bound ─▶ one box? try types smallest first
//	                   │            (units that fill a box exactly: glue
//	                   │ no          the pieces back into the box)
//	                   ▼
//	   greedy: box after box, the type taking the most ─▶ upper bound
//	                   │
//	                   ▼
//	   search: k boxes, lower bound ≤ k < greedy, combinations of
//	   types by total volume; the first that takes every unit wins
//	                   │
//	                   ▼
//	   shrink each box to the smallest type that holds it,
//	   even the weights ──────────────────┐ ObjectiveCost
//	                   │ ObjectiveBoxes   ▼
//	                   │      retype, split, merge boxes
//	                   │      while it costs less
//	                   ├──────────────────┘
//	                   ▼
//	   settle every unit onto a support, give lines their units ─▶ Result
//
// # Objectives
//
// ObjectiveBoxes (the default): fewest boxes, then the smallest total box
// volume (which keeps dimensional weight down), then the most even weights.
// ObjectiveCost: the lowest total of a CostFunc the caller gives per packed
// box. ParcelCost builds one from what shops pay: the box's cost plus a
// carrier's rate for the billable weight (the larger of the gross and the
// dimensional weight under a divisor); shipping.PackingCost takes the rate
// from a carrier, table rates included. Under the cost objective a packing
// may use more boxes when that is cheaper (two small boxes instead of one
// large one with a low divisor), and says so: Result.MinBoxes is the
// fewest boxes found, Result.Cost the total.
//
// The heuristic is described in full on PackContext. A work budget
// (Options.Budget) and the context bound the search, so no input takes
// long, and the best packing found so far is returned. Results are
// deterministic for the same input and options.
//
// On the 4,288-order BoxPacker corpus in testdata/boxpacker it uses fewer
// boxes than BoxPacker in total and never more for any order, with free
// rotation and with upright-only rotation (BoxPacker's "keep flat"); units
// cut from a box by guillotine cuts go back into one box.
//
// # Concurrency
//
// Pack and Check are safe for concurrent use; every other type is a value.
// A CostFunc is called from the goroutine that called Pack.
package packing
