package order_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/shopspring/decimal"
)

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// newShop returns a service over a memory store with a fixed clock.
func newShop() (*order.Service, *order.MemoryStore) {
	store := order.NewMemoryStore(nil)
	clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
	return order.NewService(store, &order.ServiceOptions{Clock: clock}), store
}

func sampleInput() order.PlaceInput {
	return order.PlaceInput{
		IdempotencyKey: "cart-7",
		Currency:       oms.USD,
		Customer:       order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "Springfield",
			Region: "IL", PostalCode: "62701", Country: "US"},
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard (3-5 days)"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: 3, UnitPrice: usd("12.00"), Tax: usd("2.88")},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 1, UnitPrice: usd("20.00"), Tax: usd("1.60")},
		},
		Discounts:      []order.Discount{{Code: "WELCOME10", Amount: usd("10.00")}},
		ShippingCharge: usd("5.00"),
		Payment:        order.PaymentInput{Authorized: usd("64.48"), Reference: "auth_123"},
	}
}

func Example_place() {
	svc, _ := newShop()
	ctx := context.Background()
	o, err := svc.Place(ctx, sampleInput())
	if err != nil {
		fmt.Println(err)
		return
	}
	t := o.Totals
	fmt.Println("order", o.Number, o.Status, "version", o.Version)
	fmt.Println("subtotal", t.Subtotal, "discount", t.Discount, "shipping", t.Shipping, "tax", t.Tax)
	fmt.Println("grand total", t.GrandTotal)
	for i, lt := range t.Lines {
		fmt.Println(o.Lines[i].SKU, "order discount share", lt.OrderDiscount, "line total", lt.Total)
	}
	again, _ := svc.Place(ctx, sampleInput())
	fmt.Println("replay returns the same order:", again.ID == o.ID)
	// Output:
	// order 1001 pending version 1
	// subtotal 56.00 USD discount 10.00 USD shipping 5.00 USD tax 4.48 USD
	// grand total 55.48 USD
	// MUG-BLUE order discount share 6.43 USD line total 32.45 USD
	// TEE-M order discount share 3.57 USD line total 18.03 USD
	// replay returns the same order: true
}

func Example_holdAndRelease() {
	svc, _ := newShop()
	ctx := context.Background()
	o, _ := svc.Place(ctx, sampleInput())
	o, _ = svc.Confirm(ctx, o.ID)
	o, _ = svc.AddHold(ctx, o.ID, order.HoldInput{Reason: order.HoldFraudReview, By: "risk-bot", Note: "score 0.91"})
	hold := o.OpenHolds()[0]

	lines := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}}
	_, err := svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "alloc-1", Lines: lines})
	fmt.Println("allocation refused:", errors.Is(err, oms.ErrOnHold))
	var he *order.HoldError
	if errors.As(err, &he) {
		fmt.Println("open holds:", he.Holds[0].Reason, "by", he.Holds[0].By, "-", he.Holds[0].Note)
	}

	o, _ = svc.ReleaseHold(ctx, o.ID, hold.ID, order.ReleaseInput{By: "maria", Note: "customer verified"})
	o, err = svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "alloc-1", Lines: lines})
	fmt.Println("after release:", err, o.Status, o.FulfillmentStatus())
	// Output:
	// allocation refused: true
	// open holds: fraud_review by risk-bot - score 0.91
	// after release: <nil> processing partially_allocated
}

func Example_partialCancellation() {
	svc, _ := newShop()
	ctx := context.Background()
	o, _ := svc.Place(ctx, sampleInput())
	o, _ = svc.Confirm(ctx, o.ID)
	mug, tee := o.Lines[0].ID, o.Lines[1].ID
	o, _ = svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "fo-1", Lines: []order.LineQuantity{{LineID: mug, Quantity: 3}, {LineID: tee, Quantity: 1}}})
	o, _ = svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "pack-1", Lines: []order.LineQuantity{{LineID: mug, Quantity: 1}}})
	o, _ = svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "shp-1", Reference: "1Z999", Lines: []order.LineQuantity{{LineID: mug, Quantity: 1}}})

	// Two mugs are still unshipped: they can be cancelled, a third cannot.
	_, err := svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: mug, Quantity: 3}}})
	printProblems(err)
	o, _ = svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c-1", Reason: "out of stock", Lines: []order.LineQuantity{{LineID: mug, Quantity: 2}, {LineID: tee, Quantity: 1}}})
	m := o.Lines[0]
	fmt.Printf("mug: quantity %d, cancelled %d, allocated %d, shipped %d\n", m.Quantity, m.Cancelled, m.Allocated, m.Shipped)
	fmt.Println("status", o.Status, o.FulfillmentStatus(), "grand total", o.Totals.GrandTotal)

	o, _ = svc.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "trk-1", Lines: []order.LineQuantity{{LineID: mug, Quantity: 1}}})
	fmt.Println("status", o.Status, o.FulfillmentStatus())
	// Output:
	// refused (validation): lines[0].quantity
	// mug: quantity 3, cancelled 2, allocated 1, shipped 1
	// status processing shipped grand total 7.96 USD
	// status completed delivered
}

