package inventory

import (
	"math"

	"github.com/omskit/oms"
)

// Replenishment math. Every function here is pure: daily sales history in,
// numbers out. Demand is in units per day; floats are fine here (no money).

// Forecast is a daily demand forecast: Level units per day now, changing
// by Trend units per day each day.
type Forecast struct {
	// Level is the forecast demand of today, in units per day.
	Level float64 `json:"level"`
	// Trend is the change of the daily demand per day (units per day per day);
	// zero for a flat forecast.
	Trend float64 `json:"trend"`
}

// Daily returns the forecast demand of the day h days ahead (h ≥ 1),
// never below zero.
func (f Forecast) Daily(h int) float64 {
	return math.Max(f.Level+float64(h)*f.Trend, 0)
}

// Over returns the forecast demand of the next days days: the sum of
// Daily(1) … Daily(⌊days⌋) plus the fraction of the next day, computed in
// closed form (an arithmetic series over the days whose demand is
// positive), so it costs the same for a week or a billion days.
func (f Forecast) Over(days float64) float64 {
	if !(days > 0) {
		return 0
	}
	whole := math.Floor(days)
	sum := f.sumDays(1, whole)
	if frac := days - whole; frac > 0 {
		sum += frac * math.Max(f.Level+(whole+1)*f.Trend, 0)
	}
	return sum
}

// sumDays returns Σ max(Level + h·Trend, 0) for the whole days h from a
// to b.
func (f Forecast) sumDays(a, b float64) float64 {
	lo, hi := a, b
	switch {
	case f.Trend > 0: // positive from the first h above -Level/Trend
		lo = math.Max(lo, math.Floor(-f.Level/f.Trend)+1)
	case f.Trend < 0: // positive up to the last h below -Level/Trend
		hi = math.Min(hi, math.Ceil(-f.Level/f.Trend)-1)
	case !(f.Level > 0):
		return 0
	}
	if !(hi >= lo) {
		return 0
	}
	n := hi - lo + 1
	return n*f.Level + f.Trend*(lo+hi)*n/2
}

// maxDays bounds lead times and cover periods: a hundred years of days.
const maxDays = 36525

// maxUnits is oms.MaxQuantity as a float: no daily demand, lead-time
// demand, safety stock or order is larger.
const maxUnits = float64(oms.MaxQuantity)

func checkHistory(entity string, history []float64, min int) *problems {
	p := &problems{entity: entity}
	if len(history) < min {
		p.add("history", "needs at least %d days, got %d", min, len(history))
	}
	for i, x := range history {
		if !(x >= 0 && x <= maxUnits) {
			p.add(fieldIndex("history", i), "must be a number of units from 0 to 2^50, got %v", x)
		}
	}
	return p
}

// checkForecast refuses a forecast that is not finite or beyond 2^50 units
// a day.
func checkForecast(p *problems, field string, f Forecast) {
	if !(math.Abs(f.Level) <= maxUnits) || !(math.Abs(f.Trend) <= maxUnits) {
		p.add(field, "level and trend must be finite and at most 2^50 units a day, got %v and %v", f.Level, f.Trend)
	}
}

// finite returns f, or a validation error when a computation on accepted
// input left the finite numbers.
func finite(entity string, f Forecast) (Forecast, error) {
	if math.IsNaN(f.Level) || math.IsNaN(f.Trend) || math.IsInf(f.Level, 0) || math.IsInf(f.Trend, 0) {
		return Forecast{}, oms.Validationf(entity, "history", "the forecast is not a finite number (level %v, trend %v)", f.Level, f.Trend)
	}
	return f, nil
}

