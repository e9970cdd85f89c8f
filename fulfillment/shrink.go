package fulfillment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Units the host cancels on the order itself (order.Service.CancelLines)
// after they were allocated leave the order's counters at once; the
// fulfillment orders holding them learn of it in Process, which takes them
// off (shrinkToOrder) before any shipment exists for them, so that no more
// units are packed and shipped than the order still wants.
//
// A shrink is saved before its stock is released: the fulfillment order's
// lines lose the units and a step "order_cancel:N:QTY:RESERVATION:LINE"
// records the release due, which a step "order_cancel_released:N" marks
// done. A run interrupted between the two releases them the next time,
// under a key derived from the fulfillment order and N, so the units are
// given back once.
const (
	shrinkStep    = "order_cancel:"
	shrunkPrefix  = "order_cancel_released:"
	shrinkReason  = "units cancelled on the order"
	shrinkFOWhole = "every unit cancelled on the order"
	shrunkWhole   = "order_cancel_emptied"
	// A fulfillment order re-cut (recutFO) records recutStep, and
	// recutVoided once its shipment's labels are voided; the new one
	// records under recordedAsStep whose packing the order counted.
	recutStep      = "recut"
	recutVoided    = "recut_voided"
	recordedAsStep = "recorded_as:"
	recutReason    = "units cancelled on the order after its shipment or request started: what is left moved to a new fulfillment order"
	// recordingStep is saved on a fulfillment order before its shipment
	// is recorded on the order (beginRecording), and taken off when the
	// order refuses it (endRecording): a re-cut saved on the version it
	// read then never misses a record made meanwhile, and one that finds
	// the step waits for its outcome.
	recordingStep = "recording_shipment"
)

// beginRecording saves recordingStep on fo (the caller's copy, handed
// over) before its shipment is recorded on the order, unless it is
// there: a re-cut that read fo before fails its save, one reading it
// after sees the step (see recutFO). A cancelled fulfillment order (a
// re-cut came first) is refused: its shipment was given up.
func (s *Service) beginRecording(ctx context.Context, fo *FulfillmentOrder, sh *Shipment) (*FulfillmentOrder, error) {
	return s.updateLoadedFO(ctx, fo.ID, fo, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.Status == StatusCancelled {
			return nil, &oms.TransitionError{Entity: "shipment", ID: sh.ID, From: string(sh.Status), To: string(ShipmentShipped), Reason: "its fulfillment order is cancelled"}
		}
		if f.done(recordingStep) {
			return nil, nil
		}
		f.mark(recordingStep)
		return []pendingEvent{{}}, nil
	})
}

// endRecording takes recordingStep off fulfillment order id after the
// order refused to record its shipment, so a re-cut can give it up.
func (s *Service) endRecording(ctx context.Context, id oms.ID) error {
	_, err := s.updateFO(ctx, id, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if !f.done(recordingStep) {
			return nil, nil
		}
		f.Steps = slices.DeleteFunc(f.Steps, func(st string) bool { return st == recordingStep })
		return []pendingEvent{{}}, nil
	})
	return err
}

// recutID returns the ID of the fulfillment order that takes over the
// units of a fulfillment order whose shipment (or provider request) was
// given up because units were cancelled on the order meanwhile.
func recutID(fulfillmentOrder oms.ID) oms.ID { return oms.DeriveID(fulfillmentOrder, "recut") }

// live reports whether fo holds units of o that are neither shipped nor
// moved elsewhere: a fulfillment order of the order, not a re-shipment
// (whose units the order counted before), not final, not moved.
func live(fo *FulfillmentOrder, o *order.Order) bool {
	return fo.OrderID == o.ID && !fo.Reship && !fo.Status.Final() && fo.MovedTo == ""
}

// recorded reports whether fo's packing is recorded on the order (its
// units are among the order's fulfilled ones): under its own key, or,
// for a fulfillment order re-cut from a packed one (see recutFO), under
// the key of the one first packed.
func recorded(fo *FulfillmentOrder, o *order.Order) bool {
	return hasKey(o, string(order.CounterFulfilled)+":"+string(recordedAs(fo)))
}

