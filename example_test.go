package oms_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// A 10.00 discount prorated over three lines by their subtotals: the parts
// always sum to the discount, and the odd cent goes to the line with the
// largest remainder.
func ExampleMoney_Allocate() {
	discount := oms.MustParseMoney("10.00 USD")
	subtotals := []decimal.Decimal{
		decimal.RequireFromString("19.99"),
		decimal.RequireFromString("5.00"),
		decimal.RequireFromString("45.50"),
	}
	parts, err := discount.Allocate(subtotals)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range parts {
		fmt.Printf("line %d: %s\n", i+1, p)
	}
	total, _ := oms.Sum(oms.USD, parts...)
	fmt.Println("total:", total)
	// Output:
	// line 1: 2.84 USD
	// line 2: 0.71 USD
	// line 3: 6.45 USD
	// total: 10.00 USD
}

// Splitting into equal parts: the earlier parts take the extra units.
func ExampleMoney_Split() {
	for _, s := range []string{"10.00 USD", "100 JPY", "1.000 KWD"} {
		parts, _ := oms.MustParseMoney(s).Split(3)
		fmt.Println(s, "->", parts)
	}
	// Output:
	// 10.00 USD -> [3.34 USD 3.33 USD 3.33 USD]
	// 100 JPY -> [34 JPY 33 JPY 33 JPY]
	// 1.000 KWD -> [0.334 KWD 0.333 KWD 0.333 KWD]
}

func ExampleParseMoney() {
	for _, s := range []string{"12.34 USD", "usd 12.3", "JPY 1500", "2.5 KWD", "12,34 EUR", "12.34 XYZ"} {
		m, err := oms.ParseMoney(s)
		if err != nil {
			fmt.Printf("%q: %v (validation: %v)\n", s, err, errors.Is(err, oms.ErrValidation))
			continue
		}
		fmt.Printf("%q: %s\n", s, m)
	}
	// Output:
	// "12.34 USD": 12.34 USD
	// "usd 12.3": 12.30 USD
	// "JPY 1500": 1500 JPY
	// "2.5 KWD": 2.500 KWD
	// "12,34 EUR": oms: invalid money: amount: "12,34" is not a decimal number (validation: true)
	// "12.34 XYZ": oms: invalid money: currency: "XYZ" is not an active ISO 4217 code (validation: true)
}

// Mixing currencies is an error, never a silent result.
func ExampleMoney_Add() {
	usd := oms.MustParseMoney("5.00 USD")
	eur := oms.MustParseMoney("5.00 EUR")
	if _, err := usd.Add(eur); errors.Is(err, oms.ErrCurrencyMismatch) {
		fmt.Println(err)
	}
	// The zero Money is "nothing yet": a running total can start from it.
	var total oms.Money
	for _, line := range []string{"19.99 USD", "5.01 USD"} {
		total, _ = total.Add(oms.MustParseMoney(line))
	}
	fmt.Println(total)
	// Output:
	// oms: currency mismatch: add USD and EUR
	// 25.00 USD
}

// Rounding happens in one place, half away from zero, to the currency's
// minor unit.
func ExampleMoney_Round() {
	tax := oms.MustParseMoney("19.99 USD").MulRate(decimal.RequireFromString("0.0825"))
	fmt.Println(tax, "->", tax.Round())
	fmt.Println(oms.MustParseMoney("-2.345 USD").Round(), oms.MustParseMoney("2.5 JPY").Round(), oms.MustParseMoney("1.2345 KWD").Round())
	// Output:
	// 1.649175 USD -> 1.65 USD
	// -2.35 USD 3 JPY 1.235 KWD
}

