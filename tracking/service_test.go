package tracking_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

type fixture struct {
	clock *oms.ManualClock
	store *tracking.MemoryStore
	svc   *tracking.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := oms.NewManualClock(t0)
	store := tracking.NewMemoryStore(nil)
	return &fixture{clock: clock, store: store, svc: tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})}
}

func (f *fixture) register(t *testing.T, number string) *tracking.Tracker {
	t.Helper()
	tr, err := f.svc.Register(context.Background(), tracking.Registration{
		Carrier: "ups", TrackingNumber: number, ShipmentRef: oms.ID("shp-" + number),
		OrderRef: oms.ID("ord-" + number), CustomerID: "cust-1", TrackingURL: "https://example.com/t/" + number,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func eventTypes(ob *oms.MemoryOutbox) []string {
	var out []string
	for _, e := range ob.Events("") {
		out = append(out, e.Type)
	}
	return out
}

func TestRegister(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tr := f.register(t, "1Z1")
	if tr.Version != 1 || tr.ShipmentRef != "shp-1Z1" || tr.Status != tracking.StatusPreTransit || tr.ID != tracking.NewKey("ups", "1Z1").ID() {
		t.Fatalf("registered: %+v", tr)
	}
	again := f.register(t, "1Z1")
	if diff := cmp.Diff(tr, again); diff != "" {
		t.Fatalf("replayed Register changed the tracker:\n%s", diff)
	}
	_, err := f.svc.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "1Z1", ShipmentRef: "other"})
	if !errors.Is(err, oms.ErrDuplicate) {
		t.Fatalf("other shipment: %v", err)
	}
	_, err = f.svc.Register(ctx, tracking.Registration{TrackingURL: "bad\x00url"})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("carrier") || !ve.Has("tracking_number") || !ve.Has("shipment_ref") || !ve.Has("tracking_url") {
		t.Fatalf("bad registration: %v", err)
	}
	if got := eventTypes(f.store.Outbox()); !cmp.Equal(got, []string{tracking.EventRegistered}) {
		t.Fatalf("outbox %v", got)
	}
	if f.svc.Store() != tracking.Store(f.store) || f.svc.Clock() != oms.Clock(f.clock) {
		t.Fatal("accessors")
	}
	got, err := f.svc.Get(ctx, "UPS", "1z1")
	if err != nil || got.Version != 1 {
		t.Fatalf("Get: %v %v", got, err)
	}
}

func TestApplyUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "1Z1")
	u := tracking.Update{Carrier: "UPS", TrackingNumber: "1z1", EstimatedDelivery: oms.DateOf(t0.Add(48 * time.Hour)), Events: []tracking.Event{
		ev(1, tracking.StatusInTransit, "OR"), ev(0, tracking.StatusPreTransit, "MP"),
	}}
	res, err := f.svc.Apply(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	want := tracking.Result{Key: tracking.NewKey("ups", "1Z1"), Applied: 2, Status: tracking.StatusInTransit, StatusChanged: true}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Fatalf("result (-want +got):\n%s", diff)
	}
	tr, _ := f.svc.Get(ctx, "ups", "1Z1")
	if tr.Version != 2 || tr.EstimatedDelivery != oms.DateOf(t0.Add(48*time.Hour)) || len(tr.Events) != 2 {
		t.Fatalf("tracker %+v", tr)
	}
	if got := eventTypes(f.store.Outbox()); !cmp.Equal(got, []string{tracking.EventRegistered, tracking.EventStatusChanged, tracking.EventEstimateChanged}) {
		t.Fatalf("outbox %v", got)
	}
	var sc tracking.StatusChangedPayload
	if err := f.store.Outbox().Events("")[1].Decode(&sc); err != nil {
		t.Fatal(err)
	}
	if sc.From != tracking.StatusPreTransit || sc.Status != tracking.StatusInTransit || sc.RawCode != "OR" || sc.CustomerID != "cust-1" {
		t.Fatalf("status change payload %+v", sc)
	}

	// The same update again is a duplicate and writes nothing.
	res, err = f.svc.Apply(ctx, u)
	if err != nil || res.Duplicates != 2 || res.Applied != 0 || res.StatusChanged {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if again, _ := f.svc.Get(ctx, "ups", "1Z1"); again.Version != 2 {
		t.Fatalf("replay bumped the version to %d", again.Version)
	}

	// An older estimate (older information) does not replace a newer one.
	old := tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", EstimatedDelivery: oms.DateOf(t0.Add(24 * time.Hour)), Events: []tracking.Event{ev(0, tracking.StatusPreTransit, "MP")}}
	if _, err := f.svc.Apply(ctx, old); err != nil {
		t.Fatal(err)
	}
	if tr, _ := f.svc.Get(ctx, "ups", "1Z1"); tr.EstimatedDelivery != oms.DateOf(t0.Add(48*time.Hour)) {
		t.Fatalf("estimate regressed to %v", tr.EstimatedDelivery)
	}
	// A newer scan with a new estimate moves it.
	newer := tracking.Update{Carrier: "ups", TrackingNumber: "1Z1", EstimatedDelivery: oms.DateOf(t0.Add(72 * time.Hour)), Events: []tracking.Event{ev(3, tracking.StatusInTransit, "AR")}}
	if res, err := f.svc.Apply(ctx, newer); err != nil || res.StatusChanged {
		t.Fatalf("newer: %+v %v", res, err)
	}
	if tr, _ := f.svc.Get(ctx, "ups", "1Z1"); tr.EstimatedDelivery != oms.DateOf(t0.Add(72*time.Hour)) {
		t.Fatalf("estimate %v", tr.EstimatedDelivery)
	}

	// Bad key: validation error, nothing recorded.
	if _, err := f.svc.Apply(ctx, tracking.Update{Carrier: "", TrackingNumber: "x"}); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("bad key: %v", err)
	}
}

