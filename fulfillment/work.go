package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
)

// HoldInput describes a hold to add.
type HoldInput struct {
	// Key makes the call safe to repeat: the hold's ID derives from it.
	// Empty means a new hold every call.
	Key    string     `json:"key,omitempty"`
	Reason HoldReason `json:"reason"`
	Note   string     `json:"note,omitempty"`
}

// AddHold stops work on a fulfillment order (open, scheduled, in progress
// or already on hold) until every hold is released. A replay with the same
// key changes nothing. Once a label is bought the shipment proceeds
// regardless: a shipment that leaves while held (its labels bought, a
// provider's shipment, a pickup collected) releases the holds as it
// closes the fulfillment order.
func (s *Service) AddHold(ctx context.Context, id oms.ID, in HoldInput) (*FulfillmentOrder, error) {
	v := &oms.ValidationError{Entity: "hold"}
	if !in.Reason.Valid() {
		v.Add("reason", "unknown reason %q", in.Reason)
	}
	if len(in.Key) > 128 {
		v.Add("key", "at most 128 bytes, got %d", len(in.Key))
	}
	if len(in.Note) > 1024 {
		v.Add("note", "at most 1024 bytes, got %d", len(in.Note))
	}
	// The note travels in the hold's event as JSON, which has no other
	// bytes than UTF-8, and is stored as text, which holds no NUL.
	if !utf8.ValidString(in.Note) {
		v.Add("note", "is not valid UTF-8")
	} else if strings.ContainsRune(in.Note, 0) {
		v.Add("note", "must not contain a NUL byte")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hid := oms.NewIDAt(s.now())
	if in.Key != "" {
		hid = oms.DeriveID(id, "hold:"+in.Key)
	}
	return s.updateFO(ctx, id, func(fo *FulfillmentOrder) ([]pendingEvent, error) {
		for _, h := range fo.Holds {
			if h.ID == hid {
				if h.Reason != in.Reason || h.Note != in.Note {
					return nil, fmt.Errorf("fulfillment: hold key %q was used for a %s hold (note %q), not %s (note %q): %w",
						in.Key, h.Reason, h.Note, in.Reason, in.Note, oms.ErrDuplicate)
				}
				return nil, nil // a replay
			}
		}
		from := fo.Status
		var evs []pendingEvent
		if fo.Status != StatusOnHold {
			if err := fo.transition(StatusOnHold, string(in.Reason)); err != nil {
				return nil, err
			}
			fo.HeldFrom = from
			evs = append(evs, statusEvent(fo, from, string(in.Reason)))
		}
		h := Hold{ID: hid, Reason: in.Reason, Note: in.Note, At: s.now().UTC()}
		fo.Holds = append(fo.Holds, h)
		return append(evs, pendingEvent{EventHoldAdded, HoldPayload{OrderID: fo.OrderID, Hold: h}}), nil
	})
}

// ReleaseHold releases a hold; when none is left open the fulfillment
// order returns to the status it was held in. Releasing a released hold
// changes nothing; an unknown hold matches oms.ErrNotFound.
func (s *Service) ReleaseHold(ctx context.Context, id, holdID oms.ID) (*FulfillmentOrder, error) {
	return s.updateFO(ctx, id, func(fo *FulfillmentOrder) ([]pendingEvent, error) {
		i := slices.IndexFunc(fo.Holds, func(h Hold) bool { return h.ID == holdID })
		if i < 0 {
			return nil, oms.NotFoundError("hold", holdID)
		}
		if !fo.Holds[i].Open() {
			return nil, nil
		}
		fo.Holds[i].ReleasedAt = s.now().UTC()
		evs := []pendingEvent{{EventHoldReleased, HoldPayload{OrderID: fo.OrderID, Hold: fo.Holds[i]}}}
		if !fo.OnHold() && fo.Status == StatusOnHold {
			from := fo.Status
			if err := fo.transition(fo.HeldFrom, "hold released"); err != nil {
				return nil, err
			}
			fo.HeldFrom = ""
			evs = append(evs, statusEvent(fo, from, "hold released"))
		}
		return evs, nil
	})
}

// unhold releases the open holds of a held fulfillment order whose units
// left anyway and returns it to the status it was held in, so it can
// close. It returns the events of that: one hold release per hold it
// released and the move back from on hold, so subscribers replaying the
// status table never see a move the table forbids.
func (fo *FulfillmentOrder) unhold(at time.Time, why string) []pendingEvent {
	if fo.Status != StatusOnHold {
		return nil
	}
	var evs []pendingEvent
	for i := range fo.Holds {
		if fo.Holds[i].Open() {
			fo.Holds[i].ReleasedAt = at
			evs = append(evs, pendingEvent{EventHoldReleased, HoldPayload{OrderID: fo.OrderID, Hold: fo.Holds[i]}})
		}
	}
	from := fo.Status
	fo.Status = fo.HeldFrom
	if fo.Status == "" {
		fo.Status = StatusInProgress
	}
	fo.HeldFrom = ""
	return append(evs, statusEvent(fo, from, why))
}

// movable refuses fulfillment orders whose work has started.
func movable(fo *FulfillmentOrder, what string) error {
	if fo.Status != StatusOpen && fo.Status != StatusScheduled {
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: what,
			Reason: "only open or scheduled fulfillment orders can be " + what}
	}
	if fo.Request != RequestNone && fo.Request != RequestUnsubmitted && fo.Request != RequestRejected && fo.Request != RequestCancellationAccepted {
		return &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Request), To: what,
			Reason: "the provider has the request; cancel it first"}
	}
	return nil
}

