package fulfillment_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/shipping"
)

func loc(id oms.ID, prio int, lat, lon float64) inventory.Location {
	return inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse, Active: true, Ships: true, Priority: prio,
		Coordinates: &inventory.Coordinates{Latitude: lat, Longitude: lon}, Channels: []inventory.Channel{"web"}, Address: whAddr(string(id))}
}

func pl(id oms.ID, sku oms.SKU, q int64) fulfillment.PlanLine {
	return fulfillment.PlanLine{LineID: id, SKU: sku, Quantity: q, UnitWeight: oms.Grams(500), UnitDimensions: oms.DimensionsMM(100, 100, 100)}
}

func sup(sku oms.SKU, l oms.ID, n int64) fulfillment.Supply {
	return fulfillment.Supply{SKU: sku, Location: l, Available: n}
}

func ship(l oms.ID, qs ...fulfillment.PlanQuantity) fulfillment.PlanShipment {
	return fulfillment.PlanShipment{Location: l, Lines: qs}
}

func pq(id oms.ID, sku oms.SKU, q int64) fulfillment.PlanQuantity {
	return fulfillment.PlanQuantity{LineID: id, SKU: sku, Quantity: q}
}

// Three locations: A (priority 1, far), B (priority 2, near, big stock),
// C (priority 3, holds both SKUs).
func baseRequest() fulfillment.PlanRequest {
	return fulfillment.PlanRequest{
		Lines:       []fulfillment.PlanLine{pl("1", "X", 4), pl("2", "Y", 2)},
		ShipTo:      customer,
		Coordinates: &inventory.Coordinates{Latitude: 40.7, Longitude: -74.0},
		Channel:     "web",
		Locations:   []inventory.Location{loc("A", 1, 34.0, -118.2), loc("B", 2, 40.8, -74.1), loc("C", 3, 41.9, -87.6)},
		Stock: []fulfillment.Supply{
			sup("X", "A", 3), sup("Y", "A", 0),
			sup("X", "B", 9), sup("Y", "B", 1),
			sup("X", "C", 4), sup("Y", "C", 2),
		},
	}
}

