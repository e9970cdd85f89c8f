package returns_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
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

// snapshot is everything a refused command must leave as it was.
func (s *shop) snapshot(orderID oms.ID) string {
	s.t.Helper()
	o := s.order(orderID)
	rs, err := s.store.ListByOrder(s.ctx, orderID)
	if err != nil {
		s.t.Fatal(err)
	}
	ledger, err := s.inv.Ledger(s.ctx, inventory.LedgerFilter{})
	if err != nil {
		s.t.Fatal(err)
	}
	b, err := json.Marshal(struct {
		Order   *order.Order
		Returns []*returns.Return
		Ledger  int
		Calls   int
		Events  int
		Labels  int
	}{o, rs, len(ledger), len(s.gw.Calls()), s.outbox.PendingCount(), s.carrier.Purchases()})
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

func TestBadInputChangesNothing(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-bad")
	mug, tee := o.Lines[0], o.Lines[1]
	// A received return of two mugs, a requested one of the tee, a
	// cancelled one made of nothing.
	recv := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "r1", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: mug.ID, Quantity: 2, Reason: returns.ReasonDefective}}}))
	ok[*returns.Return](t)(s.svc.Approve(s.ctx, recv.ID, returns.StatusInput{}))
	recv = ok[*returns.Return](t)(s.svc.Receive(s.ctx, recv.ID, returns.ReceiveInput{Key: "s1", Lines: []returns.ReceiveLine{{LineID: recv.Lines[0].ID, Quantity: 1}}}))
	req := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "r2", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: tee.ID, Quantity: 1, Reason: returns.ReasonNoLongerNeeded}}}))
	gone := ok[*returns.Return](t)(s.svc.Request(s.ctx, returns.RequestInput{Key: "r3", OrderID: o.ID,
		Lines: []returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonOther}}}))
	gone = ok[*returns.Return](t)(s.svc.Cancel(s.ctx, gone.ID, returns.StatusInput{Note: "changed my mind"}))

	line := func(id oms.ID, q int64, r returns.Reason) []returns.RequestLine {
		return []returns.RequestLine{{OrderLineID: id, Quantity: q, Reason: r}}
	}
	request := func(lines []returns.RequestLine) func() error {
		return func() error {
			_, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: lines})
			return err
		}
	}
	inspect := func(id oms.ID, units ...returns.UnitInspection) func() error {
		return func() error {
			_, err := s.svc.Inspect(s.ctx, id, returns.InspectInput{Key: "bad-insp", Units: units})
			return err
		}
	}
	receive := func(id oms.ID, lines ...returns.ReceiveLine) func() error {
		return func() error {
			_, err := s.svc.Receive(s.ctx, id, returns.ReceiveInput{Key: "bad-scan", Lines: lines})
			return err
		}
	}
	unit := func(q int64, c returns.Condition, d returns.Disposition, loc oms.ID) returns.UnitInspection {
		return returns.UnitInspection{LineID: recv.Lines[0].ID, Quantity: q, Condition: c, Disposition: d, Location: loc}
	}
	cases := []struct {
		name string
		do   func() error
		kind error
		code string // the verdict code of an ineligible line, or a text the error contains
	}{
		{"more than delivered", request(line(mug.ID, 4, returns.ReasonDoesntFit)), oms.ErrValidation, returns.CodeQuantity},
		{"a line already returned", request(line(tee.ID, 1, returns.ReasonDoesntFit)), oms.ErrValidation, returns.CodeAlreadyDone},
		{"more mugs than are left", request(line(mug.ID, 2, returns.ReasonDoesntFit)), oms.ErrValidation, returns.CodeQuantity},
		{"unknown reason", request(line(mug.ID, 1, "meh")), oms.ErrValidation, "not a return reason"},
		{"unknown line", request(line("nope", 1, returns.ReasonOther)), oms.ErrValidation, returns.CodeUnknownLine},
		{"zero quantity", request(line(mug.ID, 0, returns.ReasonOther)), oms.ErrValidation, "quantity"},
		{"MaxInt64 quantity", request(line(mug.ID, math.MaxInt64, returns.ReasonOther)), oms.ErrValidation, "quantity"},
		{"a line twice", request(append(line(mug.ID, 1, returns.ReasonOther), line(mug.ID, 1, returns.ReasonOther)...)), oms.ErrValidation, "already given"},
		{"no lines", request(nil), oms.ErrValidation, "at least one line"},
		{"bad comment", request([]returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonOther, Comment: "a\x00b"}}), oms.ErrValidation, "control"},
		{"replacement without exchange", request([]returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonOther,
			Replacement: &returns.Replacement{SKU: "MUG-RED"}}}), oms.ErrValidation, "only for the exchange"},
		{"replacement in another currency", request([]returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonOther,
			Resolution: returns.ResolutionExchange, Replacement: &returns.Replacement{SKU: "MUG-RED", UnitPrice: oms.MustParseMoney("1.00 EUR")}}}), oms.ErrValidation, "currency"},
		{"advance exchange without location", func() error {
			_, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, AdvanceExchange: true, Lines: []returns.RequestLine{{OrderLineID: mug.ID,
				Quantity: 1, Reason: returns.ReasonOther, Resolution: returns.ResolutionExchange, Replacement: &returns.Replacement{SKU: "MUG-BLUE"}}}})
			return err
		}, oms.ErrValidation, "location"},
		{"unknown order", func() error {
			_, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: "01JNOSUCHORDER000000000000", Lines: line(mug.ID, 1, returns.ReasonOther)})
			return err
		}, oms.ErrNotFound, ""},
		{"request key reused", func() error {
			_, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "r1", OrderID: o.ID, Lines: line(mug.ID, 1, returns.ReasonOther)})
			return err
		}, oms.ErrDuplicate, ""},
		{"receiving against a cancelled return", receive(gone.ID, returns.ReceiveLine{LineID: gone.Lines[0].ID, Quantity: 1}), oms.ErrInvalidTransition, ""},
		{"receiving against a requested return", receive(req.ID, returns.ReceiveLine{LineID: req.Lines[0].ID, Quantity: 1}), oms.ErrInvalidTransition, ""},
		{"receiving more than authorized", receive(recv.ID, returns.ReceiveLine{LineID: recv.Lines[0].ID, Quantity: 2}), oms.ErrValidation, "still expected"},
		{"receiving an unknown line", receive(recv.ID, returns.ReceiveLine{LineID: "nope", Quantity: 1}), oms.ErrValidation, "no line"},
		{"receiving nothing", receive(recv.ID, returns.ReceiveLine{LineID: recv.Lines[0].ID, Quantity: 0}), oms.ErrValidation, "quantity"},
		{"receipt key reused", func() error {
			_, err := s.svc.Receive(s.ctx, recv.ID, returns.ReceiveInput{Key: "s1", Lines: []returns.ReceiveLine{{LineID: recv.Lines[0].ID, Quantity: 2}}})
			return err
		}, oms.ErrDuplicate, ""},
		{"inspecting more units than received", inspect(recv.ID, unit(2, returns.ConditionNew, returns.DispositionRestock, "WH1")), oms.ErrValidation, "only 1 received"},
		{"inspecting over two verdicts", inspect(recv.ID, unit(1, returns.ConditionNew, returns.DispositionRestock, "WH1"),
			unit(1, returns.ConditionUsed, returns.DispositionQuarantine, "WH1")), oms.ErrValidation, "not yet inspected"},
		{"inspecting into an unknown disposition", inspect(recv.ID, unit(1, returns.ConditionNew, "burn", "WH1")), oms.ErrValidation, "disposition"},
		{"inspecting without location", inspect(recv.ID, unit(1, returns.ConditionNew, returns.DispositionRestock, "")), oms.ErrValidation, "location"},
		{"inspecting into an unknown location", inspect(recv.ID, unit(1, returns.ConditionNew, returns.DispositionRestock, "MARS")), oms.ErrValidation, "unknown inventory location"},
		{"a missing unit with a disposition", inspect(recv.ID, unit(1, returns.ConditionMissing, returns.DispositionRestock, "WH1")), oms.ErrValidation, "missing"},
		{"an unknown condition", inspect(recv.ID, unit(1, "soggy", returns.DispositionRestock, "WH1")), oms.ErrValidation, "condition"},
		{"inspecting a requested return", inspect(req.ID, returns.UnitInspection{LineID: req.Lines[0].ID, Condition: returns.ConditionNew,
			Disposition: returns.DispositionRestock, Location: "WH1"}), oms.ErrInvalidTransition, ""},
		{"resolving before inspection", func() error { _, err := s.svc.Resolve(s.ctx, recv.ID, returns.ResolveInput{}); return err }, oms.ErrInvalidTransition, ""},
		{"approving a cancelled return", func() error { _, err := s.svc.Approve(s.ctx, gone.ID, returns.StatusInput{}); return err }, oms.ErrInvalidTransition, ""},
		{"rejecting a received return", func() error { _, err := s.svc.Reject(s.ctx, recv.ID, returns.StatusInput{}); return err }, oms.ErrInvalidTransition, ""},
		{"cancelling a received return", func() error { _, err := s.svc.Cancel(s.ctx, recv.ID, returns.StatusInput{}); return err }, oms.ErrInvalidTransition, ""},
		{"a label for a requested return", func() error {
			_, err := s.svc.IssueLabel(s.ctx, req.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{parcel}})
			return err
		}, oms.ErrInvalidTransition, ""},
		{"a label without parcels", func() error {
			_, err := s.svc.IssueLabel(s.ctx, req.ID, returns.LabelInput{ServiceCode: "ground"})
			return err
		}, oms.ErrValidation, "parcel"},
		{"tracking an unknown number", func() error {
			_, err := s.svc.Track(s.ctx, returns.TrackingUpdate{Key: "e", TrackingNumber: "1ZNONE", Status: returns.CarrierDelivered})
			return err
		}, oms.ErrNotFound, ""},
		{"a claim beyond what shipped", func() error {
			_, err := s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c1", OrderID: o.ID, Type: returns.ClaimMissingItem,
				Lines: []returns.ClaimLine{{OrderLineID: tee.ID, Quantity: 1}}})
			return err
		}, oms.ErrValidation, returns.CodeQuantity},
		{"a claim of an unknown type", func() error {
			_, err := s.svc.Claim(s.ctx, returns.ClaimInput{Key: "c2", OrderID: o.ID, Type: "stolen", Lines: []returns.ClaimLine{{OrderLineID: mug.ID, Quantity: 1}}})
			return err
		}, oms.ErrValidation, "type"},
		{"a claim without key", func() error {
			_, err := s.svc.Claim(s.ctx, returns.ClaimInput{OrderID: o.ID, Type: returns.ClaimMissingItem, Lines: []returns.ClaimLine{{OrderLineID: mug.ID, Quantity: 1}}})
			return err
		}, oms.ErrValidation, "key"},
	}
	before := s.snapshot(o.ID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if !errors.Is(err, c.kind) {
				t.Fatalf("err = %v, want %v", err, c.kind)
			}
			var ie *returns.IneligibleError
			switch {
			case errors.As(err, &ie):
				codes := ""
				for _, v := range ie.Verdicts {
					if !v.Eligible {
						codes += v.Code + " " + v.Message + ";"
					}
				}
				if !strings.Contains(codes, c.code) {
					t.Errorf("verdicts %q do not name %q", codes, c.code)
				}
			case !strings.Contains(err.Error(), c.code):
				t.Errorf("error %q does not say %q", err, c.code)
			}
			if d := cmp.Diff(before, s.snapshot(o.ID)); d != "" {
				t.Errorf("a refused command changed something (-before +after):\n%s", d)
			}
		})
	}
}

