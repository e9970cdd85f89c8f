// Command cartholds shows cart holds on a limited drop: each cart that adds a
// pair of sneakers holds them for 15 minutes, so two shoppers can never buy
// the same pair; a cart that checks out keeps its pair, a cart left alone
// loses its hold when the sweep runs, and the pair goes back on sale.
//
//	go run ./examples/cartholds
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cartholds:", err)
		os.Exit(1)
	}
}

const (
	sneaker  oms.SKU = "SNEAKER-LTD"
	shop     oms.ID  = "shop"
	holdTime         = 15 * time.Minute
)

// run plays a quarter of an hour of a sneaker drop on a manual clock.
func run(ctx context.Context, w io.Writer) error {
	clock := oms.NewManualClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	outbox := oms.NewMemoryOutbox(nil)
	stock := inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: outbox}), &inventory.ServiceOptions{Clock: clock})
	if err := stock.PutLocation(ctx, inventory.Location{ID: shop, Name: "Web shop DC", Kind: inventory.KindWarehouse,
		Active: true, Ships: true, Channels: []inventory.Channel{"web"}}); err != nil {
		return err
	}
	if err := stock.PutItem(ctx, inventory.Item{SKU: sneaker, Tracked: true}); err != nil {
		return err
	}
	if _, err := stock.Receive(ctx, inventory.Receipt{SKU: sneaker, Location: shop, Quantity: 5, Reference: "drop-1"}); err != nil {
		return err
	}
	say := func(format string, args ...any) {
		fmt.Fprintf(w, "%s  "+format+"\n", append([]any{clock.Now().Format("15:04")}, args...)...)
	}
	level := func() string {
		l, err := stock.Level(ctx, sneaker, shop)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("on hand %d, held %d, available %d", l.OnHand, l.Reserved, l.Available())
	}
	// hold puts qty pairs in a cart: a reservation whose ID is the cart's,
	// expiring holdTime from now on the service's clock.
	hold := func(cart oms.ID, qty int64) (inventory.Reservation, error) {
		return stock.Reserve(ctx, inventory.ReserveRequest{ID: cart, Reference: "cart " + string(cart),
			Lines: []inventory.Line{{SKU: sneaker, Location: shop, Quantity: qty}}, HoldFor: holdTime})
	}
	say("drop opens: %s", level())

	// Two shoppers fill their carts at once; their holds take all five pairs.
	for _, c := range []struct {
		cart oms.ID
		qty  int64
	}{{"cart-ana", 2}, {"cart-ben", 3}} {
		r, err := hold(c.cart, c.qty)
		if err != nil {
			return err
		}
		say("%s holds %d until %s: %s", c.cart, r.Outstanding(), r.ExpiresAt.Format("15:04"), level())
	}

	// A third shopper is too late: the hold is refused with the shortage.
	clock.Advance(3 * time.Minute)
	_, err := hold("cart-cy", 1)
	var short *inventory.ShortageError
	if !errors.As(err, &short) {
		return fmt.Errorf("cart-cy should be short of stock, got %v", err)
	}
	say("cart-cy refused (errors.Is ErrInsufficientStock: %v): requested %d, available %d",
		errors.Is(err, oms.ErrInsufficientStock), short.Lines[0].Requested, short.Lines[0].Available)

	// Ana is still deciding: her shop extends her hold while she is active.
	clock.Advance(7 * time.Minute)
	r, err := stock.Extend(ctx, "cart-ana", clock.Now().Add(holdTime))
	if err != nil {
		return err
	}
	say("cart-ana still browsing: hold extended until %s", r.ExpiresAt.Format("15:04"))

	// The shop sweeps every minute; until 10:15 Ben's hold is still good.
	clock.Advance(4 * time.Minute)
	if err := sweep(ctx, stock, clock, say); err != nil {
		return err
	}
	// At 10:15 it is due: its pairs go back on sale.
	clock.Advance(time.Minute)
	if err := sweep(ctx, stock, clock, say); err != nil {
		return err
	}
	say("after the sweep: %s", level())

	// Cy tries again and gets a pair. Ben comes back: his cart's ID names
	// a hold that has expired, and reserving under it again only returns
	// that expired hold (an ID is an idempotency key, never reused), so his
	// shop starts a new hold under a new ID, for what is left.
	if _, err := hold("cart-cy", 1); err != nil {
		return err
	}
	say("cart-cy holds 1: %s", level())
	old, err := hold("cart-ben", 3)
	if err != nil {
		return err
	}
	say("cart-ben comes back: its hold is %s, holding %d", old.Status, old.Outstanding())
	if _, err := hold("cart-ben-2", 2); err != nil {
		return err
	}
	say("cart-ben-2 holds the last 2 pairs: %s", level())

	// Ana checks out: committing ships her pairs and ends her hold, so no
	// sweep can take them back.
	clock.Advance(2 * time.Minute)
	if r, err = stock.Commit(ctx, inventory.CommitRequest{Key: "order-1001", Reservation: "cart-ana"}); err != nil {
		return err
	}
	say("cart-ana checks out: hold %s, expiry cleared %v: %s", r.Status, r.ExpiresAt.IsZero(), level())

	// Half an hour later, Cy and Ben's new cart were abandoned.
	clock.Advance(30 * time.Minute)
	if err := sweep(ctx, stock, clock, say); err != nil {
		return err
	}
	say("end of the drop: %s", level())

	rep, err := stock.Reconcile(ctx)
	if err != nil {
		return err
	}
	// The relay hands every event to the shop's publisher (here a counter).
	counts := map[string]int{}
	relay := oms.NewRelay(outbox, oms.PublisherFunc(func(_ context.Context, e oms.Event) error {
		counts[e.Type]++
		return nil
	}), &oms.RelayOptions{Clock: clock})
	if _, err := relay.Drain(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "events: %d reserved, %d extended, %d expired, %d committed; ledger reconciles: %v\n",
		counts[inventory.EventReserved], counts[inventory.EventReservationExtended],
		counts[inventory.EventReservationExpired], counts[inventory.EventReservationCommitted], rep.Clean())
	return nil
}

// sweep returns every hold that has expired by now to stock, as a shop's
// job does every minute.
func sweep(ctx context.Context, stock *inventory.Service, clock oms.Clock, say func(string, ...any)) error {
	ids, err := stock.SweepExpired(ctx, clock.Now())
	if err != nil {
		return err
	}
	say("sweep: %d expired %v", len(ids), ids)
	return nil
}
