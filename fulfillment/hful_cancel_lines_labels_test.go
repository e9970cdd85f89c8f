package fulfillment_test

import (
	"context"
	"errors"
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

// cancelAfterLabel cancels one unit of the order's second line, on the
// order, right after the first label is bought; faults, when set, are
// switched off meanwhile.
type cancelAfterLabel struct {
	shipping.Carrier
	buyer  shipping.LabelBuyer
	mu     sync.Mutex
	n      int
	cancel func()
}

func (c *cancelAfterLabel) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	l, err := c.buyer.BuyLabel(ctx, req)
	if err == nil {
		c.mu.Lock()
		c.n++
		n := c.n
		c.mu.Unlock()
		if n == 1 {
			c.cancel()
		}
	}
	return l, err
}

func (c *cancelAfterLabel) VoidLabel(ctx context.Context, id string) error {
	return c.Carrier.(shipping.Voider).VoidLabel(ctx, id)
}

// cancelWhileLabelled runs an order of a big TEE and two small MUGs, one
// MUG cancelled on the order after the first label is bought, with f's
// faults (nil: none), retrying Process until it succeeds; it checks the
// end state equals a clean run's.
func cancelWhileLabelled(t *testing.T, f *faults) { cancelWhileLabelledBy(t, f, 1) }

// cancelWhileLabelledBy is cancelWhileLabelled with procs Services over
// the same stores running Process at once.
func cancelWhileLabelledBy(t *testing.T, f *faults, procs int) {
	t.Helper()
	if f == nil {
		f = &faults{}
	}
	var e *env
	var o *order.Order
	var carrier shipping.Carrier
	var cancelled int64
	e = newEnv(t, &envConfig{
		wrap:    func(s fulfillment.Store) fulfillment.Store { return faultyFulfillment{s, f} },
		wrapInv: func(s inventory.Store) inventory.Store { return faultyInventory{s, f} },
		wrapOrd: func(s order.Store) order.Store { return faultyOrders{s, f} },
		wrapTrk: func(s tracking.Store) tracking.Store { return faultyTracking{s, f} },
		carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier {
			c2 := &cancelAfterLabel{Carrier: c, buyer: faultyCarrier{c, f}}
			carrier = c2
			c2.cancel = func() {
				f.mu.Lock()
				on := f.on
				f.on = false
				f.mu.Unlock()
				_, err := e.orders.CancelLines(e.ctx, o.ID, order.CancelLinesInput{
					Lines: []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}}, Reason: "customer"})
				switch {
				case err == nil:
					cancelled = 1
				case procs > 1 && errors.Is(err, oms.ErrValidation):
					// Another process recorded the shipment first: the
					// order refuses the cancel, and everything ships.
				default:
					t.Error(err)
				}
				f.mu.Lock()
				f.on = on
				f.mu.Unlock()
			}
			return c2
		},
	})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.item("TEE", "")
	e.stock("MUG", "east", 5)
	e.stock("TEE", "east", 5)
	o = e.place(nil, big("TEE", 1), small("MUG", 2))
	f.mu.Lock()
	f.on = true
	f.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i := 0; i < procs; i++ {
		svc := e.svc
		if i > 0 {
			var err error
			if svc, err = fulfillment.NewService(e.store, e.orders, e.inv, e.track, &fulfillment.ServiceOptions{Clock: e.clock, Carriers: []shipping.Carrier{carrier}}); err != nil {
				t.Fatal(err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				if _, errs[i] = svc.Process(e.ctx, o.ID); errs[i] == nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d never converged: %v", i, err)
		}
	}
	f.mu.Lock()
	f.on = false
	f.mu.Unlock()
	got := e.order(o.ID)
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {2, cancelled, 2 - cancelled, 2 - cancelled, 2 - cancelled, 0}, "TEE": {1, 0, 1, 1, 1, 0}}, counters(got)); diff != "" {
		t.Errorf("order counters (q/c/a/f/s/d) -want +got:\n%s", diff)
	}
	shs, err := e.svc.Shipments(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var shipped, labels []string
	units := map[oms.SKU]int64{}
	for _, sh := range shs {
		if sh.Status != fulfillment.ShipmentShipped {
			continue
		}
		shipped = append(shipped, string(sh.ID))
		for _, p := range sh.Packages {
			labels = append(labels, p.LabelID)
			for _, it := range p.Items {
				units[it.SKU] += it.Quantity
			}
		}
	}
	if len(shipped) != 1 {
		t.Fatalf("%d shipments shipped, want 1", len(shipped))
	}
	if diff := cmp.Diff(map[oms.SKU]int64{"MUG": 2 - cancelled, "TEE": 1}, units); diff != "" {
		t.Errorf("units shipped -want +got:\n%s", diff)
	}
	if n := e.liveLabels(); n != len(labels) {
		t.Errorf("%d labels live, want the %d of the shipment that left (bought %d)", n, len(labels), e.carrier.Purchases())
	}
	for _, l := range labels {
		if e.carrier.Voided(l) {
			t.Errorf("label %s of the shipment that left is voided", l)
		}
	}
	for sku, want := range map[oms.SKU]int64{"MUG": 3 + cancelled, "TEE": 4} {
		if lv := e.level(sku, "east"); lv.Reserved != 0 || lv.OnHand != want {
			t.Errorf("%s: on hand %d reserved %d, want %d and 0", sku, lv.OnHand, lv.Reserved, want)
		}
	}
	e.reconcile()
	// Nothing more happens.
	before := e.carrier.Purchases()
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.carrier.Purchases(); n != before {
		t.Errorf("a further Process bought %d labels", n-before)
	}
}

// TestUnitsCancelledOnTheOrderWhileLabelsAreBoughtDoNotStickProcess: the
// host cancels units of a line (order.Service.CancelLines) right after
// the shipment's first label was bought. The order then refused to record
// the shipment for ever, so Process failed on every run. Now the shipment
// is given up (its labels voided) and what is left is packed and shipped
// again: one shipment leaves with the units the order still wants, every
// cancelled unit is given back.
func TestUnitsCancelledOnTheOrderWhileLabelsAreBoughtDoNotStickProcess(t *testing.T) {
	cancelWhileLabelled(t, nil)
}

// TestUnitsCancelledWhileLabelsAreBoughtConvergeAcrossCrashes: the same
// with the k-th write (or label purchase) failing, before or after it took
// effect: Process, run again, ends where a clean run does.
func TestUnitsCancelledWhileLabelsAreBoughtConvergeAcrossCrashes(t *testing.T) {
	for _, after := range []bool{false, true} {
		for k := 1; k <= 45; k++ {
			f := &faults{k: k, after: after}
			t.Run(itoa(k), func(t *testing.T) { cancelWhileLabelled(t, f) })
		}
	}
	for _, after := range []bool{false, true} {
		for every := 3; every <= 9; every++ {
			t.Run("every"+itoa(every), func(t *testing.T) { cancelWhileLabelled(t, &faults{every: every, after: after}) })
		}
	}
}

// TestUnitsCancelledWhileLabelsAreBoughtByConcurrentProcesses: the same
// with three Services over the same stores running Process at once.
func TestUnitsCancelledWhileLabelsAreBoughtByConcurrentProcesses(t *testing.T) {
	for i := 0; i < 20; i++ {
		t.Run(itoa(i), func(t *testing.T) { cancelWhileLabelledBy(t, nil, 3) })
	}
}
