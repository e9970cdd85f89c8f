package inventory_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestSKUWideBackordersBeyondInt64DoNotWrapThePreorderCounter: a SKU that
// allows backorders may promise up to 2^62 units at each location; at
// three locations its backorders (3·2^62) passed the int64 range, and the
// memory store's per-SKU counter wrapped to a negative number. Once the
// SKU became a preorder with a small limit, the wrapped counter left
// "room" for 2^62 more backorders, so a reservation beyond the limit was
// accepted. A SKU's backorders across its locations are now bounded like
// a level's quantities (2^62): a reserve or a movement that would pass
// the bound is refused as a validation error and changes nothing, and the
// preorder limit holds.
func TestSKUWideBackordersBeyondInt64DoNotWrapThePreorderCounter(t *testing.T) {
	b := newBB(t, nil)
	it := inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}
	b.put(t, []oms.ID{"a", "b", "c", "d"}, it)
	n := 0
	fill := func(loc oms.ID, lines int) error {
		for left := lines; left > 0; {
			k := min(left, 1000)
			ls := make([]inventory.Line, k)
			for i := range ls {
				ls[i] = inventory.Line{SKU: "P", Location: loc, Quantity: oms.MaxQuantity, Ref: "r" + strconv.Itoa(left-i)}
			}
			n++
			if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: oms.ID("fill-" + strconv.Itoa(n)), Lines: ls}); err != nil {
				return err
			}
			left -= k
		}
		return nil
	}
	// 2^62 units backordered at b: 4096 lines of 2^50.
	if err := fill("b", 4096); err != nil {
		t.Fatal(err)
	}
	b.receive(t, "P", "a", 5)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "on-hand", Lines: []inventory.Line{{SKU: "P", Location: "a", Quantity: 5}}}); err != nil {
		t.Fatalf("reserving units on hand: %v", err)
	}
	snap, events := b.snapshot(t)
	for _, loc := range []oms.ID{"c", "d"} {
		if err := fill(loc, 4096); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("2^62 more backorders at %s: %v, want a validation error", loc, err)
		}
	}
	_, err := b.svc.Adjust(b.ctx, inventory.Adjustment{SKU: "P", Location: "a", Reason: inventory.ReasonLoss, Quantity: 1})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a loss raising the backorders past 2^62: %v, want a validation error", err)
	}
	b.unchanged(t, "refused backorders", snap, events)

	it.Backorder = inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: bbT0.Add(720 * time.Hour)}
	if err := b.svc.PutItem(b.ctx, it); err != nil {
		t.Fatal(err)
	}
	_, err = b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "beyond", Lines: []inventory.Line{{SKU: "P", Location: "d", Quantity: 10}}})
	if !errors.Is(err, oms.ErrInsufficientStock) {
		t.Errorf("a preorder of 10 when the limit of 10 is already exceeded: %v, want a shortage", err)
	}
	if lv := b.level(t, "P", "d"); lv.Reserved != 0 {
		t.Errorf("d reserved %d", lv.Reserved)
	}
	if rep, err := b.svc.Reconcile(b.ctx); err != nil || !rep.Clean() {
		t.Errorf("Reconcile: %+v %v", rep, err)
	}
}

// TestKeyedReceiptRepeatedAgainstAnotherDeliveryIsDuplicate: a receipt
// against delivery po1 under key K, then a receipt of the same quantity
// and reference against delivery po2 under the same key, was taken for a
// replay of the first: it returned po1's entry and received nothing,
// leaving po2 open while the caller believed it received. The key used
// for another delivery is an error matching oms.ErrDuplicate and changes
// nothing; the true replay still returns the first entry.
func TestKeyedReceiptRepeatedAgainstAnotherDeliveryIsDuplicate(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	for _, id := range []oms.ID{"po1", "po2"} {
		if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: id, SKU: "A", Location: "wh", Quantity: 5}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := b.svc.Receive(b.ctx, inventory.Receipt{InboundID: "po1", Quantity: 5, Reference: "DN-7", Key: "K"})
	if err != nil {
		t.Fatal(err)
	}
	if first.InboundID != "po1" {
		t.Errorf("entry InboundID = %q, want po1", first.InboundID)
	}
	snap, events := b.snapshot(t)
	_, err = b.svc.Receive(b.ctx, inventory.Receipt{InboundID: "po2", Quantity: 5, Reference: "DN-7", Key: "K"})
	if !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("key K again against po2: %v, want a duplicate", err)
	}
	b.unchanged(t, "key K against po2", snap, events)
	again, err := b.svc.Receive(b.ctx, inventory.Receipt{InboundID: "po1", Quantity: 5, Reference: "DN-7", Key: "K"})
	if err != nil {
		t.Fatalf("replay against po1: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay (-first +replay):\n%s", diff)
	}
	b.unchanged(t, "replay against po1", snap, events)
}

