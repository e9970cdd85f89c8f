package inventory_test

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// TestItemSettingsBoundedSoAvailabilityCannotWrap is issue 10 item 5: with
// 10 on hand, a safety stock and a channel buffer of MaxInt64 made the
// channel sell 12. Such settings are refused, and the pure function never
// reports more than on hand plus the allowance whatever the item says.
func TestItemSettingsBoundedSoAvailabilityCannotWrap(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	huge := inventory.Item{SKU: "A", Tracked: true, SafetyStock: math.MaxInt64, ReorderPoint: math.MaxInt64,
		ChannelBuffers: map[inventory.Channel]int64{"web": math.MaxInt64},
		Backorder:      inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: math.MaxInt64, ExpectedAt: t0.Add(time.Hour)}}
	err := f.svc.PutItem(f.ctx, huge)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("safety_stock") || !ve.Has("channel_buffers.web") || !ve.Has("backorder.limit") || !ve.Has("reorder_point") {
		t.Fatalf("PutItem with MaxInt64 settings: got %v, want a validation error naming each", err)
	}
	if it, _ := f.svc.Item(f.ctx, "A"); it.SafetyStock != 0 {
		t.Fatalf("refused item was stored: %+v", it)
	}
	levels := []inventory.Level{{SKU: "A", Location: "wh", OnHand: 10}}
	locs := []inventory.Location{{ID: "wh", Active: true, Channels: []inventory.Channel{"web"}}}
	deny := inventory.Item{SKU: "A", Tracked: true, SafetyStock: math.MaxInt64, ChannelBuffers: map[inventory.Channel]int64{"web": math.MaxInt64}}
	if got := inventory.SellableOnChannel(deny, levels, locs, "web"); got.Quantity != 0 {
		t.Errorf("SellableOnChannel with MaxInt64 safety stock and buffer = %d, want 0", got.Quantity)
	}
	atp := inventory.ComputeATP(deny, levels, locs, nil, inventory.ATPQuery{Channel: "web"}, t0)
	if atp.Now > 10 {
		t.Errorf("ATP now = %d, above on hand", atp.Now)
	}
	for _, it := range []inventory.Item{
		{SKU: "A", Tracked: true, SafetyStock: oms.MaxQuantity + 1},
		{SKU: "A", Tracked: true, ChannelBuffers: map[inventory.Channel]int64{"web": oms.MaxQuantity + 1}},
	} {
		if err := f.svc.PutItem(f.ctx, it); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("PutItem(%+v): got %v, want a validation error", it, err)
		}
	}
	if err := f.svc.PutItem(f.ctx, inventory.Item{SKU: "A", Tracked: true, SafetyStock: oms.MaxQuantity, ReorderPoint: oms.MaxQuantity}); err != nil {
		t.Errorf("settings of exactly oms.MaxQuantity refused: %v", err)
	}
}

// TestHugePreorderLimitDoesNotOverflow is issue 10 item 6: a preorder
// limit of MaxInt64 overflowed on_hand - reserved + allowance and refused
// valid reservations. The largest accepted limit reserves what it promises.
func TestHugePreorderLimitDoesNotOverflow(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	it := inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: math.MaxInt64, ExpectedAt: t0.Add(time.Hour)}}
	if err := f.svc.PutItem(f.ctx, it); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("limit MaxInt64: got %v, want a validation error", err)
	}
	it.Backorder.Limit = oms.MaxQuantity
	if err := f.svc.PutItem(f.ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: oms.MaxQuantity}}}); err != nil {
		t.Fatalf("reserve of 2^50 with 10 on hand and a limit of 2^50: %v", err)
	}
	ca, err := f.svc.ChannelAvailability(f.ctx, "A", "web")
	if err != nil {
		t.Fatal(err)
	}
	if ca.Quantity != 10 {
		t.Errorf("channel quantity = %d, want 10 (the 2^50 preorder units are taken)", ca.Quantity)
	}
}

