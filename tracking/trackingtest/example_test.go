package trackingtest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// A test of polling scripts the carrier's answers: one parcel is
// delivered, the carrier's API fails for the other. The failed tracker is
// polled again after the backoff, the delivered one no more.
func ExampleSource() {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := oms.NewManualClock(t0)
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	for _, n := range []string{"1Z001", "1Z002"} {
		if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: n, ShipmentRef: "shp-1"}); err != nil {
			fmt.Println(err)
			return
		}
	}

	src := trackingtest.NewSource()
	src.Set(tracking.Update{Carrier: "ups", TrackingNumber: "1Z001", Events: []tracking.Event{
		{Time: t0.Add(-2 * time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"},
		{Time: t0.Add(-time.Hour), Status: tracking.StatusDelivered, RawCode: "DL"},
	}})
	src.Fail("1Z002", errors.New("ups: 503"))
	poller, _ := tracking.NewPoller(svc, &tracking.PollerOptions{Sources: map[string]tracking.Source{"ups": src}})

	report, _ := poller.PollDue(ctx)
	fmt.Printf("polled %d, failed %d, events applied %d\n", report.Polled, report.Failed, report.Applied)
	for _, n := range []string{"1Z001", "1Z002"} {
		tr, _ := svc.Get(ctx, "ups", n)
		fmt.Println(n, tr.Status, "poll failures", tr.PollFailures)
	}
	failed, _ := svc.Get(ctx, "ups", "1Z002")
	fmt.Println("1Z002 is polled again after", failed.NextPollAt.Sub(t0))

	clock.Advance(4 * time.Hour)
	_, _ = poller.PollDue(ctx)
	fmt.Println("calls:", src.Calls("1Z001"), src.Calls("1Z002"))
	// Output:
	// polled 2, failed 1, events applied 2
	// 1Z001 delivered poll failures 0
	// 1Z002 pre_transit poll failures 1
	// 1Z002 is polled again after 5m0s
	// calls: 1 2
}
