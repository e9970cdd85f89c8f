// Package shippingtest holds the test helpers of package shipping: a fake
// carrier with scripted rates, latency, errors and label numbers, and
// TestCarrier, the conformance suite that every carrier adapter should
// pass before it is used in production.
package shippingtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
)

// FakeCarrierOptions scripts a FakeCarrier. The zero value (or nil) gives a
// carrier that answers at once with DefaultRates.
type FakeCarrierOptions struct {
	// Rates are returned as they are (so malformed rates can be scripted);
	// nil means DefaultRates(code).
	Rates []shipping.Rate
	// Err, when set, is returned by Rates instead of rates.
	Err error
	// Gate, when set, makes Rates wait until it is closed (or receives).
	Gate <-chan struct{}
	// Latency makes Rates wait this long on Clock (a ManualClock lets a
	// test release it with Advance, without sleeping).
	Latency time.Duration
	// Clock times Latency and stamps labels. Default the system clock.
	Clock oms.Clock
	// IgnoreContext makes Rates wait for Gate and Latency even after its
	// context is done: a carrier that never gives up.
	IgnoreContext bool
	// OnRates, when set, is called at the start of every Rates call, from
	// the caller's goroutine (a barrier in a test, for instance).
	OnRates func(ctx context.Context, req shipping.RateRequest)
	// TrackingNumbers are handed out to bought labels in order; after
	// they run out, numbers are generated ("CODE000001", ...), skipping
	// any already handed out.
	TrackingNumbers []string
	// LabelErr, when set, is returned by BuyLabel.
	LabelErr error
}

// FakeCarrier is a scripted shipping.Carrier for tests. It implements every
// optional interface (LabelBuyer, Voider, Tracker, AddressValidator,
// Manifester) in memory, counts its calls, and can be re-scripted between
// calls. It is safe for concurrent use.
type FakeCarrier struct {
	code string

	mu        sync.Mutex
	opts      FakeCarrierOptions
	calls     int
	lastReq   shipping.RateRequest
	labelCall int
	bought    int
	labels    map[string]fakeLabel // by idempotency key
	byID      map[string]string    // label ID to idempotency key
	events    map[string][]shipping.TrackingEvent
	manifests int
	nextTrack int
	issued    map[string]bool // tracking numbers handed out
}

type fakeLabel struct {
	label  shipping.Label
	req    shipping.LabelRequest
	voided bool
}

var (
	_ shipping.Carrier          = (*FakeCarrier)(nil)
	_ shipping.LabelBuyer       = (*FakeCarrier)(nil)
	_ shipping.Voider           = (*FakeCarrier)(nil)
	_ shipping.Tracker          = (*FakeCarrier)(nil)
	_ shipping.AddressValidator = (*FakeCarrier)(nil)
	_ shipping.Manifester       = (*FakeCarrier)(nil)
)

// NewFakeCarrier returns a fake carrier with the given code.
func NewFakeCarrier(code string, opts *FakeCarrierOptions) *FakeCarrier {
	f := &FakeCarrier{
		code:   code,
		labels: make(map[string]fakeLabel),
		byID:   make(map[string]string),
		events: make(map[string][]shipping.TrackingEvent),
		issued: make(map[string]bool),
	}
	if opts != nil {
		f.opts = *opts
		f.opts.Rates = slices.Clone(opts.Rates)
		f.opts.TrackingNumbers = slices.Clone(opts.TrackingNumbers)
	}
	if f.opts.Rates == nil {
		f.opts.Rates = DefaultRates(code)
	}
	if f.opts.Clock == nil {
		f.opts.Clock = oms.SystemClock()
	}
	return f
}

// DefaultRates returns the rates a fake carrier quotes when none are
// scripted: "ground" (standard, 7.50 USD, 5 days) and "express" (express,
// 19.00 USD, 2 days).
func DefaultRates(code string) []shipping.Rate {
	return []shipping.Rate{
		{Carrier: code, ServiceCode: "ground", ServiceName: "Ground", Level: oms.LevelStandard,
			Price: oms.MustParseMoney("7.50 USD"), ListPrice: oms.MustParseMoney("9.10 USD"), TransitDays: 5},
		{Carrier: code, ServiceCode: "express", ServiceName: "Express", Level: oms.LevelExpress,
			Price: oms.MustParseMoney("19.00 USD"), TransitDays: 2},
	}
}

// Code implements shipping.Carrier.
func (f *FakeCarrier) Code() string { return f.code }

// SetRates replaces the scripted rates (nil: DefaultRates).
func (f *FakeCarrier) SetRates(rates []shipping.Rate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rates == nil {
		rates = DefaultRates(f.code)
	}
	f.opts.Rates = slices.Clone(rates)
}

// SetError makes Rates fail with err (nil: answer again).
func (f *FakeCarrier) SetError(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.Err = err
}