// recordedAs returns the fulfillment order under whose key fo's packing
// is recorded on the order: fo itself but for a re-cut one.
func recordedAs(fo *FulfillmentOrder) oms.ID {
	for _, st := range fo.Steps {
		if id, ok := strings.CutPrefix(st, recordedAsStep); ok {
			return oms.ID(id)
		}
	}
	return fo.ID
}

// recuttable reports whether units cancelled on the order can still be
// taken off a live fulfillment order whose shipment exists (its labels
// bought, or being bought, or a pickup waiting at the store) but is not
// recorded on the order, so no stock left for it: the shipment is given
// up (its labels voided) and what is left goes to a new fulfillment
// order, packed and shipped (or made ready for pickup) again (see
// recutFO). A held one waits for its release; one with a short pick not
// yet resolved waits for Process to resolve it.
func recuttable(fo *FulfillmentOrder, o *order.Order) bool {
	return live(fo, o) && fo.Request == RequestNone && fo.Shipment != "" &&
		fo.Status == StatusInProgress && !fo.OnHold() && recorded(fo, o) &&
		!hasKey(o, string(order.CounterShipped)+":"+string(fo.Shipment)) &&
		!(shortPicked(fo) && !fo.done("short_reallocated"))
}

// shrinkable reports whether units can still be taken off a live
// fulfillment order: it is the shop's own and no shipment exists for it
// (packages not yet recorded on the order are made again after).
func shrinkable(fo *FulfillmentOrder, o *order.Order) bool {
	return live(fo, o) && !withProvider(fo) && fo.Shipment == "" &&
		(recorded(fo, o) || len(fo.Packages) == 0)
}

// withProvider reports whether a third-party provider has (or may have)
// fo's request: sent, accepted, or asked to cancel.
func withProvider(fo *FulfillmentOrder) bool {
	return fo.Request != RequestNone && fo.Request != RequestUnsubmitted && fo.Request != RequestRejected
}

// providerRecuttable reports whether units cancelled on the order can be
// taken off a live fulfillment order a provider has, not shipped nor
// held: the provider is asked to cancel it and, once it agrees, what is
// left goes to a new request (see recutFO). A provider that refuses may
// ship it all (see ThirdPartyShipped and EventShippedBeyondOrder).
func providerRecuttable(fo *FulfillmentOrder, o *order.Order) bool {
	switch fo.Request {
	case RequestSubmitted, RequestAccepted, RequestCancellationRequested, RequestCancellationAccepted:
		return live(fo, o) && fo.Shipment == "" && !fo.OnHold()
	}
	return false
}

// stage orders fulfillment orders for a shrink: the least advanced first.
func stage(fo *FulfillmentOrder) int {
	st := fo.Status
	if st == StatusOnHold {
		st = fo.HeldFrom
	}
	switch {
	case st == StatusScheduled:
		return 0
	case st == StatusOpen:
		return 1
	case withProvider(fo):
		return 4
	case len(fo.Packages) == 0:
		return 2
	case fo.Shipment != "":
		return 5
	}
	return 3
}

