package fulfillment

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Pack packs the picked units of an in-progress fulfillment order into
// boxes with the shipping packer and records the packages, then moves the
// order's fulfilled counters. Units need a weight and dimensions on their
// order line. A replay returns the packages made.
func (s *Service) Pack(ctx context.Context, id oms.ID) (*FulfillmentOrder, error) {
	fo, _, err := s.packFO(ctx, id, nil, nil)
	return fo, err
}

// packFO packs with the order's lines from o, or from the store when o
// is nil. fo, when set, is the fulfillment order as the caller's last
// read or save left it, handed over (it is changed); nil loads it.
//
// It also returns the order as the order service left it when it moved
// the fulfilled counters (nil when it did not).
func (s *Service) packFO(ctx context.Context, id oms.ID, fo *FulfillmentOrder, o *order.Order) (*FulfillmentOrder, *order.Order, error) {
	var err error
	if fo == nil || fo.ID != id {
		if fo, err = s.store.FulfillmentOrder(ctx, id); err != nil {
			return nil, nil, err
		}
	}
	if len(fo.Packages) == 0 {
		if fo.Status != StatusInProgress || fo.OnHold() || !fo.done("picked") {
			return nil, nil, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(fo.Status), To: "packed", Reason: "only picked, in-progress fulfillment orders are packed"}
		}
		if o == nil || o.ID != fo.OrderID {
			if o, err = s.orders.Get(ctx, fo.OrderID); err != nil {
				return nil, nil, err
			}
		}
		v := &oms.ValidationError{Entity: "packing"}
		var items []packItem
		for _, l := range fo.Lines {
			if l.Picked == 0 {
				continue
			}
			if k := slices.IndexFunc(items, func(it packItem) bool { return it.LineID == l.LineID }); k >= 0 {
				items[k].Quantity += l.Picked
				continue
			}
			ol, _ := o.Line(l.LineID)
			if ol.UnitWeight <= 0 || ol.UnitDimensions.Validate() != nil {
				v.Add("line "+string(l.LineID), "needs a unit weight and dimensions to be packed")
			}
			items = append(items, packItem{LineID: l.LineID, SKU: l.SKU, Quantity: l.Picked, Weight: ol.UnitWeight, Dims: ol.UnitDimensions})
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
		if len(items) == 0 {
			// Every unit was picked short (and went elsewhere): nothing
			// to pack or count, and nothing changes, however often asked
			// (Process closes it incomplete).
			return fo, nil, nil
		}
		var packages []Package
		boxes, err := s.pack(items)
		if err != nil {
			return nil, nil, err
		}
		for i, b := range boxes {
			packages = append(packages, Package{Index: i, Box: b.Box, Parcel: b.Parcel, Items: b.Items, Status: PackagePending})
		}
		// The order's fulfilled counters move first (keyed by the
		// fulfillment order); the packages and the step are then saved
		// together. A run interrupted between the two packs again (the
		// packer is deterministic) and replays the counters.
		// A fulfillment order packed again after units left it (see
		// shrinkToOrder) has its packing recorded already.
		var after *order.Order
		if !fo.done("order_fulfilled") {
			if after, err = s.recordFulfilled(ctx, fo); err != nil {
				return nil, nil, err
			}
		}
		fo, err = s.updateLoadedFO(ctx, id, fo, func(f *FulfillmentOrder) ([]pendingEvent, error) {
			if len(f.Packages) > 0 {
				return nil, nil
			}
			if f.Status != StatusInProgress || f.OnHold() {
				return nil, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(f.Status), To: "packed"}
			}
			f.Packages = packages
			f.mark("order_fulfilled")
			return []pendingEvent{{EventPacked, PackedPayload{OrderID: f.OrderID, Packages: packages}}}, nil
		})
		if err != nil {
			return nil, nil, err
		}
		return fo, after, nil
	}
	if err := s.recordPacked(ctx, fo); err != nil {
		return nil, nil, err
	}
	fo, err = s.store.FulfillmentOrder(ctx, id)
	return fo, nil, err
}

// recordPacked moves the order's fulfilled counters for fo once and
// marks the step.
func (s *Service) recordPacked(ctx context.Context, fo *FulfillmentOrder) error {
	if fo.Reship || fo.done("order_fulfilled") {
		return nil
	}
	if _, err := s.recordFulfilled(ctx, fo); err != nil {
		return err
	}
	_, err := s.markStep(ctx, fo.ID, "order_fulfilled")
	return err
}

