package returns_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/returns/returnstest"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	returnstest.TestStore(t, func(*testing.T) returnstest.Harness {
		s := returns.NewMemoryStore(nil)
		return returnstest.Harness{Store: s, Events: s.Outbox().Events}
	})
}

func TestMemoryStoreRefusesCancelledContext(t *testing.T) {
	s := returns.NewMemoryStore(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := returnstest.Sample(oms.NewID(), "01JORDER0000000000000000A1")
	errs := []error{
		s.Create(ctx, r, nil), s.Update(ctx, r, 0, nil),
		func() error { _, err := s.Get(ctx, r.ID); return err }(),
		func() error { _, err := s.ListByOrder(ctx, r.OrderID); return err }(),
		func() error { _, err := s.GetByTracking(ctx, "x"); return err }(),
		func() error { _, err := s.ListExpiring(ctx, time.Now(), 0); return err }(),
	}
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("call %d: %v", i, err)
		}
	}
}

// TestResolvePlansAgainWhenTheOrderMoved: the refund was planned from an
// order version that changed before the order recorded it; Resolve plans
// again from the fresh order instead of refunding stale shares.
func TestResolvePlansAgainWhenTheOrderMoved(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-replan")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit},
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L"}},
	}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}, {LineID: r.Lines[1].ID, Quantity: 1}}}))
	ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"},
		{LineID: r.Lines[1].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
	// An order service without a gateway: the plan and the replacement
	// are saved, the refund fails before the order records it.
	noGateway := ok[*returns.Service](t)(returns.NewService(s.store, &returns.ServiceOptions{Orders: order.NewService(s.orderDB, &order.ServiceOptions{Clock: s.clock, Numbers: order.NewSequence("NG-", 1)}), Clock: s.clock}))
	if _, err := noGateway.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"}); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("resolve without gateway: %v", err)
	}
	planned := s.ret(r.ID).Refund.OrderVersion
	ok[*order.Order](t)(s.orders.AddNote(s.ctx, o.ID, "support", "customer called"))
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if r.Status != returns.StatusCompleted || r.Refund.OrderVersion == planned || !r.Refund.Breakdown.Total.Equal(usd("10.82")) {
		t.Errorf("after the order moved: %s, planned at %d then %d, total %s", r.Status, planned, r.Refund.OrderVersion, r.Refund.Breakdown.Total)
	}
	if got := s.order(o.ID).Payment.Refunded; !got.Equal(usd("10.82")) {
		t.Errorf("refunded %s", got)
	}
}

