package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/shipping"
)

// TestNewServiceRefusesBadRatePolicyAndRules: NewService took a rate
// policy shipping refuses (an unknown strategy, best value without a cost
// per day, a deliver-by day that is not a day) and a negative shipment
// cap; Process then reserved, picked and packed every order and failed
// only when it chose a rate (or allocated), order after order. Such
// options must be refused by NewService with oms.ErrValidation.
func TestNewServiceRefusesBadRatePolicyAndRules(t *testing.T) {
	orders := order.NewService(order.NewMemoryStore(nil), nil)
	inv := inventory.NewService(inventory.NewMemoryStore(nil), nil)
	for name, opts := range map[string]fulfillment.ServiceOptions{
		"unknown strategy":        {RatePolicy: shipping.Policy{Strategy: "bogus"}},
		"best value without cost": {RatePolicy: shipping.Policy{Strategy: shipping.StrategyBestValue}},
		"deliver by no day":       {RatePolicy: shipping.Policy{Strategy: shipping.StrategyDeliverBy, DeliverBy: oms.Date{Year: 2026, Month: 2, Day: 30}}},
		"negative shipment cap":   {Rules: fulfillment.Rules{MaxShipments: -1}},
	} {
		if _, err := fulfillment.NewService(fulfillment.NewMemoryStore(nil), orders, inv, nil, &opts); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: %v, want oms.ErrValidation", name, err)
		}
	}
}