// MovingAverage forecasts flat demand as the mean of the last window days.
func MovingAverage(history []float64, window int) (Forecast, error) {
	p := checkHistory("moving average", history, 1)
	if window <= 0 {
		p.add("window", "must be positive, got %d", window)
	} else if window > len(history) && len(history) > 0 {
		p.add("window", "is %d days but the history has %d", window, len(history))
	}
	if err := p.err(); err != nil {
		return Forecast{}, err
	}
	var sum float64
	for _, x := range history[len(history)-window:] {
		sum += x
	}
	return finite("moving average", Forecast{Level: sum / float64(window)})
}

// ExponentialSmoothing forecasts flat demand by simple exponential
// smoothing: the level starts at the first day and each day moves
// alpha of the way to that day's sales. 0 < alpha ≤ 1.
func ExponentialSmoothing(history []float64, alpha float64) (Forecast, error) {
	p := checkHistory("exponential smoothing", history, 1)
	if !(alpha > 0 && alpha <= 1) {
		p.add("alpha", "must be in (0, 1], got %v", alpha)
	}
	if err := p.err(); err != nil {
		return Forecast{}, err
	}
	level := history[0]
	for _, x := range history[1:] {
		level = alpha*x + (1-alpha)*level
	}
	return finite("exponential smoothing", Forecast{Level: level})
}

// Holt forecasts demand with a linear trend and no seasonality (Holt's
// linear method): level ℓ₁ = y₁ and trend b₁ = y₂ − y₁, then for each
// later day ℓ = αy + (1−α)(ℓ+b) and b = β(ℓ−ℓ_prev) + (1−β)b. It needs at
// least two days; 0 < alpha, beta ≤ 1.
func Holt(history []float64, alpha, beta float64) (Forecast, error) {
	p := checkHistory("holt", history, 2)
	if !(alpha > 0 && alpha <= 1) {
		p.add("alpha", "must be in (0, 1], got %v", alpha)
	}
	if !(beta > 0 && beta <= 1) {
		p.add("beta", "must be in (0, 1], got %v", beta)
	}
	if err := p.err(); err != nil {
		return Forecast{}, err
	}
	level, trend := history[0], history[1]-history[0]
	for _, x := range history[1:] {
		prev := level
		level = alpha*x + (1-alpha)*(level+trend)
		trend = beta*(level-prev) + (1-beta)*trend
	}
	return finite("holt", Forecast{Level: level, Trend: trend})
}

// StdDev returns the sample standard deviation of daily demand (n−1 in the
// denominator); zero for fewer than two days.
func StdDev(history []float64) float64 {
	if len(history) < 2 {
		return 0
	}
	var mean float64
	for _, x := range history {
		mean += x
	}
	mean /= float64(len(history))
	var ss float64
	for _, x := range history {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(history)-1))
}

