package order

import (
	"fmt"
	"slices"
)

// Status is an order's lifecycle status. It is stored; the fulfillment and
// return statuses are derived from the line counters instead.
type Status string

// Lifecycle statuses.
const (
	// StatusPending: placed, awaiting confirmation or payment.
	StatusPending Status = "pending"
	// StatusConfirmed: accepted by the shop, ready to allocate.
	StatusConfirmed Status = "confirmed"
	// StatusProcessing: allocation has begun; goods are being fulfilled.
	StatusProcessing Status = "processing"
	// StatusCompleted: every line is delivered or cancelled. Returns may
	// still be recorded.
	StatusCompleted Status = "completed"
	// StatusCancelled: cancelled before anything shipped. Final.
	StatusCancelled Status = "cancelled"
)

// Valid reports whether s is one of the lifecycle statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusConfirmed, StatusProcessing, StatusCompleted, StatusCancelled:
		return true
	}
	return false
}

// Final reports whether no lifecycle move leaves s.
func (s Status) Final() bool { return s == StatusCancelled || s == StatusCompleted }

// Transition is one edge of the lifecycle table with its guard.
type Transition struct {
	// From and To are the statuses the move leaves and enters.
	From, To Status
	// Guard names the condition the order must meet, for documentation.
	Guard string
	check func(o *Order) string
}

// transitions is the lifecycle table. It is never modified.
var transitions = [...]Transition{
	{From: StatusPending, To: StatusConfirmed, Guard: "no open awaiting_payment hold", check: guardPaid},
	{From: StatusPending, To: StatusCancelled, Guard: "nothing shipped", check: guardNothingShipped},
	{From: StatusConfirmed, To: StatusProcessing, Guard: "no open hold", check: guardNoHold},
	{From: StatusConfirmed, To: StatusCancelled, Guard: "nothing shipped", check: guardNothingShipped},
	{From: StatusProcessing, To: StatusCancelled, Guard: "nothing shipped", check: guardNothingShipped},
	{From: StatusProcessing, To: StatusCompleted, Guard: "every line delivered or cancelled, something delivered", check: guardAllDone},
}

// Transitions returns a copy of the lifecycle table: every allowed move and
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

// transition moves o to status to when the table allows it and the guard
// holds. Otherwise it returns a *oms.TransitionError (matching
// oms.ErrInvalidTransition) and leaves o unchanged.
func transition(o *Order, to Status) error {
	for _, t := range transitions {
		if t.From != o.Status || t.To != to {
			continue
		}
		if reason := t.check(o); reason != "" {
			return transitionError(o.ID, o.Status, to, reason)
		}
		o.Status = to
		return nil
	}
	return transitionError(o.ID, o.Status, to, "")
}

func guardPaid(o *Order) string {
	if o.HasOpenHold(HoldAwaitingPayment) {
		return "payment is not authorized (awaiting_payment hold is open)"
	}
	return ""
}

func guardNoHold(o *Order) string {
	if o.OnHold() {
		return "the order is on hold"
	}
	return ""
}

func guardNothingShipped(o *Order) string {
	var n int64
	for _, l := range o.Lines {
		n += l.Shipped
	}
	if n > 0 {
		return fmt.Sprintf("%d units already shipped", n)
	}
	return ""
}

func guardAllDone(o *Order) string {
	var delivered int64
	for _, l := range o.Lines {
		if l.Delivered+l.Cancelled != l.Quantity {
			return fmt.Sprintf("line %s has %d units neither delivered nor cancelled", l.ID, l.Quantity-l.Delivered-l.Cancelled)
		}
		delivered += l.Delivered
	}
	if delivered == 0 {
		return "nothing was delivered"
	}
	return ""
}

// FulfillmentStatus summarizes how far an order's goods have gone. It is
// derived from the line counters by FulfillmentOf, never stored.
type FulfillmentStatus string

