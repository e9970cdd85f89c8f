package shipping

import (
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // IANA zones embedded, so calendars work without zoneinfo on the host

	"github.com/omskit/oms"
)

// Holiday is a day a location does not work.
type Holiday struct {
	// Date is the day off, in the calendar's own time zone.
	Date oms.Date `json:"date"`
	// Name is what the day is, such as "Thanksgiving".
	Name string `json:"name,omitempty"`
}

// CalendarOptions configures a Calendar. The zero value (or nil) gives a
// Monday-to-Friday week without holidays.
type CalendarOptions struct {
	// Weekend lists the days that are never business days. Nil means
	// Saturday and Sunday; to work seven days a week set SevenDays.
	Weekend []time.Weekday
	// SevenDays makes every day but holidays a business day.
	SevenDays bool
	// Holidays are the days off besides the weekend.
	Holidays []Holiday
}

// Calendar is a location's business calendar: its time zone, its weekend and
// its holidays. A Calendar is immutable and safe for concurrent use. Build
// one with NewCalendar; the zero Calendar, and a nil *Calendar, is UTC with
// every day a business day.
type Calendar struct {
	loc      *time.Location
	weekend  [7]bool
	holidays map[oms.Date]string
	last     oms.Date // the latest holiday, when there are any
}

// NewCalendar returns the business calendar of a location in the IANA time
// zone tz (such as "Australia/Sydney"; the zone database is embedded). The
// error matches oms.ErrValidation for an unknown zone, a bad weekday, a
// weekend of all seven days, or a holiday without a date or on a date
// that is not a valid day (oms.Date.Valid).
func NewCalendar(tz string, opts *CalendarOptions) (*Calendar, error) {
	if opts == nil {
		opts = &CalendarOptions{}
	}
	v := &oms.ValidationError{Entity: "calendar"}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		v.Add("time_zone", "unknown IANA time zone %q", tz)
	}
	c := &Calendar{loc: loc, holidays: make(map[oms.Date]string, len(opts.Holidays))}
	switch {
	case opts.SevenDays:
	case opts.Weekend == nil:
		c.weekend[time.Saturday], c.weekend[time.Sunday] = true, true
	default:
		for i, d := range opts.Weekend {
			if d < time.Sunday || d > time.Saturday {
				v.Add(indexField("weekend", i), "unknown weekday %d", int(d))
				continue
			}
			c.weekend[d] = true
		}
		if !slices.Contains(c.weekend[:], false) {
			v.Add("weekend", "leaves no business day in the week")
		}
	}
	for i, h := range opts.Holidays {
		if h.Date.IsZero() {
			v.Add(indexField("holidays", i)+".date", "is required")
			continue
		}
		if !h.Date.Valid() {
			// Dates compare normalized: February 30 would never apply.
			v.Add(indexField("holidays", i)+".date", "%04d-%02d-%02d is not a day from year 0 to 9999", h.Date.Year, int(h.Date.Month), h.Date.Day)
			continue
		}
		c.holidays[h.Date] = h.Name
		if h.Date.After(c.last) {
			c.last = h.Date
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// MustCalendar is NewCalendar for constants in tests and examples: it panics
// on error. Never use it on outside input.
func MustCalendar(tz string, opts *CalendarOptions) *Calendar {
	c, err := NewCalendar(tz, opts)
	if err != nil {
		panic(err)
	}
	return c
}

// Location returns the calendar's time zone (UTC for the zero Calendar and
// a nil *Calendar).
func (c *Calendar) Location() *time.Location {
	if c == nil || c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// DateAt returns the calendar day at the location at instant t.
func (c *Calendar) DateAt(t time.Time) oms.Date { return oms.DateOf(t.In(c.Location())) }

// zeroCalendar stands in for a nil *Calendar, which, like the zero
// Calendar, is UTC with every day a business day.
var zeroCalendar Calendar

// orZero returns c, or the zero Calendar for a nil c.
func (c *Calendar) orZero() *Calendar {
	if c == nil {
		return &zeroCalendar
	}
	return c
}

// Holiday returns the name of the holiday on d and whether d is one.
func (c *Calendar) Holiday(d oms.Date) (string, bool) {
	name, ok := c.orZero().holidays[d]
	return name, ok
}

// IsBusinessDay reports whether d is neither a weekend day nor a holiday,
// and a day the calendar's zone did not skip (Samoa went from 29 to 31
// December 2011).
func (c *Calendar) IsBusinessDay(d oms.Date) bool {
	c = c.orZero()
	if c.weekend[d.Weekday()] {
		return false
	}
	if _, hol := c.holidays[d]; hol {
		return false
	}
	return c.happened(d)
}

// happened reports whether day d happened in the calendar's zone: a zone
// that moves across the date line skips a whole day, and noon of that day
// falls on the next one.
func (c *Calendar) happened(d oms.Date) bool {
	loc := c.Location()
	if loc == time.UTC {
		return true
	}
	return oms.DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, loc)) == d
}

// skipsADay reports whether the zone's offset from UTC changes by 12 hours
// or more between days a and b, as it does where a day is skipped
// (daylight saving time moves it by an hour or two).
func (c *Calendar) skipsADay(a, b oms.Date) bool {
	loc := c.Location()
	if loc == time.UTC {
		return false
	}
	_, oa := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, loc).Zone()
	_, ob := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, loc).Zone()
	return oa-ob >= 12*3600 || ob-oa >= 12*3600
}

