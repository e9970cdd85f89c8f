// Command channels keeps three sales channels in step with one stock: the web
// shop, a marketplace and the store's till. Each channel sells what the
// locations serving it have, minus a safety stock held back from every
// channel and a buffer held back from the marketplace (which fines a seller
// who oversells). Availability goes out as coalesced events: a burst of
// orders between two syncs sends one update per channel, not one per order.
//
//	go run ./examples/channels
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "channels:", err)
		os.Exit(1)
	}
}

const (
	hoodie oms.SKU = "HOODIE-GRY-M"

	web         inventory.Channel = "web"
	marketplace inventory.Channel = "marketplace"
	pos         inventory.Channel = "pos"
)

// run sets the shop up, syncs, sells, restocks and syncs again, printing
// each sync's updates as the channels receive them.
func run(ctx context.Context, w io.Writer) error {
	clock := oms.NewManualClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	outbox := oms.NewMemoryOutbox(nil)
	stock := inventory.NewService(inventory.NewMemoryStore(&inventory.MemoryStoreOptions{Outbox: outbox}), &inventory.ServiceOptions{Clock: clock})

	// The warehouse sells online; the store sells at its till and ships web
	// orders too.
	for _, l := range []inventory.Location{
		{ID: "dc", Name: "Warehouse", Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: 1,
			Channels: []inventory.Channel{web, marketplace}},
		{ID: "soho", Name: "Soho store", Kind: inventory.KindStore, Active: true, Ships: true, Pickup: true, Priority: 2,
			Channels: []inventory.Channel{web, pos}},
	} {
		if err := stock.PutLocation(ctx, l); err != nil {
			return err
		}
	}
	if err := stock.PutItem(ctx, inventory.Item{
		SKU:            hoodie,
		Tracked:        true,
		SafetyStock:    2,                                           // never offered on any channel
		ChannelBuffers: map[inventory.Channel]int64{marketplace: 5}, // held back from the marketplace only
		ReorderPoint:   15,                                          // low-stock alert at or below this
	}); err != nil {
		return err
	}
	for loc, qty := range map[oms.ID]int64{"dc": 20, "soho": 6} {
		if _, err := stock.Receive(ctx, inventory.Receipt{SKU: hoodie, Location: loc, Quantity: qty}); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "stock: warehouse 20 (web, marketplace), store 6 (web, pos); safety stock 2, marketplace buffer 5")

	// The channel connectors: a publisher that a relay hands each event to.
	// A real shop would call each channel's inventory API here.
	relay := oms.NewRelay(outbox, oms.PublisherFunc(func(_ context.Context, e oms.Event) error {
		return connector(w, e)
	}), &oms.RelayOptions{Clock: clock})
	sync := func(title string) error {
		n, err := stock.Sync(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%s %s: sync appends %d events\n", clock.Now().Format("15:04"), title, n)
		// The relay publishes every pending event: the reservations' and
		// movements' own events (for the order side) and the sync's.
		published, err := relay.Drain(ctx)
		fmt.Fprintf(w, "  relay published %d events, %d of them from the sync\n", published, n)
		return err
	}
	if err := sync("opening"); err != nil {
		return err
	}

	// A burst of twelve web orders within one minute, each reserving one
	// hoodie at the warehouse. Nothing goes to the channels yet.
	clock.Advance(time.Minute)
	for i := range 12 {
		if _, err := stock.Reserve(ctx, inventory.ReserveRequest{ID: oms.ID(fmt.Sprintf("web-%d", 5001+i)),
			Lines: []inventory.Line{{SKU: hoodie, Location: "dc", Quantity: 1}}}); err != nil {
			return err
		}
	}
	if err := sync("after 12 web orders"); err != nil {
		return err
	}

	// Two sales at the store's till: the till and the web shop see them.
	clock.Advance(time.Minute)
	if _, err := stock.Reserve(ctx, inventory.ReserveRequest{ID: "pos-1", Lines: []inventory.Line{{SKU: hoodie, Location: "soho", Quantity: 2}}}); err != nil {
		return err
	}
	if _, err := stock.Commit(ctx, inventory.CommitRequest{Key: "till-receipt-88", Reservation: "pos-1"}); err != nil {
		return err
	}
	if err := sync("after 2 sold at the till"); err != nil {
		return err
	}

	// Nothing changed since: nothing is sent.
	clock.Advance(time.Minute)
	if err := sync("quiet minute"); err != nil {
		return err
	}

	// A delivery of 24 restocks the warehouse.
	clock.Advance(time.Minute)
	if _, err := stock.Receive(ctx, inventory.Receipt{SKU: hoodie, Location: "dc", Quantity: 24, Reference: "PO-311"}); err != nil {
		return err
	}
	if err := sync("after a delivery of 24"); err != nil {
		return err
	}

	// What each channel may sell now, computed on demand.
	fmt.Fprintln(w)
	for _, ch := range []inventory.Channel{web, marketplace, pos} {
		a, err := stock.ChannelAvailability(ctx, hoodie, ch)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-11s may sell %2d from %s\n", ch, a.Quantity, joinIDs(a.Locations))
	}
	return nil
}

// connector prints what a channel integration would receive: the new
// sellable quantity per channel, and low-stock alerts for the buyer.
func connector(w io.Writer, e oms.Event) error {
	switch e.Type {
	case inventory.EventChannelAvailability:
		var p inventory.ChannelAvailabilityPayload
		if err := e.Decode(&p); err != nil {
			return err
		}
		fmt.Fprintf(w, "  -> %-11s %s: %2d (was %d)\n", p.Channel, p.SKU, p.Quantity, p.Previous)
	case inventory.EventLowStock, inventory.EventStockReplenished:
		var p inventory.LowStockPayload
		if err := e.Decode(&p); err != nil {
			return err
		}
		fmt.Fprintf(w, "  -> buyer       %s: %s, %d available, reorder point %d\n", p.SKU,
			strings.TrimPrefix(e.Type, "inventory."), p.Available, p.ReorderPoint)
	}
	return nil
}

func joinIDs(ids []oms.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
