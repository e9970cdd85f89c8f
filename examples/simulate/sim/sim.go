package sim

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/democarrier"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

// Config is what a run simulates.
type Config struct {
	// Days is the number of simulated days.
	Days int
	// OrdersPerDay is the mean number of orders on a weekday; weekends
	// take 30% more.
	OrdersPerDay int
	// Workers is the number of goroutines running orders through the flow.
	Workers int
	// Seed fixes demand, customers, delays and returns.
	Seed int64
	// ReturnRate is the share of delivered orders that send something
	// back, within 0 to 1.
	ReturnRate float64
	// SVG, when set, names a file for the charts as one SVG image.
	SVG string
	// Progress, when set, is called after each simulated day.
	Progress func(day, days int)
	// Stores, when set, holds the stores the shop runs on (a database
	// adapter's, for instance); nil runs it on the memory stores. The
	// stores must be empty: the simulation creates its locations, items
	// and orders.
	Stores *Stores
}

// product is a SKU of the shop's catalog.
type product struct {
	sku       oms.SKU
	name      string
	price     oms.Money
	weight    oms.Weight
	dims      oms.Dimensions
	backorder bool // allows backorders: orders wait for stock instead of failing
}

// warehouse is a location with its restocking lead time.
type warehouse struct {
	loc      inventory.Location
	leadDays int
}

// parcel is a shipped package the simulated carrier will deliver.
type parcel struct {
	order   oms.ID
	carrier string
	number  string
	shipDay int
	dueDay  int // the day the carrier delivers it
}

// orderInfo is what the simulation remembers of an order.
type orderInfo struct {
	id           oms.ID
	key          string // the cart's key: stable across runs, unlike the ID
	day          int    // the day it was placed
	promisedDay  int    // the last day of the promised delivery window
	lines        []order.Line
	parcels      int // packages shipped so far
	delivered    int // packages delivered so far
	shipments    int
	done         bool // every package delivered (or the order cancelled)
	deliveredDay int
	waiting      bool // Process left work for later (backorder, failure)
}

// dayStats are the figures of one simulated day, for the charts.
type dayStats struct {
	orders, shippedOrders, splitOrders int
	deliveredOrders, onTime            int
	stock                              []int64 // on hand of the top SKUs
}

// sim is one run: the shop, its world, and what was measured.
type sim struct {
	cfg      Config
	start    time.Time
	clock    *oms.ManualClock
	shop     *shop
	carriers []*democarrier.Carrier
	catalog  []product
	top      []oms.SKU // the most demanded SKUs, for the stock chart
	houses   []warehouse
	rng      *rand.Rand // main goroutine only
	zipf     *rand.Zipf
	inbound  map[int][]oms.ID // deliveries from suppliers by arrival day

	mu        sync.Mutex
	orders    map[oms.ID]*orderInfo
	parcels   map[int][]parcel // by due day
	shipped   map[int][]parcel // by ship day
	numbers   map[string]bool  // tracking numbers seen
	returnDue map[int][]oms.ID // orders to return by day
	timings   map[string][]time.Duration
	days      []dayStats
	messages  int
	// totals
	placed, stockOuts, backorderUnits, retries, returnsDone int
	shipmentsTotal, packages                                int
	fill                                                    float64 // sum of package fill ratios
	refunds                                                 oms.Money
	oversold                                                int64
	reconciled                                              bool
	elapsed                                                 time.Duration
}