// NextBusinessDay returns d when it is a business day, and otherwise the
// first business day after it. The zero Date (unknown) stays zero.
func (c *Calendar) NextBusinessDay(d oms.Date) oms.Date {
	if d.IsZero() {
		return d
	}
	for !c.IsBusinessDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// maxBusinessDayCount bounds the count AddBusinessDays adds, as
// oms.Date.AddDays bounds its days: a larger count leads past every
// valid date anyway.
const maxBusinessDayCount = 1 << 30

// AddBusinessDays returns the n-th business day after d; for n <= 0 it
// returns NextBusinessDay(d). Friday plus one business day is Monday
// (without holidays); Saturday plus one is Monday too. The zero Date
// (unknown) stays zero, and a count beyond 2^30 counts as 2^30, so that a
// larger count never gives an earlier day.
func (c *Calendar) AddBusinessDays(d oms.Date, n int) oms.Date {
	if n <= 0 || d.IsZero() {
		return c.NextBusinessDay(d)
	}
	n = min(n, maxBusinessDayCount)
	c = c.orZero()
	perWeek := 0
	for _, off := range c.weekend {
		if !off {
			perWeek++
		}
	}
	for n > 0 {
		if n > perWeek && (len(c.holidays) == 0 || d.After(c.last)) {
			// Past the last holiday every week holds perWeek business
			// days: skip whole weeks, leaving 1 to perWeek days to walk,
			// unless the zone skips a day in them.
			weeks := min((n-1)/perWeek, maxBusinessDayCount/7)
			if to := d.AddDays(7 * weeks); !c.skipsADay(d, to) {
				d = to
				n -= weeks * perWeek
			}
		}
		d = d.AddDays(1)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// Dispatch describes how a warehouse hands orders to carriers: its calendar,
// the cut-off time of day after which an order waits for the next business
// day, the handling days it takes to pick and pack, and when the carrier
// collects. It is a value, safe for concurrent use once built.
type Dispatch struct {
	// Calendar is the warehouse's business calendar. Required.
	Calendar *Calendar
	// CutOff is the local time of day (as a duration since midnight) up to
	// which an order counts for the same business day; an order at or
	// after it counts for the next one. Zero means no cut-off (the whole
	// business day counts).
	CutOff time.Duration
	// HandlingDays is the number of business days between an order's
	// counting day and its ship date (0: ships the day it counts for).
	HandlingDays int
	// Pickup is the local time of day the carrier collects. Zero means the
	// cut-off time, or 17:00 when there is no cut-off.
	Pickup time.Duration
}

// Validate returns a *oms.ValidationError listing every problem of d, or
// nil.
func (d Dispatch) Validate() error {
	v := &oms.ValidationError{Entity: "dispatch"}
	if d.Calendar == nil {
		v.Add("calendar", "is required")
	}
	if d.CutOff < 0 || d.CutOff > 24*time.Hour {
		v.Add("cut_off", "must be a time of day between 0 and 24h, got %s", d.CutOff)
	}
	if d.HandlingDays < 0 || d.HandlingDays > MaxBusinessDays {
		v.Add("handling_days", "must be between 0 and %d, got %d", MaxBusinessDays, d.HandlingDays)
	}
	if d.Pickup < 0 || d.Pickup >= 24*time.Hour {
		v.Add("pickup", "must be a time of day between 0 and 24h, got %s", d.Pickup)
	}
	return v.Err()
}

// ShipDate returns the day an order placed at instant now leaves the
// warehouse: the order counts for today when today is a business day and
// now is before the cut-off (in the warehouse's zone), for the next
// business day otherwise; then HandlingDays business days are added. The
// error matches oms.ErrValidation for a bad Dispatch, or a ship date
// outside years 0 to 9999 (oms.Date.Valid), which no RateRequest takes.
func (d Dispatch) ShipDate(now time.Time) (oms.Date, error) {
	day, err := d.shipDate(now)
	if err == nil && !day.Valid() {
		return oms.Date{}, oms.Validationf("dispatch", "now", "an order at %s ships outside years 0 to 9999", now.Format(time.RFC3339))
	}
	return day, err
}

func (d Dispatch) shipDate(now time.Time) (oms.Date, error) {
	if err := d.Validate(); err != nil {
		return oms.Date{}, err
	}
	cal := d.Calendar
	local := now.In(cal.Location())
	day := oms.DateOf(local)
	h, m, s := local.Clock()
	sinceMidnight := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(local.Nanosecond())
	if !cal.IsBusinessDay(day) || (d.CutOff > 0 && sinceMidnight >= d.CutOff) {
		day = cal.NextBusinessDay(day.AddDays(1))
	}
	if d.HandlingDays == 0 {
		return day, nil
	}
	return cal.AddBusinessDays(day, d.HandlingDays), nil
}

// PickupAt returns the instant the carrier collects on ship date day. A
// Pickup or CutOff that Validate refuses (negative, 24h or more) counts as
// unset, and a Dispatch without a Calendar counts in UTC, so that the
// instant always falls on day.
func (d Dispatch) PickupAt(day oms.Date) time.Time {
	p := d.Pickup
	if p <= 0 || p >= 24*time.Hour {
		p = d.CutOff
	}
	if p <= 0 || p >= 24*time.Hour {
		p = 17 * time.Hour
	}
	return time.Date(day.Year, day.Month, day.Day, int(p/time.Hour), int(p%time.Hour/time.Minute), int(p%time.Minute/time.Second), 0, d.Calendar.Location())
}

// Estimate is a delivery-date estimate.
type Estimate struct {
	// ShipDate is the day the parcel leaves the warehouse (its calendar).
	ShipDate oms.Date `json:"ship_date"`
	// PickupAt is the instant the carrier collects it.
	PickupAt time.Time `json:"pickup_at"`
	// Delivery is the earliest and latest delivery day (the destination's
	// calendar).
	Delivery Window `json:"delivery"`
}

// EstimateDelivery estimates when an order placed at now arrives. It is a
// pure function: the time is passed in.
//
// The ship date comes from d (see Dispatch.ShipDate). The carrier collects
// at d's pickup time; that instant, seen in the destination's time zone,
// gives the day transit starts, and the earliest and latest delivery days
// are transitMin and transitMax business days after it on the destination
// calendar to (nil means d's calendar: a domestic shipment). A transit of 0
// days delivers on the first business day on or after the start day.
// transitMax below transitMin is taken as transitMin. The error matches
// oms.ErrValidation for a bad Dispatch, transit days negative or over
// MaxBusinessDays, or a ship or delivery day outside years 0 to 9999.
func EstimateDelivery(now time.Time, d Dispatch, to *Calendar, transitMin, transitMax int) (Estimate, error) {
	v := &oms.ValidationError{Entity: "delivery estimate"}
	v.Merge("dispatch", d.Validate())
	if transitMin < 0 || transitMin > MaxBusinessDays {
		v.Add("transit_min", "must be between 0 and %d, got %d", MaxBusinessDays, transitMin)
	}
	if transitMax < 0 || transitMax > MaxBusinessDays {
		v.Add("transit_max", "must be between 0 and %d, got %d", MaxBusinessDays, transitMax)
	}
	if err := v.Err(); err != nil {
		return Estimate{}, err
	}
	ship, _ := d.shipDate(now) // d was validated above; ship is checked below
	if to == nil {
		to = d.Calendar
	}
	transitMax = max(transitMax, transitMin)
	pickup := d.PickupAt(ship)
	start := to.DateAt(pickup)
	est := Estimate{
		ShipDate: ship,
		PickupAt: pickup,
		Delivery: Window{Earliest: to.AddBusinessDays(start, transitMin), Latest: to.AddBusinessDays(start, transitMax)},
	}
	if !ship.Valid() || !est.Delivery.Earliest.Valid() || !est.Delivery.Latest.Valid() {
		return Estimate{}, oms.Validationf("delivery estimate", "now", "an order at %s ships or arrives outside years 0 to 9999", now.Format(time.RFC3339))
	}
	return est, nil
}

// EstimateRates returns a copy of rates in which every rate without a known
// Delivery window gets one estimated from its TransitDays with
// EstimateDelivery (transitMin = transitMax = TransitDays). Rates that have
// a window keep it.
func EstimateRates(now time.Time, d Dispatch, to *Calendar, rates []Rate) ([]Rate, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	out := slices.Clone(rates)
	for i := range out {
		if !out[i].Delivery.IsZero() {
			continue
		}
		est, err := EstimateDelivery(now, d, to, out[i].TransitDays, out[i].TransitDays)
		if err != nil {
			return nil, fmt.Errorf("shipping: rate %s: %w", out[i].Key(), err)
		}
		out[i].Delivery = est.Delivery
	}
	return out, nil
}
