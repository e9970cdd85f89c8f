package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestOrderPagesWalkOrdersCreatedAtTheEdgesOfTheYearRange: an order
// created at 9999-12-31T23:30:00-05:00 (year 10000 in UTC) or at
// 0000-01-01T00:30:00+02:00 (year -1 in UTC) is stored, as in the memory
// store, but the page cursor after it spelled its time in RFC 3339 in UTC,
// which has no such years, so the next page was refused as a malformed
// cursor. The walk now goes on, page by page, in the memory store's order.
func TestOrderPagesWalkOrdersCreatedAtTheEdgesOfTheYearRange(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	mem := order.NewMemoryStore(nil)
	times := []time.Time{
		time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("", -5*3600)),
		time.Date(0, 1, 1, 0, 30, 0, 5, time.FixedZone("", 2*3600)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	for _, at := range times {
		for _, s := range []order.Store{db.Orders(), mem} {
			o := &order.Order{ID: oms.NewIDAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Customer: order.Customer{ID: "C1"},
				Status: order.StatusPending, Version: 1, Currency: "USD", CreatedAt: at, UpdatedAt: at}
			if s == mem {
				o.ID = oms.ID("M" + string(o.ID)[1:])
			}
			if err := s.Create(ctx, o, nil); err != nil {
				t.Fatalf("Create at %v: %v", at, err)
			}
		}
	}
	walk := func(s order.Store) []time.Time {
		var got []time.Time
		page := order.PageRequest{Limit: 1}
		for range 10 {
			p, err := s.ListByCustomer(ctx, "C1", page)
			if err != nil {
				t.Fatalf("page after %d orders: %v", len(got), err)
			}
			for _, o := range p.Orders {
				got = append(got, o.CreatedAt)
			}
			if p.NextCursor == "" {
				break
			}
			page.Cursor = p.NextCursor
		}
		return got
	}
	got, want := walk(db.Orders()), walk(mem)
	if len(got) != len(times) || len(want) != len(times) {
		t.Fatalf("walked %d orders, memory store %d; want %d", len(got), len(want), len(times))
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Errorf("order %d created at %v, memory store %v", i, got[i], want[i])
		}
	}
}