// TestSuggestOrderRefusesWhatWouldWrap is issue 10 item 8.
func TestSuggestOrderRefusesWhatWouldWrap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    inventory.OrderInput
		field string
	}{
		{"pack size MaxInt64", inventory.OrderInput{ReorderPoint: 10, PackSize: math.MaxInt64}, "pack_size"},
		{"min quantity MaxInt64", inventory.OrderInput{ReorderPoint: 10, MinQuantity: math.MaxInt64}, "min_quantity"},
		{"reorder point MaxInt64", inventory.OrderInput{ReorderPoint: math.MaxInt64}, "reorder_point"},
		{"position MinInt64", inventory.OrderInput{Position: math.MinInt64, ReorderPoint: 10}, "position"},
		{"cover days 1e15", inventory.OrderInput{ReorderPoint: 10, CoverDays: 1e15, Forecast: inventory.Forecast{Level: 1}}, "cover_days"},
		{"demand over the cover too large", inventory.OrderInput{ReorderPoint: 10, CoverDays: 1000, Forecast: inventory.Forecast{Level: 1e300}}, "forecast"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := inventory.SuggestOrder(tc.in)
			var ve *oms.ValidationError
			if !errors.As(err, &ve) || !ve.Has(tc.field) {
				t.Fatalf("got %d, %v; want a validation error on %s", q, err, tc.field)
			}
		})
	}
	// Large but valid: exact, no wrap.
	q, err := inventory.SuggestOrder(inventory.OrderInput{ReorderPoint: 10, PackSize: oms.MaxQuantity})
	if err != nil || q != oms.MaxQuantity {
		t.Errorf("one pack of 2^50: got %d, %v", q, err)
	}
	q, err = inventory.SuggestOrder(inventory.OrderInput{ReorderPoint: 10, MinQuantity: oms.MaxQuantity})
	if err != nil || q != oms.MaxQuantity {
		t.Errorf("minimum 2^50: got %d, %v", q, err)
	}
}

// TestCoverDaysClosedForm: a cover of a billion days answers at once, and
// equals the day-by-day sum on small cases, trends up and down.
func TestCoverDaysClosedForm(t *testing.T) {
	slow := func(f inventory.Forecast, days float64) float64 {
		whole := int(days)
		var sum float64
		for h := 1; h <= whole; h++ {
			sum += f.Daily(h)
		}
		if frac := days - float64(whole); frac > 0 {
			sum += frac * f.Daily(whole+1)
		}
		return sum
	}
	for _, f := range []inventory.Forecast{{Level: 5}, {Level: 5, Trend: 1.5}, {Level: 20, Trend: -3}, {Level: -4, Trend: 2}, {Level: 0, Trend: -1}} {
		for _, d := range []float64{0, 0.5, 1, 3, 7.25, 10, 30} {
			if got, want := f.Over(d), slow(f, d); math.Abs(got-want) > 1e-9*math.Max(1, want) {
				t.Errorf("%+v over %v = %v, want %v", f, d, got, want)
			}
		}
	}
	done := make(chan float64)
	go func() { done <- inventory.Forecast{Level: 1}.Over(1e15) }()
	select {
	case got := <-done:
		if got != 1e15 {
			t.Errorf("Over(1e15) = %v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Over(1e15) did not return: not closed form")
	}
}

// TestReorderPointRefusesWhatWouldWrap: a forecast of 1e300 a day used to
// give MinInt64.
func TestReorderPointRefusesWhatWouldWrap(t *testing.T) {
	for _, in := range []inventory.ReorderInput{
		{Forecast: inventory.Forecast{Level: 1e300}, LeadTimeDays: 7, ServiceLevel: 0.95},
		{Forecast: inventory.Forecast{Level: 1}, DemandStdDev: 1e300, LeadTimeDays: 7, ServiceLevel: 0.95},
		{Forecast: inventory.Forecast{Level: 1}, LeadTimeDays: 1e300, ServiceLevel: 0.95},
	} {
		plan, err := inventory.ReorderPoint(in)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("ReorderPoint(%+v) = %+v, %v; want a validation error", in, plan, err)
		}
	}
	plan, err := inventory.ReorderPoint(inventory.ReorderInput{Forecast: inventory.Forecast{Level: 1e9}, LeadTimeDays: 365, ServiceLevel: 0.99})
	if err != nil || plan.ReorderPoint < 365e9 {
		t.Errorf("large valid input: %+v, %v", plan, err)
	}
}

