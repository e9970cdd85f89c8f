// Command replenish suggests purchase orders from a sales history. Eight
// weeks of sales go through the inventory service on a manual clock; the
// daily history is read back from the stock ledger. For each SKU the example
// backtests three forecasts on the last two weeks and keeps the most accurate,
// sizes a safety stock for a 95% service level over the supplier's lead
// time, and suggests what to order (in whole cases, at least the supplier's
// minimum). The orders are placed as expected deliveries, after which nothing
// more is suggested.
//
//	go run ./examples/replenish
package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "replenish:", err)
		os.Exit(1)
	}
}

const (
	days        = 56 // the sales history
	backtest    = 14 // the days held out to choose a forecast
	warehouse   = oms.ID("dc")
	serviceGoal = 0.95 // chance of not running out before a delivery
)

// product is a SKU with its demand pattern and its supplier's terms.
type product struct {
	sku oms.SKU
	// demand returns the units sold on day d (0-based) given a noise draw
	// in [0, 1).
	demand func(d int, noise float64) int64
	// opening is the stock on day 0.
	opening int64
	// leadDays is how long the supplier takes to deliver; pack is the
	// case size and minOrder the supplier's minimum.
	leadDays  float64
	pack      int64
	minOrder  int64
	coverDays float64 // demand an order covers beyond the reorder point
}

var products = []product{
	{sku: "MUG-BLUE", opening: 420, leadDays: 10, pack: 12, minOrder: 48, coverDays: 28,
		demand: func(d int, u float64) int64 { return int64(4 + 5*u) }}, // steady, 4 to 8 a day
	{sku: "TEE-ORGANIC", opening: 520, leadDays: 14, pack: 25, minOrder: 100, coverDays: 28,
		demand: func(d int, u float64) int64 { return int64(2 + float64(d)/5 + 4*u) }}, // growing
	{sku: "CANDLE-FIG", opening: 300, leadDays: 7, pack: 6, minOrder: 0, coverDays: 14,
		demand: func(d int, u float64) int64 { // weekend spikes
			if d%7 >= 5 {
				return int64(8 + 10*u)
			}
			return int64(1 + 3*u)
		}},
	{sku: "POSTER-MAP", opening: 60, leadDays: 21, pack: 10, minOrder: 20, coverDays: 56,
		demand: func(d int, u float64) int64 { return int64(1.4 * u) }}, // slow mover
}

// run records the sales, reads the history back and prints the plan.
func run(ctx context.Context, w io.Writer) error {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	clock := oms.NewManualClock(start)
	stock := inventory.NewService(inventory.NewMemoryStore(nil), &inventory.ServiceOptions{Clock: clock})
	if err := stock.PutLocation(ctx, inventory.Location{ID: warehouse, Name: "Warehouse", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
		return err
	}
	for _, p := range products {
		if err := stock.PutItem(ctx, inventory.Item{SKU: p.sku, Tracked: true}); err != nil {
			return err
		}
		if _, err := stock.Receive(ctx, inventory.Receipt{SKU: p.sku, Location: warehouse, Quantity: p.opening}); err != nil {
			return err
		}
	}

	// Eight weeks of sales: each day's orders reserve and ship their units.
	noise := newNoise(2026)
	for d := range days {
		clock.Set(start.Add(time.Duration(d)*24*time.Hour + 12*time.Hour))
		for _, p := range products {
			n := p.demand(d, noise())
			if n == 0 {
				continue
			}
			id := oms.ID(fmt.Sprintf("day%02d-%s", d, p.sku))
			if _, err := stock.Reserve(ctx, inventory.ReserveRequest{ID: id, Lines: []inventory.Line{{SKU: p.sku, Location: warehouse, Quantity: n}}}); err != nil {
				return err
			}
			if _, err := stock.Commit(ctx, inventory.CommitRequest{Key: "ship", Reservation: id}); err != nil {
				return err
			}
		}
	}
	clock.Set(start.Add(days * 24 * time.Hour))
	fmt.Fprintf(w, "sales history %s to %s, service level %.0f%%\n\n", start.Format("Jan 2"), clock.Now().Add(-time.Hour).Format("Jan 2"), 100*serviceGoal)
	fmt.Fprintf(w, "%-12s %5s  %-14s %6s %5s %5s %6s %7s %8s %6s\n",
		"sku", "sold", "forecast", "/day", "σ", "lead", "safety", "reorder", "position", "order")

	var orders []inventory.Expectation
	inputs := map[oms.SKU]inventory.OrderInput{}
	for _, p := range products {
		history, err := salesHistory(ctx, stock, p.sku, start)
		if err != nil {
			return err
		}
		name, fc, err := bestForecast(history)
		if err != nil {
			return err
		}
		sigma := inventory.StdDev(history[len(history)-28:])
		plan, err := inventory.ReorderPoint(inventory.ReorderInput{Forecast: fc, DemandStdDev: sigma, LeadTimeDays: p.leadDays, ServiceLevel: serviceGoal})
		if err != nil {
			return err
		}
		pos, err := position(ctx, stock, p.sku)
		if err != nil {
			return err
		}
		in := inventory.OrderInput{Position: pos, ReorderPoint: plan.ReorderPoint, Forecast: fc,
			CoverDays: p.coverDays, MinQuantity: p.minOrder, PackSize: p.pack}
		inputs[p.sku] = in
		qty, err := inventory.SuggestOrder(in)
		if err != nil {
			return err
		}
		var sold float64
		for _, x := range history {
			sold += x
		}
		fmt.Fprintf(w, "%-12s %5.0f  %-14s %6.1f %5.1f %4.0fd %6d %7d %8d %6d\n",
			p.sku, sold, name, fc.Daily(1), sigma, p.leadDays, plan.SafetyStock, plan.ReorderPoint, pos, qty)

		// The reorder point also drives the low-stock events of Sync.
		it, err := stock.Item(ctx, p.sku)
		if err != nil {
			return err
		}
		it.ReorderPoint = plan.ReorderPoint
		if err := stock.PutItem(ctx, it); err != nil {
			return err
		}
		if qty > 0 {
			orders = append(orders, inventory.Expectation{ID: oms.ID("PO-1042-" + string(p.sku)), SKU: p.sku, Location: warehouse,
				Quantity: qty, ExpectedAt: clock.Now().Add(time.Duration(p.leadDays) * 24 * time.Hour), Reference: "PO-1042"})
		}
	}

	// Place the purchase order: its lines become incoming stock, which
	// counts in the position, so the next run suggests nothing more.
	fmt.Fprintln(w)
	for _, e := range orders {
		if _, err := stock.Expect(ctx, e); err != nil {
			return err
		}
		fmt.Fprintf(w, "PO-1042: %4d %-12s due %s\n", e.Quantity, e.SKU, e.ExpectedAt.Format("Jan 2"))
	}
	for _, p := range products {
		pos, err := position(ctx, stock, p.sku)
		if err != nil {
			return err
		}
		in := inputs[p.sku]
		in.Position = pos
		qty, err := inventory.SuggestOrder(in)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "after the order: %-12s position %4d, reorder point %3d, suggested %d\n", p.sku, pos, in.ReorderPoint, qty)
	}
	return nil
}

