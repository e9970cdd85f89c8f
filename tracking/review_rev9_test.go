package tracking_test

// Review (rev9) of package tracking through its public API: every test
// here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestCarrierWithSlashIsRefused: Key.ID derives the aggregate ID from
// "carrier/number", so the keys ups/1 + 2 and ups + 1/2 (both accepted)
// had one aggregate ID: two trackers' outbox events interleaved under one
// aggregate, with clashing versions, for the relay and every consumer
// that orders or de-duplicates per aggregate. A carrier with a "/" is now
// refused by Register and Apply with a validation error naming the
// carrier, and nothing changes; the number may still hold one.
func TestCarrierWithSlashIsRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a, b := tracking.NewKey("ups/1", "2"), tracking.NewKey("ups", "1/2")
	if a.ID() != b.ID() {
		t.Fatalf("the premise changed: %s and %s have different IDs", a, b)
	}
	if err := a.Validate(); !errors.Is(err, oms.ErrValidation) || !strings.Contains(err.Error(), "carrier") {
		t.Errorf("Validate(%s) = %v, want a validation error naming the carrier", a, err)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("Validate(%s) = %v, want nil", b, err)
	}
	before := state(t, f.store)
	_, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups/1", TrackingNumber: "2", ShipmentRef: "shp-1"})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Register ups/1 + 2: err = %v, want ErrValidation", err)
	}
	_, err = f.svc.Apply(ctx, tracking.Update{Carrier: "ups/1", TrackingNumber: "2",
		Events: []tracking.Event{{Time: f.clock.Now().Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Apply ups/1 + 2: err = %v, want ErrValidation", err)
	}
	if after := state(t, f.store); after != before {
		t.Errorf("refused commands changed the store:\n before %s\n after  %s", before, after)
	}
	if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1/2", ShipmentRef: "shp-2"}); err != nil {
		t.Errorf("Register ups + 1/2: %v", err)
	}
}

// failNthAddOrphans fails its n-th AddOrphans call (counting from 1),
// once, before writing anything.
type failNthAddOrphans struct {
	tracking.Store
	n, calls int
}

func (s *failNthAddOrphans) AddOrphans(ctx context.Context, o ...tracking.Orphan) (int, error) {
	s.calls++
	if s.calls == s.n {
		return 0, errors.New("store down")
	}
	return s.Store.AddOrphans(ctx, o...)
}

// TestEventQuarantinedEarlyIsAppliedWhenItComesAgainInTime: a scan sent
// before the clock reached it (further ahead than MaxFutureSkew) is
// quarantined. When the carrier sent it again in time, for a number not
// registered yet, the store skipped it as an orphan already held (same
// key and event ID, but quarantined), Apply counted it a duplicate, and
// Register adopted only unknown-tracker orphans: the delivery was lost for
// good. The event is now moved from quarantine to the number's orphans
// and applied on Register, also when the store fails once in between and
// the update is retried.
func TestEventQuarantinedEarlyIsAppliedWhenItComesAgainInTime(t *testing.T) {
	for _, failAt := range []int{0, 3, 4} { // 0: no failure; 3: the first orphan write in time; 4: the write after the move's delete
		ctx := context.Background()
		clock := oms.NewManualClock(t0)
		mem := tracking.NewMemoryStore(nil)
		store := &failNthAddOrphans{Store: mem, n: failAt}
		svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
		u := tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", Events: []tracking.Event{
			{Time: t0.Add(72 * time.Hour), Status: tracking.StatusDelivered, RawCode: "D"}}}
		res, err := svc.Apply(ctx, u)
		if err != nil || res.Quarantined != 1 {
			t.Fatalf("early scan: %+v, %v; want it quarantined", res, err)
		}
		clock.Advance(73 * time.Hour)
		res, err = svc.Apply(ctx, u)
		if failAt != 0 {
			if err == nil {
				t.Fatalf("fail at %d: the store's failure was not returned", failAt)
			}
			res, err = svc.Apply(ctx, u) // the provider retries
		}
		if err != nil || res.Orphaned != 1 || res.Duplicates != 0 {
			t.Errorf("fail at %d: scan in time for an unregistered number: %+v, %v; want 1 orphaned", failAt, res, err)
		}
		tr, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "shp-1"})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Status != tracking.StatusDelivered || len(tr.Events) != 1 {
			t.Errorf("fail at %d: after Register: status %s with %d events, want delivered with 1", failAt, tr.Status, len(tr.Events))
		}
		if left, _ := mem.Orphans(ctx, tracking.Key{}); len(left) != 0 {
			t.Errorf("fail at %d: %d orphans left after Register, want 0: %+v", failAt, len(left), left)
		}
	}
}