// TestChannelAvailabilityAndATPRefuseChannelsNoLocationCanServe: asked
// for a channel that is not UTF-8, holds a NUL or is longer than a
// channel may be, ChannelAvailability and ATP answered zero, as for a
// channel that merely sells nothing, hiding the caller's bug; ATP also
// looked up a location ID with a space in the store. They are validation
// errors naming the field now.
func TestChannelAvailabilityAndATPRefuseChannelsNoLocationCanServe(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	for _, ch := range []inventory.Channel{"\x00", "web\xff", inventory.Channel(strings.Repeat("w", 257))} {
		if _, err := b.svc.ChannelAvailability(b.ctx, "A", ch); !errors.Is(err, oms.ErrValidation) || !strings.Contains(err.Error(), "channel") {
			t.Errorf("ChannelAvailability(%.12q) = %v, want a validation error on channel", ch, err)
		}
		if _, err := b.svc.ATP(b.ctx, "A", inventory.ATPQuery{Channel: ch}); !errors.Is(err, oms.ErrValidation) || !strings.Contains(err.Error(), "channel") {
			t.Errorf("ATP(channel %.12q) = %v, want a validation error on channel", ch, err)
		}
	}
	if _, err := b.svc.ATP(b.ctx, "A", inventory.ATPQuery{Location: "has space"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("ATP(location %q) = %v, want a validation error", "has space", err)
	}
	ca, err := b.svc.ChannelAvailability(b.ctx, "A", "web")
	if err != nil || ca.Quantity != 5 {
		t.Errorf("ChannelAvailability(web) = %+v, %v; want 5", ca, err)
	}
}

// TestSyncPublishesAPreorderSKUWhenALocationWithoutItsLevelChanges: a
// preorder SKU may take preorders at a location where it has no level
// yet (up to the location's cap). Adding such a location to a channel
// (or dropping it) changes what the channel may sell, but the store
// reported only SKUs with levels at a changed location, so Sync published
// nothing and the channel kept the old quantity: it undersold after an
// opening and oversold after a closing. Sync publishes the new quantity.
func TestSyncPublishesAPreorderSKUWhenALocationWithoutItsLevelChanges(t *testing.T) {
	b := newBB(t, nil)
	it := inventory.Item{SKU: "P", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10,
		LocationLimits: map[oms.ID]int64{"a": 3, "b": 5}, ExpectedAt: bbT0.Add(720 * time.Hour)}}
	b.put(t, []oms.ID{"a"}, it)
	b.receive(t, "P", "a", 2)
	if _, err := b.svc.Sync(b.ctx); err != nil {
		t.Fatal(err)
	}
	published := func() int64 {
		t.Helper()
		_, marks, err := b.store.SyncState(b.ctx, []oms.SKU{"P"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range marks {
			if m.Channel == "web" {
				return m.Quantity
			}
		}
		t.Fatal("no mark for P on web")
		return 0
	}
	b0 := inventory.Location{ID: "b", Name: "b", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{"web"}}
	for _, step := range []struct {
		name string
		loc  inventory.Location
		want int64
	}{
		{"opening b", b0, 10},
		{"closing b", func() inventory.Location { l := b0; l.Active = false; return l }(), 5},
	} {
		if err := b.svc.PutLocation(b.ctx, step.loc); err != nil {
			t.Fatal(err)
		}
		ca, err := b.svc.ChannelAvailability(b.ctx, "P", "web")
		if err != nil || ca.Quantity != step.want {
			t.Fatalf("%s: ChannelAvailability = %+v, %v; want %d", step.name, ca, err, step.want)
		}
		if _, err := b.svc.Sync(b.ctx); err != nil {
			t.Fatal(err)
		}
		if got := published(); got != step.want {
			t.Errorf("%s: sync published %d for P on web, want %d", step.name, got, step.want)
		}
	}
}

// TestReceiptAgainstADeliveryNamingOnlyItsSKUOrOnlyItsLocation: a receipt
// against a delivery may leave SKU and Location empty and, when it sets
// them, they must match the delivery; but one that set only the SKU (to
// make sure of what it receives) was refused for an empty location, and
// one that set only the location for an empty SKU. Each is checked on its
// own now; a mismatch or a malformed one is still refused.
func TestReceiptAgainstADeliveryNamingOnlyItsSKUOrOnlyItsLocation(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	if _, err := b.svc.Expect(b.ctx, inventory.Expectation{ID: "po1", SKU: "A", Location: "wh", Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	for _, rc := range []inventory.Receipt{
		{InboundID: "po1", SKU: "A", Quantity: 2},
		{InboundID: "po1", Location: "wh", Quantity: 2},
	} {
		if _, err := b.svc.Receive(b.ctx, rc); err != nil {
			t.Errorf("Receive(%+v): %v", rc, err)
		}
	}
	snap, events := b.snapshot(t)
	for _, rc := range []inventory.Receipt{
		{InboundID: "po1", SKU: "B", Quantity: 1},
		{InboundID: "po1", Location: "other", Quantity: 1},
		{InboundID: "po1", SKU: "A\x00", Quantity: 1},
		{InboundID: "po1", Location: "has space", Quantity: 1},
	} {
		if _, err := b.svc.Receive(b.ctx, rc); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Receive(%+q): %v, want a validation error", rc, err)
		}
	}
	b.unchanged(t, "mismatched receipts", snap, events)
	if lv := b.level(t, "A", "wh"); lv.OnHand != 4 || lv.Incoming != 1 {
		t.Errorf("level %+v, want 4 on hand and 1 incoming", lv)
	}
}

// TestInboundsListUndatedDeliveriesBeforeOnesDatedInYear0: Inbounds lists
// undated deliveries (a zero ExpectedAt) first, then by date; but a
// delivery dated in year 0, which validation accepts, sorted before the
// zero time (year 1) and so before the undated ones. Undated ones come
// first whatever the dates.
func TestInboundsListUndatedDeliveriesBeforeOnesDatedInYear0(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	for _, e := range []inventory.Expectation{
		{ID: "dated-9999", ExpectedAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{ID: "dated-0", ExpectedAt: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "undated"},
		{ID: "dated-1", ExpectedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
	} {
		e.SKU, e.Location, e.Quantity = "A", "wh", 1
		if _, err := b.svc.Expect(b.ctx, e); err != nil {
			t.Fatalf("Expect(%s): %v", e.ID, err)
		}
	}
	ins, err := b.svc.Inbounds(b.ctx, inventory.InboundFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []oms.ID
	for _, in := range ins {
		got = append(got, in.ID)
	}
	if diff := cmp.Diff([]oms.ID{"undated", "dated-0", "dated-1", "dated-9999"}, got); diff != "" {
		t.Errorf("Inbounds order (-want +got):\n%s", diff)
	}
}

// TestItemJSONKeepsAnEmptyLocationLimitsMap: a preorder whose
// LocationLimits is an empty map lets no location take preorders, while a
// nil map lets every location take up to Limit; but the empty map was
// left out of the JSON (omitempty) and came back nil, so an item sent over
// the wire or kept as a JSON document by a host's store took preorders
// everywhere. An empty map (and an empty ChannelBuffers) survives a round
// trip; a nil one is still left out.
func TestItemJSONKeepsAnEmptyLocationLimitsMap(t *testing.T) {
	it := inventory.Item{SKU: "P", Tracked: true, ChannelBuffers: map[inventory.Channel]int64{},
		Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 10, LocationLimits: map[oms.ID]int64{}, ExpectedAt: bbT0}}
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	var back inventory.Item
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(it, back); diff != "" {
		t.Errorf("round trip of %s (-in +out):\n%s", b, diff)
	}
	if n, limited := back.Backorder.Allowance("wh"); n != 0 || !limited {
		t.Errorf("after the round trip Allowance(wh) = %d, %v; want 0, true", n, limited)
	}
	it.ChannelBuffers, it.Backorder.LocationLimits = nil, nil
	if b, err := json.Marshal(it); err != nil || strings.Contains(string(b), "location_limits") || strings.Contains(string(b), "channel_buffers") {
		t.Errorf("nil maps: %s %v, want them left out", b, err)
	}
}

// TestCommitAndReleaseRequestsWithEmptyLinesStayRefusedThroughJSON: nil
// lines commit (or release) every outstanding unit, while an empty list
// is refused; but the JSON of a request left an empty list out
// (omitempty), so a request with no lines, sent through a queue or an
// HTTP API, came back nil and shipped or released the whole reservation.
// The empty list survives the round trip and is still refused; nil is
// still left out.
func TestCommitAndReleaseRequestsWithEmptyLinesStayRefusedThroughJSON(t *testing.T) {
	b := newBB(t, nil)
	b.put(t, []oms.ID{"wh"}, inventory.Item{SKU: "A", Tracked: true})
	b.receive(t, "A", "wh", 5)
	if _, err := b.svc.Reserve(b.ctx, inventory.ReserveRequest{ID: "r", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 3}}}); err != nil {
		t.Fatal(err)
	}
	snap, events := b.snapshot(t)
	var commit inventory.CommitRequest
	if raw, err := json.Marshal(inventory.CommitRequest{Key: "parcel-1", Reservation: "r", Lines: []inventory.Line{}}); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(raw, &commit); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Commit(b.ctx, commit); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("commit with empty lines after JSON: %v, want a validation error", err)
	}
	var release inventory.ReleaseRequest
	if raw, err := json.Marshal(inventory.ReleaseRequest{Key: "rel-1", Reservation: "r", Lines: []inventory.Line{}}); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(raw, &release); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Release(b.ctx, release); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("release with empty lines after JSON: %v, want a validation error", err)
	}
	b.unchanged(t, "requests with empty lines", snap, events)
	for _, v := range []any{inventory.CommitRequest{Key: "k", Reservation: "r"}, inventory.ReleaseRequest{Key: "k", Reservation: "r"}} {
		if raw, err := json.Marshal(v); err != nil || strings.Contains(string(raw), "lines") {
			t.Errorf("nil lines: %s %v, want them left out", raw, err)
		}
	}
}
