package fulfillment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

// failingLabels fails label purchases while fail is set (before the
// carrier sees them).
type failingLabels struct {
	*shippingtest.FakeCarrier
	mu   sync.Mutex
	fail bool
}

func (c *failingLabels) set(v bool) { c.mu.Lock(); c.fail = v; c.mu.Unlock() }

func (c *failingLabels) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	c.mu.Lock()
	f := c.fail
	c.mu.Unlock()
	if f {
		return shipping.Label{}, errInjected
	}
	return c.FakeCarrier.BuyLabel(ctx, req)
}

// TestProcessExtremeQuantityReturns: a line of the most units an order
// takes (a million) with the stock to match ends in a clear error, and
// never hangs or panics.
func TestProcessExtremeQuantityReturns(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", oms.MaxQuantity)
	o := e.place(nil, small("MUG", 1_000_000))
	// A million units are more than the packer takes at once: a clear
	// error, not a hang or a panic.
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("process of a million units: %v", err)
	}
	e.reconcile()
}

// TestCancelledOrderReleasesStockOfUnlabelledShipment: the host cancels
// an order whose shipment was created but whose label purchase failed;
// Process gives the stock back.
func TestCancelledOrderReleasesStockOfUnlabelledShipment(t *testing.T) {
	var fl *failingLabels
	e := newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier {
		fl = &failingLabels{FakeCarrier: c, fail: true}
		return fl
	}})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.Is(err, errInjected) {
		t.Fatalf("process with a failing carrier: %v", err)
	}
	if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "customer changed mind"}); err != nil {
		t.Fatal(err)
	}
	fl.set(false)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 5 {
		t.Errorf("east after the cancelled order: on hand %d reserved %d, want 5 and 0", lv.OnHand, lv.Reserved)
	}
	// The failed purchase may have been bought with its answer lost: the
	// cancel replays it under its key and voids what it gets, so no label
	// stays live (see TestLabelWhoseAnswerWasLostIsVoidedWhenTheOrderIsCancelled).
	if n := e.carrier.Purchases(); n > 1 {
		t.Errorf("%d labels bought for a cancelled order, want at most 1", n)
	}
	if n := e.liveLabels(); n != 0 {
		t.Errorf("%d labels live for a cancelled order", n)
	}
	e.reconcile()
}

// TestLostPackageDeliveredAfterReship: a package declared lost and
// re-shipped turns up delivered after all, and then the re-shipped one is
// delivered too: the order's delivered counters count the units once and
// every update is accepted.
func TestLostPackageDeliveredAfterReship(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	num := sh.Packages[0].TrackingNumber
	e.trackingStatus(num, tracking.StatusException, tracking.ReasonLost)
	if _, err := e.svc.ReshipLost(e.ctx, sh.ID, 0); err != nil {
		t.Fatal(err)
	}
	if res, err = e.svc.Process(e.ctx, o.ID); err != nil || len(res.Shipments) != 2 {
		t.Fatalf("%v, %d shipments", err, len(res.Shipments))
	}
	var reship *fulfillment.Shipment
	for _, s := range res.Shipments {
		if s.ID != sh.ID {
			reship = s
		}
	}
	for _, n := range []string{num, reship.Packages[0].TrackingNumber} {
		if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: n, Status: tracking.StatusDelivered, At: e.clock.Now()}); err != nil {
			t.Errorf("delivered %s: %v", n, err)
		}
	}
	if got := e.order(o.ID); got.Lines[0].Delivered != 2 {
		t.Errorf("delivered %d, want 2", got.Lines[0].Delivered)
	}
}

// TestVerifyPackScanTotalsDoNotWrap: scans whose counts sum beyond int64
// are refused, not wrapped around into a match.
func TestVerifyPackScanTotalsDoNotWrap(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{VerifyPacking: true})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	if len(fo.Packages) != 1 || fo.Packages[0].Verified {
		t.Fatalf("packages: %+v", fo.Packages)
	}
	// 2 + 2^14 × 2^50 = 2 + 2^64 wraps to 2 in int64.
	scans := []fulfillment.Scan{{SKU: "MUG", Quantity: 2}}
	for i := 0; i < 1<<14; i++ {
		scans = append(scans, fulfillment.Scan{SKU: "MUG", Quantity: oms.MaxQuantity})
	}
	if _, err := e.svc.VerifyPack(e.ctx, fo.ID, 0, scans); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a scan of 2+2^64 units: %v, want a validation error", err)
	}
	got, err := e.svc.FulfillmentOrder(e.ctx, fo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Packages[0].Verified {
		t.Error("the package was verified by a wrapped scan total")
	}
}

