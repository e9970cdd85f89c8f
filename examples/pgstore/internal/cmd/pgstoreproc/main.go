// Command pgstoreproc is the helper program of pgstore's multi-process
// tests: the tests build it and start several copies against one schema.
//
//	pgstoreproc -dsn DSN -schema S reserve -workers 8 -skus A,B,C -locations wh
//
// runs workers goroutines that reserve, commit and release on the hot SKUs
// until stock runs out, printing "reserved ID", "committed ID" and
// "released ID" on stdout after each call that succeeded (so what a killed
// process printed was committed).
//
//	pgstoreproc -dsn DSN -schema S place -n 1000 -workers 4
//
// places n orders (two lines each) from workers goroutines through
// order.Service, numbered from the database's sequence, and prints
// "placed N".
//
//	pgstoreproc -dsn DSN -schema S process -n 100 -workers 4 -prefix p1-
//
// places, confirms and processes (fulfillment.Service.Process: allocate,
// reserve, pack, rate-shop, buy the label) n three-line orders of the SKUs
// MUG, TEE and HAT stocked at location east, through every PostgreSQL
// store, a fake gateway and a zero-latency fake carrier, and prints
// "processed N".
//
//	pgstoreproc -dsn DSN -schema S relay -name N -lease 2s
//
// drains the outbox with an oms.Relay whose publisher records each
// publication in the table pub_log, until nothing is pending.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
	"github.com/omskit/oms/tracking"
)

func main() {
	dsn := flag.String("dsn", "", "PostgreSQL DSN")
	schema := flag.String("schema", "", "schema holding the tables")
	flag.Parse()
	if *dsn == "" || *schema == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: pgstoreproc -dsn DSN -schema S reserve|relay [flags]")
		os.Exit(2)
	}
	ctx := context.Background()
	db, err := pgstore.Open(ctx, *dsn, &pgstore.Options{Schema: *schema, MaxConns: 16})
	if err != nil {
		fail(err)
	}
	defer db.Close()
	switch flag.Arg(0) {
	case "reserve":
		err = reserve(ctx, db, flag.Args()[1:])
	case "relay":
		err = relay(ctx, db, flag.Args()[1:])
	case "place":
		err = place(ctx, db, flag.Args()[1:])
	case "process":
		err = process(ctx, db, flag.Args()[1:])
	default:
		err = fmt.Errorf("unknown mode %q", flag.Arg(0))
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pgstoreproc:", err)
	os.Exit(1)
}

// out serialises the lines the workers print.
type out struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *out) println(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.w.WriteString(s + "\n")
	o.w.Flush() // every line out at once: a SIGKILL may come any time
}

func reserve(ctx context.Context, db *pgstore.DB, args []string) error {
	fs := flag.NewFlagSet("reserve", flag.ExitOnError)
	workers := fs.Int("workers", 8, "goroutines")
	skuList := fs.String("skus", "", "comma-separated hot SKUs")
	locList := fs.String("locations", "", "comma-separated locations")
	seed := fs.Int64("seed", 1, "random seed")
	batch := fs.Bool("batch", false, "reserve through the batcher")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var skus []oms.SKU
	for _, s := range strings.Split(*skuList, ",") {
		skus = append(skus, oms.SKU(s))
	}
	locs := strings.Split(*locList, ",")
	var store inventory.Store = db.Inventory()
	if *batch {
		b := pgstore.NewReserveBatcher(db.Inventory(), nil)
		defer b.Close()
		store = b
	}
	svc := inventory.NewService(store, nil)
	o := &out{w: bufio.NewWriter(os.Stdout)}
	errs := make(chan error, *workers)
	for w := 0; w < *workers; w++ {
		go func(w int) {
			errs <- work(ctx, svc, o, skus, locs, rand.New(rand.NewSource(*seed*1000+int64(w))), *seed, w)
		}(w)
	}
	var first error
	for w := 0; w < *workers; w++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func work(ctx context.Context, svc *inventory.Service, o *out, skus []oms.SKU, locs []string, rng *rand.Rand, proc int64, w int) error {
	misses := 0
	for i := 0; misses < 10 && i < 400; i++ {
		n := 1 + rng.Intn(2)
		seen := map[string]bool{}
		var lines []inventory.Line
		for len(lines) < n {
			l := inventory.Line{SKU: skus[rng.Intn(len(skus))], Location: oms.ID(locs[rng.Intn(len(locs))]), Quantity: 1 + int64(rng.Intn(3))}
			if k := string(l.SKU) + "@" + string(l.Location); !seen[k] {
				seen[k] = true
				lines = append(lines, l)
			}
		}
		id := oms.ID("p" + strconv.FormatInt(proc, 10) + "-w" + strconv.Itoa(w) + "-" + strconv.Itoa(i))
		_, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: id, Reference: "cart", Lines: lines})
		if errors.Is(err, oms.ErrInsufficientStock) {
			misses++
			continue
		}
		if err != nil {
			return fmt.Errorf("reserve %s: %w", id, err)
		}
		misses = 0
		o.println("reserved " + string(id))
		switch a := rng.Intn(10); {
		case a < 5:
			if _, err := svc.Commit(ctx, inventory.CommitRequest{Key: "c-" + string(id), Reservation: id}); err != nil {
				return fmt.Errorf("commit %s: %w", id, err)
			}
			o.println("committed " + string(id))
		case a < 8:
			if _, err := svc.Release(ctx, inventory.ReleaseRequest{Key: "r-" + string(id), Reservation: id}); err != nil {
				return fmt.Errorf("release %s: %w", id, err)
			}
			o.println("released " + string(id))
		}
	}
	return nil
}