func TestPolicyEvaluation(t *testing.T) {
	s := newShop(t, nil)
	o := s.delivered("cart-policy")
	mug, tee := o.Lines[0], o.Lines[1]
	delivered := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	p := returns.Policy{
		WindowDays: 30, ChannelWindowDays: map[string]int{"pos": 14},
		Rules: []returns.Rule{
			{SKU: "TEE-M", FinalSale: true},
			{Category: "mugs", WindowDays: 60, NoExchange: true},
		},
		Categories: map[oms.SKU]string{"MUG-BLUE": "mugs"},
		Reasons:    []returns.Reason{returns.ReasonDamaged, returns.ReasonDoesntFit},
		Location:   time.FixedZone("EST", -5*3600),
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	eval := func(at time.Time, lines ...returns.RequestLine) []returns.Verdict {
		return p.Evaluate(o, lines, delivered, at, nil)
	}
	type v struct {
		Code     string
		Message  string
		Deadline string
	}
	got := func(vs []returns.Verdict) []v {
		var out []v
		for _, x := range vs {
			out = append(out, v{x.Code, x.Message, x.Deadline.String()})
		}
		return out
	}
	// The mugs' 60-day window from March 2 (EST) closes at the end of
	// May 1, EST: still open at 04:59 UTC on May 2, closed at 05:00.
	open := time.Date(2026, 5, 2, 4, 59, 0, 0, time.UTC)
	closed := time.Date(2026, 5, 2, 5, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		at   time.Time
		line returns.RequestLine
		want v
	}{
		{"eligible within a category window", open, returns.RequestLine{OrderLineID: mug.ID, Quantity: 3, Reason: returns.ReasonDoesntFit},
			v{returns.CodeEligible, "Blue mug can be returned until May 1, 2026.", "2026-05-01"}},
		{"window closed", closed, returns.RequestLine{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonDoesntFit},
			v{returns.CodeWindowClosed, "The return window for Blue mug closed on May 1, 2026.", "2026-05-01"}},
		{"final sale", open, returns.RequestLine{OrderLineID: tee.ID, Quantity: 1, Reason: returns.ReasonDamaged},
			v{returns.CodeFinalSale, "T-shirt M was a final sale and can't be returned.", "2026-04-01"}},
		{"reason not accepted", open, returns.RequestLine{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonNoLongerNeeded},
			v{returns.CodeReason, `We can't take Blue mug back for the reason "no longer needed".`, "2026-05-01"}},
		{"no exchange for the category", open, returns.RequestLine{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonDamaged, Resolution: returns.ResolutionExchange},
			v{returns.CodeResolution, "Blue mug can't be exchanged; choose a refund instead.", "2026-05-01"}},
		{"more than delivered", open, returns.RequestLine{OrderLineID: mug.ID, Quantity: 4, Reason: returns.ReasonDamaged},
			v{returns.CodeQuantity, "Only 3 of Blue mug can be returned.", "2026-05-01"}},
		{"store credit not offered", open, returns.RequestLine{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonDamaged, Resolution: returns.ResolutionStoreCredit},
			v{returns.CodeResolution, "Store credit isn't offered; choose a refund instead.", "2026-05-01"}},
	}
	for _, c := range cases {
		if d := cmp.Diff([]v{c.want}, got(eval(c.at, c.line))); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
	// Units in other open returns are not returnable twice.
	vs := p.Evaluate(o, []returns.RequestLine{{OrderLineID: mug.ID, Quantity: 2, Reason: returns.ReasonDamaged}}, delivered, open, map[oms.ID]int64{mug.ID: 2})
	if vs[0].Code != returns.CodeQuantity || vs[0].Returnable != 1 {
		t.Errorf("with 2 mugs in another return: %+v", vs[0])
	}
	// The channel window applies to SKUs without a rule of their own.
	o.Channel = "pos"
	p.Rules = nil
	if d := p.Deadline("MUG-BLUE", "pos", delivered); d.String() != "2026-03-16" {
		t.Errorf("pos deadline %s", d)
	}
	if vs := p.Evaluate(o, []returns.RequestLine{{OrderLineID: mug.ID, Quantity: 1, Reason: returns.ReasonDamaged}}, time.Time{}, open, nil); vs[0].Code != returns.CodeDeliveryUnknown {
		t.Errorf("unknown delivery: %+v", vs[0])
	}
	bad := returns.Policy{WindowDays: -1, ChannelWindowDays: map[string]int{"x": 99999}, Rules: []returns.Rule{{}},
		Reasons: []returns.Reason{"x"}, WaivedFor: []returns.Reason{"y"}, ReturnShipping: "ship", ShippingRefund: "some",
		ExpireAfter: -time.Second, ReturnShippingFee: oms.MustParseMoney("-1 USD"),
		RestockingFee: returns.Fee{Percent: decimal150(), PerUnit: oms.MustParseMoney("0.001 USD")}}
	var ve *oms.ValidationError
	if err := bad.Validate(); !errors.As(err, &ve) || len(ve.Problems) != 11 {
		t.Errorf("bad policy: %v", err)
	}
	if _, err := returns.NewService(s.store, &returns.ServiceOptions{Orders: s.orders, Policy: &bad}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("NewService with a bad policy: %v", err)
	}
	if _, err := returns.NewService(s.store, nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("NewService without orders: %v", err)
	}
}

func decimal150() decimal.Decimal { return decimal.RequireFromString("1.5") }
