package inventory_test

// Hostile-input review (rev2) of package inventory through its public
// API: every test here failed before the fix named in its comment.

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TestLocationAndChannelTextRefusesInvalidUTF8NULAndHugeText: a location's
// name, calendar ID and channels, and an item's channel-buffer channels,
// were stored as given when they held invalid UTF-8, a NUL byte or a
// megabyte of text (only emptiness was checked), while references and
// notes refuse them: a channel of bad bytes then reached the
// channel-availability events as U+FFFD (encoding/json rewrites it), so
// the event named a channel no location has, and a PostgreSQL store
// refuses the NUL. PutLocation and PutItem refuse them now with a
// validation error naming the field, and change nothing.
func TestLocationAndChannelTextRefusesInvalidUTF8NULAndHugeText(t *testing.T) {
	b := newBB(t, nil)
	good := inventory.Location{ID: "wh", Name: "Main", Kind: inventory.KindWarehouse, Active: true,
		Channels: []inventory.Channel{"web"}, Ships: true, CalendarID: "cal-1"}
	if err := b.svc.PutLocation(b.ctx, good); err != nil {
		t.Fatal(err)
	}
	item := inventory.Item{SKU: "A", Tracked: true, ChannelBuffers: map[inventory.Channel]int64{"web": 1}}
	if err := b.svc.PutItem(b.ctx, item); err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("x", 1<<20)
	for _, bad := range []string{"we\xffb", "web\x00", "\xc3", huge} {
		cases := map[string]struct {
			field string
			loc   inventory.Location
		}{
			"name":     {"name", func() inventory.Location { l := good; l.Name = bad; return l }()},
			"calendar": {"calendar_id", func() inventory.Location { l := good; l.CalendarID = bad; return l }()},
			"channel": {"channels[1]", func() inventory.Location {
				l := good
				l.Channels = []inventory.Channel{"web", inventory.Channel(bad)}
				return l
			}()},
		}
		for name, c := range cases {
			err := b.svc.PutLocation(b.ctx, c.loc)
			var ve *oms.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, oms.ErrValidation) {
				t.Errorf("location %s %.20q: got %v, want a validation error", name, bad, err)
			} else if ve.Problems[0].Field != c.field {
				t.Errorf("location %s %.20q: problems %.200v, want field %s", name, bad, ve.Problems, c.field)
			}
			got, err := b.svc.Location(b.ctx, "wh")
			if err != nil || !cmp.Equal(got, good) {
				t.Errorf("refused location %s %.20q changed the stored one (%v)", name, bad, err)
			}
		}
		bi := item
		bi.ChannelBuffers = map[inventory.Channel]int64{inventory.Channel(bad): 2}
		if err := b.svc.PutItem(b.ctx, bi); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("item channel buffer %.20q: got %v, want a validation error", bad, err)
		}
		if got, err := b.svc.Item(b.ctx, "A"); err != nil || !cmp.Equal(got.ChannelBuffers, item.ChannelBuffers) {
			t.Errorf("refused item %.20q changed the stored one: buffers %.60v (%v)", bad, got.ChannelBuffers, err)
		}
	}
	// Text in any script is fine.
	l := good
	l.Name, l.Channels = "Lager Zürich – Nord", []inventory.Channel{"web", "boutique-zürich"}
	if err := b.svc.PutLocation(b.ctx, l); err != nil {
		t.Errorf("location with non-ASCII text: %v", err)
	}
}

// TestAvailabilityCountsADuplicatedLocationOnce: ComputeATP counts each
// location once however often locs lists it, but ComputeAvailability and
// SellableOnChannel added a listed-twice location's stock twice (and
// SellableOnChannel its preorder room twice): 10 units on hand were
// reported as 20 available and sellable, and the channel quantity no
// longer agreed with ATP's last cumulative. Each location counts once
// now, in all three.
func TestAvailabilityCountsADuplicatedLocationOnce(t *testing.T) {
	wh := inventory.Location{ID: "wh", Name: "wh", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{"web"}}
	levels := []inventory.Level{{SKU: "A", Location: "wh", OnHand: 10, Reserved: 2}}
	for _, it := range []inventory.Item{
		{SKU: "A", Tracked: true},
		{SKU: "A", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 5, ExpectedAt: bbT0.AddDate(0, 1, 0)}},
	} {
		once, twice := []inventory.Location{wh}, []inventory.Location{wh, wh}
		if a, b := inventory.ComputeAvailability(it, levels, once), inventory.ComputeAvailability(it, levels, twice); a.Available != b.Available || a.OnHand != b.OnHand || len(b.Locations) != 1 {
			t.Errorf("%s: availability with the location twice = %+v, once %+v", it.Backorder.Mode, b, a)
		}
		a, b := inventory.SellableOnChannel(it, levels, once, "web"), inventory.SellableOnChannel(it, levels, twice, "web")
		if a.Quantity != b.Quantity || len(b.Locations) != 1 {
			t.Errorf("%s: sellable with the location twice = %+v, once %+v", it.Backorder.Mode, b, a)
		}
		atp := inventory.ComputeATP(it, levels, twice, nil, inventory.ATPQuery{Channel: "web"}, bbT0)
		last := atp.Now
		if n := len(atp.Supplies); n > 0 {
			last = atp.Supplies[n-1].Cumulative
		}
		if last != b.Quantity {
			t.Errorf("%s: ATP's last cumulative %d, sellable %d", it.Backorder.Mode, last, b.Quantity)
		}
	}
}

// TestLocationTakesEveryOrderChannel: the channel bound must let a
// location serve every channel an order may name (64 characters, up to
// 256 bytes of UTF-8), or fulfillment would find no location for it.
func TestLocationTakesEveryOrderChannel(t *testing.T) {
	b := newBB(t, nil)
	ch := inventory.Channel(strings.Repeat("店", 64)) // 192 bytes
	l := inventory.Location{ID: "wh", Name: "Main", Kind: inventory.KindWarehouse, Active: true, Channels: []inventory.Channel{ch}}
	if err := b.svc.PutLocation(b.ctx, l); err != nil {
		t.Errorf("location with a 64-character channel: %v", err)
	}
}
