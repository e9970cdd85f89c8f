package inventory_test

import (
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestPromiseDateOfAnOverdueDeliveryIsNotInThePast: a delivery expected
// yesterday that has not arrived still counts as supply, but a promise
// cannot be made for a day that is over: PromiseDate answers now (the
// ATP's At), never the overdue date.
func TestPromiseDateOfAnOverdueDeliveryIsNotInThePast(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 2)
	yesterday := bbT0.Add(-24 * time.Hour)
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po-late", SKU: "A", Location: "wh", Quantity: 10, ExpectedAt: yesterday}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po-next", SKU: "A", Location: "wh", Quantity: 10, ExpectedAt: bbT0.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	atp, err := b.svc.ATP(b.ctx, "A", inventory.ATPQuery{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		qty  int64
		want time.Time
		ok   bool
	}{
		{2, bbT0, true},                      // on hand
		{5, bbT0, true},                      // the overdue delivery: today, not yesterday
		{12, bbT0, true},                     // all of it
		{13, bbT0.Add(72 * time.Hour), true}, // the next delivery
		{23, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := atp.PromiseDate(tt.qty)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("PromiseDate(%d) = %s, %v; want %s, %v", tt.qty, got, ok, tt.want, tt.ok)
		}
		if ok && !got.IsZero() && got.Before(atp.At) {
			t.Errorf("PromiseDate(%d) = %s, before now (%s)", tt.qty, got, atp.At)
		}
	}
	// An overdue preorder date is no promise for yesterday either.
	pre := inventory.ATP{SKU: "P", At: bbT0, Supplies: []inventory.Supply{{At: yesterday, Quantity: 5, Cumulative: 5, Preorder: true}}}
	if got, ok := pre.PromiseDate(5); !ok || !got.Equal(bbT0) {
		t.Errorf("PromiseDate of an overdue preorder = %s, %v; want %s, true", got, ok, bbT0)
	}
}
