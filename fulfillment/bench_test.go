package fulfillment_test

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/packing"
	"github.com/omskit/oms/tracking"
)

// BenchmarkAllocate plans 10 lines over 10 locations.
func BenchmarkAllocate(b *testing.B) {
	r := fulfillment.PlanRequest{Channel: "web", Coordinates: &inventory.Coordinates{Latitude: 40.7, Longitude: -74}}
	for i := 0; i < 10; i++ {
		id := oms.ID(fmt.Sprintf("L%02d", i))
		r.Locations = append(r.Locations, loc(id, i, 30+float64(i), -80+float64(i)))
		for j := 0; j < 10; j++ {
			r.Stock = append(r.Stock, sup(oms.SKU(fmt.Sprintf("S%02d", j)), id, int64((i*7+j*3)%6)))
		}
	}
	for j := 0; j < 10; j++ {
		r.Lines = append(r.Lines, pl(oms.ID(fmt.Sprintf("l%d", j)), oms.SKU(fmt.Sprintf("S%02d", j)), int64(1+j%4)))
	}
	for name, s := range map[string]fulfillment.Strategy{
		"priority": nil,
		"nearest":  fulfillment.Then(fulfillment.ByNearest(), fulfillment.ByPriority()),
		"fewest":   fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority()),
	} {
		b.Run(name, func(b *testing.B) {
			r := r
			r.Strategy = s
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fulfillment.Allocate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime returns the process's user and system CPU time: on a loaded
// machine it measures the work better than the wall clock.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportCPU reports the CPU time per order since start (GC included).
func reportCPU(b *testing.B, start int64, n int) {
	if n > 0 {
		b.ReportMetric(float64(cpuTime(b)-start)/float64(n), "cpu-ns/op")
	}
}

func benchEnv(b *testing.B) *env {
	e := newEnv(b, &envConfig{})
	e.location("east", 1, nil)
	for _, s := range []oms.SKU{"MUG", "TEE", "HAT"} {
		e.item(s, "")
		e.stock(s, "east", oms.MaxQuantity/2)
	}
	return e
}

func benchLines() []lineSpec { return []lineSpec{small("MUG", 2), small("TEE", 1), small("HAT", 1)} }

// BenchmarkProcess measures place to label with Process: 3-line orders,
// memory stores, a zero-latency fake carrier.
func BenchmarkProcess(b *testing.B) {
	e := benchEnv(b)
	b.ReportAllocs()
	n, start := 0, cpuTime(b)
	for b.Loop() {
		n++
		o := e.place(nil, benchLines()...)
		if _, err := e.svc.Process(e.ctx, o.ID); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, n)
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkProcessParts does the same steps by hand, each leaf call once
// (place, read availability and plan, reserve, record allocation, pack,
// record fulfillment, rate shop, buy the label, commit, record shipment,
// settle, register), without the flow's own records (allocation,
// fulfillment order, shipment) and events: the sum of the parts Process is
// measured against.
func BenchmarkProcessParts(b *testing.B) {
	e := benchEnv(b)
	shopper, err := shipping.NewRateShopper([]shipping.Carrier{e.carrier}, nil)
	if err != nil {
		b.Fatal(err)
	}
	east, _ := e.inv.Location(e.ctx, "east")
	b.ReportAllocs()
	n, start := 0, cpuTime(b)
	for b.Loop() {
		n++
		o := e.place(nil, benchLines()...)
		locs, err := e.inv.Locations(e.ctx)
		if err != nil {
			b.Fatal(err)
		}
		pr := fulfillment.PlanRequest{Locations: locs, ShipTo: o.ShippingAddress, Channel: "web"}
		for _, l := range o.Lines {
			pr.Lines = append(pr.Lines, fulfillment.PlanLine{LineID: l.ID, SKU: l.SKU, Quantity: l.Quantity})
			it, err := e.inv.Item(e.ctx, l.SKU)
			if err != nil {
				b.Fatal(err)
			}
			pr.Policies = append(pr.Policies, fulfillment.SKUPolicy{SKU: l.SKU, Tracked: it.Tracked, Backorder: it.Backorder})
			lvs, err := e.inv.Store().Levels(e.ctx, l.SKU)
			if err != nil {
				b.Fatal(err)
			}
			for _, lv := range lvs {
				pr.Stock = append(pr.Stock, fulfillment.Supply{SKU: l.SKU, Location: lv.Location, Available: lv.Available()})
			}
			if _, err := e.inv.Inbounds(e.ctx, inventory.InboundFilter{SKU: l.SKU, OpenOnly: true}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := fulfillment.Allocate(pr); err != nil {
			b.Fatal(err)
		}
		resID := oms.DeriveID(o.ID, "reservation")
		var lines []inventory.Line
		var lq []order.LineQuantity
		var items []packing.Item
		for _, l := range o.Lines {
			lines = append(lines, inventory.Line{SKU: l.SKU, Location: "east", Ref: string(l.ID), Quantity: l.Quantity})
			lq = append(lq, order.LineQuantity{LineID: l.ID, Quantity: l.Quantity})
			items = append(items, packing.Item{ID: string(l.ID), SKU: l.SKU, Dimensions: l.UnitDimensions, Weight: l.UnitWeight, Quantity: l.Quantity})
		}
		if _, err := e.inv.Reserve(e.ctx, inventory.ReserveRequest{ID: resID, Reference: string(o.ID), Lines: lines}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.orders.RecordAllocation(e.ctx, o.ID, order.CounterInput{Key: string(resID), Lines: lq}); err != nil {
			b.Fatal(err)
		}
		packed, err := packing.Pack(items, fulfillment.DefaultBoxes(), &packing.Options{Budget: 200_000})
		if err != nil {
			b.Fatal(err)
		}
		parcels := shipping.PackedParcels(packed)
		if _, err := e.orders.RecordFulfillment(e.ctx, o.ID, order.CounterInput{Key: string(resID), Lines: lq}); err != nil {
			b.Fatal(err)
		}
		res, err := shopper.Shop(e.ctx, shipping.RateRequest{Origin: east.Address, Destination: o.ShippingAddress, Parcels: parcels,
			Levels: []oms.ServiceLevel{oms.LevelStandard}, Currency: oms.USD, ShipDate: oms.DateOf(e.clock.Now())})
		if err != nil {
			b.Fatal(err)
		}
		rate, err := shipping.Cheapest(res.Rates)
		if err != nil {
			b.Fatal(err)
		}
		label, err := e.carrier.BuyLabel(e.ctx, shipping.LabelRequest{IdempotencyKey: string(resID), ServiceCode: rate.ServiceCode,
			Origin: east.Address, Destination: o.ShippingAddress, Parcels: parcels, ShipDate: oms.DateOf(e.clock.Now())})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.inv.Commit(e.ctx, inventory.CommitRequest{Key: "c", Reservation: resID}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.orders.RecordShipment(e.ctx, o.ID, order.CounterInput{Key: string(resID), Lines: lq}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.orders.SettlePayment(e.ctx, o.ID); err != nil {
			b.Fatal(err)
		}
		for _, tn := range label.TrackingNumbers {
			if _, err := e.track.Register(e.ctx, tracking.Registration{Carrier: "fake", TrackingNumber: tn, ShipmentRef: resID, OrderRef: o.ID}); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, start, n)
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "orders/s")
}
