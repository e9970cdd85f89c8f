package oms_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/omstest"
)

// TestMemoryOutboxConformance runs the Outbox conformance suite on
// MemoryOutbox: the default options, the zero value, and a retention of
// one published event on a manual clock.
func TestMemoryOutboxConformance(t *testing.T) {
	t.Run("Default", func(t *testing.T) { omstest.TestOutbox(t, omstest.MemoryHarness(nil)) })
	t.Run("ZeroValue", func(t *testing.T) {
		omstest.TestOutbox(t, omstest.HarnessFunc(func(context.Context, *testing.T) (oms.Outbox, omstest.Appender) {
			o := new(oms.MemoryOutbox)
			return o, omstest.MemoryAppender(o)
		}))
	})
	t.Run("RetainOne", func(t *testing.T) {
		clock := oms.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		omstest.TestOutbox(t, omstest.MemoryHarness(&oms.MemoryOutboxOptions{RetainPublished: 1, RetainFor: time.Second, Clock: clock}))
	})
}