func TestUnsupportedAndEdgeCommands(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-edge")
	bare, err := returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	if p := bare.Policy(); p.WindowDays != 30 {
		t.Errorf("default policy window %d", p.WindowDays)
	}
	r := ok[*returns.Return](t)(bare.Request(s.ctx, returns.RequestInput{OrderID: o.ID, DeliveredAt: o.CompletedAt, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit}}}))
	if got := ok[*returns.Return](t)(bare.Get(s.ctx, r.ID)); got.ID != r.ID {
		t.Errorf("get %s", got.ID)
	}
	r = ok[*returns.Return](t)(bare.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if _, err := bare.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); !errors.Is(err, oms.ErrUnsupported) {
		t.Errorf("label without carrier: %v", err)
	}
	r = ok[*returns.Return](t)(bare.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 2}}}))
	if _, err := bare.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}); !errors.Is(err, oms.ErrUnsupported) {
		t.Errorf("inspection without inventory: %v", err)
	}
	// Missing units move no stock, so no inventory is needed.
	r = ok[*returns.Return](t)(bare.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Quantity: 2, Condition: returns.ConditionMissing}}}))
	r = ok[*returns.Return](t)(bare.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if r.Status != returns.StatusCompleted || len(r.Outcomes) != 0 || r.Refund.Breakdown.Total.IsPositive() {
		t.Errorf("nothing arrived: %s %v %s", r.Status, r.Outcomes, r.Refund.Breakdown.Total)
	}
	if _, err := bare.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "MUG-BLUE", Location: "WH1"}}}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("advance exchange not offered: %v", err)
	}
	// Text and shape problems.
	long := strings.Repeat("x", returns.MaxTextLength+1)
	for name, in := range map[string]returns.RequestInput{
		"invalid utf8": {OrderID: o.ID, Note: "\xff", Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther}}},
		"long note":    {OrderID: o.ID, Note: long, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther}}},
		"bad key":      {Key: "a b", OrderID: o.ID, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther}}},
		"no order":     {Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther}}},
		"bad resolution": {OrderID: o.ID, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther,
			Resolution: "cash"}}},
		"bad replacement": {OrderID: o.ID, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther,
			Resolution: returns.ResolutionExchange, Replacement: &returns.Replacement{SKU: "a b", Quantity: -1, UnitPrice: usd("-1.00"),
				Tax: usd("0.001"), Location: "x y"}}}},
		"tax without price": {OrderID: o.ID, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther,
			Resolution: returns.ResolutionExchange, Replacement: &returns.Replacement{SKU: "MUG-BLUE", Tax: usd("1.00")}}}},
		"too many lines": {OrderID: o.ID, Lines: make([]returns.RequestLine, returns.MaxLines+1)},
		"delivered in year 9999": {OrderID: o.ID, DeliveredAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
			Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther}}},
		"advance without exchange lines": {OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonOther}}},
	} {
		if _, err := s.svc.Request(s.ctx, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, err := range map[string]error{
		"approve bad note": func() error { _, err := s.svc.Approve(s.ctx, r.ID, returns.StatusInput{Note: "\x01"}); return err }(),
		"reject bad note":  func() error { _, err := s.svc.Reject(s.ctx, r.ID, returns.StatusInput{By: long}); return err }(),
		"cancel bad note":  func() error { _, err := s.svc.Cancel(s.ctx, r.ID, returns.StatusInput{Note: "\xff"}); return err }(),
		"resolve bad reason": func() error {
			_, err := s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{Reason: long})
			return err
		}(),
		"track without key": func() error {
			_, err := s.svc.Track(s.ctx, returns.TrackingUpdate{TrackingNumber: "1Z"})
			return err
		}(),
		"receive without key": func() error { _, err := s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{}); return err }(),
		"receive line twice": func() error {
			_, err := s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "k", Lines: []returns.ReceiveLine{{LineID: "a", Quantity: 1}, {LineID: "a", Quantity: 1}}})
			return err
		}(),
		"inspect nothing": func() error { _, err := s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "k"}); return err }(),
		"inspect too much": func() error {
			_, err := s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "k", Units: make([]returns.UnitInspection, returns.MaxLines+1)})
			return err
		}(),
		"inspect bad quantity": func() error {
			_, err := s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "k", Units: []returns.UnitInspection{{LineID: "a", Quantity: -1, Condition: returns.ConditionMissing, Note: "\x00"}}})
			return err
		}(),
		"label bad format": func() error {
			_, err := s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{{}}, Format: "gif"})
			return err
		}(),
		"claim bad resolution": func() error {
			_, err := s.svc.Claim(s.ctx, returns.ClaimInput{Key: "k", OrderID: o.ID, Type: returns.ClaimMissingItem, Resolution: "cash",
				Lines: []returns.ClaimLine{{OrderLineID: o.Lines[0].ID, Quantity: 1}}})
			return err
		}(),
		"claim unknown line": func() error {
			_, err := s.svc.Claim(s.ctx, returns.ClaimInput{Key: "k", OrderID: o.ID, Type: returns.ClaimMissingItem,
				Lines: []returns.ClaimLine{{OrderLineID: "nope", Quantity: 1}}})
			return err
		}(),
	} {
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: %v", name, err)
		}
	}
	noExchange := returns.Policy{WindowDays: 30}
	strict := ok[*returns.Service](t)(returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Policy: &noExchange, Clock: s.clock}))
	for _, res := range []returns.Resolution{returns.ResolutionExchange, returns.ResolutionStoreCredit} {
		if _, err := strict.Claim(s.ctx, returns.ClaimInput{Key: "k", OrderID: o.ID, Type: returns.ClaimMissingItem, Resolution: res,
			Lines: []returns.ClaimLine{{OrderLineID: o.Lines[1].ID, Quantity: 1}}}); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("claim %s not offered: %v", res, err)
		}
	}
	if _, err := s.svc.Resolve(s.ctx, "01JNOSUCHRETURN00000000000", returns.ResolveInput{}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("resolve unknown: %v", err)
	}
	if _, err := s.svc.Approve(s.ctx, "01JNOSUCHRETURN00000000000", returns.StatusInput{}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("approve unknown: %v", err)
	}
	if _, err := s.svc.Evaluate(s.ctx, "01JNOSUCHORDER000000000000", nil, time.Time{}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("evaluate unknown order: %v", err)
	}
}

