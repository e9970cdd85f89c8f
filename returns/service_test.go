package returns_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/shopspring/decimal"
)

func TestRequestRefusedByPolicyChangesNothing(t *testing.T) {
	p := returns.DefaultPolicy()
	p.Rules = []returns.Rule{{SKU: "TEE-M", FinalSale: true}}
	s := newShop(t, &p)
	o := s.delivered("cart-window")
	before := s.snapshot(o.ID)
	_, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	var ie *returns.IneligibleError
	if !errors.As(err, &ie) || ie.Verdicts[0].Code != returns.CodeFinalSale || !strings.Contains(err.Error(), string(o.Lines[1].ID)) {
		t.Errorf("final sale: %v", err)
	}
	s.clock.Advance(31 * 24 * time.Hour)
	_, err = s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	if !errors.As(err, &ie) || ie.Verdicts[0].Code != returns.CodeWindowClosed || !errors.Is(err, oms.ErrValidation) {
		t.Errorf("outside the window: %v", err)
	}
	if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
		t.Errorf("refused requests changed something:\n%s", d)
	}
	vs, err := s.svc.Evaluate(s.ctx, o.ID, []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}, time.Time{})
	if err != nil || vs[0].Code != returns.CodeWindowClosed {
		t.Errorf("Evaluate: %+v %v", vs, err)
	}
}

func TestRequestReplayAndRejection(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-replay")
	in := returns.RequestInput{Key: "rma-7", OrderID: o.ID, Note: "please",
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}
	a := ok[*returns.Return](t)(s.svc.Request(s.ctx, in))
	b := ok[*returns.Return](t)(s.svc.Request(s.ctx, in))
	if a.ID != b.ID || b.Version != 1 {
		t.Errorf("replay created %s (first %s)", b.ID, a.ID)
	}
	r := ok[*returns.Return](t)(s.svc.Reject(s.ctx, a.ID, returns.StatusInput{Note: "used"}))
	if r.Status != returns.StatusRejected || r.RejectReason != "used" || !r.Status.Final() {
		t.Errorf("rejected: %+v", r)
	}
	if again := ok[*returns.Return](t)(s.svc.Reject(s.ctx, a.ID, returns.StatusInput{})); again.Version != r.Version {
		t.Errorf("rejecting twice saved a change")
	}
	// A rejected return no longer holds its units.
	ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDoesntFit}}}))
	list := ok[[]*returns.Return](t)(s.svc.ListByOrder(s.ctx, o.ID))
	if len(list) != 2 {
		t.Errorf("%d returns listed", len(list))
	}
}

func TestCustomerArrangedShippingAndExpiry(t *testing.T) {
	p := returns.DefaultPolicy()
	p.ReturnShipping = returns.ReturnShippingCustomer
	p.ExpireAfter = 14 * 24 * time.Hour
	s := newShop(t, &p)
	o := s.delivered("cart-expiry")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if !r.ExpiresAt.Equal(start.Add(14 * 24 * time.Hour)) {
		t.Errorf("expires at %v", r.ExpiresAt)
	}
	if _, err := s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("label under customer-arranged shipping: %v", err)
	}
	kept := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	kept = ok[*returns.Return](t)(s.svc.Approve(s.ctx, kept.ID, returns.StatusInput{}))
	kept = ok[*returns.Return](t)(s.svc.Receive(s.ctx, kept.ID, returns.ReceiveInput{Key: "k", Lines: []returns.ReceiveLine{{LineID: kept.Lines[0].ID, Quantity: 1}}}))
	s.clock.Advance(14*24*time.Hour - time.Second)
	if ids := ok[[]oms.ID](t)(s.svc.SweepExpired(s.ctx, 0)); len(ids) != 0 {
		t.Errorf("swept early: %v", ids)
	}
	s.clock.Advance(time.Second)
	ids := ok[[]oms.ID](t)(s.svc.SweepExpired(s.ctx, 0))
	if d := cmp.Diff([]oms.ID{r.ID}, ids); d != "" {
		t.Errorf("swept (-want +got):\n%s", d)
	}
	if got := s.ret(r.ID); got.Status != returns.StatusExpired {
		t.Errorf("status %s", got.Status)
	}
	if got := s.ret(kept.ID); got.Status != returns.StatusReceived {
		t.Errorf("a received return was touched: %s", got.Status)
	}
	// Expired units may be returned again.
	ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDoesntFit}}}))
}

