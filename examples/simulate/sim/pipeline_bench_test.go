package sim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/demoshop"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// pipe is a shop for the pipeline benchmark: memory stores, one warehouse
// with all the stock it needs, a carrier that answers at once.
type pipe struct {
	ctx  context.Context
	shop *demoshop.Shop
	n    int
}

func newPipe(b *testing.B) *pipe {
	b.Helper()
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	shop, err := demoshop.New(demoshop.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	if err := shop.Stock.PutLocation(ctx, house("east", "Newark", "NJ", "07102", 1)); err != nil {
		b.Fatal(err)
	}
	for _, sku := range []oms.SKU{"MUG", "TEE"} {
		if err := shop.Stock.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			b.Fatal(err)
		}
		if _, err := shop.Stock.Receive(ctx, inventory.Receipt{SKU: sku, Location: "east", Quantity: oms.MaxQuantity / 4}); err != nil {
			b.Fatal(err)
		}
	}
	return &pipe{ctx: ctx, shop: shop}
}

// place places and confirms an order of two mugs and a T-shirt.
func (p *pipe) place(b *testing.B) oms.ID {
	p.n++
	o, err := p.shop.Orders.Place(p.ctx, order.PlaceInput{IdempotencyKey: fmt.Sprintf("cart-%d", p.n), Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "cus-1", Email: "ada@example.com"},
		ShippingAddress: oms.Address{Name: "Ada", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard}, Payment: order.PaymentInput{Method: "tok_visa"},
		Lines: []order.LineInput{
			{SKU: "MUG", Name: "Mug", Quantity: 2, UnitPrice: usd("12.00"), UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)},
			{SKU: "TEE", Name: "Tee", Quantity: 1, UnitPrice: usd("20.00"), UnitWeight: oms.Grams(180), UnitDimensions: oms.DimensionsMM(250, 200, 20)},
		}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.shop.Orders.Confirm(p.ctx, o.ID); err != nil {
		b.Fatal(err)
	}
	return o.ID
}

// process allocates, picks, packs, rate-shops, buys the label and ships.
func (p *pipe) process(b *testing.B, id oms.ID) *fulfillment.Result {
	res, err := p.shop.Fulfillment.Process(p.ctx, id)
	if err != nil || len(res.Shipments) == 0 {
		b.Fatalf("process: %v, %d shipments", err, len(res.Shipments))
	}
	return res
}

// track applies the carrier's picked-up and delivered scans.
func (p *pipe) track(b *testing.B, res *fulfillment.Result) {
	now := p.shop.Clock.Now()
	for _, sh := range res.Shipments {
		for _, pk := range sh.Packages {
			for i, st := range []tracking.Status{tracking.StatusInTransit, tracking.StatusDelivered} {
				e := tracking.Event{Time: now.Add(time.Duration(i) * time.Minute), Status: st, RawCode: string(st)}.Normalize()
				if _, err := p.shop.Tracking.Apply(p.ctx, tracking.Update{Carrier: sh.Carrier, TrackingNumber: pk.TrackingNumber, Events: []tracking.Event{e}}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// relay publishes the pending events: notify's messages and status view,
// and fulfillment's delivery of the shipment and the order.
func (p *pipe) relay(b *testing.B) {
	if _, err := p.shop.Drain(p.ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPipeline runs the whole flow per order on memory stores with a
// carrier that answers at once: place and confirm, Process (allocate,
// reserve, pick, pack, rate-shop, buy the label, ship, capture), the
// tracking scans, and the relay that delivers the order and tells the
// customer. Beside it, in the same run, each stage alone on orders brought
// to it untimed, and their sum:
//
//	go test -run '^$' -bench Pipeline -benchmem ./examples/simulate
//
// "whole" is the pipeline per order; "stages" reports the sum of the four
// stages' ns/op and the ratio whole/sum.
func BenchmarkPipeline(b *testing.B) {
	perOrder := map[string]float64{}
	record := func(name string, b *testing.B) {
		perOrder[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	}
	b.Run("whole", func(b *testing.B) {
		p := newPipe(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			id := p.place(b)
			p.track(b, p.process(b, id))
			p.relay(b)
		}
		record("whole", b)
	})
	b.Run("place", func(b *testing.B) {
		p := newPipe(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			p.place(b)
		}
		b.StopTimer()
		p.relay(b) // the stage's events are the relay stage's work
		record("place", b)
	})
	b.Run("process", func(b *testing.B) {
		p := newPipe(b)
		ids := make([]oms.ID, b.N)
		for i := range ids {
			ids[i] = p.place(b)
		}
		p.relay(b)
		b.ReportAllocs()
		b.ResetTimer()
		for _, id := range ids {
			p.process(b, id)
		}
		b.StopTimer()
		record("process", b)
	})
	b.Run("track", func(b *testing.B) {
		p := newPipe(b)
		res := make([]*fulfillment.Result, b.N)
		for i := range res {
			res[i] = p.process(b, p.place(b))
		}
		p.relay(b)
		b.ReportAllocs()
		b.ResetTimer()
		for _, r := range res {
			p.track(b, r)
		}
		b.StopTimer()
		record("track", b)
	})
	b.Run("relay", func(b *testing.B) {
		// The events of b.N orders, relayed one order at a time as the
		// pipeline does: the outbox holds one order's events per drain.
		p := newPipe(b)
		b.ReportAllocs()
		var relayed time.Duration
		for range b.N {
			b.StopTimer()
			id := p.place(b)
			p.track(b, p.process(b, id))
			b.StartTimer()
			t := time.Now()
			p.relay(b)
			relayed += time.Since(t)
		}
		b.StopTimer()
		perOrder["relay"] = float64(relayed.Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(b.N)/relayed.Seconds(), "orders/s")
	})
	b.Run("stages", func(b *testing.B) {
		for range b.N {
		}
		sum := perOrder["place"] + perOrder["process"] + perOrder["track"] + perOrder["relay"]
		b.ReportMetric(sum, "sum-ns/order")
		if sum > 0 {
			b.ReportMetric(perOrder["whole"]/sum, "whole/sum")
		}
	})
}
