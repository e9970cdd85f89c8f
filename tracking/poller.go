package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/omskit/oms"
)

// Source is where the Poller fetches tracking from: a carrier's tracking
// API or an aggregator, behind the host's client (a shipping.Tracker-style
// carrier capability fits behind it). Track returns the events the source
// knows for the number, old ones included; the Poller applies them
// idempotently. Implementations must be safe for concurrent use.
type Source interface {
	Track(ctx context.Context, carrier, trackingNumber string) (Update, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, carrier, trackingNumber string) (Update, error)

// Track calls f.
func (f SourceFunc) Track(ctx context.Context, carrier, trackingNumber string) (Update, error) {
	return f(ctx, carrier, trackingNumber)
}

// PollerOptions configures a Poller.
type PollerOptions struct {
	// Sources by carrier code (lower case); the "" entry serves every
	// carrier without its own. Required: at least one.
	Sources map[string]Source
	// Interval is the wait after a successful poll. Default 4 hours.
	Interval time.Duration
	// MinBackoff is the wait after the first failure in a row; it doubles
	// with each further failure up to MaxBackoff. Defaults 5 minutes and
	// 12 hours.
	MinBackoff, MaxBackoff time.Duration
	// BatchSize caps the trackers one pass polls. Default 100.
	BatchSize int
	// Tick is how often Run looks for due trackers. Default one minute.
	Tick time.Duration
	// Logger receives source errors at warn level; default none.
	Logger *slog.Logger
}

// Poller asks Sources for the trackers that are due, applies what they
// return, and schedules the next poll: Interval after a success, an
// exponential backoff after failures. Delivered, returned and cancelled
// trackers are not polled. It reads time from the Service's clock. Its
// methods may be called concurrently, though one Run per store is enough.
type Poller struct {
	svc  *Service
	opts PollerOptions
}

// NewPoller returns a poller over svc. A nil svc, no sources or a nil
// source return an error matching oms.ErrValidation.
func NewPoller(svc *Service, opts *PollerOptions) (*Poller, error) {
	var o PollerOptions
	if opts != nil {
		o = *opts
	}
	v := &oms.ValidationError{Entity: "poller options"}
	if svc == nil {
		v.Add("service", "is required")
	}
	if len(o.Sources) == 0 {
		v.Add("sources", "at least one source is required")
	}
	src := make(map[string]Source, len(o.Sources))
	for k, s := range o.Sources {
		if s == nil {
			v.Add("sources", "the source of carrier %q is nil", k)
		}
		src[NewKey(k, "").Carrier] = s
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o.Sources = src
	if o.Interval <= 0 {
		o.Interval = 4 * time.Hour
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 5 * time.Minute
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = 12 * time.Hour
		if o.MaxBackoff < o.MinBackoff {
			o.MaxBackoff = o.MinBackoff
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.Tick <= 0 {
		o.Tick = time.Minute
	}
	return &Poller{svc: svc, opts: o}, nil
}

// Backoff returns the wait after failures failed polls in a row.
func (p *Poller) Backoff(failures int) time.Duration {
	d := p.opts.MinBackoff
	for i := 1; i < failures && d < p.opts.MaxBackoff; i++ {
		if d > p.opts.MaxBackoff/2 { // doubling would pass the cap (or wrap)
			return p.opts.MaxBackoff
		}
		d *= 2
	}
	if d > p.opts.MaxBackoff {
		d = p.opts.MaxBackoff
	}
	return d
}

// PollReport says what one pass did.
type PollReport struct {
	// Polled counts trackers asked for, Failed those whose source failed,
	// Skipped those without a source.
	Polled, Failed, Skipped int
	// Applied counts new events.
	Applied int
}

// PollDue polls every open tracker whose NextPollAt has come (up to
// BatchSize) once. A source error is not returned: it backs the tracker
// off, and so do a source that panics and an update the Service refuses
// as invalid. A tracker
// of a carrier without a source is skipped and looked at again after
// Interval, so such trackers never fill every batch. Store errors are
// returned.
func (p *Poller) PollDue(ctx context.Context) (PollReport, error) {
	var rep PollReport
	now := p.svc.opts.Clock.Now()
	dueBy := now
	if dueBy.IsZero() {
		// A zero PollDueBy means no filter, which at a clock reading the
		// zero time would poll every tracker, backed off or not.
		dueBy = now.Add(time.Nanosecond)
	}
	due, err := p.svc.store.List(ctx, Filter{Open: true, PollDueBy: dueBy, Limit: p.opts.BatchSize})
	if err != nil {
		return rep, err
	}
	for _, t := range due {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if t.NextPollAt.After(now) {
			continue // listed by the nanosecond added to a zero clock
		}
		key := t.Key()
		src, ok := p.opts.Sources[key.Carrier]
		if !ok {
			src, ok = p.opts.Sources[""]
		}
		if !ok {
			// No source for this carrier: look again after Interval, so
			// that such trackers never fill every batch and starve the
			// others.
			rep.Skipped++
			if _, err := p.svc.update(ctx, key, func(t *Tracker) (bool, []oms.Event, error) {
				t.NextPollAt = pollAt(now, p.opts.Interval)
				return true, nil, nil
			}); err != nil {
				return rep, err
			}
			continue
		}
		rep.Polled++
		u, err := track(ctx, src, key)
		if err != nil {
			rep.Failed++
			if err := p.backOff(ctx, key, now, "tracking: poll failed", err); err != nil {
				return rep, err
			}
			continue
		}
		u.Carrier, u.TrackingNumber = key.Carrier, key.TrackingNumber
		if !calendarDay(u.EstimatedDelivery) {
			u.EstimatedDelivery = oms.Date{} // as the webhook decoders do: Apply would refuse the update
		}
		res, err := p.svc.Apply(ctx, u)
		if errors.Is(err, oms.ErrValidation) {
			// The source answered something Apply refuses: like a failed
			// poll, it backs the tracker off rather than stopping every
			// pass at the same tracker.
			rep.Failed++
			if err := p.backOff(ctx, key, now, "tracking: polled update refused", err); err != nil {
				return rep, err
			}
			continue
		}
		if err != nil {
			return rep, err
		}
		rep.Applied += res.Applied
		if _, err := p.svc.update(ctx, key, func(t *Tracker) (bool, []oms.Event, error) {
			t.PollFailures = 0
			t.NextPollAt = pollAt(now, p.opts.Interval)
			return true, nil, nil
		}); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// track asks src for key, turning a panic of the host's client (on a
// malformed answer, say) into an error: the tracker is backed off like
// after any failed poll, and Run goes on with the others.
func track(ctx context.Context, src Source, key Key) (u Update, err error) {
	defer func() {
		if v := recover(); v != nil {
			u, err = Update{}, fmt.Errorf("tracking: source panicked polling %s: %v", key, v)
		}
	}()
	return src.Track(ctx, key.Carrier, key.TrackingNumber)
}

// lastPollAt is the latest next-poll time a tracker gets: the end of year
// 9999, the last a store that writes times as RFC 3339 can hold.
var lastPollAt = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// pollAt returns now+d, at most lastPollAt.
func pollAt(now time.Time, d time.Duration) time.Time {
	if t := now.Add(d); t.Before(lastPollAt) {
		return t
	}
	return lastPollAt
}

// backOff logs why the poll of key failed, counts the failure on the
// tracker and schedules the next poll after the backoff.
func (p *Poller) backOff(ctx context.Context, key Key, now time.Time, msg string, cause error) error {
	if p.opts.Logger != nil {
		p.opts.Logger.Warn(msg, "key", key.String(), "err", cause)
	}
	_, err := p.svc.update(ctx, key, func(t *Tracker) (bool, []oms.Event, error) {
		t.PollFailures++
		t.NextPollAt = pollAt(now, p.Backoff(t.PollFailures))
		return true, nil, nil
	})
	return err
}

// Run polls due trackers every Tick until ctx ends, waiting on the
// Service's clock (a ManualClock drives it in tests). It returns ctx's
// error, or the first store error.
func (p *Poller) Run(ctx context.Context) error {
	for {
		if _, err := p.PollDue(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-oms.After(p.svc.opts.Clock, p.opts.Tick):
		}
	}
}