func ExampleAddress_Validate() {
	a := oms.Address{
		Name:       "Ada Lovelace",
		Line1:      "1 Main Street",
		City:       "Toronto",
		PostalCode: "12345",
		Country:    "CA",
		Phone:      "call me",
		Email:      "ada@localhost",
	}
	err := a.Validate()
	var ve *oms.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Message)
		}
	}
	fmt.Println(errors.Is(err, oms.ErrValidation))

	// Normalize tidies loose input; Validate then accepts it.
	loose := oms.Address{Name: " Ada  Lovelace ", Line1: "1 Main St", City: "Toronto", Region: "on", PostalCode: "k1a 0b1", Country: "ca"}
	fmt.Println(loose.Validate() != nil, loose.Normalize().Validate())
	// Output:
	// region: is required
	// postal_code: "12345" is not a valid CA postal code
	// phone: has 'c', which is not a digit or separator
	// email: "ada@localhost" is not an e-mail address
	// true
	// true <nil>
}

// A store appends an aggregate's events to its outbox in the same write
// that saves the aggregate; a Relay hands them to the host's publisher in
// order per aggregate.
func ExampleRelay() {
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	outbox := oms.NewMemoryOutbox(nil)
	for _, e := range []struct {
		typ     string
		id      oms.ID
		version int64
	}{
		{"order.placed", "order-1", 1},
		{"order.placed", "order-2", 1},
		{"order.paid", "order-1", 2},
	} {
		ev, err := oms.NewEvent(e.typ, "order", e.id, e.version, at, map[string]string{"order_id": string(e.id)})
		if err != nil {
			fmt.Println(err)
			return
		}
		outbox.Append(ev)
	}

	pub := oms.PublisherFunc(func(ctx context.Context, e oms.Event) error {
		fmt.Printf("publish %s %s v%d %s\n", e.Type, e.AggregateID, e.AggregateVersion, e.Payload)
		return nil
	})
	relay := oms.NewRelay(outbox, pub, nil)
	n, err := relay.RunOnce(ctx)
	fmt.Println("published:", n, "error:", err, "pending:", outbox.PendingCount())
	// Output:
	// publish order.placed order-1 v1 {"order_id":"order-1"}
	// publish order.placed order-2 v1 {"order_id":"order-2"}
	// publish order.paid order-1 v2 {"order_id":"order-1"}
	// published: 3 error: <nil> pending: 0
}

// Run relays until its context ends, waiting on the injected Clock between
// passes: under a ManualClock a test drives it without sleeping.
func ExampleRelay_Run() {
	clock := oms.NewManualClock(time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC))
	outbox := oms.NewMemoryOutbox(&oms.MemoryOutboxOptions{Clock: clock})
	published := make(chan oms.ID, 10)
	pub := oms.PublisherFunc(func(ctx context.Context, e oms.Event) error {
		published <- e.AggregateID
		return nil
	})
	relay := oms.NewRelay(outbox, pub, &oms.RelayOptions{Clock: clock, PollInterval: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- relay.Run(ctx) }()

	for _, id := range []oms.ID{"order-1", "order-2"} {
		ev, _ := oms.NewEvent("order.placed", "order", id, 1, clock.Now(), nil)
		outbox.Append(ev)
		clock.BlockUntil(1)        // Run is waiting for its next poll
		clock.Advance(time.Minute) // the poll interval passes
		fmt.Println("published", <-published)
	}
	cancel()
	fmt.Println("Run returned", <-done)
	// Output:
	// published order-1
	// published order-2
	// Run returned <nil>
}