// shrinkToOrder takes off fos (the order's fulfillment orders) the units
// of each order line beyond what the order still expects from them, and
// cancels a fulfillment order left without units. The order expects its
// allocated units less its fulfilled ones from the fulfillment orders
// whose packing it has not recorded, and its fulfilled units less its
// shipped ones from those whose packing it recorded and whose shipment it
// has not (order.Service.CancelLines lowers the allocated counter first,
// and the fulfilled one when it has to). The least advanced fulfillment
// order gives units first and, among equals, the newest. Then it releases
// the stock of every shrink saved and not yet released. It reports
// whether it changed anything.
//
// A fulfillment order changed since fos were read (by a concurrent run,
// which may have taken the same units off) gives nothing: the order and
// its fulfillment orders are read again and the excess decided anew.
func (s *Service) shrinkToOrder(ctx context.Context, o *order.Order, fos []*FulfillmentOrder) (bool, error) {
	changed := false
	for attempt := 0; ; attempt++ {
		ch, stale, err := s.shrinkOnce(ctx, o, fos)
		changed = changed || ch
		if err != nil || !stale {
			return changed, err
		}
		if attempt >= s.opts.MaxRetries {
			return changed, fmt.Errorf("fulfillment: order %s: units cancelled on the order: gave up after %d attempts: %w", o.ID, attempt+1, oms.ErrConflict)
		}
		if o, err = s.orders.Get(ctx, o.ID); err != nil {
			return changed, err
		}
		if fos, err = s.store.FulfillmentOrders(ctx, o.ID); err != nil {
			return changed, err
		}
	}
}

// shrinkOnce is one attempt of shrinkToOrder on o and fos as read; stale
// reports a fulfillment order that changed since.
func (s *Service) shrinkOnce(ctx context.Context, o *order.Order, fos []*FulfillmentOrder) (changed, stale bool, err error) {
	if o.Status == order.StatusCancelled || o.Status == order.StatusCompleted {
		return false, false, nil
	}
	take := map[oms.ID]map[oms.ID]int64{} // fulfillment order -> order line -> units
	// A line an edit removed while its allocation was not yet counted on
	// the order is expected of nobody: its units all go.
	lines := o.Lines
	for _, fo := range fos {
		for _, l := range fo.Lines {
			if _, ok := o.Line(l.LineID); !ok && live(fo, o) && !slices.ContainsFunc(lines, func(x order.Line) bool { return x.ID == l.LineID }) {
				lines = append(slices.Clip(lines), order.Line{ID: l.LineID, SKU: l.SKU})
			}
		}
	}
	for _, ol := range lines {
		var held [2]int64 // not recorded, recorded and not shipped
		var cands [2][]*FulfillmentOrder
		for _, fo := range fos {
			n := lineUnits(fo, ol.ID)
			if n == 0 || !live(fo, o) {
				continue
			}
			k := 0
			if recorded(fo, o) {
				if hasKey(o, string(order.CounterShipped)+":"+string(ShipmentID(fo.ID))) {
					continue
				}
				k = 1
			}
			held[k] += n
			if shrinkable(fo, o) || recuttable(fo, o) || s.opts.Provider != nil && providerRecuttable(fo, o) {
				cands[k] = append(cands[k], fo)
			}
		}
		expected := [2]int64{max(ol.Allocated-ol.Fulfilled, 0), max(ol.Fulfilled-ol.Shipped, 0)}
		for k := range held {
			excess := held[k] - expected[k]
			if excess <= 0 {
				continue
			}
			slices.SortStableFunc(cands[k], func(a, b *FulfillmentOrder) int {
				if c := cmp.Compare(stage(a), stage(b)); c != 0 {
					return c
				}
				if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
					return c
				}
				return cmp.Compare(b.ID, a.ID)
			})
			for _, fo := range cands[k] {
				if excess == 0 {
					break
				}
				t := min(excess, lineUnits(fo, ol.ID))
				if take[fo.ID] == nil {
					take[fo.ID] = map[oms.ID]int64{}
				}
				take[fo.ID][ol.ID] = t
				excess -= t
			}
		}
	}
	for _, fo := range fos {
		want := take[fo.ID]
		if len(want) > 0 {
			shrink := s.shrinkFO
			switch {
			case fo.Shipment != "":
				shrink = s.recutFO
			case withProvider(fo):
				shrink = s.recutProvided
			}
			saved, err := shrink(ctx, fo, o, want)
			if errors.Is(err, errStaleShrink) {
				stale = true
				continue
			}
			if errors.Is(err, errProviderUnanswered) {
				continue // asked again by the next run
			}
			if err != nil {
				return changed, false, err
			}
			changed, fo = true, saved
		}
		if pendingShrinks(fo) {
			if err := s.releaseShrinks(ctx, fo); err != nil {
				return changed, false, err
			}
			changed = true
		}
	}
	return changed, stale, nil
}

