package tracking_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

func TestMemoryStore(t *testing.T) {
	trackingtest.TestStore(t, trackingtest.OutboxHarness{})
}

func TestMemoryStoreOutbox(t *testing.T) {
	ob := oms.NewMemoryOutbox(nil)
	s := tracking.NewMemoryStore(&tracking.MemoryStoreOptions{Outbox: ob})
	if s.Outbox() != ob {
		t.Fatal("store does not use the given outbox")
	}
	if tracking.NewMemoryStore(nil).Outbox() == nil {
		t.Fatal("nil options give no outbox")
	}
}
