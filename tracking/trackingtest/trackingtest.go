// Package trackingtest holds the conformance suite every tracking.Store
// implementation runs (TestStore) and fakes for tests of code that uses
// package tracking: a scripted Source, a recording Notifier and a map of
// customers.
package trackingtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestStore runs the conformance suite against stores made by newStore,
// one fresh store per subtest.
func TestStore(t *testing.T, newStore func(t *testing.T) tracking.Store) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	mk := func(carrier, number string) *tracking.Tracker {
		tr := tracking.NewTracker(tracking.NewKey(carrier, number), base)
		tr.ShipmentRef = oms.ID("shp-" + number)
		tr.Version = 1
		return tr
	}

	t.Run("GetMissing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(ctx, tracking.NewKey("ups", "1Z1"))
		if !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("CreateGetRoundTrip", func(t *testing.T) {
		s := newStore(t)
		tr := mk("ups", "1Z1")
		tr.PromisedBy = oms.NewDate(2026, 3, 4)
		tr.DestinationZone = "America/New_York"
		tr.Apply(tracking.Event{Time: base, Status: tracking.StatusInTransit, RawCode: "IT", RawText: "Departed"})
		tr.Alerts = []tracking.Alert{{ID: "a", Kind: tracking.AlertStalled, Reason: tracking.ReasonNoScan, Status: tracking.StatusInTransit, Since: base, At: base}}
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, tr.Key())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tr, got); diff != "" {
			t.Fatalf("round trip (-saved +got):\n%s", diff)
		}
	})

	t.Run("CopiesInAndOut", func(t *testing.T) {
		s := newStore(t)
		tr := mk("ups", "1Z1")
		tr.Apply(tracking.Event{Time: base, Status: tracking.StatusInTransit, RawCode: "IT"})
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		tr.Events[0].RawText = "mutated after save"
		got, _ := s.Get(ctx, tr.Key())
		got.Events[0].RawText = "mutated after get"
		again, _ := s.Get(ctx, tr.Key())
		if again.Events[0].RawText != "" {
			t.Fatalf("store shares memory with callers: text %q", again.Events[0].RawText)
		}
	})

	t.Run("VersionChecks", func(t *testing.T) {
		s := newStore(t)
		tr := mk("dhl", "42")
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, tr, nil); !errors.Is(err, oms.ErrConflict) {
			t.Fatalf("second create: err = %v, want ErrConflict", err)
		}
		stale := tr.Clone()
		tr.Version = 2
		tr.ShipmentRef = "v2"
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		stale.Version = 2
		stale.ShipmentRef = "lost race"
		if err := s.Save(ctx, stale, nil); !errors.Is(err, oms.ErrConflict) {
			t.Fatalf("stale save: err = %v, want ErrConflict", err)
		}
		got, _ := s.Get(ctx, tr.Key())
		if got.ShipmentRef != "v2" || got.Version != 2 {
			t.Fatalf("after refused save: ref %q version %d, want v2 and 2", got.ShipmentRef, got.Version)
		}
		ghost := mk("dhl", "missing")
		ghost.Version = 5
		if err := s.Save(ctx, ghost, nil); !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("update of missing: err = %v, want ErrNotFound", err)
		}
		bad := mk("", "")
		if err := s.Save(ctx, bad, nil); !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("save without key: err = %v, want ErrValidation", err)
		}
		zero := mk("dhl", "zero")
		zero.Version = 0
		if err := s.Save(ctx, zero, nil); !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("save version 0: err = %v, want ErrValidation", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		a, b, c := mk("ups", "B"), mk("ups", "A"), mk("fedex", "C")
		b.NextPollAt = base.Add(time.Hour)
		c.Apply(tracking.Event{Time: base, Status: tracking.StatusDelivered})
		for _, tr := range []*tracking.Tracker{a, b, c} {
			if err := s.Save(ctx, tr, nil); err != nil {
				t.Fatal(err)
			}
		}
		keys := func(f tracking.Filter) []string {
			ts, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tr := range ts {
				out = append(out, tr.Key().String())
			}
			return out
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
		} {
			if diff := cmp.Diff(tc.want, keys(tc.f)); diff != "" {
				t.Errorf("List %s (-want +got):\n%s", tc.name, diff)
			}
		}
	})

	t.Run("Orphans", func(t *testing.T) {
		s := newStore(t)
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
	})

	t.Run("ClaimNotification", func(t *testing.T) {
		s := newStore(t)
		ok, err := s.ClaimNotification(ctx, "k1", base)
		if err != nil || !ok {
			t.Fatalf("first claim = %v, %v", ok, err)
		}
		ok, err = s.ClaimNotification(ctx, "k1", base)
		if err != nil || ok {
			t.Fatalf("second claim = %v, %v; want false", ok, err)
		}
		if err := s.ReleaseNotification(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseNotification(ctx, "never-claimed"); err != nil {
			t.Fatal(err)
		}
		ok, err = s.ClaimNotification(ctx, "k1", base)
		if err != nil || !ok {
			t.Fatalf("claim after release = %v, %v", ok, err)
		}
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 8; k++ {
					ok, err := s.ClaimNotification(ctx, fmt.Sprintf("key-%d", k), base)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						wins.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 8 {
			t.Fatalf("%d claims won for 8 keys", wins.Load())
		}
	})

	t.Run("ConcurrentSaves", func(t *testing.T) {
		s := newStore(t)
		tr := mk("ups", "RACE")
		if err := s.Save(ctx, tr, nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var saved atomic.Int64
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for j := 0; j < 20; j++ {
					cur, err := s.Get(ctx, tr.Key())
					if err != nil {
						t.Error(err)
						return
					}
					cur.Version++
					cur.Apply(tracking.Event{Time: base.Add(time.Duration(i*100+j) * time.Minute), Status: tracking.StatusInTransit, RawCode: fmt.Sprint(i, j)})
					err = s.Save(ctx, cur, nil)
					switch {
					case err == nil:
						saved.Add(1)
					case !errors.Is(err, oms.ErrConflict):
						t.Error(err)
						return
					}
				}
			}(i)
		}
		wg.Wait()
		got, _ := s.Get(ctx, tr.Key())
		if got.Version != 1+saved.Load() {
			t.Fatalf("version %d after %d successful saves, want %d", got.Version, saved.Load(), 1+saved.Load())
		}
		if int64(len(got.Events)) != got.Version-1 {
			t.Fatalf("%d events at version %d: a lost update", len(got.Events), got.Version)
		}
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Get(cctx, tracking.NewKey("ups", "1")); err == nil {
			t.Error("Get with a cancelled context succeeded")
		}
		if err := s.Save(cctx, mk("ups", "1"), nil); err == nil {
			t.Error("Save with a cancelled context succeeded")
		}
		if _, err := s.ClaimNotification(cctx, "k", base); err == nil {
			t.Error("ClaimNotification with a cancelled context succeeded")
		}
	})
}

