package shipping

import (
	"errors"
	"fmt"

	"github.com/omskit/oms"
)

// Error kinds of package shipping. Match them with errors.Is.
var (
	// ErrNoService reports that a carrier has no service for a shipment: a
	// parcel over its limits, a destination outside its zones, no service
	// of the wanted levels. It is an answer, not a failure: it does not
	// count against the carrier's circuit breaker. See NoServiceError.
	ErrNoService = errors.New("shipping: no service for this shipment")
	// ErrCarrierTimeout reports a carrier that did not answer within its
	// timeout or the caller's deadline. It matches oms.ErrUnavailable.
	ErrCarrierTimeout error = &kindError{msg: "shipping: carrier timed out", kind: oms.ErrUnavailable}
	// ErrCircuitOpen reports a carrier skipped because its circuit breaker
	// is open after repeated failures. It matches oms.ErrUnavailable.
	ErrCircuitOpen error = &kindError{msg: "shipping: carrier skipped while its circuit breaker is open", kind: oms.ErrUnavailable}
	// ErrInvalidRate reports a rate that a carrier returned malformed or in
	// an unexpected currency. The shopper drops such rates.
	ErrInvalidRate = errors.New("shipping: invalid rate")
	// ErrNoRate reports that no rate satisfies a selection.
	ErrNoRate = errors.New("shipping: no rate matches")
)

// kindError is a sentinel error of this package that also matches one of
// oms's error kinds.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }

// NoServiceError explains why a carrier has no service for a shipment. It
// matches ErrNoService.
type NoServiceError struct {
	// Carrier is the carrier's code.
	Carrier string
	// Reason says why, such as "parcels[0]: weight 40000g over the limit
	// of 30000g".
	Reason string
}

// Error names the carrier and the reason.
func (e *NoServiceError) Error() string {
	return fmt.Sprintf("shipping: carrier %q has no service: %s", e.Carrier, e.Reason)
}

// Is reports whether target is ErrNoService.
func (e *NoServiceError) Is(target error) bool { return target == ErrNoService }

// CarrierError is one carrier's problem in a rate shop: a failure, a timeout,
// a skip or rates it returned malformed. Its message names the carrier, and
// it unwraps to the cause, so errors.Is(err, ErrCarrierTimeout),
// errors.Is(err, context.DeadlineExceeded) or errors.Is(err, ErrNoService)
// work as expected.
type CarrierError struct {
	// Carrier is the carrier's code.
	Carrier string
	// Status classifies the problem.
	Status CarrierStatus
	// Err is the cause.
	Err error
}

// Error names the carrier, the status and the cause.
func (e *CarrierError) Error() string {
	return fmt.Sprintf("shipping: carrier %q %s: %v", e.Carrier, e.Status, e.Err)
}

// Unwrap returns the cause.
func (e *CarrierError) Unwrap() error { return e.Err }