func TestOrphansAndQuarantine(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	u := tracking.Update{Carrier: "ups", TrackingNumber: "LATE", EstimatedDelivery: oms.DateOf(t0.Add(96 * time.Hour)), Events: []tracking.Event{
		ev(1, tracking.StatusInTransit, "OR"),
		ev(2, tracking.StatusOutForDelivery, "OFD"),
		{Time: t0.AddDate(5, 0, 0), Status: tracking.StatusDelivered, RawCode: "DL"}, // far future
		{Status: tracking.StatusDelivered, RawCode: "NOTIME"},                        // no time
	}}
	res, err := f.svc.Apply(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if res.Orphaned != 2 || res.Quarantined != 2 || res.Status != "" {
		t.Fatalf("result %+v", res)
	}
	res, _ = f.svc.Apply(ctx, u)
	if res.Orphaned != 0 || res.Duplicates != 2 {
		t.Fatalf("replayed orphans: %+v", res)
	}
	orphans, _ := f.store.Orphans(ctx, tracking.NewKey("ups", "LATE"))
	if len(orphans) != 4 {
		t.Fatalf("%d orphans, want 4", len(orphans))
	}
	if len(f.store.Outbox().Events("")) != 0 {
		t.Fatal("orphans wrote outbox events")
	}

	// Registering adopts the unknown-tracker orphans, not the quarantined.
	tr := f.register(t, "LATE")
	if tr.Status != tracking.StatusOutForDelivery || len(tr.Events) != 2 || tr.EstimatedDelivery != oms.DateOf(t0.Add(96*time.Hour)) {
		t.Fatalf("after adoption: %s, %d events, est %v", tr.Status, len(tr.Events), tr.EstimatedDelivery)
	}
	orphans, _ = f.store.Orphans(ctx, tracking.NewKey("ups", "LATE"))
	if len(orphans) != 2 {
		t.Fatalf("%d orphans left, want the 2 quarantined", len(orphans))
	}
	for _, o := range orphans {
		if o.Cause != tracking.OrphanFutureTime {
			t.Fatalf("left orphan cause %q", o.Cause)
		}
	}
	// Replaying Register adopts nothing more.
	if again := f.register(t, "LATE"); again.Version != tr.Version {
		t.Fatalf("version %d → %d", tr.Version, again.Version)
	}
}

func TestConcurrentApplies(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "RACE")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				_, err := f.svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "RACE", Events: []tracking.Event{
					{Time: t0.Add(time.Duration(i*10+j) * time.Minute), Status: tracking.StatusInTransit, RawCode: "IT"}, ev(0, tracking.StatusPreTransit, "MP")}})
				if err != nil {
					t.Error(err)
				}
			}
		}(i)
	}
	wg.Wait()
	tr, _ := f.svc.Get(ctx, "ups", "RACE")
	if len(tr.Events) != 81 {
		t.Fatalf("%d events, want 81 (no lost updates)", len(tr.Events))
	}
}