// TestAdoptionKeepsAnOrphanItCannotApplyYet: two services over one store,
// one allowing scans a week ahead of its clock (MaxFutureSkew), the other
// the default 48 hours. A scan 72 hours ahead, for a number not yet
// registered, was recorded as an orphan by the first; Register on the
// second applied the orphans, which quarantined that scan (too far ahead
// for it), the store skipped the quarantine as an orphan already held,
// and adoption then deleted every orphan it had read: the delivery was
// gone. Adoption now deletes only the orphans the tracker holds; the scan
// stays an orphan and a later Register (a replay) applies it once it is
// in time, once.
func TestAdoptionKeepsAnOrphanItCannotApplyYet(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(t0)
	store := tracking.NewMemoryStore(nil)
	wide := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock, MaxFutureSkew: 7 * 24 * time.Hour})
	narrow := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	u := tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", Events: []tracking.Event{
		{Time: t0.Add(-time.Hour), Status: tracking.StatusInTransit, RawCode: "IT"},
		{Time: t0.Add(72 * time.Hour), Status: tracking.StatusDelivered, RawCode: "D"}}}
	if res, err := wide.Apply(ctx, u); err != nil || res.Orphaned != 2 {
		t.Fatalf("Apply on the wide service: %+v, %v; want 2 orphaned", res, err)
	}
	reg := tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "shp-1"}
	tr, err := narrow.Register(ctx, reg)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != tracking.StatusInTransit || len(tr.Events) != 1 {
		t.Errorf("after Register: status %s with %d events, want in_transit with 1", tr.Status, len(tr.Events))
	}
	left, _ := store.Orphans(ctx, tracking.Key{})
	if len(left) != 1 || left[0].Event.Status != tracking.StatusDelivered || left[0].Cause != tracking.OrphanUnknownTracker {
		t.Fatalf("orphans after Register = %+v, want the delivered scan kept as an unknown-tracker orphan", left)
	}
	clock.Advance(72 * time.Hour)
	if tr, err = narrow.Register(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if tr.Status != tracking.StatusDelivered || len(tr.Events) != 2 {
		t.Errorf("after the replayed Register: status %s with %d events, want delivered with 2", tr.Status, len(tr.Events))
	}
	if left, _ := store.Orphans(ctx, tracking.Key{}); len(left) != 0 {
		t.Errorf("orphans after the replayed Register = %+v, want none", left)
	}
}

// TestPollerBacksOffAtAClockReadingTheZeroTime: PollDue listed the
// trackers due by the clock's time, and a zero Filter.PollDueBy means no
// filter: at a clock reading the zero time every tracker was polled on
// every pass, its back-off ignored. The poller now honours NextPollAt at
// the zero time too.
func TestPollerBacksOffAtAClockReadingTheZeroTime(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Time{})
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "shp-1"}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	p, err := tracking.NewPoller(svc, &tracking.PollerOptions{MinBackoff: time.Minute, Sources: map[string]tracking.Source{
		"": tracking.SourceFunc(func(ctx context.Context, c, n string) (tracking.Update, error) {
			calls++
			return tracking.Update{}, errors.New("carrier down")
		})}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := p.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("three passes at the zero time asked the source %d times, want 1 (then backed off a minute)", calls)
	}
	clock.Advance(time.Minute)
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("after the back-off the source was asked %d times in all, want 2", calls)
	}
}

// TestApplyQuarantinesEventsAfterYear9999: with the clock in the last
// two days of year 9999, a scan dated in year 10000 is within
// MaxFutureSkew. Apply took it, then failed to encode the status change's
// outbox payload (JSON times end with year 9999) and returned an error
// that is not a validation error: the webhook answered 500 for ever and
// PollDue stopped at the tracker on every pass. Such a scan is now
// quarantined like one dated before year 1, and the tracker is unchanged.
func TestApplyQuarantinesEventsAfterYear9999(t *testing.T) {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC))
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "shp-1"}); err != nil {
		t.Fatal(err)
	}
	before := state(t, store)
	res, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", Events: []tracking.Event{
		{Time: time.Date(10000, 1, 1, 1, 0, 0, 0, time.UTC), Status: tracking.StatusDelivered, RawCode: "D"}}})
	if err != nil || res.Quarantined != 1 || res.Applied != 0 {
		t.Fatalf("Apply of a scan in year 10000: %+v, %v; want it quarantined", res, err)
	}
	tr, err := svc.Get(ctx, "ups", "1Z1")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != tracking.StatusPreTransit || len(tr.Events) != 0 {
		t.Errorf("tracker after the quarantine: status %s with %d events, want pre_transit with none", tr.Status, len(tr.Events))
	}
	if got := len(store.Outbox().Events("")); got != 1 {
		t.Errorf("outbox holds %d events, want only the registration (state before: %s)", got, before)
	}
	res, err = svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", Events: []tracking.Event{
		{Time: time.Date(9999, 12, 31, 11, 0, 0, 0, time.UTC), Status: tracking.StatusDelivered, RawCode: "D"}}})
	if err != nil || res.Applied != 1 || res.Status != tracking.StatusDelivered {
		t.Errorf("Apply of a scan at the end of year 9999: %+v, %v; want it applied", res, err)
	}
}
