package notify

import (
	"github.com/omskit/oms"
)

func newProblems(entity string) *oms.ValidationError { return &oms.ValidationError{Entity: entity} }

func notFound(entity string, id any) error { return oms.NotFoundError(entity, id) }
