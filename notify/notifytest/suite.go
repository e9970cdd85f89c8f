// Package notifytest holds the conformance suite every notify.Store
// implementation runs against itself (TestStore), a recording Sender, and
// an events harness that builds the outbox events of order, tracking,
// fulfillment and returns for one order, as those packages save them
// (Script), for tests of code that consumes them.
//
// A database adapter runs the suite from its own tests:
//
//	func TestStore(t *testing.T) {
//		notifytest.TestStore(t, func(t *testing.T) notify.Store {
//			db := openTestDatabase(t) // a fresh schema per call
//			return pgnotify.New(db)
//		})
//	}
//
// The suite catches the usual mistakes of an adapter (its own tests show
// each broken store failing it): a claim made by a read then an insert, a
// claim that forgets its holder, a release that keeps the claim or frees
// another holder's or a sent one, a MarkSent that ignores the holder, a save that ignores the version it
// replaces, values shared with the caller, Due ignoring its cursor, limit
// or order.
package notifytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
)

// ClaimRounds and ClaimKeys size the concurrent claim check: ClaimRounds
// rounds in which 8 goroutines claim the same ClaimKeys new keys.
const (
	ClaimRounds = 20
	ClaimKeys   = 50
)

var base = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// TestStore runs the conformance suite against stores made by newStore,
// which must return a new, empty store on each call.
func TestStore(t *testing.T, newStore func(t *testing.T) notify.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("ProgressCreateGetUpdate", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Progress(ctx, "o1"); !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("Progress of a missing order: err = %v, want ErrNotFound", err)
		}
		p := sample("o1")
		if err := s.SaveProgress(ctx, p); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := s.Progress(ctx, "o1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("read back (-saved +got):\n%s", diff)
		}
		got.Version = 2
		got.Number = "1002"
		if err := s.SaveProgress(ctx, got); err != nil {
			t.Fatalf("update to version 2: %v", err)
		}
		again, err := s.Progress(ctx, "o1")
		if err != nil || again.Version != 2 || again.Number != "1002" {
			t.Fatalf("after the update: %+v, %v; want version 2, number 1002", again, err)
		}
	})

	t.Run("ProgressVersionChecks", func(t *testing.T) {
		s := newStore(t)
		if err := s.SaveProgress(ctx, sample("o1")); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveProgress(ctx, sample("o1")); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("second create: err = %v, want ErrConflict", err)
		}
		stale := sample("o1")
		stale.Version = 3 // replaces 2, but 1 is stored
		stale.Number = "stale"
		if err := s.SaveProgress(ctx, stale); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("stale save: err = %v, want ErrConflict", err)
		}
		missing := sample("o2")
		missing.Version = 2
		if err := s.SaveProgress(ctx, missing); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("update of a missing document: err = %v, want ErrNotFound", err)
		}
		for name, bad := range map[string]*notify.Progress{
			"nil": nil, "version 0": {ID: "o3"}, "negative version": {ID: "o3", Version: -1},
			"empty id": {Version: 1}, "id with a space": {ID: "o 3", Version: 1},
		} {
			if err := s.SaveProgress(ctx, bad); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("save %s: err = %v, want ErrValidation", name, err)
			}
		}
		got, err := s.Progress(ctx, "o1")
		if err != nil || got.Version != 1 || got.Number != "1001" {
			t.Errorf("refused saves changed the document: %+v, %v", got, err)
		}
		if _, err := s.Progress(ctx, "o2"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("a refused update created o2: %v", err)
		}
	})

	t.Run("ProgressCopies", func(t *testing.T) {
		s := newStore(t)
		p := sample("o1")
		if err := s.SaveProgress(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.Lines[0].Name = "changed after save"
		p.Pending[0].Details.Tracking[0].Number = "changed"
		got, _ := s.Progress(ctx, "o1")
		got.Lines[0].Name = "changed after read"
		got.Applied[0] = "changed"
		again, _ := s.Progress(ctx, "o1")
		if diff := cmp.Diff(sample("o1"), again); diff != "" {
			t.Errorf("store shares memory with callers (-want +got):\n%s", diff)
		}
	})

	t.Run("ConcurrentSaves", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		var created, updated atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p := sample("race")
				p.Number = fmt.Sprint(i)
				if err := s.SaveProgress(ctx, p); err == nil {
					created.Add(1)
				} else if !errors.Is(err, oms.ErrConflict) {
					t.Errorf("racing create: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if created.Load() != 1 {
			t.Fatalf("racing creates of one document: %d won, want exactly one winner", created.Load())
		}
		start = make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p := sample("race")
				p.Version = 2
				if err := s.SaveProgress(ctx, p); err == nil {
					updated.Add(1)
				} else if !errors.Is(err, oms.ErrConflict) {
					t.Errorf("racing update: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if updated.Load() != 1 {
			t.Fatalf("racing updates from version 1: %d won, want exactly one winner", updated.Load())
		}
	})

	t.Run("Due", func(t *testing.T) {
		s := newStore(t)
		for i, id := range []oms.ID{"d3", "d1", "d5", "d2", "d4", "never"} {
			p := &notify.Progress{ID: id, Version: 1}
			if id != "never" {
				p.DueAt = base.Add(time.Duration(i) * time.Minute)
			}
			if err := s.SaveProgress(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		// d3 at +0, d1 +1m, d5 +2m, d2 +3m, d4 +4m.
		got, err := s.Due(ctx, base.Add(3*time.Minute), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]oms.ID{"d1", "d2", "d3", "d5"}, got); diff != "" {
			t.Errorf("Due by +3m (-want +got):\n%s", diff)
		}
		var pages [][]oms.ID
		after := oms.ID("")
		for range 10 {
			page, err := s.Due(ctx, base.Add(time.Hour), after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			pages = append(pages, page)
			after = page[len(page)-1]
		}
		if diff := cmp.Diff([][]oms.ID{{"d1", "d2"}, {"d3", "d4"}, {"d5"}}, pages); diff != "" {
			t.Errorf("Due pages of 2 (-want +got):\n%s", diff)
		}
		// Clearing DueAt takes a document off the list.
		p, _ := s.Progress(ctx, "d1")
		p.Version, p.DueAt = 2, time.Time{}
		if err := s.SaveProgress(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Due(ctx, base.Add(time.Hour), "", 10)
		if diff := cmp.Diff([]oms.ID{"d2", "d3", "d4", "d5"}, got); diff != "" {
			t.Errorf("Due after clearing d1 (-want +got):\n%s", diff)
		}
		if _, err := s.Due(ctx, base, "", 0); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Due with limit 0: err = %v, want ErrValidation", err)
		}
	})

	t.Run("Preferences", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Preferences(ctx, "c1"); !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("missing preferences: err = %v, want ErrNotFound", err)
		}
		want := notify.Preferences{Locale: "de-CH", Channels: []notify.Channel{notify.ChannelEmail, notify.ChannelSMS},
			PerKind: map[notify.Kind][]notify.Channel{notify.KindDelivered: {}, notify.KindShipped: {notify.ChannelPush}},
			Email:   "a@example.com", Phone: "+41 79 000 00 00", PushToken: "tok", Name: "Anna"}
		in := want
		in.Channels = append([]notify.Channel(nil), want.Channels...)
		in.PerKind = map[notify.Kind][]notify.Channel{notify.KindDelivered: {}, notify.KindShipped: {notify.ChannelPush}}
		if err := s.SetPreferences(ctx, "c1", in); err != nil {
			t.Fatal(err)
		}
		in.Channels[0] = notify.ChannelPortal
		in.PerKind[notify.KindShipped][0] = notify.ChannelSMS
		got, err := s.Preferences(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("preferences read back (-want +got); store shares memory with callers?\n%s", diff)
		}
		if got.PerKind[notify.KindDelivered] == nil {
			t.Error("an empty channel list (a muted kind) came back as nil (no preference)")
		}
		got.Channels[0] = notify.ChannelPush
		again, _ := s.Preferences(ctx, "c1")
		if diff := cmp.Diff(want, again); diff != "" {
			t.Errorf("store shares memory with callers (-want +got):\n%s", diff)
		}
		if err := s.SetPreferences(ctx, "c1", notify.Preferences{Locale: "en"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Preferences(ctx, "c1"); got.Locale != "en" || got.Email != "" {
			t.Errorf("SetPreferences does not replace: %+v", got)
		}
	})

	t.Run("Claims", func(t *testing.T) {
		s := newStore(t)
		claim := func(key, token string) notify.Claim {
			t.Helper()
			c, err := s.Claim(ctx, key, token, base)
			if err != nil {
				t.Fatalf("Claim(%q, %q): %v", key, token, err)
			}
			return c
		}
		held := func(token string) notify.Claim {
			return notify.Claim{Token: token, State: notify.ClaimHeld, At: base}
		}
		sent := func(token string) notify.Claim {
			return notify.Claim{Token: token, State: notify.ClaimSent, At: base}
		}
		check := func(what string, want, got notify.Claim) {
			t.Helper()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", what, diff)
			}
		}
		check("first claim", held("t1"), claim("k1", "t1"))
		check("second claim, another token", held("t1"), claim("k1", "t2"))
		check("second claim, the same token", held("t1"), claim("k1", "t1"))
		if err := s.Release(ctx, "k1", "t2"); err != nil {
			t.Fatal(err)
		}
		check("claim after a release by a token that does not hold it", held("t1"), claim("k1", "t3"))
		if err := s.MarkSent(ctx, "k1", "t2"); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("MarkSent by a token that does not hold the claim: err = %v, want ErrConflict", err)
		}
		check("claim after a refused MarkSent", held("t1"), claim("k1", "t3"))
		if err := s.Release(ctx, "k1", "t1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, "k1", "t1"); err != nil {
			t.Errorf("second release: %v", err)
		}
		if err := s.Release(ctx, "never-claimed", "t1"); err != nil {
			t.Errorf("release of an unknown key: %v", err)
		}
		if err := s.MarkSent(ctx, "never-claimed", "t1"); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("MarkSent of an unknown key: err = %v, want ErrConflict", err)
		}
		if err := s.MarkSent(ctx, "k1", "t1"); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("MarkSent of a released claim: err = %v, want ErrConflict", err)
		}
		check("claim after release", held("t4"), claim("k1", "t4"))
		if err := s.MarkSent(ctx, "k1", "t4"); err != nil {
			t.Fatalf("MarkSent: %v", err)
		}
		if err := s.MarkSent(ctx, "k1", "t4"); err != nil {
			t.Errorf("MarkSent again: %v", err)
		}
		if err := s.Release(ctx, "k1", "t4"); err != nil {
			t.Fatal(err)
		}
		check("claim after a release of a sent claim", sent("t4"), claim("k1", "t5"))
		check("another key", held("t5"), claim("k2", "t5"))
		later, err := s.Claim(ctx, "k3", "t6", base.Add(90*time.Minute+time.Microsecond))
		if err != nil || !later.At.Equal(base.Add(90*time.Minute+time.Microsecond)) || later.Token != "t6" {
			t.Errorf("claim at a later time: %+v, %v", later, err)
		}
		for _, bad := range []struct{ key, token string }{
			{"", "t1"}, {"k1", ""}, {"k1", "has space"}, {"k1", "ctl\x00"}, {"k1", strings.Repeat("t", notify.MaxClaimToken+1)},
		} {
			if _, err := s.Claim(ctx, bad.key, bad.token, base); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Claim(%q, %q): err = %v, want ErrValidation", bad.key, bad.token, err)
			}
			if err := s.MarkSent(ctx, bad.key, bad.token); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("MarkSent(%q, %q): err = %v, want ErrValidation", bad.key, bad.token, err)
			}
			if err := s.Release(ctx, bad.key, bad.token); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("Release(%q, %q): err = %v, want ErrValidation", bad.key, bad.token, err)
			}
		}
		check("after refused calls", sent("t4"), claim("k1", "t7"))
		if _, err := s.Claim(ctx, "k-long-token", strings.Repeat("t", notify.MaxClaimToken), base); err != nil {
			t.Errorf("a token of MaxClaimToken bytes: %v", err)
		}
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		s := newStore(t)
		var bad []string
		for r := range ClaimRounds {
			var wins [ClaimKeys]atomic.Int64
			var holders [ClaimKeys]sync.Map
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					token := fmt.Sprintf("g%d", g)
					for k := range ClaimKeys {
						c, err := s.Claim(ctx, fmt.Sprintf("round-%d-key-%d", r, k), token, base)
						if err != nil {
							t.Errorf("claim: %v", err)
							return
						}
						if c.Token == token {
							wins[k].Add(1)
						}
						holders[k].Store(c.Token, true)
					}
				}()
			}
			close(start)
			wg.Wait()
			for k := range wins {
				n := 0
				holders[k].Range(func(any, any) bool { n++; return true })
				if w := wins[k].Load(); w != 1 || n != 1 {
					bad = append(bad, fmt.Sprintf("round-%d-key-%d: %d winners, %d holders seen", r, k, w, n))
				}
			}
		}
		if len(bad) > 0 {
			t.Fatalf("concurrent claims of one key must have exactly one winner; %d of %d keys did not: %v", len(bad), ClaimRounds*ClaimKeys, bad[:min(len(bad), 5)])
		}
	})

	t.Run("ConcurrentReleaseAndClaim", func(t *testing.T) {
		// A holder marks its message sent while late releases of the
		// same key (a retried release, another attempt's) race it: the
		// claim ends sent, by its holder, whatever the order.
		s := newStore(t)
		for r := range ClaimRounds {
			key := fmt.Sprintf("race-%d", r)
			if _, err := s.Claim(ctx, key, "holder", base); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = s.Release(ctx, key, fmt.Sprintf("other-%d", g))
				}()
			}
			if err := s.MarkSent(ctx, key, "holder"); err != nil {
				t.Fatalf("MarkSent while others release: %v", err)
			}
			wg.Wait()
			c, err := s.Claim(ctx, key, "late", base)
			if err != nil || c.Token != "holder" || c.State != notify.ClaimSent {
				t.Fatalf("after the race: %+v, %v; want sent by holder", c, err)
			}
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.SaveProgress(cctx, sample("c")); err == nil {
			t.Error("SaveProgress with a cancelled context succeeded")
		}
		if _, err := s.Progress(ctx, "c"); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("a save with a cancelled context stored the document: %v", err)
		}
		if _, err := s.Claim(cctx, "k", "t1", base); err == nil {
			t.Error("Claim with a cancelled context succeeded")
		}
		if c, _ := s.Claim(ctx, "k", "t2", base); c.Token != "t2" {
			t.Error("a claim with a cancelled context took the key")
		}
		if err := s.MarkSent(cctx, "k", "t2"); err == nil {
			t.Error("MarkSent with a cancelled context succeeded")
		}
		if err := s.Release(cctx, "k", "t2"); err == nil {
			t.Error("Release with a cancelled context succeeded")
		}
		if c, _ := s.Claim(ctx, "k", "t3", base); c.Token != "t2" || c.State != notify.ClaimHeld {
			t.Errorf("MarkSent or Release with a cancelled context changed the claim: %+v", c)
		}
		if _, err := s.Progress(cctx, "c"); err == nil {
			t.Error("Progress with a cancelled context succeeded")
		}
		if _, err := s.Due(cctx, base, "", 1); err == nil {
			t.Error("Due with a cancelled context succeeded")
		}
		if err := s.SetPreferences(cctx, "c1", notify.Preferences{}); err == nil {
			t.Error("SetPreferences with a cancelled context succeeded")
		}
	})
}