// Fulfillment statuses, from least to most advanced. Each counts the
// active units (ordered minus cancelled) of all lines.
const (
	// FulfillmentUnfulfilled: nothing allocated (or nothing active).
	FulfillmentUnfulfilled FulfillmentStatus = "unfulfilled"
	// FulfillmentPartiallyAllocated: some active units allocated.
	FulfillmentPartiallyAllocated FulfillmentStatus = "partially_allocated"
	// FulfillmentAllocated: every active unit allocated, none shipped.
	FulfillmentAllocated FulfillmentStatus = "allocated"
	// FulfillmentPartiallyShipped: some active units shipped, none
	// delivered.
	FulfillmentPartiallyShipped FulfillmentStatus = "partially_shipped"
	// FulfillmentShipped: every active unit shipped, none delivered.
	FulfillmentShipped FulfillmentStatus = "shipped"
	// FulfillmentPartiallyDelivered: some active units delivered.
	FulfillmentPartiallyDelivered FulfillmentStatus = "partially_delivered"
	// FulfillmentDelivered: every active unit delivered.
	FulfillmentDelivered FulfillmentStatus = "delivered"
)

// Valid reports whether s is one of the fulfillment statuses.
func (s FulfillmentStatus) Valid() bool {
	switch s {
	case FulfillmentUnfulfilled, FulfillmentPartiallyAllocated, FulfillmentAllocated,
		FulfillmentPartiallyShipped, FulfillmentShipped, FulfillmentPartiallyDelivered, FulfillmentDelivered:
		return true
	}
	return false
}

// ReturnStatus summarizes what came back. It is derived from the line
// counters by ReturnOf, never stored.
type ReturnStatus string

// Return statuses.
const (
	// ReturnNone: nothing returned.
	ReturnNone ReturnStatus = "none"
	// ReturnPartial: some shipped units returned.
	ReturnPartial ReturnStatus = "partially_returned"
	// ReturnFull: every shipped unit returned.
	ReturnFull ReturnStatus = "returned"
)

// Valid reports whether s is one of the return statuses.
func (s ReturnStatus) Valid() bool {
	switch s {
	case ReturnNone, ReturnPartial, ReturnFull:
		return true
	}
	return false
}

// Counts are an order's counters summed over its lines.
type Counts struct {
	// Each field is the sum over the lines of the Line field (or method,
	// for Active) of the same name, in units.
	Quantity, Active, Allocated, Fulfilled, Shipped, Delivered, Cancelled, Returned int64
}

// CountsOf sums the counters of o's lines.
func CountsOf(o *Order) Counts {
	var c Counts
	if o == nil {
		return c
	}
	for _, l := range o.Lines {
		c.Quantity += l.Quantity
		c.Active += l.Active()
		c.Allocated += l.Allocated
		c.Fulfilled += l.Fulfilled
		c.Shipped += l.Shipped
		c.Delivered += l.Delivered
		c.Cancelled += l.Cancelled
		c.Returned += l.Returned
	}
	return c
}

// FulfillmentOf derives o's fulfillment status from its line counters.
// Because each line's counters are bounded by its own active quantity, a
// sum equal to the active total means every line reached that stage.
func FulfillmentOf(o *Order) FulfillmentStatus {
	c := CountsOf(o)
	switch {
	case c.Active == 0:
		return FulfillmentUnfulfilled
	case c.Delivered == c.Active:
		return FulfillmentDelivered
	case c.Delivered > 0:
		return FulfillmentPartiallyDelivered
	case c.Shipped == c.Active:
		return FulfillmentShipped
	case c.Shipped > 0:
		return FulfillmentPartiallyShipped
	case c.Allocated == c.Active:
		return FulfillmentAllocated
	case c.Allocated > 0:
		return FulfillmentPartiallyAllocated
	}
	return FulfillmentUnfulfilled
}

// ReturnOf derives o's return status from its line counters.
func ReturnOf(o *Order) ReturnStatus {
	c := CountsOf(o)
	switch {
	case c.Returned == 0:
		return ReturnNone
	case c.Returned == c.Shipped:
		return ReturnFull
	}
	return ReturnPartial
}

// FulfillmentStatus returns FulfillmentOf(o).
func (o *Order) FulfillmentStatus() FulfillmentStatus { return FulfillmentOf(o) }

// ReturnStatus returns ReturnOf(o).
func (o *Order) ReturnStatus() ReturnStatus { return ReturnOf(o) }
