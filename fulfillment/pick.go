package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Bin is where a SKU sits in a location: its code and its place in the
// walking order of pickers.
type Bin struct {
	Code string `json:"code"`
	// Sequence orders bins along the pick path, lowest first.
	Sequence int `json:"sequence"`
}

// BinLocator tells where SKUs sit in a location. The host implements it
// (a warehouse management system, a table). SKUs it does not know are
// left out of the answer; they sort after every located SKU.
type BinLocator interface {
	Locate(ctx context.Context, location oms.ID, skus []oms.SKU) (map[oms.SKU]Bin, error)
}

// PickSource is a share of a pick line: the fulfillment order and order
// line the units are for.
type PickSource struct {
	FulfillmentOrder oms.ID `json:"fulfillment_order"`
	LineID           oms.ID `json:"line_id"`
	Quantity         int64  `json:"quantity"`
}

// PickLine is one stop of a pick walk: a SKU, its bin, and how many units
// to take for which fulfillment orders.
type PickLine struct {
	SKU      oms.SKU      `json:"sku"`
	Bin      Bin          `json:"bin"`
	Located  bool         `json:"located"`
	Quantity int64        `json:"quantity"`
	Sources  []PickSource `json:"sources"`
}

// PickList is the pick walk of a wave of fulfillment orders at one
// location: one line per SKU, in bin sequence.
type PickList struct {
	Location          oms.ID     `json:"location"`
	FulfillmentOrders []oms.ID   `json:"fulfillment_orders"`
	Lines             []PickLine `json:"lines"`
}

// StartWave starts picking a wave of fulfillment orders at one location
// and returns their pick list. Open orders become in progress (in one
// write); in-progress ones join with their units still to pick. A
// fulfillment order at another location, on hold, scheduled, final or
// handled by a provider is a validation error and nothing changes.
func (s *Service) StartWave(ctx context.Context, location oms.ID, ids []oms.ID) (*PickList, error) {
	if len(ids) == 0 {
		return nil, oms.Validationf("wave", "fulfillment_orders", "must not be empty")
	}
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		v := &oms.ValidationError{Entity: "wave"}
		c := &Change{}
		var fos []*FulfillmentOrder
		listed := make(map[oms.ID]bool, len(ids))
		for i, id := range ids {
			f := fmt.Sprintf("fulfillment_orders[%d]", i)
			if listed[id] {
				v.Add(f, "%s listed twice", id)
				continue
			}
			listed[id] = true
			fo, err := s.store.FulfillmentOrder(ctx, id)
			if err != nil {
				return nil, err
			}
			switch {
			case fo.Location != location:
				v.Add(f, "%s is at location %s, not %s", id, fo.Location, location)
			case fo.Request != RequestNone:
				v.Add(f, "%s is handled by a third-party provider", id)
			case fo.Status != StatusOpen && fo.Status != StatusInProgress:
				v.Add(f, "%s is %s", id, fo.Status)
			}
			fos = append(fos, fo)
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		for _, fo := range fos {
			if fo.Status == StatusOpen {
				next := fo.Clone()
				_ = next.transition(StatusInProgress, "picking")
				if err := s.addFO(c, next, []pendingEvent{statusEvent(next, StatusOpen, "picking")}); err != nil {
					return nil, err
				}
			}
		}
		if len(c.FulfillmentOrders) > 0 {
			if err := s.store.Save(ctx, c); err != nil {
				if errors.Is(err, oms.ErrConflict) {
					continue
				}
				return nil, err
			}
		}
		return s.pickList(ctx, location, fos)
	}
	return nil, fmt.Errorf("fulfillment: wave at %s: gave up: %w", location, oms.ErrConflict)
}

