package fulfillment

import (
	"context"
	"errors"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// Waiting says why Process left a fulfillment order where it is.
type Waiting struct {
	FulfillmentOrder oms.ID `json:"fulfillment_order"`
	Reason           string `json:"reason"`
}

// Result is what Process leaves behind.
type Result struct {
	Order             *order.Order        `json:"order"`
	FulfillmentOrders []*FulfillmentOrder `json:"fulfillment_orders"`
	Shipments         []*Shipment         `json:"shipments"`
	// Waiting lists fulfillment orders waiting for something outside
	// Process: a hold, stock, a picker, a pack scan or a provider.
	Waiting []Waiting `json:"waiting,omitempty"`
}

// Process carries an order as far as it can go now: allocate, then for
// each fulfillment order pick (PickAuto), pack, buy labels, ship, commit
// stock, move the order's counters, capture per policy and register
// tracking; third-party requests are submitted, backorders opened when
// their stock is on hand, and steps an interruption left half done are
// finished. It is idempotent and resumable: running it again after any
// failure finishes the job without a second reservation, fulfillment
// order, label, commit or capture. An order on hold stops it before any
// label is bought (an error matching oms.ErrOnHold).
func (s *Service) Process(ctx context.Context, orderID oms.ID) (*Result, error) {
	o, err := s.orders.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status == order.StatusCancelled {
		// The host cancelled the order: give back what its fulfillment
		// orders still hold.
		if err := s.cancelAll(ctx, o); err != nil {
			return nil, err
		}
		return s.result(ctx, orderID, nil, nil)
	}
	if o.Status == order.StatusCompleted {
		// Every unit arrived: work still open (the re-shipment of a lost
		// package that turned up after all) gives its stock back.
		if err := s.cancelAll(ctx, o); err != nil {
			return nil, err
		}
		return s.result(ctx, orderID, nil, nil)
	}
	if o.OnHold() {
		return nil, &order.HoldError{OrderID: o.ID, Command: "fulfillment", Holds: o.OpenHolds()}
	}
	var created bool
	fos, err := s.allocateOrder(ctx, o, &created)
	if err != nil {
		return nil, err
	}
	// Units the host cancelled on the order leave the fulfillment orders
	// before anything is packed. They are compared with the order's
	// allocated units as the allocation left them: an allocation recorded
	// by this run (or by another one meanwhile) is read again.
	if !hasKey(o, "allocated:"+string(AllocationID(orderID))) || mayHaveAdded(o) {
		if o, err = s.orders.Get(ctx, orderID); err != nil {
			return nil, err
		}
		// Units an edit added while the allocation was under way (or
		// that this run's allocation left) are allocated now.
		if hasKey(o, "allocated:"+string(AllocationID(orderID))) && mayHaveAdded(o) {
			var ran bool
			if fos, ran, err = s.allocateAdded(ctx, o, fos, oms.ID(o.Metadata[PickupMetadataKey]), &created); err != nil {
				return nil, err
			}
			if ran {
				if o, err = s.orders.Get(ctx, orderID); err != nil {
					return nil, err
				}
			}
		}
	}
	// Every fulfillment order of the order counts, not only the
	// allocation's own: those split off, moved or re-allocated too.
	if !created {
		if fos, err = s.store.FulfillmentOrders(ctx, orderID); err != nil {
			return nil, err
		}
	}
	if shrunk, err := s.shrinkToOrder(ctx, o, fos); err != nil {
		return nil, err
	} else if shrunk {
		created = false // read them again
	} else {
		created = true // fos are all the order has, as saved
	}
	var waiting []Waiting
	var last *order.Order // the order as the last step's last order write left it
	var unvoided error    // labels left to void hold up nothing else
	for round := 0; round < 4; round++ {
		// Fulfillment orders this run has just created or read are all
		// the order has: the first round starts from them as saved.
		if round > 0 || !created {
			if fos, err = s.store.FulfillmentOrders(ctx, orderID); err != nil {
				return nil, err
			}
		}
		waiting, unvoided = waiting[:0], nil
		progressed := false
		for _, fo := range fos {
			r := &run{}
			w, moved, err := s.step(ctx, fo, o, r)
			last = r.order
			var short *inventory.ShortageError
			if errors.As(err, &short) {
				// Units promised beyond stock (a SKU that allows
				// backorders) that another order shipped first: the
				// commit waits for stock; a later run finishes it.
				w, err = "waiting for stock: "+short.Error(), nil
				s.warn("fulfillment: commit waits for stock", "fulfillment_order", fo.ID, "err", short)
			}
			if errors.Is(err, errUnitsCancelled) {
				moved, err = true, nil // it lost units and is packed again
			}
			if errors.Is(err, errLabelsNotVoided) {
				unvoided, err = errors.Join(unvoided, err), nil
			}
			if err != nil && errors.Is(err, oms.ErrValidation) {
				// The order refused a counter: its units may have been
				// cancelled on it meanwhile. Take them off and go on.
				if shrunk, serr := s.shrinkAfterRefusal(ctx, orderID, &o); serr != nil {
					return nil, serr
				} else if shrunk {
					moved, err = true, nil
				}
			}
			if err != nil {
				return nil, err
			}
			progressed = progressed || moved
			if w != "" {
				waiting = append(waiting, Waiting{FulfillmentOrder: fo.ID, Reason: w})
			}
		}
		if !progressed {
			break
		}
	}
	if unvoided != nil {
		return nil, unvoided
	}
	return s.result(ctx, orderID, waiting, last)
}

// shrinkAfterRefusal reads the order and its fulfillment orders again and
// takes off the units cancelled on the order; *o becomes the order read.
func (s *Service) shrinkAfterRefusal(ctx context.Context, orderID oms.ID, o **order.Order) (bool, error) {
	fresh, err := s.orders.Get(ctx, orderID)
	if err != nil {
		return false, err
	}
	fos, err := s.store.FulfillmentOrders(ctx, orderID)
	if err != nil {
		return false, err
	}
	*o = fresh
	return s.shrinkToOrder(ctx, fresh, fos)
}

// run collects what one step of Process learnt on its way.
type run struct {
	// order is the order as the step's last call into the order service
	// left it, when that call ended the step's changes to the order (nil
	// otherwise).
	order *order.Order
}

// result loads what Process leaves; o, when set, is the order as the
// last change to it left it (it is not read again).
func (s *Service) result(ctx context.Context, orderID oms.ID, waiting []Waiting, o *order.Order) (*Result, error) {
	var err error
	if o == nil || o.ID != orderID {
		if o, err = s.orders.Get(ctx, orderID); err != nil {
			return nil, err
		}
	}
	fos, err := s.store.FulfillmentOrders(ctx, orderID)
	if err != nil {
		return nil, err
	}
	shs, err := s.store.Shipments(ctx, orderID)
	if err != nil {
		return nil, err
	}
	return &Result{Order: o, FulfillmentOrders: fos, Shipments: shs, Waiting: waiting}, nil
}

// step advances one fulfillment order; it returns why it waits (empty
// when it is done or moved on) and whether it created new work.
// o is the order as Process loaded it (its lines' dimensions are read).
func (s *Service) step(ctx context.Context, fo *FulfillmentOrder, o *order.Order, r *run) (string, bool, error) {
	var err error
	switch {
	case fo.Status == StatusCancelled:
		if !fo.done("cancel_order") || voidPending(fo) {
			_, err = s.finishCancel(ctx, fo, "")
		}
		return "", false, err
	case fo.MovedTo != "" && fo.done("moved") && !fo.done("move_release"):
		_, err = s.releaseAll(ctx, fo, "move_release", remaining(fo))
		return "", false, err
	}
	if fo.done("picked") && shortPicked(fo) && !fo.done("short_reallocated") {
		if fo, err = s.resolveShort(ctx, fo); err != nil {
			return "", false, err
		}
		w, err := s.advance(ctx, fo, o, r)
		return w, true, err
	}
	if fo.Shipment != "" {
		sh, err := s.store.Shipment(ctx, fo.Shipment)
		if err != nil && !errors.Is(err, oms.ErrNotFound) {
			return "", false, err
		}
		if err == nil && sh.done("finished") {
			return "", false, nil
		}
		if fo.OnHold() {
			return "on hold", false, nil // labels wait until the hold is released
		}
		_, err = s.Ship(ctx, fo.ID)
		return "", false, err
	}
	if fo.Status.Final() {
		return "", false, nil
	}
	if fo.OnHold() {
		return "on hold", false, nil
	}
	if fo.Status == StatusScheduled {
		ok, err := s.stockArrived(ctx, fo)
		if err != nil || !ok {
			return "waiting for stock", false, err
		}
		if fo, err = s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
			if f.Status != StatusScheduled {
				return nil, nil
			}
			_ = f.transition(StatusOpen, "stock arrived")
			return []pendingEvent{statusEvent(f, StatusScheduled, "stock arrived")}, nil
		}); err != nil {
			return "", false, err
		}
	}
	if fo.Request != RequestNone {
		if (fo.Request == RequestUnsubmitted || fo.Request == RequestSubmitted) && s.opts.Provider != nil {
			if fo, err = s.Submit(ctx, fo.ID); err != nil {
				return "", false, err
			}
		}
		return "with provider: " + string(fo.Request), false, nil
	}
	return s.work(ctx, fo, o, r)
}

