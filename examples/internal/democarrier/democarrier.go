// Package democarrier is the carrier the example programs ship with: it
// prices parcels from a small table, buys labels with tracking numbers it
// makes up, and can be slow or fail on purpose. It is also a model of a
// carrier adapter: a shipping.Carrier that is a shipping.LabelBuyer, honours
// its context, validates what it is asked and never buys a label twice for
// one idempotency key.
package democarrier

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// ErrUnavailable is what a call answers when Options.Fail says it fails: a
// transient outage, as an HTTP 503 would be. It matches oms.ErrUnavailable.
var ErrUnavailable = fmt.Errorf("democarrier: service unavailable: %w", oms.ErrUnavailable)

// Service is one service of the carrier: a base price per parcel plus a price
// per started kilogram of billable weight.
type Service struct {
	Code        string
	Name        string
	Level       oms.ServiceLevel
	Base        oms.Money
	PerKg       oms.Money
	TransitDays int
}

// Options configures New. The zero value (or nil) gives a carrier "parcelco"
// with a ground and an express service in USD that answers at once.
type Options struct {
	// Code is the carrier's code; default "parcelco".
	Code string
	// Services are the services quoted; default ground (5.00 + 0.90/kg,
	// 3 days) and express (12.00 + 1.80/kg, 1 day), in USD.
	Services []Service
	// DimFactor is the dimensional-weight rule; default 5000 cm³/kg.
	DimFactor oms.DimFactor
	// Clock stamps labels; default the system clock.
	Clock oms.Clock
	// Latency, when set, returns how long each call waits before it
	// answers (in real time, cut short by the context).
	Latency func() time.Duration
	// Fail, when set, is asked once per call; true makes the call fail with
	// ErrUnavailable.
	Fail func() bool
}

// Carrier is a demo carrier. It is safe for concurrent use.
type Carrier struct {
	opts Options

	mu     sync.Mutex
	labels map[string]shipping.Label // by idempotency key
	seq    int
	calls  int
	fails  int
}

var (
	_ shipping.Carrier    = (*Carrier)(nil)
	_ shipping.LabelBuyer = (*Carrier)(nil)
)

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

// New returns a carrier configured by opts.
func New(opts *Options) *Carrier {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Code == "" {
		o.Code = "parcelco"
	}
	if o.Services == nil {
		o.Services = []Service{
			{Code: "ground", Name: "Ground", Level: oms.LevelStandard, Base: usd("5.00"), PerKg: usd("0.90"), TransitDays: 3},
			{Code: "express", Name: "Express", Level: oms.LevelExpress, Base: usd("12.00"), PerKg: usd("1.80"), TransitDays: 1},
		}
	}
	if o.DimFactor.Divisor == 0 {
		o.DimFactor = oms.DimFactor{Divisor: 5000}
	}
	if o.Clock == nil {
		o.Clock = oms.SystemClock()
	}
	return &Carrier{opts: o, labels: map[string]shipping.Label{}}
}

// Code implements shipping.Carrier.
func (c *Carrier) Code() string { return c.opts.Code }

// Rates implements shipping.Carrier: one rate per service of a wanted level.
func (c *Carrier) Rates(ctx context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	if err := c.call(ctx); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var rates []shipping.Rate
	for _, s := range c.opts.Services {
		if !req.WantsLevel(s.Level) {
			continue
		}
		price, billable, err := c.price(s, req.Parcels)
		if err != nil {
			return nil, err
		}
		rates = append(rates, shipping.Rate{Carrier: c.opts.Code, ServiceCode: s.Code, ServiceName: s.Name, Level: s.Level,
			Price: price, BillableWeight: billable, TransitDays: s.TransitDays})
	}
	if len(rates) == 0 {
		return nil, &shipping.NoServiceError{Carrier: c.opts.Code, Reason: "no service of the wanted levels"}
	}
	return rates, nil
}

// BuyLabel implements shipping.LabelBuyer: one tracking number per parcel.
// A replayed idempotency key returns the first label.
func (c *Carrier) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	if req.IdempotencyKey == "" {
		return shipping.Label{}, oms.Validationf("democarrier label", "idempotency_key", "is required")
	}
	c.mu.Lock()
	l, ok := c.labels[req.IdempotencyKey]
	c.mu.Unlock()
	if ok {
		return l.Clone(), nil
	}
	if err := c.call(ctx); err != nil {
		return shipping.Label{}, err
	}
	if err := req.Validate(); err != nil {
		return shipping.Label{}, err
	}
	var svc *Service
	for i := range c.opts.Services {
		if c.opts.Services[i].Code == req.ServiceCode {
			svc = &c.opts.Services[i]
		}
	}
	if svc == nil {
		return shipping.Label{}, oms.Validationf("democarrier label", "service_code", "unknown service %q", req.ServiceCode)
	}
	price, _, err := c.price(*svc, req.Parcels)
	if err != nil {
		return shipping.Label{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.labels[req.IdempotencyKey]; ok { // bought meanwhile
		return l.Clone(), nil
	}
	l = shipping.Label{Carrier: c.opts.Code, ServiceCode: svc.Code, Price: price, Format: shipping.LabelPDF, CreatedAt: c.opts.Clock.Now()}
	for range req.Parcels {
		c.seq++
		l.TrackingNumbers = append(l.TrackingNumbers, fmt.Sprintf("%s%010d", prefix(c.opts.Code), c.seq))
	}
	l.ID = "lbl_" + l.TrackingNumbers[0]
	c.labels[req.IdempotencyKey] = l
	return l.Clone(), nil
}

// Labels returns how many labels were bought.
func (c *Carrier) Labels() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.labels)
}

// Calls returns how many calls reached the carrier and how many of them
// failed on purpose.
func (c *Carrier) Calls() (calls, failed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.fails
}

// call waits for the latency and decides whether the call fails.
func (c *Carrier) call(ctx context.Context) error {
	fail := c.opts.Fail != nil && c.opts.Fail()
	c.mu.Lock()
	c.calls++
	if fail {
		c.fails++
	}
	c.mu.Unlock()
	if c.opts.Latency != nil {
		if d := c.opts.Latency(); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return fmt.Errorf("democarrier %s: %w", c.opts.Code, ctx.Err())
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("democarrier %s: %w", c.opts.Code, err)
	}
	if fail {
		return ErrUnavailable
	}
	return nil
}

// price is the service's price for the parcels and their billable weight.
func (c *Carrier) price(s Service, parcels []shipping.Parcel) (oms.Money, oms.Weight, error) {
	total := oms.Zero(s.Base.Currency())
	var billable oms.Weight
	for i, p := range parcels {
		w, err := p.BillableWeight(c.opts.DimFactor)
		if err != nil {
			return oms.Money{}, 0, fmt.Errorf("democarrier: parcel %d: %w", i, err)
		}
		if w > oms.Kilograms(70) {
			return oms.Money{}, 0, &shipping.NoServiceError{Carrier: c.opts.Code, Reason: fmt.Sprintf("parcels[%d]: %s over the limit of 70kg", i, w)}
		}
		kg := int64((w + oms.Kilograms(1) - 1) / oms.Kilograms(1))
		if total, err = total.Add(s.Base); err != nil {
			return oms.Money{}, 0, err
		}
		if total, err = total.Add(s.PerKg.Mul(kg)); err != nil {
			return oms.Money{}, 0, err
		}
		billable += w
	}
	return total.Round(), billable, nil
}

func prefix(code string) string {
	b := []byte(code)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - 'a' + 'A'
		}
	}
	if len(b) > 4 {
		b = b[:4]
	}
	return string(b)
}