// TestForecastsOnExtremeFloats: Holt (and the others) on extreme but
// finite history return an error, never NaN or Inf.
func TestForecastsOnExtremeFloats(t *testing.T) {
	h := []float64{1e308, 0, 1e308, 0, 1e308}
	for name, run := range map[string]func() (inventory.Forecast, error){
		"holt":       func() (inventory.Forecast, error) { return inventory.Holt(h, 0.5, 0.5) },
		"holt small": func() (inventory.Forecast, error) { return inventory.Holt([]float64{0, math.MaxFloat64}, 1, 1) },
		"smoothing":  func() (inventory.Forecast, error) { return inventory.ExponentialSmoothing(h, 0.5) },
		"moving avg": func() (inventory.Forecast, error) { return inventory.MovingAverage(h, 5) },
	} {
		f, err := run()
		if err == nil && (math.IsNaN(f.Level) || math.IsNaN(f.Trend) || math.IsInf(f.Level, 0) || math.IsInf(f.Trend, 0)) {
			t.Errorf("%s: %+v without an error", name, f)
		}
		if err != nil && !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: error %v does not match oms.ErrValidation", name, err)
		}
	}
	if q, err := inventory.EOQ(math.MaxFloat64, math.MaxFloat64, 1); err == nil {
		t.Errorf("EOQ overflow: %v without an error", q)
	}
}

func preorderFixture(t *testing.T, limit int64, perLoc map[oms.ID]int64) *fixture {
	t.Helper()
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh1", "wh2", "wh3"}, []oms.SKU{"P"}, 0)
	it := inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder,
		Limit: limit, LocationLimits: perLoc, ExpectedAt: t0.Add(30 * 24 * time.Hour)}}
	if err := f.svc.PutItem(f.ctx, it); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) reserveErr(id oms.ID, loc oms.ID, q int64) error {
	_, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: id, Lines: []inventory.Line{{SKU: "P", Location: loc, Quantity: q}}})
	return err
}

