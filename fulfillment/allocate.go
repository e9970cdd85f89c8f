package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// PickupMetadataKey is the order metadata key naming the location where
// the customer collects the order: such an order is a pickup order.
const PickupMetadataKey = "pickup_location"

// allocSpec describes one allocation: the order's first, or a
// re-allocation of units picked short, moved or lost.
type allocSpec struct {
	id      oms.ID
	lines   []PlanLine
	exclude []oms.ID
	pickup  oms.ID
	reship  bool
	// record moves the order's allocated counters.
	record bool
	// absent says the caller has just found no allocation spec.id (the
	// allocation is not read again before it is planned).
	absent bool
	// created, when set, is told whether this run created the
	// fulfillment orders (then the ones returned are all the order has).
	created *bool
	// skipOwn says no reservation of the allocation can exist yet (it was
	// absent when planning started): planning does not look for one.
	skipOwn bool
	// locs, when set, keeps the locations planning read, for creating the
	// fulfillment orders of the same run.
	locs *[]inventory.Location
}

// AllocationID returns the ID of an order's allocation; its reservation
// is oms.DeriveID(AllocationID, "reservation").
func AllocationID(orderID oms.ID) oms.ID { return oms.DeriveID(orderID, "allocation") }

// checkOrder refuses orders that may not be allocated or worked on.
func checkOrder(o *order.Order, what string) error {
	if o.Status != order.StatusConfirmed && o.Status != order.StatusProcessing {
		return &oms.TransitionError{Entity: "order", ID: o.ID, From: string(o.Status), To: what,
			Reason: "only confirmed or processing orders are fulfilled"}
	}
	if o.OnHold() {
		return &order.HoldError{OrderID: o.ID, Command: what, Holds: o.OpenHolds()}
	}
	return nil
}

// Allocate plans an order's unallocated units across locations, reserves
// them in one all-or-nothing inventory reservation whose ID derives from
// the order, creates the fulfillment orders (with IDs derived from the
// allocation) and moves the order's allocated counters. Running it again
// returns the same fulfillment orders; units an order.Service.Edit added
// since are allocated then, in an allocation of their own per line, and
// every fulfillment order of the order is returned. An order that is not
// confirmed (or processing) is an error matching oms.ErrInvalidTransition, one on hold
// matches oms.ErrOnHold; units without stock whose SKU denies backorders
// fail with a *ShortageError and nothing is reserved.
func (s *Service) Allocate(ctx context.Context, orderID oms.ID) ([]*FulfillmentOrder, error) {
	o, err := s.orders.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	return s.allocateOrder(ctx, o, nil)
}

// allocateOrder is Allocate for a loaded order. created, when set, is told
// whether this run created the fulfillment orders (then the ones returned
// are all the order has, as saved).
func (s *Service) allocateOrder(ctx context.Context, o *order.Order, created *bool) ([]*FulfillmentOrder, error) {
	orderID := o.ID
	spec := allocSpec{id: AllocationID(orderID), record: true, pickup: oms.ID(o.Metadata[PickupMetadataKey]), created: created}
	if a, err := s.store.Allocation(ctx, spec.id); err == nil {
		if a.Status == AllocationDone && hasKey(o, "allocated:"+string(a.ID)) {
			fos, err := s.allocationFOs(ctx, a)
			if err != nil || !mayHaveAdded(o) {
				return fos, err
			}
			fos, _, err = s.allocateAdded(ctx, o, fos, spec.pickup, created)
			return fos, err
		}
	} else if errors.Is(err, oms.ErrNotFound) {
		spec.absent = true
	} else {
		return nil, err
	}
	if err := checkOrder(o, "allocated"); err != nil {
		return nil, err
	}
	for _, l := range o.Lines {
		if n := l.Active() - l.Allocated; n > 0 && l.RequiresShipping {
			spec.lines = append(spec.lines, PlanLine{LineID: l.ID, SKU: lineSKU(l), Quantity: n, UnitWeight: l.UnitWeight, UnitDimensions: l.UnitDimensions})
		}
	}
	fos, _, err := s.allocate(ctx, o, spec)
	if err != nil {
		return fos, err
	}
	return fos, s.deliverDigital(ctx, o)
}

