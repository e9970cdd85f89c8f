package fulfillment_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// Read faults: the k-th read of any store fails.

func (s faultyFulfillment) FulfillmentOrder(ctx context.Context, id oms.ID) (fo *fulfillment.FulfillmentOrder, err error) {
	err = s.f.read("fulfillment.fulfillment_order", func() error { fo, err = s.Store.FulfillmentOrder(ctx, id); return err })
	return fo, err
}

func (s faultyFulfillment) FulfillmentOrders(ctx context.Context, id oms.ID) (fos []*fulfillment.FulfillmentOrder, err error) {
	err = s.f.read("fulfillment.fulfillment_orders", func() error { fos, err = s.Store.FulfillmentOrders(ctx, id); return err })
	return fos, err
}

func (s faultyFulfillment) Shipment(ctx context.Context, id oms.ID) (sh *fulfillment.Shipment, err error) {
	err = s.f.read("fulfillment.shipment", func() error { sh, err = s.Store.Shipment(ctx, id); return err })
	return sh, err
}

func (s faultyFulfillment) Shipments(ctx context.Context, id oms.ID) (shs []*fulfillment.Shipment, err error) {
	err = s.f.read("fulfillment.shipments", func() error { shs, err = s.Store.Shipments(ctx, id); return err })
	return shs, err
}

func (s faultyFulfillment) Allocation(ctx context.Context, id oms.ID) (a *fulfillment.Allocation, err error) {
	err = s.f.read("fulfillment.allocation", func() error { a, err = s.Store.Allocation(ctx, id); return err })
	return a, err
}

func (s faultyFulfillment) ShipmentByTracking(ctx context.Context, c, n string) (sh *fulfillment.Shipment, err error) {
	err = s.f.read("fulfillment.by_tracking", func() error { sh, err = s.Store.ShipmentByTracking(ctx, c, n); return err })
	return sh, err
}

func (s faultyOrders) Get(ctx context.Context, id oms.ID) (o *order.Order, err error) {
	err = s.f.read("order.get", func() error { o, err = s.Store.Get(ctx, id); return err })
	return o, err
}

func (s faultyInventory) Location(ctx context.Context, id oms.ID) (l inventory.Location, err error) {
	err = s.f.read("inventory.location", func() error { l, err = s.Store.Location(ctx, id); return err })
	return l, err
}

func (s faultyInventory) Locations(ctx context.Context) (ls []inventory.Location, err error) {
	err = s.f.read("inventory.locations", func() error { ls, err = s.Store.Locations(ctx); return err })
	return ls, err
}

func (s faultyInventory) Item(ctx context.Context, sku oms.SKU) (it inventory.Item, err error) {
	err = s.f.read("inventory.item", func() error { it, err = s.Store.Item(ctx, sku); return err })
	return it, err
}

func (s faultyInventory) Level(ctx context.Context, sku oms.SKU, loc oms.ID) (l inventory.Level, err error) {
	err = s.f.read("inventory.level", func() error { l, err = s.Store.Level(ctx, sku, loc); return err })
	return l, err
}

func (s faultyInventory) Levels(ctx context.Context, sku oms.SKU) (ls []inventory.Level, err error) {
	err = s.f.read("inventory.levels", func() error { ls, err = s.Store.Levels(ctx, sku); return err })
	return ls, err
}

func (s faultyInventory) Reservation(ctx context.Context, id oms.ID) (r inventory.Reservation, err error) {
	err = s.f.read("inventory.reservation", func() error { r, err = s.Store.Reservation(ctx, id); return err })
	return r, err
}

func (s faultyInventory) Inbounds(ctx context.Context, f inventory.InboundFilter) (ins []inventory.Inbound, err error) {
	err = s.f.read("inventory.inbounds", func() error { ins, err = s.Store.Inbounds(ctx, f); return err })
	return ins, err
}

func (s faultyInventory) Ledger(ctx context.Context, f inventory.LedgerFilter) (es []inventory.LedgerEntry, err error) {
	err = s.f.read("inventory.ledger", func() error { es, err = s.Store.Ledger(ctx, f); return err })
	return es, err
}

