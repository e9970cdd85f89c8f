package returns

import (
	"fmt"
	"slices"
)

// Status is a return's state. The moves between states are the table of
// Transitions, drawn in the package documentation.
type Status string

// Return statuses.
const (
	// StatusRequested: the customer asked; the shop has not decided.
	StatusRequested Status = "requested"
	// StatusApproved: the shop authorized the return (a claim: accepted).
	StatusApproved Status = "approved"
	// StatusRejected: the shop refused it. Final.
	StatusRejected Status = "rejected"
	// StatusLabelIssued: a return label was bought for the customer.
	StatusLabelIssued Status = "label_issued"
	// StatusInTransit: the carrier has the parcel.
	StatusInTransit Status = "in_transit"
	// StatusPartiallyReceived: some authorized units arrived.
	StatusPartiallyReceived Status = "partially_received"
	// StatusReceived: every authorized unit arrived.
	StatusReceived Status = "received"
	// StatusInspected: every received unit was inspected and went where
	// its disposition says.
	StatusInspected Status = "inspected"
	// StatusCompleted: refunded, exchanged or given as store credit
	// (Return.Outcomes). Final.
	StatusCompleted Status = "completed"
	// StatusCancelled: withdrawn before anything arrived. Final.
	StatusCancelled Status = "cancelled"
	// StatusExpired: approved, but nothing was sent back in time. Final.
	StatusExpired Status = "expired"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusRequested, StatusApproved, StatusRejected, StatusLabelIssued, StatusInTransit,
		StatusPartiallyReceived, StatusReceived, StatusInspected, StatusCompleted, StatusCancelled, StatusExpired:
		return true
	}
	return false
}

// Final reports whether no move leaves s.
func (s Status) Final() bool {
	return s == StatusRejected || s == StatusCompleted || s == StatusCancelled || s == StatusExpired
}

// Transition is one edge of the return state machine with its guard.
type Transition struct {
	From, To Status
	// Guard names the condition the return must meet, for documentation.
	Guard string
	check func(r *Return) string
}

// transitions is the state table. It is never modified.
var transitions = [...]Transition{
	{From: StatusRequested, To: StatusApproved, Guard: "every line eligible under the policy"},
	{From: StatusRequested, To: StatusRejected},
	{From: StatusRequested, To: StatusCancelled},
	{From: StatusApproved, To: StatusLabelIssued, Guard: "a return (not a claim)", check: guardReturn},
	{From: StatusApproved, To: StatusInTransit, Guard: "a return (not a claim)", check: guardReturn},
	{From: StatusApproved, To: StatusPartiallyReceived, Guard: "a return, some units received", check: guardSomeReceived},
	{From: StatusApproved, To: StatusReceived, Guard: "a return, every unit received", check: guardAllReceived},
	{From: StatusApproved, To: StatusCompleted, Guard: "a claim (nothing comes back)", check: guardClaim},
	{From: StatusApproved, To: StatusCancelled},
	{From: StatusApproved, To: StatusExpired, Guard: "expiry passed, nothing received", check: guardNothingReceived},
	{From: StatusLabelIssued, To: StatusInTransit},
	{From: StatusLabelIssued, To: StatusPartiallyReceived, Guard: "some units received", check: guardSomeReceived},
	{From: StatusLabelIssued, To: StatusReceived, Guard: "every unit received", check: guardAllReceived},
	{From: StatusLabelIssued, To: StatusCancelled},
	{From: StatusLabelIssued, To: StatusExpired, Guard: "expiry passed, nothing received", check: guardNothingReceived},
	{From: StatusInTransit, To: StatusPartiallyReceived, Guard: "some units received", check: guardSomeReceived},
	{From: StatusInTransit, To: StatusReceived, Guard: "every unit received", check: guardAllReceived},
	{From: StatusPartiallyReceived, To: StatusReceived, Guard: "every unit received", check: guardAllReceived},
	{From: StatusPartiallyReceived, To: StatusInspected, Guard: "every received unit inspected", check: guardAllInspected},
	{From: StatusReceived, To: StatusInspected, Guard: "every received unit inspected", check: guardAllInspected},
	{From: StatusInspected, To: StatusCompleted, Guard: "resolved"},
}

// Transitions returns a copy of the state table: every allowed move and
// its guard.
func Transitions() []Transition { return slices.Clone(transitions[:]) }

// CanTransition reports whether the table has an edge from from to to,
// regardless of guards.
func CanTransition(from, to Status) bool {
	for _, t := range transitions {
		if t.From == from && t.To == to {
			return true
		}
	}
	return false
}

// transition moves r to status to when the table allows it and the guard
// holds; otherwise it returns a *oms.TransitionError (matching
// oms.ErrInvalidTransition) and leaves r unchanged.
func transition(r *Return, to Status) error {
	for _, t := range transitions {
		if t.From != r.Status || t.To != to {
			continue
		}
		if t.check != nil {
			if reason := t.check(r); reason != "" {
				return transitionError(r, to, reason)
			}
		}
		r.Status = to
		return nil
	}
	return transitionError(r, to, "")
}

func guardReturn(r *Return) string {
	if r.Kind == KindClaim {
		return "a claim has nothing to send back"
	}
	return ""
}

