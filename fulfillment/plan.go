package fulfillment

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/shipping"
)

// PlanLine is an order line to allocate.
type PlanLine struct {
	LineID   oms.ID  `json:"line_id"`
	SKU      oms.SKU `json:"sku"`
	Quantity int64   `json:"quantity"`
	// UnitWeight and UnitDimensions feed cost estimates; optional.
	UnitWeight     oms.Weight     `json:"unit_weight,omitempty"`
	UnitDimensions oms.Dimensions `json:"unit_dimensions,omitzero"`
}

// Supply is what one location can give of one SKU.
type Supply struct {
	SKU      oms.SKU `json:"sku"`
	Location oms.ID  `json:"location"`
	// Available is on hand minus reserved, the caller's own earlier
	// reservation added back; negative when backorders exceed stock.
	Available int64 `json:"available"`
}

// InboundSupply is stock expected at a location: where backorders wait.
type InboundSupply struct {
	SKU        oms.SKU   `json:"sku"`
	Location   oms.ID    `json:"location"`
	Quantity   int64     `json:"quantity"`
	ExpectedAt time.Time `json:"expected_at,omitzero"`
}

// SKUPolicy is what the planner needs of a SKU's inventory settings.
type SKUPolicy struct {
	SKU oms.SKU `json:"sku"`
	// Tracked SKUs have stock; untracked ones are always available.
	Tracked   bool                      `json:"tracked"`
	Backorder inventory.BackorderPolicy `json:"backorder"`
}

// Rules constrain a plan.
type Rules struct {
	// MaxShipments caps the locations that ship the in-stock units: 1
	// forbids splitting, 0 means no cap.
	MaxShipments int `json:"max_shipments,omitempty"`
	// HeldLocations are skipped (a location on hold).
	HeldLocations []oms.ID `json:"held_locations,omitempty"`
	// NoBackorders refuses units without stock even when the SKU's policy
	// allows backorders or preorders.
	NoBackorders bool `json:"no_backorders,omitempty"`
}

// CostEstimator estimates what shipping parcel from loc to the customer
// costs. The planner calls it for candidate locations; an error leaves the
// location's cost unknown (it sorts last under ByLowestCost).
type CostEstimator func(loc inventory.Location, parcel shipping.Parcel) (oms.Money, error)

// PlanRequest is everything the planner reads. It does no I/O.
type PlanRequest struct {
	Lines []PlanLine `json:"lines"`
	// ShipTo is the destination; Coordinates, when set, let ByNearest
	// measure distances.
	ShipTo      oms.Address            `json:"ship_to"`
	Coordinates *inventory.Coordinates `json:"coordinates,omitempty"`
	// Channel, when set, keeps only locations serving it.
	Channel inventory.Channel `json:"channel,omitempty"`
	// PickupAt, when set, makes a pickup order: only that location, which
	// must offer pickup, and no split.
	PickupAt  oms.ID               `json:"pickup_at,omitempty"`
	Locations []inventory.Location `json:"locations"`
	Stock     []Supply             `json:"stock"`
	Inbound   []InboundSupply      `json:"inbound,omitempty"`
	// Policies hold each SKU's settings; a SKU without one is tracked and
	// denies backorders.
	Policies []SKUPolicy `json:"policies,omitempty"`
	Rules    Rules       `json:"rules"`
	// Strategy orders locations; nil means ByPriority.
	Strategy Strategy `json:"-"`
	// Cost estimates shipping costs for ByLowestCost; nil leaves costs
	// unknown.
	Cost CostEstimator `json:"-"`
}

// PlanQuantity is a quantity of an order line.
type PlanQuantity struct {
	LineID   oms.ID  `json:"line_id"`
	SKU      oms.SKU `json:"sku"`
	Quantity int64   `json:"quantity"`
}

// PlanShipment is what one location ships from stock.
type PlanShipment struct {
	Location oms.ID         `json:"location"`
	Lines    []PlanQuantity `json:"lines"`
}

