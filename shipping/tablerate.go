package shipping

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/omskit/oms"
)

// ZoneRule puts destinations into a zone: a country ("*" for any country),
// optionally narrowed to a region and a postal-code prefix. When several
// rules match, the most specific wins: a longer postal prefix first, then a
// region, then the country alone, then "*"; among equals, the first listed.
type ZoneRule struct {
	// Zone is the zone the rule assigns, named in TableRow.Zone.
	Zone string `json:"zone"`
	// Country is an ISO 3166-1 alpha-2 code, or "*" for any country.
	Country string `json:"country"`
	// Region, when set, narrows the rule to one region of the country
	// (compared case-insensitively with Address.Region).
	Region string `json:"region,omitempty"`
	// PostalPrefix, when set, narrows the rule to postal codes starting
	// with it (spaces ignored, case-insensitive).
	PostalPrefix string `json:"postal_prefix,omitempty"`
}

func (z ZoneRule) specificity() int {
	s := 10 * len(normalPostal(z.PostalPrefix))
	if z.Region != "" {
		s += 5
	}
	if z.Country != "*" {
		s++
	}
	return s
}

func (z ZoneRule) matches(a oms.Address) bool {
	if z.Country != "*" && !strings.EqualFold(z.Country, a.Country) {
		return false
	}
	if z.Region != "" && !strings.EqualFold(z.Region, strings.TrimSpace(a.Region)) {
		return false
	}
	return strings.HasPrefix(normalPostal(a.PostalCode), normalPostal(z.PostalPrefix))
}