// addedLines returns the order's lines with active units not allocated
// once its allocation is recorded: lines an order.Service.Edit added or
// raised afterwards (a cancel lowers a line's allocated units only to its
// active ones, so nothing else leaves such a gap).
func addedLines(o *order.Order) []order.Line {
	var out []order.Line
	for _, l := range o.Lines {
		if l.Active() > l.Allocated {
			out = append(out, l)
		}
	}
	return out
}

// mayHaveAdded reports whether o may have units an edit added after its
// allocation, allocated or not yet: a line with a gap, or a shipped line
// with nothing allocated (its added units cancelled on the order while
// their allocation was under way).
func mayHaveAdded(o *order.Order) bool {
	return slices.ContainsFunc(o.Lines, func(l order.Line) bool {
		return l.Active() > l.Allocated || l.RequiresShipping && l.Allocated == 0
	})
}

// addedAllocationID returns the ID of the allocation of an order line's
// units that an edit added after the order's allocation; allocated is the
// line's allocated units when it is planned.
func addedAllocationID(orderID, lineID oms.ID, allocated int64) oms.ID {
	return oms.DeriveID(AllocationID(orderID), "added:"+string(lineID)+"@"+itoa(allocated))
}

// allocateAdded allocates, after the order's allocation is recorded (fos
// are the order's fulfillment orders), each line's units an edit added
// since, in an allocation of their own per line (addedAllocationID),
// finishes such an allocation left unfinished, and delivers the digital
// lines added. It returns every fulfillment order of the order, and
// whether it allocated (the order's counters moved).
func (s *Service) allocateAdded(ctx context.Context, o *order.Order, fos []*FulfillmentOrder, pickup oms.ID, created *bool) ([]*FulfillmentOrder, bool, error) {
	if len(addedLines(o)) > 0 {
		if err := checkOrder(o, "allocated"); err != nil {
			return fos, false, err
		}
	}
	ran, digital := false, false
	for _, l := range o.Lines {
		n := l.Active() - l.Allocated
		if !l.RequiresShipping {
			digital = digital || n > 0
			continue
		}
		if n <= 0 && l.Allocated > 0 {
			continue
		}
		spec := allocSpec{id: addedAllocationID(o.ID, l.ID, l.Allocated), record: true, pickup: pickup}
		if n > 0 {
			spec.lines = []PlanLine{{LineID: l.ID, SKU: lineSKU(l), Quantity: n, UnitWeight: l.UnitWeight, UnitDimensions: l.UnitDimensions}}
		} else {
			// The line's units were cancelled: an allocation of them
			// left planned is finished, so that Process gives its stock
			// back (shrinkToOrder).
			a, err := s.store.Allocation(ctx, spec.id)
			if errors.Is(err, oms.ErrNotFound) || err == nil && a.Status == AllocationDone {
				continue
			}
			if err != nil {
				return fos, false, err
			}
		}
		if _, _, err := s.allocate(ctx, o, spec); err != nil {
			return fos, false, err
		}
		ran = true
	}
	if digital {
		if err := s.deliverDigital(ctx, o); err != nil {
			return fos, false, err
		}
		ran = true
	}
	if !ran {
		return fos, false, nil
	}
	if created != nil {
		*created = false // the order's fulfillment orders are read again
	}
	all, err := s.store.FulfillmentOrders(ctx, o.ID)
	return all, true, err
}