var stages = []string{"place", "confirm", "process", "track", "return", "relay"}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// newSim builds the shop and its catalog, warehouses and opening stock.
func newSim(ctx context.Context, cfg Config) (*sim, error) {
	s := &sim{
		cfg:       cfg,
		start:     time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), // a Monday
		rng:       rand.New(rand.NewSource(cfg.Seed)),
		inbound:   map[int][]oms.ID{},
		orders:    map[oms.ID]*orderInfo{},
		parcels:   map[int][]parcel{},
		shipped:   map[int][]parcel{},
		numbers:   map[string]bool{},
		returnDue: map[int][]oms.ID{},
		timings:   map[string][]time.Duration{},
		refunds:   oms.Zero(oms.USD),
	}
	s.clock = oms.NewManualClock(s.start.Add(6 * time.Hour))
	// Two carriers: a steady one and a cheaper one that is slower to answer
	// and fails now and then. A label purchase that fails makes Process
	// return an error; running it again finishes the order.
	seeded := func(salt string, p float64) func() bool {
		var mu sync.Mutex
		r := rand.New(rand.NewSource(cfg.Seed ^ int64(hash(salt))))
		return func() bool { mu.Lock(); defer mu.Unlock(); return r.Float64() < p }
	}
	latency := func(salt string, base, spread time.Duration) func() time.Duration {
		var mu sync.Mutex
		r := rand.New(rand.NewSource(cfg.Seed ^ int64(hash(salt+"latency"))))
		return func() time.Duration {
			mu.Lock()
			defer mu.Unlock()
			return base + time.Duration(r.Int63n(int64(spread)))
		}
	}
	s.carriers = []*democarrier.Carrier{
		democarrier.New(&democarrier.Options{Code: "parcelco", Clock: s.clock, Latency: latency("parcelco", 0, 300*time.Microsecond), Fail: seeded("parcelco", 0.01)}),
		democarrier.New(&democarrier.Options{Code: "swiftship", Clock: s.clock, Latency: latency("swiftship", 200*time.Microsecond, time.Millisecond), Fail: seeded("swiftship", 0.04),
			Services: []democarrier.Service{
				{Code: "saver", Name: "Saver", Level: oms.LevelStandard, Base: usd("4.60"), PerKg: usd("0.95"), TransitDays: 4},
				{Code: "priority", Name: "Priority", Level: oms.LevelExpress, Base: usd("11.00"), PerKg: usd("2.00"), TransitDays: 2},
			}}),
	}
	var carriers []shipping.Carrier
	for _, c := range s.carriers {
		carriers = append(carriers, c)
	}
	var err error
	st := cfg.Stores
	if st == nil {
		st = MemoryStores()
	}
	s.shop, err = newShop(st, shopOptions{clock: s.clock, carriers: carriers,
		shopper: &shipping.RateShopperOptions{Clock: s.clock, CarrierTimeout: time.Second, BreakerThreshold: -1},
		sender: notify.SenderFunc(func(context.Context, notify.Message) error {
			s.mu.Lock()
			s.messages++
			s.mu.Unlock()
			return nil
		}),
		returnAddress: oms.Address{Company: "Example Goods Returns", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"},
	})
	if err != nil {
		return nil, err
	}
	s.houses = []warehouse{
		{house("east", "Newark", "NJ", "07102", 1), 4},
		{house("central", "Dallas", "TX", "75201", 2), 6},
		{house("west", "Reno", "NV", "89501", 3), 8},
	}
	for _, h := range s.houses {
		if err := s.shop.Stock.PutLocation(ctx, h.loc); err != nil {
			return nil, err
		}
	}
	s.catalog = catalog(s.rng)
	s.zipf = rand.NewZipf(s.rng, 1.15, 2, uint64(len(s.catalog)-1))
	for i, p := range s.catalog {
		it := inventory.Item{SKU: p.sku, Tracked: true}
		if p.backorder {
			it.Backorder = inventory.BackorderPolicy{Mode: inventory.BackorderAllow}
		}
		if err := s.shop.Stock.PutItem(ctx, it); err != nil {
			return nil, err
		}
		for j, h := range s.houses {
			// Opening stock: ten days of the expected demand, the top SKUs
			// thinner in the west, the tail only in the east.
			n := s.expected(i) * 10 / int64(len(s.houses))
			if i > len(s.catalog)/2 {
				n = 0
				if j == 0 {
					n = s.expected(i) * 10
				}
			}
			if n > 0 {
				if _, err := s.shop.Stock.Receive(ctx, inventory.Receipt{SKU: p.sku, Location: h.loc.ID, Quantity: n, Reference: "opening"}); err != nil {
					return nil, err
				}
			}
		}
		if i < 5 {
			s.top = append(s.top, p.sku)
		}
	}
	return s, nil
}

