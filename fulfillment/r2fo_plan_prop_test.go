package fulfillment_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

func TestPlanHoldsItsPromisesOnRandomRequests(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	strategies := []fulfillment.Strategy{nil, fulfillment.ByPriority(), fulfillment.ByHighestStock(), fulfillment.ByNearest(),
		fulfillment.FewestShipments(), fulfillment.Then(fulfillment.FewestShipments(), fulfillment.ByNearest())}
	for iter := 0; iter < 3000; iter++ {
		nl := 2 + rng.IntN(15)
		var locs []inventory.Location
		for i := 0; i < nl; i++ {
			l := loc(oms.ID(fmt.Sprintf("L%02d", i)), rng.IntN(5), rng.Float64()*50, rng.Float64()*50)
			l.Pickup = rng.IntN(3) == 0
			l.Ships = rng.IntN(6) != 0
			l.Active = rng.IntN(8) != 0
			locs = append(locs, l)
		}
		skus := []oms.SKU{"A", "B", "C"}
		r := fulfillment.PlanRequest{ShipTo: customer, Channel: "web", Locations: locs,
			Coordinates: &inventory.Coordinates{Latitude: 10, Longitude: 10}, Strategy: strategies[rng.IntN(len(strategies))]}
		for i := 0; i < 1+rng.IntN(4); i++ {
			r.Lines = append(r.Lines, pl(oms.ID(fmt.Sprint("l", i)), skus[rng.IntN(3)], int64(1+rng.IntN(8))))
		}
		for _, s := range skus {
			for _, l := range locs {
				if rng.IntN(2) == 0 {
					r.Stock = append(r.Stock, sup(s, l.ID, int64(rng.IntN(6)-1)))
				}
			}
			switch rng.IntN(4) {
			case 0:
				r.Policies = append(r.Policies, fulfillment.SKUPolicy{SKU: s, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderAllow}})
			case 1:
				r.Policies = append(r.Policies, fulfillment.SKUPolicy{SKU: s, Tracked: true, Backorder: inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: int64(rng.IntN(10)), ExpectedAt: t0}})
			case 2:
				r.Policies = append(r.Policies, fulfillment.SKUPolicy{SKU: s, Tracked: rng.IntN(4) != 0})
			}
		}
		r.Rules.MaxShipments = rng.IntN(4)
		if rng.IntN(5) == 0 {
			r.PickupAt = locs[rng.IntN(nl)].ID
		}
		if rng.IntN(4) == 0 {
			r.Rules.HeldLocations = []oms.ID{locs[rng.IntN(nl)].ID}
		}
		p, err := fulfillment.Allocate(r)
		p2, err2 := fulfillment.Allocate(r)
		if d := cmp.Diff(p, p2); d != "" || (err == nil) != (err2 == nil) {
			t.Fatalf("iter %d: not deterministic %s", iter, d)
		}
		var se *fulfillment.ShortageError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("iter %d: %v", iter, err)
		}
		avail := map[string]int64{}
		for _, s := range r.Stock {
			avail[string(s.SKU)+"@"+string(s.Location)] += s.Available
		}
		pol := map[oms.SKU]fulfillment.SKUPolicy{}
		for _, x := range r.Policies {
			pol[x.SKU] = x
		}
		tracked := func(s oms.SKU) bool { x, ok := pol[s]; return !ok || x.Tracked }
		byLoc := map[oms.ID]inventory.Location{}
		for _, l := range locs {
			byLoc[l.ID] = l
		}
		eligible := func(id oms.ID) bool {
			l := byLoc[id]
			if !l.Active {
				return false
			}
			for _, h := range r.Rules.HeldLocations {
				if h == id {
					return false
				}
			}
			if r.PickupAt != "" {
				return l.ID == r.PickupAt && l.Pickup
			}
			return l.Ships
		}
		got := map[oms.ID]int64{}
		used := map[string]int64{}
		for _, sh := range p.Shipments {
			if !eligible(sh.Location) {
				t.Fatalf("iter %d: ships from ineligible %s: %+v", iter, sh.Location, r)
			}
			for _, l := range sh.Lines {
				got[l.LineID] += l.Quantity
				if tracked(l.SKU) {
					used[string(l.SKU)+"@"+string(sh.Location)] += l.Quantity
				}
			}
		}
		for k, u := range used {
			if u > max(avail[k], 0) {
				t.Fatalf("iter %d: %s ships %d of %d", iter, k, u, avail[k])
			}
		}
		if m := r.Rules.MaxShipments; (m > 0 && len(p.Shipments) > m) || (r.PickupAt != "" && len(p.Shipments) > 1) {
			t.Fatalf("iter %d: %d shipments over cap %d", iter, len(p.Shipments), m)
		}
		pre := map[oms.SKU]int64{}
		for _, b := range p.Backorders {
			if !eligible(b.Location) {
				t.Fatalf("iter %d: backorder at ineligible %s", iter, b.Location)
			}
			x := pol[b.SKU]
			if x.Backorder.Mode != inventory.BackorderAllow && x.Backorder.Mode != inventory.BackorderPreorder {
				t.Fatalf("iter %d: backorder of %s with policy %+v", iter, b.SKU, x)
			}
			if x.Backorder.Mode == inventory.BackorderPreorder {
				pre[b.SKU] += b.Quantity
			}
			got[b.LineID] += b.Quantity
		}
		for s, n := range pre {
			var existing int64
			for _, st := range r.Stock {
				if st.SKU == s && st.Available < 0 {
					existing -= st.Available
				}
			}
			if n > max(pol[s].Backorder.Limit-existing, 0) {
				t.Fatalf("iter %d: %d preorders of %s over limit %d", iter, n, s, pol[s].Backorder.Limit)
			}
		}
		for _, l := range r.Lines {
			if err == nil && got[l.LineID] != l.Quantity {
				t.Fatalf("iter %d: line %s planned %d of %d", iter, l.LineID, got[l.LineID], l.Quantity)
			}
			if got[l.LineID] > l.Quantity {
				t.Fatalf("iter %d: line %s planned %d of %d", iter, l.LineID, got[l.LineID], l.Quantity)
			}
		}
	}
}
