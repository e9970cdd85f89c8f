package inventory

import (
	"context"
	"sort"

	"github.com/omskit/oms"
)

// Sync publishes what changed since the last sync, coalesced: for every SKU
// whose stock or settings changed, one EventChannelAvailability per channel
// whose sellable quantity differs from the last one published, and an
// EventLowStock (or EventStockReplenished) when the SKU's availability
// crossed its reorder point. A burst of orders between two syncs yields
// one update per SKU per channel. The events, the marks and the cursor are
// saved in one atomic store write; the events carry the new cursor as
// their version, so a SKU's sync events have growing versions (while the
// store reports changes without moving the cursor, Sync publishes nothing).
// It returns how many events it appended.
func (s *Service) Sync(ctx context.Context) (int, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	cursor, _, err := s.store.SyncState(ctx, nil)
	if err != nil {
		return 0, err
	}
	skus, next, err := s.store.ChangedSKUs(ctx, cursor)
	if err != nil {
		return 0, err
	}
	if len(skus) == 0 {
		if next == cursor {
			return 0, nil
		}
		return 0, s.store.SaveSync(ctx, cursor, next, nil, nil)
	}
	if next <= cursor {
		// The store reports changes but cannot move the cursor over them
		// yet (a writer still in flight, say): their events would carry
		// the version of the last sync's. They are published, with a
		// larger version, once the cursor moves on.
		return 0, nil
	}
	_, old, err := s.store.SyncState(ctx, skus)
	if err != nil {
		return 0, err
	}
	marks := map[syncKey]SyncMark{}
	for _, m := range old {
		marks[syncKey{m.SKU, m.Channel}] = m
	}
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return 0, err
	}
	channelSet := map[Channel]bool{}
	for _, l := range locs {
		for _, c := range l.Channels {
			channelSet[c] = true
		}
	}
	now := s.clock.Now()
	var newMarks []SyncMark
	var events []oms.Event
	for _, sku := range skus {
		it, err := s.store.Item(ctx, sku)
		if err != nil {
			return 0, err
		}
		levels, err := s.store.Levels(ctx, sku)
		if err != nil {
			return 0, err
		}
		chans := make([]Channel, 0, len(channelSet))
		for c := range channelSet {
			chans = append(chans, c)
		}
		for k := range marks {
			if k.sku == sku && k.channel != "" && !channelSet[k.channel] {
				chans = append(chans, k.channel)
			}
		}
		sort.Slice(chans, func(i, j int) bool { return chans[i] < chans[j] })
		for _, c := range chans {
			ca := SellableOnChannel(it, levels, locs, c)
			prev, seen := marks[syncKey{sku, c}]
			if seen && prev.Quantity == ca.Quantity && prev.Unlimited == ca.Unlimited {
				continue
			}
			ev, err := oms.NewEvent(EventChannelAvailability, aggregateSKU, oms.ID(sku), next, now, ChannelAvailabilityPayload{
				SKU: sku, Channel: c, Quantity: ca.Quantity, Unlimited: ca.Unlimited, Previous: prev.Quantity,
			})
			if err != nil {
				return 0, err
			}
			events = append(events, ev)
			newMarks = append(newMarks, SyncMark{SKU: sku, Channel: c, Quantity: ca.Quantity, Unlimited: ca.Unlimited})
		}
		if !it.Tracked {
			continue
		}
		avail := ComputeAvailability(it, levels, locs).Available
		prev := marks[syncKey{sku, ""}]
		low := it.ReorderPoint > 0 && avail <= it.ReorderPoint
		if low == prev.Low {
			continue
		}
		typ := EventLowStock
		if !low {
			typ = EventStockReplenished
		}
		ev, err := oms.NewEvent(typ, aggregateSKU, oms.ID(sku), next, now, LowStockPayload{SKU: sku, Available: avail, ReorderPoint: it.ReorderPoint})
		if err != nil {
			return 0, err
		}
		events = append(events, ev)
		newMarks = append(newMarks, SyncMark{SKU: sku, Quantity: avail, Low: low})
	}
	if err := s.store.SaveSync(ctx, cursor, next, newMarks, events); err != nil {
		return 0, err
	}
	return len(events), nil
}

// RunSync calls Sync once per SyncInterval, measured on the service's
// clock, until ctx is done; it then returns ctx's error. Errors of a pass
// are logged (when a Logger is set) and the next pass retries.
func (s *Service) RunSync(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-oms.After(s.clock, s.syncInterval):
		}
		if _, err := s.Sync(ctx); err != nil && s.log != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "inventory: sync", "error", err)
		}
	}
}
