package returns

import (
	"github.com/omskit/oms"
)

// entity is the name errors of this package give the aggregate.
const entity = "return"

func transitionError(r *Return, to Status, reason string) error {
	return &oms.TransitionError{Entity: entity, ID: r.ID, From: string(r.Status), To: string(to), Reason: reason}
}

func validation() *oms.ValidationError { return &oms.ValidationError{Entity: entity} }