// TestPreorderLimitIsSKUWide is issue 10 item 7: a preorder limit of 10 is
// 10 units for the SKU, not 10 per location; the channel and ATP say so.
func TestPreorderLimitIsSKUWide(t *testing.T) {
	f := preorderFixture(t, 10, nil)
	ca, err := f.svc.ChannelAvailability(f.ctx, "P", "web")
	if err != nil {
		t.Fatal(err)
	}
	if ca.Quantity != 10 {
		t.Errorf("channel advertises %d preorders, want 10", ca.Quantity)
	}
	atp, err := f.svc.ATP(f.ctx, "P", inventory.ATPQuery{Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(atp.Supplies); n != 1 || atp.Supplies[0].Quantity != 10 || atp.Supplies[0].Cumulative != 10 {
		t.Errorf("ATP supplies %+v, want one preorder supply of 10", atp.Supplies)
	}
	if err := f.reserveErr("a", "wh1", 6); err != nil {
		t.Fatal(err)
	}
	if err := f.reserveErr("b", "wh2", 6); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("6 more preorders at another location: got %v, want a shortage", err)
	}
	var se *inventory.ShortageError
	if err := f.reserveErr("b", "wh2", 6); errors.As(err, &se) && se.Lines[0].Available != 4 {
		t.Errorf("shortage says %d available, want 4", se.Lines[0].Available)
	}
	if err := f.reserveErr("c", "wh3", 4); err != nil {
		t.Fatal(err)
	}
	if err := f.reserveErr("d", "wh2", 1); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("an 11th preorder: got %v, want a shortage", err)
	}
	ca, _ = f.svc.ChannelAvailability(f.ctx, "P", "web")
	atp, _ = f.svc.ATP(f.ctx, "P", inventory.ATPQuery{Channel: "web"})
	if ca.Quantity != 0 || atp.Supplies[len(atp.Supplies)-1].Cumulative != 0 {
		t.Errorf("after 10 preorders: channel %d, ATP %+v; want 0 and 0", ca.Quantity, atp)
	}
	// Stock arriving at wh1 covers its preorders and frees the SKU-wide count.
	if _, err := f.svc.Receive(f.ctx, inventory.Receipt{SKU: "P", Location: "wh1", Quantity: 6}); err != nil {
		t.Fatal(err)
	}
	if err := f.reserveErr("e", "wh2", 6); err != nil {
		t.Errorf("preorders freed by a receipt: %v", err)
	}
	// Releasing frees them too.
	if _, err := f.svc.Release(f.ctx, inventory.ReleaseRequest{Key: "x", Reservation: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := f.reserveErr("g", "wh3", 4); err != nil {
		t.Errorf("preorders freed by a release: %v", err)
	}
	if err := f.reserveErr("h", "wh3", 1); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("past the limit again: got %v", err)
	}
	rep, _ := f.svc.Reconcile(f.ctx)
	if !rep.Clean() {
		t.Errorf("not clean: %+v", rep.Mismatches)
	}
}

// TestPreorderLimitPerLocationCap: LocationLimits caps each listed
// location, and a location not listed takes no preorders.
func TestPreorderLimitPerLocationCap(t *testing.T) {
	f := preorderFixture(t, 10, map[oms.ID]int64{"wh1": 3, "wh3": 20})
	ca, _ := f.svc.ChannelAvailability(f.ctx, "P", "web")
	if ca.Quantity != 10 {
		t.Errorf("channel = %d, want min(10, 3+0+20) = 10", ca.Quantity)
	}
	if err := f.reserveErr("a", "wh2", 1); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("preorder at a location without a cap: got %v, want a shortage", err)
	}
	if err := f.reserveErr("b", "wh1", 4); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("4 preorders at a location capped at 3: got %v", err)
	}
	if err := f.reserveErr("c", "wh1", 3); err != nil {
		t.Fatal(err)
	}
	if err := f.reserveErr("d", "wh3", 8); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("8 more (3+8 > 10): got %v", err)
	}
	if err := f.reserveErr("e", "wh3", 7); err != nil {
		t.Fatal(err)
	}
	atp, _ := f.svc.ATP(f.ctx, "P", inventory.ATPQuery{Location: "wh1"})
	if got := atp.Supplies[len(atp.Supplies)-1].Cumulative; got != 0 {
		t.Errorf("ATP at wh1 after its cap is used: %d, want 0", got)
	}
	for _, it := range []inventory.Item{
		{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 1, ExpectedAt: t0, LocationLimits: map[oms.ID]int64{"wh1": -1}}},
		{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderDeny, LocationLimits: map[oms.ID]int64{"wh1": 1}}},
		{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 1, ExpectedAt: t0, LocationLimits: map[oms.ID]int64{"bad id": 1}}},
	} {
		if err := f.svc.PutItem(f.ctx, it); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("PutItem(%+v): got %v, want a validation error", it.Backorder, err)
		}
	}
}

