package trackingtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// Harness is what the conformance suite needs from a Store
// implementation, after go-cloud's drivertest: a fresh store per subtest,
// and the outbox events that store saved. Events is not optional: a store
// that cannot hand back what it saved cannot be shown to save it atomically
// with its trackers, and the suite fails it.
type Harness interface {
	// MakeStore returns a new, empty store (a fresh schema or database for
	// an SQL store), cleaned up by t.Cleanup.
	MakeStore(t *testing.T) tracking.Store
	// Events returns every outbox event s has saved, in the order saved
	// (published ones included).
	Events(t *testing.T, s tracking.Store) []oms.Event
}

// OutboxHarness is the Harness of stores that save their events in an
// *oms.MemoryOutbox they return from an Outbox method, as
// tracking.MemoryStore and wrappers embedding it do.
type OutboxHarness struct {
	// New makes a fresh store; nil means tracking.NewMemoryStore(nil).
	New func(t *testing.T) tracking.Store
}

// MakeStore implements Harness.
func (h OutboxHarness) MakeStore(t *testing.T) tracking.Store {
	if h.New == nil {
		return tracking.NewMemoryStore(nil)
	}
	return h.New(t)
}

// Events implements Harness; it fails t when s has no Outbox method.
func (h OutboxHarness) Events(t *testing.T, s tracking.Store) []oms.Event {
	t.Helper()
	ob, ok := s.(interface{ Outbox() *oms.MemoryOutbox })
	if !ok {
		t.Fatalf("store %T has no Outbox() *oms.MemoryOutbox: the suite cannot read the events it saved", s)
	}
	return ob.Outbox().Events("")
}

