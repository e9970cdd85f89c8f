package returns_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

// A per-unit restocking fee in another currency than the order's was
// silently left out of the refund while Verdict.RestockingFee still showed
// it; it is refused instead, by the request and by CalculateRefund.
func TestRestockingFeeInAnotherCurrencyIsRefusedNotIgnored(t *testing.T) {
	p := returns.DefaultPolicy()
	p.RestockingFee = returns.Fee{Percent: decimal.Zero, PerUnit: oms.MustParseMoney("2.00 EUR")}
	s := newShop(t, &p)
	o := s.delivered("fee-eur")
	_, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("request with a EUR fee on a USD order: err %v, want a validation error", err)
	}
	if rs, _ := s.svc.ListByOrder(s.ctx, o.ID); len(rs) != 0 {
		t.Fatalf("the refused request saved %d returns", len(rs))
	}
	_, err = returns.CalculateRefund(o, &p, returns.CalcInput{Items: []returns.RefundItem{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("CalculateRefund with a EUR fee on a USD order: err %v, want a validation error", err)
	}
	// A waived reason charges no fee: nothing to refuse.
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDefective}}}); err != nil {
		t.Fatalf("waived reason: %v", err)
	}
	// An exchange pays no restocking fee: nothing to refuse.
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange}}}); err != nil {
		t.Fatalf("exchange: %v", err)
	}
	// The fee in the order's currency is charged.
	p.RestockingFee.PerUnit = usd("2.00")
	b, err := returns.CalculateRefund(o, &p, returns.CalcInput{Items: []returns.RefundItem{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	if err != nil || !b.RestockingFee.Equal(usd("2.00")) {
		t.Fatalf("USD fee: %v, fee %s", err, b.RestockingFee)
	}
}

// A return shipping fee in another currency than the order's was silently
// not deducted under ReturnShippingDeducted; it is refused instead, by the
// request and by CalculateRefund, when it would be deducted.
func TestReturnShippingFeeInAnotherCurrencyIsRefusedNotIgnored(t *testing.T) {
	p := returns.DefaultPolicy()
	p.RestockingFee = returns.Fee{Percent: decimal.Zero}
	p.ReturnShipping = returns.ReturnShippingDeducted
	p.ReturnShippingFee = oms.MustParseMoney("5.00 EUR")
	s := newShop(t, &p)
	o := s.delivered("ship-fee-eur")
	before, err := s.orders.Get(s.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "return_shipping_fee") {
		t.Fatalf("request with a EUR return shipping fee on a USD order: err %v, want a validation error naming return_shipping_fee", err)
	}
	if rs, _ := s.svc.ListByOrder(s.ctx, o.ID); len(rs) != 0 {
		t.Fatalf("the refused request saved %d returns", len(rs))
	}
	after, err := s.orders.Get(s.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Fatalf("the refused request changed the order (-before +after):\n%s", d)
	}
	items := []returns.RefundItem{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}
	_, err = returns.CalculateRefund(o, &p, returns.CalcInput{Items: items})
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "return_shipping_fee") {
		t.Fatalf("CalculateRefund with a EUR return shipping fee on a USD order: err %v, want a validation error naming return_shipping_fee", err)
	}
	// A label price in the order's currency replaces the fee: it is deducted.
	b, err := returns.CalculateRefund(o, &p, returns.CalcInput{Items: items, ReturnShippingCost: usd("4.00")})
	if err != nil || !b.ReturnShipping.Equal(usd("4.00")) {
		t.Fatalf("USD label: %v, return shipping %s", err, b.ReturnShipping)
	}
	// A claim deducts nothing: nothing to refuse.
	if _, err := returns.CalculateRefund(o, &p, returns.CalcInput{Items: items, Claim: true}); err != nil {
		t.Fatalf("claim: %v", err)
	}
	// A waived reason pays no return shipping: nothing to refuse.
	if _, err := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDefective}}}); err != nil {
		t.Fatalf("waived reason: %v", err)
	}
	// The fee in the order's currency is deducted.
	p.ReturnShippingFee = usd("5.00")
	b, err = returns.CalculateRefund(o, &p, returns.CalcInput{Items: items})
	if err != nil || !b.ReturnShipping.Equal(usd("5.00")) {
		t.Fatalf("USD fee: %v, return shipping %s", err, b.ReturnShipping)
	}
}

// Service.Evaluate showed a line whose restocking fee or return shipping
// fee is in another currency than the order's as eligible, although
// Request then refused it; it now refuses it as Request does.
func TestEvaluateRefusesAFeeInAnotherCurrencyAsRequestDoes(t *testing.T) {
	eur := oms.MustParseMoney("2.00 EUR")
	for _, tc := range []struct {
		name, field string
		set         func(p *returns.Policy)
	}{
		{"restocking fee", "lines[0]", func(p *returns.Policy) { p.RestockingFee = returns.Fee{Percent: decimal.Zero, PerUnit: eur} }},
		{"return shipping fee", "return_shipping_fee", func(p *returns.Policy) {
			p.ReturnShipping, p.ReturnShippingFee = returns.ReturnShippingDeducted, eur
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := returns.DefaultPolicy()
			tc.set(&p)
			s := newShop(t, &p)
			o := s.delivered("eval-fee-eur")
			lines := []returns.RequestLine{{OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: returns.ReasonDoesntFit}}
			vs, err := s.svc.Evaluate(s.ctx, o.ID, lines, time.Time{})
			var ve *oms.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Evaluate: verdicts %+v, err %v; want a validation error naming %s", vs, err, tc.field)
			}
			_, rerr := s.svc.Request(s.ctx, returns.RequestInput{OrderID: o.ID, Lines: lines})
			if !errors.As(rerr, &ve) {
				t.Fatalf("Request: err %v, want a validation error", rerr)
			}
			if rs, _ := s.svc.ListByOrder(s.ctx, o.ID); len(rs) != 0 {
				t.Fatalf("%d returns saved", len(rs))
			}
			// A waived reason pays neither fee: the line is eligible.
			lines[0].Reason = returns.ReasonDefective
			vs, err = s.svc.Evaluate(s.ctx, o.ID, lines, time.Time{})
			if err != nil || len(vs) != 1 || !vs[0].Eligible {
				t.Fatalf("waived reason: verdicts %+v, err %v; want eligible", vs, err)
			}
		})
	}
}