func relay(ctx context.Context, db *pgstore.DB, args []string) error {
	fs := flag.NewFlagSet("relay", flag.ExitOnError)
	name := fs.String("name", "relay", "name recorded with each publication")
	lease := fs.Duration("lease", 2*time.Second, "aggregate lease")
	pause := fs.Duration("pause", time.Millisecond, "pause per publication")
	batch := fs.Int("batch", 10, "relay batch size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ob := db.Outbox().LeaseFor(*lease)
	pub := oms.PublisherFunc(func(ctx context.Context, e oms.Event) error {
		time.Sleep(*pause) // a broker round trip
		_, err := db.Pool().Exec(ctx, `INSERT INTO pub_log (relay, event_id, aggregate_id, version) VALUES ($1, $2, $3, $4)`,
			*name, string(e.ID), string(e.AggregateID), e.AggregateVersion)
		return err
	})
	r := oms.NewRelay(ob, pub, &oms.RelayOptions{BatchSize: *batch})
	defer ob.ReleaseLeases(context.WithoutCancel(ctx))
	for idle := 0; idle < 3; {
		n, err := r.RunOnce(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			idle = 0
			continue
		}
		var left int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL AND dead_at IS NULL`).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			idle++
		}
		time.Sleep(50 * time.Millisecond) // others hold the rest, or a dead relay's leases have not lapsed
	}
	return nil
}

func place(ctx context.Context, db *pgstore.DB, args []string) error {
	fs := flag.NewFlagSet("place", flag.ExitOnError)
	n := fs.Int("n", 100, "orders to place")
	workers := fs.Int("workers", 4, "goroutines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc := order.NewService(db.Orders(), &order.ServiceOptions{Numbers: db.OrderNumbers("")})
	usd := func(s string) oms.Money { return oms.MustParseMoney(s + " USD") }
	in := order.PlaceInput{
		Currency: oms.USD,
		Customer: order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "12 Main St", City: "Springfield",
			Region: "IL", PostalCode: "62701", Country: "US"},
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: 3, UnitPrice: usd("12.00"), Tax: usd("2.88")},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 1, UnitPrice: usd("20.00"), Tax: usd("1.60")},
		},
		ShippingCharge: usd("5.00"),
	}
	var (
		mu   sync.Mutex
		left = *n
	)
	errs := make(chan error, *workers)
	for w := 0; w < *workers; w++ {
		go func() {
			for {
				mu.Lock()
				if left == 0 {
					mu.Unlock()
					errs <- nil
					return
				}
				left--
				mu.Unlock()
				if _, err := svc.Place(ctx, in); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for w := 0; w < *workers; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	fmt.Println("placed", *n)
	return nil
}

func process(ctx context.Context, db *pgstore.DB, args []string) error {
	fs := flag.NewFlagSet("process", flag.ExitOnError)
	n := fs.Int("n", 100, "orders to process")
	workers := fs.Int("workers", 4, "goroutines")
	prefix := fs.String("prefix", "", "idempotency key prefix")
	carrier := fs.String("carrier", "fake", "the fake carrier's code (one per process: its tracking numbers are CODE000001, ...)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st := db.Stores()
	orders := order.NewService(st.Orders, &order.ServiceOptions{Gateway: ordertest.NewFakeGateway(), Numbers: db.OrderNumbers("")})
	inv := inventory.NewService(st.Inventory, nil)
	track := tracking.NewService(st.Tracking, nil)
	svc, err := fulfillment.NewService(st.Fulfillment, orders, inv, track, &fulfillment.ServiceOptions{
		Carriers: []shipping.Carrier{shippingtest.NewFakeCarrier(*carrier, nil)}})
	if err != nil {
		return err
	}
	usd := func(s string) oms.Money { return oms.MustParseMoney(s + " USD") }
	customer := oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"}
	var (
		mu   sync.Mutex
		next int
	)
	errs := make(chan error, *workers)
	for w := 0; w < *workers; w++ {
		go func() {
			for {
				mu.Lock()
				if next == *n {
					mu.Unlock()
					errs <- nil
					return
				}
				next++
				i := next
				mu.Unlock()
				in := order.PlaceInput{IdempotencyKey: *prefix + strconv.Itoa(i), Channel: "web", Currency: oms.USD,
					Customer:        order.Customer{ID: "cus_1", Email: "ada@example.com"},
					ShippingAddress: customer, Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard},
					Payment: order.PaymentInput{Method: "tok_visa"}}
				for _, l := range []struct {
					sku oms.SKU
					qty int64
				}{{"MUG", 2}, {"TEE", 1}, {"HAT", 1}} {
					in.Lines = append(in.Lines, order.LineInput{SKU: l.sku, Name: string(l.sku), Quantity: l.qty, UnitPrice: usd("10.00"),
						UnitWeight: oms.Grams(400), UnitDimensions: oms.DimensionsMM(100, 80, 60)})
				}
				o, err := orders.Place(ctx, in)
				if err == nil {
					o, err = orders.Confirm(ctx, o.ID)
				}
				if err == nil {
					_, err = svc.Process(ctx, o.ID)
				}
				if err != nil {
					errs <- fmt.Errorf("order %d: %w", i, err)
					return
				}
			}
		}()
	}
	for w := 0; w < *workers; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	fmt.Println("processed", *n)
	return nil
}
