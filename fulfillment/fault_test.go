package fulfillment_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

var errInjected = errors.New("injected fault")

// faults fails the k-th write across every wrapped store and the
// carrier's label purchases: before the write, or (after) once the write
// took effect.
type faults struct {
	mu     sync.Mutex
	on     bool
	n, k   int
	after  bool
	reads  bool // fail the k-th read instead of the k-th write
	every  int  // when set, fail every every-th write (k and fired unused)
	fired  bool
	counts map[string]int
}

// hit counts a write and says whether to fail it.
func (f *faults) hit(what string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.on {
		return false
	}
	f.n++
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	f.counts[what]++
	if f.every > 0 {
		f.fired = true
		return f.n%f.every == 0
	}
	if f.n == f.k && !f.fired {
		f.fired = true
		return true
	}
	return false
}

func (f *faults) do(what string, write func() error) error {
	if f.reads || !f.hit(what) {
		return write()
	}
	if f.after {
		if err := write(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: %w", what, errInjected)
}

type faultyFulfillment struct {
	fulfillment.Store
	f *faults
}

func (s faultyFulfillment) Save(ctx context.Context, c *fulfillment.Change) error {
	return s.f.do("fulfillment.save", func() error { return s.Store.Save(ctx, c) })
}

type faultyInventory struct {
	inventory.Store
	f *faults
}

func (s faultyInventory) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (res inventory.Reservation, created bool, err error) {
	err = s.f.do("inventory.reserve", func() error {
		var e error
		res, created, e = s.Store.Reserve(ctx, r, ev)
		return e
	})
	return res, created, err
}

func (s faultyInventory) Apply(ctx context.Context, c *inventory.Change) error {
	return s.f.do("inventory.apply", func() error { return s.Store.Apply(ctx, c) })
}

type faultyOrders struct {
	order.Store
	f *faults
}

func (s faultyOrders) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	return s.f.do("order.update", func() error { return s.Store.Update(ctx, o, expected, events) })
}

type faultyTracking struct {
	tracking.Store
	f *faults
}

func (s faultyTracking) Save(ctx context.Context, t *tracking.Tracker, events []oms.Event) error {
	return s.f.do("tracking.save", func() error { return s.Store.Save(ctx, t, events) })
}

type faultyCarrier struct {
	*shippingtest.FakeCarrier
	f *faults
}

func (c faultyCarrier) BuyLabel(ctx context.Context, req shipping.LabelRequest) (l shipping.Label, err error) {
	err = c.f.do("carrier.buy_label", func() error {
		var e error
		l, e = c.FakeCarrier.BuyLabel(ctx, req)
		return e
	})
	return l, err
}

func faultEnv(t testing.TB, f *faults) *env { return faultEnvWith(t, f, fulfillment.ServiceOptions{}) }

func faultEnvWith(t testing.TB, f *faults, opts fulfillment.ServiceOptions) *env {
	e := newEnv(t, &envConfig{
		opts:    opts,
		wrap:    func(s fulfillment.Store) fulfillment.Store { return faultyFulfillment{s, f} },
		wrapInv: func(s inventory.Store) inventory.Store { return faultyInventory{s, f} },
		wrapOrd: func(s order.Store) order.Store { return faultyOrders{s, f} },
		wrapTrk: func(s tracking.Store) tracking.Store { return faultyTracking{s, f} },
		carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier { return faultyCarrier{c, f} },
	})
	e.location("east", 1, nil)
	e.location("west", 2, nil)
	e.item("BIG", "")
	e.item("SMALL", "")
	e.stock("BIG", "east", 2)
	e.stock("BIG", "west", 5)
	e.stock("SMALL", "west", 3)
	return e
}

// outcome is what a finished flow leaves, comparable across runs.
type outcome struct {
	Reservations int
	FOs          map[oms.ID]string // ID → location and status
	Labels       int
	Packages     int
	Commits      int
	Counters     map[oms.SKU][6]int64
	Captured     string
	Levels       map[string]inventory.Level
	OrderStatus  order.Status
	Trackers     int
}

func (e *env) outcome(id oms.ID) outcome {
	e.t.Helper()
	o := e.order(id)
	out := outcome{FOs: map[oms.ID]string{}, Labels: e.carrier.Purchases(), Counters: counters(o), Captured: o.Payment.Captured.String(),
		Levels: map[string]inventory.Level{}, OrderStatus: o.Status}
	rs, err := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	out.Reservations = len(rs)
	for _, r := range rs {
		for _, op := range r.Ops {
			if op.Kind == inventory.OpCommit {
				out.Commits++
			}
		}
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, id)
	for _, fo := range fos {
		// IDs derive from the order: compare them relative to it.
		if fo.ID != oms.DeriveID(fulfillment.AllocationID(id), "fo:"+string(fo.Location)) {
			e.t.Errorf("fulfillment order %s at %s has an ID not derived from the allocation", fo.ID, fo.Location)
		}
		out.FOs[oms.ID(fo.Location)] = string(fo.Status)
	}
	shs, _ := e.svc.Shipments(e.ctx, id)
	for _, sh := range shs {
		out.Packages += len(sh.Packages)
		for _, p := range sh.Packages {
			if tr, err := e.track.Get(e.ctx, sh.Carrier, p.TrackingNumber); err == nil && tr.ShipmentRef == sh.ID {
				out.Trackers++
			}
		}
	}
	for _, sku := range []oms.SKU{"BIG", "SMALL"} {
		for _, loc := range []oms.ID{"east", "west"} {
			l := e.level(sku, loc)
			l.Seq = 0
			out.Levels[string(sku)+"@"+string(loc)] = l
		}
	}
	e.reconcile()
	return out
}

// TestProcessFaultInjection fails the k-th write of every store and of
// the carrier, for every k of the flow, before the write and after it took
// effect; running Process again ends in the same state as an uninterrupted
// run: one reservation, the same fulfillment orders, one label and one
// commit per package, the same counters, levels and capture, a clean
// reconcile.
func TestProcessFaultInjection(t *testing.T) {
	ref := &faults{}
	e := faultEnv(t, ref)
	o := e.place(nil, big("BIG", 2), small("SMALL", 2))
	ref.on = true
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	want := e.outcome(o.ID)
	writes := ref.n
	if want.Packages != 3 || want.Labels != 3 || want.Commits != 3 || want.Reservations != 1 {
		t.Fatalf("reference run: %+v", want)
	}
	t.Logf("uninterrupted flow: %d writes %v", writes, ref.counts)
	for _, after := range []bool{false, true} {
		for k := 1; k <= writes; k++ {
			f := &faults{k: k, after: after}
			e := faultEnv(t, f)
			o := e.place(nil, big("BIG", 2), small("SMALL", 2))
			f.on = true
			_, err := e.svc.Process(e.ctx, o.ID)
			if !f.fired {
				t.Fatalf("k=%d after=%v: no fault fired", k, after)
			}
			if err == nil && !after {
				t.Errorf("k=%d: Process hid the failed write", k)
			}
			for i := 0; i < 2; i++ { // heal, then check a further run changes nothing
				if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
					t.Fatalf("k=%d after=%v: re-run: %v", k, after, err)
				}
			}
			got := e.outcome(o.ID)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("k=%d after=%v: state differs from an uninterrupted run (-want +got):\n%s", k, after, d)
			}
		}
	}
}

