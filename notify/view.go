package notify

import (
	"context"
	"slices"
	"time"

	"github.com/omskit/oms"
)

// Order statuses in the customer-facing view (OrderView.Status).
const (
	OrderPlaced             = "placed"
	OrderConfirmed          = "confirmed"
	OrderPartiallyShipped   = "partially_shipped"
	OrderShipped            = "shipped"
	OrderPartiallyDelivered = "partially_delivered"
	OrderDelivered          = "delivered"
	OrderCancelled          = "cancelled"
	// OrderUnknown: only events of other packages were seen so far.
	OrderUnknown = "unknown"
)

// OrderView is the customer-facing status of an order, for the host's
// portal page: its lines, shipments with their packages and tracking
// timelines, the estimated delivery, returns and refunds. It is a plain
// value; its JSON is stable snake_case.
type OrderView struct {
	OrderID oms.ID `json:"order_id"`
	Number  string `json:"number,omitempty"`
	// Status is one of the Order* constants, derived from the lines'
	// counters and the shipments.
	Status string `json:"status"`
	// Total is the order's grand total when confirmed.
	Total oms.Money  `json:"total"`
	Lines []LineView `json:"lines"`
	// Shipments have their packages and tracking timelines.
	Shipments []ShipmentView `json:"shipments"`
	// EstimatedDelivery is the latest estimate of the shipments not yet
	// delivered; zero when none.
	EstimatedDelivery oms.Date     `json:"estimated_delivery,omitzero"`
	Returns           []ReturnView `json:"returns"`
	Refunds           []RefundView `json:"refunds"`
	// ExchangeOf is the original order when this order is an exchange's
	// replacement.
	ExchangeOf oms.ID `json:"exchange_of,omitempty"`
	// UpdatedAt is when notify last learned something about the order.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// View returns the customer-facing status of the order id, built from the
// events notify has received. An order it has no event of returns an
// error matching oms.ErrNotFound.
func (n *Notifier) View(ctx context.Context, id oms.ID) (*OrderView, error) {
	if err := validID("order", id); err != nil {
		return nil, err
	}
	p, err := n.store.Progress(ctx, id)
	if err != nil {
		return nil, err
	}
	return ViewOf(p), nil
}

// ViewOf builds the customer-facing view of a Progress; nil for nil. The
// view shares nothing with p: changing one never changes the other.
func ViewOf(p *Progress) *OrderView {
	if p == nil {
		return nil
	}
	p = p.Clone()
	v := &OrderView{
		OrderID: p.ID, Number: p.Number, Total: p.Total, ExchangeOf: p.ExchangeOf, UpdatedAt: p.UpdatedAt,
		Lines: p.Lines, Returns: p.Returns, Refunds: p.Refunds,
	}
	if v.Lines == nil {
		v.Lines = []LineView{}
	}
	if v.Returns == nil {
		v.Returns = []ReturnView{}
	}
	// A return requested before the order's lines were known (its event
	// came first) names its lines from them now.
	for i := range v.Returns {
		for j := range v.Returns[i].Lines {
			l := &v.Returns[i].Lines[j]
			if k := slices.IndexFunc(p.Lines, func(x LineView) bool { return x.LineID == l.LineID }); k >= 0 {
				l.Name = firstOf(l.Name, p.Lines[k].Name)
				l.SKU = oms.SKU(firstOf(string(l.SKU), string(p.Lines[k].SKU)))
			}
		}
	}
	if v.Refunds == nil {
		v.Refunds = []RefundView{}
	}
	v.Shipments = []ShipmentView{}
	for _, s := range p.Shipments {
		c := s
		if c.Status != ShipmentException {
			c.Exception = "" // a problem since overcome, in whatever order told
		}
		c.Packages = nil
		for _, pk := range s.Packages {
			slices.SortStableFunc(pk.Timeline, func(a, b TimelineEntry) int { return a.At.Compare(b.At) })
			c.Packages = append(c.Packages, pk)
		}
		v.Shipments = append(v.Shipments, c)
		if c.Status != ShipmentDelivered && c.Status != ShipmentPickedUp && !c.EstimatedDelivery.IsZero() &&
			(v.EstimatedDelivery.IsZero() || c.EstimatedDelivery.After(v.EstimatedDelivery)) {
			v.EstimatedDelivery = c.EstimatedDelivery
		}
	}
	v.Status = orderStatus(p)
	return v
}

func orderStatus(p *Progress) string {
	if p.Status == "cancelled" {
		return OrderCancelled
	}
	var active, shipped, delivered int64
	for _, l := range p.Lines {
		active = satAdd(active, l.Quantity)
		shipped = satAdd(shipped, min(l.Shipped, l.Quantity))
		delivered = satAdd(delivered, min(l.Delivered, l.Quantity))
	}
	allShipmentsDelivered := len(p.Shipments) > 0
	anyShipped := false
	anyDelivered := false
	for _, s := range p.Shipments {
		d := s.Status == ShipmentDelivered || s.Status == ShipmentPickedUp
		allShipmentsDelivered = allShipmentsDelivered && d
		anyDelivered = anyDelivered || d
		anyShipped = anyShipped || s.Status != ShipmentPending
	}
	switch {
	case active > 0 && delivered >= active:
		return OrderDelivered
	case allShipmentsDelivered && shipped >= active:
		return OrderDelivered
	case delivered > 0 || anyDelivered:
		return OrderPartiallyDelivered
	case active > 0 && shipped >= active:
		return OrderShipped
	case shipped > 0:
		return OrderPartiallyShipped
	case anyShipped:
		return OrderShipped
	case p.Status == "confirmed" || p.Status == "completed":
		return OrderConfirmed
	case p.Status == "placed":
		return OrderPlaced
	}
	return OrderUnknown
}
