package oms

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds shared by every package of oms. Match them with errors.Is;
// the typed errors below and the packages' own typed errors wrap them.
var (
	// ErrNotFound reports that an entity does not exist.
	ErrNotFound = errors.New("oms: not found")
	// ErrConflict reports a lost optimistic-concurrency race: the stored
	// version is not the one the caller loaded. Reload and retry.
	ErrConflict = errors.New("oms: version conflict")
	// ErrInvalidTransition reports a state-machine move that the transition
	// table does not allow. See TransitionError.
	ErrInvalidTransition = errors.New("oms: invalid transition")
	// ErrInsufficientStock reports that a reservation or movement would take
	// stock below what is available.
	ErrInsufficientStock = errors.New("oms: insufficient stock")
	// ErrValidation reports bad input. See ValidationError.
	ErrValidation = errors.New("oms: validation failed")
	// ErrCurrencyMismatch reports an operation on amounts in different
	// currencies, or on a Money that has no currency.
	ErrCurrencyMismatch = errors.New("oms: currency mismatch")
	// ErrDuplicate reports that an entity with the same ID or key already
	// exists with different content.
	ErrDuplicate = errors.New("oms: duplicate")
	// ErrOnHold reports a command refused because the entity carries an open
	// hold.
	ErrOnHold = errors.New("oms: on hold")
	// ErrUnsupported reports that an implementation lacks an optional
	// capability (for example a carrier that cannot void labels).
	ErrUnsupported = errors.New("oms: unsupported")
	// ErrUnavailable reports that a dependency (a carrier, a publisher) could
	// not be reached or is temporarily disabled.
	ErrUnavailable = errors.New("oms: unavailable")
)

// FieldError is one problem with one field of an input.
type FieldError struct {
	// Field is the path of the field, such as "lines[2].quantity" or
	// "shipping_address.postal_code".
	Field string `json:"field"`
	// Message says what is wrong, in lower case, without the field name.
	Message string `json:"message"`
}

// String returns "field: message".
func (f FieldError) String() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// ValidationError lists every problem found in an input. It matches
// ErrValidation with errors.Is. The zero value is an empty list ready to use.
type ValidationError struct {
	// Entity names what was validated, such as "order" or "address".
	Entity string `json:"entity,omitempty"`
	// Problems lists each problem in the order it was found.
	Problems []FieldError `json:"problems"`
}

// Add records a problem with field; format and args build the message.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Problems = append(e.Problems, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Merge records every problem of other, its field paths prefixed with prefix
// and a dot (no dot when prefix is empty). Merging a nil error does nothing;
// merging an error that is not a *ValidationError records its text under
// prefix.
func (e *ValidationError) Merge(prefix string, other error) {
	if other == nil {
		return
	}
	var ve *ValidationError
	if !errors.As(other, &ve) {
		e.Problems = append(e.Problems, FieldError{Field: prefix, Message: other.Error()})
		return
	}
	for _, p := range ve.Problems {
		f := p.Field
		switch {
		case prefix == "":
		case f == "":
			f = prefix
		case strings.HasPrefix(f, "["):
			f = prefix + f
		default:
			f = prefix + "." + f
		}
		e.Problems = append(e.Problems, FieldError{Field: f, Message: p.Message})
	}
}

// Has reports whether a problem is recorded for field.
func (e *ValidationError) Has(field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// Err returns e when it holds at least one problem and nil otherwise, so a
// validator can end with "return v.Err()".
func (e *ValidationError) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Error lists every problem on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("oms: invalid ")
	if e.Entity != "" {
		b.WriteString(e.Entity)
	} else {
		b.WriteString("input")
	}
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Validationf returns a *ValidationError for entity with a single problem.
func Validationf(entity, field, format string, args ...any) error {
	v := &ValidationError{Entity: entity}
	v.Add(field, format, args...)
	return v
}

// TransitionError reports a state-machine move that is not allowed. It
// matches ErrInvalidTransition with errors.Is.
type TransitionError struct {
	// Entity is the kind of aggregate, such as "order" or "reservation".
	Entity string
	// ID identifies the aggregate, when known.
	ID ID
	// From and To are the statuses of the refused move.
	From, To string
	// Reason explains a failed guard; empty when the table itself has no
	// such edge.
	Reason string
}

// Error names the entity, the from and the to.
func (e *TransitionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "oms: %s", e.Entity)
	if e.ID != "" {
		fmt.Fprintf(&b, " %s", e.ID)
	}
	fmt.Fprintf(&b, ": cannot move from %q to %q", e.From, e.To)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Is reports whether target is ErrInvalidTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// NotFoundError returns an error matching ErrNotFound that names the entity
// and its ID.
func NotFoundError(entity string, id any) error {
	return fmt.Errorf("%w: %s %v", ErrNotFound, entity, id)
}

// ConflictError returns an error matching ErrConflict that names the entity,
// its ID and the versions involved.
func ConflictError(entity string, id any, expected, actual int64) error {
	return fmt.Errorf("%w: %s %v: expected version %d, stored version %d", ErrConflict, entity, id, expected, actual)
}
