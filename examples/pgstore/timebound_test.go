package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/tracking"
)

// TestDueQueriesTakeBoundsBeyondTimestamptzRange: Expired, ListExpiring
// and a tracker list by PollDueBy take any instant as their bound, as the
// memory stores do. One past year 294276 used to fail ("timestamp out of
// range") or, far enough out that pgx's microseconds wrap, silently match
// nothing; one before 4713 BC failed too. Now a bound after every stored
// time finds them all and one before every stored time finds none.
func TestDueQueriesTakeBoundsBeyondTimestamptzRange(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	st := db.Stores()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	svc := inventory.NewService(st.Inventory, nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "S1", Location: "wh", Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	res := inventory.Reservation{ID: oms.NewID(), Status: inventory.StatusActive, Version: 1, CreatedAt: at, UpdatedAt: at,
		ExpiresAt: at.Add(time.Hour), Lines: []inventory.ReservationLine{{SKU: "S1", Location: "wh", Quantity: 1}}}
	if _, _, err := st.Inventory.Reserve(ctx, res, oms.Event{}); err != nil {
		t.Fatal(err)
	}
	ret := &returns.Return{ID: oms.NewID(), Kind: returns.KindReturn, OrderID: oms.NewID(), Status: returns.StatusApproved,
		Version: 1, Currency: "USD", ExpiresAt: at}
	if err := st.Returns.Create(ctx, ret, nil); err != nil {
		t.Fatal(err)
	}
	tr := newTracker(t, "ups", "1Z1")
	tr.NextPollAt = at
	if err := st.Tracking.Save(ctx, tr, nil); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		by   time.Time
		want int
	}{
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), 1},
		{time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{time.Unix(1<<62, 0), 1},
		{time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Unix(-1<<62, 0), 0},
	} {
		ids, err := st.Inventory.Expired(ctx, c.by, 10)
		if err != nil || len(ids) != c.want {
			t.Errorf("Expired(%v) = %v, %v; want %d", c.by, ids, err, c.want)
		}
		rs, err := st.Returns.ListExpiring(ctx, c.by, 10)
		if err != nil || len(rs) != c.want {
			t.Errorf("ListExpiring(%v) = %d returns, %v; want %d", c.by, len(rs), err, c.want)
		}
		ts, err := st.Tracking.List(ctx, tracking.Filter{PollDueBy: c.by})
		if err != nil || len(ts) != c.want {
			t.Errorf("List(PollDueBy %v) = %d trackers, %v; want %d", c.by, len(ts), err, c.want)
		}
	}
}
