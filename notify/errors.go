package notify

import (
	"fmt"

	"github.com/omskit/oms"
)

func newProblems(entity string) *oms.ValidationError { return &oms.ValidationError{Entity: entity} }

func notFound(entity string, id any) error { return oms.NotFoundError(entity, id) }

// claimNotHeld is MarkSent's refusal of a claim the token does not hold.
func claimNotHeld(key, token string) error {
	return fmt.Errorf("notify: claim %q is not held by %q: %w", key, token, oms.ErrConflict)
}
