package inventory

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/omskit/oms"
)

// LocationAvailability is one location's stock of a SKU.
type LocationAvailability struct {
	Location oms.ID `json:"location"`
	// Active copies the location's flag: inactive locations count towards no
	// total.
	Active bool `json:"active"`
	// OnHand, Reserved, Incoming and Damaged are the level's quantities (see
	// Level).
	OnHand   int64 `json:"on_hand"`
	Reserved int64 `json:"reserved"`
	// Available is on hand minus reserved, negative when backordered.
	Available int64 `json:"available"`
	Incoming  int64 `json:"incoming"`
	Damaged   int64 `json:"damaged"`
}

// Availability is a SKU's stock per location and across the active ones.
type Availability struct {
	SKU oms.SKU `json:"sku"`
	// Tracked copies the item's flag; an untracked SKU has no levels that
	// matter.
	Tracked bool `json:"tracked"`
	// The totals cover active locations only.
	OnHand int64 `json:"on_hand"`
	// Reserved, Incoming and Damaged sum the active locations' levels.
	Reserved int64 `json:"reserved"`
	// Available sums each active location's available units that are not
	// negative: what can be promised now without backordering.
	Available int64 `json:"available"`
	Incoming  int64 `json:"incoming"`
	Damaged   int64 `json:"damaged"`
	// Locations lists every location that has a level, active or not, in
	// location priority order.
	Locations []LocationAvailability `json:"locations"`
}

// ChannelAvailability is what one channel may sell of a SKU.
type ChannelAvailability struct {
	SKU     oms.SKU `json:"sku"`
	Channel Channel `json:"channel"`
	// Quantity is the sum over the active locations serving the channel of
	// their available units that are not negative, plus the preorders
	// those locations may still take (within the SKU-wide limit and each
	// location's cap), minus the SKU's safety stock and the channel's
	// buffer, never below zero. A backordered location does not reduce
	// what another can sell.
	Quantity int64 `json:"quantity"`
	// Unlimited is set for untracked SKUs and SKUs that allow backorders:
	// the channel may sell beyond Quantity.
	Unlimited bool `json:"unlimited,omitempty"`
	// Locations lists the locations counted, in priority order.
	Locations []oms.ID `json:"locations"`
}

// ComputeAvailability sums levels per location; locs gives the active flag
// and the order (a location listed twice counts once). It is a pure
// function.
func ComputeAvailability(it Item, levels []Level, locs []Location) Availability {
	a := Availability{SKU: it.SKU, Tracked: it.Tracked, Locations: []LocationAvailability{}}
	byLoc := map[oms.ID]Level{}
	for _, l := range levels {
		if l.SKU == it.SKU {
			byLoc[l.Location] = l
		}
	}
	for _, loc := range locs {
		l, ok := byLoc[loc.ID]
		if !ok {
			continue
		}
		delete(byLoc, loc.ID) // counted: a second listing adds nothing
		la := LocationAvailability{Location: loc.ID, Active: loc.Active, OnHand: l.OnHand, Reserved: l.Reserved,
			Available: l.Available(), Incoming: l.Incoming, Damaged: l.Damaged}
		a.Locations = append(a.Locations, la)
		if !loc.Active {
			continue
		}
		// Levels hold up to 2^62 units each: the totals saturate.
		a.OnHand = satAdd(a.OnHand, l.OnHand)
		a.Reserved = satAdd(a.Reserved, l.Reserved)
		a.Incoming = satAdd(a.Incoming, l.Incoming)
		a.Damaged = satAdd(a.Damaged, l.Damaged)
		a.Available = satAdd(a.Available, max(l.Available(), 0))
	}
	return a
}

// SellableOnChannel computes a channel's sellable quantity of a SKU (a
// location listed twice in locs counts once). It is a pure function.
func SellableOnChannel(it Item, levels []Level, locs []Location, ch Channel) ChannelAvailability {
	out := ChannelAvailability{SKU: it.SKU, Channel: ch, Locations: []oms.ID{}}
	byLoc := map[oms.ID]Level{}
	for _, l := range levels {
		if l.SKU == it.SKU {
			byLoc[l.Location] = l
		}
	}
	_, limited := it.Backorder.Allowance("")
	var sum int64
	for _, loc := range locs {
		if !loc.Active || !loc.Serves(ch) || slices.Contains(out.Locations, loc.ID) {
			continue
		}
		out.Locations = append(out.Locations, loc.ID)
		sum = satAdd(sum, max(byLoc[loc.ID].Available(), 0))
	}
	sum = satAdd(sum, preorderExtra(it.Backorder, levels, it.SKU, out.Locations))
	out.Quantity = max(satSub(sum, satAdd(max(it.SafetyStock, 0), max(it.ChannelBuffers[ch], 0))), 0)
	out.Unlimited = !it.Tracked || !limited
	return out
}

