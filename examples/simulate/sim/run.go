package sim

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/omskit/oms"
)

// Run simulates the shop cfg describes, prints the summary to w and, when
// report is not empty, writes the HTML report to that file. It returns an
// error when the configuration is invalid, a step fails, a unit was oversold
// or the stock ledger does not reconcile.
func Run(ctx context.Context, cfg Config, w io.Writer, report string) error {
	if cfg.Days < 1 || cfg.OrdersPerDay < 1 || cfg.Workers < 1 || !(cfg.ReturnRate >= 0 && cfg.ReturnRate <= 1) {
		return fmt.Errorf("days, orders and workers must be at least 1, and the return rate within 0 to 1")
	}
	s, err := newSim(ctx, cfg)
	if err != nil {
		return err
	}
	if err := s.run(ctx); err != nil {
		return err
	}
	sum := s.summary()
	sum.print(w)
	if report != "" {
		if err := writeFile(report, func(w io.Writer) error { return writeReport(w, s, sum) }); err != nil {
			return err
		}
		fmt.Fprintf(w, "report: %s\n", report)
	}
	if cfg.SVG != "" {
		if err := writeFile(cfg.SVG, func(w io.Writer) error { return writeSVG(w, s) }); err != nil {
			return err
		}
		fmt.Fprintf(w, "charts: %s\n", cfg.SVG)
	}
	if sum.oversold != 0 {
		return fmt.Errorf("%d units oversold", sum.oversold)
	}
	if !sum.reconciled {
		return fmt.Errorf("the stock ledger does not reconcile")
	}
	return nil
}

// writeFile creates name and writes it with write.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ProgressBar returns a Config.Progress that draws "[#####.....] day 12/30" on w, rewriting one line.
func ProgressBar(w io.Writer) func(day, days int) {
	return func(day, days int) {
		const width = 30
		done := width * day / days
		fmt.Fprintf(w, "\r[%s%s] day %d/%d", strings.Repeat("#", done), strings.Repeat(".", width-done), day, days)
		if day == days {
			fmt.Fprintln(w)
		}
	}
}

// summary is the run's figures.
type summary struct {
	cfg                                   Config
	orders, cancelled, shipped, delivered int
	elapsed                               time.Duration
	stages                                []stageTiming
	shipmentsPerOrder, splitRate          float64
	utilisation, onTime, returnRate       float64
	stockOuts, backorders, retries        int
	returns, messages                     int
	refunds                               oms.Money
	carrierCalls, carrierFailures         int
	oversold                              int64
	reconciled                            bool
}

type stageTiming struct {
	name     string
	calls    int
	p50, p99 time.Duration
}

func (s *sim) summary() summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := summary{cfg: s.cfg, orders: s.placed, cancelled: s.stockOuts, elapsed: s.elapsed, stockOuts: s.stockOuts,
		backorders: s.backorderUnits, retries: s.retries, returns: s.returnsDone, messages: s.messages, refunds: s.refunds,
		oversold: s.oversold, reconciled: s.reconciled}
	for _, st := range stages {
		ds := append([]time.Duration(nil), s.timings[st]...)
		if len(ds) == 0 {
			continue
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		sum.stages = append(sum.stages, stageTiming{name: st, calls: len(ds), p50: ds[len(ds)/2], p99: ds[len(ds)*99/100]})
	}
	var onTime int
	for _, d := range s.days {
		sum.delivered += d.deliveredOrders
		onTime += d.onTime
	}
	split := 0
	for _, o := range s.orders {
		if o.shipments > 0 {
			sum.shipped++
		}
		if o.shipments > 1 {
			split++
		}
	}
	sum.shipmentsPerOrder = ratio(s.shipmentsTotal, sum.shipped)
	sum.splitRate = ratio(split, sum.shipped)
	sum.utilisation = s.fill / float64(max(s.packages, 1))
	sum.onTime = ratio(onTime, sum.delivered)
	sum.returnRate = ratio(s.returnsDone, sum.delivered)
	for _, c := range s.carriers {
		calls, failed := c.Calls()
		sum.carrierCalls += calls
		sum.carrierFailures += failed
	}
	return sum
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// print writes the summary table.
func (sum summary) print(w io.Writer) {
	fmt.Fprintf(w, "simulated %d days, seed %d, %d workers: %d orders in %.1fs (%.0f orders/s)\n",
		sum.cfg.Days, sum.cfg.Seed, sum.cfg.Workers, sum.orders, sum.elapsed.Seconds(), float64(sum.orders)/sum.elapsed.Seconds())
	fmt.Fprintf(w, "\n%-10s %8s %10s %10s\n", "stage", "calls", "p50", "p99")
	for _, st := range sum.stages {
		fmt.Fprintf(w, "%-10s %8d %10s %10s\n", st.name, st.calls, round(st.p50), round(st.p99))
	}
	fmt.Fprintln(w)
	row := func(name, value string) { fmt.Fprintf(w, "%-22s %s\n", name, value) }
	row("orders shipped", fmt.Sprintf("%d of %d (%d cancelled out of stock)", sum.shipped, sum.orders, sum.cancelled))
	row("shipments per order", fmt.Sprintf("%.2f (split %.1f%% of orders)", sum.shipmentsPerOrder, 100*sum.splitRate))
	row("packing utilisation", fmt.Sprintf("%.0f%%", 100*sum.utilisation))
	row("delivered on time", fmt.Sprintf("%.1f%% of %d orders", 100*sum.onTime, sum.delivered))
	row("stock-outs", fmt.Sprintf("%d orders", sum.stockOuts))
	row("backorders", fmt.Sprintf("%d units", sum.backorders))
	row("carrier calls", fmt.Sprintf("%d, %d failed; Process re-run %d times", sum.carrierCalls, sum.carrierFailures, sum.retries))
	row("return rate", fmt.Sprintf("%.1f%% (%d returns)", 100*sum.returnRate, sum.returns))
	row("refunds", sum.refunds.String())
	row("customer messages", fmt.Sprint(sum.messages))
	row("oversold units", fmt.Sprint(sum.oversold))
	row("ledger reconciles", fmt.Sprint(sum.reconciled))
}

// round prints a duration with three significant digits.
func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(100 * time.Nanosecond).String()
	}
	return d.String()
}
