package pgstore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

// hotClients is the number of concurrent clients of the hot-SKU
// benchmarks, the same as the pgbench script's -c (see bench/README.md).
const hotClients = 8

// BenchmarkReserveHotSKU reserves one unit of one SKU at one location from
// hotClients goroutines at once (one-line reservations with an event, as
// inventory.Service makes them) and reports reservations/s.
//
// Beside them, in the same run: "pgbench-update" is the database's own
// limit for the same hot row (bench/hot_update.sql: one conditional UPDATE
// per transaction, same client count) and "pgbench-statement" the
// adapter's reservation statement run by pgbench (the database's cost of
// the statement without the Go client).
func BenchmarkReserveHotSKU(b *testing.B) {
	b.Run("pgbench-update", benchmarkPgbenchHotUpdate)
	b.Run("pgbench-statement", benchmarkPgbenchReserveStatement)
	for _, bc := range []struct {
		name  string
		store func(*pgstore.DB) inventory.Store
	}{
		{"statement", func(db *pgstore.DB) inventory.Store { return db.Inventory() }},
		{"transaction", func(db *pgstore.DB) inventory.Store { return pgstore.TransactionOnly(db.Inventory()) }},
		{"batcher", func(db *pgstore.DB) inventory.Store { return pgstore.NewReserveBatcher(db.Inventory(), nil) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := open(b)
			svcStore := bc.store(db)
			svc := inventory.NewService(svcStore, nil)
			inventorytest.Stock(b, svc, []oms.ID{"wh"}, []oms.SKU{"HOT"}, oms.MaxQuantity)
			ctx := context.Background()
			reserve := func() error {
				// Time-ordered IDs, as oms.NewID makes them for orders and
				// their reservations: each insert lands on the right-most
				// index page (random keys would log a whole index page per
				// insert after every checkpoint).
				_, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: oms.NewID(),
					Lines: []inventory.Line{{SKU: "HOT", Location: "wh", Quantity: 1}}})
				return err
			}
			// Warm up untimed, as pgbench connects before it counts: every
			// client's connection open, its statements prepared and the
			// function compiled in its backend.
			if err := warmUp(hotClients, reserve); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			runClients(b, hotClients, reserve)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
			if c, ok := svcStore.(interface{ Close() }); ok {
				c.Close()
			}
		})
	}
}

// warmUp calls f 16 times from each of clients goroutines at once.
func warmUp(clients int, f func() error) error {
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		go func() {
			var err error
			for i := 0; i < 16 && err == nil; i++ {
				err = f()
			}
			errs <- err
		}()
	}
	var first error
	for c := 0; c < clients; c++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// runClients runs b.N calls of f from clients goroutines.
func runClients(b *testing.B, clients int, f func() error) {
	b.Helper()
	var next atomic.Int64
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		go func() {
			for next.Add(1) <= int64(b.N) {
				if err := f(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for c := 0; c < clients; c++ {
		if err := <-errs; err != nil {
			b.Error(err)
		}
	}
}

// BenchmarkPlaceOrder places orders (two lines, order.Service over the
// PostgreSQL store, numbers from the database sequence) from 1, 2 and 4
// client processes of 4 goroutines each, and reports orders/s (process
// start-up included; use -benchtime 2000x or more).
func BenchmarkPlaceOrder(b *testing.B) {
	for _, procs := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			db := open(b)
			helper(b)
			b.ResetTimer()
			var ps []*proc
			for i := 0; i < procs; i++ {
				n := b.N / procs
				if i < b.N%procs {
					n++
				}
				ps = append(ps, start(b, db, "place", "-n", strconv.Itoa(n), "-workers", "4"))
			}
			for _, p := range ps {
				p.wait(b)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

// BenchmarkProcess runs the fulfillment flow on PostgreSQL (every store of
// the adapter): each order placed, confirmed and processed
// (fulfillment.Service.Process: allocate, reserve, pack, rate-shop and buy
// a label from a zero-latency fake carrier), from 1, 2 and 4 client
// processes of 4 goroutines each, and reports orders/s (process start-up
// included; use -benchtime 500x or more).
func BenchmarkProcess(b *testing.B) {
	for _, procs := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			db := open(b)
			svc := inventory.NewService(db.Inventory(), nil)
			inventorytest.Stock(b, svc, []oms.ID{"east"}, []oms.SKU{"MUG", "TEE", "HAT"}, oms.MaxQuantity/2)
			l, err := svc.Location(context.Background(), "east")
			if err != nil {
				b.Fatal(err)
			}
			l.Address = oms.Address{Name: "DC", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}
			if err := svc.PutLocation(context.Background(), l); err != nil {
				b.Fatal(err)
			}
			helper(b)
			b.ResetTimer()
			var ps []*proc
			for i := 0; i < procs; i++ {
				n := b.N / procs
				if i < b.N%procs {
					n++
				}
				ps = append(ps, start(b, db, "process", "-n", strconv.Itoa(n), "-workers", "4", "-prefix", fmt.Sprintf("p%d-", i), "-carrier", fmt.Sprintf("fake%d", i)))
			}
			for _, p := range ps {
				p.wait(b)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
