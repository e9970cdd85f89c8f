package sim

import (
	"flag"
	"runtime"
)

// Flags are the command line of a simulation program: the run's Config
// and what to do with its results.
type Flags struct {
	// Config is the run, from -days, -orders, -workers, -seed, -returns
	// and -svg.
	Config Config
	// Report names the HTML report to write (-report); empty writes none.
	Report string
	// Quiet leaves out the progress bar (-quiet).
	Quiet bool
}

// RegisterFlags defines the simulation's flags on fs and returns where
// fs.Parse stores them. Every simulation program takes the same flags.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.IntVar(&f.Config.Days, "days", 30, "simulated days")
	fs.IntVar(&f.Config.OrdersPerDay, "orders", 250, "mean orders per weekday (weekends 30% more)")
	fs.IntVar(&f.Config.Workers, "workers", max(16, 4*runtime.NumCPU()), "concurrent workers (the carriers' latency leaves the CPU idle)")
	fs.Int64Var(&f.Config.Seed, "seed", 1, "random seed")
	fs.Float64Var(&f.Config.ReturnRate, "returns", 0.08, "share of delivered orders with a return")
	fs.StringVar(&f.Report, "report", "", "write an HTML report with charts to this file")
	fs.StringVar(&f.Config.SVG, "svg", "", "write the four charts as one SVG image to this file")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress bar")
	return f
}