func TestAllocateStrategiesAndRules(t *testing.T) {
	flat := func(loc inventory.Location, p shipping.Parcel) (oms.Money, error) {
		return map[oms.ID]oms.Money{"A": usd("30.00"), "B": usd("8.00"), "C": usd("12.00")}[loc.ID], nil
	}
	cases := []struct {
		name string
		mod  func(r *fulfillment.PlanRequest)
		want fulfillment.Plan
		err  error
	}{
		{"priority", nil, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{
			ship("A", pq("1", "X", 3)), ship("B", pq("1", "X", 1), pq("2", "Y", 1)), ship("C", pq("2", "Y", 1))}}, nil},
		{"highest stock", func(r *fulfillment.PlanRequest) { r.Strategy = fulfillment.ByHighestStock() }, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{
			ship("B", pq("1", "X", 4), pq("2", "Y", 1)), ship("C", pq("2", "Y", 1))}}, nil},
		{"nearest", func(r *fulfillment.PlanRequest) { r.Strategy = fulfillment.ByNearest() }, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{
			ship("B", pq("1", "X", 4), pq("2", "Y", 1)), ship("C", pq("2", "Y", 1))}}, nil},
		{"fewest shipments", func(r *fulfillment.PlanRequest) {
			r.Strategy = fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority())
		},
			fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("C", pq("1", "X", 4), pq("2", "Y", 2))}}, nil},
		{"lowest cost", func(r *fulfillment.PlanRequest) { r.Strategy = fulfillment.ByLowestCost(); r.Cost = flat }, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{
			ship("B", pq("1", "X", 4), pq("2", "Y", 1)), ship("C", pq("2", "Y", 1))}}, nil},
		{"held location skipped", func(r *fulfillment.PlanRequest) { r.Rules.HeldLocations = []oms.ID{"A"} }, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{
			ship("B", pq("1", "X", 4), pq("2", "Y", 1)), ship("C", pq("2", "Y", 1))}}, nil},
		{"inactive and non-shipping skipped", func(r *fulfillment.PlanRequest) { r.Locations[0].Active = false; r.Locations[1].Ships = false },
			fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("C", pq("1", "X", 4), pq("2", "Y", 2))}}, nil},
		{"channel", func(r *fulfillment.PlanRequest) {
			r.Channel = "pos"
			r.Locations[2].Channels = []inventory.Channel{"pos"}
		},
			fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("C", pq("1", "X", 4), pq("2", "Y", 2))}}, nil},
		{"no split refuses", func(r *fulfillment.PlanRequest) { r.Rules.MaxShipments = 1 }, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("A", pq("1", "X", 3))}},
			oms.ErrInsufficientStock},
		{"no split with fewest", func(r *fulfillment.PlanRequest) {
			r.Rules.MaxShipments = 1
			r.Strategy = fulfillment.FewestShipments()
		}, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("C", pq("1", "X", 4), pq("2", "Y", 2))}}, nil},
		{"backorder allowed at inbound location", func(r *fulfillment.PlanRequest) {
			r.Lines[1].Quantity = 5
			r.Policies = []fulfillment.SKUPolicy{{SKU: "X", Tracked: true}, {SKU: "Y", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}}}
			r.Inbound = []fulfillment.InboundSupply{{SKU: "Y", Location: "C", Quantity: 10, ExpectedAt: t0.AddDate(0, 0, 3)}}
		}, fulfillment.Plan{
			Shipments:  []fulfillment.PlanShipment{ship("A", pq("1", "X", 3)), ship("B", pq("1", "X", 1), pq("2", "Y", 1)), ship("C", pq("2", "Y", 2))},
			Backorders: []fulfillment.PlanBackorder{{Location: "C", LineID: "2", SKU: "Y", Quantity: 2, Reason: fulfillment.BackorderNoStock, ExpectedAt: t0.AddDate(0, 0, 3)}},
		}, nil},
		{"preorder limited", func(r *fulfillment.PlanRequest) {
			r.Lines = []fulfillment.PlanLine{pl("1", "Z", 25)}
			r.Policies = []fulfillment.SKUPolicy{{SKU: "Z", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 30,
				LocationLimits: map[oms.ID]int64{"A": 10, "B": 10, "C": 10}, ExpectedAt: t0}}}
		}, fulfillment.Plan{Backorders: []fulfillment.PlanBackorder{
			{Location: "A", LineID: "1", SKU: "Z", Quantity: 10, Reason: fulfillment.BackorderNoStock, Preorder: true, ExpectedAt: t0},
			{Location: "B", LineID: "1", SKU: "Z", Quantity: 10, Reason: fulfillment.BackorderNoStock, Preorder: true, ExpectedAt: t0},
			{Location: "C", LineID: "1", SKU: "Z", Quantity: 5, Reason: fulfillment.BackorderNoStock, Preorder: true, ExpectedAt: t0},
		}}, nil},
		{"preorder SKU-wide limit", func(r *fulfillment.PlanRequest) {
			r.Lines = []fulfillment.PlanLine{pl("1", "Z", 13)}
			r.Policies = []fulfillment.SKUPolicy{{SKU: "Z", Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: 12,
				LocationLimits: map[oms.ID]int64{"A": 10, "B": 10}, ExpectedAt: t0}}}
			r.Stock = append(r.Stock, sup("Z", "C", -1)) // one unit already preordered at C
		}, fulfillment.Plan{Backorders: []fulfillment.PlanBackorder{
			{Location: "A", LineID: "1", SKU: "Z", Quantity: 10, Reason: fulfillment.BackorderNoStock, Preorder: true, ExpectedAt: t0},
			{Location: "B", LineID: "1", SKU: "Z", Quantity: 1, Reason: fulfillment.BackorderNoStock, Preorder: true, ExpectedAt: t0},
		}}, oms.ErrInsufficientStock},
		{"untracked always available", func(r *fulfillment.PlanRequest) {
			r.Lines = []fulfillment.PlanLine{pl("1", "GIFT", 1000)}
			r.Policies = []fulfillment.SKUPolicy{{SKU: "GIFT"}}
		}, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("A", pq("1", "GIFT", 1000))}}, nil},
		{"pickup", func(r *fulfillment.PlanRequest) {
			r.PickupAt = "B"
			r.Locations[1].Pickup = true
			r.Lines = r.Lines[:1]
		}, fulfillment.Plan{Shipments: []fulfillment.PlanShipment{ship("B", pq("1", "X", 4))}}, nil},
		{"pickup at a location without pickup", func(r *fulfillment.PlanRequest) { r.PickupAt = "B" }, fulfillment.Plan{}, oms.ErrInsufficientStock},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := baseRequest()
			if c.mod != nil {
				c.mod(&r)
			}
			got, err := fulfillment.Allocate(r)
			if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
		})
	}
}