// work picks, packs and ships an open or in-progress fulfillment order.
func (s *Service) work(ctx context.Context, fo *FulfillmentOrder, o *order.Order, r *run) (string, bool, error) {
	var err error
	if fo.Status == StatusOpen && s.opts.Picking == PickAuto {
		// Start and confirm the pick in one write (fo is Process's copy).
		if fo, err = s.updateLoadedFO(ctx, fo.ID, fo, func(f *FulfillmentOrder) ([]pendingEvent, error) {
			if f.Status != StatusOpen || f.OnHold() {
				return nil, nil
			}
			_ = f.transition(StatusInProgress, "picking")
			for i := range f.Lines {
				f.Lines[i].Picked, f.Lines[i].Short = f.Lines[i].Quantity, 0
			}
			f.mark("picked")
			return []pendingEvent{statusEvent(f, StatusOpen, "picking"), {EventPicked, PickedPayload{OrderID: f.OrderID, Lines: f.Lines}}}, nil
		}); err != nil {
			return "", false, err
		}
	}
	if fo.Status == StatusOpen {
		if _, err := s.StartWave(ctx, fo.Location, []oms.ID{fo.ID}); err != nil {
			return "", false, err
		}
		if fo, err = s.store.FulfillmentOrder(ctx, fo.ID); err != nil {
			return "", false, err
		}
	}
	if !fo.done("picked") {
		if s.opts.Picking == PickManual {
			return "picking", false, nil
		}
		if fo, err = s.ConfirmPicks(ctx, fo.ID, nil); err != nil {
			return "", false, err
		}
	}
	w, err := s.advance(ctx, fo, o, r)
	return w, false, err
}