// Drain publishes what can be published now, without waiting: the loop tests
// and examples use where a process runs Run. With MaxAttempts, an event that
// keeps failing becomes a dead letter: the host's hook hears of it, the
// outbox keeps it, and its aggregate's later events go on.
func ExampleRelay_Drain() {
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	outbox := oms.NewMemoryOutbox(nil)
	for v := int64(1); v <= 3; v++ {
		ev, _ := oms.NewEvent("order.changed", "order", "order-1", v, at, nil)
		outbox.Append(ev)
	}
	pub := oms.PublisherFunc(func(ctx context.Context, e oms.Event) error {
		if e.AggregateVersion == 2 {
			return errors.New("bus refuses v2")
		}
		fmt.Println("publish", e.AggregateID, "v", e.AggregateVersion)
		return nil
	})
	relay := oms.NewRelay(outbox, pub, &oms.RelayOptions{
		MaxAttempts: 3,
		OnDeadLetter: func(ctx context.Context, e oms.Event, cause error) {
			fmt.Println("dead letter:", e.AggregateID, "v", e.AggregateVersion, cause)
		},
	})
	for call := 1; call <= 3; call++ {
		n, err := relay.Drain(ctx) // each call makes passes until one publishes nothing
		fmt.Println("drain", call, "published", n, "still failing:", err != nil)
	}
	for _, d := range outbox.DeadLetters() {
		fmt.Println("kept:", d.Event.AggregateVersion, d.Reason)
	}
	// Output:
	// publish order-1 v 1
	// drain 1 published 1 still failing: true
	// dead letter: order-1 v 2 bus refuses v2
	// publish order-1 v 3
	// drain 2 published 1 still failing: false
	// drain 3 published 0 still failing: false
	// kept: 2 gave up after 3 attempts: bus refuses v2
}

// Carriers bill the larger of the actual weight and the dimensional weight,
// rounded up to their step.
func ExampleDimWeight() {
	box := oms.Dimensions{Length: oms.Inches(12), Width: oms.Inches(12), Height: oms.Inches(12)}
	w, _ := oms.DimWeight(box, oms.DimFactorImperial139) // 1728 in³ / 139 = 12.43 lb
	fmt.Printf("12x12x12 in at 139: %.0f lb\n", w.Pounds())

	carton := oms.DimensionsMM(500, 400, 300)
	w, _ = oms.DimWeight(carton, oms.DimFactorMetric5000) // 60000 cm³ / 5000
	fmt.Printf("50x40x30 cm at 5000: %.1f kg\n", w.Kilograms())

	small := oms.Dimensions{Length: oms.Inches(6), Width: oms.Inches(4), Height: oms.Inches(2)}
	b, _ := oms.BillableWeight(oms.Pounds(2), small, oms.DimFactorImperial139)
	fmt.Printf("2 lb in a 6x4x2 in box bills %.0f lb\n", b.Pounds())
	b, _ = oms.BillableWeight(oms.Pounds(1), box, oms.DimFactorImperial139)
	fmt.Printf("1 lb in the 12 in cube bills %.0f lb\n", b.Pounds())
	// Output:
	// 12x12x12 in at 139: 13 lb
	// 50x40x30 cm at 5000: 12.0 kg
	// 2 lb in a 6x4x2 in box bills 2 lb
	// 1 lb in the 12 in cube bills 13 lb
}

// DeriveID gives a follow-up step the same ID every time, so a flow that
// crashed between steps finds the step already done.
func ExampleDeriveID() {
	order := oms.ID("01HZY8D3Q5X7K2M4N6P8R0T2V4")
	first := oms.DeriveID(order, "reserve")
	retried := oms.DeriveID(order, "reserve") // after a crash, say
	fmt.Println(first)
	fmt.Println(first == retried)
	t, _ := oms.DeriveID(order, "reserve").Time()
	fmt.Println(t.UTC())
	// Output:
	// 01HZY8D3Q5QVQV47G438VXBRD6
	// true
	// 2024-06-09 10:23:47.941 +0000 UTC
}

// A ManualClock drives code that waits without sleeping.
func ExampleManualClock() {
	clock := oms.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	done := make(chan time.Time)
	go func() { done <- <-oms.After(clock, time.Hour) }()
	clock.BlockUntil(1) // the goroutine is waiting on the clock
	clock.Advance(90 * time.Minute)
	fmt.Println(<-done)
	// Output:
	// 2026-01-01 01:30:00 +0000 UTC
}