// deliverDigital moves every counter of the lines that need no shipping
// (digital goods, services): they move no stock and are delivered with
// the allocation. Each counter move is keyed, so a re-run changes nothing.
func (s *Service) deliverDigital(ctx context.Context, o *order.Order) error {
	if !slices.ContainsFunc(o.Lines, func(l order.Line) bool { return !l.RequiresShipping }) {
		return nil
	}
	id := o.ID
	o, err := s.orders.Get(ctx, id)
	if err != nil {
		return err
	}
	var lq []order.LineQuantity
	for _, l := range o.Lines {
		if !l.RequiresShipping && l.Active() > l.Delivered {
			lq = append(lq, order.LineQuantity{LineID: l.ID, Quantity: l.Active() - l.Delivered})
		}
	}
	if len(lq) == 0 {
		return nil
	}
	what := "digital"
	for _, q := range lq {
		what += ":" + string(q.LineID) + "=" + itoa(q.Quantity)
	}
	key := string(oms.DeriveID(id, what))
	for _, rec := range []func(context.Context, oms.ID, order.CounterInput) (*order.Order, error){
		s.orders.RecordAllocation, s.orders.RecordFulfillment, s.orders.RecordShipment, s.orders.RecordDelivery,
	} {
		if _, err := rec(ctx, id, order.CounterInput{Key: key, Lines: lq}); err != nil {
			return err
		}
	}
	return nil
}

// allocationFOs loads the fulfillment orders an allocation created.
func (s *Service) allocationFOs(ctx context.Context, a *Allocation) ([]*FulfillmentOrder, error) {
	var out []*FulfillmentOrder
	for _, id := range planFOIDs(a) {
		fo, err := s.store.FulfillmentOrder(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, fo)
	}
	return out, nil
}

func planFOIDs(a *Allocation) []oms.ID {
	var ids []oms.ID
	for _, sh := range a.Plan.Shipments {
		ids = append(ids, oms.DeriveID(a.ID, "fo:"+string(sh.Location)))
	}
	var seen []oms.ID
	for _, b := range a.Plan.Backorders {
		if !slices.Contains(seen, b.Location) {
			seen = append(seen, b.Location)
			ids = append(ids, oms.DeriveID(a.ID, "backorder:"+string(b.Location)))
		}
	}
	return ids
}

// allocate runs the allocation steps of spec; each step recognises that it
// already happened.
func (s *Service) allocate(ctx context.Context, o *order.Order, spec allocSpec) ([]*FulfillmentOrder, *Allocation, error) {
	resID := oms.DeriveID(spec.id, "reservation")
	spec.locs = new([]inventory.Location)
	var fos []*FulfillmentOrder
	var a *Allocation
	err := oms.ErrNotFound
	if !spec.absent {
		a, err = s.store.Allocation(ctx, spec.id)
	}
	switch {
	case errors.Is(err, oms.ErrNotFound):
		if len(spec.lines) == 0 {
			return nil, nil, nil
		}
		first := spec
		first.skipOwn = spec.absent
		plan, err := s.planFor(ctx, o, first, resID)
		if err != nil {
			return nil, nil, err
		}
		a = &Allocation{ID: spec.id, OrderID: o.ID, Reservation: resID, Plan: plan, Status: AllocationPlanned, Reship: spec.reship, Pickup: spec.pickup != ""}
		c := &Change{}
		if err := s.addAllocation(c, a, nil); err != nil {
			return nil, nil, err
		}
		if err := s.store.Save(ctx, c); err != nil {
			if !errors.Is(err, oms.ErrDuplicate) {
				return nil, nil, err
			}
			if a, err = s.store.Allocation(ctx, spec.id); err != nil {
				return nil, nil, err
			}
		}
	case err != nil:
		return nil, nil, err
	}
	if a.Status != AllocationDone {
		if a, err = s.reservePlan(ctx, o, spec, a); err != nil {
			return nil, a, err
		}
		done, created, err := s.createFOs(ctx, o, spec, a)
		if err != nil {
			return nil, a, err
		}
		if done == nil { // done by an earlier or a concurrent run
			if a, err = s.store.Allocation(ctx, spec.id); err != nil {
				return nil, nil, err
			}
		} else {
			a, fos = done, created
			if spec.created != nil {
				*spec.created = true
			}
		}
	}
	if spec.record && !hasKey(o, "allocated:"+string(a.ID)) {
		if err := s.recordAllocation(ctx, o.ID, a); err != nil {
			return nil, a, err
		}
	}
	if fos != nil {
		return fos, a, nil
	}
	fos, err = s.allocationFOs(ctx, a)
	return fos, a, err
}