// advance packs and ships a picked fulfillment order; it returns why it
// waits (a pack scan) when it does.
func (s *Service) advance(ctx context.Context, fo *FulfillmentOrder, o *order.Order, r *run) (string, error) {
	if fo.Status != StatusInProgress || fo.OnHold() {
		return "", nil
	}
	var err error
	if fo.Units() == 0 && fo.done("picked") {
		// Every unit was picked short (and went elsewhere): nothing ships
		// from here.
		_, err = s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
			if f.Status != StatusInProgress || f.Units() != 0 {
				return nil, nil
			}
			_ = f.transition(StatusIncomplete, "every unit picked short")
			return []pendingEvent{statusEvent(f, StatusInProgress, "every unit picked short")}, nil
		})
		return "", err
	}
	// packFO hands back the fulfillment order as it saved it and the
	// order as moving its fulfilled counters left it: Ship reads neither
	// again.
	var handed *FulfillmentOrder
	var fresh *order.Order
	if !fo.Pickup && len(fo.Packages) == 0 {
		if fo, fresh, err = s.packFO(ctx, fo.ID, fo, o); err != nil {
			return "", err
		}
		handed = fo
	} else if err := s.recordPacked(ctx, fo); err != nil {
		return "", err
	}
	if s.opts.VerifyPacking && !fo.Pickup {
		for _, p := range fo.Packages {
			if !p.Verified {
				return "waiting for pack verification", nil
			}
		}
	}
	_, err = s.ship(ctx, fo.ID, handed, fresh, r)
	return "", err
}

// stockArrived reports whether every line of a scheduled fulfillment
// order has its units on hand (its level is no longer backordered).
func (s *Service) stockArrived(ctx context.Context, fo *FulfillmentOrder) (bool, error) {
	for _, l := range fo.Lines {
		lv, err := s.inv.Level(ctx, l.SKU, fo.Location)
		if err != nil {
			return false, err
		}
		if lv.Available() < 0 {
			return false, nil
		}
	}
	return true, nil
}

// cancelAll cancels every fulfillment order of a cancelled (or completed)
// order whose shipment has not started, releasing its stock, and releases
// a reservation whose fulfillment orders were never created (an
// allocation interrupted before the order was cancelled).
func (s *Service) cancelAll(ctx context.Context, o *order.Order) error {
	orderID := o.ID
	ids := []oms.ID{AllocationID(orderID)}
	for _, l := range o.Lines {
		// The allocation of units an edit added (planned when the line
		// had nothing allocated).
		if l.RequiresShipping && l.Allocated == 0 {
			ids = append(ids, addedAllocationID(orderID, l.ID, 0))
		}
	}
	for _, id := range ids {
		a, err := s.store.Allocation(ctx, id)
		switch {
		case err == nil && a.Status == AllocationPlanned:
			err := s.releaseStock(ctx, "order_cancelled", a.Reservation, nil)
			if err != nil && !errors.Is(err, oms.ErrNotFound) && !errors.Is(err, oms.ErrInvalidTransition) {
				return err
			}
		case err != nil && !errors.Is(err, oms.ErrNotFound):
			return err
		}
	}
	fos, err := s.store.FulfillmentOrders(ctx, orderID)
	if err != nil {
		return err
	}
	// Labels left to void hold up nothing else: reported at the end.
	var unvoided error
	for _, fo := range fos {
		if pendingShrinks(fo) {
			// Units cancelled on the order before it ended, whose stock
			// is not released yet.
			if err := s.releaseShrinks(ctx, fo); err != nil {
				return err
			}
		}
		if fo.Status.Final() && fo.Status != StatusCancelled || fo.done("cancel_order") && !voidPending(fo) {
			continue
		}
		if started, err := s.shipmentStarted(ctx, fo); err != nil || started {
			if err != nil {
				return err
			}
			continue
		}
		if _, err := s.Cancel(ctx, fo.ID, "order cancelled"); errors.Is(err, errLabelsNotVoided) {
			unvoided = errors.Join(unvoided, err)
		} else if err != nil {
			return err
		}
	}
	return unvoided
}

func shortPicked(fo *FulfillmentOrder) bool {
	for _, l := range fo.Lines {
		if l.Short > 0 {
			return true
		}
	}
	return false
}