type failingStore struct {
	tracking.Store
	getErr, saveErr, orphanErr error
	conflicts                  int
}

func (s *failingStore) Get(ctx context.Context, k tracking.Key) (*tracking.Tracker, error) {
	if s.getErr != nil {
		return nil, s.getErr
	}
	return s.Store.Get(ctx, k)
}

func (s *failingStore) Save(ctx context.Context, t *tracking.Tracker, evs []oms.Event) error {
	if s.conflicts > 0 {
		s.conflicts--
		return oms.ConflictError("tracker", t.ID, 0, 0)
	}
	if s.saveErr != nil {
		return s.saveErr
	}
	return s.Store.Save(ctx, t, evs)
}

func (s *failingStore) AddOrphans(ctx context.Context, o ...tracking.Orphan) (int, error) {
	if s.orphanErr != nil {
		return 0, s.orphanErr
	}
	return s.Store.AddOrphans(ctx, o...)
}

func (s *failingStore) Orphans(ctx context.Context, k tracking.Key) ([]tracking.Orphan, error) {
	if s.orphanErr != nil {
		return nil, s.orphanErr
	}
	return s.Store.Orphans(ctx, k)
}

func TestServiceStoreErrors(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("disk on fire")
	mem := tracking.NewMemoryStore(nil)
	fs := &failingStore{Store: mem}
	svc := tracking.NewService(fs, &tracking.ServiceOptions{Clock: oms.NewManualClock(t0), MaxRetries: 2})
	reg := tracking.Registration{Carrier: "ups", TrackingNumber: "E1", ShipmentRef: "s"}

	fs.getErr = boom
	if _, err := svc.Register(ctx, reg); !errors.Is(err, boom) {
		t.Fatalf("Register with Get failing: %v", err)
	}
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "E1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "X")}}); !errors.Is(err, boom) {
		t.Fatalf("Apply with Get failing: %v", err)
	}
	fs.getErr = nil

	fs.saveErr = boom
	if _, err := svc.Register(ctx, reg); !errors.Is(err, boom) {
		t.Fatalf("Register with Save failing: %v", err)
	}
	fs.saveErr = nil

	fs.orphanErr = boom
	if _, err := svc.Register(ctx, reg); !errors.Is(err, boom) {
		t.Fatalf("Register with Orphans failing: %v", err)
	}
	if _, err := svc.Register(ctx, reg); !errors.Is(err, boom) {
		t.Fatalf("replayed Register with Orphans failing: %v", err)
	}
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "NOPE", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "X")}}); !errors.Is(err, boom) {
		t.Fatalf("orphaning with AddOrphans failing: %v", err)
	}
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "E1", Events: []tracking.Event{{Status: tracking.StatusInTransit}}}); !errors.Is(err, boom) {
		t.Fatalf("quarantine with AddOrphans failing: %v", err)
	}
	fs.orphanErr = nil

	// Conflicts are retried; too many give up with ErrConflict.
	fs.conflicts = 2
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "E1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "X")}}); err != nil {
		t.Fatalf("Apply after 2 conflicts: %v", err)
	}
	fs.conflicts = 10
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "E1", Events: []tracking.Event{ev(2, tracking.StatusInTransit, "Y")}}); !errors.Is(err, oms.ErrConflict) {
		t.Fatalf("Apply after endless conflicts: %v", err)
	}
	fs.conflicts = 0
	fs.saveErr = boom
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "E1", Events: []tracking.Event{ev(3, tracking.StatusInTransit, "Z")}}); !errors.Is(err, boom) {
		t.Fatalf("Apply with Save failing: %v", err)
	}
	fs.saveErr = nil
	// A Register that loses its creation race to the same shipment returns it.
	fs.conflicts = 1
	r2 := tracking.Registration{Carrier: "ups", TrackingNumber: "E2", ShipmentRef: "s2"}
	if _, err := svc.Register(ctx, r2); err != nil {
		t.Fatalf("Register after a conflict: %v", err)
	}
}

