package returns_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

// TestServicePolicyIsACopy: NewService kept the maps and slices of the
// policy it was given, and Service.Policy ("a copy of the service's
// policy") handed them out again, so a host that changed its Policy value
// afterwards, or the copy it read back, changed the rules of the running
// service behind its validation: a SKU turned final sale, an unknown
// disposition, a fee above 100%; and a change made while a command read
// the policy was a data race.
func TestServicePolicyIsACopy(t *testing.T) {
	newPolicy := func() returns.Policy {
		fee := returns.Fee{Percent: decimal.RequireFromString("0.10")}
		p := returns.DefaultPolicy()
		p.ChannelWindowDays = map[string]int{"web": 60}
		p.Rules = []returns.Rule{{SKU: "MUG-BLUE", WindowDays: 90, RestockingFee: &fee}}
		p.Categories = map[oms.SKU]string{"TEE-M": "apparel"}
		p.Reasons = []returns.Reason{returns.ReasonDoesntFit, returns.ReasonDamaged}
		p.WaivedFor = []returns.Reason{returns.ReasonDamaged}
		p.Dispositions = map[returns.Condition]returns.Disposition{returns.ConditionUsed: returns.DispositionRestock}
		return p
	}
	spoil := func(p *returns.Policy) {
		p.ChannelWindowDays["web"] = -1
		p.Rules[0].FinalSale = true
		p.Rules[0].RestockingFee.Percent = decimal.NewFromInt(7)
		p.Categories["TEE-M"] = "hygiene"
		p.Reasons[0] = "bogus"
		p.WaivedFor[0] = returns.ReasonDoesntFit
		p.Dispositions[returns.ConditionNew] = "bogus"
	}
	want := newPolicy()
	given := newPolicy()
	s := newShop(t, &given)
	spoil(&given)
	if d := cmp.Diff(want, s.svc.Policy()); d != "" {
		t.Errorf("changing the policy given to NewService changed the service's (-want +got):\n%s", d)
	}
	read := s.svc.Policy()
	spoil(&read)
	if d := cmp.Diff(want, s.svc.Policy()); d != "" {
		t.Errorf("changing the policy Service.Policy returned changed the service's (-want +got):\n%s", d)
	}
	o := s.delivered("cart-policy")
	r, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	if err != nil {
		t.Fatalf("a mug returned for a reason of the policy: %v", err)
	}
	if _, err := s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}); err != nil {
		t.Fatal(err)
	}
}