// Availability returns a SKU's stock per location and in total.
func (s *Service) Availability(ctx context.Context, sku oms.SKU) (Availability, error) {
	it, levels, locs, err := s.skuState(ctx, sku)
	if err != nil {
		return Availability{}, err
	}
	return ComputeAvailability(it, levels, locs), nil
}

// ChannelAvailability returns what channel ch may sell of sku. A channel
// no location could serve (empty, too long, not UTF-8, with a NUL) is a
// *oms.ValidationError.
func (s *Service) ChannelAvailability(ctx context.Context, sku oms.SKU, ch Channel) (ChannelAvailability, error) {
	if msg := channelProblem(ch); msg != "" {
		return ChannelAvailability{}, oms.Validationf("channel availability", "channel", "%s", msg)
	}
	it, levels, locs, err := s.skuState(ctx, sku)
	if err != nil {
		return ChannelAvailability{}, err
	}
	return SellableOnChannel(it, levels, locs, ch), nil
}

func (s *Service) skuState(ctx context.Context, sku oms.SKU) (Item, []Level, []Location, error) {
	if err := validateSKU(sku); err != nil {
		return Item{}, nil, nil, oms.Validationf("availability", "sku", "%s", err)
	}
	it, err := s.store.Item(ctx, sku)
	if err != nil {
		return Item{}, nil, nil, err
	}
	levels, err := s.store.Levels(ctx, sku)
	if err != nil {
		return Item{}, nil, nil, err
	}
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return Item{}, nil, nil, err
	}
	return it, levels, locs, nil
}

// ATPQuery narrows available to promise to one location or one channel;
// the zero value covers every active location.
type ATPQuery struct {
	// Location, when set, narrows to that location (which must exist).
	Location oms.ID `json:"location,omitempty"`
	// Channel, when set, narrows to the active locations serving it and
	// subtracts the safety stock and the channel's buffer.
	Channel Channel `json:"channel,omitempty"`
}

// Supply is stock expected at a date.
type Supply struct {
	// At is when the units are expected; zero when the delivery has no
	// date (such supplies come last).
	At time.Time `json:"at"`
	// Quantity is the units the supply adds.
	Quantity int64 `json:"quantity"`
	// Cumulative is what can be promised once this supply arrives.
	Cumulative int64 `json:"cumulative"`
	// Source is the inbound delivery; empty for a preorder allowance.
	Source oms.ID `json:"source,omitempty"`
	// Preorder marks the allowance of a preorder policy at its date.
	Preorder bool `json:"preorder,omitempty"`
}

// ATP is available to promise: what can be promised now and when more
// arrives.
type ATP struct {
	SKU oms.SKU `json:"sku"`
	// At is when it was computed.
	At time.Time `json:"at"`
	// Now is what can be promised from stock: available units minus the
	// safety stock and channel buffer when a channel was asked for.
	// Backorders make it negative: they consume the supplies first.
	Now int64 `json:"now"`
	// Supplies lists expected stock in date order.
	Supplies []Supply `json:"supplies"`
	// Unlimited is set for untracked SKUs and SKUs that allow backorders.
	Unlimited bool `json:"unlimited,omitempty"`
}

// PromiseDate returns when qty units can be promised: At when they are
// available now, a supply's date when it covers them, and false when no
// known supply does. A promise is never before At: a supply that is
// overdue (dated before At, not arrived yet) is promised for At. An
// undated supply that covers qty gives the zero time and true. For an
// unlimited SKU it returns the zero time and true when no supply covers
// qty: it can be sold, with no date.
func (a ATP) PromiseDate(qty int64) (time.Time, bool) {
	if a.Now >= qty {
		return a.At, true
	}
	for _, s := range a.Supplies {
		if s.Cumulative >= qty {
			if !s.At.IsZero() && s.At.Before(a.At) {
				return a.At, true
			}
			return s.At, true
		}
	}
	return time.Time{}, a.Unlimited
}

