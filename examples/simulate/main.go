// Command simulate runs a synthetic shop for a number of days: forty SKUs
// with skewed demand, three warehouses that restock from suppliers, two
// carriers that are slow and fail now and then, customers who return goods.
// Every order goes through the whole flow (place, confirm, allocate, pick,
// pack, rate-shop, label, ship, track, deliver, notify, return, refund) on
// concurrent workers; the simulated time runs on a manual clock and the
// random choices come from a fixed seed. At the end it prints a summary,
// with the units oversold (there must be none), and with -report a
// self-contained HTML page of charts.
//
//	go run ./examples/simulate -days 30 -report out.html
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/omskit/oms/examples/simulate/sim"
)

func main() {
	cfg := sim.Config{}
	flag.IntVar(&cfg.Days, "days", 30, "simulated days")
	flag.IntVar(&cfg.OrdersPerDay, "orders", 250, "mean orders per weekday (weekends 30% more)")
	flag.IntVar(&cfg.Workers, "workers", max(16, 4*runtime.NumCPU()), "concurrent workers (the carriers' latency leaves the CPU idle)")
	flag.Int64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.Float64Var(&cfg.ReturnRate, "returns", 0.08, "share of delivered orders with a return")
	report := flag.String("report", "", "write an HTML report with charts to this file")
	svg := flag.String("svg", "", "write the four charts as one SVG image to this file")
	quiet := flag.Bool("quiet", false, "no progress bar")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// The memory stores keep every order of the run; a larger heap
		// target spends less CPU collecting it (40% less wall time for 30
		// days on a busy 2-core machine, about 650 MB instead of 350 MB).
		debug.SetGCPercent(400)
	}
	if !*quiet {
		cfg.Progress = sim.ProgressBar(os.Stderr)
	}
	cfg.SVG = *svg
	if err := sim.Run(context.Background(), cfg, os.Stdout, *report); err != nil {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}
