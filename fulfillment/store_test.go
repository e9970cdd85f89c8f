package fulfillment_test

import (
	"testing"

	"github.com/omskit/oms/fulfillment/fulfillmenttest"
)

func TestMemoryStoreConformance(t *testing.T) {
	fulfillmenttest.TestStore(t, fulfillmenttest.MemoryHarness{})
}
