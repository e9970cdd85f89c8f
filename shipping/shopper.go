package shipping

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/omskit/oms"
)

// Defaults of RateShopperOptions.
const (
	DefaultShopConcurrency  = 16
	DefaultCarrierTimeout   = 10 * time.Second
	DefaultBreakerThreshold = 5
	DefaultBreakerCoolDown  = 30 * time.Second
)

// RateShopperOptions tunes a RateShopper. The zero value (or nil) gives the
// defaults.
type RateShopperOptions struct {
	// Clock times cache expiry and breaker cool-downs; a ManualClock lets
	// tests drive them. Default the system clock. Carrier timeouts and the
	// caller's deadline are context deadlines, in real time, because the
	// carriers' I/O runs on them.
	Clock oms.Clock
	// Concurrency is how many carriers are asked at once. Default
	// DefaultShopConcurrency.
	Concurrency int
	// CarrierTimeout bounds each carrier's call (within the caller's
	// deadline). Default DefaultCarrierTimeout.
	CarrierTimeout time.Duration
	// CacheTTL is how long a carrier's answer to a request is reused.
	// Zero disables the cache.
	CacheTTL time.Duration
	// BreakerThreshold is how many failures in a row (errors and carrier
	// timeouts, not ErrNoService, bad requests or the caller's deadline)
	// open a carrier's breaker. Default DefaultBreakerThreshold; negative
	// disables the breaker.
	BreakerThreshold int
	// BreakerCoolDown is how long an open breaker skips its carrier before
	// a trial call. Default DefaultBreakerCoolDown.
	BreakerCoolDown time.Duration
	// Logger receives carrier failures at warn level. Default: no logging.
	Logger *slog.Logger
}

// RateShopper asks many carriers for rates at once and gathers what comes
// back in time. It is safe for concurrent use.
//
// Each Shop asks every eligible carrier concurrently (at most Concurrency at
// a time, through an errgroup), each under its own CarrierTimeout and all
// under the caller's deadline. A carrier that ignores its context does not
// hold the result: its call is abandoned at the deadline and reported as a
// timeout (its goroutine ends when the carrier finally returns). Identical
// concurrent Shops are collapsed into one (singleflight), answers are cached
// per carrier for CacheTTL, and a carrier that keeps failing is skipped for
// a cool-down by its circuit breaker (see BreakerState).
type RateShopper struct {
	carriers []Carrier
	index    map[string]int
	clock    oms.Clock
	limit    int
	timeout  time.Duration
	ttl      time.Duration
	thresh   int
	coolDown time.Duration
	logger   *slog.Logger
	fmu      sync.Mutex
	flights  map[string]*flight // rounds in progress, by request key
	joined   func()             // test hook: called once a Shop has joined or started a flight
	lone     atomic.Uint64      // numbers the flights of requests that have no key

	mu       sync.Mutex
	cache    map[string]cachedAnswer
	sweepAt  int
	breakers map[string]*breaker
}

type cachedAnswer struct {
	rates   []Rate
	status  CarrierStatus
	err     error
	expires time.Time
}