// TestLostPackageDeliveredBeforeReshipShips: a lost package turns up
// delivered after its re-shipment was allocated but before it shipped:
// the order is complete, and the re-shipment's stock goes back (no label
// is bought for it).
func TestLostPackageDeliveredBeforeReshipShips(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	num := sh.Packages[0].TrackingNumber
	e.trackingStatus(num, tracking.StatusException, tracking.ReasonLost)
	if _, err := e.svc.ReshipLost(e.ctx, sh.ID, 0); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 2 {
		t.Fatalf("reserved for the re-shipment: %d", lv.Reserved)
	}
	if _, err := e.svc.ApplyTracking(e.ctx, fulfillment.TrackingUpdate{Carrier: "fake", TrackingNumber: num, Status: tracking.StatusDelivered, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := e.order(o.ID); got.Status != order.StatusCompleted {
		t.Fatalf("order %s", got.Status)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 3 {
		t.Errorf("east: on hand %d reserved %d, want 3 and 0", lv.OnHand, lv.Reserved)
	}
	if n := e.carrier.Purchases(); n != 1 {
		t.Errorf("%d labels, want 1", n)
	}
	e.reconcile()
}

// hookLabels runs after each label purchase that succeeded.
type hookLabels struct {
	*shippingtest.FakeCarrier
	after func(n int)
	mu    sync.Mutex
	n     int
}

func (c *hookLabels) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	l, err := c.FakeCarrier.BuyLabel(ctx, req)
	if err == nil {
		c.mu.Lock()
		c.n++
		n := c.n
		c.mu.Unlock()
		c.after(n)
	}
	return l, err
}

// TestLabelsBoughtBeforeACancelAreRecorded: the order is cancelled while
// a two-package shipment buys its labels; the label bought before the
// cancel is recorded on its package (the host can void it), not lost.
func TestLabelsBoughtBeforeACancelAreRecorded(t *testing.T) {
	var e *env
	var oid oms.ID
	e = newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier {
		return &hookLabels{FakeCarrier: c, after: func(n int) {
			if n == 1 {
				if _, err := e.orders.Cancel(e.ctx, oid, order.CancelInput{Reason: "changed mind"}); err != nil {
					t.Error(err)
				}
			}
		}}
	}})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.item("TEE", "")
	e.stock("MUG", "east", 5)
	e.stock("TEE", "east", 5)
	o := e.place(nil, big("TEE", 1), small("MUG", 2))
	oid = o.ID
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("process while the order is cancelled: %v", err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.carrier.Purchases(); n != 1 {
		t.Fatalf("%d labels bought, want 1", n)
	}
	shs, err := e.svc.Shipments(e.ctx, o.ID)
	if err != nil || len(shs) != 1 || len(shs[0].Packages) != 2 {
		t.Fatalf("%v %+v", err, shs)
	}
	labelled := 0
	for _, p := range shs[0].Packages {
		if p.LabelID != "" {
			labelled++
		}
	}
	if labelled != 1 {
		t.Errorf("%d packages record a label, want the 1 bought", labelled)
	}
	e.reconcile()
}

// TestCancelledOrderVoidsLabelsAndReleasesStock: an order cancelled after
// a label was bought but before its stock was committed: Process voids
// the label and gives the stock back; the cancelled fulfillment order
// buys nothing more.
func TestCancelledOrderVoidsLabelsAndReleasesStock(t *testing.T) {
	var e *env
	var oid oms.ID
	e = newEnv(t, &envConfig{carrier: func(c *shippingtest.FakeCarrier) shipping.Carrier {
		return &hookLabels{FakeCarrier: c, after: func(n int) {
			if n == 1 {
				if _, err := e.orders.Cancel(e.ctx, oid, order.CancelInput{Reason: "changed mind"}); err != nil {
					t.Error(err)
				}
			}
		}}
	}})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	oid = o.ID
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("process while the order is cancelled: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 || lv.OnHand != 5 {
		t.Errorf("east: on hand %d reserved %d, want 5 and 0", lv.OnHand, lv.Reserved)
	}
	shs, err := e.svc.Shipments(e.ctx, o.ID)
	if err != nil || len(shs) != 1 || shs[0].Packages[0].LabelID == "" {
		t.Fatalf("%v %+v", err, shs)
	}
	if !e.carrier.Voided(shs[0].Packages[0].LabelID) {
		t.Error("the label of the cancelled order was not voided")
	}
	fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
	if len(fos) != 1 || fos[0].Status != fulfillment.StatusCancelled {
		t.Errorf("fulfillment orders: %+v", fos)
	}
	if _, err := e.svc.Ship(e.ctx, fos[0].ID); err == nil {
		t.Error("a cancelled fulfillment order shipped")
	}
	if n := e.carrier.Purchases(); n != 1 {
		t.Errorf("%d labels bought, want 1", n)
	}
	e.reconcile()
}

// TestConcurrentProcessAndOrderCancel races Process from several workers
// with the host cancelling the order: either the order shipped (the
// cancel was refused) or its fulfillment orders are cancelled, nothing is
// reserved for it, every label bought in the race is voided, and a later
// Process succeeds. (A commit racing the cancel may still take stock out:
// see the review report.)
func TestConcurrentProcessAndOrderCancel(t *testing.T) {
	for round := 0; round < 20; round++ {
		e := twoSites(t, fulfillment.ServiceOptions{})
		e.stock("MUG", "east", 1)
		e.stock("MUG", "west", 5)
		o := e.place(nil, small("MUG", 3), big("TEE", 0+1))
		e.stock("TEE", "west", 1)
		initial := map[oms.SKU]int64{"MUG@east": 1, "MUG@west": 5, "TEE@west": 1}
		var wg sync.WaitGroup
		var cancelErr error
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = e.svc.Process(e.ctx, o.ID)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, cancelErr = e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "race"})
		}()
		wg.Wait()
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatalf("round %d: process after the race (cancel: %v): %v", round, cancelErr, err)
		}
		got := e.order(o.ID)
		if got.Status == order.StatusCancelled {
			for _, loc := range []oms.ID{"east", "west"} {
				for _, sku := range []oms.SKU{"MUG", "TEE"} {
					if lv := e.level(sku, loc); lv.Reserved != 0 {
						t.Errorf("round %d: cancelled order still reserves %d %s at %s", round, lv.Reserved, sku, loc)
					}
					if lv, want := e.level(sku, loc), initial[sku+"@"+oms.SKU(loc)]; lv.OnHand != want {
						t.Errorf("round %d: cancelled order took stock: %s at %s on hand %d, want %d", round, sku, loc, lv.OnHand, want)
					}
				}
			}
			shs, _ := e.svc.Shipments(e.ctx, o.ID)
			for _, sh := range shs {
				for _, p := range sh.Packages {
					if p.LabelID != "" && !e.carrier.Voided(p.LabelID) {
						t.Errorf("round %d: label %s of the cancelled order not voided", round, p.LabelID)
					}
				}
			}
			fos, _ := e.svc.FulfillmentOrders(e.ctx, o.ID)
			for _, fo := range fos {
				if fo.Status != fulfillment.StatusCancelled {
					t.Errorf("round %d: fulfillment order %s is %s", round, fo.ID, fo.Status)
				}
			}
		}
		e.reconcile()
	}
}

