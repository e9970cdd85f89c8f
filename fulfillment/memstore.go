package fulfillment

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// MemoryStore is the in-memory Store. It appends events to an
// oms.MemoryOutbox inside its writes, taking ownership of their payloads
// as oms.MemoryOutbox.Append does. It is safe for concurrent use and
// copies aggregates going in and coming out.
type MemoryStore struct {
	mu       sync.RWMutex
	outbox   *oms.MemoryOutbox
	allocs   map[oms.ID]*Allocation
	fos      map[oms.ID]*FulfillmentOrder
	foByOrd  map[oms.ID][]oms.ID
	ships    map[oms.ID]*Shipment
	shByOrd  map[oms.ID][]oms.ID
	tracking map[string]oms.ID
	orphans  []Orphan
}

var _ Store = (*MemoryStore)(nil)

// MemoryStoreOptions configures NewMemoryStore. The zero value (or nil)
// means defaults.
type MemoryStoreOptions struct {
	// Outbox receives each write's events inside the write. Nil means a
	// new oms.MemoryOutbox. Share one outbox among the memory stores of
	// several packages to relay all their events with one oms.Relay.
	Outbox *oms.MemoryOutbox
}

// NewMemoryStore returns an empty store; opts may be nil.
func NewMemoryStore(opts *MemoryStoreOptions) *MemoryStore {
	var outbox *oms.MemoryOutbox
	if opts != nil {
		outbox = opts.Outbox
	}
	if outbox == nil {
		outbox = oms.NewMemoryOutbox(nil)
	}
	return &MemoryStore{
		outbox: outbox, allocs: map[oms.ID]*Allocation{}, fos: map[oms.ID]*FulfillmentOrder{},
		foByOrd: map[oms.ID][]oms.ID{}, ships: map[oms.ID]*Shipment{}, shByOrd: map[oms.ID][]oms.ID{},
		tracking: map[string]oms.ID{},
	}
}

// Outbox returns the outbox the store writes events to.
func (s *MemoryStore) Outbox() *oms.MemoryOutbox { return s.outbox }

// trackingKey normalizes as tracking.NewKey does (carrier lower case,
// number upper case without spaces).
func trackingKey(carrier, number string) string { return tracking.NewKey(carrier, number).String() }

// versioned checks one aggregate of a change against the stored one.
func versioned(kind string, id oms.ID, version int64, stored int64, exists bool) error {
	switch {
	case id == "":
		return oms.Validationf(kind, "id", "must not be empty")
	case version < 1:
		return oms.Validationf(kind, "version", "must be at least 1, got %d", version)
	case version == 1 && exists:
		return fmt.Errorf("fulfillment: %s %s exists: %w", kind, id, oms.ErrDuplicate)
	case version > 1 && !exists:
		return oms.NotFoundError(kind, id)
	case version > 1 && stored != version-1:
		return oms.ConflictError(kind, id, version-1, stored)
	}
	return nil
}

// checkChange refuses a nil change, or one holding a nil aggregate.
func checkChange(c *Change) error {
	if c == nil {
		return oms.Validationf("change", "", "must not be nil")
	}
	v := &oms.ValidationError{Entity: "change"}
	for i, a := range c.Allocations {
		if a == nil {
			v.Add(fmt.Sprintf("allocations[%d]", i), "must not be nil")
		}
	}
	for i, fo := range c.FulfillmentOrders {
		if fo == nil {
			v.Add(fmt.Sprintf("fulfillment_orders[%d]", i), "must not be nil")
		}
	}
	for i, sh := range c.Shipments {
		if sh == nil {
			v.Add(fmt.Sprintf("shipments[%d]", i), "must not be nil")
		}
	}
	return v.Err()
}

