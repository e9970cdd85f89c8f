package shipping_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

// Rate shopping across three carriers, one of which never answers: the
// shopper returns the others' rates at the slow carrier's timeout and says
// which carrier timed out.
func ExampleRateShopper_Shop() {
	ups := shippingtest.NewFakeCarrier("ups", &shippingtest.FakeCarrierOptions{Rates: []shipping.Rate{
		{Carrier: "ups", ServiceCode: "ground", ServiceName: "UPS Ground", Level: oms.LevelStandard, Price: oms.MustParseMoney("8.10 USD"), TransitDays: 4},
		{Carrier: "ups", ServiceCode: "2day", ServiceName: "UPS 2nd Day Air", Level: oms.LevelExpress, Price: oms.MustParseMoney("17.40 USD"), TransitDays: 2},
	}})
	vans, _ := shipping.NewFlatRateCarrier(shipping.FlatRateConfig{
		Code: "vans",
		Services: []shipping.FlatRateService{
			{Code: "next_day", Name: "Our van, next day", Level: oms.LevelOvernight, Price: oms.MustParseMoney("11.00 USD"), TransitDays: 1, Countries: []string{"US"}},
		},
	})
	stuck := make(chan struct{})
	defer close(stuck)
	slow := shippingtest.NewFakeCarrier("slowpost", &shippingtest.FakeCarrierOptions{Gate: stuck, IgnoreContext: true})

	shopper, err := shipping.NewRateShopper([]shipping.Carrier{ups, vans, slow}, &shipping.RateShopperOptions{CarrierTimeout: 50 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := shopper.Shop(ctx, shippingtest.DefaultRequest())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Rates {
		fmt.Printf("%-14s %-9s %s, %d days\n", r.Key(), r.Level, r.Price, r.TransitDays)
	}
	for _, c := range res.Carriers {
		fmt.Println(c.Carrier, c.Status)
	}
	fmt.Println(res.Err())
	best, _ := shipping.BestValue(res.Rates, oms.MustParseMoney("1.00 USD"))
	fmt.Println("best value at 1.00 a day:", best.Key())
	// Output:
	// ups/ground     standard  8.10 USD, 4 days
	// vans/next_day  overnight 11.00 USD, 1 days
	// ups/2day       express   17.40 USD, 2 days
	// ups ok
	// vans ok
	// slowpost timeout
	// shipping: carrier "slowpost" timeout: shipping: carrier timed out: no answer within its timeout of 50ms
	// best value at 1.00 a day: vans/next_day
}

// Turning rates into the choices a customer sees at checkout: free standard
// shipping over 50.00, express at cost plus 10%, and a promise that adds a
// day of slack to standard.
func ExampleCheckoutOptions() {
	ny := shipping.MustCalendar("America/New_York", &shipping.CalendarOptions{
		Holidays: []shipping.Holiday{{Date: oms.NewDate(2026, 11, 26), Name: "Thanksgiving"}},
	})
	warehouse := shipping.Dispatch{Calendar: ny, CutOff: 14 * time.Hour}
	now := time.Date(2026, 11, 23, 11, 0, 0, 0, ny.Location()) // Monday morning
	rates := []shipping.Rate{
		{Carrier: "usps", ServiceCode: "ground_advantage", Level: oms.LevelStandard, Price: oms.MustParseMoney("6.20 USD"), TransitDays: 4},
		{Carrier: "ups", ServiceCode: "ground", Level: oms.LevelStandard, Price: oms.MustParseMoney("8.10 USD"), TransitDays: 3},
		{Carrier: "ups", ServiceCode: "2day", Level: oms.LevelExpress, Price: oms.MustParseMoney("17.45 USD"), TransitDays: 2},
	}
	rates, err := shipping.EstimateRates(now, warehouse, nil, rates)
	if err != nil {
		fmt.Println(err)
		return
	}
	rules := []shipping.CheckoutRule{
		{Code: "standard", Name: "Standard", PadDays: 1,
			Policy: shipping.Policy{Filter: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelStandard}}},
			Price:  shipping.Adjustments{{Kind: shipping.AdjustFlat, Amount: oms.MustParseMoney("4.99 USD")}, {Kind: shipping.AdjustFreeOver, Threshold: oms.MustParseMoney("50.00 USD")}}},
		{Code: "express", Name: "Express",
			Policy: shipping.Policy{Strategy: shipping.StrategyFastest},
			Price:  shipping.Adjustments{{Kind: shipping.AdjustPercent, Percent: decimal.NewFromInt(10)}}},
		{Code: "same_day", Name: "Same day",
			Policy: shipping.Policy{Filter: shipping.RateFilter{Levels: []oms.ServiceLevel{oms.LevelSameDay}}}},
	}
	for _, orderValue := range []string{"42.00 USD", "64.00 USD"} {
		options, err := shipping.CheckoutOptions(rates, oms.MustParseMoney(orderValue), rules)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("order of", orderValue)
		for _, o := range options {
			fmt.Printf("  %-8s %-9s by %s (via %s at %s)\n", o.Name, o.Price, o.Promise, o.Rate.Key(), o.Rate.Price)
		}
	}
	// Output:
	// order of 42.00 USD
	//   Standard 4.99 USD  by 2026-11-30..2026-12-01 (via usps/ground_advantage at 6.20 USD)
	//   Express  19.20 USD by 2026-11-25 (via ups/2day at 17.45 USD)
	// order of 64.00 USD
	//   Standard 0.00 USD  by 2026-11-30..2026-12-01 (via usps/ground_advantage at 6.20 USD)
	//   Express  19.20 USD by 2026-11-25 (via ups/2day at 17.45 USD)
}

// A warehouse in Sydney shipping to New York: the cut-off is judged in
// Sydney time, transit is counted on New York's business days from the
// pickup instant in New York time.
func ExampleEstimateDelivery() {
	sydney := shipping.MustCalendar("Australia/Sydney", nil)
	newYork := shipping.MustCalendar("America/New_York", &shipping.CalendarOptions{
		Holidays: []shipping.Holiday{{Date: oms.NewDate(2026, 11, 26), Name: "Thanksgiving"}},
	})
	warehouse := shipping.Dispatch{Calendar: sydney, CutOff: 15 * time.Hour, HandlingDays: 0}
	for _, now := range []time.Time{
		time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),  // 14:00 in Sydney
		time.Date(2026, 11, 25, 4, 30, 0, 0, time.UTC), // 15:30 in Sydney
	} {
		est, err := shipping.EstimateDelivery(now, warehouse, newYork, 3, 5)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("ordered %s: ships %s, picked up %s, delivered %s\n",
			now.In(sydney.Location()).Format("Mon 15:04"), est.ShipDate,
			est.PickupAt.In(newYork.Location()).Format("Mon 2 Jan 15:04 MST"), est.Delivery)
	}
	// Output:
	// ordered Wed 14:00: ships 2026-11-25, picked up Tue 24 Nov 23:00 EST, delivered 2026-11-30..2026-12-02
	// ordered Wed 15:30: ships 2026-11-26, picked up Wed 25 Nov 23:00 EST, delivered 2026-12-01..2026-12-03
}