func guardClaim(r *Return) string {
	if r.Kind != KindClaim {
		return "goods must come back and be inspected first"
	}
	return ""
}

func guardSomeReceived(r *Return) string {
	if s := guardReturn(r); s != "" {
		return s
	}
	if q, rec, _, _, _ := r.Units(); rec == 0 || rec >= q {
		return fmt.Sprintf("%d of %d units received", rec, q)
	}
	return ""
}

func guardAllReceived(r *Return) string {
	if s := guardReturn(r); s != "" {
		return s
	}
	if q, rec, _, _, _ := r.Units(); rec != q {
		return fmt.Sprintf("%d of %d units received", rec, q)
	}
	return ""
}

func guardNothingReceived(r *Return) string {
	if _, rec, _, _, _ := r.Units(); rec > 0 {
		return fmt.Sprintf("%d units already received", rec)
	}
	return ""
}

func guardAllInspected(r *Return) string {
	if _, rec, insp, _, _ := r.Units(); rec == 0 || insp != rec {
		return fmt.Sprintf("%d of %d received units inspected", insp, rec)
	}
	return ""
}

// Reason is why a customer returns a unit.
type Reason string

// Return reasons.
const (
	ReasonDamaged        Reason = "damaged"
	ReasonDefective      Reason = "defective"
	ReasonWrongItem      Reason = "wrong_item"
	ReasonNotAsDescribed Reason = "not_as_described"
	ReasonDoesntFit      Reason = "doesnt_fit"
	ReasonNoLongerNeeded Reason = "no_longer_needed"
	ReasonArrivedLate    Reason = "arrived_late"
	ReasonOther          Reason = "other"
)

// Reasons returns every reason.
func Reasons() []Reason {
	return []Reason{ReasonDamaged, ReasonDefective, ReasonWrongItem, ReasonNotAsDescribed, ReasonDoesntFit,
		ReasonNoLongerNeeded, ReasonArrivedLate, ReasonOther}
}

// Valid reports whether r is one of the reasons.
func (r Reason) Valid() bool { return slices.Contains(Reasons(), r) }

// Resolution is what the customer gets for a returned unit.
type Resolution string

// Resolutions.
const (
	ResolutionRefund      Resolution = "refund"
	ResolutionExchange    Resolution = "exchange"
	ResolutionStoreCredit Resolution = "store_credit"
)

// Valid reports whether r is one of the resolutions.
func (r Resolution) Valid() bool {
	return r == ResolutionRefund || r == ResolutionExchange || r == ResolutionStoreCredit
}

// Condition is what an inspected unit looked like.
type Condition string

// Conditions.
const (
	ConditionNew     Condition = "new"
	ConditionOpened  Condition = "opened"
	ConditionUsed    Condition = "used"
	ConditionDamaged Condition = "damaged"
	// ConditionMissing: the unit was not in the parcel. It is neither
	// stocked nor resolved.
	ConditionMissing Condition = "missing"
)

// Valid reports whether c is one of the conditions.
func (c Condition) Valid() bool {
	switch c {
	case ConditionNew, ConditionOpened, ConditionUsed, ConditionDamaged, ConditionMissing:
		return true
	}
	return false
}

// Disposition is where an inspected unit goes.
type Disposition string

// Dispositions and the inventory movements they make at the unit's
// location.
const (
	// DispositionRestock: back into sellable stock (ledger return_restock).
	DispositionRestock Disposition = "restock"
	// DispositionRefurbish: into damaged stock to be repaired
	// (return_quarantine); a later inventory restore makes it sellable.
	DispositionRefurbish Disposition = "refurbish"
	// DispositionQuarantine: into damaged stock (return_quarantine).
	DispositionQuarantine Disposition = "quarantine"
	// DispositionDispose: into damaged stock and written off
	// (return_quarantine, then write_off).
	DispositionDispose Disposition = "dispose"
	// DispositionReturnToVendor: into damaged stock and written off as
	// sent back to the vendor (return_quarantine, then write_off).
	DispositionReturnToVendor Disposition = "return_to_vendor"
)

// Valid reports whether d is one of the dispositions.
func (d Disposition) Valid() bool {
	switch d {
	case DispositionRestock, DispositionRefurbish, DispositionQuarantine, DispositionDispose, DispositionReturnToVendor:
		return true
	}
	return false
}

// ClaimType says what went wrong with a delivery.
type ClaimType string

// Claim types.
const (
	ClaimDamagedOnArrival ClaimType = "damaged_on_arrival"
	ClaimWrongItem        ClaimType = "wrong_item"
	ClaimMissingItem      ClaimType = "missing_item"
)

// Valid reports whether c is one of the claim types.
func (c ClaimType) Valid() bool {
	return c == ClaimDamagedOnArrival || c == ClaimWrongItem || c == ClaimMissingItem
}

// reason returns the return reason that matches the claim type.
func (c ClaimType) reason() Reason {
	switch c {
	case ClaimDamagedOnArrival:
		return ReasonDamaged
	case ClaimWrongItem:
		return ReasonWrongItem
	}
	return ReasonOther
}
