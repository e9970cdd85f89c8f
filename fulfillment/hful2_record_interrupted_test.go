package fulfillment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// failShipRecord fails every order write counting units shipped while
// fail is set.
type failShipRecord struct {
	order.Store
	mu   sync.Mutex
	fail bool
}

func (s *failShipRecord) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	for _, l := range o.Lines {
		if l.Shipped > 0 && fail {
			return errors.New("crash")
		}
	}
	return s.Store.Update(ctx, o, expected, events)
}

// TestShipmentRecordInterruptedThenUnitsCancelledIsReCut: the order's
// record of a shipment fails (the step saved before it stays on the
// fulfillment order), then a unit is cancelled on the order: Process
// still gives the shipment up and ships what is left, once.
func TestShipmentRecordInterruptedThenUnitsCancelledIsReCut(t *testing.T) {
	fs := &failShipRecord{fail: true}
	e := newEnv(t, &envConfig{wrapOrd: func(s order.Store) order.Store { fs.Store = s; return fs }})
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	if _, err := e.svc.Process(e.ctx, o.ID); err == nil {
		t.Fatal("Process with the shipment record failing: no error")
	}
	fs.mu.Lock()
	fs.fail = false
	fs.mu.Unlock()
	e.cancelOnOrder(o, 1)
	if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[oms.SKU][6]int64{"MUG": {2, 1, 1, 1, 1, 0}}, counters(e.order(o.ID))); diff != "" {
		t.Errorf("order counters -want +got:\n%s", diff)
	}
	if lv := e.level("MUG", "east"); lv.OnHand != 4 || lv.Reserved != 0 {
		t.Errorf("east: on hand %d reserved %d, want 4 and 0", lv.OnHand, lv.Reserved)
	}
	if n := e.liveLabels(); n != 1 {
		t.Errorf("%d labels live, want the 1 of the shipment that left", n)
	}
}
