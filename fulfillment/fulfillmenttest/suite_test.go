package fulfillmenttest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/fulfillment/fulfillmenttest"
)

func TestMemoryStore(t *testing.T) {
	fulfillmenttest.TestStore(t, fulfillmenttest.MemoryHarness{})
}

// passThrough wraps the memory store without changing anything.
type passThrough struct{ *fulfillment.MemoryStore }

// dropsEvents saves aggregates but never its events.
type dropsEvents struct{ *fulfillment.MemoryStore }

func (s dropsEvents) Save(ctx context.Context, c *fulfillment.Change) error {
	cc := *c
	cc.Events = nil
	return s.MemoryStore.Save(ctx, &cc)
}

// noVersionCheck overwrites whatever is stored (a naive UPSERT).
type noVersionCheck struct{ *fulfillment.MemoryStore }

func (s noVersionCheck) Save(ctx context.Context, c *fulfillment.Change) error {
	for _, fo := range c.FulfillmentOrders {
		if cur, err := s.MemoryStore.FulfillmentOrder(ctx, fo.ID); err == nil && fo.Version > 1 {
			want := fo.Version
			fo.Version = cur.Version + 1
			defer func() { fo.Version = want }()
		}
	}
	return s.MemoryStore.Save(ctx, c)
}

// shipmentLastWriteWins checks fulfillment order versions but not
// shipment ones.
type shipmentLastWriteWins struct{ *fulfillment.MemoryStore }

func (s shipmentLastWriteWins) Save(ctx context.Context, c *fulfillment.Change) error {
	for _, sh := range c.Shipments {
		if cur, err := s.MemoryStore.Shipment(ctx, sh.ID); err == nil && sh.Version > 1 {
			sh.Version = cur.Version + 1
		}
	}
	return s.MemoryStore.Save(ctx, c)
}

// notAtomic saves each aggregate in a write of its own (no transaction).
type notAtomic struct{ *fulfillment.MemoryStore }

func (s notAtomic) Save(ctx context.Context, c *fulfillment.Change) error {
	var first error
	for _, fo := range c.FulfillmentOrders {
		if err := s.MemoryStore.Save(ctx, &fulfillment.Change{FulfillmentOrders: []*fulfillment.FulfillmentOrder{fo}}); err != nil && first == nil {
			first = err
		}
	}
	for _, sh := range c.Shipments {
		if err := s.MemoryStore.Save(ctx, &fulfillment.Change{Shipments: []*fulfillment.Shipment{sh}}); err != nil && first == nil {
			first = err
		}
	}
	if err := s.MemoryStore.Save(ctx, &fulfillment.Change{Allocations: c.Allocations, Orphans: c.Orphans, Events: c.Events}); err != nil && first == nil {
		first = err
	}
	return first
}

// exactTracking looks tracking numbers up without normalizing them.
type exactTracking struct{ *fulfillment.MemoryStore }

func (s exactTracking) ShipmentByTracking(ctx context.Context, carrier, number string) (*fulfillment.Shipment, error) {
	sh, err := s.MemoryStore.ShipmentByTracking(ctx, carrier, number)
	if err == nil {
		for _, p := range sh.Packages {
			if p.TrackingNumber == number && sh.Carrier == carrier {
				return sh, nil
			}
		}
		return nil, oms.NotFoundError("shipment", number)
	}
	return sh, err
}

type harness struct {
	wrap func(*fulfillment.MemoryStore) fulfillment.Store
}

func (h harness) MakeStore(t *testing.T) fulfillment.Store {
	return h.wrap(fulfillment.NewMemoryStore(nil))
}

func (h harness) Events(t *testing.T, s fulfillment.Store, id oms.ID) []oms.Event {
	type outboxer interface{ Outbox() *oms.MemoryOutbox }
	return s.(outboxer).Outbox().Events(id)
}

var broken = map[string]struct {
	wrap func(*fulfillment.MemoryStore) fulfillment.Store
	want string
}{
	"drops_events":     {func(m *fulfillment.MemoryStore) fulfillment.Store { return dropsEvents{m} }, "events after a create"},
	"no_version_check": {func(m *fulfillment.MemoryStore) fulfillment.Store { return noVersionCheck{m} }, "a stale version"},
	"not_atomic":       {func(m *fulfillment.MemoryStore) fulfillment.Store { return notAtomic{m} }, "part of a failed change was saved"},
	"shipment_lww":     {func(m *fulfillment.MemoryStore) fulfillment.Store { return shipmentLastWriteWins{m} }, "a stale shipment"},
	"exact_tracking":   {func(m *fulfillment.MemoryStore) fulfillment.Store { return exactTracking{m} }, "ShipmentByTracking normalized"},
}

func TestPassThroughPasses(t *testing.T) {
	fulfillmenttest.TestStore(t, harness{func(m *fulfillment.MemoryStore) fulfillment.Store { return passThrough{m} }})
}

// TestStoreCatchesBrokenStores runs the suite against stores that each
// break one promise, in a child process, and checks each fails saying why.
func TestStoreCatchesBrokenStores(t *testing.T) {
	if name := os.Getenv("FULFILLMENTTEST_BROKEN_STORE"); name != "" {
		fulfillmenttest.TestStore(t, harness{broken[name].wrap})
		return
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCatchesBrokenStores$", "-test.count=1")
			cmd.Env = append(os.Environ(), "FULFILLMENTTEST_BROKEN_STORE="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a broken store:\n%s", out)
			}
			if !strings.Contains(string(out), b.want) {
				t.Errorf("the failure does not say %q:\n%s", b.want, out)
			}
		})
	}
}
