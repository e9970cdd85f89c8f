package tracking_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/tracking"
)

type msum struct {
	Status tracking.Status
	State  tracking.MilestoneState
	Label  string
}

func milestones(v tracking.View) []msum {
	var out []msum
	for _, m := range v.Milestones {
		out = append(out, msum{m.Status, m.State, m.Label})
	}
	return out
}

func TestView(t *testing.T) {
	done, cur, up := tracking.MilestoneDone, tracking.MilestoneCurrent, tracking.MilestoneUpcoming
	for _, c := range []struct {
		name      string
		events    []tracking.Event
		want      []msum
		attention bool
	}{
		{"new", nil, []msum{
			{tracking.StatusPreTransit, cur, "Label created"}, {tracking.StatusInTransit, up, "Shipped"},
			{tracking.StatusOutForDelivery, up, "Out for delivery"}, {tracking.StatusDelivered, up, "Delivered"}}, false},
		{"in transit", []tracking.Event{ev(0, tracking.StatusPreTransit, "MP"), ev(1, tracking.StatusInTransit, "IT")}, []msum{
			{tracking.StatusPreTransit, done, "Label created"}, {tracking.StatusInTransit, cur, "Shipped"},
			{tracking.StatusOutForDelivery, up, "Out for delivery"}, {tracking.StatusDelivered, up, "Delivered"}}, false},
		{"failed attempt", []tracking.Event{ev(1, tracking.StatusInTransit, "IT"), ev(2, tracking.StatusOutForDelivery, "OFD"), ev(3, tracking.StatusDeliveryFailed, "AF")}, []msum{
			{tracking.StatusPreTransit, done, "Label created"}, {tracking.StatusInTransit, done, "Shipped"},
			{tracking.StatusOutForDelivery, cur, "Out for delivery"}, {tracking.StatusDelivered, up, "Delivered"}}, true},
		{"delivered without intermediate scans", []tracking.Event{ev(1, tracking.StatusDelivered, "DL")}, []msum{
			{tracking.StatusPreTransit, done, "Label created"}, {tracking.StatusInTransit, done, "Shipped"},
			{tracking.StatusOutForDelivery, done, "Out for delivery"}, {tracking.StatusDelivered, done, "Delivered"}}, false},
		{"pickup", []tracking.Event{ev(1, tracking.StatusInTransit, "IT"), ev(2, tracking.StatusAvailableForPickup, "PU")}, []msum{
			{tracking.StatusPreTransit, done, "Label created"}, {tracking.StatusInTransit, done, "Shipped"},
			{tracking.StatusAvailableForPickup, cur, "Ready for pickup"}, {tracking.StatusDelivered, up, "Picked up"}}, false},
		{"returning", []tracking.Event{ev(1, tracking.StatusInTransit, "IT"), ev(2, tracking.StatusReturning, "RS")}, []msum{
			{tracking.StatusPreTransit, done, "Label created"}, {tracking.StatusInTransit, done, "Shipped"},
			{tracking.StatusReturning, cur, "Returning to sender"}, {tracking.StatusReturned, up, "Returned to sender"}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := newTracker()
			tr.TrackingURL = "https://t.example/1"
			tr.Apply(c.events...)
			v := tracking.NewView(tr)
			if diff := cmp.Diff(c.want, milestones(v)); diff != "" {
				t.Fatalf("milestones (-want +got):\n%s", diff)
			}
			if v.Attention != c.attention || v.Status != tr.Status || v.StatusLabel != tracking.StatusLabel(tr.Status) || v.TrackingURL != tr.TrackingURL {
				t.Fatalf("view %+v", v)
			}
			if len(v.Events) != len(c.events) {
				t.Fatalf("%d view events", len(v.Events))
			}
			for i := 1; i < len(v.Events); i++ {
				if v.Events[i].Time.After(v.Events[i-1].Time) {
					t.Fatal("view events not newest first")
				}
			}
		})
	}
}

func TestLabels(t *testing.T) {
	for _, s := range tracking.Statuses() {
		if tracking.StatusLabel(s) == "" {
			t.Errorf("no label for %s", s)
		}
	}
	if tracking.StatusLabel("bogus") != tracking.StatusLabel(tracking.StatusUnknown) {
		t.Error("bogus status label")
	}
	for r, want := range map[tracking.Reason]string{
		tracking.ReasonWeather: "weather", "volcanic_ash": "volcanic ash", "": "",
	} {
		if got := tracking.ReasonLabel(r); got != want {
			t.Errorf("ReasonLabel(%q) = %q", r, got)
		}
	}
}
