package ordertest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// A test of payment code runs against the fake gateway: a repeated key
// moves no money, a capture beyond the authorization is refused, the
// token DeclinedMethod is declined, and the ledger shows what moved.
func ExampleFakeGateway() {
	ctx := context.Background()
	g := ordertest.NewFakeGateway()
	usd := func(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

	auth, _ := g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "o1/auth", OrderID: "o1", Method: "tok_visa", Amount: usd("50.00")})
	fmt.Println("authorization:", auth.Reference)
	capture := order.CaptureRequest{IdempotencyKey: "o1/cap/1", OrderID: "o1", Authorization: auth.Reference, Amount: usd("30.00")}
	first, _ := g.Capture(ctx, capture)
	again, _ := g.Capture(ctx, capture) // a retry after a timeout
	fmt.Println("capture:", first.Reference, "retry:", again.Reference)

	_, err := g.Capture(ctx, order.CaptureRequest{IdempotencyKey: "o1/cap/2", OrderID: "o1", Authorization: auth.Reference, Amount: usd("25.00")})
	fmt.Println("over-capture refused:", errors.Is(err, oms.ErrValidation))
	_, err = g.Authorize(ctx, order.AuthorizeRequest{IdempotencyKey: "o2/auth", OrderID: "o2", Method: ordertest.DeclinedMethod, Amount: usd("9.00")})
	fmt.Println("declined:", errors.Is(err, ordertest.ErrDeclined), err)

	l := g.Ledger("o1")
	fmt.Println("o1 authorized", l.Authorized, "captured", l.Captured)
	for _, c := range g.Calls() {
		fmt.Println(c.Kind, c.Key, c.Amount, "replay:", c.Replay)
	}
	// Output:
	// authorization: authorize_1
	// capture: capture_2 retry: capture_2
	// over-capture refused: true
	// declined: true ordertest: payment declined
	// o1 authorized 50.00 USD captured 30.00 USD
	// authorize o1/auth 50.00 USD replay: false
	// capture o1/cap/1 30.00 USD replay: false
	// capture o1/cap/1 30.00 USD replay: true
	// capture o1/cap/2 25.00 USD replay: false
	// authorize o2/auth 9.00 USD replay: false
}

// LoseAnswers tests what a shop does when the processor acted but its
// answer never arrived: the order keeps the authorization pending and
// SettlePayment repeats it under the same key, so the card is held once.
func ExampleFakeGateway_LoseAnswers() {
	ctx := context.Background()
	g := ordertest.NewFakeGateway()
	g.LoseAnswers(order.TxAuthorize, 1)
	svc := order.NewService(order.NewMemoryStore(nil), &order.ServiceOptions{Gateway: g})
	o, err := svc.Place(ctx, order.PlaceInput{
		Currency: oms.USD,
		Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "Springfield",
			Region: "IL", PostalCode: "62701", Country: "US"},
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"},
		Lines:    []order.LineInput{{SKU: "MUG", Name: "Mug", Quantity: 2, UnitPrice: oms.MustParseMoney("12.00 USD")}},
		Payment:  order.PaymentInput{Method: "tok_visa"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("authorized on the order:", o.Payment.Authorized, "pending:", o.Payment.Pending != nil)
	fmt.Println("held at the gateway:", g.Ledger(o.ID).Authorized)
	for _, c := range g.Calls() {
		fmt.Println(c.Kind, "replay:", c.Replay)
	}
	// Output:
	// authorized on the order: 24.00 USD pending: false
	// held at the gateway: 24.00 USD
	// authorize replay: false
	// authorize replay: true
}

// NewOrder gives a store test a fully populated order; Diff compares
// what the store hands back with what went in.
func ExampleDiff() {
	ctx := context.Background()
	store := order.NewMemoryStore(nil)
	o := ordertest.NewOrder("cus_1", "cart-1")
	fmt.Println(o.Status, "version", o.Version, "lines", len(o.Lines), "grand total", o.Totals.GrandTotal)
	if err := store.Create(ctx, o, nil); err != nil {
		fmt.Println(err)
		return
	}
	got, _ := store.Get(ctx, o.ID)
	fmt.Println("round trip equal:", ordertest.Diff(o, got) == "")

	got.Lines[0].Quantity = 5 // a store must hand out copies
	again, _ := store.Get(ctx, o.ID)
	fmt.Println("stored order unchanged:", ordertest.Diff(o, again) == "")
	fmt.Println("edited copy differs:", ordertest.Diff(o, got) != "")
	// Output:
	// pending version 1 lines 2 grand total 46.00 USD
	// round trip equal: true
	// stored order unchanged: true
	// edited copy differs: true
}