// NewRateShopper returns a shopper over carriers. The error matches
// oms.ErrValidation for no carriers, a nil carrier, an empty or duplicate
// code, or negative options.
func NewRateShopper(carriers []Carrier, opts *RateShopperOptions) (*RateShopper, error) {
	if opts == nil {
		opts = &RateShopperOptions{}
	}
	v := &oms.ValidationError{Entity: "rate shopper"}
	s := &RateShopper{
		carriers: slices.Clone(carriers),
		index:    make(map[string]int, len(carriers)),
		clock:    opts.Clock,
		limit:    cmp.Or(opts.Concurrency, DefaultShopConcurrency),
		timeout:  cmp.Or(opts.CarrierTimeout, DefaultCarrierTimeout),
		ttl:      opts.CacheTTL,
		thresh:   cmp.Or(opts.BreakerThreshold, DefaultBreakerThreshold),
		coolDown: cmp.Or(opts.BreakerCoolDown, DefaultBreakerCoolDown),
		logger:   opts.Logger,
		cache:    make(map[string]cachedAnswer),
		sweepAt:  64,
		breakers: make(map[string]*breaker, len(carriers)),
	}
	if s.clock == nil {
		s.clock = oms.SystemClock()
	}
	if len(carriers) == 0 {
		v.Add("carriers", "at least one carrier is required")
	}
	for i, c := range carriers {
		f := indexField("carriers", i)
		if c == nil {
			v.Add(f, "is nil")
			continue
		}
		code, ok := carrierCode(c)
		if !ok {
			v.Add(f, "Code panicked (a nil pointer in a non-nil interface?)")
			continue
		}
		if code == "" {
			v.Add(f, "has an empty code")
			continue
		}
		if j, dup := s.index[code]; dup {
			v.Add(f, "duplicate code %q (also carriers[%d])", code, j)
			continue
		}
		s.index[code] = i
		s.breakers[code] = &breaker{}
	}
	if opts.Concurrency < 0 {
		v.Add("concurrency", "must not be negative, got %d", opts.Concurrency)
	}
	if opts.CarrierTimeout < 0 {
		v.Add("carrier_timeout", "must not be negative, got %s", opts.CarrierTimeout)
	}
	if opts.CacheTTL < 0 {
		v.Add("cache_ttl", "must not be negative, got %s", opts.CacheTTL)
	}
	if opts.BreakerCoolDown < 0 {
		v.Add("breaker_cool_down", "must not be negative, got %s", opts.BreakerCoolDown)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// carrierCode returns c.Code(), and false when it panics (a typed nil
// carrier, say).
func carrierCode(c Carrier) (code string, ok bool) {
	defer func() {
		if recover() != nil {
			code, ok = "", false
		}
	}()
	return c.Code(), true
}

// Carrier returns the shopper's carrier with the given code (codes are
// case-sensitive), and false when there is none. A Rate names its carrier
// by code, so this is how a chosen rate reaches the carrier's optional
// interfaces:
//
//	c, _ := shopper.Carrier(rate.Carrier)
//	if lb, ok := c.(shipping.LabelBuyer); ok { ... }
func (s *RateShopper) Carrier(code string) (Carrier, bool) {
	i, ok := s.index[code]
	if !ok {
		return nil, false
	}
	return s.carriers[i], true
}

// Carriers returns the codes of the shopper's carriers, in order.
func (s *RateShopper) Carriers() []string {
	codes := make([]string, len(s.carriers))
	for i, c := range s.carriers {
		codes[i] = c.Code()
	}
	return codes
}

// BreakerState returns the state of carrier code's breaker now, and false
// for an unknown code.
func (s *RateShopper) BreakerState(code string) (BreakerState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.breakers[code]
	if !ok {
		return "", false
	}
	return b.state(s.clock.Now(), s.coolDown), true
}

// ShopResult is the outcome of a rate shop: the valid rates that arrived in
// time and one report per carrier.
type ShopResult struct {
	// Rates are the valid rates, cheapest first (ties: fewer transit days,
	// then carrier and service code).
	Rates []Rate `json:"rates"`
	// Carriers has one report per eligible carrier, in the shopper's order.
	Carriers []CarrierReport `json:"carriers"`
	// Shared says the result was shared with identical concurrent requests.
	Shared bool `json:"shared,omitempty"`
}

// CarrierReport is one carrier's part in a rate shop.
type CarrierReport struct {
	// Carrier is the carrier's code.
	Carrier string `json:"carrier"`
	// Status is the outcome.
	Status CarrierStatus `json:"status"`
	// Rates is how many of its rates were kept.
	Rates int `json:"rates"`
	// Cached says the answer came from the cache.
	Cached bool `json:"cached,omitempty"`
	// Err is nil when Status is StatusOK and a *CarrierError otherwise.
	// It marshals to JSON as the "error" string.
	Err error `json:"-"`
}

// MarshalJSON encodes the report with its error as an "error" string.
func (r CarrierReport) MarshalJSON() ([]byte, error) {
	type plain CarrierReport
	var msg string
	if r.Err != nil {
		msg = r.Err.Error()
	}
	return json.Marshal(struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain(r), msg})
}

// UnmarshalJSON decodes what MarshalJSON writes. A report whose status is
// not ok gets back a *CarrierError of its carrier and status with the same
// text, which matches the kind of problem its status stands for
// (ErrNoService, ErrCarrierTimeout, ErrCircuitOpen, ErrInvalidRate); the
// original cause's own type is not carried by JSON. An unknown status is
// an error matching oms.ErrValidation.
func (r *CarrierReport) UnmarshalJSON(b []byte) error {
	type plain CarrierReport
	var v struct {
		plain
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if !v.Status.Valid() {
		return oms.Validationf("carrier report", "status", "unknown status %q", v.Status)
	}
	rep := CarrierReport(v.plain)
	rep.Err = nil
	if rep.Status != StatusOK {
		msg := v.Error
		if msg == "" {
			msg = string(rep.Status)
		}
		msg = strings.TrimPrefix(msg, fmt.Sprintf("shipping: carrier %q %s: ", rep.Carrier, rep.Status))
		rep.Err = &CarrierError{Carrier: rep.Carrier, Status: rep.Status, Err: &readError{msg: msg, kind: statusKinds[rep.Status]}}
	}
	*r = rep
	return nil
}

// statusKinds maps a carrier status to the error kind its problems match.
var statusKinds = map[CarrierStatus]error{
	StatusNoService: ErrNoService,
	StatusInvalid:   ErrInvalidRate,
	StatusTimeout:   ErrCarrierTimeout,
	StatusSkipped:   ErrCircuitOpen,
}

// readError is a carrier's problem read back from JSON: its text, and the
// kind of error its status stands for.
type readError struct {
	msg  string
	kind error
}

func (e *readError) Error() string { return e.msg }

func (e *readError) Is(target error) bool {
	return e.kind != nil && (target == e.kind || errors.Is(e.kind, target))
}

// Errors returns the reports' errors, in carrier order.
func (r *ShopResult) Errors() []*CarrierError {
	var out []*CarrierError
	for _, c := range r.Carriers {
		var ce *CarrierError
		if errors.As(c.Err, &ce) {
			out = append(out, ce)
		}
	}
	return out
}

// Err joins the carriers' errors, or returns nil when every carrier answered
// well.
func (r *ShopResult) Err() error {
	var errs []error
	for _, e := range r.Errors() {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// Report returns the report of carrier code.
func (r *ShopResult) Report(code string) (CarrierReport, bool) {
	for _, c := range r.Carriers {
		if c.Carrier == code {
			return c, true
		}
	}
	return CarrierReport{}, false
}

func (r *ShopResult) clone() *ShopResult {
	return &ShopResult{Rates: slices.Clone(r.Rates), Carriers: slices.Clone(r.Carriers), Shared: r.Shared}
}

// Shop asks the request's eligible carriers (all, or those named in
// req.Carriers) for rates and returns what arrived in time, plus a report per
// carrier. Carrier failures, timeouts, skips and malformed rates are in the
// reports, never in the returned error; one carrier's trouble never hides
// another's rates.
//
// The returned error is for the request itself: a *oms.ValidationError
// listing every problem of req (bad parcels, unknown countries, unknown
// carrier codes), or an error wrapping the context's error when ctx is
// already done (a deadline already passed) or ends while the call waits
// for a shared result.
//
// Concurrent calls with an identical request share one round of carrier
// calls, run under the first caller's deadline but not its cancellation.
func (s *RateShopper) Shop(ctx context.Context, req RateRequest) (*ShopResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shipping: rate shop not started: %w", err)
	}
	if err := s.validate(req); err != nil {
		return nil, err
	}
	req = req.clone()
	key, cacheKey, ok := requestKeys(req)
	if !ok {
		// No faithful key: a flight of its own, and no cache.
		key, cacheKey = fmt.Sprintf("\x01%d", s.lone.Add(1)), ""
	}
	f, lead := s.join(key)
	if lead {
		flightCtx := context.WithoutCancel(ctx)
		cancel := context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok {
			flightCtx, cancel = context.WithDeadline(flightCtx, dl)
		}
		go func() {
			defer cancel()
			s.land(key, f, s.shop(flightCtx, req, cacheKey))
		}()
	}
	if s.joined != nil {
		s.joined()
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		if !lead || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("shipping: rate shop abandoned: %w", ctx.Err())
		}
		// The round is this call's own and ends at the same deadline
		// (whether or not it has started yet): take what arrived in time.
		<-f.done
	}
	out := f.res.clone()
	out.Shared = f.shared
	return out, nil
}

// flight is one round of carrier calls that identical concurrent Shops
// share.
type flight struct {
	done   chan struct{} // closed once res and shared are set
	res    *ShopResult
	dups   int  // callers that joined the leader; under RateShopper.fmu
	shared bool // dups > 0 when the round ended
}

// join returns the flight of key in progress, or a new one and true when
// the caller leads it (and must start it). Which one the caller is must be
// known at once: a leader whose deadline passes before its round has
// started waits for the round, which ends at that deadline; a caller that
// joined another's round does not.
func (s *RateShopper) join(key string) (*flight, bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if f, ok := s.flights[key]; ok {
		f.dups++
		return f, false
	}
	if s.flights == nil {
		s.flights = make(map[string]*flight)
	}
	f := &flight{done: make(chan struct{})}
	s.flights[key] = f
	return f, true
}

// land ends flight f of key with res: later Shops start a round of their
// own.
func (s *RateShopper) land(key string, f *flight, res *ShopResult) {
	s.fmu.Lock()
	delete(s.flights, key)
	f.res, f.shared = res, f.dups > 0
	s.fmu.Unlock()
	close(f.done)
}

func (s *RateShopper) validate(req RateRequest) error {
	v := &oms.ValidationError{Entity: "rate request"}
	v.Merge("", req.Validate())
	for i, c := range req.Carriers {
		if _, ok := s.index[c]; c != "" && !ok {
			v.Add(indexField("carriers", i), "unknown carrier %q", c)
		}
	}
	return v.Err()
}

// requestKeys returns the singleflight key of req and the cache key of its
// answer (which leaves out the carrier restriction), and false when req has
// no faithful key: JSON cannot write it (a declared value too long), or
// it holds text that is not valid UTF-8, which JSON writes as U+FFFD, so
// that different requests would share a key and one another's rates.
func requestKeys(req RateRequest) (flight, cache string, ok bool) {
	if !validText(reflect.ValueOf(req)) {
		return "", "", false
	}
	carriers := req.Carriers
	req.Carriers = nil
	b, err := json.Marshal(req)
	if err != nil {
		return "", "", false
	}
	slices.Sort(carriers)
	c, _ := json.Marshal(carriers)
	return string(b) + "\x00" + string(c), string(b), true
}

// validText reports whether every string inside v is valid UTF-8.
func validText(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if !validText(v.Field(i)) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if !validText(v.Index(i)) {
				return false
			}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return validText(v.Elem())
		}
	}
	return true
}

