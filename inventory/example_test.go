package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// setup returns a service with two warehouses holding a T-shirt.
func setup(clock oms.Clock) *inventory.Service {
	ctx := context.Background()
	svc := inventory.NewService(inventory.NewMemoryStore(nil), &inventory.ServiceOptions{Clock: clock})
	for i, id := range []oms.ID{"berlin", "paris"} {
		_ = svc.PutLocation(ctx, inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse,
			Active: true, Priority: i, Channels: []inventory.Channel{"web"}, Ships: true})
	}
	_ = svc.PutItem(ctx, inventory.Item{SKU: "TEE-M", Tracked: true})
	_, _ = svc.Receive(ctx, inventory.Receipt{SKU: "TEE-M", Location: "berlin", Quantity: 5})
	_, _ = svc.Receive(ctx, inventory.Receipt{SKU: "TEE-M", Location: "paris", Quantity: 3})
	return svc
}

// Reserve stock for an order across two locations, then ship it.
func Example_reserveAndCommit() {
	ctx := context.Background()
	svc := setup(oms.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)))

	r, err := svc.Reserve(ctx, inventory.ReserveRequest{
		ID:        "order-1001", // the idempotency key
		Reference: "order-1001",
		Lines: []inventory.Line{
			{SKU: "TEE-M", Location: "berlin", Quantity: 4},
			{SKU: "TEE-M", Location: "paris", Quantity: 2},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status, r.Outstanding())

	// Asking for more than is left reserves nothing and lists each short line.
	_, err = svc.Reserve(ctx, inventory.ReserveRequest{ID: "order-1002", Lines: []inventory.Line{
		{SKU: "TEE-M", Location: "berlin", Quantity: 2},
		{SKU: "TEE-M", Location: "paris", Quantity: 1},
	}})
	var short *inventory.ShortageError
	fmt.Println(errors.Is(err, oms.ErrInsufficientStock), errors.As(err, &short), len(short.Lines))

	r, _ = svc.Commit(ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "order-1001"})
	berlin, _ := svc.Level(ctx, "TEE-M", "berlin")
	fmt.Println(r.Status, berlin.OnHand, berlin.Reserved, berlin.Available())

	// After a crash the flow runs again: the same key ships nothing twice.
	r, _ = svc.Commit(ctx, inventory.CommitRequest{Key: "parcel-1", Reservation: "order-1001"})
	berlin, _ = svc.Level(ctx, "TEE-M", "berlin")
	fmt.Println(r.Status, berlin.OnHand)

	rep, _ := svc.Reconcile(ctx)
	fmt.Println("reconciled:", rep.Clean())
	// Output:
	// active 6
	// true true 1
	// committed 1 0 1
	// committed 1
	// reconciled: true
}

// A cart holds stock for 15 minutes; the sweep returns it when the shopper
// walks away.
func Example_cartHold() {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	svc := setup(clock)

	hold, _ := svc.Reserve(ctx, inventory.ReserveRequest{
		ID:      "cart-42",
		Lines:   []inventory.Line{{SKU: "TEE-M", Location: "berlin", Quantity: 5}},
		HoldFor: 15 * time.Minute,
	})
	fmt.Println(hold.Status, hold.ExpiresAt.Format("15:04"))

	clock.Advance(16 * time.Minute)
	expired, _ := svc.SweepExpired(ctx, clock.Now())
	r, _ := svc.Reservation(ctx, "cart-42")
	lv, _ := svc.Level(ctx, "TEE-M", "berlin")
	fmt.Println(expired, r.Status, lv.Available())
	// Output:
	// active 09:15
	// [cart-42] expired 5
}