// TestMergeOpenWithScheduledWaitsForStock: merging a backordered
// (scheduled) fulfillment order into an open one at the same location
// makes one that waits for the stock: no label is bought for units that
// are not on hand.
func TestMergeOpenWithScheduledWaitsForStock(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.item("PRE", inventory.BackorderAllow)
	e.stock("PRE", "east", 1)
	o := e.place(nil, small("PRE", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var open, sched oms.ID
	for _, fo := range fos {
		switch fo.Status {
		case fulfillment.StatusOpen:
			open = fo.ID
		case fulfillment.StatusScheduled:
			sched = fo.ID
		}
	}
	if open == "" || sched == "" {
		t.Skipf("plan has no open and scheduled pair at one location: %+v", fos)
	}
	m, err := e.svc.Merge(e.ctx, []oms.ID{open, sched})
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != fulfillment.StatusScheduled {
		t.Errorf("merged fulfillment order is %s, want scheduled (2 of its 3 units are not on hand)", m.Status)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.carrier.Purchases(); n != 0 {
		t.Errorf("%d labels bought for units not on hand", n)
	}
	e.reconcile()
}

// TestThirdPartyShippedRefusesHostileInput: a provider's report with one
// tracking number twice, or an oversized service code, is a validation
// error and changes nothing.
func TestThirdPartyShippedRefusesHostileInput(t *testing.T) {
	p := &fakeProvider{accept: true}
	e := twoSites(t, fulfillment.ServiceOptions{Provider: p})
	e.location("3pl", 0, func(l *inventory.Location) { l.Kind = inventory.KindThirdParty })
	e.stock("MUG", "3pl", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := res.FulfillmentOrders[0].ID
	huge := make([]byte, 1<<20)
	for i := range huge {
		huge[i] = 'x'
	}
	for name, in := range map[string]fulfillment.ThirdPartyShipment{
		"same number twice": {Carrier: "fake", TrackingNumbers: []string{"T1", "T1"}},
		"1 MB service code": {Carrier: "fake", ServiceCode: string(huge), TrackingNumbers: []string{"T1"}},
	} {
		if _, err := e.svc.ThirdPartyShipped(e.ctx, id, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: %v, want a validation error", name, err)
		}
	}
	if shs, _ := e.svc.Shipments(e.ctx, o.ID); len(shs) != 0 {
		t.Errorf("%d shipments after refused reports", len(shs))
	}
	if lv := e.level("MUG", "3pl"); lv.OnHand != 5 || lv.Reserved != 2 {
		t.Errorf("3pl stock: %+v", lv)
	}
}

// TestPickupAtUnknownOrShippingOnlyLocation: a pickup order naming a
// location that does not exist or offers no pickup is refused, nothing
// reserved.
func TestPickupAtUnknownOrShippingOnlyLocation(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 5)
	long := make([]byte, 500)
	for i := range long {
		long[i] = 'L'
	}
	for _, at := range []string{"nowhere", "east", string(long)} {
		o := e.place(func(in *order.PlaceInput) {
			in.Metadata = map[string]string{fulfillment.PickupMetadataKey: at}
		}, small("MUG", 1))
		if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
			t.Errorf("pickup at %.10q: accepted", at)
		}
		e.nothingReserved(o.ID)
	}
	if lv := e.level("MUG", "east"); lv.Reserved != 0 {
		t.Errorf("reserved %d", lv.Reserved)
	}
}

// TestCancelPathFaultInjection: the host cancels an order that is being
// picked; Process gives its stock back while the k-th write of any store
// fails (before or after it took effect), for every k; a re-run ends with
// nothing reserved, every fulfillment order cancelled and inventory
// reconciled.
func TestCancelPathFaultInjection(t *testing.T) {
	setup := func(f *faults) (*env, oms.ID) {
		e := faultEnvWith(t, f, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
		o := e.place(nil, big("BIG", 3), small("SMALL", 2))
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.orders.Cancel(e.ctx, o.ID, order.CancelInput{Reason: "changed mind"}); err != nil {
			t.Fatal(err)
		}
		return e, o.ID
	}
	ref := &faults{}
	e, id := setup(ref)
	ref.on = true
	if _, err := e.svc.Process(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	writes := ref.n
	if writes < 4 {
		t.Fatalf("the cancel path made %d writes", writes)
	}
	for _, after := range []bool{false, true} {
		for k := 1; k <= writes; k++ {
			f := &faults{k: k, after: after}
			e, id := setup(f)
			f.on = true
			_, _ = e.svc.Process(e.ctx, id)
			for i := 0; i < 2; i++ {
				if _, err := e.svc.Process(e.ctx, id); err != nil {
					t.Fatalf("k=%d after=%v: re-run: %v", k, after, err)
				}
			}
			for _, loc := range []oms.ID{"east", "west"} {
				for _, sku := range []oms.SKU{"BIG", "SMALL"} {
					if lv := e.level(sku, loc); lv.Reserved != 0 {
						t.Errorf("k=%d after=%v: %d %s still reserved at %s", k, after, lv.Reserved, sku, loc)
					}
				}
			}
			fos, _ := e.svc.FulfillmentOrders(e.ctx, id)
			for _, fo := range fos {
				if fo.Status != fulfillment.StatusCancelled {
					t.Errorf("k=%d after=%v: fulfillment order %s is %s", k, after, fo.ID, fo.Status)
				}
			}
			e.reconcile()
		}
	}
}

// TestAllocateLargestRequests: the largest plan requests (1,000 lines, 40
// locations, each with a share of the SKUs) plan every unit with every
// strategy, with and without a shipment cap (in about 2 s under -race).
func TestAllocateLargestRequests(t *testing.T) {
	r := fulfillment.PlanRequest{ShipTo: customer, Channel: "web"}
	for i := 0; i < 40; i++ {
		r.Locations = append(r.Locations, loc(oms.ID("L"+itoa(i)), i, 30+float64(i)/4, -100+float64(i)))
	}
	for i := 0; i < fulfillment.MaxPlanLines; i++ {
		sku := oms.SKU("S" + itoa(i))
		r.Lines = append(r.Lines, pl(oms.ID("l"+itoa(i)), sku, 3))
		for j := 0; j < 40; j++ {
			if (i+j)%7 == 0 {
				r.Stock = append(r.Stock, sup(sku, oms.ID("L"+itoa(j)), 2))
			}
		}
		r.Policies = append(r.Policies, fulfillment.SKUPolicy{SKU: sku, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}})
	}
	for name, st := range map[string]fulfillment.Strategy{
		"priority": fulfillment.ByPriority(), "stock": fulfillment.ByHighestStock(), "nearest": fulfillment.ByNearest(),
		"fewest": fulfillment.FewestShipments(),
	} {
		for _, max := range []int{0, 3} {
			req := r
			req.Strategy, req.Rules.MaxShipments = st, max
			p, err := fulfillment.Allocate(req)
			if err != nil {
				t.Errorf("%s max %d: %v", name, max, err)
				continue
			}
			var units int64
			for _, sh := range p.Shipments {
				for _, l := range sh.Lines {
					units += l.Quantity
				}
			}
			for _, b := range p.Backorders {
				units += b.Quantity
			}
			if units != 3*fulfillment.MaxPlanLines {
				t.Errorf("%s max %d: %d units planned, want %d", name, max, units, 3*fulfillment.MaxPlanLines)
			}
		}
	}
}

// TestMergeRefusesReshipWithFirstShipment: a re-shipment (its units
// already counted shipped on the order) does not merge with a fulfillment
// order whose units are not: the merged one would count them shipped twice
// or never.
func TestMergeRefusesReshipWithFirstShipment(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.item("PRE", inventory.BackorderAllow)
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 1), small("PRE", 1))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 1 {
		t.Fatalf("%d shipments", len(res.Shipments))
	}
	var sched *fulfillment.FulfillmentOrder
	for _, fo := range res.FulfillmentOrders {
		if fo.Status == fulfillment.StatusScheduled {
			sched = fo
		}
	}
	if sched == nil || sched.Location != "east" {
		t.Skipf("no backorder at east: %+v", res.FulfillmentOrders)
	}
	sh := res.Shipments[0]
	e.trackingStatus(sh.Packages[0].TrackingNumber, tracking.StatusException, tracking.ReasonLost)
	fos, err := e.svc.ReshipLost(e.ctx, sh.ID, 0)
	if err != nil || len(fos) != 1 || fos[0].Location != "east" {
		t.Fatalf("reship: %v %+v", err, fos)
	}
	for _, ids := range [][]oms.ID{{sched.ID, fos[0].ID}, {fos[0].ID, sched.ID}} {
		if _, err := e.svc.Merge(e.ctx, ids); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("merge %v: %v, want a validation error", ids, err)
		}
	}
	e.stock("PRE", "east", 1)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if d := counters(e.order(o.ID)); d["MUG"][4] != 1 || d["PRE"][4] != 1 {
		t.Errorf("shipped counters: %v", d)
	}
}