// SetGate makes later Rates calls wait for gate (nil: no waiting).
func (f *FakeCarrier) SetGate(gate <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.Gate = gate
}

// Calls returns how many times Rates was called.
func (f *FakeCarrier) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// LastRequest returns a copy of the request of the latest Rates call, as
// it was asked (the caller's later changes to its slices do not show).
func (f *FakeCarrier) LastRequest() shipping.RateRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneRateRequest(f.lastReq)
}

func cloneRateRequest(r shipping.RateRequest) shipping.RateRequest {
	r.Parcels = slices.Clone(r.Parcels)
	r.Levels = slices.Clone(r.Levels)
	r.Carriers = slices.Clone(r.Carriers)
	return r
}

// LabelCalls returns how many times BuyLabel was called; Purchases how
// many labels it actually bought (replays of a key buy nothing).
func (f *FakeCarrier) LabelCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.labelCall
}

// Purchases returns how many labels were bought.
func (f *FakeCarrier) Purchases() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bought
}

// Rates implements shipping.Carrier: it calls OnRates, validates req, waits
// for Gate and Latency, then returns the scripted error or a copy of the
// scripted rates of the wanted levels (rates with an unknown level pass
// through, so malformed rates can be scripted).
func (f *FakeCarrier) Rates(ctx context.Context, req shipping.RateRequest) ([]shipping.Rate, error) {
	f.mu.Lock()
	f.calls++
	f.lastReq = cloneRateRequest(req)
	o := f.opts
	o.Rates = slices.Clone(f.opts.Rates)
	f.mu.Unlock()

	if o.OnRates != nil {
		o.OnRates(ctx, req)
	}
	if err := ctx.Err(); err != nil && !o.IgnoreContext {
		return nil, fmt.Errorf("shippingtest: %s: %w", f.code, err)
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := f.wait(ctx, o); err != nil {
		return nil, err
	}
	if o.Err != nil {
		return nil, o.Err
	}
	out := o.Rates[:0]
	for _, r := range o.Rates {
		if !r.Level.Valid() || req.WantsLevel(r.Level) {
			out = append(out, r) // malformed levels pass through, as scripted
		}
	}
	return out, nil
}

func (f *FakeCarrier) wait(ctx context.Context, o FakeCarrierOptions) error {
	done := ctx.Done()
	if o.IgnoreContext {
		done = nil
	}
	if o.Gate != nil {
		select {
		case <-o.Gate:
		case <-done:
			return fmt.Errorf("shippingtest: %s: %w", f.code, ctx.Err())
		}
	}
	if o.Latency > 0 {
		select {
		case <-oms.After(o.Clock, o.Latency):
		case <-done:
			return fmt.Errorf("shippingtest: %s: %w", f.code, ctx.Err())
		}
	}
	return nil
}

// BuyLabel implements shipping.LabelBuyer. A replayed idempotency key
// returns the first label; a replay that asks for another shipment
// (another service, origin, destination, return flag or parcels) returns
// an error matching oms.ErrDuplicate.
func (f *FakeCarrier) BuyLabel(ctx context.Context, req shipping.LabelRequest) (shipping.Label, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.labelCall++
	if err := ctx.Err(); err != nil {
		return shipping.Label{}, fmt.Errorf("shippingtest: %s: %w", f.code, err)
	}
	if err := req.Validate(); err != nil {
		return shipping.Label{}, err
	}
	if prev, ok := f.labels[req.IdempotencyKey]; ok {
		if !sameShipment(prev.req, req) {
			return shipping.Label{}, fmt.Errorf("shippingtest: %s: idempotency key %q was used for another label: %w", f.code, req.IdempotencyKey, oms.ErrDuplicate)
		}
		return prev.label.Clone(), nil
	}
	if f.opts.LabelErr != nil {
		return shipping.Label{}, f.opts.LabelErr
	}
	price := oms.Zero(oms.USD)
	found := false
	for _, r := range f.opts.Rates {
		if r.ServiceCode == req.ServiceCode {
			price, found = r.Price, true
			break
		}
	}
	if !found {
		return shipping.Label{}, oms.Validationf("label request", "service_code", "unknown service %q", req.ServiceCode)
	}
	f.bought++
	now := f.opts.Clock.Now()
	l := shipping.Label{
		ID:          fmt.Sprintf("%s-L%04d", f.code, f.bought),
		Carrier:     f.code,
		ServiceCode: req.ServiceCode,
		Price:       price.Mul(int64(len(req.Parcels))),
		Format:      shipping.LabelPDF,
		Data:        []byte("%PDF-fake " + req.IdempotencyKey),
		CreatedAt:   now,
	}
	if req.Format != "" {
		l.Format = req.Format
	}
	for range req.Parcels {
		n := f.trackingNumber()
		l.TrackingNumbers = append(l.TrackingNumbers, n)
		f.events[n] = []shipping.TrackingEvent{{Time: now, Code: "LC", Description: "Label created"}}
	}
	req.Parcels = slices.Clone(req.Parcels) // the caller may reuse its slice
	f.labels[req.IdempotencyKey] = fakeLabel{label: l.Clone(), req: req}
	f.byID[l.ID] = req.IdempotencyKey
	return l, nil
}

// sameShipment reports whether a replayed label request asks for the
// label a was bought for: the same service, addresses, return flag and
// parcels (declared values compared as amounts). The ship date, reference,
// quote and format may differ, as on a retry the next day.
func sameShipment(a, b shipping.LabelRequest) bool {
	return a.ServiceCode == b.ServiceCode && a.Origin == b.Origin && a.Destination == b.Destination && a.Return == b.Return &&
		slices.EqualFunc(a.Parcels, b.Parcels, func(p, q shipping.Parcel) bool {
			return p.Dimensions == q.Dimensions && p.Weight == q.Weight && p.DeclaredValue.Equal(q.DeclaredValue) &&
				p.Contents == q.Contents && p.Preset == q.Preset
		})
}

// trackingNumber returns the next scripted number, or else a generated one
// that no label got before (a scripted "CODE000002" is not generated again).
func (f *FakeCarrier) trackingNumber() string {
	if f.nextTrack < len(f.opts.TrackingNumbers) {
		f.nextTrack++
		n := f.opts.TrackingNumbers[f.nextTrack-1]
		f.issued[n] = true
		return n
	}
	for {
		f.nextTrack++
		if n := fmt.Sprintf("%s%06d", f.code, f.nextTrack); !f.issued[n] {
			f.issued[n] = true
			return n
		}
	}
}

// VoidLabel implements shipping.Voider.
func (f *FakeCarrier) VoidLabel(ctx context.Context, labelID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("shippingtest: %s: %w", f.code, err)
	}
	key, ok := f.byID[labelID]
	if !ok {
		return oms.NotFoundError("label", labelID)
	}
	l := f.labels[key]
	l.voided = true
	f.labels[key] = l
	return nil
}

