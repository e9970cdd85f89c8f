// Package shipping turns parcels into shipments: parcels and their billable
// weight, carriers behind one small interface, concurrent rate shopping with
// a deadline, the choice of a rate, checkout options with promised delivery
// windows, delivery-date estimates on business calendars, table and flat
// rate carriers for shops that price their own delivery. Choosing boxes and
// placing units in them is package packing's model; PackedParcels turns its
// packed boxes into Parcels.
//
// # Parcels and billable weight
//
// A Parcel has outer Dimensions, a gross Weight, a declared value and a
// description of its contents; ParcelPreset names packaging used again and
// again. Carriers bill the larger of the actual and the dimensional weight
// (Parcel.BillableWeight, over oms.BillableWeight), each with its own
// oms.DimFactor (5000 cm³/kg, 139 in³/lb, ...).
//
// # Carriers
//
// A Carrier has a Code and quotes Rates for a RateRequest (origin,
// destination, parcels, ship date, wanted service levels, return flag).
// Everything else is optional and found by type assertion, as io.WriterTo
// is: LabelBuyer (buy a label; the request carries an idempotency key so a
// retry never buys twice), Voider, Tracker (raw TrackingEvents; the tracking
// package normalizes them), AddressValidator and Manifester.
//
//	if lb, ok := carrier.(shipping.LabelBuyer); ok {
//		label, err := lb.BuyLabel(ctx, shipping.LabelRequest{IdempotencyKey: string(oms.DeriveID(shipmentID, "label")), ...})
//	}
//
// A Rate carries the carrier, the service code and name, an oms.ServiceLevel
// (same_day, overnight, express, standard, economy), the price as exact
// oms.Money (and the list price when known), the billable weight, the
// transit business days, the delivery date or window, and whether the
// carrier guarantees it. Package shippingtest has a fake carrier and
// TestCarrier, the conformance suite a carrier adapter runs.
//
// TableRateCarrier prices from the shop's own table (zones by country,
// region and postal-code prefix; weight brackets or a price per started
// kilogram; flat surcharges; services with transit days); FlatRateCarrier
// charges a fixed price.
//
// # Rate shopping
//
// A RateShopper asks every eligible carrier at once and returns what
// arrived in time:
//
//	Shop(ctx, req)
//	  │ validate req ─────────────▶ *oms.ValidationError, nobody asked
//	  │ identical request in flight? ─▶ wait for it and share its result
//	  ▼
//	  for each carrier:  cached answer? ─▶ use it (within CacheTTL)
//	                     breaker open?  ─▶ skipped
//	                     otherwise      ─▶ ask, concurrently (≤ Concurrency),
//	                                       under min(CarrierTimeout, deadline)
//	  ▼
//	  check every rate (well-formed, expected currency, wanted level)
//	  ▼
//	  ShopResult{Rates cheapest first, one CarrierReport per carrier}
//
// Each carrier ends in one CarrierStatus: ok, no_service, invalid (its
// malformed rates dropped), failed, timeout or skipped; every status but ok
// comes with a *CarrierError naming the carrier. A carrier that ignores its
// context cannot hold the result past the deadline. A carrier that keeps
// failing is skipped for a cool-down by its circuit breaker:
//
//	          failures in a row >= threshold
//	closed ──────────────────────────────────▶ open
//	  ▲                                        │  │
//	  │ trial call succeeds      cool-down over│  ▲ trial call fails
//	  │                                        ▼  │
//	  └──────────────────────────────────── half_open
//
// # Choosing a rate and offering it at checkout
//
// Cheapest, Fastest, BestValue (price plus a cost per transit day: a day
// sooner is worth up to that much more) and CheapestBy (the cheapest that
// delivers by a date) choose among rates; a Policy combines a strategy with
// a RateFilter (carrier and service allow and deny lists, levels,
// guaranteed only). Adjustments change prices exactly in Money: percentage
// or fixed markups and discounts, flat prices, free shipping over an order
// value. CheckoutOptions turns rates into the customer's choices
// ("Standard", "Express", "Same day") with their prices and promised
// delivery windows.
//
// # Delivery dates
//
// A Calendar is a location's business calendar: its IANA time zone (the
// zone database is embedded with time/tzdata, so it works on hosts without
// zoneinfo), its weekend and its holidays. A Dispatch adds a warehouse's
// cut-off time, handling days and pickup time. EstimateDelivery is a pure
// function of the time passed in: the order counts for today before the
// cut-off on a business day (the next business day otherwise), ships after
// the handling days, and arrives transit business days later on the
// destination's calendar, counted from the pickup instant seen in the
// destination's time zone. EstimateRates fills the rates' delivery windows.
// Days are oms.Date values (a calendar day, JSON "2006-01-02"), the same type
// an order's promised delivery and a tracking registration use; a Window is
// a range of them, both ends included.
//
// # Packed boxes
//
// Package packing (shipping/packing) chooses boxes for a shipment's units
// and places each unit in 3D. PackedParcel and PackedParcels turn its packed
// boxes into Parcels (outer size, gross weight, the box type's name as
// Preset) for a RateRequest; the caller adds contents and declared value.
// PackingCost goes the other way: it prices a packed box with a carrier's
// rate for one service (table rates computed locally), so that packing's
// cost objective can choose the boxes that cost least to ship.
//
// # Concurrency and time
//
// RateShopper, Calendar, TableRateCarrier and FlatRateCarrier are safe for
// concurrent use; the other types are values. Cache expiry and breaker
// cool-downs read the shopper's oms.Clock; carrier timeouts and deadlines
// are context deadlines. Estimates and selections take the time as an
// argument and do no I/O.
package shipping