// recordAllocation moves the order's allocated counters by a's plan, keyed
// by the allocation. When the order refuses them because units were
// cancelled on it after the plan was made, it records what the order can
// still take (each line's active units not yet allocated), or nothing when
// that is none: the fulfillment orders then hold more than the order
// expects, and Process takes the excess off (shrinkToOrder).
func (s *Service) recordAllocation(ctx context.Context, orderID oms.ID, a *Allocation) error {
	lines := planCounts(a.Plan)
	_, err := s.orders.RecordAllocation(ctx, orderID, order.CounterInput{Key: string(a.ID), Lines: lines})
	for attempt := 0; err != nil && attempt < 3; attempt++ {
		if !errors.Is(err, oms.ErrValidation) && !errors.Is(err, oms.ErrDuplicate) {
			return err
		}
		o, gerr := s.orders.Get(ctx, orderID)
		if gerr != nil {
			return gerr
		}
		if hasKey(o, "allocated:"+string(a.ID)) {
			return nil // recorded by a concurrent run
		}
		var capped []order.LineQuantity
		for _, lq := range lines {
			l, ok := o.Line(lq.LineID)
			if q := min(lq.Quantity, l.Active()-l.Allocated); ok && q > 0 {
				capped = append(capped, order.LineQuantity{LineID: lq.LineID, Quantity: q})
			}
		}
		switch {
		case !errors.Is(err, oms.ErrValidation) || slices.Equal(capped, lines):
			return err // refused for another reason
		case len(capped) == 0:
			return nil // every planned unit was cancelled on the order
		}
		lines = capped
		_, err = s.orders.RecordAllocation(ctx, orderID, order.CounterInput{Key: string(a.ID), Lines: lines})
	}
	return err
}

// planCounts sums a plan's units per order line, in line order.
func planCounts(p Plan) []order.LineQuantity {
	var out []order.LineQuantity
	add := func(id oms.ID, q int64) {
		for i := range out {
			if out[i].LineID == id {
				out[i].Quantity += q
				return
			}
		}
		out = append(out, order.LineQuantity{LineID: id, Quantity: q})
	}
	for _, sh := range p.Shipments {
		for _, l := range sh.Lines {
			add(l.LineID, l.Quantity)
		}
	}
	for _, b := range p.Backorders {
		add(b.LineID, b.Quantity)
	}
	return out
}

func planStockLines(p Plan) []stockLine {
	var out []stockLine
	for _, sh := range p.Shipments {
		for _, l := range sh.Lines {
			out = append(out, stockLine{SKU: l.SKU, Location: sh.Location, LineID: l.LineID, Quantity: l.Quantity})
		}
	}
	for _, b := range p.Backorders {
		out = append(out, stockLine{SKU: b.SKU, Location: b.Location, LineID: b.LineID, Quantity: b.Quantity})
	}
	return out
}

