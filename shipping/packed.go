package shipping

import (
	"context"
	"fmt"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping/packing"
)

// This file is the bridge from package packing: a packed box becomes a
// Parcel to rate and label.

// PackedParcel returns the parcel a packed box makes: the box's outer size
// and gross weight (the empty box and its units), with Preset set to the box
// type's name (the unit's ID for a unit shipped as is). Contents and
// DeclaredValue are left for the caller, who knows the goods.
//
// A parcel must weigh something (Parcel.Weight is positive), but packing
// accepts units and boxes of no recorded weight: a box whose gross weight
// is zero makes a parcel of the least weight, one milligram (oms.Milligram),
// which a carrier rates and bills at its minimum.
func PackedParcel(b packing.PackedBox) Parcel {
	return Parcel{Dimensions: b.Outer, Weight: max(b.GrossWeight, oms.Milligram), Preset: b.Name}
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

// PackingCost returns a packing.CostFunc that prices each parcel of a
// packing at carrier's rate for one service: it asks carrier for the rates
// of req with the parcel (PackedParcel) as its only parcel and takes the
// price of the rate whose ServiceCode is service, plus the box type's Cost
// when set. With a TableRateCarrier (or a FlatRateCarrier) this is a local
// computation, so packing.ObjectiveCost can minimise the shop's real bill
// (its zones, weight brackets, price per kilogram, dimensional weight and
// surcharges); a carrier behind an API is asked once per box type and
// contents the search prices, so prefer a table there. The error of a
// parcel the carrier does not serve names the service.
func PackingCost(ctx context.Context, carrier Carrier, req RateRequest, service string) packing.CostFunc {
	return func(box packing.BoxType, packed packing.PackedBox) (oms.Money, error) {
		r := req
		r.Parcels = []Parcel{PackedParcel(packed)}
		rates, err := carrier.Rates(ctx, r)
		if err != nil {
			return oms.Money{}, err
		}
		for _, rate := range rates {
			if rate.ServiceCode != service {
				continue
			}
			if !box.Cost.Valid() {
				return rate.Price, nil
			}
			return rate.Price.Add(box.Cost)
		}
		return oms.Money{}, fmt.Errorf("shipping: %s has no rate for service %q for a %s parcel of %s", carrier.Code(), service, packed.Outer, packed.GrossWeight)
	}
}
