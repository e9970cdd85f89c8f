package returns_test

import (
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/shopspring/decimal"
)

// A policy says, line by line and in the customer's words, what may come
// back.
func Example_policyEvaluation() {
	s := newShop(panicker{}, nil)
	o := s.delivered("cart-example-policy") // delivered on March 1, 2026
	p := returns.Policy{
		WindowDays: 30,
		Rules:      []returns.Rule{{SKU: "TEE-M", FinalSale: true}},
		Reasons:    []returns.Reason{returns.ReasonDamaged, returns.ReasonDoesntFit, returns.ReasonDefective},
	}
	lines := []returns.RequestLine{
		{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDoesntFit},
		{OrderLineID: o.Lines[0].ID, Quantity: 2, Reason: returns.ReasonDamaged},
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonDoesntFit},
	}
	for _, v := range p.Evaluate(o, lines, o.CompletedAt, o.CompletedAt.Add(10*24*time.Hour), nil) {
		fmt.Printf("%-16s %s\n", v.Code, v.Message)
	}
	late := p.Evaluate(o, lines[:1], o.CompletedAt, o.CompletedAt.Add(31*24*time.Hour), nil)[0]
	fmt.Printf("%-16s %s\n", late.Code, late.Message)
	// Output:
	// eligible         Blue mug can be returned until March 31, 2026.
	// quantity         Only 1 of Blue mug can be returned.
	// final_sale       T-shirt M was a final sale and can't be returned.
	// window_closed    The return window for Blue mug closed on March 31, 2026.
}

// CalculateRefund is pure: it shows what a return refunds, line by line,
// before anything moves.
func Example_refundBreakdown() {
	o := &order.Order{ID: "01JEXAMPLE000000000000000A", Currency: oms.USD, Status: order.StatusCompleted,
		ShippingCharge: usd("5.00"), Discounts: []order.Discount{{Code: "WELCOME10", Amount: usd("10.00")}},
		Lines: []order.Line{
			{ID: "mug", SKU: "MUG-BLUE", Quantity: 3, UnitPrice: usd("12.00"), Tax: usd("2.88"), Shipped: 3, Delivered: 3},
			{ID: "tee", SKU: "TEE-M", Quantity: 1, UnitPrice: usd("20.00"), Tax: usd("1.60"), Shipped: 1, Delivered: 1},
		}}
	o.Totals, _ = order.ComputeTotals(o)
	o.Payment.Captured = o.Totals.GrandTotal
	p := returns.Policy{
		RestockingFee:  returns.Fee{Percent: decimal.RequireFromString("0.10")},
		ReturnShipping: returns.ReturnShippingDeducted,
		ShippingRefund: returns.ShippingRefundFullReturn,
	}
	b, err := returns.CalculateRefund(o, &p, returns.CalcInput{
		Items: []returns.RefundItem{
			{OrderLineID: "mug", Quantity: 1, Reason: returns.ReasonDoesntFit},
			{OrderLineID: "tee", Quantity: 1, Reason: returns.ReasonDefective},
		},
		ReturnShippingCost: usd("6.00"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range b.Lines {
		fmt.Printf("%s x%d: %s - %s discount + %s tax = %s; fee %s, return shipping %s; refund %s\n",
			l.SKU, l.Quantity, l.Subtotal, l.OrderDiscount, l.Tax, l.Value, l.RestockingFee, l.ReturnShipping, l.Amount)
	}
	fmt.Println("shipping", b.Shipping, "total", b.Total)
	// Output:
	// MUG-BLUE x1: 12.00 USD - 2.14 USD discount + 0.96 USD tax = 10.82 USD; fee 1.08 USD, return shipping 6.00 USD; refund 3.74 USD
	// TEE-M x1: 20.00 USD - 3.57 USD discount + 1.60 USD tax = 18.03 USD; fee 0.00 USD, return shipping 0.00 USD; refund 18.03 USD
	// shipping 0.00 USD total 21.77 USD
}

// An exchange places a replacement order through the order service,
// linked to the return, and settles the exact price difference.
func Example_exchange() {
	s := newShop(panicker{}, nil)
	o := s.delivered("cart-example-exchange")
	tee := o.Lines[1] // worth 18.03 after its discount share and tax
	r, err := s.svc.Request(s.ctx, returns.RequestInput{Key: "rma-x", OrderID: o.ID, Lines: []returns.RequestLine{{
		OrderLineID: tee.ID, Quantity: 1, Reason: returns.ReasonDoesntFit, Resolution: returns.ResolutionExchange,
		Replacement: &returns.Replacement{SKU: "LAMP", Name: "Desk lamp", UnitPrice: usd("22.00"), Tax: usd("1.76")},
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	steps := []func() error{
		func() (err error) { _, err = s.svc.Approve(s.ctx, r.ID, returns.StatusInput{}); return },
		func() (err error) {
			_, err = s.svc.Receive(s.ctx, r.ID, returns.ReceiveInput{Key: "scan-1", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}})
			return
		},
		func() (err error) {
			_, err = s.svc.Inspect(s.ctx, r.ID, returns.InspectInput{Key: "insp-1", Units: []returns.UnitInspection{{
				LineID: r.Lines[0].ID, Condition: returns.ConditionNew, Disposition: returns.DispositionRestock, Location: "WH1"}}})
			return
		},
		func() (err error) {
			r, err = s.svc.Resolve(s.ctx, r.ID, returns.ResolveInput{PaymentMethod: "tok_visa"})
			return
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	d := r.Exchange.Difference
	fmt.Println("status:", r.Status, r.Outcomes)
	fmt.Println("replacement", d.Replacement, "credit", d.Credit, "due", d.Due, "credited", d.Credited)
	rep, _ := s.orders.Get(s.ctx, r.Exchange.OrderID)
	fmt.Println("replacement order:", rep.Lines[0].SKU, "grand total", rep.Totals.GrandTotal, "for return", rep.Metadata["return_id"] == string(r.ID))
	// Output:
	// status: completed [exchange]
	// replacement 23.76 USD credit 18.03 USD due 5.73 USD credited 0.00 USD
	// replacement order: LAMP grand total 5.73 USD for return true
}
