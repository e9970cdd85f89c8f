package fulfillment

// This file holds every call into the leaf packages whose shape is
// changing (SKU and service level types, dates, keyed commit and release,
// packing, tracking registration), so that adapting to them is local.

import (
	"context"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
	"github.com/omskit/oms/tracking"
)

func lineSKU(l order.Line) oms.SKU { return l.SKU }

func orderChannel(o *order.Order) inventory.Channel { return inventory.Channel(o.Channel) }

// orderLevel returns the service level the customer chose, if any.
func orderLevel(o *order.Order) (oms.ServiceLevel, bool) {
	l := o.Shipping.ServiceLevel
	return l, l != "" && l.Valid()
}

// orderPromised returns the promised delivery day, if any.
func orderPromised(o *order.Order) (oms.Date, bool) {
	d := o.Shipping.PromisedBy
	return d, !d.IsZero()
}

// stockLine is one line of a reservation, commit or release.
type stockLine struct {
	SKU      oms.SKU
	Location oms.ID
	LineID   oms.ID
	Quantity int64
}

// invLines merges lines by (SKU, location, order line): reservation lines
// are unique by that triple, and Ref carries the order line they serve.
func invLines(ls []stockLine) []inventory.Line {
	var out []inventory.Line
	for _, l := range ls {
		merged := false
		for i := range out {
			if out[i].SKU == l.SKU && out[i].Location == l.Location && out[i].Ref == string(l.LineID) {
				out[i].Quantity += l.Quantity
				merged = true
				break
			}
		}
		if !merged && l.Quantity > 0 {
			out = append(out, inventory.Line{SKU: l.SKU, Location: l.Location, Ref: string(l.LineID), Quantity: l.Quantity})
		}
	}
	return out
}

func (s *Service) reserve(ctx context.Context, id oms.ID, ref string, lines []stockLine) (inventory.Reservation, error) {
	return s.inv.Reserve(ctx, inventory.ReserveRequest{ID: id, Reference: ref, Lines: invLines(lines)})
}

// commitStock ships units of a reservation under key.
func (s *Service) commitStock(ctx context.Context, key string, res oms.ID, lines []stockLine) error {
	_, err := s.inv.Commit(ctx, inventory.CommitRequest{Key: key, Reservation: res, Lines: invLines(lines)})
	return err
}

// releaseStock returns units of a reservation to stock under key.
func (s *Service) releaseStock(ctx context.Context, key string, res oms.ID, lines []stockLine) error {
	_, err := s.inv.Release(ctx, inventory.ReleaseRequest{Key: key, Reservation: res, Lines: invLines(lines)})
	return err
}

// recordLoss records units missing at a location, once per reference,
// SKU and location: the adjustment is keyed, so a re-run after a crash or
// another process recording the same short pick moves nothing.
func (s *Service) recordLoss(ctx context.Context, ref string, sku oms.SKU, loc oms.ID, qty int64) error {
	key := string(oms.DeriveID(oms.ID(ref), "short-pick-loss:"+string(sku)+"@"+string(loc)))
	_, err := s.inv.Adjust(ctx, inventory.Adjustment{SKU: sku, Location: loc, Reason: inventory.ReasonLoss, Quantity: qty, Reference: ref, Note: "short pick", Key: key})
	return err
}

// packItem is a unit kind to pack.
type packItem struct {
	LineID   oms.ID
	SKU      oms.SKU
	Quantity int64
	Weight   oms.Weight
	Dims     oms.Dimensions
}

type packedBox struct {
	Box    string
	Parcel shipping.Parcel
	Items  []PackageItem
}

// pack runs the shipping packer.
func (s *Service) pack(items []packItem) ([]packedBox, error) {
	in := make([]packing.Item, len(items))
	for i, it := range items {
		in[i] = packing.Item{ID: string(it.LineID), SKU: it.SKU, Dimensions: it.Dims, Weight: it.Weight, Quantity: it.Quantity}
	}
	p, err := packing.Pack(in, s.opts.Boxes, &packing.Options{Budget: s.opts.PackBudget})
	if err != nil {
		return nil, err
	}
	if !p.Complete() {
		v := &oms.ValidationError{Entity: "packing"}
		for _, u := range p.Unpacked {
			v.Add("line "+u.ID, "%d units not packed: %s", u.Quantity, u.Reason)
		}
		return nil, v
	}
	out := make([]packedBox, 0, len(p.Boxes))
	for _, b := range p.Boxes {
		pb := packedBox{Box: b.Name, Parcel: shipping.PackedParcel(b)}
		for _, u := range b.Items {
			it := items[u.Item]
			found := false
			for k := range pb.Items {
				if pb.Items[k].LineID == it.LineID {
					pb.Items[k].Quantity++
					found = true
				}
			}
			if !found {
				pb.Items = append(pb.Items, PackageItem{LineID: it.LineID, SKU: it.SKU, Quantity: 1})
			}
		}
		out = append(out, pb)
	}
	return out, nil
}

// register registers a package's tracking number.
func (s *Service) register(ctx context.Context, o *order.Order, sh *Shipment, p Package) error {
	if s.track == nil {
		return nil
	}
	_, err := s.track.Register(ctx, tracking.Registration{
		Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, ShipmentRef: sh.ID,
		OrderRef: o.ID, CustomerID: o.Customer.ID, PromisedBy: sh.PromisedBy, DestinationZone: s.zone(o.ShippingAddress),
	})
	return err
}

// zone returns the IANA zone of a delivery address, for the promised
// date's end; empty (UTC) unless the host's Zone option knows it.
func (s *Service) zone(a oms.Address) string {
	if s.opts.Zone == nil {
		return ""
	}
	return s.opts.Zone(a)
}