// errStaleShrink is shrinkFO's refusal of a fulfillment order changed
// since the shrink was decided.
var errStaleShrink = errors.New("fulfillment: fulfillment order changed since the shrink was decided")

// errProviderUnanswered is recutProvided's report of a provider that did
// not answer a cancellation (it stays requested, and is asked again).
var errProviderUnanswered = errors.New("fulfillment: the provider did not answer the cancellation")

// errUnitsCancelled marks Ship's refusal of a fulfillment order that lost
// units to a cancel on the order just before its shipment was created.
var errUnitsCancelled = errors.New("fulfillment: units cancelled on the order")

// fits reports whether the order still expects every unit of a live
// fulfillment order (see shrinkToOrder): fo's units of each line and
// those of the order's other live fulfillment orders at the same point
// (packing recorded or not on the order, shipment not recorded), fos,
// stay within what the order expects of them. Counting fo alone would let
// two packed fulfillment orders each fit units the order expects of one.
func fits(fo *FulfillmentOrder, o *order.Order, fos []*FulfillmentOrder) bool {
	if !live(fo, o) {
		return true
	}
	rec := recorded(fo, o)
	for _, l := range fo.Lines {
		ol, ok := o.Line(l.LineID)
		if !ok {
			continue
		}
		expected := ol.Allocated - ol.Fulfilled
		if rec {
			expected = ol.Fulfilled - ol.Shipped
		}
		held := lineUnits(fo, l.LineID)
		for _, f := range fos {
			if f.ID == fo.ID || !live(f, o) || recorded(f, o) != rec ||
				rec && hasKey(o, string(order.CounterShipped)+":"+string(ShipmentID(f.ID))) {
				continue
			}
			held += lineUnits(f, l.LineID)
		}
		if held > max(expected, 0) {
			return false
		}
	}
	return true
}

// expectedOf caps lq, the units of each order line a cancelled
// fulfillment order fo gives up, at those the order still expects of it:
// what it expects of the fulfillment orders at fo's point (see fits) less
// what the others there, fos, still hold. Units cancelled on the order
// before fo gave them up are not cancelled again.
func expectedOf(fo *FulfillmentOrder, o *order.Order, fos []*FulfillmentOrder, lq []order.LineQuantity) []order.LineQuantity {
	rec := recorded(fo, o)
	out := lq[:0]
	for _, q := range lq {
		ol, ok := o.Line(q.LineID)
		if !ok {
			continue
		}
		expected := ol.Allocated - ol.Fulfilled
		if rec {
			expected = ol.Fulfilled - ol.Shipped
		}
		for _, f := range fos {
			if f.ID == fo.ID || !live(f, o) || recorded(f, o) != rec ||
				rec && hasKey(o, string(order.CounterShipped)+":"+string(ShipmentID(f.ID))) {
				continue
			}
			expected -= lineUnits(f, q.LineID)
		}
		if n := min(q.Quantity, expected); n > 0 {
			out = append(out, order.LineQuantity{LineID: q.LineID, Quantity: n})
		}
	}
	return out
}

// cancelledAny reports whether o has cancelled units on a line fo serves.
func cancelledAny(fo *FulfillmentOrder, o *order.Order) bool {
	for _, l := range fo.Lines {
		if ol, ok := o.Line(l.LineID); ok && ol.Cancelled > 0 {
			return true
		}
	}
	return false
}

// lineUnits returns the units fo must still fulfil for an order line
// (those a provider ships beyond the order, see beyondOrder, are not
// the order's).
func lineUnits(fo *FulfillmentOrder, line oms.ID) int64 {
	var n int64
	for _, l := range fo.Lines {
		if l.LineID == line {
			n += l.Quantity - l.Short
		}
	}
	return n - beyondOrder(fo)[line]
}