// reservePlan reserves the allocation's plan, re-planning on fresh
// availability after a shortage (at most MaxReplans times).
func (s *Service) reservePlan(ctx context.Context, o *order.Order, spec allocSpec, a *Allocation) (*Allocation, error) {
	for replans := 0; ; replans++ {
		_, err := s.reserve(ctx, a.Reservation, string(o.ID), planStockLines(a.Plan))
		if err == nil {
			return a, nil
		}
		var short *inventory.ShortageError
		if !errors.As(err, &short) || replans >= s.opts.MaxReplans {
			if errors.As(err, &short) {
				return a, &ShortageError{OrderID: o.ID, Lines: shortLines(a.Plan, short)}
			}
			return a, err
		}
		plan, perr := s.planFor(ctx, o, spec, a.Reservation)
		if perr != nil {
			return a, perr
		}
		next := a.Clone()
		next.Plan, next.Attempts = plan, a.Attempts+1
		c := &Change{}
		if err := s.addAllocation(c, next, nil); err != nil {
			return a, err
		}
		if err := s.store.Save(ctx, c); err != nil {
			if !errors.Is(err, oms.ErrConflict) {
				return a, err
			}
			if next, err = s.store.Allocation(ctx, a.ID); err != nil {
				return a, err
			}
		}
		a = next
	}
}

// shortLines turns an inventory shortage of a plan into short order lines.
func shortLines(p Plan, e *inventory.ShortageError) []ShortLine {
	var out []ShortLine
	for _, sl := range e.Lines {
		for _, l := range planStockLines(p) {
			if l.SKU == sl.SKU && l.Location == sl.Location {
				out = append(out, ShortLine{LineID: l.LineID, SKU: l.SKU, Requested: l.Quantity, Available: max(sl.Available, 0)})
				break
			}
		}
	}
	return out
}

// planFor reads availability and plans spec's lines. The units of the
// allocation's own reservation count as available.
func (s *Service) planFor(ctx context.Context, o *order.Order, spec allocSpec, resID oms.ID) (Plan, error) {
	locs, err := s.inv.Locations(ctx)
	if err != nil {
		return Plan{}, err
	}
	if spec.locs != nil {
		*spec.locs = locs
	}
	req := PlanRequest{Lines: spec.lines, ShipTo: o.ShippingAddress, Channel: orderChannel(o), PickupAt: spec.pickup,
		Locations: locs, Strategy: s.opts.Strategy, Rules: s.opts.Rules}
	req.Rules.HeldLocations = append(slices.Clone(req.Rules.HeldLocations), spec.exclude...)
	if s.opts.Cost != nil {
		req.Cost = s.opts.Cost(o)
	}
	var own inventory.Reservation
	if spec.skipOwn {
		// The allocation did not exist: its reservation, made after it
		// is saved, does not either.
	} else if r, err := s.inv.Reservation(ctx, resID); err == nil && r.Open() {
		own = r
	}
	var skus []oms.SKU
	for _, l := range spec.lines {
		if !slices.Contains(skus, l.SKU) {
			skus = append(skus, l.SKU)
		}
	}
	for _, sku := range skus {
		it, err := s.inv.Item(ctx, sku)
		if err != nil {
			return Plan{}, fmt.Errorf("fulfillment: order %s: sku %s: %w", o.ID, sku, err)
		}
		req.Policies = append(req.Policies, SKUPolicy{SKU: sku, Tracked: it.Tracked, Backorder: it.Backorder})
		levels, err := s.inv.Levels(ctx, sku)
		if err != nil {
			return Plan{}, err
		}
		for _, lv := range levels {
			n := lv.Available()
			for _, rl := range own.Lines {
				if rl.SKU == sku && rl.Location == lv.Location && !rl.Untracked {
					n += rl.Outstanding()
				}
			}
			req.Stock = append(req.Stock, Supply{SKU: sku, Location: lv.Location, Available: n})
		}
		ins, err := s.inbounds(ctx, sku)
		if err != nil {
			return Plan{}, err
		}
		req.Inbound = append(req.Inbound, ins...)
	}
	plan, err := Allocate(req)
	var se *ShortageError
	if errors.As(err, &se) {
		se.OrderID = o.ID
	}
	return plan, err
}

// inbounds reads the open inbound supply of sku.
func (s *Service) inbounds(ctx context.Context, sku oms.SKU) ([]InboundSupply, error) {
	ins, err := s.inv.Inbounds(ctx, inventory.InboundFilter{SKU: sku, OpenOnly: true})
	if err != nil {
		return nil, err
	}
	out := make([]InboundSupply, 0, len(ins))
	for _, in := range ins {
		out = append(out, InboundSupply{SKU: sku, Location: in.Location, Quantity: in.Outstanding(), ExpectedAt: in.ExpectedAt})
	}
	return out, nil
}