// salesHistory returns units shipped per day since start, read from the
// ledger's ship entries.
func salesHistory(ctx context.Context, stock *inventory.Service, sku oms.SKU, start time.Time) ([]float64, error) {
	entries, err := stock.Ledger(ctx, inventory.LedgerFilter{SKU: sku})
	if err != nil {
		return nil, err
	}
	history := make([]float64, days)
	for _, e := range entries {
		if e.Reason != inventory.ReasonShip {
			continue
		}
		if d := int(e.At.Sub(start) / (24 * time.Hour)); d >= 0 && d < days {
			history[d] += float64(-e.OnHand)
		}
	}
	return history, nil
}

// position is what the reorder rule compares: available now plus incoming.
func position(ctx context.Context, stock *inventory.Service, sku oms.SKU) (int64, error) {
	a, err := stock.Availability(ctx, sku)
	if err != nil {
		return 0, err
	}
	return a.Available + a.Incoming, nil
}

// bestForecast fits three forecasts on the history without its last
// backtest days, keeps the one whose daily forecasts missed those days by
// the least (mean absolute error), and refits it on the whole history.
func bestForecast(history []float64) (string, inventory.Forecast, error) {
	methods := []struct {
		name string
		fit  func([]float64) (inventory.Forecast, error)
	}{
		{"moving avg 28d", func(h []float64) (inventory.Forecast, error) { return inventory.MovingAverage(h, 28) }},
		{"smoothing 0.2", func(h []float64) (inventory.Forecast, error) { return inventory.ExponentialSmoothing(h, 0.2) }},
		{"holt trend", func(h []float64) (inventory.Forecast, error) { return inventory.Holt(h, 0.2, 0.1) }},
	}
	train, test := history[:len(history)-backtest], history[len(history)-backtest:]
	best, bestErr := -1, math.Inf(1)
	for i, m := range methods {
		fc, err := m.fit(train)
		if err != nil {
			return "", inventory.Forecast{}, err
		}
		var mae float64
		for h, actual := range test {
			mae += math.Abs(fc.Daily(h+1) - actual)
		}
		if mae /= float64(len(test)); mae < bestErr {
			best, bestErr = i, mae
		}
	}
	fc, err := methods[best].fit(history)
	return methods[best].name, fc, err
}

// newNoise returns a deterministic source of numbers in [0, 1) (SplitMix64),
// so every run sells the same units.
func newNoise(seed uint64) func() float64 {
	return func() float64 {
		seed += 0x9e3779b97f4a7c15
		z := seed
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		return float64(z>>11) / (1 << 53)
	}
}