// sample returns a version-1 Progress with every kind of nested value.
func sample(id oms.ID) *notify.Progress {
	return &notify.Progress{
		ID: id, Version: 1, Number: "1001",
		Customer: notify.Contact{ID: "c1", Name: "Anna", Email: "anna@example.com"},
		Status:   "confirmed",
		Total:    oms.MustParseMoney("59.90 EUR"),
		Lines:    []notify.LineView{{LineID: "l1", SKU: "TEE-M", Name: "T-shirt", Quantity: 2, Total: oms.MustParseMoney("59.90 EUR")}},
		Shipments: []notify.ShipmentView{{ID: "s1", Carrier: "dhl", Status: notify.ShipmentShipped,
			Packages:  []notify.PackageView{{Index: 0, TrackingNumber: "T1", Timeline: []notify.TimelineEntry{{At: base, Status: "in_transit"}}}},
			ShippedAt: base}},
		Scopes:    []notify.ScopeState{{Scope: "order", Rank: 1, Kinds: []notify.Kind{notify.KindOrderConfirmed}}},
		Pending:   []notify.Milestone{{Kind: notify.KindShipped, Scope: "shipment:s1", At: base, Details: notify.Details{Tracking: []notify.TrackingLink{{Number: "T1"}}}}},
		DueAt:     base,
		Applied:   []oms.ID{"e1", "e2"},
		Counted:   []string{"order.shipped/k1"},
		UpdatedAt: base,
	}
}
