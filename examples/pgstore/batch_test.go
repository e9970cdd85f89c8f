package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
)

// batchFixture stocks db for TestReserveBatchMatchesOneByOne: a deny SKU
// at two locations, a preorder SKU (limit 4, east may promise 3, west
// none) with one unit on hand, an allow SKU with none, an untracked SKU, a
// tracked SKU without level rows, and an inactive location.
func batchFixture(t *testing.T, db *pgstore.DB) {
	t.Helper()
	ctx := context.Background()
	svc := inventory.NewService(db.Inventory(), nil)
	for i, id := range []oms.ID{"east", "west", "shut"} {
		l := inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse, Active: id != "shut", Priority: i,
			Channels: []inventory.Channel{"web"}, Ships: true}
		if err := svc.PutLocation(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range []inventory.Item{
		{SKU: "DENY", Tracked: true},
		{SKU: "PRE", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 4,
			LocationLimits: map[oms.ID]int64{"east": 3}, ExpectedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{SKU: "ALLOW", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}},
		{SKU: "FREE", Tracked: false},
		{SKU: "NOLEVEL", Tracked: true},
	} {
		if err := svc.PutItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	for _, rc := range []inventory.Receipt{
		{SKU: "DENY", Location: "east", Quantity: 5}, {SKU: "DENY", Location: "west", Quantity: 3},
		{SKU: "PRE", Location: "east", Quantity: 1}, {SKU: "PRE", Location: "west", Quantity: 1},
	} {
		rc.Reference = "initial"
		if _, err := svc.Receive(ctx, rc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO inv_levels (sku, location, on_hand) VALUES ('ALLOW', 'east', 0) ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
}

// TestReserveBatchMatchesOneByOne applies one batch of reservations that
// covers every result (saved, short on one line or two, preorder limits,
// an allow SKU, an untracked line, an unknown SKU, an inactive location, a
// level row missing, an ID saved before, an ID twice, with a replay and a
// duplicate) through the ReserveBatcher, and the same reservations one by
// one through the store on a second schema: every result, level, counter
// and outbox event must be the same.
func TestReserveBatchMatchesOneByOne(t *testing.T) {
	t.Parallel()
	one, batch := open(t), open(t)
	batchFixture(t, one)
	batchFixture(t, batch)
	ctx := context.Background()
	ln := func(sku oms.SKU, loc oms.ID, q int64, ref string) inventory.ReservationLine {
		return inventory.ReservationLine{SKU: sku, Location: loc, Quantity: q, Ref: ref}
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	res := func(id string, lines ...inventory.ReservationLine) inventory.Reservation {
		return inventory.Reservation{ID: oms.ID(id), Reference: "cart-" + id, Lines: lines, CreatedAt: at, UpdatedAt: at}
	}
	before := res("before", ln("DENY", "west", 1, ""))
	rs := []inventory.Reservation{
		res("r01", ln("DENY", "east", 3, "")),
		res("r02", ln("DENY", "east", 3, "")),                              // short: 2 left
		res("r03", ln("DENY", "east", 2, ""), ln("DENY", "west", 2, "")),   // takes the rest of east
		res("r04", ln("DENY", "east", 1, "a"), ln("DENY", "west", 1, "b")), // east short
		res("r05", ln("PRE", "east", 2, "")),                               // one on hand, one preordered
		res("r06", ln("PRE", "east", 3, "")),                               // beyond east's 3
		res("r07", ln("PRE", "east", 2, ""), ln("PRE", "west", 2, "")),     // west takes no preorders
		res("r08", ln("ALLOW", "east", 10, "")),                            // backordered freely
		res("r09", ln("FREE", "east", 1, ""), ln("DENY", "west", 1, "")),   // untracked line: alone, west short by then
		res("r10", ln("NOPE", "east", 1, "")),                              // unknown SKU
		res("r11", ln("DENY", "shut", 1, "")),                              // inactive location
		res("r12", ln("NOLEVEL", "east", 1, "")),                           // no level row yet
		res("before", ln("DENY", "west", 1, "")),                           // saved before: replay
		res("r01", ln("DENY", "east", 3, "")),                              // twice: replay of r01
		res("r03", ln("DENY", "east", 1, "")),                              // twice, other lines: duplicate
		res("r13", ln("PRE", "east", 1, "x"), ln("PRE", "east", 1, "y")),   // the preorder SKU's last east unit
		res("r14", ln("DENY", "west", 1, "")),                              // nothing left at west
		res("r15", ln("ALLOW", "east", 1, ""), ln("PRE", "west", 1, "")),   // west's unit on hand
	}
	evs := make([]oms.Event, len(rs))
	for i, r := range rs {
		evs[i] = oms.Event{ID: oms.ID(fmt.Sprintf("ev-%02d", i)), Type: "inventory.reserved", AggregateKind: "reservation",
			AggregateID: r.ID, AggregateVersion: 1, Time: at, Payload: []byte(`{"n":` + fmt.Sprint(i) + `}`)}
	}
	for _, db := range []*pgstore.DB{one, batch} {
		if _, _, err := db.Inventory().Reserve(ctx, before, oms.Event{}); err != nil {
			t.Fatal(err)
		}
	}
	b := pgstore.NewReserveBatcher(batch.Inventory(), nil)
	defer b.Close()
	gotR, gotC, gotE := pgstore.ApplyBatch(b, rs, evs)
	s := one.Inventory()
	for i, r := range rs {
		wantR, wantC, wantE := s.Reserve(ctx, r, evs[i])
		if fmt.Sprint(gotE[i]) != fmt.Sprint(wantE) || gotC[i] != wantC {
			t.Errorf("%s (#%d): batch = %v, %v; alone = %v, %v", r.ID, i, gotC[i], gotE[i], wantC, wantE)
		}
		if d := cmp.Diff(wantR, gotR[i], eventOpts); d != "" {
			t.Errorf("%s (#%d) reservation (-alone +batch):\n%s", r.ID, i, d)
		}
	}
	state := func(db *pgstore.DB) (out []string) {
		rows, err := db.Pool().Query(ctx, `
			SELECT format('level %s@%s on_hand=%s reserved=%s', sku, location, on_hand, reserved) FROM inv_levels
			UNION ALL SELECT format('item %s backordered=%s', sku, backordered) FROM inv_items
			UNION ALL SELECT format('reservation %s %s', id, doc) FROM inv_reservations
			UNION ALL SELECT format('event %s %s %s', id, aggregate_id, payload) FROM outbox WHERE type = 'inventory.reserved'
			ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
		return out
	}
	if d := cmp.Diff(state(one), state(batch)); d != "" {
		t.Errorf("stored state (-alone +batch):\n%s", d)
	}
	// The batch really was one: what it saved shares one transaction (the
	// others went one by one).
	var ids []string
	for i, c := range gotC {
		if c {
			ids = append(ids, string(rs[i].ID))
		}
	}
	var txs int
	if err := batch.Pool().QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM inv_reservations WHERE id = ANY($1)`, ids).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 6 || txs != 1 {
		t.Errorf("the batch saved %v in %d transactions, want 6 reservations in 1", ids, txs)
	}
}
