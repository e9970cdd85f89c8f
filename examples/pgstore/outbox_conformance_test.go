package pgstore_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/omstest"
)

// TestOutboxConformance runs the outbox suite every oms.Outbox passes.
func TestOutboxConformance(t *testing.T) {
	omstest.TestOutbox(t, omstest.HarnessFunc(func(ctx context.Context, t *testing.T) (oms.Outbox, omstest.Appender) {
		ob := open(t).Outbox()
		t.Cleanup(func() { _ = ob.ReleaseLeases(context.Background()) })
		return ob, ob.Append
	}))
}