// Source is a scripted tracking.Source: it returns the update or error set
// for a number and counts the calls. It is safe for concurrent use.
type Source struct {
	mu      sync.Mutex
	updates map[string]tracking.Update
	errs    map[string]error
	calls   map[string]int
}

var _ tracking.Source = (*Source)(nil)

// NewSource returns an empty source; unknown numbers return ErrNotFound.
func NewSource() *Source {
	return &Source{updates: map[string]tracking.Update{}, errs: map[string]error{}, calls: map[string]int{}}
}

// Set makes Track return u for its tracking number (and no error).
func (s *Source) Set(u tracking.Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tracking.NewKey(u.Carrier, u.TrackingNumber).TrackingNumber
	s.updates[k] = u
	delete(s.errs, k)
}

// Fail makes Track return err for number.
func (s *Source) Fail(number string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[tracking.NewKey("", number).TrackingNumber] = err
}

// Calls returns how many times number was tracked.
func (s *Source) Calls(number string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[tracking.NewKey("", number).TrackingNumber]
}

// Track implements tracking.Source.
func (s *Source) Track(ctx context.Context, carrier, number string) (tracking.Update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tracking.NewKey(carrier, number).TrackingNumber
	s.calls[k]++
	if err, ok := s.errs[k]; ok {
		return tracking.Update{}, err
	}
	u, ok := s.updates[k]
	if !ok {
		return tracking.Update{}, oms.NotFoundError("tracking number", number)
	}
	u.Events = append([]tracking.Event(nil), u.Events...)
	return u, nil
}

// Notifier records the messages it is asked to send; it can be told to
// fail. It is safe for concurrent use.
type Notifier struct {
	mu   sync.Mutex
	sent []tracking.Message
	fail error
}

var _ tracking.Notifier = (*Notifier)(nil)

// Send implements tracking.Notifier.
func (n *Notifier) Send(ctx context.Context, m tracking.Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.sent = append(n.sent, m)
	return nil
}

// FailWith makes Send return err (nil to succeed again).
func (n *Notifier) FailWith(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fail = err
}

// Sent returns the messages sent so far, in order.
func (n *Notifier) Sent() []tracking.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]tracking.Message(nil), n.sent...)
}

// Customers is a tracking.CustomerSource over a fixed set.
type Customers map[oms.ID]tracking.Customer

// Customer implements tracking.CustomerSource.
func (c Customers) Customer(ctx context.Context, id oms.ID) (tracking.Customer, error) {
	cu, ok := c[id]
	if !ok {
		return tracking.Customer{}, oms.NotFoundError("customer", string(id))
	}
	return cu, nil
}