func TestInspectionDispositionsMoveStockOnce(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-insp")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDefective}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "a", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 2}}}))
	if r.Status != returns.StatusPartiallyReceived {
		t.Fatalf("status %s", r.Status)
	}
	l := r.Lines[0].ID
	before1, before2 := s.level("MUG-BLUE", "WH1"), s.level("MUG-BLUE", "WH2")
	in := returns.InspectInput{Key: "insp", Final: true, Units: []returns.UnitInspection{
		{LineID: l, Condition: returns.ConditionDamaged, Disposition: returns.DispositionDispose, Location: "WH2"},
		{LineID: l, Condition: returns.ConditionUsed, Disposition: returns.DispositionQuarantine, Location: "WH1"},
	}}
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, in))
	ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, in))
	if r.Status != returns.StatusInspected || r.Lines[0].Accepted != 2 || r.Lines[0].Restocked != 0 {
		t.Errorf("inspected: %s accepted %d restocked %d", r.Status, r.Lines[0].Accepted, r.Lines[0].Restocked)
	}
	after1, after2 := s.level("MUG-BLUE", "WH1"), s.level("MUG-BLUE", "WH2")
	if after1.OnHand != before1.OnHand || after1.Damaged != before1.Damaged+1 || after2.Damaged != before2.Damaged || after2.OnHand != before2.OnHand {
		t.Errorf("levels: WH1 %+v -> %+v, WH2 %+v -> %+v", before1, after1, before2, after2)
	}
	ledger := ok[[]inventory.LedgerEntry](t)(s.inv.Ledger(s.ctx, inventory.LedgerFilter{SKU: "MUG-BLUE", Location: "WH2"}))
	var reasons []inventory.Reason
	for _, e := range ledger {
		reasons = append(reasons, e.Reason)
	}
	if d := cmp.Diff([]inventory.Reason{inventory.ReasonReturnQuarantine, inventory.ReasonWriteOff}, reasons); d != "" {
		t.Errorf("WH2 ledger (-want +got):\n%s", d)
	}
	// A receipt after the final inspection is refused.
	if _, err := s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "b", Lines: []returns.ReceiveLine{{LineID: l, Quantity: 1}}}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("late receipt: %v", err)
	}
	// Damaged by the shop's fault: no fee; two units refunded.
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if !r.Refund.Breakdown.Total.Equal(usd("21.63")) || r.Refund.Breakdown.Lines[0].Quantity != 2 {
		t.Errorf("refund %+v", r.Refund.Breakdown)
	}
}

func TestInspectionKeepsStockPendingUntilRetried(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-pending")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "a", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	// The inspection's stock move is applied, then the process "crashes"
	// before marking it done: a second service over the same stores
	// replays the inspection and finds the move in the ledger.
	before := s.level("MUG-BLUE", "WH1").OnHand
	in := returns.InspectInput{Key: "i", Units: []returns.UnitInspection{{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}
	crashing := &crashAfterApply{MemoryStore: s.store}
	svc2, err := returns.NewService(crashing, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.Inspect(s.ctx, r.ID, in); err == nil {
		t.Fatal("the crash did not happen")
	}
	if got := s.ret(r.ID); got.Moves[0].Done || s.level("MUG-BLUE", "WH1").OnHand != before+1 {
		t.Fatalf("after the crash: moves %+v, on hand %d", got.Moves, s.level("MUG-BLUE", "WH1").OnHand)
	}
	r = ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, in))
	if !r.Moves[0].Done || s.level("MUG-BLUE", "WH1").OnHand != before+1 {
		t.Errorf("after the retry: moves %+v, on hand %d (want %d)", r.Moves, s.level("MUG-BLUE", "WH1").OnHand, before+1)
	}
}

// crashAfterApply fails the write that marks stock moves done.
type crashAfterApply struct{ *returns.MemoryStore }

func (c *crashAfterApply) Update(ctx context.Context, r *returns.Return, expected int64, evs []oms.Event) error {
	for _, e := range evs {
		if e.Type == returns.EventStockMoved {
			return errors.New("crash")
		}
	}
	return c.MemoryStore.Update(ctx, r, expected, evs)
}

func TestStoreCreditAndFees(t *testing.T) {
	p := returns.DefaultPolicy()
	p.RestockingFee = returns.Fee{Percent: decimal.RequireFromString("0.10")}
	p.ReturnShipping = returns.ReturnShippingDeducted
	s := newShop(t, &p)
	o := s.delivered("cart-credit")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionStoreCredit},
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonNoLongerNeeded},
	}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	r = ok[*returns.Return](t)(s.svc.IssueLabel(s.ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}}))
	r = ok[*returns.Return](t)(s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "d", TrackingNumber: r.Label.TrackingNumbers[0], Status: returns.CarrierDelivered}))
	var units []returns.UnitInspection
	for _, l := range r.Lines {
		units = append(units, returns.UnitInspection{LineID: l.ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"})
	}
	ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: units}))
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	// Fees 10%: 1.08 on the mug (10.82), 1.80 on the tee (18.03). The 7.50
	// label over 9.74 : 16.23 -> 2.81 and 4.69. The mug becomes credit
	// 10.82 - 1.08 - 2.81 = 6.93; the tee is refunded 18.03 - 1.80 - 4.69.
	if !r.StoreCredit.Equal(usd("6.93")) || !r.Refund.Breakdown.Total.Equal(usd("11.54")) {
		t.Errorf("credit %s, refund %s", r.StoreCredit, r.Refund.Breakdown.Total)
	}
	if d := cmp.Diff([]returns.Resolution{returns.ResolutionStoreCredit, returns.ResolutionRefund}, r.Outcomes); d != "" {
		t.Errorf("outcomes: %s", d)
	}
	if got := s.order(o.ID).Payment.Refunded; !got.Equal(usd("11.54")) {
		t.Errorf("order refunded %s", got)
	}
}

