package returns_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
)

var parcel = shipping.Parcel{Dimensions: oms.Dimensions{Length: 300 * oms.Millimetre, Width: 200 * oms.Millimetre, Height: 100 * oms.Millimetre}, Weight: 900 * oms.Gram}

// TestEndToEndReturnRefundedOnceAndExchange: a delivered two-line order; a
// return of one mug approved with a label, tracked in transit, received,
// inspected (restocked), refunded through the gateway exactly once even
// though the first refund lost its answer after the gateway took the
// money; then an exchange of the tee that creates and links a
// replacement order.
func TestEndToEndReturnRefundedOnceAndExchange(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-e2e")
	mug, tee := o.Lines[0], o.Lines[1]
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-1", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Comment: "too small"}}}))
	if r.Status != returns.StatusRequested || r.Lines[0].Resolution != returns.ResolutionRefund {
		t.Fatalf("requested: %s %s", r.Status, r.Lines[0].Resolution)
	}
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{By: "support"}))
	r = ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	if r.Status != returns.StatusLabelIssued || r.Label == nil || r.Label.TrackingNumbers[0] != "1ZRET1" || !r.Label.Price.Equal(usd("7.50")) {
		t.Fatalf("label: %s %+v", r.Status, r.Label)
	}
	// The label is bought once, however often it is asked for.
	again := ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	if again.Label.ID != r.Label.ID || s.carrier.Purchases() != 1 {
		t.Errorf("second IssueLabel: label %s, %d purchases", again.Label.ID, s.carrier.Purchases())
	}
	if len(s.tracking.regs) != 1 || s.tracking.regs[0].TrackingNumber != "1ZRET1" || s.tracking.regs[0].ReturnID != r.ID {
		t.Errorf("tracking registrations: %+v", s.tracking.regs)
	}
	r = ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "ev1", TrackingNumber: "1ZRET1", Status: returns.CarrierInTransit}))
	if r.Status != returns.StatusInTransit {
		t.Fatalf("after in_transit event: %s", r.Status)
	}
	r = ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "ev2", TrackingNumber: "1ZRET1", Status: returns.CarrierDelivered}))
	if r.Status != returns.StatusReceived || r.Lines[0].Received != 1 {
		t.Fatalf("after delivered event: %s, received %d", r.Status, r.Lines[0].Received)
	}
	// The delivered event replayed changes nothing.
	r = ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "ev2", TrackingNumber: "1ZRET1", Status: returns.CarrierDelivered}))
	if got := s.order(o.ID).Lines[0].Returned; got != 1 {
		t.Errorf("order line returned = %d, want 1", got)
	}
	before := s.level("MUG-BLUE", "WH1").OnHand
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
	if r.Status != returns.StatusInspected || r.Lines[0].Restocked != 1 || !r.Moves[0].Done {
		t.Fatalf("inspected: %s restocked %d moves %+v", r.Status, r.Lines[0].Restocked, r.Moves)
	}
	ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
	if got := s.level("MUG-BLUE", "WH1").OnHand; got != before+1 {
		t.Errorf("on hand %d after the inspection and its replay, want %d", got, before+1)
	}
	// The gateway takes the money and the answer is lost.
	s.gw.loseNextRefunds(1)
	var pe *order.PaymentError
	if _, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}); !errors.As(err, &pe) {
		t.Fatalf("first resolve: %v, want a payment error", err)
	}
	if got := s.gw.Ledger(o.ID).Refunded; !got.Equal(usd("10.82")) {
		t.Fatalf("the gateway should hold the refund: %s", got)
	}
	if got := s.ret(r.ID); got.Status != returns.StatusInspected || got.Refund == nil || got.Refund.Done {
		t.Fatalf("after the lost answer: %s %+v", got.Status, got.Refund)
	}
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if r.Status != returns.StatusCompleted || !r.Refund.Done || !r.Refund.Breakdown.Total.Equal(usd("10.82")) {
		t.Fatalf("resolved: %s %+v", r.Status, r.Refund)
	}
	if d := cmp.Diff([]returns.Resolution{returns.ResolutionRefund}, r.Outcomes); d != "" {
		t.Errorf("outcomes: %s", d)
	}
	paid := s.order(o.ID)
	if !paid.Payment.Refunded.Equal(usd("10.82")) || !s.gw.Ledger(o.ID).Refunded.Equal(usd("10.82")) || paid.Payment.Pending != nil {
		t.Errorf("refunded: order %s, gateway %s, pending %v", paid.Payment.Refunded, s.gw.Ledger(o.ID).Refunded, paid.Payment.Pending)
	}
	refunds := 0
	for _, c := range s.gw.Calls() {
		if c.Kind == order.TxRefund && !c.Replay {
			refunds++
		}
	}
	if refunds != 1 {
		t.Errorf("%d refunds moved money at the gateway, want 1", refunds)
	}
	if paid.Lines[0].Refunded != 1 || !paid.Lines[0].RefundedAmount.Equal(usd("10.82")) {
		t.Errorf("order line refunded %d units, %s", paid.Lines[0].Refunded, paid.Lines[0].RefundedAmount)
	}
	want := []string{returns.EventRequested, returns.EventApproved, returns.EventLabelIssued, returns.EventInTransit, returns.EventReceived,
		returns.EventInspected, returns.EventStockMoved, returns.EventRefundRequested, returns.EventRefunded, returns.EventCompleted}
	if d := cmp.Diff(want, s.eventTypes(r.ID)); d != "" {
		t.Errorf("return events (-want +got):\n%s", d)
	}
	if rep, err := s.inv.Reconcile(s.ctx); err != nil || !rep.Clean() {
		t.Errorf("inventory does not reconcile: %+v %v", rep, err)
	}

	// An exchange of the tee for a size L at the same price.
	x := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-2", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: tee.ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L"}}}}))
	x = ok[*returns.Return](t)(s.svc.Approve(s.ctx, x.ID, returns.StatusInput{}))
	x = ok[*returns.Return](t)(s.svc.Receive(s.ctx, x.ID, returns.ReceiveInput{Key: "scan-9", Lines: []returns.ReceiveLine{{LineID: x.Lines[0].ID, Quantity: 1}}}))
	x = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, x.ID, returns.InspectInput{Key: "insp-2", Units: []returns.UnitInspection{
		{LineID: x.Lines[0].ID, Condition: returns.ConditionOpened, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
	x = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, x.ID, returns.ResolveInput{}))
	if x.Status != returns.StatusCompleted || x.Exchange == nil || x.Exchange.OrderID == "" {
		t.Fatalf("exchange: %s %+v", x.Status, x.Exchange)
	}
	rep := s.order(x.Exchange.OrderID)
	if rep.Metadata["return_id"] != string(x.ID) || rep.Metadata["original_order_id"] != string(o.ID) ||
		rep.Lines[0].SKU != "TEE-L" || !rep.Totals.GrandTotal.IsZero() || rep.OnHold() {
		t.Errorf("replacement order: %+v total %s hold %v", rep.Metadata, rep.Totals.GrandTotal, rep.OnHold())
	}
	d := x.Exchange.Difference
	if !d.Credit.Equal(usd("18.03")) || !d.Replacement.Equal(usd("18.03")) || !d.Due.IsZero() || !d.Credited.IsZero() {
		t.Errorf("difference %+v", d)
	}
	if again := ok[*returns.Return](t)(s.svc.Resolve(s.ctx, x.ID, returns.ResolveInput{})); again.Exchange.OrderID != x.Exchange.OrderID {
		t.Errorf("replayed resolve linked %s", again.Exchange.OrderID)
	}
	if got := s.order(o.ID).Payment.Refunded; !got.Equal(usd("10.82")) {
		t.Errorf("an even exchange refunded money: %s", got)
	}
}
