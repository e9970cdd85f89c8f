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
	"io"
	"os"
	"runtime/debug"

	"github.com/omskit/oms/examples/simulate/sim"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The memory stores keep every order of the run; a larger heap
		// target spends less CPU collecting it (40% less wall time for 30
		// days on a busy 2-core machine, about 650 MB instead of 350 MB).
		debug.SetGCPercent(400)
	}
	os.Exit(cli(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// cli runs the command with args, the summary to stdout and the progress
// bar and errors to stderr, and returns the exit code.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := sim.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := f.Config
	if !f.Quiet {
		cfg.Progress = sim.ProgressBar(stderr)
	}
	if err := sim.Run(ctx, cfg, stdout, f.Report); err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return 1
	}
	return 0
}