// read counts a read and fails the k-th one when reads are targeted.
func (f *faults) read(what string, fn func() error) error {
	if !f.reads {
		return fn()
	}
	if f.hit(what) {
		return fmt.Errorf("%s: %w", what, errInjected)
	}
	return fn()
}

// scenario is a sequence of commands over one order: holds, a split and
// a merge, a move, waves, a short pick re-allocated elsewhere, packing,
// shipping and delivery. Each step finds its fulfillment orders in the
// store, so a step can be run again after a failure.
func scenario(e *env) (oms.ID, []func() error) {
	e.location("north", 3, nil)
	e.item("MUG", "")
	e.item("TEE", "")
	e.stock("MUG", "east", 5)
	e.stock("TEE", "east", 1)
	e.stock("MUG", "west", 5)
	e.stock("TEE", "west", 5)
	e.stock("TEE", "north", 3)
	o := e.place(nil, small("MUG", 3), small("TEE", 2))
	find := func(loc oms.ID, pred func(*fulfillment.FulfillmentOrder) bool) (*fulfillment.FulfillmentOrder, error) {
		fos, err := e.svc.FulfillmentOrders(e.ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, fo := range fos {
			if fo.Location == loc && (pred == nil || pred(fo)) {
				return fo, nil
			}
		}
		return nil, fmt.Errorf("no fulfillment order at %s", loc)
	}
	eastFO := func() oms.ID { return oms.DeriveID(fulfillment.AllocationID(o.ID), "fo:east") }
	process := func() error { _, err := e.svc.Process(e.ctx, o.ID); return err }
	steps := []func() error{
		func() error { _, err := e.svc.Allocate(e.ctx, o.ID); return err },
		func() error {
			_, err := e.svc.AddHold(e.ctx, eastFO(), fulfillment.HoldInput{Key: "h", Reason: fulfillment.HoldCustomerRequest})
			return err
		},
		func() error {
			_, err := e.svc.ReleaseHold(e.ctx, eastFO(), oms.DeriveID(eastFO(), "hold:h"))
			return err
		},
		func() error {
			fo, err := e.store.FulfillmentOrder(e.ctx, eastFO())
			if err != nil {
				return err
			}
			_, err = e.svc.Split(e.ctx, fo.ID, []fulfillment.SplitLine{{LineID: fo.Lines[0].LineID, Quantity: 1}})
			return err
		},
		func() error {
			split, err := find("east", func(fo *fulfillment.FulfillmentOrder) bool { return fo.SplitFrom != "" })
			if err != nil {
				return err
			}
			_, err = e.svc.Merge(e.ctx, []oms.ID{eastFO(), split.ID})
			return err
		},
		func() error {
			_, err := e.svc.Move(e.ctx, oms.DeriveID(fulfillment.AllocationID(o.ID), "fo:west"), "north")
			return err
		},
		process,
		func() error {
			fo, err := e.store.FulfillmentOrder(e.ctx, eastFO())
			if err != nil {
				return err
			}
			var picks []fulfillment.Picked
			for _, l := range fo.Lines {
				if l.SKU == "MUG" {
					picks = append(picks, fulfillment.Picked{LineID: l.LineID, Quantity: 2})
				}
			}
			_, err = e.svc.ConfirmPicks(e.ctx, fo.ID, picks)
			return err
		},
		func() error {
			north, err := find("north", nil)
			if err != nil {
				return err
			}
			_, err = e.svc.ConfirmPicks(e.ctx, north.ID, nil)
			return err
		},
		process,
		func() error {
			re, err := find("west", func(fo *fulfillment.FulfillmentOrder) bool {
				return fo.MovedTo == "" && fo.Status == fulfillment.StatusInProgress
			})
			if err != nil {
				return err
			}
			_, err = e.svc.ConfirmPicks(e.ctx, re.ID, nil)
			return err
		},
		process,
		func() error {
			shs, err := e.svc.Shipments(e.ctx, o.ID)
			if err != nil {
				return err
			}
			for _, sh := range shs {
				for _, p := range sh.Packages {
					if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: sh.Carrier, TrackingNumber: p.TrackingNumber, Status: tracking.StatusDelivered, At: t0}); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	return o.ID, steps
}

// scenarioOutcome describes the end state without IDs (they derive from
// the order's, which differs between runs).
type scenarioOutcome struct {
	Base   outcome
	FOs2   []string
	Events map[string]int
}

func (e *env) scenarioOutcome(id oms.ID) scenarioOutcome {
	out := scenarioOutcome{Events: map[string]int{}}
	o := e.order(id)
	out.Base = outcome{Labels: e.carrier.Purchases(), Counters: counters(o), Captured: o.Payment.Captured.String(), OrderStatus: o.Status, Levels: map[string]inventory.Level{}}
	rs, _ := e.inv.Reservations(e.ctx, inventory.ReservationFilter{Reference: string(id)})
	out.Base.Reservations = len(rs)
	for _, r := range rs {
		for _, op := range r.Ops {
			if op.Kind == inventory.OpCommit {
				out.Base.Commits++
			}
		}
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, id)
	for _, fo := range fos {
		var ls []string
		for _, l := range fo.Lines {
			ls = append(ls, fmt.Sprintf("%s:%d/%d/%d/%d", l.SKU, l.Quantity, l.Picked, l.Short, l.Shipped))
		}
		out.FOs2 = append(out.FOs2, fmt.Sprintf("%s %s %s", fo.Location, fo.Status, strings.Join(ls, ",")))
		for _, ev := range e.outbox.Events(fo.ID) {
			out.Events[ev.Type]++
		}
	}
	slices.Sort(out.FOs2)
	shs, _ := e.svc.Shipments(e.ctx, id)
	for _, sh := range shs {
		out.Base.Packages += len(sh.Packages)
		for _, ev := range e.outbox.Events(sh.ID) {
			out.Events[ev.Type]++
		}
	}
	for _, sku := range []oms.SKU{"MUG", "TEE"} {
		for _, loc := range []oms.ID{"east", "west", "north"} {
			l := e.level(sku, loc)
			l.Seq = 0
			out.Base.Levels[string(sku)+"@"+string(loc)] = l
		}
	}
	e.reconcile()
	return out
}

var manual = fulfillment.ServiceOptions{Picking: fulfillment.PickManual}

// TestCommandsFaultInjection runs the scenario failing the k-th write
// (before it, or after it took effect) and, separately, the k-th read,
// for every k; each failed command is run again, and the end state equals
// an uninterrupted run's: every command is an idempotent step.
func TestCommandsFaultInjection(t *testing.T) {
	ref := &faults{}
	e := faultEnvWith(t, ref, manual)
	id, steps := scenario(e)
	ref.on = true
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("reference step %d: %v", i, err)
		}
	}
	writes := ref.n
	want := e.scenarioOutcome(id)
	if want.Base.OrderStatus != order.StatusCompleted || want.Base.Reservations != 3 {
		t.Fatalf("reference: %+v", want)
	}
	rref := &faults{reads: true}
	e = faultEnvWith(t, rref, manual)
	_, steps = scenario(e)
	rref.on = true
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	reads := rref.n
	t.Logf("scenario: %d writes, %d reads", writes, reads)
	type mode struct {
		after, reads bool
		n            int
	}
	for _, m := range []mode{{false, false, writes}, {true, false, writes}, {false, true, reads}} {
		for k := 1; k <= m.n; k++ {
			f := &faults{k: k, after: m.after, reads: m.reads}
			e := faultEnvWith(t, f, manual)
			id, steps := scenario(e)
			f.on = true
			for i, step := range steps {
				err := step()
				if err != nil && errors.Is(err, errInjected) {
					err = step()
				}
				if err != nil {
					t.Fatalf("k=%d %+v step %d: %v", k, m, i, err)
				}
			}
			if d := cmp.Diff(want, e.scenarioOutcome(id)); d != "" {
				t.Errorf("k=%d %+v: end state differs (-want +got):\n%s", k, m, d)
			}
		}
	}
}