func (s *Service) pickList(ctx context.Context, location oms.ID, fos []*FulfillmentOrder) (*PickList, error) {
	pl := &PickList{Location: location, Lines: []PickLine{}}
	idx := map[oms.SKU]int{}
	for _, fo := range fos {
		pl.FulfillmentOrders = append(pl.FulfillmentOrders, fo.ID)
		for _, l := range fo.Lines {
			q := l.ToPick()
			if q <= 0 {
				continue
			}
			i, ok := idx[l.SKU]
			if !ok {
				i = len(pl.Lines)
				idx[l.SKU] = i
				pl.Lines = append(pl.Lines, PickLine{SKU: l.SKU})
			}
			pl.Lines[i].Quantity += q
			pl.Lines[i].Sources = append(pl.Lines[i].Sources, PickSource{FulfillmentOrder: fo.ID, LineID: l.LineID, Quantity: q})
		}
	}
	if s.opts.Bins != nil && len(pl.Lines) > 0 {
		skus := make([]oms.SKU, len(pl.Lines))
		for i, l := range pl.Lines {
			skus[i] = l.SKU
		}
		bins, err := s.opts.Bins.Locate(ctx, location, skus)
		if err != nil {
			return nil, err
		}
		for i := range pl.Lines {
			pl.Lines[i].Bin, pl.Lines[i].Located = bins[pl.Lines[i].SKU]
		}
	}
	slices.SortStableFunc(pl.Lines, func(a, b PickLine) int {
		switch {
		case a.Located != b.Located:
			if a.Located {
				return -1
			}
			return 1
		case a.Bin.Sequence != b.Bin.Sequence:
			return cmpInt(int64(a.Bin.Sequence), int64(b.Bin.Sequence))
		case a.Bin.Code != b.Bin.Code:
			return strings.Compare(a.Bin.Code, b.Bin.Code)
		}
		return strings.Compare(string(a.SKU), string(b.SKU))
	})
	return pl, nil
}

// Picked is a confirmed pick of one order line of a fulfillment order.
type Picked struct {
	LineID oms.ID `json:"line_id"`
	// Quantity is the units found; fewer than asked is a short pick.
	Quantity int64 `json:"quantity"`
}