// remaining returns the units fo still has to fulfil, as stock lines.
func remaining(fo *FulfillmentOrder) []stockLine {
	var out []stockLine
	for _, l := range fo.Lines {
		if q := l.Quantity - l.Short - l.Shipped; q > 0 {
			out = append(out, stockLine{SKU: l.SKU, Location: fo.Location, LineID: l.LineID, Quantity: q})
		}
	}
	return out
}

// byReservation groups stock lines by the reservation of fo's lines.
func byReservation(fo *FulfillmentOrder, ls []stockLine) map[oms.ID][]stockLine {
	out := map[oms.ID][]stockLine{}
	used := make([]int64, len(fo.Lines)) // units of each line given out
	for _, sl := range ls {
		left := sl.Quantity
		for k, l := range fo.Lines {
			if l.LineID != sl.LineID || left == 0 {
				continue
			}
			q := min(left, l.Quantity-l.Short-l.Shipped-used[k])
			if q <= 0 {
				continue
			}
			used[k] += q
			part := sl
			part.Quantity = q
			out[l.Reservation] = append(out[l.Reservation], part)
			left -= q
		}
	}
	return out
}

// releaseAll releases fo's remaining units from their reservations, once
// (step name).
func (s *Service) releaseAll(ctx context.Context, fo *FulfillmentOrder, step string, lines []stockLine) (*FulfillmentOrder, error) {
	if fo.done(step) {
		return fo, nil
	}
	groups := byReservation(fo, lines)
	res := make([]oms.ID, 0, len(groups))
	for r := range groups {
		res = append(res, r)
	}
	slices.Sort(res)
	for _, r := range res {
		key := string(oms.DeriveID(fo.ID, step+":"+string(r)))
		lines, err := s.stillHeld(ctx, key, r, groups[r])
		if err != nil {
			return fo, err
		}
		if len(lines) == 0 {
			continue
		}
		if err := s.releaseStock(ctx, key, r, lines); err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
			return fo, err
		}
	}
	return s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.done(step) {
			return nil, nil
		}
		f.mark(step)
		return []pendingEvent{{}}, nil
	})
}

