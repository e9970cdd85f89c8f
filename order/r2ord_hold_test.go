package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestEditBeyondTheAuthorizationHoldsEvenWhileStaffHoldsForPayment: an
// edit raising the total beyond the authorization adds the Service's
// awaiting_payment hold only when no awaiting_payment hold is open, so
// while staff held the order for payment themselves ("bank transfer
// pending") it added none; once staff released their hold the order was
// short of its grand total with no awaiting_payment hold, and Confirm
// let it through unpaid (64.48 authorized for 75.48). The edit now adds
// its own hold unless one the Service added is open, so the order waits
// for payment until the authorization covers the total.
func TestEditBeyondTheAuthorizationHoldsEvenWhileStaffHoldsForPayment(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	svc, _ := newShop()
	o := ok(svc.Place(ctx, sampleInput()))
	if o.OnHold() {
		t.Fatalf("placed fully authorized but held: %+v", o.Holds)
	}
	o = ok(svc.AddHold(ctx, o.ID, order.HoldInput{Key: "transfer", Reason: order.HoldAwaitingPayment, By: "staff", Note: "bank transfer pending"}))
	staff := o.OpenHolds()[0].ID
	o = ok(svc.Edit(ctx, o.ID, order.EditInput{Key: "e1", Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("20.00")}}}))
	o = ok(svc.ReleaseHold(ctx, o.ID, staff, order.ReleaseInput{By: "staff", Note: "transfer received"}))
	if !o.HasOpenHold(order.HoldAwaitingPayment) {
		t.Errorf("authorized %s for a grand total of %s, and no awaiting_payment hold is open", o.Payment.Authorized, o.Totals.GrandTotal)
	}
	if _, err := svc.Confirm(ctx, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("Confirm of the order short of its grand total: %v, want oms.ErrInvalidTransition", err)
	}
}

// TestCallerHoldByNamedSystemIsNotTakenForTheServices: the Service told
// its own awaiting_payment holds by their By field, "system", which a
// caller may give too (a host's automated payment system names itself
// so): an edit lowering the total released the caller's hold ("wait for
// the bank transfer") as if it were the Service's. Only holds the
// Service added are released now.
func TestCallerHoldByNamedSystemIsNotTakenForTheServices(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	svc, _ := newShop()
	o := ok(svc.Place(ctx, sampleInput()))
	for _, key := range []string{"transfer", ""} {
		o = ok(svc.AddHold(ctx, o.ID, order.HoldInput{Key: key, Reason: order.HoldAwaitingPayment, By: "system", Note: "wait for the bank transfer"}))
	}
	o = ok(svc.Edit(ctx, o.ID, order.EditInput{Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "MUG-BLUE"}, Quantity: 2}}}))
	if n := len(o.OpenHolds()); n != 2 {
		t.Errorf("%d holds open after an edit lowering the total, want the caller's 2: %+v", n, o.Holds)
	}
}