func house(id oms.ID, city, region, zip string, prio int) inventory.Location {
	return inventory.Location{ID: id, Name: city + " DC", Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: prio,
		Channels: []inventory.Channel{"web"},
		Address:  oms.Address{Company: "Example Goods", Line1: "1 Dock Rd", City: city, Region: region, PostalCode: zip, Country: "US"}}
}

// catalog makes 40 products of assorted sizes; a few allow backorders.
func catalog(r *rand.Rand) []product {
	kinds := []struct {
		name            string
		price           int64 // cents
		grams           int64
		l, w, h         int64
		backorderEveryN int
	}{
		{"Mug", 1200, 350, 120, 90, 100, 0}, {"T-shirt", 2000, 180, 250, 200, 20, 0}, {"Poster", 1500, 200, 500, 80, 80, 0},
		{"Candle", 1800, 400, 90, 90, 110, 0}, {"Notebook", 900, 250, 210, 150, 15, 0}, {"Lamp", 4500, 1800, 200, 200, 300, 3},
		{"Blanket", 6000, 1500, 380, 280, 150, 4}, {"Vase", 3500, 900, 150, 150, 300, 0},
	}
	var out []product
	for i := range 40 {
		k := kinds[i%len(kinds)]
		p, _ := oms.FromMinor(k.price+int64(r.Intn(5))*100, oms.USD)
		out = append(out, product{
			sku: oms.SKU(fmt.Sprintf("%s-%02d", upper(k.name), i)), name: fmt.Sprintf("%s no. %d", k.name, i),
			price: p, weight: oms.Grams(k.grams), dims: oms.DimensionsMM(k.l, k.w, k.h),
			backorder: k.backorderEveryN > 0 && i%k.backorderEveryN == 0,
		})
	}
	return out
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

// expected is the mean daily units of the i-th product under the Zipf
// demand, for stocking.
func (s *sim) expected(i int) int64 {
	var norm float64
	for k := range s.catalog {
		norm += math.Pow(float64(k)+2, -1.15)
	}
	share := math.Pow(float64(i)+2, -1.15) / norm
	return int64(math.Ceil(share * float64(s.cfg.OrdersPerDay) * 2.5)) // ~2.5 units per order
}

// hash is a stable 64-bit hash for decisions that must not depend on
// which goroutine ran first.
func hash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// chance returns a stable number in [0, 1) for a decision about key.
func (s *sim) chance(key ...string) float64 {
	return float64(hash(append(key, fmt.Sprint(s.cfg.Seed))...)>>11) / (1 << 53)
}

func (s *sim) time(stage string, d time.Duration) {
	s.mu.Lock()
	s.timings[stage] = append(s.timings[stage], d)
	s.mu.Unlock()
}

// run simulates the days.
func (s *sim) run(ctx context.Context) error {
	began := time.Now()
	for d := range s.cfg.Days {
		day := s.start.AddDate(0, 0, d)
		s.days = append(s.days, dayStats{})
		s.clock.Set(day.Add(6 * time.Hour))
		if err := s.restock(ctx, d); err != nil {
			return err
		}
		s.clock.Set(day.Add(9 * time.Hour))
		if err := s.takeOrders(ctx, d); err != nil {
			return err
		}
		s.clock.Set(day.Add(12 * time.Hour))
		if err := s.retryWaiting(ctx, d); err != nil {
			return err
		}
		s.clock.Set(day.Add(17 * time.Hour))
		if err := s.track(ctx, d); err != nil {
			return err
		}
		s.clock.Set(day.Add(19 * time.Hour))
		if err := s.takeReturns(ctx, d); err != nil {
			return err
		}
		if err := s.endOfDay(ctx, d); err != nil {
			return err
		}
		if s.cfg.Progress != nil {
			s.cfg.Progress(d+1, s.cfg.Days)
		}
	}
	s.elapsed = time.Since(began)
	rep, err := s.shop.Stock.Reconcile(ctx)
	if err != nil {
		return err
	}
	s.reconciled = rep.Clean()
	return nil
}

// parallel runs f for each of n items on the configured workers.
func (s *sim) parallel(n int, f func(i int) error) error {
	var (
		wg   sync.WaitGroup
		next = make(chan int)
		errs = make([]error, s.cfg.Workers)
	)
	for w := range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// drain runs the relay: notify hears every event, fulfillment follows
// tracking.
func (s *sim) drain(ctx context.Context) error {
	t := time.Now()
	_, err := s.shop.Drain(ctx)
	s.time("relay", time.Since(t))
	return err
}

// restock receives supplier deliveries due today and orders more of every
// SKU whose position (available plus incoming) fell to its reorder point.
func (s *sim) restock(ctx context.Context, d int) error {
	for _, id := range s.inbound[d] {
		in, err := s.shop.Stock.Inbound(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.shop.Stock.Receive(ctx, inventory.Receipt{InboundID: id, Quantity: in.Outstanding()}); err != nil {
			return err
		}
	}
	delete(s.inbound, d)
	for i, p := range s.catalog {
		daily := s.expected(i)
		for j, h := range s.houses {
			if j > 0 && i > len(s.catalog)/2 {
				continue // the tail is stocked in the east only
			}
			l, err := s.shop.Stock.Level(ctx, p.sku, h.loc.ID)
			if err != nil && !errors.Is(err, oms.ErrNotFound) {
				return err
			}
			share := max(daily/int64(len(s.houses)), 1)
			if j == 0 && i > len(s.catalog)/2 {
				share = daily
			}
			reorderPoint := share * int64(h.leadDays+2)
			if l.Available()+l.Incoming > reorderPoint {
				continue
			}
			id := oms.ID(fmt.Sprintf("po-%03d-%s-%s", d, h.loc.ID, p.sku))
			arrives := d + h.leadDays
			if _, err := s.shop.Stock.Expect(ctx, inventory.Expectation{ID: id, SKU: p.sku, Location: h.loc.ID,
				Quantity: share * 14, ExpectedAt: s.start.AddDate(0, 0, arrives), Reference: "PO"}); err != nil {
				return err
			}
			s.inbound[arrives] = append(s.inbound[arrives], id)
		}
	}
	return nil
}

// cities are where customers live.
var cities = []oms.Address{
	{City: "New York", Region: "NY", PostalCode: "10118"}, {City: "Boston", Region: "MA", PostalCode: "02108"},
	{City: "Chicago", Region: "IL", PostalCode: "60601"}, {City: "Austin", Region: "TX", PostalCode: "78701"},
	{City: "Denver", Region: "CO", PostalCode: "80202"}, {City: "Seattle", Region: "WA", PostalCode: "98109"},
	{City: "Los Angeles", Region: "CA", PostalCode: "90012"}, {City: "Miami", Region: "FL", PostalCode: "33130"},
	{City: "Atlanta", Region: "GA", PostalCode: "30303"}, {City: "Portland", Region: "OR", PostalCode: "97204"},
}

// takeOrders places the day's orders and runs each through the flow.
func (s *sim) takeOrders(ctx context.Context, d int) error {
	n := s.cfg.OrdersPerDay
	if wd := s.start.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
		n = n * 13 / 10
	}
	n = max(1, n+int(s.rng.NormFloat64()*math.Sqrt(float64(n))))
	inputs := make([]order.PlaceInput, n)
	for i := range inputs {
		inputs[i] = s.newOrder(d, i)
	}
	s.days[d].orders = n
	return s.parallel(n, func(i int) error { return s.order(ctx, d, inputs[i]) })
}

// newOrder draws a customer's order (main goroutine: it uses the seeded
// source).
func (s *sim) newOrder(d, i int) order.PlaceInput {
	c := cities[s.rng.Intn(len(cities))]
	addr := oms.Address{Name: fmt.Sprintf("Customer %d-%d", d, i), Line1: fmt.Sprintf("%d Main St", 1+s.rng.Intn(900)),
		City: c.City, Region: c.Region, PostalCode: c.PostalCode, Country: "US"}
	in := order.PlaceInput{IdempotencyKey: fmt.Sprintf("cart-%03d-%05d", d, i), Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: oms.ID(fmt.Sprintf("cus-%05d", s.rng.Intn(20000))), Email: "customer@example.com"},
		ShippingAddress: addr, Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"},
		ShippingCharge: usd("4.95"), Payment: order.PaymentInput{Method: "tok_visa"}}
	if s.rng.Float64() < 0.15 {
		in.Shipping = order.ShippingOption{ServiceLevel: oms.LevelExpress, Name: "Express"}
		in.ShippingCharge = usd("12.95")
	}
	seen := map[oms.SKU]bool{}
	for range 1 + s.rng.Intn(3) + s.rng.Intn(2) {
		p := s.catalog[s.zipf.Uint64()]
		if seen[p.sku] {
			continue
		}
		seen[p.sku] = true
		in.Lines = append(in.Lines, order.LineInput{SKU: p.sku, Name: p.name, Quantity: int64(1 + s.rng.Intn(2)),
			UnitPrice: p.price, UnitWeight: p.weight, UnitDimensions: p.dims})
	}
	return in
}

// order runs one order: place, confirm, then Process, retried after a
// carrier failure (it is idempotent), cancelled when out of stock.
func (s *sim) order(ctx context.Context, d int, in order.PlaceInput) error {
	t := time.Now()
	o, err := s.shop.Orders.Place(ctx, in)
	s.time("place", time.Since(t))
	if err != nil {
		return fmt.Errorf("place %s: %w", in.IdempotencyKey, err)
	}
	t = time.Now()
	placed := o.ID
	if o, err = s.shop.Orders.Confirm(ctx, placed); err != nil {
		return fmt.Errorf("confirm %s: %w", placed, err)
	}
	s.time("confirm", time.Since(t))
	promise := 5
	if in.Shipping.ServiceLevel == oms.LevelExpress {
		promise = 3
	}
	info := &orderInfo{id: o.ID, key: in.IdempotencyKey, day: d, promisedDay: d + promise, lines: o.Lines}
	s.mu.Lock()
	s.placed++
	s.orders[o.ID] = info
	s.mu.Unlock()
	return s.process(ctx, d, info)
}

// process runs fulfillment's Process for an order, up to three times after
// carrier failures, and records what shipped.
func (s *sim) process(ctx context.Context, d int, info *orderInfo) error {
	var res *fulfillment.Result
	var err error
	for attempt := range 3 {
		t := time.Now()
		res, err = s.shop.Fulfillment.Process(ctx, info.id)
		s.time("process", time.Since(t))
		if err == nil {
			break
		}
		if errors.Is(err, oms.ErrInsufficientStock) {
			// Out of stock of a SKU that denies backorders: the shop
			// cancels the order and tells the customer.
			if _, cerr := s.shop.Orders.Cancel(ctx, info.id, order.CancelInput{Reason: "out of stock", By: "simulation"}); cerr != nil {
				return fmt.Errorf("cancel %s: %w", info.id, cerr)
			}
			s.mu.Lock()
			s.stockOuts++
			info.done = true
			s.mu.Unlock()
			return nil
		}
		if attempt < 2 {
			s.mu.Lock()
			s.retries++
			s.mu.Unlock()
		}
	}
	if err != nil {
		// Still failing (a carrier down): tomorrow's retry pass runs it again.
		s.mu.Lock()
		info.waiting = true
		s.mu.Unlock()
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	info.waiting = len(res.Waiting) > 0
	var backordered int64
	for _, fo := range res.FulfillmentOrders {
		if fo.Backorder && fo.Status == fulfillment.StatusScheduled {
			backordered += fo.Units()
		}
	}
	if info.parcels == 0 && backordered > 0 {
		s.backorderUnits += int(backordered)
	}
	newShipments := 0
	for _, sh := range res.Shipments {
		if sh.Status == fulfillment.ShipmentPending || sh.Carrier == "" {
			continue
		}
		for _, p := range sh.Packages {
			if p.TrackingNumber == "" || s.numbers[p.TrackingNumber] {
				continue
			}
			due := d + s.transit(sh.ServiceCode) + s.delay(p.TrackingNumber)
			pc := parcel{order: info.id, carrier: sh.Carrier, number: p.TrackingNumber, shipDay: d, dueDay: due}
			s.parcels[due] = append(s.parcels[due], pc)
			s.shipped[d] = append(s.shipped[d], pc)
			s.numbers[p.TrackingNumber] = true
			info.parcels++
			s.packages++
			s.fill += s.fillOf(p)
			if p.Index == 0 {
				newShipments++
			}
		}
	}
	if newShipments > 0 {
		info.shipments += newShipments
		s.shipmentsTotal += newShipments
		s.days[d].shippedOrders++
		if info.shipments > 1 {
			s.days[d].splitOrders++
		}
	}
	return nil
}

// fillOf is the share of a package's box its units fill.
func (s *sim) fillOf(p fulfillment.Package) float64 {
	var inner oms.Dimensions
	for _, b := range fulfillment.DefaultBoxes() {
		if b.Name == p.Box {
			inner = b.Inner
		}
	}
	if inner.IsZero() {
		return 1 // shipped as is
	}
	var used float64
	for _, it := range p.Items {
		for _, c := range s.catalog {
			if c.sku == it.SKU {
				used += float64(c.dims.Volume()) * float64(it.Quantity)
			}
		}
	}
	return used / float64(inner.Volume())
}

// transit is a service's days in transit (the carriers' tables).
func (s *sim) transit(service string) int {
	switch service {
	case "express":
		return 1
	case "priority":
		return 2
	case "saver":
		return 4
	}
	return 3
}

// delay is how late the carrier is with a parcel: mostly on time.
func (s *sim) delay(number string) int {
	switch c := s.chance("delay", number); {
	case c < 0.86:
		return 0
	case c < 0.96:
		return 1
	case c < 0.99:
		return 2
	default:
		return 4
	}
}

// retryWaiting runs Process again for orders left waiting (backorders whose
// stock may have come, carriers that failed).
func (s *sim) retryWaiting(ctx context.Context, d int) error {
	s.mu.Lock()
	var waiting []*orderInfo
	for _, o := range s.orders {
		if o.waiting && !o.done {
			waiting = append(waiting, o)
		}
	}
	s.mu.Unlock()
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].id < waiting[j].id })
	return s.parallel(len(waiting), func(i int) error { return s.process(ctx, d, waiting[i]) })
}