// ComputeATP computes available to promise from levels, locations and open
// inbound deliveries at time now. It is a pure function.
func ComputeATP(it Item, levels []Level, locs []Location, inbounds []Inbound, q ATPQuery, now time.Time) ATP {
	a := ATP{SKU: it.SKU, At: now, Supplies: []Supply{}}
	_, limited := it.Backorder.Allowance("")
	a.Unlimited = !it.Tracked || !limited
	selected := map[oms.ID]bool{}
	var sel []oms.ID
	for _, loc := range locs {
		if !loc.Active || (q.Location != "" && loc.ID != q.Location) || (q.Channel != "" && !loc.Serves(q.Channel)) || selected[loc.ID] {
			continue
		}
		selected[loc.ID] = true
		sel = append(sel, loc.ID)
	}
	// A level listed twice counts once (the last listing, as in
	// ComputeAvailability).
	byLoc := map[oms.ID]Level{}
	for _, l := range levels {
		if l.SKU == it.SKU && selected[l.Location] {
			byLoc[l.Location] = l
		}
	}
	var backordered int64 // at the selected locations
	for _, id := range sel {
		if l, ok := byLoc[id]; ok {
			a.Now = satAdd(a.Now, l.Available())
			backordered = satAdd(backordered, max(l.Reserved-l.OnHand, 0))
		}
	}
	if q.Channel != "" {
		a.Now = satSub(a.Now, satAdd(max(it.SafetyStock, 0), max(it.ChannelBuffers[q.Channel], 0)))
	}
	// A delivery listed twice counts once: its last listing.
	var sup []Supply
	seen := map[oms.ID]int{}
	for _, in := range inbounds {
		if in.SKU != it.SKU {
			continue
		}
		i, dup := seen[in.ID]
		if !dup {
			i = len(sup)
			seen[in.ID] = i
			sup = append(sup, Supply{Source: in.ID})
		}
		sup[i].At, sup[i].Quantity = in.ExpectedAt, 0
		if in.Status == InboundOpen && selected[in.Location] && in.Outstanding() > 0 {
			sup[i].Quantity = in.Outstanding()
		}
	}
	sup = slices.DeleteFunc(sup, func(s Supply) bool { return s.Quantity <= 0 })
	// The preorder supply is what the selected locations may still take
	// plus their backorders, which Now has already subtracted: so the
	// last cumulative agrees with SellableOnChannel.
	if extra := satAdd(preorderExtra(it.Backorder, levels, it.SKU, sel), backordered); it.Backorder.Mode == BackorderPreorder && extra > 0 {
		sup = append(sup, Supply{At: it.Backorder.ExpectedAt, Quantity: extra, Preorder: true})
	}
	sort.SliceStable(sup, func(i, j int) bool {
		ai, aj := sup[i].At, sup[j].At
		if ai.IsZero() != aj.IsZero() {
			return aj.IsZero()
		}
		if !ai.Equal(aj) {
			return ai.Before(aj)
		}
		return sup[i].Source < sup[j].Source
	})
	cum := a.Now
	for _, s := range sup {
		cum = satAdd(cum, s.Quantity)
		s.Cumulative = cum
		a.Supplies = append(a.Supplies, s)
	}
	return a
}

// ATP returns available to promise for sku, narrowed by q. A channel or
// location ID no location could have is a *oms.ValidationError.
func (s *Service) ATP(ctx context.Context, sku oms.SKU, q ATPQuery) (ATP, error) {
	p := problems{entity: "atp query"}
	if q.Location != "" {
		if err := validateKey(string(q.Location)); err != nil {
			p.add("location", "%s", err)
		}
	}
	if q.Channel != "" {
		if msg := channelProblem(q.Channel); msg != "" {
			p.add("channel", "%s", msg)
		}
	}
	if err := p.err(); err != nil {
		return ATP{}, err
	}
	it, levels, locs, err := s.skuState(ctx, sku)
	if err != nil {
		return ATP{}, err
	}
	if q.Location != "" {
		if _, err := s.store.Location(ctx, q.Location); err != nil {
			return ATP{}, err
		}
	}
	inbounds, err := s.store.Inbounds(ctx, InboundFilter{SKU: sku, OpenOnly: true})
	if err != nil {
		return ATP{}, err
	}
	return ComputeATP(it, levels, locs, inbounds, q, s.clock.Now()), nil
}