func Example_edit() {
	svc, _ := newShop()
	ctx := context.Background()
	o, _ := svc.Place(ctx, sampleInput())
	o, err := svc.Edit(ctx, o.ID, order.EditInput{
		By:     "support",
		Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "MUG-BLUE"}, Quantity: 2}},
		Add:    []order.LineInput{{SKU: "CAP", Name: "Cap", Quantity: 1, UnitPrice: usd("8.00"), Tax: usd("0.64")}},
		Remove: []order.LineRef{{SKU: "TEE-M"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range o.Lines {
		fmt.Println(l.SKU, l.Quantity, l.UnitPrice, "tax", l.Tax)
	}
	fmt.Println("grand total", o.Totals.GrandTotal, "version", o.Version)
	_, err = svc.Edit(ctx, o.ID, order.EditInput{Remove: []order.LineRef{{SKU: "HAT"}}})
	printProblems(err)
	// Output:
	// MUG-BLUE 2 12.00 USD tax 1.92 USD
	// CAP 1 8.00 USD tax 0.64 USD
	// grand total 29.56 USD version 2
	// refused (validation): remove[0].sku
}

// printProblems prints the fields a validation error names.
func printProblems(err error) {
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		fmt.Println("not a validation error:", err)
		return
	}
	fmt.Print("refused (validation):")
	for _, p := range ve.Problems {
		fmt.Print(" ", p.Field)
	}
	fmt.Println()
}

// Timeline turns the events saved with an order into a history for
// support staff.
func Example_timeline() {
	store := order.NewMemoryStore(nil)
	clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
	svc := order.NewService(store, &order.ServiceOptions{Clock: clock, Gateway: ordertest.NewFakeGateway()})
	ctx := context.Background()
	in := sampleInput()
	in.Payment = order.PaymentInput{Method: "tok_visa"}
	o, _ := svc.Place(ctx, in)
	step := func(r *order.Order, err error) {
		clock.Advance(15 * time.Minute)
		if err != nil {
			fmt.Println(err)
			return
		}
		o = r
	}
	step(svc.AddHold(ctx, o.ID, order.HoldInput{Reason: order.HoldAddressVerification, By: "risk", Note: "new address"}))
	step(svc.ReleaseHold(ctx, o.ID, o.Holds[0].ID, order.ReleaseInput{By: "maria"}))
	step(svc.Confirm(ctx, o.ID))
	step(svc.Edit(ctx, o.ID, order.EditInput{By: "maria", Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "MUG-BLUE"}, Quantity: 2}},
		Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("4.00")}}, Remove: []order.LineRef{{SKU: "TEE-M"}}}))
	step(svc.AddNote(ctx, o.ID, "maria", "customer called"))
	step(svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "fo-1", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}}))
	step(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "fo-1", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}}))
	step(svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "shp-1", Reference: "1Z999", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}}))
	step(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Reason: "discontinued", Lines: []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}}}))
	step(svc.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "trk-9", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 2}}}))
	for _, e := range order.Timeline(o, store.Outbox().Events(o.ID)) {
		fmt.Println(e)
	}
	// Output:
	// 2026-03-01 09:30:00 UTC  Order 1001 placed by ada@example.com: 3 × MUG-BLUE, 1 × TEE-M; total 55.48 USD
	// 2026-03-01 09:30:00 UTC  Payment authorized: 55.48 USD ref authorize_1
	// 2026-03-01 09:30:00 UTC  Put on hold (address verification) by risk: new address
	// 2026-03-01 09:45:00 UTC  Hold released (address verification) by maria
	// 2026-03-01 10:00:00 UTC  Order confirmed
	// 2026-03-01 10:15:00 UTC  Order edited by maria: added 1 × CAP; removed 1 × TEE-M; set quantity 2 × MUG-BLUE; total 55.48 USD → 24.92 USD
	// 2026-03-01 10:30:00 UTC  Note by maria: customer called
	// 2026-03-01 10:45:00 UTC  Allocated 2 × MUG-BLUE
	// 2026-03-01 11:00:00 UTC  Packed 2 × MUG-BLUE
	// 2026-03-01 11:15:00 UTC  Shipped 2 × MUG-BLUE (1Z999)
	// 2026-03-01 11:15:00 UTC  Payment capture of 22.35 USD requested from the gateway
	// 2026-03-01 11:15:00 UTC  Payment captured: 22.35 USD ref capture_2
	// 2026-03-01 11:30:00 UTC  Cancelled 1 × CAP: discontinued
	// 2026-03-01 11:30:00 UTC  Payment refund of 1.43 USD requested from the gateway
	// 2026-03-01 11:30:00 UTC  Refunded: 1.43 USD ref refund_3
	// 2026-03-01 11:45:00 UTC  Delivered 2 × MUG-BLUE
	// 2026-03-01 11:45:00 UTC  Order completed: every line delivered or cancelled
	// 2026-03-01 11:45:00 UTC  Payment void of 33.13 USD requested from the gateway
	// 2026-03-01 11:45:00 UTC  Authorization voided: 33.13 USD ref void_4
}