// What each channel may sell: only the locations serving it, minus the
// safety stock and the channel's buffer.
func Example_channelAvailability() {
	ctx := context.Background()
	svc := inventory.NewService(inventory.NewMemoryStore(nil), nil)
	_ = svc.PutLocation(ctx, inventory.Location{ID: "dc", Name: "DC", Kind: inventory.KindWarehouse, Active: true,
		Channels: []inventory.Channel{"web", "amazon"}})
	_ = svc.PutLocation(ctx, inventory.Location{ID: "shop", Name: "Shop", Kind: inventory.KindStore, Active: true,
		Channels: []inventory.Channel{"web", "pos"}})
	_ = svc.PutItem(ctx, inventory.Item{SKU: "MUG", Tracked: true, SafetyStock: 2,
		ChannelBuffers: map[inventory.Channel]int64{"amazon": 5}})
	_, _ = svc.Receive(ctx, inventory.Receipt{SKU: "MUG", Location: "dc", Quantity: 20})
	_, _ = svc.Receive(ctx, inventory.Receipt{SKU: "MUG", Location: "shop", Quantity: 4})
	_, _ = svc.Reserve(ctx, inventory.ReserveRequest{ID: "o1", Lines: []inventory.Line{{SKU: "MUG", Location: "dc", Quantity: 3}}})

	for _, ch := range []inventory.Channel{"web", "amazon", "pos"} {
		a, _ := svc.ChannelAvailability(ctx, "MUG", ch)
		fmt.Println(ch, a.Quantity, a.Locations)
	}
	// Output:
	// web 19 [dc shop]
	// amazon 10 [dc]
	// pos 2 [shop]
}

// Forecast demand from daily sales, compute the reorder point at a 95 %
// service level and suggest an order. By hand: the mean is 140/14 = 10 a
// day; the sample standard deviation is √(38/13) = 1.7097; safety stock is
// 1.645 · 1.7097 · √9 = 8.44 → 9; the reorder point is 9 · 10 + 9 = 99.
// The position 85 is below it, so order up to 99 + 14 · 10 = 239: 154
// units, rounded up to whole packs of 12: 156.
func Example_reorderSuggestion() {
	sales := []float64{12, 9, 11, 10, 8, 13, 7, 10, 11, 9, 12, 8, 10, 10}
	f, _ := inventory.MovingAverage(sales, 14)
	plan, _ := inventory.ReorderPoint(inventory.ReorderInput{
		Forecast:     f,
		DemandStdDev: inventory.StdDev(sales),
		LeadTimeDays: 9,
		ServiceLevel: 0.95,
	})
	fmt.Printf("demand %.1f/day, z %.3f, safety stock %d, reorder point %d\n", f.Level, plan.Z, plan.SafetyStock, plan.ReorderPoint)

	qty, _ := inventory.SuggestOrder(inventory.OrderInput{
		Position:     85, // available + incoming
		ReorderPoint: plan.ReorderPoint,
		Forecast:     f,
		CoverDays:    14,
		PackSize:     12,
	})
	fmt.Println("order", qty)
	// Output:
	// demand 10.0/day, z 1.645, safety stock 9, reorder point 99
	// order 156
}

// A preorder limit is one total for the SKU: 10 units promised before
// stock arrives, wherever they are reserved.
func Example_preorder() {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc := setup(oms.NewManualClock(now))
	_ = svc.PutItem(ctx, inventory.Item{SKU: "HOODIE", Tracked: true, Backorder: inventory.BackorderPolicy{
		Mode: inventory.BackorderPreorder, Limit: 10, ExpectedAt: now.AddDate(0, 1, 0)}})

	web, _ := svc.ChannelAvailability(ctx, "HOODIE", "web")
	fmt.Println("web may sell", web.Quantity)

	_, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: "pre-1", Lines: []inventory.Line{{SKU: "HOODIE", Location: "berlin", Quantity: 7}}})
	fmt.Println(err)
	_, err = svc.Reserve(ctx, inventory.ReserveRequest{ID: "pre-2", Lines: []inventory.Line{{SKU: "HOODIE", Location: "paris", Quantity: 7}}})
	fmt.Println(errors.Is(err, oms.ErrInsufficientStock))

	atp, _ := svc.ATP(ctx, "HOODIE", inventory.ATPQuery{})
	date, ok := atp.PromiseDate(3)
	fmt.Println(date.Format("2006-01-02"), ok)
	// Output:
	// web may sell 10
	// <nil>
	// true
	// 2026-04-01 true
}
