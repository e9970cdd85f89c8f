package returns_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/returns"
)

// failOnce fails the next write it is armed for, once: before the write
// (nothing saved) or after it (saved, but the caller sees an error, as
// when a connection drops after the commit).
type failOnce struct {
	mu          sync.Mutex
	failUpdates int
	afterWrite  bool
}

var errStoreDown = errors.New("store: connection lost")

func (f *failOnce) failNextUpdate(afterWrite bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failUpdates, f.afterWrite = 1, afterWrite
}

// write runs w, failing it when armed.
func (f *failOnce) write(w func() error) error {
	f.mu.Lock()
	fail, after := f.failUpdates > 0, f.afterWrite
	if fail {
		f.failUpdates--
	}
	f.mu.Unlock()
	if fail && !after {
		return errStoreDown
	}
	err := w()
	if fail && err == nil {
		return errStoreDown
	}
	return err
}

// flakyStore is a returns.Store whose next Update fails once (failOnce).
type flakyStore struct {
	returns.Store
	failOnce
}

func (s *flakyStore) Update(ctx context.Context, r *returns.Return, expected int64, events []oms.Event) error {
	return s.write(func() error { return s.Store.Update(ctx, r, expected, events) })
}

// TestAdvanceExchangeHoldSurvivesAFailedApprovalSave: the approval of an
// advance exchange reserves the replacement, then its save fails (before
// or after the write reached the store). Approving again must leave the
// replacement's stock held under the reservation the return names. It
// used to release the reservation on any save error: after a write that
// went through, the approved return named a released reservation; before
// it, the retry derived the same reservation ID and got the released one
// back. Either way the replacement was no longer held.
func TestAdvanceExchangeHoldSurvivesAFailedApprovalSave(t *testing.T) {
	for _, afterWrite := range []bool{false, true} {
		s := newShop(t, nil)
		flaky := &flakyStore{Store: s.store}
		pol := s.svc.Policy()
		svc, err := returns.NewService(flaky, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: s.carrier,
			ReturnAddress: warehouse, Tracking: s.tracking, Policy: &pol, Clock: s.clock})
		if err != nil {
			t.Fatal(err)
		}
		o := s.delivered("cart-advance-fault")
		r := ok[*returns.Return](t)(svc.Request(s.ctx, returns.RequestInput{Key: "rq", OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
				Replacement: &returns.Replacement{SKU: "TEE-L", Location: "WH1"}}}}))
		flaky.failNextUpdate(afterWrite)
		if _, err := svc.Approve(s.ctx, r.ID, returns.StatusInput{}); !errors.Is(err, errStoreDown) {
			t.Fatalf("after write %v: first approval: %v, want the store's error", afterWrite, err)
		}
		r = ok[*returns.Return](t)(svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		if r.Status != returns.StatusApproved || r.Exchange == nil || r.Exchange.OrderID == "" {
			t.Fatalf("after write %v: approved return %s, exchange %+v", afterWrite, r.Status, r.Exchange)
		}
		res, err := s.inv.Reservation(s.ctx, r.Exchange.ReservationID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != inventory.StatusActive {
			t.Errorf("after write %v: the return's reservation %s is %s, want active", afterWrite, res.ID, res.Status)
		}
		if l := s.level("TEE-L", "WH1"); l.Reserved != 1 || l.Available() != 9 {
			t.Errorf("after write %v: TEE-L at WH1 reserved %d, available %d; want 1 and 9", afterWrite, l.Reserved, l.Available())
		}
	}
}