// A checkout quotes the cart with the shop's tax table, shows the total,
// authorizes exactly that amount, and places the order: no
// awaiting_payment hold.
func ExampleService_Quote() {
	vat, err := order.NewTaxTable([]order.TaxRate{
		{Country: "GB", Rate: decimal.RequireFromString("0.20"), Included: true, Shipping: true,
			Codes: map[string]decimal.Decimal{"zero": decimal.Zero}},
		{Country: "US", Region: "IL", Rate: decimal.RequireFromString("0.0625")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	store := order.NewMemoryStore(nil)
	svc := order.NewService(store, &order.ServiceOptions{Tax: vat})
	ctx := context.Background()
	gbp := func(s string) oms.Money { return oms.MustParseMoney(s + " GBP") }
	in := order.PlaceInput{
		IdempotencyKey: "cart-uk-1",
		Currency:       oms.GBP,
		Customer:       order.Customer{Email: "ada@example.com"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "London",
			PostalCode: "SW1Y 4LB", Country: "GB"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Quantity: 2, UnitPrice: gbp("12.00")},
			{SKU: "BOOK-1", Quantity: 1, UnitPrice: gbp("10.00"), TaxCode: "zero"},
		},
		Discounts:      []order.Discount{{Code: "WELCOME", Amount: gbp("3.40")}},
		ShippingCharge: gbp("4.80"),
	}
	q, err := svc.Quote(ctx, in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range q.Lines {
		fmt.Println(l.SKU, "amount", l.Amount, "of which VAT", l.Tax)
	}
	fmt.Println("shipping", q.ShippingCharge, "of which VAT", q.ShippingTax)
	fmt.Println("to pay", q.Totals.GrandTotal, "VAT included", q.Totals.Tax)

	in.Payment = order.PaymentInput{Authorized: q.Totals.GrandTotal, Reference: "auth_uk_1"}
	o, _ := svc.Place(ctx, in)
	fmt.Println("placed", o.Totals.GrandTotal, "on hold:", o.OnHold())
	// Output:
	// MUG-BLUE amount 21.60 GBP of which VAT 3.60 GBP
	// BOOK-1 amount 9.00 GBP of which VAT 0.00 GBP
	// shipping 4.80 GBP of which VAT 0.80 GBP
	// to pay 35.40 GBP VAT included 4.40 GBP
	// placed 35.40 GBP on hold: false
}

// A tax table with German VAT (included in prices, shipping taxed) and
// Illinois sales tax (added on top, shipping not taxed), asked for a
// basket shipped to each.
func ExampleNewTaxTable() {
	table, err := order.NewTaxTable([]order.TaxRate{
		{Country: "DE", Rate: decimal.RequireFromString("0.19"), Included: true, Shipping: true,
			Codes: map[string]decimal.Decimal{"reduced": decimal.RequireFromString("0.07")}},
		{Country: "US", Region: "IL", Rate: decimal.RequireFromString("0.0625")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	eur := func(s string) oms.Money { return oms.MustParseMoney(s + " EUR") }
	de, _ := table.Tax(ctx, order.TaxRequest{Currency: oms.EUR, ShipTo: oms.Address{Country: "DE"}, Shipping: eur("4.90"),
		Lines: []order.TaxLine{{SKU: "LAMP", Quantity: 1, Amount: eur("119.00")}, {SKU: "BOOK", Quantity: 1, TaxCode: "reduced", Amount: eur("21.40")}}})
	fmt.Println("DE included:", de.Included, de.Lines, "shipping", de.Shipping)
	il, _ := table.Tax(ctx, order.TaxRequest{Currency: oms.USD, ShipTo: oms.Address{Country: "US", Region: "IL"}, Shipping: usd("5.00"),
		Lines: []order.TaxLine{{SKU: "LAMP", Quantity: 1, Amount: usd("100.00")}}})
	fmt.Println("IL included:", il.Included, il.Lines, "shipping", il.Shipping)
	// Output:
	// DE included: true [19.00 EUR 1.40 EUR] shipping 0.78 EUR
	// IL included: false [6.25 USD] shipping 0.00 USD
}
