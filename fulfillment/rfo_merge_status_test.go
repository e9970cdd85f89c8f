package fulfillment_test

import (
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// TestMergeOfAScheduledIntoAnOpenOnePublishesTheMove: merging a scheduled
// (backordered) fulfillment order into an open one makes the open one
// scheduled, but no status event said so: its events went created(open)
// and then, when the stock came, scheduled → open, a move from a status
// its subscribers never saw it enter. Now the merge publishes open →
// scheduled.
func TestMergeOfAScheduledIntoAnOpenOnePublishesTheMove(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.item("PRE", inventory.BackorderAllow)
	e.stock("PRE", "east", 1)
	o := e.place(nil, small("PRE", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var open, sched oms.ID
	for _, fo := range fos {
		switch fo.Status {
		case fulfillment.StatusOpen:
			open = fo.ID
		case fulfillment.StatusScheduled:
			sched = fo.ID
		}
	}
	if open == "" || sched == "" {
		t.Fatalf("plan has no open and scheduled pair at one location: %+v", fos)
	}
	m, err := e.svc.Merge(e.ctx, []oms.ID{open, sched})
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != fulfillment.StatusScheduled {
		t.Fatalf("merged fulfillment order is %s, want scheduled", m.Status)
	}
	e.stock("PRE", "east", 5)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	all, err := e.svc.FulfillmentOrders(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, fo := range all {
		cur := fulfillment.Status("")
		for _, ev := range e.outbox.Events(fo.ID) {
			switch ev.Type {
			case fulfillment.EventCreated:
				var p fulfillment.OrderPayload
				if err := ev.Decode(&p); err != nil {
					t.Fatal(err)
				}
				cur = p.Status
			case fulfillment.EventStatusChanged:
				var p fulfillment.StatusPayload
				if err := ev.Decode(&p); err != nil {
					t.Fatal(err)
				}
				if p.From != cur {
					t.Errorf("fulfillment order %s: status event %s → %s (%s) while its events left it %s", fo.ID, p.From, p.To, p.Reason, cur)
				}
				cur = p.To
			}
		}
		if cur != fo.Status {
			t.Errorf("fulfillment order %s is %s, its events say %s", fo.ID, fo.Status, cur)
		}
	}
}