// Save implements Store.
func (s *MemoryStore) Save(ctx context.Context, c *Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkChange(c); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A change usually holds a handful of aggregates: a linear search
	// finds repeats without building a set, until there are many.
	type seenID struct {
		kind string
		id   oms.ID
	}
	var seenBuf [8]seenID
	seen := seenBuf[:0]
	var seenSet map[seenID]bool
	dup := func(kind string, id oms.ID) error {
		k := seenID{kind, id}
		if seenSet == nil && len(seen) >= 32 {
			seenSet = make(map[seenID]bool, 2*len(seen))
			for _, x := range seen {
				seenSet[x] = true
			}
		}
		if seenSet != nil && seenSet[k] || seenSet == nil && slices.Contains(seen, k) {
			return oms.Validationf("change", kind, "%s %s appears twice", kind, id)
		}
		if seenSet != nil {
			seenSet[k] = true
		} else {
			seen = append(seen, k)
		}
		return nil
	}
	for _, a := range c.Allocations {
		old, ok := s.allocs[a.ID]
		var v int64
		if ok {
			v = old.Version
		}
		if err := versioned("allocation", a.ID, a.Version, v, ok); err != nil {
			return err
		}
		if err := dup("allocation", a.ID); err != nil {
			return err
		}
	}
	for _, fo := range c.FulfillmentOrders {
		old, ok := s.fos[fo.ID]
		var v int64
		if ok {
			v = old.Version
		}
		if err := versioned("fulfillment order", fo.ID, fo.Version, v, ok); err != nil {
			return err
		}
		if err := dup("fulfillment order", fo.ID); err != nil {
			return err
		}
	}
	for _, sh := range c.Shipments {
		old, ok := s.ships[sh.ID]
		var v int64
		if ok {
			v = old.Version
		}
		if err := versioned("shipment", sh.ID, sh.Version, v, ok); err != nil {
			return err
		}
		if err := dup("shipment", sh.ID); err != nil {
			return err
		}
		for _, p := range sh.Packages {
			if p.TrackingNumber == "" {
				continue
			}
			if other, ok := s.tracking[trackingKey(sh.Carrier, p.TrackingNumber)]; ok && other != sh.ID {
				return fmt.Errorf("fulfillment: tracking number %s %s belongs to shipment %s: %w", sh.Carrier, p.TrackingNumber, other, oms.ErrDuplicate)
			}
		}
	}
	for _, a := range c.Allocations {
		s.allocs[a.ID] = a.Clone()
	}
	for _, fo := range c.FulfillmentOrders {
		if fo.Version == 1 {
			s.foByOrd[fo.OrderID] = append(s.foByOrd[fo.OrderID], fo.ID)
		}
		s.fos[fo.ID] = fo.Clone()
	}
	for _, sh := range c.Shipments {
		if sh.Version == 1 {
			s.shByOrd[sh.OrderID] = append(s.shByOrd[sh.OrderID], sh.ID)
		}
		s.ships[sh.ID] = sh.Clone()
		for _, p := range sh.Packages {
			if p.TrackingNumber != "" {
				s.tracking[trackingKey(sh.Carrier, p.TrackingNumber)] = sh.ID
			}
		}
	}
	for _, o := range c.Orphans {
		if o.EventID != "" && slices.ContainsFunc(s.orphans, func(x Orphan) bool {
			return x.EventID == o.EventID && x.Carrier == o.Carrier && x.TrackingNumber == o.TrackingNumber
		}) {
			continue // the same news delivered again
		}
		s.orphans = append(s.orphans, o)
	}
	s.outbox.Append(c.Events...) // takes ownership of the payloads
	return nil
}

// Allocation implements Store.
func (s *MemoryStore) Allocation(ctx context.Context, id oms.ID) (*Allocation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.allocs[id]
	if !ok {
		return nil, oms.NotFoundError("allocation", id)
	}
	return a.Clone(), nil
}

// FulfillmentOrder implements Store.
func (s *MemoryStore) FulfillmentOrder(ctx context.Context, id oms.ID) (*FulfillmentOrder, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fo, ok := s.fos[id]
	if !ok {
		return nil, oms.NotFoundError("fulfillment order", id)
	}
	return fo.Clone(), nil
}

// FulfillmentOrders implements Store.
func (s *MemoryStore) FulfillmentOrders(ctx context.Context, orderID oms.ID) ([]*FulfillmentOrder, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*FulfillmentOrder, 0, len(s.foByOrd[orderID]))
	for _, id := range s.foByOrd[orderID] {
		out = append(out, s.fos[id].Clone())
	}
	slices.SortStableFunc(out, func(a, b *FulfillmentOrder) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Shipment implements Store.
func (s *MemoryStore) Shipment(ctx context.Context, id oms.ID) (*Shipment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh, ok := s.ships[id]
	if !ok {
		return nil, oms.NotFoundError("shipment", id)
	}
	return sh.Clone(), nil
}

// Shipments implements Store.
func (s *MemoryStore) Shipments(ctx context.Context, orderID oms.ID) ([]*Shipment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Shipment, 0, len(s.shByOrd[orderID]))
	for _, id := range s.shByOrd[orderID] {
		out = append(out, s.ships[id].Clone())
	}
	slices.SortStableFunc(out, func(a, b *Shipment) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ShipmentByTracking implements Store.
func (s *MemoryStore) ShipmentByTracking(ctx context.Context, carrier, number string) (*Shipment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.tracking[trackingKey(carrier, number)]
	if !ok {
		return nil, oms.NotFoundError("shipment with tracking number", carrier+" "+number)
	}
	return s.ships[id].Clone(), nil
}

// Orphans implements Store.
func (s *MemoryStore) Orphans(ctx context.Context) ([]Orphan, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.orphans), nil
}