func TestExchangeDifferenceDueAndCredited(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-exchange")
	exchange := func(key string, line order.Line, rep returns.Replacement, method string) (*returns.Return, error) {
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: []returns.RequestLine{
			{OrderLineID: line.ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange, Replacement: &rep}}}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
		ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
			{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
		return s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: method})
	}
	// The tee (worth 18.03) for a lamp at 25.00 + 2.00 tax: 8.97 due.
	_, err := exchange("x1", o.Lines[1], returns.Replacement{SKU: "LAMP", Name: "Lamp", UnitPrice: usd("25.00"), Tax: usd("2.00")}, "")
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("due without a payment method: %v", err)
	}
	list := ok[[]*returns.Return](t)(s.svc.ListByOrder(s.ctx, o.ID))
	if list[0].Refund != nil || list[0].Exchange != nil {
		t.Errorf("a refused resolve saved its plan: %+v", list[0].Exchange)
	}
	r := ok[*returns.Return](t)(s.svc.Resolve(s.ctx, list[0].ID, returns.ResolveInput{PaymentMethod: "tok_visa"}))
	d := r.Exchange.Difference
	if !d.Due.Equal(usd("8.97")) || !d.Credited.IsZero() || !d.Replacement.Equal(usd("27.00")) {
		t.Errorf("upgrade difference %+v", d)
	}
	rep := s.order(r.Exchange.OrderID)
	if !rep.Totals.GrandTotal.Equal(usd("8.97")) || !rep.Payment.Authorized.Equal(usd("8.97")) {
		t.Errorf("replacement total %s, authorized %s", rep.Totals.GrandTotal, rep.Payment.Authorized)
	}
	// A mug (worth 10.82) for a cheaper one at 5.00 + 0.40 tax: 5.42
	// credited, refunded on the original order; the replacement costs
	// nothing.
	r = ok[*returns.Return](t)(exchange("x2", o.Lines[0], returns.Replacement{SKU: "MUG-BLUE", Name: "Small mug", UnitPrice: usd("5.00"), Tax: usd("0.40")}, ""))
	d = r.Exchange.Difference
	if !d.Credited.Equal(usd("5.42")) || !d.Due.IsZero() {
		t.Errorf("downgrade difference %+v", d)
	}
	if rep := s.order(r.Exchange.OrderID); !rep.Totals.GrandTotal.IsZero() {
		t.Errorf("downgrade replacement costs %s", rep.Totals.GrandTotal)
	}
	if got := s.order(o.ID).Payment.Refunded; !got.Equal(usd("5.42")) {
		t.Errorf("original order refunded %s, want the 5.42 credited", got)
	}
	if got := ok[*order.Order](t)(s.orders.Get(s.ctx, o.ID)).Lines[0].Refunded; got != 0 {
		t.Errorf("an exchanged unit counted as refunded: %d", got)
	}
	if diff := returns.ExchangeDifference(usd("10.00"), usd("10.00")); !diff.Due.IsZero() || !diff.Credited.IsZero() {
		t.Errorf("even difference %+v", diff)
	}
}

