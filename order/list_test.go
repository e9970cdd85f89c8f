package order_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestServiceListAndGetByNumber: List pages through a customer's orders
// and through a status oldest first, also for orders placed with
// idempotency keys (whose derived IDs do not sort by time), and
// GetByNumber finds an order by its number (issue 12).
func TestServiceListAndGetByNumber(t *testing.T) {
	ctx := context.Background()
	store := order.NewMemoryStore(nil)
	clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
	svc := order.NewService(store, &order.ServiceOptions{Clock: clock})
	var ada, all []oms.ID
	numbers := map[string]oms.ID{}
	for i := range 9 {
		in := sampleInput()
		in.IdempotencyKey = fmt.Sprintf("cart-%d", 9-i) // derived IDs in no time order
		if i%3 == 2 {
			in.Customer.ID = "cus_2"
		}
		o := must(t)(svc.Place(ctx, in))
		clock.Advance(time.Minute)
		all = append(all, o.ID)
		if in.Customer.ID == "cus_1" {
			ada = append(ada, o.ID)
		}
		numbers[o.Number] = o.ID
	}
	pages := func(q order.ListQuery) ([]oms.ID, int) {
		var ids []oms.ID
		for n := 1; ; n++ {
			p, err := svc.List(ctx, q)
			if err != nil {
				t.Fatalf("List page %d: %v", n, err)
			}
			for _, o := range p.Orders {
				ids = append(ids, o.ID)
			}
			if p.NextCursor == "" {
				return ids, n
			}
			q.Cursor = p.NextCursor
		}
	}
	got, n := pages(order.ListQuery{Customer: "cus_1", PageRequest: order.PageRequest{Limit: 4}})
	if d := cmp.Diff(ada, got); d != "" || n != 2 {
		t.Errorf("List by customer in %d pages (-want +got):\n%s", n, d)
	}
	got, _ = pages(order.ListQuery{Status: order.StatusPending, PageRequest: order.PageRequest{Limit: 2}})
	if d := cmp.Diff(all, got); d != "" {
		t.Errorf("List by status (-want +got):\n%s", d)
	}
	for num, id := range numbers {
		o, err := svc.GetByNumber(ctx, num)
		if err != nil || o.ID != id {
			t.Errorf("GetByNumber(%q) = %v, %v; want order %s", num, o, err, id)
		}
	}
	if _, err := svc.GetByNumber(ctx, "no-such"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("GetByNumber unknown: err = %v, want ErrNotFound", err)
	}
	for name, q := range map[string]order.ListQuery{
		"neither":    {},
		"both":       {Customer: "cus_1", Status: order.StatusPending},
		"bad status": {Status: "lost"},
		"bad limit":  {Customer: "cus_1", PageRequest: order.PageRequest{Limit: order.MaxPageLimit + 1}},
		"bad cursor": {Customer: "cus_1", PageRequest: order.PageRequest{Cursor: "x"}},
	} {
		if _, err := svc.List(ctx, q); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("List %s: err = %v, want ErrValidation", name, err)
		}
	}
	if _, err := svc.GetByNumber(ctx, ""); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("GetByNumber(\"\"): err = %v, want ErrValidation", err)
	}
}