func thirdParty(k inventory.LocationKind) bool {
	return k == inventory.KindThirdParty || k == inventory.KindDropship
}

// createFOs creates the allocation's fulfillment orders and marks it done,
// in one write, and returns them; (nil, nil, nil) when an earlier or a
// concurrent run did it.
func (s *Service) createFOs(ctx context.Context, o *order.Order, spec allocSpec, a *Allocation) (*Allocation, []*FulfillmentOrder, error) {
	var locs []inventory.Location
	if spec.locs != nil {
		locs = *spec.locs // read by this run's planning
	}
	var err error
	if locs == nil {
		if locs, err = s.inv.Locations(ctx); err != nil {
			return nil, nil, err
		}
	}
	kind := map[oms.ID]inventory.LocationKind{}
	for _, l := range locs {
		kind[l.ID] = l.Kind
	}
	c := &Change{}
	var ids []oms.ID
	newFO := func(id, loc oms.ID, status Status) *FulfillmentOrder {
		fo := &FulfillmentOrder{ID: id, OrderID: o.ID, Location: loc, Status: status, Pickup: a.Pickup, Reship: a.Reship}
		if thirdParty(kind[loc]) {
			fo.Request = RequestUnsubmitted
		}
		return fo
	}
	var fos []*FulfillmentOrder
	for _, sh := range a.Plan.Shipments {
		fo := newFO(oms.DeriveID(a.ID, "fo:"+string(sh.Location)), sh.Location, StatusOpen)
		for _, l := range sh.Lines {
			fo.Lines = append(fo.Lines, Line{LineID: l.LineID, SKU: l.SKU, Quantity: l.Quantity, Reservation: a.Reservation})
		}
		fos = append(fos, fo)
	}
	for _, b := range a.Plan.Backorders {
		id := oms.DeriveID(a.ID, "backorder:"+string(b.Location))
		var fo *FulfillmentOrder
		for _, f := range fos {
			if f.ID == id {
				fo = f
			}
		}
		if fo == nil {
			fo = newFO(id, b.Location, StatusScheduled)
			fo.Backorder = true
			fos = append(fos, fo)
		}
		fo.Lines = append(fo.Lines, Line{LineID: b.LineID, SKU: b.SKU, Quantity: b.Quantity, Reservation: a.Reservation})
		if b.ExpectedAt.After(fo.FulfillAt) {
			fo.FulfillAt = b.ExpectedAt
		}
	}
	for _, fo := range fos {
		ids = append(ids, fo.ID)
		if err := s.addFO(c, fo, []pendingEvent{{EventCreated, OrderPayload{OrderID: o.ID, Location: fo.Location, Status: fo.Status, Lines: fo.Lines}}}); err != nil {
			return nil, nil, err
		}
	}
	next := a // allocate's own copy: it reads the allocation again unless this save succeeds
	next.Status = AllocationDone
	if err := s.addAllocation(c, next, []pendingEvent{{EventAllocated, AllocatedPayload{OrderID: o.ID, Reservation: a.Reservation, Plan: a.Plan, FulfillmentOrders: ids}}}); err != nil {
		return nil, nil, err
	}
	err = s.store.Save(ctx, c)
	if err == nil {
		return next, fos, nil
	}
	if errors.Is(err, oms.ErrConflict) || errors.Is(err, oms.ErrDuplicate) {
		cur, lerr := s.store.Allocation(ctx, a.ID)
		if lerr == nil && cur.Status == AllocationDone {
			return nil, nil, nil // done concurrently or by an earlier run
		}
	}
	return nil, nil, err
}

// now returns the service clock's time.
func (s *Service) now() time.Time { return s.opts.Clock.Now() }