func TestAdvanceExchangeReservesAtApproval(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-advance")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "TEE-L", Name: "T-shirt L", Location: "WH1"}}}}))
	before := s.level("TEE-L", "WH1")
	r = ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if r.Exchange == nil || !r.Exchange.Advance || r.Exchange.OrderID == "" {
		t.Fatalf("advance exchange: %+v", r.Exchange)
	}
	if got := s.level("TEE-L", "WH1"); got.Reserved != before.Reserved+1 {
		t.Errorf("reserved %d, want %d", got.Reserved, before.Reserved+1)
	}
	res := ok[inventory.Reservation](t)(s.inv.Reservation(s.ctx, r.Exchange.ReservationID))
	if res.Lines[0].SKU != "TEE-L" || res.Lines[0].Quantity != 1 {
		t.Errorf("reservation %+v", res)
	}
	// Approving again places nothing more.
	again := ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	if again.Exchange.OrderID != r.Exchange.OrderID || s.level("TEE-L", "WH1").Reserved != before.Reserved+1 {
		t.Errorf("second approval: %+v", again.Exchange)
	}
	r = ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}))
	ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
	r = ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	if r.Status != returns.StatusCompleted || r.Exchange.OrderID != again.Exchange.OrderID {
		t.Errorf("resolved: %s %+v", r.Status, r.Exchange)
	}
}

func TestClaims(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-claim")
	// A mug arrived broken: refunded in full, no fee, nothing comes back.
	c := ok[*returns.Return](t)(s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c1", OrderID: o.ID, Type: returns.ClaimDamagedOnArrival,
		Lines: []returns.ClaimLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Comment: "shattered"}}}))
	if c.Kind != returns.KindClaim || c.Status != returns.StatusCompleted || !c.Refund.Breakdown.Total.Equal(usd("10.82")) {
		t.Fatalf("claim: %s %s %+v", c.Kind, c.Status, c.Refund)
	}
	again := ok[*returns.Return](t)(s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c1", OrderID: o.ID, Type: returns.ClaimDamagedOnArrival,
		Lines: []returns.ClaimLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Comment: "shattered"}}}))
	if again.ID != c.ID || !s.order(o.ID).Payment.Refunded.Equal(usd("10.82")) {
		t.Errorf("replayed claim refunded again: %s", s.order(o.ID).Payment.Refunded)
	}
	if _, err := s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c1", OrderID: o.ID, Type: returns.ClaimMissingItem,
		Lines: []returns.ClaimLine{{OrderLineID: o.Lines[0].ID, Quantity: 1}}}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("claim key reused: %v", err)
	}
	// The tee was the wrong item: a replacement at no charge.
	w := ok[*returns.Return](t)(s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c2", OrderID: o.ID, Type: returns.ClaimWrongItem,
		Resolution: returns.ResolutionExchange, Lines: []returns.ClaimLine{{OrderLineID: o.Lines[1].ID, Quantity: 1}}}))
	if w.Exchange == nil || w.Exchange.OrderID == "" {
		t.Fatalf("replacement claim: %+v", w.Exchange)
	}
	rep := s.order(w.Exchange.OrderID)
	if rep.Lines[0].SKU != "TEE-M" || !rep.Totals.GrandTotal.IsZero() {
		t.Errorf("replacement %s costs %s", rep.Lines[0].SKU, rep.Totals.GrandTotal)
	}
	if _, err := s.svc.Receive(s.ctx, c.ID, returns.ReceiveInput{Key: "x", Lines: []returns.ReceiveLine{{LineID: c.Lines[0].ID, Quantity: 1}}}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Errorf("receiving a claim: %v", err)
	}
	// Claimed units are not returnable again.
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("returning a claimed unit: %v", err)
	}
}

func TestConcurrentRequestsForOneOrder(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-conc")
	var wg sync.WaitGroup
	ids := make([]oms.ID, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "same", OrderID: o.ID,
				Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Errorf("one key made two returns: %s and %s", ids[0], id)
		}
	}
	if list := ok[[]*returns.Return](t)(s.svc.ListByOrder(s.ctx, o.ID)); len(list) != 1 {
		t.Errorf("%d returns", len(list))
	}
}