func normalPostal(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// WeightBracket prices parcels up to and including a weight.
type WeightBracket struct {
	// UpTo is the heaviest weight (billable weight, when the carrier has a
	// DimFactor) the bracket prices, included.
	UpTo oms.Weight `json:"up_to"`
	// Price is the price of one parcel in the bracket.
	Price oms.Money `json:"price"`
}

// TableRow prices one service in one zone, per parcel. With Brackets, a
// parcel pays the price of the first bracket its weight fits; above the
// last bracket it pays the last price plus PerKg for every started
// kilogram above it, or gets no service when PerKg is not set. Without
// Brackets, a parcel pays Base plus PerKg for every started kilogram.
type TableRow struct {
	// Service is a TableService.Code; Zone a ZoneRule.Zone.
	Service string `json:"service"`
	Zone    string `json:"zone"`
	// Brackets, in increasing UpTo order, price parcels by weight.
	Brackets []WeightBracket `json:"brackets,omitempty"`
	// Base is the price per parcel before PerKg, used without Brackets.
	Base oms.Money `json:"base"`
	// PerKg is the price of each started kilogram (1,001 g is 2 kg):
	// all of the weight without Brackets, the weight above the last
	// bracket with them.
	PerKg oms.Money `json:"per_kg"`
	// TransitDays and TransitDaysMax are business days in transit in this
	// zone; TransitDaysMax below TransitDays means TransitDays.
	TransitDays    int `json:"transit_days"`
	TransitDaysMax int `json:"transit_days_max,omitempty"`
}

// TableService is a service a table carrier offers.
type TableService struct {
	// Code identifies the service in rates (Rate.ServiceCode) and rows.
	Code string `json:"code"`
	// Name is the service's display name.
	Name string `json:"name"`
	// Level is the speed class the service's rates carry.
	Level oms.ServiceLevel `json:"level"`
	// Guaranteed marks the delivery windows of its rates as guaranteed
	// (a rate whose window is unknown, after year 9999, is not).
	Guaranteed bool `json:"guaranteed,omitempty"`
}

// Surcharge is a flat amount added to a shipment (or to each parcel), for
// every service or only those listed, for every destination or only
// residential ones.
type Surcharge struct {
	// Name says what the surcharge is for, such as "fuel".
	Name string `json:"name"`
	// Amount is added once per shipment, or once per parcel with
	// PerParcel.
	Amount    oms.Money `json:"amount"`
	PerParcel bool      `json:"per_parcel,omitempty"`
	// ResidentialOnly applies it only to residential destinations
	// (Address.Residential).
	ResidentialOnly bool `json:"residential_only,omitempty"`
	// Services limits it to these service codes; empty means every
	// service.
	Services []string `json:"services,omitempty"`
}

// Limits are a carrier's parcel limits; zero fields are no limit.
//
// Each check is monotone: a parcel at least as large and heavy as a refused
// one is refused too (length plus girth saturates instead of wrapping).
type Limits struct {
	// MaxWeight is the heaviest actual gross weight of one parcel.
	MaxWeight oms.Weight `json:"max_weight,omitempty"`
	// MaxLength is the longest side of one parcel.
	MaxLength oms.Length `json:"max_length,omitempty"`
	// MaxLengthPlusGirth bounds the longest side plus twice the sum of
	// the other two (oms.Dimensions.LengthPlusGirth).
	MaxLengthPlusGirth oms.Length `json:"max_length_plus_girth,omitempty"`
}

// check returns why parcel p is over the limits, or "".
func (l Limits) check(p Parcel) string {
	var why []string
	if l.MaxWeight > 0 && p.Weight > l.MaxWeight {
		why = append(why, fmt.Sprintf("weight %s over the limit of %s", p.Weight, l.MaxWeight))
	}
	if l.MaxLength > 0 && p.Dimensions.Sorted().Length > l.MaxLength {
		why = append(why, fmt.Sprintf("length %s over the limit of %s", p.Dimensions.Sorted().Length, l.MaxLength))
	}
	if l.MaxLengthPlusGirth > 0 && p.Dimensions.LengthPlusGirth() > l.MaxLengthPlusGirth {
		why = append(why, fmt.Sprintf("length plus girth %s over the limit of %s", p.Dimensions.LengthPlusGirth(), l.MaxLengthPlusGirth))
	}
	return strings.Join(why, ", ")
}

func (l Limits) validate(v *oms.ValidationError) {
	if l.MaxWeight < 0 {
		v.Add("limits.max_weight", "must not be negative, got %s", l.MaxWeight)
	}
	if l.MaxLength < 0 {
		v.Add("limits.max_length", "must not be negative, got %s", l.MaxLength)
	}
	if l.MaxLengthPlusGirth < 0 {
		v.Add("limits.max_length_plus_girth", "must not be negative, got %s", l.MaxLengthPlusGirth)
	}
}

// TableRateConfig configures a TableRateCarrier.
type TableRateConfig struct {
	// Code is the carrier's code (Carrier.Code, Rate.Carrier).
	Code string `json:"code"`
	// Name is the carrier's display name.
	Name string `json:"name"`
	// Currency of every amount.
	Currency oms.Currency `json:"currency"`
	// Zones map destinations (origins, for returns) to zone names.
	Zones []ZoneRule `json:"zones"`
	// Services are the services offered, in the order rates are returned.
	Services []TableService `json:"services"`
	// Rows price each service in each zone it serves.
	Rows []TableRow `json:"rows"`
	// Surcharges are added to every matching rate.
	Surcharges []Surcharge `json:"surcharges,omitempty"`
	// DimFactor, when set, prices the billable weight (see
	// Parcel.BillableWeight) instead of the actual weight.
	DimFactor *oms.DimFactor `json:"dim_factor,omitempty"`
	// Limits are the parcel limits; a parcel over them gets no service.
	Limits Limits `json:"limits"`
	// Calendar counts transit business days from the ship date into a
	// delivery window. Default: Monday to Friday, UTC, no holidays.
	Calendar *Calendar `json:"-"`
	// Clock gives today's date when a request has no ship date. Default
	// the system clock.
	Clock oms.Clock `json:"-"`
}

// TableRateCarrier is a Carrier for shops that price their own delivery
// (their vans, a courier on a negotiated table): zones by country, region
// and postal-code prefix, weight brackets or a price per kilogram, flat
// surcharges and service levels with transit days. It quotes from memory,
// never blocks, and is safe for concurrent use.
type TableRateCarrier struct {
	cfg TableRateConfig
}

var _ Carrier = (*TableRateCarrier)(nil)

// NewTableRateCarrier checks cfg and returns the carrier. The error is a
// *oms.ValidationError listing every problem: a missing code, an unknown
// currency, amounts in another currency, rows for unknown services or
// zones, brackets not in increasing weight, transit days negative or over
// MaxBusinessDays.
func NewTableRateCarrier(cfg TableRateConfig) (*TableRateCarrier, error) {
	v := &oms.ValidationError{Entity: "table rate carrier"}
	if cfg.Code == "" {
		v.Add("code", "is required")
	}
	if !cfg.Currency.Valid() {
		v.Add("currency", "unknown currency %q", cfg.Currency)
	}
	money := func(field string, m oms.Money, required bool) {
		switch {
		case !m.Valid():
			if required {
				v.Add(field, "is required")
			}
		case m.Currency() != cfg.Currency:
			v.Add(field, "currency %s differs from the carrier's %s", m.Currency(), cfg.Currency)
		case m.IsNegative():
			v.Add(field, "must not be negative, got %s", m)
		}
	}
	zones := map[string]bool{}
	for i, z := range cfg.Zones {
		f := indexField("zones", i)
		if z.Zone == "" {
			v.Add(f+".zone", "is required")
		}
		if z.Country != "*" && !oms.ValidCountry(strings.ToUpper(z.Country)) {
			v.Add(f+".country", "unknown country %q", z.Country)
		}
		zones[z.Zone] = true
	}
	services := map[string]bool{}
	for i, s := range cfg.Services {
		f := indexField("services", i)
		if s.Code == "" || services[s.Code] {
			v.Add(f+".code", "must be unique and non-empty, got %q", s.Code)
		}
		services[s.Code] = true
		if !s.Level.Valid() {
			v.Add(f+".level", "unknown service level %q", s.Level)
		}
	}
	if len(cfg.Services) == 0 {
		v.Add("services", "at least one service is required")
	}
	seenRow := map[[2]string]bool{}
	for i, r := range cfg.Rows {
		f := indexField("rows", i)
		if !services[r.Service] {
			v.Add(f+".service", "unknown service %q", r.Service)
		}
		if !zones[r.Zone] {
			v.Add(f+".zone", "unknown zone %q", r.Zone)
		}
		if seenRow[[2]string{r.Service, r.Zone}] {
			v.Add(f, "duplicate row for service %q in zone %q", r.Service, r.Zone)
		}
		seenRow[[2]string{r.Service, r.Zone}] = true
		for j, b := range r.Brackets {
			bf := f + "." + indexField("brackets", j)
			if b.UpTo <= 0 || (j > 0 && b.UpTo <= r.Brackets[j-1].UpTo) {
				v.Add(bf+".up_to", "must be positive and above the previous bracket, got %s", b.UpTo)
			}
			money(bf+".price", b.Price, true)
		}
		money(f+".base", r.Base, false)
		money(f+".per_kg", r.PerKg, len(r.Brackets) == 0 && !r.Base.Valid())
		if r.TransitDays < 0 || r.TransitDaysMax < 0 || r.TransitDays > MaxBusinessDays || r.TransitDaysMax > MaxBusinessDays {
			v.Add(f+".transit_days", "must be between 0 and %d, got %d..%d", MaxBusinessDays, r.TransitDays, r.TransitDaysMax)
		}
	}
	for i, s := range cfg.Surcharges {
		f := indexField("surcharges", i)
		if s.Name == "" {
			v.Add(f+".name", "is required")
		}
		money(f+".amount", s.Amount, true)
		for j, code := range s.Services {
			if !services[code] {
				v.Add(f+"."+indexField("services", j), "unknown service %q", code)
			}
		}
	}
	if cfg.DimFactor != nil && cfg.DimFactor.Divisor <= 0 {
		v.Add("dim_factor.divisor", "must be positive, got %d", cfg.DimFactor.Divisor)
	}
	cfg.Limits.validate(v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	cfg.Zones = slices.Clone(cfg.Zones)
	cfg.Services = slices.Clone(cfg.Services)
	cfg.Rows = slices.Clone(cfg.Rows)
	for i := range cfg.Rows {
		cfg.Rows[i].Brackets = slices.Clone(cfg.Rows[i].Brackets)
	}
	cfg.Surcharges = slices.Clone(cfg.Surcharges)
	for i := range cfg.Surcharges {
		cfg.Surcharges[i].Services = slices.Clone(cfg.Surcharges[i].Services)
	}
	if cfg.DimFactor != nil {
		f := *cfg.DimFactor
		cfg.DimFactor = &f
	}
	if cfg.Calendar == nil {
		cfg.Calendar, _ = NewCalendar("UTC", nil)
	}
	if cfg.Clock == nil {
		cfg.Clock = oms.SystemClock()
	}
	return &TableRateCarrier{cfg: cfg}, nil
}

// Code implements Carrier.
func (c *TableRateCarrier) Code() string { return c.cfg.Code }

// Zone returns the zone of address a, and false when no zone covers it.
func (c *TableRateCarrier) Zone(a oms.Address) (string, bool) {
	best, score := "", -1
	for _, z := range c.cfg.Zones {
		if z.matches(a) && z.specificity() > score {
			best, score = z.Zone, z.specificity()
		}
	}
	return best, score >= 0
}

// Rates implements Carrier. A shipment outside every zone, a parcel over
// the limits or whose billable weight exceeds the largest oms.Weight, or
// no priced service of the wanted levels returns a *NoServiceError saying
// why.
func (c *TableRateCarrier) Rates(ctx context.Context, req RateRequest) ([]Rate, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shipping: %s rates: %w", c.cfg.Code, err)
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	addr := req.Destination
	if req.Return {
		addr = req.Origin
	}
	zone, ok := c.Zone(addr)
	if !ok {
		return nil, c.noService("no zone covers %s %s %s", addr.Country, addr.Region, addr.PostalCode)
	}
	weights := make([]oms.Weight, len(req.Parcels))
	var total oms.Weight
	for i, p := range req.Parcels {
		if why := c.cfg.Limits.check(p); why != "" {
			return nil, c.noService("parcels[%d]: %s", i, why)
		}
		weights[i] = p.Weight
		if c.cfg.DimFactor != nil {
			w, err := p.BillableWeight(*c.cfg.DimFactor)
			if err != nil {
				// The request is valid: the parcel's billable weight is
				// beyond the largest Weight, and no table prices it.
				return nil, c.noService("parcels[%d]: billable weight too large to price (%v)", i, err)
			}
			weights[i] = w
		}
		total = addWeight(total, weights[i])
	}
	ship := shipDateOrToday(req.ShipDate, c.cfg.Calendar, c.cfg.Clock)
	var rates []Rate
	var why []string
	for _, s := range c.cfg.Services {
		if !req.WantsLevel(s.Level) {
			continue
		}
		row, ok := c.row(s.Code, zone)
		if !ok {
			continue
		}
		price, err := c.price(s, row, weights, addr.Residential)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: %v", s.Code, err))
			continue
		}
		delivery := transitWindow(c.cfg.Calendar, ship, row.TransitDays, row.TransitDaysMax)
		rates = append(rates, Rate{
			Carrier:        c.cfg.Code,
			ServiceCode:    s.Code,
			ServiceName:    s.Name,
			Level:          s.Level,
			Price:          price,
			BillableWeight: total,
			TransitDays:    row.TransitDays,
			Delivery:       delivery,
			Guaranteed:     s.Guaranteed && !delivery.IsZero(), // no day to guarantee after year 9999
		})
	}
	if len(rates) == 0 {
		if len(why) == 0 {
			why = append(why, fmt.Sprintf("no service of the wanted levels in zone %q", zone))
		}
		return nil, c.noService("%s", strings.Join(why, "; "))
	}
	return rates, nil
}

func (c *TableRateCarrier) noService(format string, args ...any) error {
	return &NoServiceError{Carrier: c.cfg.Code, Reason: fmt.Sprintf(format, args...)}
}

func (c *TableRateCarrier) row(service, zone string) (TableRow, bool) {
	for _, r := range c.cfg.Rows {
		if r.Service == service && r.Zone == zone {
			return r, true
		}
	}
	return TableRow{}, false
}

// price sums the row's price of every parcel and the surcharges.
func (c *TableRateCarrier) price(s TableService, row TableRow, weights []oms.Weight, residential bool) (oms.Money, error) {
	total := oms.Zero(c.cfg.Currency)
	for i, w := range weights {
		p, err := row.parcelPrice(w, c.cfg.Currency)
		if err != nil {
			return oms.Money{}, fmt.Errorf("parcels[%d]: %w", i, err)
		}
		total, _ = total.Add(p) // one currency, checked by NewTableRateCarrier
	}
	for _, sc := range c.cfg.Surcharges {
		if (sc.ResidentialOnly && !residential) || (len(sc.Services) > 0 && !slices.Contains(sc.Services, s.Code)) {
			continue
		}
		amount := sc.Amount
		if sc.PerParcel {
			amount = amount.Mul(int64(len(weights)))
		}
		total, _ = total.Add(amount)
	}
	return total.Round(), nil
}

// startedKg returns how many started kilograms w is (1001 g is 2).
func startedKg(w oms.Weight) int64 {
	n := int64(w / oms.Kilogram)
	if w%oms.Kilogram > 0 {
		n++
	}
	return n
}

func (r TableRow) parcelPrice(w oms.Weight, cur oms.Currency) (oms.Money, error) {
	if len(r.Brackets) == 0 {
		p, _ := oms.Zero(cur).Add(r.Base)
		if r.PerKg.Valid() {
			p, _ = p.Add(r.PerKg.Mul(startedKg(w)))
		}
		return p, nil
	}
	for _, b := range r.Brackets {
		if w <= b.UpTo {
			return b.Price, nil
		}
	}
	last := r.Brackets[len(r.Brackets)-1]
	if !r.PerKg.Valid() {
		return oms.Money{}, fmt.Errorf("weight %s over the last bracket of %s", w, last.UpTo)
	}
	return last.Price.Add(r.PerKg.Mul(startedKg(w - last.UpTo)))
}

func shipDateOrToday(d oms.Date, cal *Calendar, clock oms.Clock) oms.Date {
	if d.IsZero() {
		d = cal.DateAt(clock.Now())
	}
	return cal.NextBusinessDay(d)
}

func transitWindow(cal *Calendar, ship oms.Date, minDays, maxDays int) Window {
	w := Window{Earliest: cal.AddBusinessDays(ship, minDays), Latest: cal.AddBusinessDays(ship, max(minDays, maxDays))}
	if !w.Latest.Valid() {
		return Window{} // after year 9999: unknown
	}
	return w
}

// FlatRateService is one service of a FlatRateCarrier.
type FlatRateService struct {
	// Code identifies the service in rates (Rate.ServiceCode).
	Code string `json:"code"`
	// Name is the service's display name.
	Name string `json:"name"`
	// Level is the speed class the service's rates carry.
	Level oms.ServiceLevel `json:"level"`
	// Price is per shipment, or per parcel when PerParcel is set.
	Price     oms.Money `json:"price"`
	PerParcel bool      `json:"per_parcel,omitempty"`
	// Countries are the destination countries served (ISO 3166-1
	// alpha-2; the origin's for a return); empty means all.
	Countries []string `json:"countries,omitempty"`
	// TransitDays and TransitDaysMax are business days in transit;
	// TransitDaysMax below TransitDays means TransitDays.
	TransitDays    int `json:"transit_days"`
	TransitDaysMax int `json:"transit_days_max,omitempty"`
	// Guaranteed marks the delivery windows of its rates as guaranteed
	// (a rate whose window is unknown, after year 9999, is not).
	Guaranteed bool `json:"guaranteed,omitempty"`
}

// FlatRateConfig configures a FlatRateCarrier.
type FlatRateConfig struct {
	// Code is the carrier's code (Carrier.Code, Rate.Carrier).
	Code string `json:"code"`
	// Services are the services offered, in the order rates are returned;
	// at least one.
	Services []FlatRateService `json:"services"`
	// Limits are the parcel limits; a parcel over them gets no service.
	Limits Limits `json:"limits"`
	// Calendar counts transit business days from the ship date into a
	// delivery window. Default: Monday to Friday, UTC, no holidays.
	Calendar *Calendar `json:"-"`
	// Clock gives today's date when a request has no ship date. Default
	// the system clock.
	Clock oms.Clock `json:"-"`
}

// FlatRateCarrier is a Carrier that charges a fixed price per shipment or
// per parcel whatever the weight, within its limits. It quotes from memory
// and is safe for concurrent use.
type FlatRateCarrier struct {
	cfg FlatRateConfig
}

var _ Carrier = (*FlatRateCarrier)(nil)

// NewFlatRateCarrier checks cfg and returns the carrier. The error is a
// *oms.ValidationError listing every problem.
func NewFlatRateCarrier(cfg FlatRateConfig) (*FlatRateCarrier, error) {
	v := &oms.ValidationError{Entity: "flat rate carrier"}
	if cfg.Code == "" {
		v.Add("code", "is required")
	}
	if len(cfg.Services) == 0 {
		v.Add("services", "at least one service is required")
	}
	seen := map[string]bool{}
	for i, s := range cfg.Services {
		f := indexField("services", i)
		if s.Code == "" || seen[s.Code] {
			v.Add(f+".code", "must be unique and non-empty, got %q", s.Code)
		}
		seen[s.Code] = true
		if !s.Level.Valid() {
			v.Add(f+".level", "unknown service level %q", s.Level)
		}
		switch {
		case !s.Price.Valid():
			v.Add(f+".price", "is required")
		case s.Price.IsNegative() || !s.Price.IsRounded():
			v.Add(f+".price", "must be non-negative and rounded, got %s", s.Price)
		}
		for j, c := range s.Countries {
			if !oms.ValidCountry(c) {
				v.Add(f+"."+indexField("countries", j), "unknown country %q", c)
			}
		}
		if s.TransitDays < 0 || s.TransitDaysMax < 0 || s.TransitDays > MaxBusinessDays || s.TransitDaysMax > MaxBusinessDays {
			v.Add(f+".transit_days", "must be between 0 and %d, got %d..%d", MaxBusinessDays, s.TransitDays, s.TransitDaysMax)
		}
	}
	cfg.Limits.validate(v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	cfg.Services = slices.Clone(cfg.Services)
	for i := range cfg.Services {
		cfg.Services[i].Countries = slices.Clone(cfg.Services[i].Countries)
	}
	if cfg.Calendar == nil {
		cfg.Calendar, _ = NewCalendar("UTC", nil)
	}
	if cfg.Clock == nil {
		cfg.Clock = oms.SystemClock()
	}
	return &FlatRateCarrier{cfg: cfg}, nil
}

// Code implements Carrier.
func (c *FlatRateCarrier) Code() string { return c.cfg.Code }

// Rates implements Carrier.
func (c *FlatRateCarrier) Rates(ctx context.Context, req RateRequest) ([]Rate, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shipping: %s rates: %w", c.cfg.Code, err)
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	for i, p := range req.Parcels {
		if why := c.cfg.Limits.check(p); why != "" {
			return nil, &NoServiceError{Carrier: c.cfg.Code, Reason: fmt.Sprintf("parcels[%d]: %s", i, why)}
		}
	}
	dest := req.Destination.Country
	if req.Return {
		dest = req.Origin.Country
	}
	ship := shipDateOrToday(req.ShipDate, c.cfg.Calendar, c.cfg.Clock)
	var rates []Rate
	for _, s := range c.cfg.Services {
		if !req.WantsLevel(s.Level) || (len(s.Countries) > 0 && !slices.Contains(s.Countries, dest)) {
			continue
		}
		price := s.Price
		if s.PerParcel {
			price = price.Mul(int64(len(req.Parcels)))
		}
		delivery := transitWindow(c.cfg.Calendar, ship, s.TransitDays, s.TransitDaysMax)
		rates = append(rates, Rate{
			Carrier:        c.cfg.Code,
			ServiceCode:    s.Code,
			ServiceName:    s.Name,
			Level:          s.Level,
			Price:          price,
			BillableWeight: req.TotalWeight(),
			TransitDays:    s.TransitDays,
			Delivery:       delivery,
			Guaranteed:     s.Guaranteed && !delivery.IsZero(), // no day to guarantee after year 9999
		})
	}
	if len(rates) == 0 {
		return nil, &NoServiceError{Carrier: c.cfg.Code, Reason: fmt.Sprintf("no service of the wanted levels to %s", dest)}
	}
	return rates, nil
}