// TestEstimateRevisions: a carrier's revised estimate is recorded when it
// comes with information at least as new as the estimate held. A poll
// repeating the same history with an earlier date moves the estimate
// earlier (it used to ratchet only later), and an estimate-only update
// does not block the estimates of later scans.
func TestEstimateRevisions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.register(t, "EST")
	f.clock.Set(t0.Add(10 * time.Hour)) // polls happen after the scans
	history := []tracking.Event{ev(0, tracking.StatusPreTransit, "MP"), ev(2, tracking.StatusInTransit, "OR")}
	apply := func(est time.Time, events ...tracking.Event) oms.Date {
		t.Helper()
		if _, err := f.svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "EST", EstimatedDelivery: oms.DateOf(est), Events: events}); err != nil {
			t.Fatal(err)
		}
		tr, _ := f.svc.Get(ctx, "ups", "EST")
		return tr.EstimatedDelivery
	}
	if got := apply(t0.Add(96*time.Hour), history...); got != oms.DateOf(t0.Add(96*time.Hour)) {
		t.Fatalf("first estimate %v", got)
	}
	// The same history polled again, the carrier now expects it earlier.
	if got := apply(t0.Add(48*time.Hour), history...); got != oms.DateOf(t0.Add(48*time.Hour)) {
		t.Fatalf("revised estimate with the same history: %v, want %v", got, t0.Add(48*time.Hour))
	}
	// An estimate-only update (no scans) is recorded...
	if got := apply(t0.Add(72 * time.Hour)); got != oms.DateOf(t0.Add(72*time.Hour)) {
		t.Fatalf("estimate-only update: %v", got)
	}
	// ...and does not block the estimate that comes with the next scan.
	if got := apply(t0.Add(60*time.Hour), ev(5, tracking.StatusInTransit, "AR")); got != oms.DateOf(t0.Add(60*time.Hour)) {
		t.Fatalf("estimate with a newer scan after an estimate-only update: %v", got)
	}
	// Older information (an out-of-order webhook) still does not win.
	if got := apply(t0.Add(24*time.Hour), history...); got != oms.DateOf(t0.Add(60*time.Hour)) {
		t.Fatalf("older information replaced the estimate: %v", got)
	}
}

// racingRegisterStore registers the tracker just before the first orphans
// are recorded: the interleaving of a webhook that found no tracker with a
// Register that found no orphans yet.
type racingRegisterStore struct {
	tracking.Store
	register func()
}

func (s *racingRegisterStore) AddOrphans(ctx context.Context, os ...tracking.Orphan) (int, error) {
	if r := s.register; r != nil {
		s.register = nil
		r()
	}
	return s.Store.AddOrphans(ctx, os...)
}

// TestOrphansRacingRegister: events that arrive while their tracker is
// being registered are applied, not left as orphans nobody adopts.
func TestOrphansRacingRegister(t *testing.T) {
	ctx := context.Background()
	mem := tracking.NewMemoryStore(nil)
	clock := oms.NewManualClock(t0.Add(10 * time.Hour))
	other := tracking.NewService(mem, &tracking.ServiceOptions{Clock: clock}) // the registering process
	rs := &racingRegisterStore{Store: mem}
	rs.register = func() {
		if _, err := other.Register(ctx, tracking.Registration{Carrier: "ups", TrackingNumber: "RACE", ShipmentRef: "shp-race"}); err != nil {
			t.Error(err)
		}
	}
	svc := tracking.NewService(rs, &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Apply(ctx, tracking.Update{Carrier: "ups", TrackingNumber: "RACE", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}}); err != nil {
		t.Fatal(err)
	}
	tr, err := mem.Get(ctx, tracking.NewKey("ups", "RACE"))
	if err != nil {
		t.Fatal(err)
	}
	orphans, _ := mem.Orphans(ctx, tr.Key())
	if tr.Status != tracking.StatusInTransit || len(tr.Events) != 1 || len(orphans) != 0 {
		t.Fatalf("tracker %s with %d events, %d orphans left behind", tr.Status, len(tr.Events), len(orphans))
	}
}