// InverseNormalCDF returns z such that Φ(z) = p for the standard normal
// distribution, by Peter Acklam's rational approximation (relative error
// below 1.15e-9) refined by one step of Halley's method. It returns NaN
// outside (0, 1).
func InverseNormalCDF(p float64) float64 {
	if !(p > 0 && p < 1) {
		return math.NaN()
	}
	a := [6]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	b := [5]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01}
	c := [6]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	d := [4]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
	const low, high = 0.02425, 1 - 0.02425
	var x float64
	switch {
	case p < low:
		q := math.Sqrt(-2 * math.Log(p))
		x = (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p <= high:
		q := p - 0.5
		r := q * q
		x = (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
	default:
		q := math.Sqrt(-2 * math.Log(1-p))
		x = -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	}
	// One Halley step against the exact CDF brings it to full precision.
	e := 0.5*math.Erfc(-x/math.Sqrt2) - p
	u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
	return x - u/(1+x*u/2)
}

// ServiceLevelZ returns the z-score of a cycle service level (the chance
// of not running out during a lead time), such as 1.6449 for 0.95.
func ServiceLevelZ(level float64) (float64, error) {
	if !(level > 0 && level < 1) {
		return 0, oms.Validationf("service level", "service_level", "must be in (0, 1), got %v", level)
	}
	return InverseNormalCDF(level), nil
}

// ReorderInput is what ReorderPoint needs.
type ReorderInput struct {
	// Forecast is the daily demand forecast.
	Forecast Forecast `json:"forecast"`
	// DemandStdDev is the standard deviation of daily demand (see StdDev).
	DemandStdDev float64 `json:"demand_std_dev"`
	// LeadTimeDays is the days from ordering to stock on the shelf.
	LeadTimeDays float64 `json:"lead_time_days"`
	// ServiceLevel is the wanted chance of not running out, in (0, 1).
	ServiceLevel float64 `json:"service_level"`
}

// ReorderPlan is the result of ReorderPoint.
type ReorderPlan struct {
	// LeadTimeDemand is the forecast demand over the lead time.
	LeadTimeDemand float64 `json:"lead_time_demand"`
	// Z is the service level's z-score.
	Z float64 `json:"z"`
	// SafetyStock is z · σ · √(lead time), in units (rounded up).
	SafetyStock int64 `json:"safety_stock"`
	// ReorderPoint is lead-time demand plus safety stock, rounded up: order
	// when the stock position falls to it.
	ReorderPoint int64 `json:"reorder_point"`
}

// ReorderPoint computes the reorder point = lead-time demand + safety
// stock, with safety stock = z · σ_daily · √L for the service level.
func ReorderPoint(in ReorderInput) (ReorderPlan, error) {
	p := problems{entity: "reorder point"}
	if !(in.LeadTimeDays >= 0 && in.LeadTimeDays <= maxDays) {
		p.add("lead_time_days", "must be from 0 to %d days, got %v", maxDays, in.LeadTimeDays)
	}
	if !(in.DemandStdDev >= 0 && in.DemandStdDev <= maxUnits) {
		p.add("demand_std_dev", "must be from 0 to 2^50 units, got %v", in.DemandStdDev)
	}
	checkForecast(&p, "forecast", in.Forecast)
	z, err := ServiceLevelZ(in.ServiceLevel)
	if err != nil {
		p.add("service_level", "must be in (0, 1), got %v", in.ServiceLevel)
	}
	if err := p.err(); err != nil {
		return ReorderPlan{}, err
	}
	ltd := in.Forecast.Over(in.LeadTimeDays)
	ss := z * in.DemandStdDev * math.Sqrt(in.LeadTimeDays)
	if !(ltd <= maxUnits) {
		p.add("forecast", "lead-time demand of %v units exceeds 2^50", ltd)
	}
	if !(ss <= maxUnits) {
		p.add("demand_std_dev", "safety stock of %v units exceeds 2^50", ss)
	}
	if !(ltd+math.Max(ss, 0) <= maxUnits) && p.err() == nil {
		p.add("forecast", "reorder point of %v units exceeds 2^50", ltd+ss)
	}
	if err := p.err(); err != nil {
		return ReorderPlan{}, err
	}
	return ReorderPlan{
		LeadTimeDemand: ltd,
		Z:              z,
		SafetyStock:    ceilUnits(math.Max(ss, 0)),
		ReorderPoint:   ceilUnits(ltd + math.Max(ss, 0)),
	}, nil
}

// ceilUnits rounds a unit count up, ignoring float noise below 1e-9.
func ceilUnits(x float64) int64 {
	return int64(math.Ceil(x - 1e-9))
}

// maxPosition bounds OrderInput.Position either way.
const maxPosition = 1 << 60

// OrderInput is what SuggestOrder needs. Quantities are units from 0 to
// oms.MaxQuantity; days from 0 to 36,525 (a hundred years).
type OrderInput struct {
	// Position is the stock position: available plus incoming.
	Position int64 `json:"position"`
	// ReorderPoint triggers an order when Position is at or below it.
	ReorderPoint int64 `json:"reorder_point"`
	// Forecast is the daily demand forecast.
	Forecast Forecast `json:"forecast"`
	// CoverDays is how many days of demand an order should cover beyond the
	// reorder point (the review period).
	CoverDays float64 `json:"cover_days"`
	// MinQuantity is the supplier's minimum order; zero means none.
	MinQuantity int64 `json:"min_quantity,omitempty"`
	// PackSize rounds the order up to whole packs; zero means one unit.
	PackSize int64 `json:"pack_size,omitempty"`
}

// SuggestOrder suggests how many units to order: nothing while the
// position is above the reorder point; otherwise enough to bring it up to
// reorder point + demand over the cover days, at least the minimum order,
// rounded up to whole packs.
func SuggestOrder(in OrderInput) (int64, error) {
	p := problems{entity: "order suggestion"}
	if in.Position < -maxPosition || in.Position > maxPosition {
		p.add("position", "must be within ±2^60 units, got %d", in.Position)
	}
	if in.ReorderPoint < 0 || in.ReorderPoint > oms.MaxQuantity {
		p.add("reorder_point", "%s", quantityProblem(in.ReorderPoint, 0))
	}
	if !(in.CoverDays >= 0 && in.CoverDays <= maxDays) {
		p.add("cover_days", "must be from 0 to %d days, got %v", maxDays, in.CoverDays)
	}
	if in.MinQuantity < 0 || in.MinQuantity > oms.MaxQuantity {
		p.add("min_quantity", "%s", quantityProblem(in.MinQuantity, 0))
	}
	if in.PackSize < 0 || in.PackSize > oms.MaxQuantity {
		p.add("pack_size", "%s", quantityProblem(in.PackSize, 0))
	}
	checkForecast(&p, "forecast", in.Forecast)
	if err := p.err(); err != nil {
		return 0, err
	}
	if in.Position > in.ReorderPoint {
		return 0, nil
	}
	over := in.Forecast.Over(in.CoverDays)
	if !(over <= maxUnits) {
		return 0, oms.Validationf("order suggestion", "forecast", "demand over %v cover days is %v units, more than 2^50", in.CoverDays, over)
	}
	// Every term is within ±2^61 here: no sum below wraps.
	target := in.ReorderPoint + ceilUnits(over)
	q := max(target-in.Position, in.MinQuantity, 1)
	if in.PackSize > 1 {
		q = (q + in.PackSize - 1) / in.PackSize * in.PackSize
	}
	if q > oms.MaxQuantity {
		return 0, oms.Validationf("order suggestion", "position", "the suggested order of %d units exceeds 2^50", q)
	}
	return q, nil
}

// EOQ returns the economic order quantity √(2DS/H) for annual demand D,
// cost per order S and holding cost per unit per year H (any currency, as
// long as S and H share it).
func EOQ(annualDemand, orderCost, holdingCost float64) (float64, error) {
	p := problems{entity: "eoq"}
	if !(annualDemand >= 0) || math.IsInf(annualDemand, 0) {
		p.add("annual_demand", "must be a finite non-negative number, got %v", annualDemand)
	}
	if !(orderCost >= 0) || math.IsInf(orderCost, 0) {
		p.add("order_cost", "must be a finite non-negative number, got %v", orderCost)
	}
	if !(holdingCost > 0) || math.IsInf(holdingCost, 0) {
		p.add("holding_cost", "must be a finite positive number, got %v", holdingCost)
	}
	if err := p.err(); err != nil {
		return 0, err
	}
	q := math.Sqrt(2 * annualDemand * orderCost / holdingCost)
	if math.IsInf(q, 0) || math.IsNaN(q) {
		q = math.Sqrt(2*annualDemand) * math.Sqrt(orderCost/holdingCost)
	}
	if math.IsInf(q, 0) || math.IsNaN(q) {
		return 0, oms.Validationf("eoq", "annual_demand", "the order quantity overflows a float64 (demand %v, order cost %v, holding cost %v)", annualDemand, orderCost, holdingCost)
	}
	return q, nil
}