// beyondStep records, on a third-party fulfillment order, units its
// provider ships that the order no longer wants:
// "beyond_order:LINE:QTY" (see ThirdPartyShipped).
const beyondStep = "beyond_order:"

// beyondOrder returns the units per order line fo ships beyond what the
// order wants (nil when none).
func beyondOrder(fo *FulfillmentOrder) map[oms.ID]int64 {
	var out map[oms.ID]int64
	for _, st := range fo.Steps {
		rest, ok := strings.CutPrefix(st, beyondStep)
		if !ok {
			continue
		}
		line, qty, ok := strings.Cut(rest, ":")
		q, err := strconv.ParseInt(qty, 10, 64)
		if !ok || err != nil || q <= 0 {
			continue
		}
		if out == nil {
			out = map[oms.ID]int64{}
		}
		out[oms.ID(line)] += q
	}
	return out
}

// withoutBeyond returns lq less the units fo ships beyond the order.
func withoutBeyond(fo *FulfillmentOrder, lq []order.LineQuantity) []order.LineQuantity {
	b := beyondOrder(fo)
	if len(b) == 0 {
		return lq
	}
	var out []order.LineQuantity
	for _, q := range lq {
		if q.Quantity -= b[q.LineID]; q.Quantity > 0 {
			out = append(out, q)
		}
	}
	return out
}

// shrinkFO takes want (units per order line) off a fulfillment order, as
// decided on o and seen (the fulfillment order as read when deciding), and
// records the releases due. The stored version must be the one seen:
// another one (a concurrent run may have taken the units off already) is
// errStaleShrink, and nothing is taken.
func (s *Service) shrinkFO(ctx context.Context, seen *FulfillmentOrder, o *order.Order, want map[oms.ID]int64) (*FulfillmentOrder, error) {
	return s.updateFO(ctx, seen.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.Version != seen.Version {
			return nil, errStaleShrink
		}
		if !shrinkable(f, o) {
			return nil, nil
		}
		off := takeOff(f, want) // a retry starts again from the stored version
		if len(off) == 0 {
			return nil, nil
		}
		if recorded(f, o) {
			// Packed and recorded on the order, which has since lowered its
			// fulfilled units: the packages are made again for what is
			// left, and the order's count is not moved twice.
			f.Packages = nil
			f.mark("order_fulfilled")
		}
		evs := []pendingEvent{{EventLinesCancelled, LinesCancelledPayload{OrderID: f.OrderID, Lines: off}}}
		if f.Units() == 0 {
			from := f.Status
			if err := f.transition(StatusCancelled, shrinkFOWhole); err != nil {
				return nil, err
			}
			for i := range f.Holds {
				if f.Holds[i].Open() {
					f.Holds[i].ReleasedAt = s.now().UTC()
				}
			}
			f.HeldFrom = ""
			// The order cancelled the units itself: nothing is left to
			// release or to cancel on it, but units picked short and not
			// yet released (see shortDue).
			f.mark("cancel_release")
			f.mark("cancel_order")
			f.mark(shrunkWhole)
			evs = append(evs, statusEvent(f, from, shrinkFOWhole))
		}
		return evs, nil
	})
}

// shrinkRelease is a release due after a shrink.
type shrinkRelease struct {
	n           string
	qty         int64
	reservation oms.ID
	line        oms.ID
}

// shrinks returns the releases recorded on fo and not yet done.
func shrinks(fo *FulfillmentOrder) []shrinkRelease {
	var out []shrinkRelease
	for _, st := range fo.Steps {
		rest, ok := strings.CutPrefix(st, shrinkStep)
		if !ok {
			continue
		}
		p := strings.SplitN(rest, ":", 4)
		if len(p) != 4 || fo.done(shrunkPrefix+p[0]) {
			continue
		}
		q, err := strconv.ParseInt(p[1], 10, 64)
		if err != nil || q <= 0 {
			continue
		}
		out = append(out, shrinkRelease{n: p[0], qty: q, reservation: oms.ID(p[2]), line: oms.ID(p[3])})
	}
	return out
}