// BackorderReason says why units are backordered.
type BackorderReason string

// Backorder reasons.
const (
	// BackorderNoStock: no eligible location has the units.
	BackorderNoStock BackorderReason = "no_stock"
	// BackorderSplitLimit: units exist, but at locations the shipment
	// cap rules out.
	BackorderSplitLimit BackorderReason = "split_limit"
)

// Valid reports whether r is a known reason.
func (r BackorderReason) Valid() bool { return r == BackorderNoStock || r == BackorderSplitLimit }

// PlanBackorder is a quantity reserved beyond stock at a location, to ship
// when stock arrives.
type PlanBackorder struct {
	Location oms.ID          `json:"location"`
	LineID   oms.ID          `json:"line_id"`
	SKU      oms.SKU         `json:"sku"`
	Quantity int64           `json:"quantity"`
	Reason   BackorderReason `json:"reason"`
	// Preorder says the SKU's policy is a preorder (limited allowance).
	Preorder bool `json:"preorder,omitempty"`
	// ExpectedAt is when stock is expected there (inbound supply or the
	// preorder date); zero when unknown.
	ExpectedAt time.Time `json:"expected_at,omitzero"`
}

// Plan is the planner's answer: per location, the units it ships from
// stock, then the backordered units and why.
type Plan struct {
	Shipments  []PlanShipment  `json:"shipments"`
	Backorders []PlanBackorder `json:"backorders,omitempty"`
}

// Clone returns a deep copy.
func (p Plan) Clone() Plan {
	c := Plan{Shipments: slices.Clone(p.Shipments), Backorders: slices.Clone(p.Backorders)}
	for i := range c.Shipments {
		c.Shipments[i].Lines = slices.Clone(c.Shipments[i].Lines)
	}
	return c
}

// Locations returns the locations that ship from stock, in plan order.
func (p Plan) Locations() []oms.ID {
	out := make([]oms.ID, len(p.Shipments))
	for i, s := range p.Shipments {
		out[i] = s.Location
	}
	return out
}

// ShortLine is an order line the plan cannot serve.
type ShortLine struct {
	LineID    oms.ID  `json:"line_id"`
	SKU       oms.SKU `json:"sku"`
	Requested int64   `json:"requested"`
	// Available is what eligible locations could give (stock and allowed
	// backorders).
	Available int64 `json:"available"`
}

// ShortageError refuses an allocation: lines without enough stock whose
// SKUs deny backorders. It matches oms.ErrInsufficientStock. Nothing was
// reserved.
type ShortageError struct {
	OrderID oms.ID      `json:"order_id,omitempty"`
	Lines   []ShortLine `json:"lines"`
}

// Error lists every short line.
func (e *ShortageError) Error() string {
	var b strings.Builder
	b.WriteString("fulfillment: ")
	if e.OrderID != "" {
		b.WriteString("order " + string(e.OrderID) + ": ")
	}
	b.WriteString("insufficient stock: ")
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "line %s sku %s: requested %d, available %d", l.LineID, l.SKU, l.Requested, l.Available)
	}
	return b.String()
}

// Is reports whether target is oms.ErrInsufficientStock.
func (e *ShortageError) Is(target error) bool { return target == oms.ErrInsufficientStock }

// Candidate is a location as strategies see it while the planner fills
// the order.
type Candidate struct {
	// Location is the candidate; strategies must not change it.
	Location *inventory.Location
	// Covers is how many of the still unassigned units it can ship.
	Covers int64
	// Stock is its available units of the order's SKUs.
	Stock int64
	// Distance is in kilometres to the customer; negative when unknown.
	Distance float64
	// Cost is the estimated cost of shipping the units it covers; the
	// zero Money when unknown.
	Cost oms.Money
}

// Strategy orders candidate locations: the planner draws from the first
// one. Compare returns a negative number when a comes before b, a positive
// one when after, 0 when the strategy does not tell them apart. Combine
// strategies with Then.
type Strategy interface {
	Compare(a, b *Candidate) int
}