// TestCancelAfterInterruptedShortPickReleasesEverything: a short pick
// whose release was interrupted, then the fulfillment order cancelled:
// the short units are given back too.
func TestCancelAfterInterruptedShortPickReleasesEverything(t *testing.T) {
	f := &faults{}
	e := faultEnvWith(t, f, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	o := e.place(nil, big("BIG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil || len(res.FulfillmentOrders) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	fo := res.FulfillmentOrders[0]
	f.on, f.k = true, 2 // 1: the picks' save, 2: the short units' release
	if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, []fulfillment.Picked{{LineID: fo.Lines[0].LineID, Quantity: 1}}); !errors.Is(err, errInjected) {
		t.Fatalf("interrupted short pick: %v (writes %v)", err, f.counts)
	}
	f.on = false
	if _, err := e.svc.Cancel(e.ctx, fo.ID, "customer called"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if lv := e.level("BIG", fo.Location); lv.Reserved != 0 {
		t.Errorf("%d BIG still reserved at %s", lv.Reserved, fo.Location)
	}
	if c := counters(e.order(o.ID)); c["BIG"][1] != 2 {
		t.Errorf("order counters q/c/a/f/s/d: %v, want both units cancelled", c["BIG"])
	}
	e.reconcile()
}

// TestCancelMergedFulfillmentOrderWithTwoReservations: two halves of a
// line moved to another location (each with its own reservation) and
// merged there, then cancelled: the order line is cancelled once, in
// full, and both reservations give their units back.
func TestCancelMergedFulfillmentOrderWithTwoReservations(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 4)
	e.stock("MUG", "west", 4)
	o := e.place(nil, small("MUG", 4))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil || len(fos) != 1 || fos[0].Location != "east" {
		t.Fatalf("%v %+v", err, fos)
	}
	half, err := e.svc.Split(e.ctx, fos[0].ID, []fulfillment.SplitLine{{LineID: fos[0].Lines[0].LineID, Quantity: 2}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.svc.Move(e.ctx, fos[0].ID, "west")
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.Move(e.ctx, half.ID, "west")
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.Merge(e.ctx, []oms.ID{a.ID, b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(e.ctx, m.ID, "customer called"); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []oms.ID{"east", "west"} {
		if lv := e.level("MUG", loc); lv.Reserved != 0 {
			t.Errorf("%d MUG still reserved at %s", lv.Reserved, loc)
		}
	}
	if c := counters(e.order(o.ID)); c["MUG"][1] != 4 {
		t.Errorf("order counters q/c/a/f/s/d: %v, want 4 cancelled", c["MUG"])
	}
	e.reconcile()
}

// TestSameSKUOnTwoLinesSharesStock: two order lines of one SKU draw on the
// same stock: three units do not serve two lines of two (a shortage,
// nothing reserved), four across two locations do.
func TestSameSKUOnTwoLinesSharesStock(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{})
	e.stock("MUG", "east", 2)
	e.stock("MUG", "west", 1)
	o := e.place(nil, small("MUG", 2), small("MUG", 2))
	var se *fulfillment.ShortageError
	if _, err := e.svc.Process(e.ctx, o.ID); !errors.As(err, &se) {
		t.Fatalf("3 units for 4: %v", err)
	}
	e.nothingReserved(o.ID)
	e.stock("MUG", "west", 1)
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shipments) != 2 {
		t.Errorf("%d shipments, want 2", len(res.Shipments))
	}
	for _, loc := range []oms.ID{"east", "west"} {
		if lv := e.level("MUG", loc); lv.OnHand != 0 || lv.Reserved != 0 {
			t.Errorf("%s: %+v", loc, lv)
		}
	}
	for _, l := range e.order(o.ID).Lines {
		if l.Shipped != 2 {
			t.Errorf("line %s shipped %d", l.ID, l.Shipped)
		}
	}
	e.reconcile()
}

// TestConcurrentProcessWithOrderHold races Process from several workers
// with an order hold; after the hold is released one more run ships:
// one reservation, one label and one commit per package, exact counters.
func TestConcurrentProcessWithOrderHold(t *testing.T) {
	for round := 0; round < 10; round++ {
		ref := &faults{}
		e := faultEnv(t, ref)
		o := e.place(nil, big("BIG", 2), small("SMALL", 2))
		var wg sync.WaitGroup
		var held *order.Order
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = e.svc.Process(e.ctx, o.ID)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			held, _ = e.orders.AddHold(e.ctx, o.ID, order.HoldInput{Key: "fraud", Reason: order.HoldFraudReview})
		}()
		wg.Wait()
		if held == nil {
			t.Fatal("hold not added")
		}
		if _, err := e.orders.ReleaseHold(e.ctx, o.ID, held.OpenHolds()[0].ID, order.ReleaseInput{By: "ops"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got := e.outcome(o.ID)
		if got.Reservations != 1 || got.Packages != 3 || got.Labels != 3 || got.Commits != 3 {
			t.Fatalf("round %d: %+v", round, got)
		}
		if c := counters(e.order(o.ID)); c["BIG"] != [6]int64{2, 0, 2, 2, 2, 0} || c["SMALL"] != [6]int64{2, 0, 2, 2, 2, 0} {
			t.Fatalf("round %d counters: %v", round, c)
		}
		e.reconcile()
	}
}