func pendingShrinks(fo *FulfillmentOrder) bool {
	return len(shrinks(fo)) > 0 || shortDue(fo) || fo.done(recutStep) && !fo.done(recutVoided)
}

// recutProvided takes want (units per order line) off a fulfillment
// order a provider has, as decided on o and seen (see shrinkFO): the
// provider is asked to cancel it (under the key Cancel uses), and once it
// agrees recutFO hands what is left to a new request. A refusal leaves it
// to the provider, which may ship it all (see markBeyondOrder).
func (s *Service) recutProvided(ctx context.Context, seen *FulfillmentOrder, o *order.Order, want map[oms.ID]int64) (*FulfillmentOrder, error) {
	if seen.Request != RequestCancellationAccepted {
		f, err := s.requestCancel(ctx, seen)
		if errors.Is(err, oms.ErrInvalidTransition) {
			s.warn("fulfillment: the provider refused to cancel units cancelled on the order", "fulfillment_order", seen.ID, "err", err)
			return nil, errStaleShrink
		}
		if pe := (providerError{}); errors.As(err, &pe) {
			// The provider did not answer: the request stays
			// cancellation_requested and the next run asks again; the
			// order's other work goes on meanwhile.
			s.warn("fulfillment: the provider did not answer a cancellation of units cancelled on the order", "fulfillment_order", seen.ID, "err", err)
			return nil, fmt.Errorf("%w: %w", errProviderUnanswered, err)
		}
		if err != nil {
			return nil, err
		}
		seen = f
	}
	return s.recutFO(ctx, seen, o, want)
}

// recutFO takes want (units per order line) off a fulfillment order whose
// shipment exists but is not recorded on the order (or whose provider
// agreed to cancel it: what is left then goes to a new unsubmitted
// request), as decided on o and seen (see shrinkFO): in one write, the
// fulfillment order is cancelled (its stock is neither released nor
// cancelled on the order: the new one holds it) with the releases due
// recorded as a shrink's, and what is left goes to a new fulfillment order
// (recutID), picked and in progress, whose packing the order has counted
// already: Process packs it and ships it under a shipment and label keys
// of its own. The shipment's labels are voided afterwards
// (releaseShrinks).
func (s *Service) recutFO(ctx context.Context, seen *FulfillmentOrder, o *order.Order, want map[oms.ID]int64) (*FulfillmentOrder, error) {
	f, err := s.store.FulfillmentOrder(ctx, seen.ID)
	if err != nil {
		return nil, err
	}
	if f.Version != seen.Version {
		return nil, errStaleShrink
	}
	if f.Shipment != "" && f.done(recordingStep) {
		// A run is recording the shipment on the order (or was, and
		// stopped): recorded, it ships and the excess is decided anew;
		// not yet, the run that records it learns the outcome, and a
		// refusal takes the step off for the re-cut.
		cur, err := s.orders.Get(ctx, f.OrderID)
		if err != nil {
			return nil, err
		}
		if hasKey(cur, string(order.CounterShipped)+":"+string(f.Shipment)) {
			return nil, errStaleShrink
		}
		return f, nil
	}
	provided := f.Request == RequestCancellationAccepted && f.Shipment == "" && providerRecuttable(f, o)
	if !recuttable(f, o) && !provided {
		return f, nil
	}
	nf := &FulfillmentOrder{ID: recutID(f.ID), OrderID: f.OrderID, Location: f.Location, Status: StatusInProgress,
		Pickup: f.Pickup, Backorder: f.Backorder, FulfillAt: f.FulfillAt, SplitFrom: f.ID}
	if provided {
		// A new request to the provider, for what is left.
		nf.Status, nf.Request = f.Status, RequestUnsubmitted
	} else {
		for _, st := range f.Steps {
			if !strings.HasPrefix(st, shrinkStep) && !strings.HasPrefix(st, shrunkPrefix) && !strings.HasPrefix(st, recordedAsStep) && st != recordingStep {
				nf.Steps = append(nf.Steps, st)
			}
		}
		nf.mark(recordedAsStep + string(recordedAs(f)))
		nf.mark("order_fulfilled")
		nf.mark("picked")
	}
	off := takeOff(f, want)
	if len(off) == 0 {
		return f, nil
	}
	nf.Lines = slices.Clone(f.Lines)
	c := &Change{}
	if f.Units() > 0 {
		f.MovedTo = nf.ID
	}
	from := f.Status
	if err := f.transition(StatusCancelled, recutReason); err != nil {
		return nil, err
	}
	// Nothing is left to release or to cancel on the order: the new
	// fulfillment order holds the stock, the order cancelled the rest.
	f.mark("cancel_release")
	f.mark("cancel_order")
	if f.Shipment != "" {
		f.mark(recutStep)
	}
	evs := []pendingEvent{{EventLinesCancelled, LinesCancelledPayload{OrderID: f.OrderID, Lines: off}}, statusEvent(f, from, recutReason)}
	if f.MovedTo != "" {
		evs = append(evs, pendingEvent{EventSplit, LinkPayload{OrderID: f.OrderID, From: []oms.ID{f.ID}, To: nf.ID, Location: f.Location}})
	}
	if err := s.addFO(c, f, evs); err != nil {
		return nil, err
	}
	if f.MovedTo != "" {
		if err := s.addFO(c, nf, []pendingEvent{{EventCreated, OrderPayload{OrderID: nf.OrderID, Location: nf.Location, Status: nf.Status, Lines: nf.Lines}}}); err != nil {
			return nil, err
		}
	}
	err = s.store.Save(ctx, c)
	if err == nil {
		return f, nil
	}
	if errors.Is(err, oms.ErrConflict) || errors.Is(err, oms.ErrDuplicate) {
		return nil, errStaleShrink
	}
	return nil, err
}