// stillHeld caps lines at what reservation r still holds for them, unless
// key was already applied (a replay must repeat its lines): an order
// cancelled while it was being allocated has its whole reservation
// released, and the fulfillment orders a racing run created then hold
// nothing to give back.
func (s *Service) stillHeld(ctx context.Context, key string, r oms.ID, lines []stockLine) ([]stockLine, error) {
	res, err := s.inv.Reservation(ctx, r)
	if errors.Is(err, oms.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(res.Ops, func(op inventory.Operation) bool { return op.Key == key }) {
		return lines, nil
	}
	held := slices.Clone(res.Lines)
	var out []stockLine
	for _, l := range lines {
		left := l.Quantity
		for i := range held {
			h := &held[i]
			if h.SKU != l.SKU || h.Location != l.Location || h.Ref != string(l.LineID) || left == 0 {
				continue
			}
			q := min(left, h.Outstanding())
			if q <= 0 {
				continue
			}
			h.Released += q
			left -= q
			part := l
			part.Quantity = q
			out = append(out, part)
		}
	}
	return out, nil
}

// Move re-reserves a fulfillment order's units at another location and
// closes it there: first the stock is reserved at the destination (a
// shortage there is a *inventory.ShortageError and nothing changes), then
// a new fulfillment order is created there and this one closed, in one
// write, then its stock is released. Only open or scheduled fulfillment
// orders move. A replay returns the new fulfillment order. A fulfillment
// order changed while it was being moved is moved again from its new
// state (the reservation made for the old state is released).
func (s *Service) Move(ctx context.Context, id, to oms.ID) (*FulfillmentOrder, error) {
	newID := oms.DeriveID(id, "moved:"+string(to))
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		fo, err := s.store.FulfillmentOrder(ctx, id)
		if err != nil {
			return nil, err
		}
		if fo.MovedTo == newID {
			// Moved there, maybe by another Move: a reservation an
			// attempt made for a version the move did not use goes back.
			if err := s.releaseStaleMoves(ctx, fo, newID, true); err != nil {
				return nil, err
			}
			if _, err := s.releaseAll(ctx, fo, "move_release", remaining(fo)); err != nil {
				return nil, err
			}
			return s.store.FulfillmentOrder(ctx, newID)
		}
		if err := s.releaseStaleMoves(ctx, fo, newID, false); err != nil {
			return nil, err
		}
		if err := movable(fo, "moved"); err != nil {
			return nil, err
		}
		if to == fo.Location {
			return nil, oms.Validationf("move", "to", "fulfillment order %s is already at %s", id, to)
		}
		loc, err := s.inv.Location(ctx, to)
		if err != nil {
			return nil, err
		}
		if !loc.Active || !(loc.Ships || fo.Pickup && loc.Pickup) {
			return nil, oms.Validationf("move", "to", "location %s is not active or does not ship", to)
		}
		lines := remaining(fo)
		there := slices.Clone(lines)
		for i := range there {
			there[i].Location = to
		}
		// The reservation is for this version of the order: a replay
		// after a crash finds it; a changed order gets a new one.
		resID := oms.DeriveID(newID, "reservation:"+itoa(fo.Version))
		if _, err := s.reserve(ctx, resID, string(fo.OrderID), there); err != nil {
			return nil, err
		}
		nf := &FulfillmentOrder{ID: newID, OrderID: fo.OrderID, Location: to, Status: StatusOpen, Pickup: fo.Pickup, Reship: fo.Reship}
		if fo.Status == StatusScheduled {
			nf.Status = StatusScheduled
			nf.Backorder, nf.FulfillAt = fo.Backorder, fo.FulfillAt
		}
		if thirdParty(loc.Kind) {
			nf.Request = RequestUnsubmitted
		}
		for _, l := range lines {
			nf.Lines = append(nf.Lines, Line{LineID: l.LineID, SKU: l.SKU, Quantity: l.Quantity, Reservation: resID})
		}
		err = s.link(ctx, []*FulfillmentOrder{fo.Clone()}, nf, EventMoved, "")
		if errors.Is(err, oms.ErrConflict) {
			cur, lerr := s.store.FulfillmentOrder(ctx, id)
			if lerr != nil {
				return nil, lerr
			}
			// Changed meanwhile: give the stock back and try again. Moved
			// there by another Move (from a later version), the stock
			// goes back too, unless that Move used this reservation.
			used := false
			if cur.MovedTo == newID {
				refs, err := s.reservationsInUse(ctx, cur.OrderID)
				if err != nil {
					return nil, err
				}
				used = refs[resID]
			}
			if !used {
				if err := s.releaseStock(ctx, "abandoned", resID, nil); err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
					return nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		old, err := s.store.FulfillmentOrder(ctx, id)
		if err != nil {
			return nil, err
		}
		if _, err := s.releaseAll(ctx, old, "move_release", lines); err != nil {
			return nil, err
		}
		return s.store.FulfillmentOrder(ctx, newID)
	}
	return nil, fmt.Errorf("fulfillment: move %s to %s: gave up: %w", id, to, oms.ErrConflict)
}

// reservationsInUse returns the reservations the lines of an order's
// fulfillment orders hold their units in.
func (s *Service) reservationsInUse(ctx context.Context, orderID oms.ID) (map[oms.ID]bool, error) {
	fos, err := s.store.FulfillmentOrders(ctx, orderID)
	if err != nil {
		return nil, err
	}
	out := map[oms.ID]bool{}
	for _, f := range fos {
		for _, l := range f.Lines {
			out[l.Reservation] = true
		}
	}
	return out, nil
}

// releaseStaleMoves releases the reservations an interrupted Move of fo
// to newID made for an earlier version of fo: such a Move can no longer
// link (its version check fails), so a retry, or a refusal, of the move
// must give that stock back. With moved (fo was moved to newID), the
// reservation the move used, which a fulfillment order's lines name, is
// kept.
func (s *Service) releaseStaleMoves(ctx context.Context, fo *FulfillmentOrder, newID oms.ID, moved bool) error {
	if fo.Version <= 1 {
		return nil
	}
	rs, err := s.inv.Reservations(ctx, inventory.ReservationFilter{Reference: string(fo.OrderID), OpenOnly: true})
	if err != nil {
		return err
	}
	var stale, inUse map[oms.ID]bool
	for _, r := range rs {
		if stale == nil {
			stale = make(map[oms.ID]bool, fo.Version-1)
			for v := int64(1); v < fo.Version; v++ {
				stale[oms.DeriveID(newID, "reservation:"+itoa(v))] = true
			}
		}
		if !stale[r.ID] {
			continue
		}
		if moved {
			if inUse == nil {
				if inUse, err = s.reservationsInUse(ctx, fo.OrderID); err != nil {
					return err
				}
			}
			if inUse[r.ID] {
				continue
			}
		}
		if err := s.releaseStock(ctx, "abandoned", r.ID, nil); err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
			return err
		}
	}
	return nil
}

// link creates (or updates) dest and closes the sources into it, in one
// write that checks the versions the sources were loaded at (an error
// matching oms.ErrConflict when one changed). A dest that exists already
// (a replay) is left alone. destFrom, when set, is the status an existing
// dest had when loaded: a move from it (a merge that makes it wait for
// stock) is published.
func (s *Service) link(ctx context.Context, srcs []*FulfillmentOrder, dest *FulfillmentOrder, typ string, destFrom Status) error {
	c := &Change{}
	var from []oms.ID
	for _, src := range srcs {
		from = append(from, src.ID)
	}
	for _, src := range srcs {
		if src.ID == dest.ID {
			continue
		}
		prev := src.Status
		if err := src.transition(StatusClosed, typ); err != nil {
			return err
		}
		src.MovedTo = dest.ID
		if typ == EventMoved {
			src.mark("moved")
		}
		if err := s.addFO(c, src, []pendingEvent{statusEvent(src, prev, typ), {typ, LinkPayload{OrderID: src.OrderID, From: from, To: dest.ID, Location: dest.Location}}}); err != nil {
			return err
		}
	}
	d := dest.Clone()
	if dest.Version == 0 {
		if err := s.addFO(c, d, []pendingEvent{{EventCreated, OrderPayload{OrderID: d.OrderID, Location: d.Location, Status: d.Status, Lines: d.Lines}}}); err != nil {
			return err
		}
	} else {
		var evs []pendingEvent
		if destFrom != "" && destFrom != d.Status {
			evs = append(evs, statusEvent(d, destFrom, typ))
		}
		if err := s.addFO(c, d, append(evs, pendingEvent{typ, LinkPayload{OrderID: d.OrderID, From: from, To: d.ID, Location: d.Location}})); err != nil {
			return err
		}
	}
	err := s.store.Save(ctx, c)
	if errors.Is(err, oms.ErrDuplicate) && dest.Version == 0 {
		return nil // created, and the sources closed, by an earlier run
	}
	return err
}

// SplitLine names units of one order line to split off.
type SplitLine struct {
	LineID   oms.ID `json:"line_id"`
	Quantity int64  `json:"quantity"`
}

// Split moves the given units of an open or scheduled fulfillment order
// into a new one at the same location (their stock stays reserved). It
// returns the new fulfillment order; a replay with the same lines returns
// it again.
func (s *Service) Split(ctx context.Context, id oms.ID, lines []SplitLine) (*FulfillmentOrder, error) {
	v := &oms.ValidationError{Entity: "split"}
	if len(lines) == 0 {
		v.Add("lines", "must not be empty")
	}
	key := ""
	for i, l := range lines {
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			v.Add("lines["+strconv.Itoa(i)+"].quantity", "must be within 1..2^50, got %d", l.Quantity)
		}
		key += string(l.LineID) + "=" + strconv.FormatInt(l.Quantity, 10) + ";"
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	newID := oms.DeriveID(id, "split:"+key)
	if nf, err := s.store.FulfillmentOrder(ctx, newID); err == nil {
		return nf, nil
	}
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		fo, err := s.store.FulfillmentOrder(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := movable(fo, "split"); err != nil {
			return nil, err
		}
		nf := &FulfillmentOrder{ID: newID, OrderID: fo.OrderID, Location: fo.Location, Status: fo.Status, Pickup: fo.Pickup,
			Backorder: fo.Backorder, FulfillAt: fo.FulfillAt, Reship: fo.Reship, SplitFrom: fo.ID}
		if fo.Request != RequestNone {
			nf.Request = RequestUnsubmitted
		}
		for i, sl := range lines {
			left := sl.Quantity
			for k := range fo.Lines {
				l := &fo.Lines[k]
				if l.LineID != sl.LineID || left == 0 {
					continue
				}
				q := min(left, l.Quantity)
				l.Quantity -= q
				left -= q
				nf.Lines = append(nf.Lines, Line{LineID: l.LineID, SKU: l.SKU, Quantity: q, Reservation: l.Reservation})
			}
			if left > 0 {
				v.Add("lines["+strconv.Itoa(i)+"].quantity", "line %s has fewer than %d units in fulfillment order %s", sl.LineID, sl.Quantity, id)
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		fo.Lines = slices.DeleteFunc(fo.Lines, func(l Line) bool { return l.Quantity == 0 })
		c := &Change{}
		if len(fo.Lines) == 0 {
			return nil, oms.Validationf("split", "lines", "would leave fulfillment order %s empty", id)
		}
		if err := s.addFO(c, fo, []pendingEvent{{EventSplit, LinkPayload{OrderID: fo.OrderID, From: []oms.ID{id}, To: newID, Location: fo.Location}}}); err != nil {
			return nil, err
		}
		if err := s.addFO(c, nf, []pendingEvent{{EventCreated, OrderPayload{OrderID: nf.OrderID, Location: nf.Location, Status: nf.Status, Lines: nf.Lines}}}); err != nil {
			return nil, err
		}
		err = s.store.Save(ctx, c)
		if errors.Is(err, oms.ErrDuplicate) {
			return s.store.FulfillmentOrder(ctx, newID)
		}
		if err == nil {
			return nf, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fulfillment: split %s: gave up: %w", id, oms.ErrConflict)
}

// Merge moves the units of the other fulfillment orders into the first and
// closes the others, in one write. All must belong to one order and one
// location, and be all re-shipments or none and all pickups or none (else
// an error matching oms.ErrValidation), and be open or
// scheduled; the result is scheduled (it waits for stock) when any of them
// is. Merging already merged orders changes nothing.
func (s *Service) Merge(ctx context.Context, ids []oms.ID) (*FulfillmentOrder, error) {
	if len(ids) < 2 {
		return nil, oms.Validationf("merge", "ids", "need at least two fulfillment orders, got %d", len(ids))
	}
	listed := make(map[oms.ID]bool, len(ids))
	for i, id := range ids {
		if listed[id] {
			return nil, oms.Validationf("merge", fmt.Sprintf("ids[%d]", i), "fulfillment order %s is listed twice", id)
		}
		listed[id] = true
	}
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		dest, err := s.store.FulfillmentOrder(ctx, ids[0])
		if err != nil {
			return nil, err
		}
		var srcs []*FulfillmentOrder
		for _, id := range ids[1:] {
			src, err := s.store.FulfillmentOrder(ctx, id)
			if err != nil {
				return nil, err
			}
			if src.MovedTo == dest.ID {
				continue
			}
			if src.OrderID != dest.OrderID || src.Location != dest.Location {
				return nil, oms.Validationf("merge", "ids", "fulfillment order %s (order %s, location %s) differs from %s (order %s, location %s): only one order's fulfillment orders at one location merge",
					src.ID, src.OrderID, src.Location, dest.ID, dest.OrderID, dest.Location)
			}
			if src.Reship != dest.Reship || src.Pickup != dest.Pickup {
				// A re-shipment's units are counted shipped already; a
				// pickup order's are collected, not shipped.
				return nil, oms.Validationf("merge", "ids", "fulfillment order %s (reship %t, pickup %t) differs from %s (reship %t, pickup %t): re-shipments and pickups merge only with their own kind",
					src.ID, src.Reship, src.Pickup, dest.ID, dest.Reship, dest.Pickup)
			}
			if err := movable(src, "merged"); err != nil {
				return nil, err
			}
			srcs = append(srcs, src)
		}
		if len(srcs) == 0 {
			return dest, nil
		}
		if err := movable(dest, "merged"); err != nil {
			return nil, err
		}
		destFrom := dest.Status
		from := []oms.ID{}
		for _, src := range srcs {
			from = append(from, src.ID)
			for _, l := range src.Lines {
				if i := slices.IndexFunc(dest.Lines, func(d Line) bool { return d.LineID == l.LineID && d.Reservation == l.Reservation }); i >= 0 {
					dest.Lines[i].Quantity += l.Quantity
				} else {
					dest.Lines = append(dest.Lines, l)
				}
			}
			// Units waiting for stock keep the merged order waiting
			// (Process opens it when every line's stock is on hand).
			if src.Status == StatusScheduled && dest.Status == StatusOpen {
				dest.Status = StatusScheduled
			}
			dest.Backorder = dest.Backorder || src.Backorder
			if src.FulfillAt.After(dest.FulfillAt) {
				dest.FulfillAt = src.FulfillAt
			}
		}
		dest.MergedFrom = append(dest.MergedFrom, from...)
		err = s.link(ctx, srcs, dest, EventMerged, destFrom)
		if err == nil {
			return s.store.FulfillmentOrder(ctx, dest.ID)
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fulfillment: merge: gave up: %w", oms.ErrConflict)
}

// Cancel cancels a fulfillment order before it ships: its stock is
// released and its units are cancelled on the order (so the order's
// counters stay consistent). A third-party order the provider has is
// first asked to cancel; a refusal is an error matching
// oms.ErrInvalidTransition. A fulfillment order whose shipment exists is
// refused the same way, unless the order is cancelled (or completed) and
// the shipment's stock was not committed yet: then the labels it bought
// are voided. A carrier that does not answer holds up neither the stock
// nor the order: Cancel (and Process) report the labels left to void,
// and a later run voids them. Cancelling a cancelled fulfillment order
// finishes any step an interruption left and changes nothing else.
func (s *Service) Cancel(ctx context.Context, id oms.ID, reason string) (*FulfillmentOrder, error) {
	if len(reason) > 1024 {
		return nil, oms.Validationf("cancel", "reason", "longer than 1024 bytes")
	}
	// The reason goes to the order with the units it cancels: one the
	// order refuses would fail that step after the stock was released.
	if problem := textProblem(reason, order.MaxTextLength); problem != "" {
		return nil, oms.Validationf("cancel", "reason", "%s", problem)
	}
	fo, err := s.store.FulfillmentOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	if fo.Status != StatusCancelled {
		if fo.Shipment != "" {
			// Only the order's end (cancelled, or completed) stops a
			// shipment, and only before its stock is committed.
			o, err := s.orders.Get(ctx, fo.OrderID)
			if err != nil {
				return nil, err
			}
			started, err := s.shipmentStarted(ctx, fo)
			if err != nil {
				return nil, err
			}
			if o.Status != order.StatusCancelled && o.Status != order.StatusCompleted || started {
				return nil, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(fo.Status), To: string(StatusCancelled), Reason: "its shipment exists"}
			}
		}
		// A request whose cancellation answer was lost (still requested)
		// is asked again, under the same key.
		if fo.Request == RequestSubmitted || fo.Request == RequestAccepted || fo.Request == RequestCancellationRejected ||
			fo.Request == RequestCancellationRequested {
			if _, err = s.requestCancel(ctx, fo); err != nil {
				return nil, err
			}
		}
		fo, err = s.updateFO(ctx, id, func(f *FulfillmentOrder) ([]pendingEvent, error) {
			if f.Status == StatusCancelled {
				return nil, nil
			}
			if f.Shipment != fo.Shipment {
				return nil, &oms.TransitionError{Entity: "fulfillment order", ID: id, From: string(f.Status), To: string(StatusCancelled), Reason: "its shipment exists"}
			}
			from := f.Status
			if err := f.transition(StatusCancelled, reason); err != nil {
				return nil, err
			}
			// A cancelled order carries no open hold.
			for i := range f.Holds {
				if f.Holds[i].Open() {
					f.Holds[i].ReleasedAt = s.now().UTC()
				}
			}
			f.HeldFrom = ""
			return []pendingEvent{statusEvent(f, from, reason)}, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return s.finishCancel(ctx, fo, reason)
}

// textProblem says what is wrong with a text a person reads (a reason, a
// note): not UTF-8, a control character (NUL included), or more than max
// characters, as the order package refuses them; "" when nothing is.
func textProblem(s string, max int) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "contains control characters"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("is longer than %d characters", max)
	}
	return ""
}

// unresolvedShort gives back the units of a short pick that an
// interruption left unresolved (not re-allocated) when its fulfillment
// order is cancelled: they are released, recorded lost, and returned to be
// cancelled on the order with the rest.
func (s *Service) unresolvedShort(ctx context.Context, fo *FulfillmentOrder) ([]stockLine, error) {
	if !fo.done("picked") || fo.done("short_reallocated") || !shortPicked(fo) {
		return nil, nil
	}
	if a, err := s.store.Allocation(ctx, oms.DeriveID(fo.ID, "reallocation")); err == nil {
		if a.Status == AllocationDone {
			return nil, nil // re-allocated elsewhere: those units live on there
		}
		// The re-allocation was interrupted after its plan was saved:
		// finish it, as ConfirmPicks would have, unless the order ended
		// (then its stock goes back and the units end with the order).
		o, err := s.orders.Get(ctx, fo.OrderID)
		if err != nil {
			return nil, err
		}
		if o.Status != order.StatusCancelled && o.Status != order.StatusCompleted {
			if _, err := s.resolveShort(ctx, fo); err != nil {
				return nil, err
			}
			return nil, nil
		}
		if err := s.releaseStock(ctx, "order_cancelled", a.Reservation, nil); err != nil &&
			!errors.Is(err, oms.ErrNotFound) && !errors.Is(err, oms.ErrInvalidTransition) {
			return nil, err
		}
	} else if !errors.Is(err, oms.ErrNotFound) {
		return nil, err
	}
	groups := map[oms.ID][]stockLine{}
	var short []stockLine
	for _, l := range fo.Lines {
		if l.Short > 0 {
			sl := stockLine{SKU: l.SKU, Location: fo.Location, LineID: l.LineID, Quantity: l.Short}
			groups[l.Reservation] = append(groups[l.Reservation], sl)
			short = append(short, sl)
		}
	}
	for r, ls := range groups {
		key := string(oms.DeriveID(fo.ID, "cancel_short:"+string(r)))
		held, err := s.stillHeld(ctx, key, r, ls)
		if err != nil {
			return nil, err
		}
		if len(held) > 0 {
			if err := s.releaseStock(ctx, key, r, held); err != nil && !errors.Is(err, oms.ErrInvalidTransition) {
				return nil, err
			}
		}
	}
	if !fo.done("short_loss") {
		for _, l := range short {
			if err := s.recordLoss(ctx, string(oms.DeriveID(fo.ID, "short_loss:"+string(l.LineID))), l.SKU, fo.Location, l.Quantity); err != nil {
				return nil, err
			}
		}
	}
	return short, nil
}

// shipmentStarted reports whether fo's shipment has gone past the point
// of no return: a provider's shipment, or a status past pending (its stock
// committed). A pending shipment (its labels not all bought, or its stock
// not yet committed) of a cancelled order can still be cancelled: every
// purchase and the commit first check that the order is not cancelled,
// and the labels already bought are voided.
func (s *Service) shipmentStarted(ctx context.Context, fo *FulfillmentOrder) (bool, error) {
	if fo.Shipment == "" {
		return false, nil
	}
	sh, err := s.store.Shipment(ctx, fo.Shipment)
	if errors.Is(err, oms.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// A pickup waiting at the store has its stock reserved, not
	// committed (PickedUp commits it once the order counted it shipped).
	return sh.ThirdParty || sh.Status != ShipmentPending && sh.Status != ShipmentReadyForPickup, nil
}

// voidLabels voids the labels a pending shipment bought, when its carrier
// can void them (else they stay recorded on the packages for the host),
// those whose purchase lost its answer too.
func (s *Service) voidLabels(ctx context.Context, id oms.ID) error {
	if id == "" {
		return nil
	}
	sh, err := s.store.Shipment(ctx, id)
	if err != nil {
		if errors.Is(err, oms.ErrNotFound) {
			return nil
		}
		return err
	}
	v, ok := s.buyers[sh.Carrier].(shipping.Voider)
	if !ok {
		return nil
	}
	var o *order.Order
	var loc *inventory.Location
	for _, p := range sh.Packages {
		id := p.LabelID
		if id == "" {
			if !sh.done(labelAttempt(p.Index)) {
				continue
			}
			// A purchase was attempted and its label not recorded: its
			// answer may have been lost after the carrier bought it. The
			// replay under its key returns that label (or buys the one
			// it never bought), which is voided.
			if o == nil {
				if o, err = s.orders.Get(ctx, sh.OrderID); err != nil {
					return err
				}
				l, err := s.inv.Location(ctx, sh.Location)
				if err != nil {
					return err
				}
				loc = &l
			}
			label, err := s.buyers[sh.Carrier].BuyLabel(ctx, s.labelRequest(sh, p, loc, o))
			if errors.Is(err, oms.ErrDuplicate) || errors.Is(err, oms.ErrValidation) {
				// The carrier refuses the replay (the request it saw
				// differs): nothing is known to void.
				s.warn("fulfillment: label of a cancelled shipment not recovered", "shipment", sh.ID, "package", p.Index, "err", err)
				continue
			}
			if err != nil {
				return err
			}
			id = label.ID
		}
		if err := v.VoidLabel(ctx, id); err != nil && !errors.Is(err, oms.ErrNotFound) {
			return err
		}
	}
	return nil
}

// A cancelled fulfillment order whose labels could not be voided (the
// carrier did not answer) records voidPendingStep with its cancel, and
// voidedStep once a later run voided them.
const (
	voidPendingStep = "labels_void_pending"
	voidedStep      = "labels_voided"
)

// errLabelsNotVoided marks finishCancel's report of labels left to void:
// the stock and the order are done, a later run voids them.
var errLabelsNotVoided = errors.New("fulfillment: labels of a cancelled fulfillment order are left to void")

// voidPending reports whether fo is cancelled with labels left to void.
func voidPending(fo *FulfillmentOrder) bool {
	return fo.done(voidPendingStep) && !fo.done(voidedStep)
}

// finishCancel releases a cancelled fulfillment order's stock and cancels
// its units on the order, each once, and voids its shipment's labels.
// The carrier does not hold up the rest: labels it could not void are
// left to a later run (an error matching errLabelsNotVoided says so).
func (s *Service) finishCancel(ctx context.Context, fo *FulfillmentOrder, reason string) (*FulfillmentOrder, error) {
	if fo.done("cancel_order") {
		if !voidPending(fo) {
			return fo, nil
		}
		if err := s.voidLabels(ctx, fo.Shipment); err != nil {
			return fo, fmt.Errorf("%w: shipment %s: %w", errLabelsNotVoided, fo.Shipment, err)
		}
		return s.markStep(ctx, fo.ID, voidedStep)
	}
	// After the cancelled status is saved: a purchase that saved its label
	// before is voided here, one that saves it later voids it itself.
	voidErr := s.voidLabels(ctx, fo.Shipment)
	if voidErr != nil {
		s.warn("fulfillment: labels of a cancelled fulfillment order left to void", "fulfillment_order", fo.ID, "shipment", fo.Shipment, "err", voidErr)
	}
	lines := remaining(fo)
	short, err := s.unresolvedShort(ctx, fo)
	if err != nil {
		return fo, err
	}
	fo, err = s.releaseAll(ctx, fo, "cancel_release", lines)
	if err != nil || fo.done("cancel_order") {
		return fo, err
	}
	lines = append(lines, short...)
	o, err := s.orders.Get(ctx, fo.OrderID)
	if err != nil {
		return fo, err
	}
	key := string(oms.DeriveID(fo.ID, "cancel"))
	if !fo.Reship && o.Status != order.StatusCancelled && o.Status != order.StatusCompleted && !hasKey(o, "cancel_lines:"+key) {
		var lq []order.LineQuantity
		for _, l := range lines { // one entry per order line (merged orders hold several)
			lq = addCounts(lq, []PackageItem{{LineID: l.LineID, Quantity: l.Quantity}})
		}
		if cancelledAny(fo, o) {
			// Units the host cancelled on the order before a Process took
			// them off: the order no longer expects them of anyone.
			fos, err := s.store.FulfillmentOrders(ctx, fo.OrderID)
			if err != nil {
				return fo, err
			}
			lq = expectedOf(fo, o, fos, lq)
		}
		if len(lq) > 0 {
			// Packed units whose packing the order counted leave its
			// fulfilled units too: other units of the line, not packed
			// yet, keep room to be counted when they are.
			// The order itself decides, in the cancel's write, whether the
			// packing was counted (PackKey): a Pack that checked this
			// fulfillment order before it was cancelled and counts its
			// packing after would otherwise count units that are gone.
			in := order.CancelLinesInput{Key: key, Lines: lq, Reason: reason, By: "fulfillment", Packed: recorded(fo, o) && len(short) == 0}
			if len(short) == 0 {
				in.PackKey = string(fo.ID)
			}
			if _, err := s.orders.CancelLines(ctx, fo.OrderID, in); err != nil {
				return fo, err
			}
		}
	}
	fo, err = s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.done("cancel_order") {
			return nil, nil
		}
		f.mark("cancel_order")
		if voidErr != nil {
			f.mark(voidPendingStep)
		}
		return []pendingEvent{{}}, nil
	})
	if err == nil && voidErr != nil {
		err = fmt.Errorf("%w: shipment %s: %w", errLabelsNotVoided, fo.Shipment, voidErr)
	}
	return fo, err
}
