package fulfillment_test

import (
	"strings"
	"testing"

	"github.com/omskit/oms/fulfillment"
)

// TestProcessListsFulfillmentOrdersWaitingForAPackScan: with
// VerifyPacking, Process packs and then waits for the packer's scans
// before it buys labels; Result.Waiting, documented to list what waits
// for "a pack scan", left such a fulfillment order out, so a host driving
// its work from Waiting never asked for the scan and the order sat
// unshipped with nothing saying why.
func TestProcessListsFulfillmentOrdersWaitingForAPackScan(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{VerifyPacking: true})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	for run := 0; run < 2; run++ { // packing, then a run that finds it packed
		res, err := e.svc.Process(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.FulfillmentOrders) != 1 || len(res.FulfillmentOrders[0].Packages) == 0 || len(res.Shipments) != 0 {
			t.Fatalf("run %d: %+v", run, res)
		}
		if len(res.Waiting) != 1 || res.Waiting[0].FulfillmentOrder != res.FulfillmentOrders[0].ID || !strings.Contains(res.Waiting[0].Reason, "pack") {
			t.Errorf("run %d: waiting %+v; want the packed fulfillment order waiting for its pack scan", run, res.Waiting)
		}
	}
}
