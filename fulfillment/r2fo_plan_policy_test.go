package fulfillment_test

import (
	"errors"
	"math"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
)

// TestAllocateRefusesBackorderPoliciesOutOfRange: Allocate took SKU
// policies inventory refuses (an unknown backorder mode, a preorder limit
// of math.MaxInt64 or below zero, location limits out of range) and
// planned with them: a limit of math.MaxInt64 added to a location's stock
// wrapped, so the location where the stock comes first got no backorder
// and another took them; an unknown mode was taken as allowing
// backorders. Each must be refused with oms.ErrValidation naming the
// policy.
func TestAllocateRefusesBackorderPoliciesOutOfRange(t *testing.T) {
	base := func(pol inventory.BackorderPolicy) fulfillment.PlanRequest {
		return fulfillment.PlanRequest{
			Lines:     []fulfillment.PlanLine{pl("1", "X", 5), pl("2", "Y", 5)},
			ShipTo:    customer,
			Channel:   "web",
			Locations: []inventory.Location{loc("A", 1, 0, 0), loc("B", 2, 0, 0)},
			Stock:     []fulfillment.Supply{sup("X", "A", 5), sup("Y", "B", 5)},
			Inbound:   []fulfillment.InboundSupply{{SKU: "Y", Location: "B", Quantity: 10, ExpectedAt: t0}},
			Policies:  []fulfillment.SKUPolicy{{SKU: "Y", Tracked: true, Backorder: pol}},
			Rules:     fulfillment.Rules{MaxShipments: 1},
		}
	}
	pre := func(limit int64, locs map[oms.ID]int64) inventory.BackorderPolicy {
		return inventory.BackorderPolicy{Mode: inventory.BackorderPreorder, Limit: limit, LocationLimits: locs, ExpectedAt: t0}
	}
	for name, pol := range map[string]inventory.BackorderPolicy{
		"unknown mode":               {Mode: "bogus"},
		"preorder limit MaxInt64":    pre(math.MaxInt64, nil),
		"negative preorder limit":    pre(-1, nil),
		"location limit MaxInt64":    pre(10, map[oms.ID]int64{"B": math.MaxInt64}),
		"negative location limit":    pre(10, map[oms.ID]int64{"B": -3}),
		"preorder limit beyond 2^50": pre(oms.MaxQuantity+1, nil),
	} {
		p, err := fulfillment.Allocate(base(pol))
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: plan %+v, err %v; want oms.ErrValidation", name, p, err)
		}
	}
	// In range, the preorder waits where its stock comes first.
	p, err := fulfillment.Allocate(base(pre(oms.MaxQuantity, nil)))
	if err != nil || len(p.Backorders) != 1 || p.Backorders[0].Location != "B" {
		t.Errorf("preorder limit 2^50: %+v, %v; want Y backordered at B", p, err)
	}
}
