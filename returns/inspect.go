package returns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// UnitInspection is the verdict on units of one return line.
type UnitInspection struct {
	// LineID is the return line.
	LineID oms.ID `json:"line_id"`
	// Quantity is how many units got this verdict; zero means one.
	Quantity int64 `json:"quantity,omitempty"`
	// Condition is what the units looked like.
	Condition Condition `json:"condition"`
	// Disposition is where they go; empty means the policy's disposition
	// for the condition (Policy.Disposition). A missing unit has none.
	Disposition Disposition `json:"disposition,omitempty"`
	// Location is the inventory location that takes them; required unless
	// missing.
	Location oms.ID `json:"location,omitempty"`
	Note     string `json:"note,omitempty"`
}

// InspectInput records the inspection of received units.
type InspectInput struct {
	// Key identifies the inspection; required. A retry with the same key
	// and content moves stock once; other content matches oms.ErrDuplicate.
	Key string `json:"key"`
	// Units are the verdicts, at most the received units not yet
	// inspected per line.
	Units []UnitInspection `json:"units"`
	// Final says no more units are expected: a partially received return
	// whose received units are all inspected becomes inspected (the
	// missing rest is neither refunded nor restocked).
	Final bool `json:"final,omitempty"`
}

// Inspect records the verdict on received units and sends each where its
// disposition says, through inventory: restock into sellable stock
// (return_restock), refurbish and quarantine into damaged stock
// (return_quarantine), dispose and return to vendor into damaged stock and
// written off (return_quarantine, write_off). Missing units move nothing
// and are not resolved. Once every received unit is inspected (and all
// authorized units arrived, or Final is set) the return is inspected.
//
// The inspection is saved first with its stock moves pending, then each
// move is made with a ledger reference derived from the return and the
// key, then the moves are marked done (return.stock_moved); a retry with
// the same key finds the moves already in the ledger and makes them once.
// Inspecting more units than received and not yet inspected, an unknown
// line, condition, disposition or location, units to stock whose SKU is
// not an inventory item, and a return not received (or a claim) are
// refused and change nothing.
func (s *Service) Inspect(ctx context.Context, id oms.ID, in InspectInput) (*Return, error) {
	v := validation()
	checkKeyShape(v, "key", in.Key, true)
	if len(in.Units) == 0 {
		v.Add("units", "at least one verdict is required")
	}
	if len(in.Units) > MaxLines {
		v.Add("units", "has %d verdicts, at most %d allowed", len(in.Units), MaxLines)
	}
	moves := false
	locations := map[oms.ID]bool{}
	units := make([]UnitInspection, len(in.Units))
	for i, u := range in.Units {
		if u.Quantity == 0 {
			u.Quantity = 1
		}
		if u.Disposition == "" && u.Condition.Valid() {
			u.Disposition = s.policy.Disposition(u.Condition)
		}
		units[i] = u
		f := fmt.Sprintf("units[%d]", i)
		checkKeyShape(v, f+".line_id", string(u.LineID), true)
		if u.Quantity < 0 || u.Quantity > oms.MaxQuantity {
			v.Add(f+".quantity", "must be between 0 (one unit) and %d, got %d", oms.MaxQuantity, u.Quantity)
		}
		checkText(v, f+".note", u.Note, false)
		switch {
		case !u.Condition.Valid():
			v.Add(f+".condition", "%q is not new, opened, used, damaged or missing", u.Condition)
		case u.Condition == ConditionMissing:
			if in.Units[i].Disposition != "" || u.Location != "" {
				v.Add(f+".disposition", "a missing unit has no disposition or location")
			}
		case !u.Disposition.Valid():
			v.Add(f+".disposition", "%q is not restock, refurbish, quarantine, dispose or return_to_vendor", u.Disposition)
		case u.Location == "":
			v.Add(f+".location", "is required: the location that takes the units")
		default:
			checkKeyShape(v, f+".location", string(u.Location), true)
			moves = true
			locations[u.Location] = true
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if moves && s.inv == nil {
		return nil, fmt.Errorf("%w: returns: no inventory service is configured to take inspected units", oms.ErrUnsupported)
	}
	for loc := range locations {
		if _, err := s.inv.Location(ctx, loc); err != nil {
			if errors.Is(err, oms.ErrNotFound) {
				return nil, oms.Validationf(entity, "units.location", "unknown inventory location %s", loc)
			}
			return nil, err
		}
	}
	digest := digestOf("inspect", units, in.Final)
	if moves {
		// The SKUs that move must be inventory items: the inspection is
		// saved before its moves, so a move inventory can never make
		// would leave a saved inspection that fails on every retry.
		if err := s.checkItems(ctx, id, in.Key, digest, units); err != nil {
			return nil, err
		}
	}
	r, _, err := s.update(ctx, id, func(r *Return, now time.Time) ([]pendingEvent, error) {
		if replay, err := checkKey(r, "inspect:", in.Key, digest); replay || err != nil {
			return nil, err
		}
		if r.Status != StatusReceived && r.Status != StatusPartiallyReceived {
			return nil, transitionError(r, StatusInspected, "only received units are inspected; the return is "+string(r.Status))
		}
		v := validation()
		asked := map[int]int64{}
		for i, u := range units {
			k := r.lineIndex(u.LineID)
			if k < 0 {
				v.Add(fmt.Sprintf("units[%d].line_id", i), "no line %s in return %s", u.LineID, r.ID)
				continue
			}
			l := r.Lines[k]
			if left := l.Received - l.Inspected - asked[k]; u.Quantity > left {
				v.Add(fmt.Sprintf("units[%d].quantity", i), "line %s (%s): %d units to inspect, but only %d received and not yet inspected",
					l.ID, l.SKU, u.Quantity, max(0, left))
				continue
			}
			asked[k] += u.Quantity
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		p := InspectedPayload{OrderID: r.OrderID, Key: in.Key}
		seq := len(r.Moves)
		addMove := func(sku oms.SKU, loc oms.ID, kind MoveKind, q int64) {
			for i := range r.Moves[seq:] {
				m := &r.Moves[seq+i]
				if m.SKU == sku && m.Location == loc && m.Kind == kind {
					m.Quantity += q
					return
				}
			}
			ref := fmt.Sprintf("return:%s:%s:%d", r.ID, in.Key, len(r.Moves)-seq+1)
			r.Moves = append(r.Moves, StockMove{Reference: ref, SKU: sku, Location: loc, Quantity: q, Kind: kind})
		}
		for _, u := range units {
			l := &r.Lines[r.lineIndex(u.LineID)]
			ins := Inspection{LineID: l.ID, Quantity: u.Quantity, Condition: u.Condition, Disposition: u.Disposition,
				Location: u.Location, Note: u.Note, Key: in.Key, At: now}
			r.Inspections = append(r.Inspections, ins)
			p.Units = append(p.Units, ins)
			l.Inspected += u.Quantity
			if u.Condition == ConditionMissing {
				continue
			}
			l.Accepted += u.Quantity
			switch u.Disposition {
			case DispositionRestock:
				l.Restocked += u.Quantity
				addMove(l.SKU, u.Location, MoveRestock, u.Quantity)
			case DispositionRefurbish, DispositionQuarantine:
				addMove(l.SKU, u.Location, MoveQuarantine, u.Quantity)
			default:
				addMove(l.SKU, u.Location, MoveQuarantine, u.Quantity)
				addMove(l.SKU, u.Location, MoveWriteOff, u.Quantity)
			}
		}
		q, rec, insp, _, _ := r.Units()
		if insp == rec && (rec == q || in.Final) {
			if err := transition(r, StatusInspected); err != nil {
				return nil, err
			}
			r.InspectedAt = now
			p.Complete = true
		}
		recordKey(r, "inspect:", in.Key, digest)
		return []pendingEvent{{EventInspected, p}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.applyMoves(ctx, r)
}

// checkItems refuses units whose SKU inventory does not know, unless the
// inspection already ran (a replay).
func (s *Service) checkItems(ctx context.Context, id oms.ID, key, digest string, units []UnitInspection) error {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if replay, err := checkKey(r, "inspect:", key, digest); replay || err != nil {
		return err
	}
	v := validation()
	known := map[oms.SKU]bool{}
	for i, u := range units {
		k := r.lineIndex(u.LineID)
		if k < 0 || u.Condition == ConditionMissing {
			continue // an unknown line is refused with the return's lines
		}
		sku := r.Lines[k].SKU
		ok, seen := known[sku]
		if !seen {
			_, err := s.inv.Item(ctx, sku)
			if err != nil && !errors.Is(err, oms.ErrNotFound) {
				return err
			}
			ok = err == nil
			known[sku] = ok
		}
		if !ok {
			v.Add(fmt.Sprintf("units[%d].line_id", i), "line %s: SKU %s is not an inventory item, so its units cannot be stocked", u.LineID, sku)
		}
	}
	return v.Err()
}

// applyMoves makes the return's pending stock moves in inventory, each
// once, and marks them done. Each move is keyed in inventory (MoveKey), so
// a move repeated by a retried inspection, a re-run after a crash or
// another process moves nothing. Within one Service the moves of a return
// are made one caller at a time, which only saves lookups.
func (s *Service) applyMoves(ctx context.Context, r *Return) (*Return, error) {
	defer s.gate(r.ID)()
	r, err := s.store.Get(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range r.Moves {
		if m.Done {
			continue
		}
		if s.inv == nil {
			return r, fmt.Errorf("%w: returns: no inventory service is configured to take inspected units", oms.ErrUnsupported)
		}
		key := MoveKey(r.ID, m)
		switch m.Kind {
		case MoveRestock, MoveQuarantine:
			_, err = s.inv.Restock(ctx, inventory.ReturnRestock{SKU: m.SKU, Location: m.Location, Quantity: m.Quantity,
				Quarantine: m.Kind == MoveQuarantine, Reference: m.Reference, Note: "return " + string(r.ID), Key: key})
		default:
			_, err = s.inv.Adjust(ctx, inventory.Adjustment{SKU: m.SKU, Location: m.Location, Reason: inventory.ReasonWriteOff,
				Quantity: m.Quantity, Reference: m.Reference, Note: "return " + string(r.ID), Key: key})
		}
		if err != nil {
			return r, fmt.Errorf("returns: %s: stock move %s: %w", r.ID, m.Reference, err)
		}
		done = append(done, m.Reference)
	}
	if len(done) == 0 {
		return r, nil
	}
	out, _, err := s.update(ctx, r.ID, func(r *Return, now time.Time) ([]pendingEvent, error) {
		var p StockMovedPayload
		for i := range r.Moves {
			m := &r.Moves[i]
			for _, ref := range done {
				if m.Reference == ref && !m.Done {
					m.Done = true
					p.Moves = append(p.Moves, *m)
				}
			}
		}
		if len(p.Moves) == 0 {
			return nil, nil
		}
		return []pendingEvent{{EventStockMoved, p}}, nil
	})
	return out, err
}

// MoveKey returns the inventory movement key of a return's stock move:
// derived from the return and the move's reference, the same on every
// attempt and in every process.
func MoveKey(returnID oms.ID, m StockMove) string {
	return string(oms.DeriveID(returnID, "stock-move:"+m.Reference))
}