// recordFulfilled moves the order's fulfilled counters for fo, keyed by
// the fulfillment order (a replay moves nothing).
//
// It returns the order as the order service left it (nil when it was not
// called).
func (s *Service) recordFulfilled(ctx context.Context, fo *FulfillmentOrder) (*order.Order, error) {
	if fo.Reship {
		return nil, nil
	}
	var lq []order.LineQuantity
	for _, l := range fo.Lines {
		q := l.Picked
		if fo.Request != RequestNone {
			q = l.Quantity - l.Short
		}
		if q <= 0 {
			continue
		}
		if k := slices.IndexFunc(lq, func(x order.LineQuantity) bool { return x.LineID == l.LineID }); k >= 0 {
			lq[k].Quantity += q
		} else {
			lq = append(lq, order.LineQuantity{LineID: l.LineID, Quantity: q})
		}
	}
	if lq = withoutBeyond(fo, lq); len(lq) == 0 {
		return nil, nil
	}
	return s.orders.RecordFulfillment(ctx, fo.OrderID, order.CounterInput{Key: string(fo.ID), Lines: lq})
}

// Scan is what a packer scanned into a package: a SKU and a count.
type Scan struct {
	SKU      oms.SKU `json:"sku"`
	Quantity int64   `json:"quantity"`
}

// PackDifference is one SKU whose scanned count differs from the package.
type PackDifference struct {
	SKU      oms.SKU `json:"sku"`
	Expected int64   `json:"expected"`
	Scanned  int64   `json:"scanned"`
}

// PackMismatchError reports a pack scan that does not match the package.
// It matches oms.ErrValidation; nothing was changed.
type PackMismatchError struct {
	FulfillmentOrder oms.ID           `json:"fulfillment_order"`
	Package          int              `json:"package"`
	Differences      []PackDifference `json:"differences"`
}

// Error names every SKU that differs.
func (e *PackMismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fulfillment: fulfillment order %s package %d: scan does not match: ", e.FulfillmentOrder, e.Package)
	for i, d := range e.Differences {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "sku %s expected %d, scanned %d", d.SKU, d.Expected, d.Scanned)
	}
	return b.String()
}

// Is reports whether target is oms.ErrValidation.
func (e *PackMismatchError) Is(target error) bool { return target == oms.ErrValidation }

// VerifyPack checks a packer's scans against a package: every SKU and
// count must match (a *PackMismatchError names each difference). A match
// marks the package verified.
func (s *Service) VerifyPack(ctx context.Context, id oms.ID, pkg int, scans []Scan) (*FulfillmentOrder, error) {
	return s.updateFO(ctx, id, func(fo *FulfillmentOrder) ([]pendingEvent, error) {
		if pkg < 0 || pkg >= len(fo.Packages) {
			return nil, oms.Validationf("pack verification", "package", "fulfillment order %s has %d packages, no package %d", id, len(fo.Packages), pkg)
		}
		want := map[oms.SKU]int64{}
		for _, it := range fo.Packages[pkg].Items {
			want[it.SKU] += it.Quantity
		}
		got := map[oms.SKU]int64{}
		for i, sc := range scans {
			if sc.Quantity <= 0 || sc.Quantity > oms.MaxQuantity {
				return nil, oms.Validationf("pack verification", fmt.Sprintf("scans[%d].quantity", i), "must be within 1..2^50, got %d", sc.Quantity)
			}
			// Each total stays within 2^50, so it never wraps.
			if got[sc.SKU] += sc.Quantity; got[sc.SKU] > oms.MaxQuantity {
				return nil, oms.Validationf("pack verification", fmt.Sprintf("scans[%d].quantity", i), "scans of sku %s total more than 2^50", sc.SKU)
			}
		}
		e := &PackMismatchError{FulfillmentOrder: id, Package: pkg}
		var skus []oms.SKU
		for k := range want {
			skus = append(skus, k)
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				skus = append(skus, k)
			}
		}
		slices.Sort(skus)
		for _, k := range skus {
			if want[k] != got[k] {
				e.Differences = append(e.Differences, PackDifference{SKU: k, Expected: want[k], Scanned: got[k]})
			}
		}
		if len(e.Differences) > 0 {
			return nil, e
		}
		if fo.Packages[pkg].Verified {
			return nil, nil
		}
		fo.Packages[pkg].Verified = true
		return []pendingEvent{{}}, nil
	})
}