func TestTransitionTable(t *testing.T) {
	for _, tr := range returns.Transitions() {
		if !tr.From.Valid() || !tr.To.Valid() || tr.From.Final() {
			t.Errorf("bad edge %s -> %s", tr.From, tr.To)
		}
		if !returns.CanTransition(tr.From, tr.To) {
			t.Errorf("CanTransition(%s, %s) = false", tr.From, tr.To)
		}
	}
	if returns.CanTransition(returns.StatusCompleted, returns.StatusRequested) || returns.Status("x").Valid() {
		t.Error("a final status moves, or a bogus status is valid")
	}
	for _, r := range returns.Reasons() {
		if !r.Valid() {
			t.Errorf("reason %s", r)
		}
	}
}

func TestConcurrentResolveRefundsOnce(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-conc-resolve")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit},
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 2}, {LineID: r.Lines[1].ID, Quantity: 1}}}))
	ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: []returns.UnitInspection{
		{LineID: r.Lines[0].ID, Quantity: 2, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"},
		{LineID: r.Lines[1].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}}))
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("resolve %d: %v", i, err)
		}
	}
	got := s.ret(r.ID)
	if got.Status != returns.StatusCompleted || !s.order(o.ID).Payment.Refunded.Equal(usd("21.63")) || !s.gw.Ledger(o.ID).Refunded.Equal(usd("21.63")) {
		t.Errorf("status %s, refunded %s (gateway %s)", got.Status, s.order(o.ID).Payment.Refunded, s.gw.Ledger(o.ID).Refunded)
	}
	page, err := s.orderDB.ListByCustomer(s.ctx, "cus_1", order.PageRequest{})
	if err != nil || len(page.Orders) != 2 {
		t.Errorf("orders of the customer: %d (%v), want the original and one replacement", len(page.Orders), err)
	}
}

// TestReturningEverythingRefundsWhatWasCaptured goes through the services:
// two returns that together take every unit back refund exactly what the
// order captured, shipping included, to the cent.
func TestReturningEverythingRefundsWhatWasCaptured(t *testing.T) {
	s := newShop(t, nil) // DefaultPolicy: free return shipping, shipping refunded with a full return
	o := s.deliveredN("cart-all", 7, 3)
	run := func(key string, lines ...returns.RequestLine) *returns.Return {
		r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: lines}))
		ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
		var rec []returns.ReceiveLine
		var units []returns.UnitInspection
		for _, l := range r.Lines {
			rec = append(rec, returns.ReceiveLine{LineID: l.ID, Quantity: l.Quantity})
			units = append(units, returns.UnitInspection{LineID: l.ID, Quantity: l.Quantity, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH2"})
		}
		ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: rec}))
		ok[*returns.Return](t)(s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "i", Units: units}))
		return ok[*returns.Return](t)(s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{}))
	}
	a := run("a", returns.RequestLine{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDoesntFit},
		returns.RequestLine{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit})
	b := run("b", returns.RequestLine{OrderLineID: o.Lines[0].ID, Quantity: 4, Reason: returns.ReasonDoesntFit},
		returns.RequestLine{OrderLineID: o.Lines[1].ID, Quantity: 2, Reason: returns.ReasonDoesntFit})
	paid := s.order(o.ID)
	if !paid.Payment.Refunded.Equal(paid.Payment.Captured) || !s.gw.Ledger(o.ID).Refunded.Equal(paid.Payment.Captured) {
		t.Errorf("refunded %s + %s = %s of %s captured", a.Refund.Breakdown.Total, b.Refund.Breakdown.Total, paid.Payment.Refunded, paid.Payment.Captured)
	}
	if !b.Refund.Breakdown.Shipping.Equal(usd("5.00")) || !a.Refund.Breakdown.Shipping.IsZero() {
		t.Errorf("shipping refunded %s then %s", a.Refund.Breakdown.Shipping, b.Refund.Breakdown.Shipping)
	}
	if paid.ReturnStatus() != order.ReturnFull {
		t.Errorf("order return status %s", paid.ReturnStatus())
	}
}