// TestStore runs the conformance suite against the stores h makes, one
// fresh store per subtest. It checks, after every kind of write, the
// events the store saved: exactly those of each successful Save, in order,
// and none after a refused one or any other write.
func TestStore(t *testing.T, h Harness) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	mk := func(carrier, number string) *tracking.Tracker {
		tr := tracking.NewTracker(tracking.NewKey(carrier, number), base)
		tr.ShipmentRef = oms.ID("shp-" + number)
		tr.Version = 1
		return tr
	}
	seq := 0
	event := func(tr *tracking.Tracker, typ string) oms.Event {
		seq++
		e, err := oms.NewEvent(typ, tracking.AggregateKind, tr.ID, tr.Version, base.Add(time.Duration(seq)*time.Second),
			tracking.RegisteredPayload{Snapshot: tr.Snapshot()})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// saved checks that the store's events are exactly want, in order.
	saved := func(t *testing.T, s tracking.Store, what string, want []oms.Event) {
		t.Helper()
		checkEvents(t, what, want, h.Events(t, s))
	}

	t.Run("GetMissing", func(t *testing.T) {
		s := h.MakeStore(t)
		_, err := s.Get(ctx, tracking.NewKey("ups", "1Z1"))
		if !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
		}
		saved(t, s, "after a Get", nil)
	})

	t.Run("CreateGetRoundTrip", func(t *testing.T) {
		s := h.MakeStore(t)
		tr := mk("ups", "1Z1")
		tr.OrderRef, tr.CustomerID, tr.TrackingURL = "ord-1", "cust-1", "https://example.com/1Z1"
		tr.PromisedBy, tr.DestinationZone = oms.NewDate(2026, 3, 4), "America/New_York"
		tr.EstimatedDelivery, tr.EstimateAsOf = oms.NewDate(2026, 3, 3), base
		tr.NextPollAt, tr.PollFailures = base.Add(time.Hour), 2
		tr.Apply(tracking.Event{Time: base, Status: tracking.StatusInTransit, RawCode: "IT", RawText: "Departed", Location: "Köln, DE", Source: "poll"})
		tr.Alerts = []tracking.Alert{{ID: "a", Kind: tracking.AlertStalled, Reason: tracking.ReasonNoScan, Status: tracking.StatusInTransit, Since: base, At: base}}
		evs := []oms.Event{event(tr, tracking.EventRegistered), event(tr, tracking.EventStatusChanged)}
		if err := s.Save(ctx, tr, evs); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, tr.Key())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tr, got); diff != "" {
			t.Fatalf("round trip (-saved +got):\n%s", diff)
		}
		saved(t, s, "after a create with two events", evs)
	})

	t.Run("CopiesInAndOut", func(t *testing.T) {
		s := h.MakeStore(t)
		tr := mk("ups", "1Z1")
		tr.Apply(tracking.Event{Time: base, Status: tracking.StatusInTransit, RawCode: "IT"})
		tr.Alerts = []tracking.Alert{{ID: "a", Kind: tracking.AlertStalled}}
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		tr.Events[0].RawText = "mutated after save"
		tr.Alerts[0].ID = "mutated after save"
		got, _ := s.Get(ctx, tr.Key())
		got.Events[0].RawText = "mutated after get"
		got.Alerts[0].ID = "mutated after get"
		again, _ := s.Get(ctx, tr.Key())
		if again.Events[0].RawText != "" || again.Alerts[0].ID != "a" {
			t.Fatalf("store shares memory with callers: text %q, alert %q", again.Events[0].RawText, again.Alerts[0].ID)
		}
		listed, _ := s.List(ctx, tracking.Filter{})
		listed[0].Events[0].RawText = "mutated after list"
		again, _ = s.Get(ctx, tr.Key())
		if again.Events[0].RawText != "" {
			t.Fatalf("List shares memory with callers: text %q", again.Events[0].RawText)
		}
		saved(t, s, "after a save without events", nil)
	})

	t.Run("VersionChecksAndEvents", func(t *testing.T) {
		s := h.MakeStore(t)
		tr := mk("dhl", "42")
		first := []oms.Event{event(tr, tracking.EventRegistered)}
		if err := s.Save(ctx, tr, first); err != nil {
			t.Fatal(err)
		}
		want := append([]oms.Event(nil), first...)
		saved(t, s, "after the create", want)
		if err := s.Save(ctx, tr, []oms.Event{event(tr, tracking.EventRegistered)}); !errors.Is(err, oms.ErrConflict) {
			t.Fatalf("second create: err = %v, want ErrConflict", err)
		}
		saved(t, s, "after a refused second create", want)
		stale := tr.Clone()
		tr.Version = 2
		tr.ShipmentRef = "v2"
		second := []oms.Event{event(tr, tracking.EventStatusChanged), event(tr, tracking.EventEstimateChanged)}
		if err := s.Save(ctx, tr, second); err != nil {
			t.Fatal(err)
		}
		want = append(want, second...)
		saved(t, s, "after an update with two events", want)
		// A stale write that trips no other guard: same version number as
		// the stored one, other content.
		stale.Version = 2
		stale.ShipmentRef = "lost race"
		if err := s.Save(ctx, stale, []oms.Event{event(stale, tracking.EventStatusChanged)}); !errors.Is(err, oms.ErrConflict) {
			t.Fatalf("stale save: err = %v, want ErrConflict", err)
		}
		// A write that skips a version.
		skip := tr.Clone()
		skip.Version = 4
		if err := s.Save(ctx, skip, []oms.Event{event(skip, tracking.EventStatusChanged)}); !errors.Is(err, oms.ErrConflict) {
			t.Fatalf("save of version 4 over 2: err = %v, want ErrConflict", err)
		}
		got, _ := s.Get(ctx, tr.Key())
		if got.ShipmentRef != "v2" || got.Version != 2 {
			t.Fatalf("after refused saves: ref %q version %d, want v2 and 2", got.ShipmentRef, got.Version)
		}
		ghost := mk("dhl", "missing")
		ghost.Version = 5
		if err := s.Save(ctx, ghost, []oms.Event{event(ghost, tracking.EventStatusChanged)}); !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("update of missing: err = %v, want ErrNotFound", err)
		}
		bad := mk("", "")
		if err := s.Save(ctx, bad, []oms.Event{event(bad, tracking.EventRegistered)}); !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("save without key: err = %v, want ErrValidation", err)
		}
		zero := mk("dhl", "zero")
		zero.Version = 0
		if err := s.Save(ctx, zero, []oms.Event{event(zero, tracking.EventRegistered)}); !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("save version 0: err = %v, want ErrValidation", err)
		}
		if err := s.Save(ctx, nil, nil); !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("save nil: err = %v, want ErrValidation", err)
		}
		if _, err := s.Get(ctx, ghost.Key()); !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("a refused update created %s: %v", ghost.Key(), err)
		}
		saved(t, s, "after refused saves", want)
		// Other writes save no events.
		if _, err := s.AddOrphans(ctx, tracking.Orphan{Key: tracking.NewKey("dhl", "O"), Event: tracking.Event{Time: base, RawCode: "X"}.Normalize(), Cause: tracking.OrphanUnknownTracker, ReceivedAt: base}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOrphans(ctx, tracking.NewKey("dhl", "O")); err != nil {
			t.Fatal(err)
		}
		saved(t, s, "after orphan writes", want)
	})

	t.Run("List", func(t *testing.T) {
		s := h.MakeStore(t)
		a, b, c := mk("ups", "B"), mk("ups", "A"), mk("fedex", "C")
		b.NextPollAt = base.Add(time.Hour)
		c.Apply(tracking.Event{Time: base, Status: tracking.StatusDelivered})
		for _, tr := range []*tracking.Tracker{a, b, c} {
			if err := s.Save(ctx, tr, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name string
			f    tracking.Filter
			want []string
		}{
			{"all", tracking.Filter{}, []string{"fedex/C", "ups/A", "ups/B"}},
			{"open", tracking.Filter{Open: true}, []string{"ups/A", "ups/B"}},
			{"due", tracking.Filter{Open: true, PollDueBy: base}, []string{"ups/B"}},
			{"due later", tracking.Filter{Open: true, PollDueBy: base.Add(time.Hour)}, []string{"ups/A", "ups/B"}},
			{"limit", tracking.Filter{Limit: 2}, []string{"fedex/C", "ups/A"}},
			{"after", tracking.Filter{After: tracking.NewKey("fedex", "C")}, []string{"ups/A", "ups/B"}},
			{"after a missing key", tracking.Filter{After: tracking.NewKey("ups", "0")}, []string{"ups/A", "ups/B"}},
			{"after, open, limit", tracking.Filter{Open: true, After: tracking.NewKey("fedex", "Z"), Limit: 1}, []string{"ups/A"}},
			{"after the last", tracking.Filter{After: tracking.NewKey("ups", "B")}, nil},
		} {
			if diff := cmp.Diff(tc.want, listKeys(t, s, tc.f)); diff != "" {
				t.Errorf("List %s (-want +got):\n%s", tc.name, diff)
			}
		}
	})

	t.Run("ListPagesWhileDataChanges", func(t *testing.T) {
		// Keyset paging: a tracker created before the cursor, one created
		// ahead of it and one closed ahead of it between pages make no page
		// repeat or skip a tracker open throughout.
		s := h.MakeStore(t)
		for i := 0; i < 20; i++ {
			if err := s.Save(ctx, mk("ups", fmt.Sprintf("N%02d", i*2)), nil); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		var after tracking.Key
		for page := 0; ; page++ {
			if page > 30 {
				t.Fatalf("paging does not end: %v", got)
			}
			ts, err := s.List(ctx, tracking.Filter{Open: true, After: after, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range ts {
				got = append(got, tr.TrackingNumber)
				after = tr.Key()
			}
			if page == 0 {
				// Before the cursor (N08): N01; ahead: N15; closed ahead: N20.
				for _, n := range []string{"N01", "N15"} {
					if err := s.Save(ctx, mk("ups", n), nil); err != nil {
						t.Fatal(err)
					}
				}
				closed, err := s.Get(ctx, tracking.NewKey("ups", "N20"))
				if err != nil {
					t.Fatal(err)
				}
				closed.Version++
				closed.Apply(tracking.Event{Time: base, Status: tracking.StatusDelivered, RawCode: "DL"})
				if err := s.Save(ctx, closed, nil); err != nil {
					t.Fatal(err)
				}
			}
			if len(ts) < 5 {
				break
			}
		}
		var want []string
		for i := 0; i < 20; i++ {
			if n := fmt.Sprintf("N%02d", i*2); n != "N20" {
				want = append(want, n)
			}
			if i == 7 {
				want = append(want, "N15")
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("pages (-want +got):\n%s", diff)
		}
	})

	t.Run("Orphans", func(t *testing.T) {
		s := h.MakeStore(t)
		k1, k2 := tracking.NewKey("ups", "O1"), tracking.NewKey("usps", "O2")
		e1 := tracking.Event{Time: base.Add(time.Hour), Status: tracking.StatusInTransit, RawCode: "X"}.Normalize()
		e2 := tracking.Event{Time: base, Status: tracking.StatusPreTransit, RawCode: "Y"}.Normalize()
		o := func(k tracking.Key, e tracking.Event) tracking.Orphan {
			return tracking.Orphan{Key: k, Event: e, Cause: tracking.OrphanUnknownTracker, ReceivedAt: base}
		}
		n, err := s.AddOrphans(ctx, o(k1, e1), o(k1, e2), o(k2, e1))
		if err != nil || n != 3 {
			t.Fatalf("AddOrphans = %d, %v; want 3", n, err)
		}
		n, err = s.AddOrphans(ctx, o(k1, e1))
		if err != nil || n != 0 {
			t.Fatalf("AddOrphans duplicate = %d, %v; want 0", n, err)
		}
		got, err := s.Orphans(ctx, k1)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Event.ID != e2.ID || got[1].Event.ID != e1.ID {
			t.Fatalf("Orphans(k1) = %+v, want e2 then e1", got)
		}
		all, _ := s.Orphans(ctx, tracking.Key{})
		if len(all) != 3 {
			t.Fatalf("Orphans(all) has %d, want 3", len(all))
		}
		if err := s.DeleteOrphans(ctx, k1, e2.ID, "unknown-id"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Orphans(ctx, k1)
		if len(got) != 1 || got[0].Event.ID != e1.ID {
			t.Fatalf("after delete: %+v, want only e1", got)
		}
		if err := s.DeleteOrphans(ctx, k1, e1.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Orphans(ctx, k1)
		if len(got) != 0 {
			t.Fatalf("after deleting all: %d orphans", len(got))
		}
		saved(t, s, "after orphan writes", nil)
	})

	t.Run("PruneOrphans", func(t *testing.T) {
		s := h.MakeStore(t)
		ev := func(code string) tracking.Event {
			return tracking.Event{Time: base, Status: tracking.StatusInTransit, RawCode: code}.Normalize()
		}
		// Five orphans received an hour apart, on three keys.
		keys := []tracking.Key{tracking.NewKey("ups", "P1"), tracking.NewKey("dhl", "P2"), tracking.NewKey("ups", "P1"), tracking.NewKey("fedex", "P3"), tracking.NewKey("dhl", "P2")}
		for i, k := range keys {
			o := tracking.Orphan{Key: k, Event: ev(fmt.Sprintf("C%d", i)), Cause: tracking.OrphanUnknownTracker, ReceivedAt: base.Add(time.Duration(i) * time.Hour)}
			if _, err := s.AddOrphans(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		left := func() []string {
			t.Helper()
			all, err := s.Orphans(ctx, tracking.Key{})
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, o := range all {
				codes = append(codes, o.Event.RawCode)
			}
			sort.Strings(codes)
			return codes
		}
		if _, err := s.PruneOrphans(ctx, base.Add(10*time.Hour), 0); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("PruneOrphans with limit 0: err = %v, want ErrValidation", err)
		}
		// Before 3h: C0, C1 and C2 are older; a limit of 2 takes the two
		// received first.
		if n, err := s.PruneOrphans(ctx, base.Add(3*time.Hour), 2); err != nil || n != 2 {
			t.Fatalf("PruneOrphans(before 3h, limit 2) = %d, %v; want 2", n, err)
		}
		if diff := cmp.Diff([]string{"C2", "C3", "C4"}, left()); diff != "" {
			t.Errorf("after pruning the two received first (-want +got):\n%s", diff)
		}
		// ReceivedAt equal to before is kept.
		if n, err := s.PruneOrphans(ctx, base.Add(3*time.Hour), 10); err != nil || n != 1 {
			t.Fatalf("PruneOrphans(before 3h) = %d, %v; want 1 (C2: one received at the cut-off is kept)", n, err)
		}
		if diff := cmp.Diff([]string{"C3", "C4"}, left()); diff != "" {
			t.Errorf("an orphan received at the cut-off was pruned, or an older one kept (-want +got):\n%s", diff)
		}
		if n, err := s.PruneOrphans(ctx, base, 10); err != nil || n != 0 {
			t.Errorf("PruneOrphans before every orphan = %d, %v; want 0", n, err)
		}
		saved(t, s, "after pruning orphans", nil)
	})

	t.Run("ConcurrentSaves", func(t *testing.T) {
		s := h.MakeStore(t)
		tr := mk("ups", "RACE")
		if err := s.Save(ctx, tr, []oms.Event{event(tr, tracking.EventRegistered)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var savedN atomic.Int64
		start := make(chan struct{})
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				for j := 0; j < 20; j++ {
					cur, err := s.Get(ctx, tr.Key())
					if err != nil {
						t.Error(err)
						return
					}
					cur.Version++
					cur.Apply(tracking.Event{Time: base.Add(time.Duration(i*100+j) * time.Minute), Status: tracking.StatusInTransit, RawCode: fmt.Sprint(i, j)})
					e, err := oms.NewEvent(tracking.EventStatusChanged, tracking.AggregateKind, cur.ID, cur.Version, base, nil)
					if err != nil {
						t.Error(err)
						return
					}
					err = s.Save(ctx, cur, []oms.Event{e})
					switch {
					case err == nil:
						savedN.Add(1)
					case !errors.Is(err, oms.ErrConflict):
						t.Error(err)
						return
					}
				}
			}(i)
		}
		close(start)
		wg.Wait()
		got, _ := s.Get(ctx, tr.Key())
		if got.Version != 1+savedN.Load() {
			t.Fatalf("version %d after %d successful saves, want %d", got.Version, savedN.Load(), 1+savedN.Load())
		}
		if int64(len(got.Events)) != got.Version-1 {
			t.Fatalf("%d events at version %d: a lost update", len(got.Events), got.Version)
		}
		evs := h.Events(t, s)
		if int64(len(evs)) != got.Version {
			t.Fatalf("%d outbox events after %d successful saves: each save's events are saved with it, and only then", len(evs), got.Version)
		}
		for i, e := range evs {
			if e.AggregateVersion != int64(i+1) {
				t.Fatalf("event %d has version %d: the outbox and the trackers disagree", i, e.AggregateVersion)
			}
		}
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		s := h.MakeStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Get(cctx, tracking.NewKey("ups", "1")); err == nil {
			t.Error("Get with a cancelled context succeeded")
		}
		tr := mk("ups", "1")
		if err := s.Save(cctx, tr, []oms.Event{event(tr, tracking.EventRegistered)}); err == nil {
			t.Error("Save with a cancelled context succeeded")
		}
		if _, err := s.List(cctx, tracking.Filter{}); err == nil {
			t.Error("List with a cancelled context succeeded")
		}
		if _, err := s.Get(ctx, tr.Key()); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("a cancelled Save created the tracker: %v", err)
		}
		saved(t, s, "after a cancelled save", nil)
	})
}

func listKeys(t *testing.T, s tracking.Store, f tracking.Filter) []string {
	t.Helper()
	ts, err := s.List(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tr := range ts {
		out = append(out, tr.Key().String())
	}
	return out
}

// checkEvents compares saved events with the ones given to Save: same IDs,
// types, aggregates and versions in the same order, the same time to the
// microsecond (what SQL timestamps keep) and equal JSON payloads (a jsonb
// column may reorder keys).
func checkEvents(t *testing.T, what string, want, got []oms.Event) {
	t.Helper()
	type ev struct {
		ID, Type, Kind string
		Aggregate      oms.ID
		Version        int64
		Time           time.Time
		Payload        any
	}
	norm := func(es []oms.Event) []ev {
		var out []ev
		for _, e := range es {
			var p any
			if len(e.Payload) > 0 {
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					t.Fatalf("%s: event %s payload %q is not JSON: %v", what, e.ID, e.Payload, err)
				}
			}
			out = append(out, ev{string(e.ID), e.Type, e.AggregateKind, e.AggregateID, e.AggregateVersion, e.Time.UTC().Truncate(time.Microsecond), p})
		}
		return out
	}
	if diff := cmp.Diff(norm(want), norm(got)); diff != "" {
		t.Fatalf("saved events %s (-want +got):\n%s", what, diff)
	}
}