// shortDue reports whether fo lost every unit it still had to a shrink
// while units it picked short were neither released nor re-allocated (a
// ConfirmPicks interrupted before it did so): the fulfillment order is
// cancelled, so resolving the short pick is left to the shrink, which
// releases them and records their loss (the order wants none of them:
// it expects no more than its other fulfillment orders hold).
func shortDue(fo *FulfillmentOrder) bool {
	return fo.done(shrunkWhole) && fo.done("picked") && shortPicked(fo) && !fo.done("short_reallocated") &&
		!(fo.done("short_release") && fo.done("short_loss"))
}

// releaseShortDue releases the units fo picked short and records their
// loss, under the keys ConfirmPicks uses (a release it made is not made
// again), and marks both steps.
func (s *Service) releaseShortDue(ctx context.Context, fo *FulfillmentOrder) error {
	if !fo.done("short_release") {
		groups := map[oms.ID][]stockLine{}
		var res []oms.ID
		for _, l := range fo.Lines {
			if l.Short > 0 {
				if _, ok := groups[l.Reservation]; !ok {
					res = append(res, l.Reservation)
				}
				groups[l.Reservation] = append(groups[l.Reservation], stockLine{SKU: l.SKU, Location: fo.Location, LineID: l.LineID, Quantity: l.Short})
			}
		}
		for _, r := range res {
			key := string(oms.DeriveID(fo.ID, "short_release:"+string(r)))
			lines, err := s.stillHeld(ctx, key, r, groups[r])
			if err != nil {
				return err
			}
			if len(lines) > 0 {
				if err := s.releaseStock(ctx, key, r, lines); err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
					return err
				}
			}
		}
	}
	if !fo.done("short_loss") {
		for _, l := range fo.Lines {
			if l.Short > 0 {
				if err := s.recordLoss(ctx, string(oms.DeriveID(fo.ID, "short_loss:"+string(l.LineID))), l.SKU, fo.Location, l.Short); err != nil {
					return err
				}
			}
		}
	}
	_, err := s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.done("short_release") && f.done("short_loss") {
			return nil, nil
		}
		f.mark("short_release")
		f.mark("short_loss")
		return []pendingEvent{{}}, nil
	})
	return err
}