// StrategyFunc adapts a function to Strategy.
type StrategyFunc func(a, b *Candidate) int

// Compare calls f.
func (f StrategyFunc) Compare(a, b *Candidate) int { return f(a, b) }

type chain []Strategy

// Compare applies the strategies in turn until one tells a and b apart.
func (c chain) Compare(a, b *Candidate) int {
	for _, s := range c {
		if r := s.Compare(a, b); r != 0 {
			return r
		}
	}
	return 0
}

// Then returns a strategy that orders by the first strategy, breaking ties
// with the next ones, and finally by location ID so plans are
// deterministic.
func Then(strategies ...Strategy) Strategy {
	out := make(chain, 0, len(strategies)+1)
	for _, s := range strategies {
		if s != nil {
			out = append(out, s)
		}
	}
	return append(out, StrategyFunc(byID))
}

func byID(a, b *Candidate) int { return strings.Compare(string(a.Location.ID), string(b.Location.ID)) }

// ByPriority draws from locations in priority order (lower first).
func ByPriority() Strategy {
	return StrategyFunc(func(a, b *Candidate) int { return cmpInt(int64(a.Location.Priority), int64(b.Location.Priority)) })
}

// ByHighestStock draws from the location with the most available units of
// the order's SKUs first.
func ByHighestStock() Strategy {
	return StrategyFunc(func(a, b *Candidate) int { return cmpInt(b.Stock, a.Stock) })
}

// ByNearest draws from the location nearest the customer first; locations
// or customers without coordinates sort last.
func ByNearest() Strategy {
	return StrategyFunc(func(a, b *Candidate) int {
		switch {
		case a.Distance < 0 && b.Distance < 0:
			return 0
		case a.Distance < 0:
			return 1
		case b.Distance < 0:
			return -1
		case a.Distance < b.Distance:
			return -1
		case a.Distance > b.Distance:
			return 1
		}
		return 0
	})
}

// ByLowestCost draws first from the location whose estimated cost per
// covered unit is lowest; unknown costs sort last.
func ByLowestCost() Strategy {
	return StrategyFunc(func(a, b *Candidate) int {
		ka, kb := a.Cost.Valid() && a.Covers > 0, b.Cost.Valid() && b.Covers > 0
		switch {
		case !ka && !kb:
			return 0
		case !ka:
			return 1
		case !kb:
			return -1
		}
		// a.Cost/a.Covers vs b.Cost/b.Covers without division.
		c, err := a.Cost.Mul(b.Covers).Cmp(b.Cost.Mul(a.Covers))
		if err != nil {
			return 0
		}
		return c
	})
}

type fewest struct{}

// Compare orders by units covered, most first: the greedy step of the
// heuristic used beyond the exact search.
func (fewest) Compare(a, b *Candidate) int { return cmpInt(b.Covers, a.Covers) }

// FewestShipments minimises the number of locations that ship: an exact
// search over sets of locations when there are at most ExactSearchLimit
// candidates, and beyond that the better of a greedy cover (the location
// covering most of what is left first) and the tie-breaking order. Ties
// between equally small sets go to the strategies given to Then after it.
func FewestShipments() Strategy { return fewest{} }

