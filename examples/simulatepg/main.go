// Command simulatepg runs the shop simulation of examples/simulate on the
// PostgreSQL adapter (examples/pgstore): every order, reservation,
// shipment, tracking event and return is a row, and the relay drains the
// adapter's outbox. It takes the flags of simulate, plus -postgres (the
// database, default $OMS_TEST_POSTGRES) and -keep. Each run creates a
// schema of its own and drops it at the end unless -keep is given.
//
//	go run . -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -days 3 -orders 50
//
// It is a module of its own so that the core module does not depend on pgx.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/examples/simulate/sim"
)

func main() {
	// Ctrl-C stops the run; the schema is still dropped.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs the command with args, the summary to stdout and the progress
// bar and errors to stderr, and returns the exit code.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulatepg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := sim.RegisterFlags(fs)
	dsn := fs.String("postgres", os.Getenv("OMS_TEST_POSTGRES"), "PostgreSQL DSN (default $OMS_TEST_POSTGRES)")
	keep := fs.Bool("keep", false, "keep the run's schema instead of dropping it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := f.Config
	if !f.Quiet {
		cfg.Progress = sim.ProgressBar(stderr)
	}
	if err := run(ctx, *dsn, *keep, cfg, stdout, f.Report); err != nil {
		fmt.Fprintln(stderr, "simulatepg:", err)
		return 1
	}
	return 0
}

// run opens the adapter on a fresh schema, simulates on its stores, prints
// the summary to w and drops the schema unless keep.
func run(ctx context.Context, dsn string, keep bool, cfg sim.Config, w io.Writer, report string) (err error) {
	if dsn == "" {
		return errors.New("no database: pass -postgres DSN or set OMS_TEST_POSTGRES")
	}
	if cfg.Workers < 1 {
		return errors.New("workers must be at least 1")
	}
	schema := "sim_" + strings.ToLower(string(oms.NewID()))
	// One connection per worker, and a few for the relay and the day's
	// bookkeeping, so that no worker waits for a connection.
	db, err := pgstore.Open(ctx, dsn, &pgstore.Options{Schema: schema, MaxConns: int32(min(cfg.Workers, 1000) + 4)})
	if err != nil {
		return err
	}
	defer func() {
		if keep {
			fmt.Fprintf(w, "schema: %s (kept)\n", schema)
		} else if derr := db.DropSchema(context.Background()); derr != nil {
			err = errors.Join(err, fmt.Errorf("drop schema %s: %w", schema, derr))
		}
		db.Close()
	}()
	st := db.Stores()
	cfg.Stores = &sim.Stores{
		Outbox:       st.Outbox,
		Orders:       st.Orders,
		Inventory:    st.Inventory,
		Tracking:     st.Tracking,
		Fulfillment:  st.Fulfillment,
		Returns:      st.Returns,
		Notify:       st.Notify,
		OrderNumbers: db.OrderNumbers(""),
	}
	fmt.Fprintf(w, "PostgreSQL schema %s\n", schema)
	return sim.Run(ctx, cfg, w, report)
}