func TestLabelFailuresAndTrackingEdges(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-label")
	failing := shippingtest.NewFakeCarrier("dhl", &shippingtest.FakeCarrierOptions{LabelErr: errors.New("carrier down")})
	svc := ok[*returns.Service](t)(returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Carrier: failing,
		ReturnAddress: warehouse, Clock: s.clock}))
	r := ok[*returns.Return](t)(svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = ok[*returns.Return](t)(svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if _, err := svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); err == nil || s.ret(r.ID).Label != nil {
		t.Errorf("a failed purchase: %v", err)
	}
	r = ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	tn := r.Label.TrackingNumbers[0]
	// Statuses that do not move the return change nothing.
	for _, st := range []returns.CarrierStatus{"pre_transit", "exception"} {
		if got := ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "e-" + string(st), TrackingNumber: tn, Status: st})); got.Version != r.Version {
			t.Errorf("%s moved the return", st)
		}
	}
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	for _, st := range []returns.CarrierStatus{returns.CarrierInTransit, returns.CarrierDelivered} {
		if got := ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "late-" + string(st), TrackingNumber: tn, Status: st})); got.Version != r.Version {
			t.Errorf("a late %s event moved a received return", st)
		}
	}
	// A label is not cancelled by a cancelled return, but the return is.
	c := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, c.ID, returns.StatusInput{}))
	ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, c.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	c = ok[*returns.Return](t)(s.svc.Cancel(s.ctx, c.ID, returns.StatusInput{Note: "kept it"}))
	if c.Status != returns.StatusCancelled || c.Label == nil {
		t.Errorf("cancelled with label: %s", c.Status)
	}
	if again := ok[*returns.Return](t)(s.svc.Cancel(s.ctx, c.ID, returns.StatusInput{})); again.Version != c.Version {
		t.Error("cancelling twice saved a change")
	}
	if got := ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "x", TrackingNumber: c.Label.TrackingNumbers[0], Status: returns.CarrierDelivered})); got.Status != returns.StatusCancelled {
		t.Errorf("a delivered event revived a cancelled return: %s", got.Status)
	}
	// A claim has no label.
	cl := ok[*returns.Return](t)(s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c", OrderID: o.ID, Type: returns.ClaimMissingItem, Resolution: returns.ResolutionStoreCredit,
		Lines: []returns.ClaimLine{{OrderLineID: o.Lines[0].ID, Quantity: 1}}}))
	if !cl.StoreCredit.Equal(usd("10.82")) {
		t.Errorf("claim credit %s", cl.StoreCredit)
	}
	if _, err := s.svc.IssueLabel(s.ctx, cl.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("label for a claim: %v", err)
	}
}

func TestSweepLimitAndApprovalRecheck(t *testing.T) {
	s := newShop(t, nil)
	o := s.deliveredN("cart-sweep", 4, 1)
	var ids []oms.ID
	for range 3 {
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		ids = append(ids, r.ID)
		s.clock.Advance(time.Minute)
	}
	// The fourth mug is asked for twice; the second approval finds it
	// taken.
	a := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	b := &returns.Return{}
	*b = *a
	b.ID = oms.NewIDAt(s.clock.Now())
	b.Lines = append([]returns.Line(nil), a.Lines...)
	b.AppliedKeys = nil
	if err := s.store.Create(s.ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, a.ID, returns.StatusInput{}))
	if _, err := s.svc.Approve(s.ctx, b.ID, returns.StatusInput{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("approving units another return took: %v", err)
	}
	s.clock.Advance(31 * 24 * time.Hour)
	first := ok[[]oms.ID](t)(s.svc.SweepExpired(s.ctx, 2))
	rest := ok[[]oms.ID](t)(s.svc.SweepExpired(s.ctx, 0))
	if len(first) != 2 || first[0] != ids[0] || len(rest) != 2 {
		t.Errorf("swept %v then %v", first, rest)
	}
}

func TestLateApprovalKeepsTheWindowOfTheRequest(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-late")
	s.clock.Advance(29 * 24 * time.Hour)
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	s.clock.Advance(5 * 24 * time.Hour) // the window closed meanwhile
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	// A tracking event ID of the longest accepted key still receives.
	key := strings.Repeat("k", 128)
	r = ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: key, TrackingNumber: r.Label.TrackingNumbers[0], Status: returns.CarrierDelivered}))
	if r.Status != returns.StatusReceived {
		t.Errorf("status %s", r.Status)
	}
}

func TestDefaultDispositionsByCondition(t *testing.T) {
	p := returns.DefaultPolicy()
	p.Dispositions = map[returns.Condition]returns.Disposition{returns.ConditionOpened: returns.DispositionQuarantine}
	s := newShop(t, &p)
	o := s.delivered("cart-disp")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 3}}}))
	l := r.Lines[0].ID
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
		{LineID: l, Condition: returns.ConditionNew, Location: "WH1"},
		{LineID: l, Condition: returns.ConditionOpened, Location: "WH1"},
		{LineID: l, Condition: returns.ConditionUsed, Location: "WH1"},
	}}))
	var got []returns.Disposition
	for _, in := range r.Inspections {
		got = append(got, in.Disposition)
	}
	want := []returns.Disposition{returns.DispositionRestock, returns.DispositionQuarantine, returns.DispositionRefurbish}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || r.Lines[0].Restocked != 1 {
		t.Errorf("dispositions %v, restocked %d", got, r.Lines[0].Restocked)
	}
	if d := p.Disposition(returns.ConditionDamaged); d != returns.DispositionQuarantine {
		t.Errorf("damaged goes to %s", d)
	}
	bad := returns.Policy{Dispositions: map[returns.Condition]returns.Disposition{returns.ConditionMissing: returns.DispositionRestock}}
	if err := bad.Validate(); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a disposition for missing units: %v", err)
	}
}