// ExactSearchLimit is the most candidate locations for which
// FewestShipments searches every set of locations.
const ExactSearchLimit = 12

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Haversine returns the great-circle distance in kilometres.
func Haversine(a, b inventory.Coordinates) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat := (b.Latitude - a.Latitude) * rad
	dLon := (b.Longitude - a.Longitude) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Latitude*rad)*math.Cos(b.Latitude*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// planner is the state of one planning run. SKUs and lines are indexed
// (k for SKUs in line order, li for lines, i for eligible locations).
type planner struct {
	req      *PlanRequest
	strategy Strategy
	fewest   bool
	locs     []*inventory.Location // eligible, in input order
	locIdx   map[oms.ID]int        // into locs
	policy   map[oms.SKU]SKUPolicy // per SKU
	skus     []oms.SKU             // distinct, in line order
	skuIdx   map[oms.SKU]int       // into skus
	tracked  []bool                // per SKU
	lineSku  []int                 // per line: its SKU's index
	avail    [][]int64             // per location, per SKU: signed available
	back     []int64               // per SKU: backorders over every location
	need     []int64               // per line: units still unassigned
	dist     []float64             // per location
	inbound  map[oms.SKU][]InboundSupply
	assigned [][]int64 // per location (nil until chosen), per line: units
	order    []int     // locations in the order chosen
}

const unlimited = math.MaxInt64 / 4

// MaxPlanLines is the most lines a PlanRequest may have.
const MaxPlanLines = 1000

// satAdd adds non-negative quantities without overflowing.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Validate returns a *oms.ValidationError listing every problem of r.
func (r *PlanRequest) Validate() error {
	v := &oms.ValidationError{Entity: "plan request"}
	if len(r.Lines) == 0 {
		v.Add("lines", "must not be empty")
	}
	if len(r.Lines) > MaxPlanLines {
		v.Add("lines", "at most %d lines, got %d", MaxPlanLines, len(r.Lines))
	}
	seen := map[oms.ID]bool{}
	for i, l := range r.Lines {
		f := "lines[" + strconv.Itoa(i) + "]"
		if l.LineID == "" {
			v.Add(f+".line_id", "must not be empty")
		} else if seen[l.LineID] {
			v.Add(f+".line_id", "duplicate line %s", l.LineID)
		}
		seen[l.LineID] = true
		if err := oms.ValidateSKU(l.SKU); err != nil {
			v.Add(f+".sku", "%s", err)
		}
		if l.Quantity <= 0 || l.Quantity > oms.MaxQuantity {
			v.Add(f+".quantity", "must be within 1..2^50, got %d", l.Quantity)
		}
	}
	if r.Rules.MaxShipments < 0 {
		v.Add("rules.max_shipments", "must not be negative, got %d", r.Rules.MaxShipments)
	}
	// A policy's limits are added to stock: out of inventory's range they
	// would wrap (and an unknown mode would allow backorders).
	for i, p := range r.Policies {
		f := "policies[" + strconv.Itoa(i) + "].backorder"
		b := p.Backorder
		if b.Mode != "" && !b.Mode.Valid() {
			v.Add(f+".mode", "unknown mode %.64q", b.Mode)
		}
		if b.Limit < 0 || b.Limit > oms.MaxQuantity {
			v.Add(f+".limit", "must be within 0..2^50, got %d", b.Limit)
		}
		for l, q := range b.LocationLimits {
			if q < 0 || q > oms.MaxQuantity {
				v.Add(f+".location_limits", "location %.64q: must be within 0..2^50, got %d", l, q)
			}
		}
	}
	for i, s := range r.Stock {
		if s.Available > oms.MaxQuantity || s.Available < -oms.MaxQuantity {
			v.Add("stock["+strconv.Itoa(i)+"].available", "must be within ±2^50, got %d", s.Available)
		}
	}
	return v.Err()
}

// eligible reports whether loc may serve the request, and why not.
func (r *PlanRequest) eligible(loc inventory.Location) bool {
	if !loc.Active || slices.Contains(r.Rules.HeldLocations, loc.ID) {
		return false
	}
	if r.PickupAt != "" {
		if loc.ID != r.PickupAt || !loc.Pickup {
			return false
		}
	} else if !loc.Ships {
		return false
	}
	return r.Channel == "" || loc.Serves(r.Channel)
}

// Allocate plans an order across locations. It is a pure function. Units
// no eligible location has in stock are backordered where the SKU's policy
// allows it (at the location with the earliest inbound supply, else one
// already in the plan, else the first by strategy); otherwise the plan is
// refused with a *ShortageError listing every short line. Bad input is a
// *oms.ValidationError.
func Allocate(req PlanRequest) (Plan, error) {
	if err := req.Validate(); err != nil {
		return Plan{}, err
	}
	p := newPlanner(&req)
	maxShip := req.Rules.MaxShipments
	if req.PickupAt != "" {
		maxShip = 1
	}
	if p.fewest && len(p.candidatesWithCover()) <= ExactSearchLimit {
		p.exact(maxShip)
	} else if p.fewest {
		p.heuristic(maxShip)
	} else {
		p.greedy(maxShip, p.strategy)
	}
	return p.finish(maxShip)
}

func newPlanner(req *PlanRequest) *planner {
	p := &planner{req: req, locIdx: map[oms.ID]int{}, policy: map[oms.SKU]SKUPolicy{}, skuIdx: map[oms.SKU]int{},
		inbound: map[oms.SKU][]InboundSupply{}}
	s := req.Strategy
	if s == nil {
		s = ByPriority()
	}
	if c, ok := s.(chain); ok && len(c) > 0 {
		_, p.fewest = c[0].(fewest)
	} else {
		_, p.fewest = s.(fewest)
	}
	if c, ok := s.(chain); ok {
		p.strategy = Then(c...)
	} else {
		p.strategy = Then(s)
	}
	for _, pol := range req.Policies {
		p.policy[pol.SKU] = pol
	}
	for _, l := range req.Lines {
		if _, ok := p.policy[l.SKU]; !ok {
			p.policy[l.SKU] = SKUPolicy{SKU: l.SKU, Tracked: true}
		}
		k, ok := p.skuIdx[l.SKU]
		if !ok {
			k = len(p.skus)
			p.skuIdx[l.SKU] = k
			p.skus = append(p.skus, l.SKU)
			p.tracked = append(p.tracked, p.policy[l.SKU].Tracked)
		}
		p.lineSku = append(p.lineSku, k)
		p.need = append(p.need, l.Quantity)
	}
	for j := range req.Locations {
		loc := &req.Locations[j]
		if _, dup := p.locIdx[loc.ID]; dup || !req.eligible(*loc) {
			continue
		}
		p.locIdx[loc.ID] = len(p.locs)
		p.locs = append(p.locs, loc)
		p.avail = append(p.avail, make([]int64, len(p.skus)))
		d := -1.0
		if req.Coordinates != nil && loc.Coordinates != nil {
			d = Haversine(*req.Coordinates, *loc.Coordinates)
		}
		p.dist = append(p.dist, d)
	}
	p.assigned = make([][]int64, len(p.locs))
	p.back = make([]int64, len(p.skus))
	for _, st := range req.Stock {
		i, ok := p.locIdx[st.Location]
		k, known := p.skuIdx[st.SKU]
		if ok && known {
			p.avail[i][k] = max(min(p.avail[i][k]+st.Available, oms.MaxQuantity), -oms.MaxQuantity)
		}
		if known {
			p.back[k] = satAdd(p.back[k], max(-st.Available, 0))
		}
	}
	for _, in := range req.Inbound {
		if _, ok := p.locIdx[in.Location]; ok && in.Quantity > 0 {
			p.inbound[in.SKU] = append(p.inbound[in.SKU], in)
		}
	}
	for sku := range p.inbound {
		slices.SortStableFunc(p.inbound[sku], func(a, b InboundSupply) int {
			if c := a.ExpectedAt.Compare(b.ExpectedAt); c != 0 {
				return c
			}
			return strings.Compare(string(a.Location), string(b.Location))
		})
	}
	return p
}

// stockAt returns the in-stock units of sku at location i (never
// negative; unlimited for untracked SKUs).
func (p *planner) stockAt(i, k int) int64 {
	if !p.tracked[k] {
		return unlimited
	}
	return max(p.avail[i][k], 0)
}

func (p *planner) candidate(i int) *Candidate {
	c := &Candidate{Location: p.locs[i], Distance: p.dist[i]}
	var w oms.Weight
	var units int64
	var big oms.Dimensions
	for li, l := range p.req.Lines {
		n := min(p.need[li], p.stockAt(i, p.lineSku[li]))
		c.Covers += n
		if p.req.Cost != nil && n > 0 {
			units = satAdd(units, n)
			if l.UnitWeight > 0 && n > math.MaxInt64/int64(l.UnitWeight) {
				w = math.MaxInt64
			} else {
				w = oms.Weight(satAdd(int64(w), n*int64(l.UnitWeight)))
			}
			if l.UnitDimensions.Volume() > big.Volume() {
				big = l.UnitDimensions
			}
		}
	}
	for k := range p.skus {
		if p.tracked[k] {
			c.Stock += max(p.avail[i][k], 0)
		}
	}
	if p.req.Cost != nil && c.Covers > 0 && w > 0 && !big.IsZero() {
		if cost, err := p.req.Cost(*p.locs[i], estimateParcel(big, w, units)); err == nil {
			c.Cost = cost
		}
	}
	return c
}

// estimateParcel is a rough parcel for cost estimates: the largest unit's
// footprint stacked to the units' count (capped at 1 m).
func estimateParcel(unit oms.Dimensions, w oms.Weight, units int64) shipping.Parcel {
	d := unit.Sorted()
	h := d.Height * oms.Length(min(units, 1000))
	h = min(h, oms.Metre)
	return shipping.Parcel{Dimensions: oms.Dimensions{Length: d.Length, Width: d.Width, Height: max(h, d.Height)}, Weight: w}
}

func (p *planner) candidatesWithCover() []int {
	var out []int
	for i := range p.locs {
		for li := range p.req.Lines {
			if p.need[li] > 0 && p.stockAt(i, p.lineSku[li]) > 0 {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// take assigns to location i every unassigned unit it has in stock.
func (p *planner) take(i int) int64 {
	var n int64
	for li := range p.req.Lines {
		k := p.lineSku[li]
		q := min(p.need[li], p.stockAt(i, k))
		if q <= 0 {
			continue
		}
		if p.assigned[i] == nil {
			p.assigned[i] = make([]int64, len(p.req.Lines))
			p.order = append(p.order, i)
		}
		p.assigned[i][li] += q
		p.need[li] -= q
		if p.tracked[k] {
			p.avail[i][k] -= q
		}
		n += q
	}
	return n
}

// greedy draws from the best candidate by s until everything is assigned,
// the cap is reached or no candidate has stock.
func (p *planner) greedy(maxShip int, s Strategy) {
	for maxShip == 0 || len(p.order) < maxShip {
		idx := p.candidatesWithCover()
		if len(idx) == 0 {
			return
		}
		cs := make([]*Candidate, len(idx))
		for k, i := range idx {
			cs[k] = p.candidate(i)
		}
		best := 0
		for k := 1; k < len(cs); k++ {
			if s.Compare(cs[k], cs[best]) < 0 {
				best = k
			}
		}
		p.take(idx[best])
	}
}

// save and restore let the search try sets of locations.
type plannerState struct {
	need     []int64
	avail    [][]int64
	assigned [][]int64
	order    []int
}

func clone2(xs [][]int64) [][]int64 {
	out := make([][]int64, len(xs))
	for i, x := range xs {
		if x != nil {
			out[i] = slices.Clone(x)
		}
	}
	return out
}

func (p *planner) save() plannerState {
	return plannerState{need: slices.Clone(p.need), avail: clone2(p.avail), assigned: clone2(p.assigned), order: slices.Clone(p.order)}
}

func (p *planner) restore(st plannerState) {
	p.need, p.avail, p.assigned, p.order = slices.Clone(st.need), clone2(st.avail), clone2(st.assigned), slices.Clone(st.order)
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

// fillSet assigns from the locations of set in strategy order and returns
// the units covered.
func (p *planner) fillSet(set []int) int64 {
	cs := make([]*Candidate, len(set))
	for k, i := range set {
		cs[k] = p.candidate(i)
	}
	order := slices.Clone(set)
	slices.SortStableFunc(order, func(a, b int) int {
		return p.strategy.Compare(cs[slices.Index(set, a)], cs[slices.Index(set, b)])
	})
	var n int64
	for _, i := range order {
		n += p.take(i)
	}
	return n
}

// exact tries every set of candidate locations, smallest first, and keeps
// the smallest set covering the most units; among equally good sets, the
// one the tie-breakers order first.
func (p *planner) exact(maxShip int) {
	idx := p.candidatesWithCover()
	start := p.save()
	// What all candidates together cover is the target.
	p.fillSet(idx)
	target := sum(start.need) - sum(p.need)
	p.restore(start)
	limit := len(idx)
	if maxShip > 0 {
		limit = min(limit, maxShip)
	}
	var best []int
	var bestCover int64 = -1
	var bestState plannerState
	for k := 1; k <= limit && bestCover < target; k++ {
		forCombinations(len(idx), k, func(comb []int) {
			set := make([]int, k)
			for j, c := range comb {
				set[j] = idx[c]
			}
			covered := p.fillSet(set)
			if covered > bestCover || covered == bestCover && p.betterSet(set, best) {
				best, bestCover, bestState = set, covered, p.save()
			}
			p.restore(start)
		})
	}
	if best != nil {
		p.restore(bestState)
	}
}

// betterSet reports whether set a is ordered before set b by the
// tie-breaking strategies (both sorted best first, compared element-wise).
func (p *planner) betterSet(a, b []int) bool {
	if b == nil {
		return true
	}
	sorted := func(s []int) []*Candidate {
		cs := make([]*Candidate, len(s))
		for k, i := range s {
			cs[k] = &Candidate{Location: p.locs[i], Distance: p.dist[i], Stock: p.candidate(i).Stock}
		}
		slices.SortStableFunc(cs, func(x, y *Candidate) int { return p.strategy.Compare(x, y) })
		return cs
	}
	ca, cb := sorted(a), sorted(b)
	for k := 0; k < len(ca) && k < len(cb); k++ {
		if c := p.strategy.Compare(ca[k], cb[k]); c != 0 {
			return c < 0
		}
	}
	return len(ca) < len(cb)
}

// heuristic runs the greedy cover, the plain tie-break order and priority
// order, and keeps the one covering most units with fewest locations
// (the first of equals), so it never ships from more locations than
// priority order does.
func (p *planner) heuristic(maxShip int) {
	start := p.save()
	var best plannerState
	bestCover := int64(-1)
	for _, s := range []Strategy{p.strategy, p.strategy.(chain)[1:], Then(ByPriority())} {
		p.restore(start)
		p.greedy(maxShip, s)
		cover := sum(start.need) - sum(p.need)
		if cover > bestCover || cover == bestCover && len(p.order) < len(best.order) {
			best, bestCover = p.save(), cover
		}
	}
	p.restore(best)
}

// forCombinations calls f with every k-subset of 0..n-1 in lexicographic
// order.
func forCombinations(n, k int, f func([]int)) {
	comb := make([]int, k)
	for i := range comb {
		comb[i] = i
	}
	for {
		f(comb)
		i := k - 1
		for i >= 0 && comb[i] == n-k+i {
			i--
		}
		if i < 0 {
			return
		}
		comb[i]++
		for j := i + 1; j < k; j++ {
			comb[j] = comb[j-1] + 1
		}
	}
}

// finish backorders or refuses what is left and builds the plan.
func (p *planner) finish(maxShip int) (Plan, error) {
	var plan Plan
	for _, i := range p.order {
		ps := PlanShipment{Location: p.locs[i].ID}
		for li, l := range p.req.Lines {
			if q := p.assigned[i][li]; q > 0 {
				ps.Lines = append(ps.Lines, PlanQuantity{LineID: l.LineID, SKU: l.SKU, Quantity: q})
			}
		}
		plan.Shipments = append(plan.Shipments, ps)
	}
	var short []ShortLine
	for li, l := range p.req.Lines {
		left := p.need[li]
		if left == 0 {
			continue
		}
		pol := p.policy[l.SKU]
		reason := BackorderNoStock
		for i := range p.locs {
			if p.stockAt(i, p.lineSku[li]) > 0 {
				reason = BackorderSplitLimit
			}
		}
		if !p.req.Rules.NoBackorders && pol.Backorder.Mode != inventory.BackorderDeny && pol.Backorder.Mode != "" {
			for _, i := range p.backorderOrder(l.SKU) {
				capacity := p.allowance(i, l.SKU)
				q := min(left, capacity)
				if q <= 0 {
					continue
				}
				k := p.lineSku[li]
				p.back[k] += max(q-max(p.avail[i][k], 0), 0)
				p.avail[i][k] -= q
				left -= q
				plan.Backorders = append(plan.Backorders, PlanBackorder{
					Location: p.locs[i].ID, LineID: l.LineID, SKU: l.SKU, Quantity: q, Reason: reason,
					Preorder: pol.Backorder.Mode == inventory.BackorderPreorder, ExpectedAt: p.expected(i, l.SKU),
				})
				if left == 0 {
					break
				}
			}
		}
		if left > 0 {
			short = append(short, ShortLine{LineID: l.LineID, SKU: l.SKU, Requested: l.Quantity, Available: l.Quantity - left})
		}
	}
	if len(short) > 0 {
		return plan, &ShortageError{Lines: short}
	}
	return plan, nil
}

// allowance returns how many more units location i may promise of sku
// beyond its stock.
// beyond its stock: the location's allowance, within what is left of a
// preorder SKU's limit across all locations.
func (p *planner) allowance(i int, sku oms.SKU) int64 {
	pol := p.policy[sku]
	limit, limited := pol.Backorder.Allowance(p.locs[i].ID)
	if !limited {
		return unlimited
	}
	k := p.skuIdx[sku]
	room := max(p.avail[i][k]+limit, 0)
	if pol.Backorder.Mode == inventory.BackorderPreorder {
		room = min(room, max(pol.Backorder.Limit-p.back[k], 0))
	}
	return room
}

func (p *planner) expected(i int, sku oms.SKU) time.Time {
	for _, in := range p.inbound[sku] {
		if in.Location == p.locs[i].ID {
			return in.ExpectedAt
		}
	}
	return p.policy[sku].Backorder.ExpectedAt
}

// backorderOrder lists locations for backorders of sku: earliest inbound
// supply first, then locations already in the plan, then the rest by
// strategy.
func (p *planner) backorderOrder(sku oms.SKU) []int {
	var out []int
	add := func(i int) {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	for _, in := range p.inbound[sku] {
		add(p.locIdx[in.Location])
	}
	for _, i := range p.order {
		add(i)
	}
	rest := make([]int, 0, len(p.locs))
	cs := make([]*Candidate, len(p.locs))
	for i := range p.locs {
		rest = append(rest, i)
		cs[i] = &Candidate{Location: p.locs[i], Distance: p.dist[i]}
	}
	slices.SortStableFunc(rest, func(a, b int) int { return p.strategy.Compare(cs[a], cs[b]) })
	for _, i := range rest {
		add(i)
	}
	return out
}

// TableRateCost returns a CostEstimator that asks a carrier (such as a
// shipping.TableRateCarrier, which does no I/O) for the cheapest rate of
// the parcel from the location's address to to.
func TableRateCost(c shipping.Carrier, to oms.Address) CostEstimator {
	return func(loc inventory.Location, parcel shipping.Parcel) (oms.Money, error) {
		rates, err := c.Rates(context.Background(), shipping.RateRequest{Origin: loc.Address, Destination: to, Parcels: []shipping.Parcel{parcel}})
		if err != nil {
			return oms.Money{}, err
		}
		r, err := shipping.Cheapest(rates)
		if err != nil {
			return oms.Money{}, err
		}
		return r.Price, nil
	}
}