// track applies the carriers' scans: picked up for today's parcels,
// delivered for those due today; the relay then moves the shipments and
// orders and tells the customers.
func (s *sim) track(ctx context.Context, d int) error {
	day := s.start.AddDate(0, 0, d)
	s.mu.Lock()
	pickups, drops := s.shipped[d], s.parcels[d]
	s.mu.Unlock()
	scan := func(p parcel, at time.Time, st tracking.Status, text string) error {
		t := time.Now()
		e := tracking.Event{Time: at, Status: st, RawCode: string(st), RawText: text}.Normalize()
		_, err := s.shop.Tracking.Apply(ctx, tracking.Update{Carrier: p.carrier, TrackingNumber: p.number, Events: []tracking.Event{e}})
		s.time("track", time.Since(t))
		return err
	}
	if err := s.parallel(len(pickups), func(i int) error {
		return scan(pickups[i], day.Add(16*time.Hour), tracking.StatusInTransit, "Picked up")
	}); err != nil {
		return err
	}
	if err := s.parallel(len(drops), func(i int) error {
		return scan(drops[i], day.Add(14*time.Hour), tracking.StatusDelivered, "Delivered")
	}); err != nil {
		return err
	}
	if err := s.drain(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range drops {
		o := s.orders[p.order]
		o.delivered++
		if o.delivered < o.parcels || o.waiting || o.done {
			continue
		}
		o.done, o.deliveredDay = true, d
		s.days[d].deliveredOrders++
		if d <= o.promisedDay {
			s.days[d].onTime++
		}
		// Some customers send something back, two to eight days later.
		if s.chance("return", o.key) < s.cfg.ReturnRate {
			back := d + 2 + int(s.chance("return-day", o.key)*7)
			s.returnDue[back] = append(s.returnDue[back], o.id)
		}
	}
	return nil
}

// takeReturns runs the returns due today: request, approve, receive,
// inspect (most units as new, some damaged) and refund.
func (s *sim) takeReturns(ctx context.Context, d int) error {
	s.mu.Lock()
	due := s.returnDue[d]
	s.mu.Unlock()
	if err := s.parallel(len(due), func(i int) error {
		s.mu.Lock()
		o := s.orders[due[i]]
		s.mu.Unlock()
		t := time.Now()
		defer func() { s.time("return", time.Since(t)) }()
		line := o.lines[int(s.chance("return-line", o.key)*float64(len(o.lines)))]
		delivered := s.start.AddDate(0, 0, o.deliveredDay).Add(14 * time.Hour)
		r, err := s.shop.Returns.Request(ctx, returns.RequestInput{Key: "return", OrderID: o.id, DeliveredAt: delivered,
			Lines: []returns.RequestLine{{OrderLineID: line.ID, Quantity: 1, Reason: returns.ReasonNoLongerNeeded}}})
		var ineligible *returns.IneligibleError
		if errors.As(err, &ineligible) {
			return nil // past the window, or already returned
		}
		if err != nil {
			return fmt.Errorf("return of %s: %w", o.id, err)
		}
		if r, err = s.shop.Returns.Approve(ctx, r.ID, returns.StatusInput{By: "simulation"}); err != nil {
			return err
		}
		if r, err = s.shop.Returns.Receive(ctx, r.ID, returns.ReceiveInput{Key: "dock", Lines: []returns.ReceiveLine{{LineID: r.Lines[0].ID, Quantity: 1}}}); err != nil {
			return err
		}
		cond := returns.ConditionNew
		if s.chance("condition", o.key) < 0.15 {
			cond = returns.ConditionDamaged
		}
		if r, err = s.shop.Returns.Inspect(ctx, r.ID, returns.InspectInput{Key: "inspection", Units: []returns.UnitInspection{
			{LineID: r.Lines[0].ID, Condition: cond, Location: "east"}}}); err != nil {
			return err
		}
		if r, err = s.shop.Returns.Resolve(ctx, r.ID, returns.ResolveInput{}); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.returnsDone++
		if r.Refund != nil {
			s.refunds, _ = s.refunds.Add(r.Refund.Breakdown.Total)
		}
		return nil
	}); err != nil {
		return err
	}
	return s.drain(ctx)
}

// endOfDay checks that nothing was oversold and records the stock of the
// top SKUs.
func (s *sim) endOfDay(ctx context.Context, d int) error {
	for _, p := range s.catalog {
		levels, err := s.shop.Stock.Store().Levels(ctx, p.sku)
		if err != nil {
			return err
		}
		var onHand int64
		for _, l := range levels {
			onHand += l.OnHand
			if l.OnHand < 0 {
				s.oversold += -l.OnHand
			}
			if !p.backorder && l.Reserved > l.OnHand {
				s.oversold += l.Reserved - l.OnHand
			}
		}
		if i := slices.Index(s.top, p.sku); i >= 0 {
			s.days[d].stock = append(s.days[d].stock, onHand)
		}
	}
	return nil
}