// ConfirmPicks records what the picker found for an in-progress
// fulfillment order; lines not listed were picked in full. Units picked
// short are released from the reservation, recorded as a loss in the
// inventory ledger, and re-allocated at other locations (or backordered,
// or cancelled on the order when the SKU denies backorders). A replay
// with the same picks finishes any step an interruption left and changes
// nothing else; other picks for a picked order match oms.ErrDuplicate.
func (s *Service) ConfirmPicks(ctx context.Context, id oms.ID, picks []Picked) (*FulfillmentOrder, error) {
	v := &oms.ValidationError{Entity: "picks"}
	if len(picks) > order.MaxLines {
		// One pick per order line: more is a list no order can have.
		v.Add("picks", "at most %d picks (one per order line), got %d", order.MaxLines, len(picks))
		return nil, v.Err()
	}
	first := make(map[oms.ID]int, len(picks))
	for i, p := range picks {
		if p.Quantity < 0 || p.Quantity > oms.MaxQuantity {
			v.Add(fmt.Sprintf("picks[%d].quantity", i), "must be within 0..2^50, got %d", p.Quantity)
		}
		if j, dup := first[p.LineID]; dup {
			v.Add(fmt.Sprintf("picks[%d].line_id", i), "duplicates picks[%d]", j)
		} else {
			first[p.LineID] = i
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	fo, err := s.updateFO(ctx, id, func(fo *FulfillmentOrder) ([]pendingEvent, error) {
		want := slices.Clone(fo.Lines)
		for i, p := range picks {
			k := slices.IndexFunc(want, func(l Line) bool { return l.LineID == p.LineID })
			if k < 0 {
				v.Add(fmt.Sprintf("picks[%d].line_id", i), "line %s is not in fulfillment order %s", p.LineID, id)
				continue
			}
			// Distribute over the lines of that order line (several
			// reservations after a merge), in order.
			left := p.Quantity
			total := int64(0)
			for j := range want {
				if want[j].LineID == p.LineID {
					total += want[j].Quantity
				}
			}
			if p.Quantity > total {
				v.Add(fmt.Sprintf("picks[%d].quantity", i), "%d picked but only %d to pick of line %s", p.Quantity, total, p.LineID)
				continue
			}
			for j := range want {
				if want[j].LineID == p.LineID {
					q := min(left, want[j].Quantity)
					want[j].Picked, want[j].Short = q, want[j].Quantity-q
					left -= q
				}
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		for j := range want {
			if !slices.ContainsFunc(picks, func(p Picked) bool { return p.LineID == want[j].LineID }) {
				want[j].Picked, want[j].Short = want[j].Quantity, 0
			}
		}
		if fo.done("picked") {
			if slices.Equal(want, fo.Lines) {
				return nil, nil
			}
			return nil, fmt.Errorf("fulfillment: fulfillment order %s was picked with other quantities: %w", id, oms.ErrDuplicate)
		}
		if fo.Status != StatusInProgress || fo.OnHold() {
			return nil, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(fo.Status), To: "picked", Reason: "picks are confirmed for in-progress fulfillment orders"}
		}
		fo.Lines = want
		fo.mark("picked")
		var short int64
		for _, l := range want {
			short += l.Short
		}
		return []pendingEvent{{EventPicked, PickedPayload{OrderID: fo.OrderID, Lines: want, Short: short}}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.resolveShort(ctx, fo)
}

// resolveShort handles units picked short: release, loss, re-allocation.
func (s *Service) resolveShort(ctx context.Context, fo *FulfillmentOrder) (*FulfillmentOrder, error) {
	var short []stockLine
	for _, l := range fo.Lines {
		if l.Short > 0 {
			short = append(short, stockLine{SKU: l.SKU, Location: fo.Location, LineID: l.LineID, Quantity: l.Short})
		}
	}
	if len(short) == 0 || fo.done("short_reallocated") {
		return fo, nil
	}
	if !fo.done("short_release") {
		groups := map[oms.ID][]stockLine{}
		for _, l := range fo.Lines {
			if l.Short > 0 {
				groups[l.Reservation] = append(groups[l.Reservation], stockLine{SKU: l.SKU, Location: fo.Location, LineID: l.LineID, Quantity: l.Short})
			}
		}
		for r, ls := range groups {
			if err := s.releaseStock(ctx, string(oms.DeriveID(fo.ID, "short_release:"+string(r))), r, ls); err != nil {
				return fo, err
			}
		}
		var err error
		if fo, err = s.markStep(ctx, fo.ID, "short_release"); err != nil {
			return nil, err
		}
	}
	if !fo.done("short_loss") {
		for _, l := range short {
			if err := s.recordLoss(ctx, string(oms.DeriveID(fo.ID, "short_loss:"+string(l.LineID))), l.SKU, fo.Location, l.Quantity); err != nil {
				return fo, err
			}
		}
		var err error
		if fo, err = s.markStep(ctx, fo.ID, "short_loss"); err != nil {
			return nil, err
		}
	}
	o, err := s.orders.Get(ctx, fo.OrderID)
	if err != nil {
		return fo, err
	}
	spec := allocSpec{id: oms.DeriveID(fo.ID, "reallocation"), exclude: []oms.ID{fo.Location}, reship: fo.Reship, pickup: oms.ID(o.Metadata[PickupMetadataKey])}
	for _, l := range short {
		ol, _ := o.Line(l.LineID)
		spec.lines = append(spec.lines, PlanLine{LineID: l.LineID, SKU: l.SKU, Quantity: l.Quantity, UnitWeight: ol.UnitWeight, UnitDimensions: ol.UnitDimensions})
	}
	if spec.pickup != "" {
		spec.exclude = nil // a pickup order has only its store: backorder there
		spec.lines = nil
	}
	_, _, err = s.allocate(ctx, o, spec)
	var se *ShortageError
	switch {
	case errors.As(err, &se) || spec.lines == nil:
		// Nowhere to get them: cancel them on the order.
		if !fo.Reship {
			var lq []order.LineQuantity
			for _, l := range short {
				lq = append(lq, order.LineQuantity{LineID: l.LineID, Quantity: l.Quantity})
			}
			if _, err := s.orders.CancelLines(ctx, fo.OrderID, order.CancelLinesInput{Key: string(oms.DeriveID(fo.ID, "short_cancel")), Lines: lq, Reason: "picked short; no stock elsewhere", By: "fulfillment"}); err != nil {
				return fo, err
			}
		}
	case err != nil:
		return fo, err
	}
	return s.markStep(ctx, fo.ID, "short_reallocated")
}

// markStep records that a keyed side effect of fo happened.
func (s *Service) markStep(ctx context.Context, id oms.ID, step string) (*FulfillmentOrder, error) {
	return s.updateFO(ctx, id, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.done(step) {
			return nil, nil
		}
		f.mark(step)
		return []pendingEvent{{}}, nil
	})
}
