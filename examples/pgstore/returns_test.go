package pgstore_test

import (
	"context"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns/returnstest"
)

func TestReturnStore(t *testing.T) {
	t.Parallel()
	returnstest.TestStore(t, func(t *testing.T) returnstest.Harness {
		db := open(t)
		return returnstest.Harness{Store: db.Returns(), Events: func(id oms.ID) []oms.Event {
			evs, err := db.Outbox().Events(context.Background(), id)
			if err != nil {
				t.Fatalf("outbox: %v", err)
			}
			return evs
		}}
	})
}
