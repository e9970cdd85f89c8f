package fulfillment_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

// TestModelRandomCommands runs random commands (holds, releases, splits,
// merges, moves, cancels, waves, picks with shortages, packing, shipping,
// Process) against orders over three locations, and after every command
// checks the invariants: every status move the events record is allowed
// by the table; no line or counter leaves its bounds; the order's
// allocated units equal the units its live fulfillment orders hold; the
// stock reconciles and nothing is oversold.
func TestModelRandomCommands(t *testing.T) {
	seeds, steps := 6, 120
	if testing.Short() {
		seeds = 2
	}
	if n, err := strconv.Atoi(os.Getenv("FULFILLMENT_MODEL_SEEDS")); err == nil {
		seeds, steps = n, 300 // a longer run: FULFILLMENT_MODEL_SEEDS=200 go test -run Model
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, seed, steps) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	e := newEnv(t, &envConfig{opts: fulfillment.ServiceOptions{Picking: fulfillment.PickManual}})
	locs := []oms.ID{"a", "b", "c"}
	for i, l := range locs {
		e.location(l, i, nil)
	}
	skus := []oms.SKU{"P", "Q", "R"}
	for _, s := range skus {
		e.item(s, "")
		for _, l := range locs {
			e.stock(s, l, int64(2+rng.IntN(6)))
		}
	}
	var orders []oms.ID
	pickFO := func() *fulfillment.FulfillmentOrder {
		if len(orders) == 0 {
			return nil
		}
		fos, _ := e.svc.FulfillmentOrders(e.ctx, orders[rng.IntN(len(orders))])
		if len(fos) == 0 {
			return nil
		}
		return fos[rng.IntN(len(fos))]
	}
	var holds []struct{ fo, hold oms.ID }
	for step := 0; step < steps; step++ {
		var what string
		var err error
		switch c := rng.IntN(14); {
		case c == 0 || len(orders) == 0:
			what = "place"
			var lines []lineSpec
			for _, s := range skus {
				if rng.IntN(2) == 0 {
					lines = append(lines, small(s, int64(1+rng.IntN(3))))
				}
			}
			if len(lines) == 0 {
				lines = []lineSpec{small("P", 1)}
			}
			o := e.place(nil, lines...)
			orders = append(orders, o.ID)
			_, err = e.svc.Process(e.ctx, o.ID)
		case c == 1:
			what = "process"
			_, err = e.svc.Process(e.ctx, orders[rng.IntN(len(orders))])
		case c == 2:
			if fo := pickFO(); fo != nil {
				what = "hold " + string(fo.ID)
				var got *fulfillment.FulfillmentOrder
				if got, err = e.svc.AddHold(e.ctx, fo.ID, fulfillment.HoldInput{Reason: fulfillment.HoldOther}); err == nil {
					holds = append(holds, struct{ fo, hold oms.ID }{fo.ID, got.Holds[len(got.Holds)-1].ID})
				}
			}
		case c == 3 && len(holds) > 0:
			h := holds[rng.IntN(len(holds))]
			what = "release " + string(h.fo)
			_, err = e.svc.ReleaseHold(e.ctx, h.fo, h.hold)
		case c == 4:
			if fo := pickFO(); fo != nil && len(fo.Lines) > 0 {
				what = "split " + string(fo.ID)
				_, err = e.svc.Split(e.ctx, fo.ID, []fulfillment.SplitLine{{LineID: fo.Lines[0].LineID, Quantity: 1}})
			}
		case c == 5:
			fo, other := pickFO(), pickFO()
			if fo != nil && other != nil {
				what = "merge " + string(fo.ID)
				_, err = e.svc.Merge(e.ctx, []oms.ID{fo.ID, other.ID})
			}
		case c == 6:
			if fo := pickFO(); fo != nil {
				what = "move " + string(fo.ID)
				_, err = e.svc.Move(e.ctx, fo.ID, locs[rng.IntN(len(locs))])
			}
		case c == 7:
			if fo := pickFO(); fo != nil && rng.IntN(3) == 0 {
				what = "cancel " + string(fo.ID)
				_, err = e.svc.Cancel(e.ctx, fo.ID, "model")
			}
		case c == 8:
			if fo := pickFO(); fo != nil {
				what = "wave " + string(fo.ID)
				_, err = e.svc.StartWave(e.ctx, fo.Location, []oms.ID{fo.ID})
			}
		case c == 9:
			if fo := pickFO(); fo != nil && len(fo.Lines) > 0 {
				what = "pick " + string(fo.ID)
				var picks []fulfillment.Picked
				if rng.IntN(3) == 0 {
					picks = []fulfillment.Picked{{LineID: fo.Lines[0].LineID, Quantity: int64(rng.IntN(int(fo.Lines[0].Quantity) + 1))}}
				}
				_, err = e.svc.ConfirmPicks(e.ctx, fo.ID, picks)
			}
		case c == 10:
			if fo := pickFO(); fo != nil {
				what = "pack " + string(fo.ID)
				_, err = e.svc.Pack(e.ctx, fo.ID)
			}
		case c >= 12:
			// The host cancels a unit on the order; Process takes it off.
			oid := orders[rng.IntN(len(orders))]
			ord := e.order(oid)
			l := ord.Lines[rng.IntN(len(ord.Lines))]
			what = "cancel lines " + string(oid)
			_, err = e.orders.CancelLines(e.ctx, oid, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: l.ID, Quantity: 1}}, Reason: "model"})
			if err == nil || expectedRefusal(err) {
				_, err = e.svc.Process(e.ctx, oid)
			}
		default:
			if fo := pickFO(); fo != nil {
				what = "ship " + string(fo.ID)
				_, err = e.svc.Ship(e.ctx, fo.ID)
			}
		}
		if err != nil && !expectedRefusal(err) {
			t.Fatalf("step %d %s: unexpected error: %v", step, what, err)
		}
		checkModel(t, e, orders, step, what)
	}
}