// releaseShrinks releases the stock of fo's shrinks not yet released, each
// under its own key, and marks them done.
func (s *Service) releaseShrinks(ctx context.Context, fo *FulfillmentOrder) error {
	if shortDue(fo) {
		if err := s.releaseShortDue(ctx, fo); err != nil {
			return err
		}
	}
	for _, r := range shrinks(fo) {
		sku := oms.SKU("")
		for _, l := range fo.Lines {
			if l.LineID == r.line && l.Reservation == r.reservation {
				sku = l.SKU
				break
			}
		}
		if sku == "" && r.reservation != "" {
			// The line left fo since (a split took its other units):
			// the reservation still names the SKU it holds for the line.
			res, err := s.inv.Reservation(ctx, r.reservation)
			if err != nil && !errors.Is(err, oms.ErrNotFound) {
				return err
			}
			for _, l := range res.Lines {
				if l.Ref == string(r.line) && l.Location == fo.Location {
					sku = l.SKU
					break
				}
			}
		}
		key := string(oms.DeriveID(fo.ID, shrinkStep+r.n))
		if sku != "" && r.reservation != "" {
			lines, err := s.stillHeld(ctx, key, r.reservation, []stockLine{{SKU: sku, Location: fo.Location, LineID: r.line, Quantity: r.qty}})
			if err != nil {
				return err
			}
			if len(lines) > 0 {
				if err := s.releaseStock(ctx, key, r.reservation, lines); err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
					return err
				}
			}
		}
		if _, err := s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
			if f.done(shrunkPrefix + r.n) {
				return nil, nil
			}
			f.mark(shrunkPrefix + r.n)
			return []pendingEvent{{}}, nil
		}); err != nil {
			return err
		}
	}
	// The labels last: the stock does not wait for the carrier.
	if fo.done(recutStep) && !fo.done(recutVoided) {
		// The shipment given up by a re-cut: its labels are voided, unless
		// the order counted it shipped after all (a run recording it
		// while the re-cut was decided): its goods leave with them.
		o, err := s.orders.Get(ctx, fo.OrderID)
		if err != nil {
			return err
		}
		if hasKey(o, string(order.CounterShipped)+":"+string(fo.Shipment)) {
			s.warn("fulfillment: a re-cut fulfillment order's shipment was recorded on the order meanwhile; its labels are kept", "fulfillment_order", fo.ID, "shipment", fo.Shipment)
		} else if err := s.voidLabels(ctx, fo.Shipment); err != nil {
			return err
		}
		if _, err := s.markStep(ctx, fo.ID, recutVoided); err != nil {
			return err
		}
	}
	return nil
}

// takeOff takes up to want[line] units (what is left to pack, Short
// excepted) off f's lines, the newest lines (the last split or
// re-allocation) first, marks a shrink step for each line it lowers and
// returns what it took. want is not changed.
func takeOff(f *FulfillmentOrder, want map[oms.ID]int64) []Line {
	want = maps.Clone(want)
	n := 0
	for _, st := range f.Steps {
		if strings.HasPrefix(st, shrinkStep) {
			n++
		}
	}
	var off []Line
	for i := len(f.Lines) - 1; i >= 0; i-- {
		l := &f.Lines[i]
		t := min(want[l.LineID], l.Quantity-l.Short)
		if t <= 0 {
			continue
		}
		want[l.LineID] -= t
		l.Quantity -= t
		l.Picked = min(l.Picked, l.Quantity-l.Short)
		n++
		f.mark(shrinkStep + strconv.Itoa(n) + ":" + strconv.FormatInt(t, 10) + ":" + string(l.Reservation) + ":" + string(l.LineID))
		off = append(off, Line{LineID: l.LineID, SKU: l.SKU, Quantity: t, Reservation: l.Reservation})
	}
	return off
}