func TestAdvanceExchangeShortageRefusesApproval(t *testing.T) {
	s := newShop(t, nil)
	o := s.deliveredN("cart-advance-short", 3, 1)
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "LAMP", Quantity: 11, UnitPrice: usd("0.50"), Location: "WH1"}}}}))
	before := s.snapshot(o.ID)
	lamp := s.level("LAMP", "WH1")
	if _, err := s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}); !errors.Is(err, oms.ErrInsufficientStock) {
		t.Fatalf("approval with 11 lamps wanted, 10 in stock: %v", err)
	}
	if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" || s.level("LAMP", "WH1") != lamp {
		t.Errorf("the refused approval changed something:\n%s", d)
	}
	// An advance replacement that costs more than the credit is refused too.
	r2 := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "LAMP", UnitPrice: usd("99.00"), Location: "WH1"}}}}))
	if _, err := s.svc.Approve(s.ctx, r2.ID, returns.StatusInput{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("advance exchange with something due: %v", err)
	}
	// Cancelled between the reservation and the approval: the stock is
	// given back.
	r3 := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
			Replacement: &returns.Replacement{SKU: "LAMP", UnitPrice: usd("1.00"), Location: "WH1"}}}}))
	racing, err := returns.NewService(&cancelOnUpdate{MemoryStore: s.store, svc: &s.svc}, &returns.ServiceOptions{Orders: s.orders, Inventory: s.inv, Clock: s.clock, Policy: ptr(s.svc.Policy())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := racing.Approve(s.ctx, r3.ID, returns.StatusInput{}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("approval of a return cancelled meanwhile: %v", err)
	}
	if got := s.level("LAMP", "WH1"); got.Reserved != lamp.Reserved {
		t.Errorf("reserved %d, want %d after the refused approval", got.Reserved, lamp.Reserved)
	}
}

func ptr[T any](v T) *T { return &v }

// cancelOnUpdate cancels the return (through the real service) just
// before the first update it sees.
type cancelOnUpdate struct {
	*returns.MemoryStore
	svc  **returns.Service
	done bool
}

func (c *cancelOnUpdate) Update(ctx context.Context, r *returns.Return, expected int64, evs []oms.Event) error {
	if !c.done {
		c.done = true
		if _, err := (*c.svc).Cancel(ctx, r.ID, returns.StatusInput{Note: "meanwhile"}); err != nil {
			return err
		}
	}
	return c.MemoryStore.Update(ctx, r, expected, evs)
}

// TestConcurrentReturnsNeverTakeMoreThanDelivered: goroutines request and
// approve returns of the last units of a line at once; no more units are
// ever requested or approved than were delivered.
func TestConcurrentReturnsNeverTakeMoreThanDelivered(t *testing.T) {
	s := newShop(t, nil)
	o := s.deliveredN("cart-race", 3, 1)
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := ""
			if i%3 == 0 {
				key = "same" // a third of them share a key
			}
			r, err := s.svc.Request(s.ctx, returns.RequestInput{Key: key, OrderID: o.ID, Lines: []returns.RequestLine{
				{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
			if err != nil {
				if !errors.Is(err, oms.ErrValidation) {
					t.Error(err)
				}
				return
			}
			if _, err := s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}); err != nil && !errors.Is(err, oms.ErrValidation) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var requested, approved int64
	for _, r := range ok[[]*returns.Return](t)(s.svc.ListByOrder(s.ctx, o.ID)) {
		if r.Open() {
			requested += r.Lines[0].Quantity
		}
		if r.Status == returns.StatusApproved {
			approved += r.Lines[0].Quantity
		}
	}
	if requested != 3 || approved != 3 {
		t.Errorf("%d units requested, %d approved, of 3 delivered", requested, approved)
	}
}

// TestConcurrentInspectionRetriesMoveStockOnce: the same inspection sent
// by several goroutines at once restocks its units once.
func TestConcurrentInspectionRetriesMoveStockOnce(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-conc-insp")
	r := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 3, Reason: returns.ReasonDoesntFit}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}))
	ok[*returns.Return](t)(s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "s", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 3}}}))
	before := s.level("MUG-BLUE", "WH1").OnHand
	in := returns.InspectInput{Key: "i", Units: []returns.UnitInspection{{LineID: r.Lines[0].ID, Quantity: 3, Condition: returns.ConditionNew, Location: "WH1"}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.svc.Inspect(s.ctx, r.ID, in); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := s.level("MUG-BLUE", "WH1").OnHand; got != before+3 {
		t.Errorf("on hand %d, want %d", got, before+3)
	}
	if rep := ok[inventory.ReconcileReport](t)(s.inv.Reconcile(s.ctx)); !rep.Clean() {
		t.Errorf("ledger: %+v", rep.Mismatches)
	}
}