// expectedRefusal reports whether a command was refused for a reason the
// model allows (a state that does not permit it, a shortage).
func expectedRefusal(err error) bool {
	for _, k := range []error{oms.ErrInvalidTransition, oms.ErrValidation, oms.ErrInsufficientStock, oms.ErrOnHold, oms.ErrDuplicate} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool { return errors.Is(err, oms.ErrNotFound) }

func checkModelLocs(t *testing.T, e *env, orders []oms.ID, step int, what string) {
	t.Helper()
	checkModel(t, e, orders, step, what)
}

func checkModel(t *testing.T, e *env, orders []oms.ID, step int, what string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("step %d after %s: "+format, append([]any{step, what}, args...)...)
	}
	r, err := e.inv.Reconcile(e.ctx)
	if err != nil || !r.Clean() {
		fail("reconcile: %v %+v", err, r.Mismatches)
	}
	for _, o := range orders {
		got := e.order(o)
		if err := got.CheckCounters(); err != nil {
			fail("order counters: %v", err)
		}
		fos, _ := e.svc.FulfillmentOrders(e.ctx, o)
		held := map[oms.ID]int64{}
		for _, fo := range fos {
			if !fo.Status.Valid() {
				fail("fulfillment order %s has status %q", fo.ID, fo.Status)
			}
			if fo.OnHold() != (fo.Status == fulfillment.StatusOnHold) {
				fail("fulfillment order %s: status %s with open holds %v", fo.ID, fo.Status, fo.OnHold())
			}
			for _, ev := range e.outbox.Events(fo.ID) {
				if ev.Type != fulfillment.EventStatusChanged {
					continue
				}
				var p fulfillment.StatusPayload
				if err := ev.Decode(&p); err != nil {
					fail("%v", err)
				}
				if p.From != p.To && !fulfillment.CanTransition(p.From, p.To) {
					fail("fulfillment order %s moved %s → %s, which the table forbids", fo.ID, p.From, p.To)
				}
			}
			live := fo.Status != fulfillment.StatusCancelled && fo.MovedTo == ""
			for _, l := range fo.Lines {
				if l.Quantity < 0 || l.Picked < 0 || l.Short < 0 || l.Picked+l.Short > l.Quantity {
					fail("fulfillment order %s line %+v out of bounds", fo.ID, l)
				}
				if live {
					held[l.LineID] += l.Quantity - l.Short
				}
			}
		}
		for _, l := range got.Lines {
			if held[l.ID] != l.Allocated {
				fail("order %s line %s: allocated %d, live fulfillment orders hold %d", o, l.SKU, l.Allocated, held[l.ID])
			}
		}
	}
	for _, s := range []oms.SKU{"P", "Q", "R"} {
		for _, l := range []oms.ID{"a", "b", "c"} {
			lv := e.level(s, l)
			if lv.OnHand < 0 || lv.Reserved > lv.OnHand {
				fail("%s at %s oversold: %+v", s, l, lv)
			}
		}
	}
	_ = inventory.ReasonLoss
	_ = order.StatusProcessing
}