// Voided reports whether the label was voided.
func (f *FakeCarrier) Voided(labelID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.labels[f.byID[labelID]].voided
}

// AddTrackingEvents appends raw events to a tracking number (creating it).
func (f *FakeCarrier) AddTrackingEvents(trackingNumber string, events ...shipping.TrackingEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events[trackingNumber] = append(f.events[trackingNumber], events...)
}

// Track implements shipping.Tracker.
func (f *FakeCarrier) Track(ctx context.Context, trackingNumber string) ([]shipping.TrackingEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shippingtest: %s: %w", f.code, err)
	}
	ev, ok := f.events[trackingNumber]
	if !ok {
		return nil, oms.NotFoundError("tracking number", trackingNumber)
	}
	return slices.Clone(ev), nil
}

// ValidateAddress implements shipping.AddressValidator: an address is
// deliverable when its normalized form passes oms.Address.Validate; the
// normalized form is suggested when it differs.
func (f *FakeCarrier) ValidateAddress(ctx context.Context, a oms.Address) (shipping.AddressCheck, error) {
	if err := ctx.Err(); err != nil {
		return shipping.AddressCheck{}, fmt.Errorf("shippingtest: %s: %w", f.code, err)
	}
	n := a.Normalize()
	res := a.Residential
	check := shipping.AddressCheck{Deliverable: true, Residential: &res}
	if err := n.Validate(); err != nil {
		check.Deliverable = false
		check.Messages = []string{err.Error()}
	}
	if n != a {
		check.Suggestions = []oms.Address{n}
	}
	return check, nil
}

// Manifest implements shipping.Manifester: it covers the listed labels (all
// labels not voided when none are listed). An unknown label ID returns an
// error matching oms.ErrNotFound.
func (f *FakeCarrier) Manifest(ctx context.Context, req shipping.ManifestRequest) (shipping.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return shipping.Manifest{}, fmt.Errorf("shippingtest: %s: %w", f.code, err)
	}
	ids := slices.Clone(req.LabelIDs)
	if len(ids) == 0 {
		for id, key := range f.byID {
			if !f.labels[key].voided {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
	}
	for _, id := range ids {
		if _, ok := f.byID[id]; !ok {
			return shipping.Manifest{}, oms.NotFoundError("label", id)
		}
	}
	f.manifests++
	return shipping.Manifest{
		ID:       fmt.Sprintf("%s-M%04d", f.code, f.manifests),
		Carrier:  f.code,
		Date:     req.Date,
		LabelIDs: ids,
		Document: []byte("manifest " + req.Date.String()),
	}, nil
}
