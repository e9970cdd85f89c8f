package order

import (
	"errors"
	"fmt"
	"strings"

	"github.com/omskit/oms"
)

// entity is the name errors of this package give the aggregate.
const entity = "order"

// HoldError reports a command refused because the order carries open
// holds. It matches oms.ErrOnHold with errors.Is and lists the open holds.
type HoldError struct {
	// OrderID identifies the order.
	OrderID oms.ID
	// Command names what was refused: "allocation" or "fulfillment".
	Command string
	// Holds are the open holds, in the order they were added.
	Holds []Hold
}

// Error names the order, the command and the reasons of the open holds.
func (e *HoldError) Error() string {
	reasons := make([]string, len(e.Holds))
	for i, h := range e.Holds {
		reasons[i] = string(h.Reason)
	}
	return fmt.Sprintf("order: %s %s refused: on hold (%s)", e.OrderID, e.Command, strings.Join(reasons, ", "))
}

// Is reports whether target is oms.ErrOnHold.
func (e *HoldError) Is(target error) bool { return target == oms.ErrOnHold }

// ErrOutcomeUnknown is what a PaymentGateway's Authorize returns (wrapped)
// when it cannot tell whether the authorization went through: a timeout,
// a connection lost after the request was sent, a 5xx from the processor.
// The order keeps such an authorization pending under its idempotency key
// and SettlePayment repeats that very request (the gateway returns the
// first result and holds nothing twice), as it does for every failed
// capture, void and refund. An error matching context.DeadlineExceeded
// counts the same. Any other Authorize error is a decline: the
// authorization is recorded as failed and the next AuthorizePayment makes
// a new one.
var ErrOutcomeUnknown = errors.New("order: payment outcome unknown")

// PaymentError reports a payment gateway call that failed after the order
// change itself was saved: the command took effect, and the payment step
// can be repeated with Service.SettlePayment. It wraps the gateway's error.
type PaymentError struct {
	// OrderID identifies the order.
	OrderID oms.ID
	// Operation is "authorize", "capture", "void" or "refund".
	Operation string
	// Err is the gateway's error.
	Err error
}

// Error names the order and the operation.
func (e *PaymentError) Error() string {
	return fmt.Sprintf("order: %s payment %s: %v", e.OrderID, e.Operation, e.Err)
}

// Unwrap returns the gateway's error.
func (e *PaymentError) Unwrap() error { return e.Err }

func transitionError(id oms.ID, from Status, to Status, reason string) error {
	return &oms.TransitionError{Entity: entity, ID: id, From: string(from), To: string(to), Reason: reason}
}

func validation() *oms.ValidationError { return &oms.ValidationError{Entity: entity} }