// TestSweepExpiredOverSeveralBatches is issue 10 item 23: with SweepBatch 2
// and 5 expired holds, one sweep returns all 5 and leaves nothing reserved.
func TestSweepExpiredOverSeveralBatches(t *testing.T) {
	f := newFixture(t)
	f.svc = inventory.NewService(f.store, &inventory.ServiceOptions{Clock: f.clock, SweepBatch: 2})
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	for i := range 5 {
		id := oms.ID("h" + string(rune('0'+i)))
		if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: id, HoldFor: time.Duration(i+1) * time.Minute,
			Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "later", HoldFor: time.Hour,
		Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	ids, err := f.svc.SweepExpired(f.ctx, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := []oms.ID{"h0", "h1", "h2", "h3", "h4"}; !slicesEqual(ids, want) {
		t.Errorf("swept %v, want %v", ids, want)
	}
	if lv, _ := f.svc.Level(f.ctx, "A", "wh"); lv.Reserved != 1 {
		t.Errorf("reserved %d after the sweep, want 1 (the later hold)", lv.Reserved)
	}
}

func slicesEqual(a, b []oms.ID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReconcileWithUntrackedLines is issue 10 item 24: a basket of a
// tracked and an untracked line reconciles clean, and Reconcile must not
// count the untracked line towards reserved.
func TestReconcileWithUntrackedLines(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"T"}, 10)
	if err := f.svc.PutItem(f.ctx, inventory.Item{SKU: "U"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: "b", Lines: []inventory.Line{
		{SKU: "T", Location: "wh", Quantity: 2}, {SKU: "U", Location: "wh", Quantity: 3}}}); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Reconcile(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() {
		t.Errorf("basket with an untracked line: %+v", rep.Mismatches)
	}
	// The pure function: the untracked line's 3 units are no reservation.
	snap, _ := f.store.Snapshot(f.ctx)
	snap.Levels = append(snap.Levels, inventory.Level{SKU: "U", Location: "wh"})
	if rep := inventory.Reconcile(snap); !rep.Clean() {
		t.Errorf("an untracked level of zero against an untracked line: %+v", rep.Mismatches)
	}
}

// TestSellableOnChannelBackorderedLocationDoesNotReduceOthers is issue 10
// item 25: a location backordered (reserved above on hand) beside one with
// stock leaves the other's stock sellable.
func TestSellableOnChannelBackorderedLocationDoesNotReduceOthers(t *testing.T) {
	it := inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}
	locs := []inventory.Location{{ID: "a", Active: true, Channels: []inventory.Channel{"web"}}, {ID: "b", Active: true, Channels: []inventory.Channel{"web"}}}
	levels := []inventory.Level{{SKU: "A", Location: "a", OnHand: 2, Reserved: 7}, {SKU: "A", Location: "b", OnHand: 5}}
	if got := inventory.SellableOnChannel(it, levels, locs, "web"); got.Quantity != 5 || !got.Unlimited {
		t.Errorf("got %+v, want 5 (and unlimited)", got)
	}
	it.Backorder = inventory.BackorderPolicy{}
	if got := inventory.SellableOnChannel(it, levels, locs, "web"); got.Quantity != 5 {
		t.Errorf("deny: got %d, want 5", got.Quantity)
	}
	if got := inventory.ComputeAvailability(it, levels, locs); got.Available != 5 {
		t.Errorf("availability: got %d, want 5", got.Available)
	}
}

// TestHoldExpiringExactlyNow: a hold whose expiry equals now is expired by
// the sweep (expiry "at or before now"), and one a nanosecond later is not.
func TestHoldExpiringExactlyNow(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	for id, d := range map[oms.ID]time.Duration{"now": time.Minute, "later": time.Minute + time.Nanosecond} {
		if _, err := f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: id, HoldFor: d, Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute)
	ids, err := f.svc.SweepExpired(f.ctx, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != "now" {
		t.Errorf("swept %v, want [now]", ids)
	}
	if r, _ := f.svc.Reservation(f.ctx, "now"); r.Status != inventory.StatusExpired {
		t.Errorf("status %s, want expired", r.Status)
	}
	if r, _ := f.svc.Reservation(f.ctx, "later"); r.Status != inventory.StatusActive {
		t.Errorf("later hold: status %s, want active", r.Status)
	}
	due, _ := f.store.Expired(f.ctx, f.clock.Now(), 10)
	if len(due) != 0 {
		t.Errorf("Expired after the sweep: %v", due)
	}
}

// TestLevelQuantitiesCannotWrap: reserving 2^50 units again and again
// under BackorderAllow stops at 2^62 reserved with a validation error
// instead of wrapping.
func TestLevelQuantitiesCannotWrap(t *testing.T) {
	f := newFixture(t)
	inventorytest.Stock(t, f.svc, []oms.ID{"wh"}, nil, 0)
	if err := f.svc.PutItem(f.ctx, inventory.Item{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}); err != nil {
		t.Fatal(err)
	}
	lines := make([]inventory.Line, 1000)
	for i := range lines {
		lines[i] = inventory.Line{SKU: "A", Location: "wh", Quantity: oms.MaxQuantity, Ref: "l" + strconv.Itoa(i)}
	}
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = f.svc.Reserve(f.ctx, inventory.ReserveRequest{ID: oms.ID("r" + strconv.Itoa(i)), Lines: lines})
	}
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("got %v, want a validation error before reserved wraps", err)
	}
	lv, _ := f.svc.Level(f.ctx, "A", "wh")
	if lv.Reserved <= 0 || lv.Reserved > 1<<62 {
		t.Errorf("reserved %d", lv.Reserved)
	}
	rep, _ := f.svc.Reconcile(f.ctx)
	if !rep.Clean() {
		t.Errorf("not clean: %+v", rep.Mismatches)
	}
}