// TestDeliveryFaultInjection fails the k-th write while tracking news of
// every package is applied; applying the news again ends delivered, with
// each package counted once.
func TestDeliveryFaultInjection(t *testing.T) {
	deliverAll := func(e *env, id oms.ID) error {
		shs, _ := e.svc.Shipments(e.ctx, id)
		for _, sh := range shs {
			for _, p := range sh.Packages {
				if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	ref := &faults{}
	e := faultEnv(t, ref)
	o := e.place(nil, big("BIG", 2), small("SMALL", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	ref.on = true
	if err := deliverAll(e, o.ID); err != nil {
		t.Fatal(err)
	}
	want := e.outcome(o.ID)
	if want.OrderStatus != order.StatusCompleted {
		t.Fatalf("reference: %s", want.OrderStatus)
	}
	for _, after := range []bool{false, true} {
		for k := 1; k <= ref.n; k++ {
			f := &faults{k: k, after: after}
			e := faultEnv(t, f)
			o := e.place(nil, big("BIG", 2), small("SMALL", 2))
			if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			f.on = true
			_ = deliverAll(e, o.ID)
			if err := deliverAll(e, o.ID); err != nil {
				t.Fatalf("k=%d after=%v: %v", k, after, err)
			}
			if d := cmp.Diff(want, e.outcome(o.ID)); d != "" {
				t.Errorf("k=%d after=%v (-want +got):\n%s", k, after, d)
			}
		}
	}
}
