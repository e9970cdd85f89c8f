package fulfillment

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// newBareService is a Service over memory stores, for the internal
// helpers that touch only the fulfillment store.
func newBareService(t *testing.T) (*Service, *MemoryStore) {
	t.Helper()
	st := NewMemoryStore(nil)
	s, err := NewService(st, order.NewService(order.NewMemoryStore(nil), nil), inventory.NewService(inventory.NewMemoryStore(nil), nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// A handed-over copy that is out of date must not decide a refusal or a
// replay: updateLoadedFO decides those on the stored version.
func TestUpdateLoadedFODecidesRefusalsOnTheStoredVersion(t *testing.T) {
	ctx := context.Background()
	s, st := newBareService(t)
	fo := &FulfillmentOrder{ID: "fo1", OrderID: "o1", Location: "east", Status: StatusOpen,
		Lines: []Line{{LineID: "l1", SKU: "MUG", Quantity: 1, Reservation: "r1"}}}
	c := &Change{}
	if err := s.addFO(c, fo, []pendingEvent{{}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, c); err != nil {
		t.Fatal(err)
	}
	held, err := s.AddHold(ctx, "fo1", HoldInput{Key: "k", Reason: HoldOther})
	if err != nil {
		t.Fatal(err)
	}
	stale := held.Clone() // on hold
	if _, err := s.ReleaseHold(ctx, "fo1", held.Holds[0].ID); err != nil {
		t.Fatal(err)
	}
	errHeld := errors.New("on hold")
	step := func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.OnHold() {
			return nil, errHeld
		}
		if f.done("x") {
			return nil, nil
		}
		f.mark("x")
		return []pendingEvent{{}}, nil
	}
	got, err := s.updateLoadedFO(ctx, "fo1", stale, step)
	if err != nil {
		t.Fatalf("stale on-hold copy refused the step: %v", err)
	}
	if !got.done("x") || got.OnHold() {
		t.Fatalf("got steps %v, on hold %v", got.Steps, got.OnHold())
	}
	// A replay on a copy that says it is not done yet is decided on
	// the stored version, which is: nothing is saved again.
	before, _ := st.FulfillmentOrder(ctx, "fo1")
	old := stale.Clone()
	old.Holds = nil
	again, err := s.updateLoadedFO(ctx, "fo1", old, step)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := st.FulfillmentOrder(ctx, "fo1")
	if after.Version != before.Version || again.Version != before.Version {
		t.Fatalf("replay saved: version %d → %d (returned %d)", before.Version, after.Version, again.Version)
	}
}

func TestUpdateLoadedShipmentDecidesRefusalsOnTheStoredVersion(t *testing.T) {
	ctx := context.Background()
	s, st := newBareService(t)
	sh := &Shipment{ID: "sh1", OrderID: "o1", FulfillmentOrder: "fo1", Location: "east", Status: ShipmentPending,
		Packages: []Package{{Index: 0, Items: []PackageItem{{LineID: "l1", SKU: "MUG", Quantity: 1}}}}}
	c := &Change{}
	if err := s.addShipment(c, sh, []pendingEvent{{}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, c); err != nil {
		t.Fatal(err)
	}
	stale := sh.Clone()
	if _, err := s.updateShipment(ctx, "sh1", func(x *Shipment) ([]pendingEvent, error) {
		x.Packages[0].LabelID = "L1"
		return []pendingEvent{{}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	errNoLabel := errors.New("no label")
	got, err := s.updateLoadedShipment(ctx, "sh1", stale, func(x *Shipment) ([]pendingEvent, error) {
		if x.Packages[0].LabelID == "" {
			return nil, errNoLabel
		}
		return nil, nil
	})
	if err != nil {
		t.Fatalf("stale copy without label refused: %v", err)
	}
	if got.Packages[0].LabelID != "L1" || got.Version != 2 {
		t.Fatalf("got label %q version %d, want the stored one", got.Packages[0].LabelID, got.Version)
	}
}

// A change naming one aggregate twice is refused whole, however many
// other aggregates it holds.
func TestSaveRefusesAnAggregateTwiceAmongMany(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{3, 40} {
		_, st := newBareService(t)
		c := &Change{}
		for i := 0; i < n; i++ {
			c.FulfillmentOrders = append(c.FulfillmentOrders, &FulfillmentOrder{ID: oms.ID("fo" + itoa(int64(i))), OrderID: "o1", Location: "east", Status: StatusOpen, Version: 1})
		}
		ok := &Change{FulfillmentOrders: c.FulfillmentOrders}
		c.FulfillmentOrders = append(c.FulfillmentOrders, &FulfillmentOrder{ID: "fo1", OrderID: "o1", Location: "east", Status: StatusOpen, Version: 1})
		if err := st.Save(ctx, c); !errors.Is(err, oms.ErrValidation) {
			t.Fatalf("n=%d: repeated fo1: got %v, want a validation error", n, err)
		}
		if _, err := st.FulfillmentOrder(ctx, "fo0"); !errors.Is(err, oms.ErrNotFound) {
			t.Fatalf("n=%d: a refused change saved fo0: %v", n, err)
		}
		if err := st.Save(ctx, ok); err != nil {
			t.Fatalf("n=%d: distinct aggregates: %v", n, err)
		}
		if fos, _ := st.FulfillmentOrders(ctx, "o1"); len(fos) != n {
			t.Fatalf("n=%d: saved %d fulfillment orders", n, len(fos))
		}
	}
}