// answer is one carrier's outcome inside a shop.
type answer struct {
	rates   []Rate
	status  CarrierStatus
	err     error
	cached  bool
	asked   bool // the breaker let the call through and must hear back (even if it never started)
	failed  bool // counts against the breaker
	neutral bool // counts neither way (the caller's deadline ran out)
	trial   bool // the call was its breaker's half-open trial
}

func (s *RateShopper) shop(ctx context.Context, req RateRequest, cacheKey string) *ShopResult {
	var eligible []Carrier
	for _, c := range s.carriers {
		if len(req.Carriers) == 0 || slices.Contains(req.Carriers, c.Code()) {
			eligible = append(eligible, c)
		}
	}
	answers := make([]answer, len(eligible))
	var g errgroup.Group
	g.SetLimit(s.limit)
	for i, c := range eligible {
		code := c.Code()
		if a, ok := s.fromCache(code, cacheKey); ok {
			answers[i] = a
			continue
		}
		ok, trial := s.allow(code)
		if !ok {
			answers[i] = answer{status: StatusSkipped, err: ErrCircuitOpen}
			continue
		}
		g.Go(func() error {
			answers[i] = s.ask(ctx, c, req)
			answers[i].trial = trial
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through answers, never by error

	total := 0
	for _, a := range answers {
		total += len(a.rates)
	}
	res := &ShopResult{Rates: make([]Rate, 0, total), Carriers: make([]CarrierReport, len(eligible))}
	for i, c := range eligible {
		code, a := c.Code(), answers[i]
		if a.asked {
			s.settle(code, cacheKey, a)
		}
		rep := CarrierReport{Carrier: code, Status: a.status, Rates: len(a.rates), Cached: a.cached}
		if a.err != nil {
			rep.Err = &CarrierError{Carrier: code, Status: a.status, Err: a.err}
			if s.logger != nil && (a.status == StatusFailed || a.status == StatusTimeout || a.status == StatusInvalid) {
				s.logger.Warn("shipping: carrier problem", "carrier", code, "status", string(a.status), "err", a.err)
			}
		}
		res.Carriers[i] = rep
		res.Rates = append(res.Rates, a.rates...)
	}
	slices.SortStableFunc(res.Rates, compareByPrice)
	return res
}

// compareByPrice orders rates cheapest first, then by transit days, carrier
// and service code. Prices in different currencies order by currency code.
func compareByPrice(a, b Rate) int {
	if c, err := a.Price.Cmp(b.Price); err == nil && c != 0 {
		return c
	} else if err != nil {
		return cmp.Compare(a.Price.Currency(), b.Price.Currency())
	}
	return cmp.Or(cmp.Compare(a.TransitDays, b.TransitDays), cmp.Compare(a.Carrier, b.Carrier), cmp.Compare(a.ServiceCode, b.ServiceCode))
}

// ask calls one carrier under its timeout and checks its rates.
func (s *RateShopper) ask(ctx context.Context, c Carrier, req RateRequest) answer {
	if err := ctx.Err(); err != nil {
		// Not the carrier's fault, but the breaker must hear back: this
		// may have been its half-open trial.
		return answer{asked: true, status: StatusTimeout, neutral: true, err: fmt.Errorf("%w: the caller's deadline passed before it was asked (%w)", ErrCarrierTimeout, err)}
	}
	cctx, cancel := context.WithTimeoutCause(ctx, s.timeout, ErrCarrierTimeout)
	defer cancel()
	type reply struct {
		rates []Rate
		err   error
		late  bool // the carrier returned once its context was done
	}
	done := make(chan reply, 1) // buffered: an abandoned carrier can still send and exit
	go func() {
		rates, err := callRates(cctx, c, req.clone())
		done <- reply{rates, err, cctx.Err() != nil}
	}()
	var r reply
	select {
	case r = <-done:
	case <-cctx.Done():
		select {
		case r = <-done: // it answered at the last moment (in time unless late)
		default:
			return s.timedOut(cctx)
		}
	}
	if r.late {
		// It answered after its timeout or the deadline: whether its
		// answer was read in time must not depend on which goroutine
		// woke first.
		return s.timedOut(cctx)
	}
	a := answer{asked: true}
	switch {
	case r.err == nil:
	case errors.Is(r.err, ErrNoService):
		a.status, a.err = StatusNoService, r.err
		return a
	case cctx.Err() != nil && (errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled)):
		return s.timedOut(cctx)
	default:
		a.status, a.err = StatusFailed, r.err
		a.failed = !errors.Is(r.err, oms.ErrValidation)
		return a
	}
	a.rates, a.err = s.check(c.Code(), req, r.rates)
	switch {
	case a.err != nil:
		a.status = StatusInvalid
	case len(a.rates) == 0:
		a.status, a.err = StatusNoService, &NoServiceError{Carrier: c.Code(), Reason: "no rates for the wanted service levels"}
	default:
		a.status = StatusOK
	}
	return a
}

// callRates calls the carrier, turning a panic into an error.
func callRates(ctx context.Context, c Carrier, req RateRequest) (rates []Rate, err error) {
	defer func() {
		if p := recover(); p != nil {
			rates, err = nil, fmt.Errorf("shipping: carrier panicked: %v", p)
		}
	}()
	return c.Rates(ctx, req)
}

func (s *RateShopper) timedOut(cctx context.Context) answer {
	if context.Cause(cctx) == ErrCarrierTimeout {
		return answer{asked: true, status: StatusTimeout, failed: true,
			err: fmt.Errorf("%w: no answer within its timeout of %s", ErrCarrierTimeout, s.timeout)}
	}
	return answer{asked: true, status: StatusTimeout, neutral: true,
		err: fmt.Errorf("%w: no answer before the caller's deadline (%w)", ErrCarrierTimeout, cctx.Err())}
}

// check keeps the well-formed rates of the wanted levels and currency, and
// returns an error listing the rejected ones.
func (s *RateShopper) check(code string, req RateRequest, rates []Rate) ([]Rate, error) {
	kept := make([]Rate, 0, len(rates))
	var errs []error
	for i, r := range rates {
		if r.Carrier == "" {
			r.Carrier = code
		}
		v := &oms.ValidationError{Entity: "rate"}
		v.Merge("", r.Validate())
		if r.Carrier != code {
			v.Add("carrier", "is %q, want %q", r.Carrier, code)
		}
		if req.Currency != "" && r.Price.Valid() && r.Price.Currency() != req.Currency {
			v.Add("price", "unexpected currency %s, want %s", r.Price.Currency(), req.Currency)
		}
		if err := v.Err(); err != nil {
			errs = append(errs, fmt.Errorf("rates[%d] %s: %w", i, r.Key(), err))
			continue
		}
		if req.WantsLevel(r.Level) {
			kept = append(kept, r)
		}
	}
	if len(errs) > 0 {
		return kept, fmt.Errorf("%w: %w", ErrInvalidRate, errors.Join(errs...))
	}
	return kept, nil
}

func (s *RateShopper) fromCache(code, key string) (answer, bool) {
	if s.ttl <= 0 || key == "" {
		return answer{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.cache[code+"\x00"+key]
	if !ok {
		return answer{}, false
	}
	if !s.clock.Now().Before(e.expires) {
		delete(s.cache, code+"\x00"+key)
		return answer{}, false
	}
	return answer{rates: slices.Clone(e.rates), status: e.status, err: e.err, cached: true}, true
}

func (s *RateShopper) allow(code string) (ok, trial bool) {
	if s.thresh < 0 {
		return true, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.breakers[code].allow(s.clock.Now(), s.coolDown)
}

// settle records an asked carrier's outcome in its breaker and the cache.
func (s *RateShopper) settle(code, key string, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.thresh >= 0 {
		s.breakers[code].record(now, a.failed, a.neutral, a.trial, s.thresh)
	}
	if s.ttl <= 0 || key == "" || (a.status != StatusOK && a.status != StatusNoService) {
		return
	}
	if len(s.cache) >= s.sweepAt {
		for k, e := range s.cache {
			if !now.Before(e.expires) {
				delete(s.cache, k)
			}
		}
		s.sweepAt = max(64, 2*len(s.cache))
	}
	s.cache[code+"\x00"+key] = cachedAnswer{rates: slices.Clone(a.rates), status: a.status, err: a.err, expires: now.Add(s.ttl)}
}