func TestAllocateBadInput(t *testing.T) {
	for name, r := range map[string]fulfillment.PlanRequest{
		"no lines":          {},
		"zero quantity":     {Lines: []fulfillment.PlanLine{pl("1", "X", 0)}},
		"huge quantity":     {Lines: []fulfillment.PlanLine{pl("1", "X", 1<<62)}},
		"bad sku":           {Lines: []fulfillment.PlanLine{pl("1", "a b", 1)}},
		"duplicate line":    {Lines: []fulfillment.PlanLine{pl("1", "X", 1), pl("1", "Y", 1)}},
		"negative cap":      {Lines: []fulfillment.PlanLine{pl("1", "X", 1)}, Rules: fulfillment.Rules{MaxShipments: -1}},
		"overflowing stock": {Lines: []fulfillment.PlanLine{pl("1", "X", 1)}, Stock: []fulfillment.Supply{sup("X", "A", 1<<62)}},
	} {
		if _, err := fulfillment.Allocate(r); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
}

// TestFewestShipmentsGenerated: 200 seeded orders over 8 locations with
// skewed stock: fewest-shipments never ships from more locations than
// priority order and, the cases being small enough to brute force, always
// equals the optimum.
func TestFewestShipmentsGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	skus := []oms.SKU{"S1", "S2", "S3", "S4", "S5", "S6"}
	for n := 0; n < 200; n++ {
		r := fulfillment.PlanRequest{Channel: "web"}
		for i := 0; i < 8; i++ {
			id := oms.ID("L" + itoa(i))
			r.Locations = append(r.Locations, loc(id, i, 0, 0))
			for _, s := range skus {
				// Skewed: most locations hold little, a few hold a lot.
				q := int64(rng.IntN(3))
				if rng.IntN(5) == 0 {
					q = int64(5 + rng.IntN(20))
				}
				r.Stock = append(r.Stock, sup(s, id, q))
			}
		}
		for i, s := range skus {
			if rng.IntN(2) == 0 {
				r.Lines = append(r.Lines, pl(oms.ID(itoa(i)), s, int64(1+rng.IntN(6))))
			}
		}
		if len(r.Lines) == 0 {
			r.Lines = append(r.Lines, pl("0", "S1", 1))
		}
		prio, perr := fulfillment.Allocate(r)
		r.Strategy = fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByPriority())
		few, ferr := fulfillment.Allocate(r)
		if (perr == nil) != (ferr == nil) {
			t.Fatalf("case %d: priority err %v, fewest err %v", n, perr, ferr)
		}
		if perr != nil {
			continue
		}
		if len(few.Shipments) > len(prio.Shipments) {
			t.Fatalf("case %d: fewest ships from %d locations, priority from %d", n, len(few.Shipments), len(prio.Shipments))
		}
		if opt := bruteForce(r); len(few.Shipments) != opt {
			t.Fatalf("case %d: fewest ships from %d locations, the optimum is %d", n, len(few.Shipments), opt)
		}
	}
}

// bruteForce returns the fewest locations whose stock covers the order.
func bruteForce(r fulfillment.PlanRequest) int {
	best := len(r.Locations) + 1
	for mask := 1; mask < 1<<len(r.Locations); mask++ {
		have := map[oms.SKU]int64{}
		k := 0
		for i, l := range r.Locations {
			if mask&(1<<i) == 0 {
				continue
			}
			k++
			for _, s := range r.Stock {
				if s.Location == l.ID {
					have[s.SKU] += s.Available
				}
			}
		}
		ok := true
		for _, l := range r.Lines {
			ok = ok && have[l.SKU] >= l.Quantity
		}
		if ok && k < best {
			best = k
		}
	}
	return best
}
