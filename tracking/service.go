package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/omskit/oms"
)

// ServiceOptions configures a Service. The zero value (or nil) gives the
// defaults.
type ServiceOptions struct {
	// Clock tells the time; default the system clock.
	Clock oms.Clock
	// MaxFutureSkew is how far ahead of the clock an event's time may be
	// before the event is quarantined as an orphan (OrphanFutureTime)
	// instead of applied: a scan dated next year would otherwise decide the
	// status forever. Default 48 hours.
	MaxFutureSkew time.Duration
	// MaxRetries bounds the retries of a write that lost a version race
	// (oms.ErrConflict), after the first attempt. Default 8.
	MaxRetries int
	// StallAfter is how long a parcel may go without a scan in each status
	// before the sweep flags it; statuses missing here use DefaultStallAfter,
	// and a zero duration turns the stall rule off for that status.
	StallAfter map[Status]time.Duration
	// SweepPageSize is how many open trackers Sweep loads per Store.List
	// call, and how many orphans it prunes per Store.PruneOrphans call.
	// Default 100.
	SweepPageSize int
	// OrphanRetention is how long an orphan (an event for a tracking
	// number without a tracker) is kept for its tracker to be registered:
	// Sweep removes those received longer ago. Default 30 days; a negative
	// value keeps orphans for ever.
	OrphanRetention time.Duration
	// Logger receives warnings; default no logging.
	Logger *slog.Logger
}

// DefaultStallAfter returns the default stall thresholds per status.
func DefaultStallAfter() map[Status]time.Duration {
	day := 24 * time.Hour
	return map[Status]time.Duration{
		StatusPreTransit:         5 * day,
		StatusInTransit:          4 * day,
		StatusOutForDelivery:     36 * time.Hour,
		StatusAvailableForPickup: 7 * day,
		StatusDeliveryFailed:     3 * day,
		StatusException:          3 * day,
		StatusReturning:          10 * day,
		StatusExpired:            30 * day,
		StatusUnknown:            5 * day,
	}
}

// Service registers trackers, applies tracking updates and sweeps for
// exceptions over a Store. It is safe for concurrent use; concurrent
// writes to one tracker are serialized by the store's version check and
// retried.
type Service struct {
	store Store
	opts  ServiceOptions
	stall map[Status]time.Duration
}

// NewService returns a service over store.
func NewService(store Store, opts *ServiceOptions) *Service {
	var o ServiceOptions
	if opts != nil {
		o = *opts
	}
	if o.Clock == nil {
		o.Clock = oms.SystemClock()
	}
	if o.MaxFutureSkew <= 0 {
		o.MaxFutureSkew = 48 * time.Hour
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 8
	}
	if o.SweepPageSize <= 0 {
		o.SweepPageSize = 100
	}
	if o.OrphanRetention == 0 {
		o.OrphanRetention = DefaultOrphanRetention
	}
	stall := DefaultStallAfter()
	for k, v := range o.StallAfter {
		stall[k] = v
	}
	return &Service{store: store, opts: o, stall: stall}
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Clock returns the service's clock.
func (s *Service) Clock() oms.Clock { return s.opts.Clock }

// Registration is what the fulfillment side knows when a label is bought.
type Registration struct {
	// Carrier is the carrier code the tracker is keyed by ("ups"); the
	// webhook's CarrierAliases map providers' codes onto it.
	Carrier string `json:"carrier"`
	// TrackingNumber is the carrier's tracking number.
	TrackingNumber string `json:"tracking_number"`
	// ShipmentRef is the host's shipment (fulfillment) ID. Required; a
	// tracking number belongs to one shipment.
	ShipmentRef oms.ID `json:"shipment_ref"`
	// OrderRef is the order the shipment serves, for messages; optional.
	OrderRef oms.ID `json:"order_ref,omitempty"`
	// CustomerID is the customer the parcel's events name, for consumers
	// such as package notify (which otherwise takes the order's); optional.
	CustomerID oms.ID `json:"customer_id,omitempty"`
	// TrackingURL is the carrier's public tracking page, for messages.
	TrackingURL string `json:"tracking_url,omitempty"`
	// PromisedBy is the delivery day promised to the customer: the parcel
	// is on time while it arrives before that day ends in DestinationZone.
	// The zero Date means nothing was promised (no lateness alerts).
	PromisedBy oms.Date `json:"promised_by,omitzero"`
	// DestinationZone is the IANA time zone of the delivery address
	// ("America/New_York"), in which PromisedBy ends. Empty means UTC.
	DestinationZone string `json:"destination_zone,omitempty"`
}

// Validate lists every problem of r. The error matches oms.ErrValidation.
func (r Registration) Validate() error {
	v := &oms.ValidationError{Entity: "tracker"}
	v.Merge("", NewKey(r.Carrier, r.TrackingNumber).Validate())
	checkID(v, "shipment_ref", r.ShipmentRef, true)
	checkID(v, "order_ref", r.OrderRef, false)
	checkID(v, "customer_id", r.CustomerID, false)
	if r.TrackingURL != "" {
		checkField(v, "tracking_url", r.TrackingURL, 2048)
	}
	if d := r.PromisedBy; !calendarDay(d) {
		v.Add("promised_by", "is not a calendar date between years 1 and 9999: %d-%d-%d", d.Year, int(d.Month), d.Day)
	}
	if _, err := loadZone(r.DestinationZone); err != nil {
		v.Add("destination_zone", "unknown time zone %q", r.DestinationZone)
	}
	return v.Err()
}

// calendarDay reports whether d is the zero Date or a real day of years 1
// to 9999 (what oms.ParseDate reads back).
func calendarDay(d oms.Date) bool {
	return d.IsZero() || d.Year >= 1 && d.Year <= 9999 && oms.NewDate(d.Year, d.Month, d.Day) == d
}

// Register creates the tracker of a shipment, or returns it when it is
// already registered with the same registration (a replay). Registering a
// tracking number already used by another shipment, or by the same one
// with another order, customer, URL, promise or zone, returns an error
// matching oms.ErrDuplicate and changes nothing. Orphan events received earlier for the number
// are applied; one still further ahead of the clock than MaxFutureSkew
// (recorded by a service allowing more) stays an orphan until a later
// Register, once it is in time.
func (s *Service) Register(ctx context.Context, r Registration) (*Tracker, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	key := NewKey(r.Carrier, r.TrackingNumber)
	for attempt := 0; ; attempt++ {
		t, err := s.store.Get(ctx, key)
		switch {
		case err == nil:
			if t.ShipmentRef != r.ShipmentRef {
				return nil, fmt.Errorf("tracking: %s is registered for shipment %q: %w", key, t.ShipmentRef, oms.ErrDuplicate)
			}
			if t.OrderRef != r.OrderRef || t.CustomerID != r.CustomerID || t.TrackingURL != r.TrackingURL ||
				t.PromisedBy != r.PromisedBy || t.DestinationZone != r.DestinationZone {
				return nil, fmt.Errorf("tracking: %s is registered for shipment %q with another order, customer, URL or promise: %w", key, t.ShipmentRef, oms.ErrDuplicate)
			}
			if err := s.adopt(ctx, key); err != nil {
				return nil, err
			}
			return s.store.Get(ctx, key)
		case !errors.Is(err, oms.ErrNotFound):
			return nil, err
		}
		now := s.opts.Clock.Now()
		t = NewTracker(key, now)
		t.ShipmentRef, t.OrderRef, t.CustomerID, t.TrackingURL = r.ShipmentRef, r.OrderRef, r.CustomerID, r.TrackingURL
		t.PromisedBy, t.DestinationZone = r.PromisedBy, r.DestinationZone
		t.Version = 1
		ev, err := newEvent(EventRegistered, t, now, RegisteredPayload{Snapshot: t.Snapshot()})
		if err != nil {
			return nil, err
		}
		err = s.store.Save(ctx, t, []oms.Event{ev})
		if errors.Is(err, oms.ErrConflict) && attempt < s.opts.MaxRetries {
			continue // registered concurrently: check it is the same shipment
		}
		if err != nil {
			return nil, err
		}
		if err := s.adopt(ctx, key); err != nil {
			return nil, err
		}
		return s.store.Get(ctx, key)
	}
}

// adopt applies the orphans of key that arrived before its tracker.
func (s *Service) adopt(ctx context.Context, key Key) error {
	orphans, err := s.store.Orphans(ctx, key)
	if err != nil {
		return err
	}
	var u Update
	var ids []string
	var estAt time.Time // the time of the scan the chosen estimate came with
	for _, o := range orphans {
		if o.Cause != OrphanUnknownTracker {
			continue
		}
		u.Events = append(u.Events, o.Event)
		// The estimate that came with the newest scan wins, as it would
		// have had the tracker existed (see setEstimate): not the latest
		// date. Orphans come oldest event first; ties go to the later one.
		if !o.EstimatedDelivery.IsZero() && (u.EstimatedDelivery.IsZero() || !o.Event.Time.Before(estAt)) {
			u.EstimatedDelivery, estAt = o.EstimatedDelivery, o.Event.Time
		}
		ids = append(ids, o.Event.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	u.Carrier, u.TrackingNumber = key.Carrier, key.TrackingNumber
	if _, err := s.Apply(ctx, u); err != nil {
		return err
	}
	// Delete only what the tracker now holds: an orphan this service
	// quarantines (recorded by a service with a longer MaxFutureSkew, or
	// before its clock was set back) stays, to be adopted when it is in
	// time, rather than being lost.
	t, err := s.store.Get(ctx, key)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(t.Events))
	for _, e := range t.Events {
		have[e.ID] = true
	}
	held := ids[:0]
	for _, id := range ids {
		if have[id] { // not t.Has per orphan: quadratic for thousands of them
			held = append(held, id)
		}
	}
	if len(held) == 0 {
		return nil
	}
	return s.store.DeleteOrphans(ctx, key, held...)
}

// Get returns the tracker of carrier and number.
func (s *Service) Get(ctx context.Context, carrier, number string) (*Tracker, error) {
	return s.store.Get(ctx, NewKey(carrier, number))
}

// Result says what applying one Update did.
type Result struct {
	// Key is the update's tracker key.
	Key Key `json:"key"`
	// Applied counts new events, Duplicates events already in the history.
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
	// Orphaned counts events recorded as orphans (no tracker yet), and
	// Quarantined events recorded because their time was missing or too
	// far in the future.
	Orphaned    int `json:"orphaned"`
	Quarantined int `json:"quarantined"`
	// Status is the tracker's status afterwards (empty for orphans) and
	// StatusChanged whether this update changed it.
	Status        Status `json:"status,omitempty"`
	StatusChanged bool   `json:"status_changed"`
}

// Apply applies an update to its tracker, idempotently: events already in
// the history are counted as duplicates and change nothing. Events for a
// tracking number without a tracker are recorded as orphans (and adopted
// at once when the tracker was registered meanwhile); events with a
// missing time or a time more than MaxFutureSkew ahead of the clock are
// quarantined, as are events dated before year 1 (as good as no time) or
// after year 9999 (which no outbox payload can carry as JSON).
// An update with an invalid key returns an error matching
// oms.ErrValidation and changes nothing, as does an EstimatedDelivery
// that is not a calendar day of years 1 to 9999.
func (s *Service) Apply(ctx context.Context, u Update) (Result, error) {
	key := u.Key()
	res := Result{Key: key}
	if err := key.Validate(); err != nil {
		return res, err
	}
	if d := u.EstimatedDelivery; !calendarDay(d) {
		return res, oms.Validationf("tracking update", "estimated_delivery", "is not a calendar date between years 1 and 9999: %d-%d-%d", d.Year, int(d.Month), d.Day)
	}
	now := s.opts.Clock.Now()
	limit := now.Add(s.opts.MaxFutureSkew)
	var good []Event
	var quarantine []Orphan
	for _, e := range u.Events {
		e = e.Normalize()
		if e.Time.IsZero() || e.Time.Year() < 1 || e.Time.Year() > 9999 || e.Time.After(limit) {
			quarantine = append(quarantine, Orphan{Key: key, Event: e, Cause: OrphanFutureTime, ReceivedAt: now})
			continue
		}
		good = append(good, e)
	}
	if len(quarantine) > 0 {
		if _, err := s.store.AddOrphans(ctx, quarantine...); err != nil {
			return res, err
		}
		res.Quarantined = len(quarantine)
	}
	// The estimate is as new as the newest scan it came with; an update
	// without scans carries no date of its own (see setEstimate).
	var asOf time.Time
	last, withScans := latest(good)
	if withScans {
		asOf = last.Time
	}
	for attempt := 0; ; attempt++ {
		t, err := s.store.Get(ctx, key)
		if errors.Is(err, oms.ErrNotFound) {
			orphans := make([]Orphan, len(good))
			for i, e := range good {
				orphans[i] = Orphan{Key: key, Event: e, EstimatedDelivery: u.EstimatedDelivery, Cause: OrphanUnknownTracker, ReceivedAt: now}
			}
			n, err := s.store.AddOrphans(ctx, orphans...)
			if err != nil {
				return res, err
			}
			if n < len(orphans) {
				m, err := s.unquarantine(ctx, key, orphans)
				if err != nil {
					return res, err
				}
				n += m
			}
			res.Orphaned, res.Duplicates = n, len(good)-n
			// A Register that ran between the Get and AddOrphans found no
			// orphans to adopt: adopt them here, or nobody would.
			if _, err := s.store.Get(ctx, key); err == nil {
				return res, s.adopt(ctx, key)
			} else if !errors.Is(err, oms.ErrNotFound) {
				return res, err
			}
			return res, nil
		}
		if err != nil {
			return res, err
		}
		from, fromReason := t.Status, t.Reason
		added := t.Apply(good...)
		prevEst := t.EstimatedDelivery
		estAsOf := asOf
		if !withScans {
			estAsOf = t.LastScanAt()
		}
		estChanged := t.setEstimate(u.EstimatedDelivery, estAsOf) && prevEst != t.EstimatedDelivery
		res.Applied, res.Duplicates, res.Status = added, len(good)-added, t.Status
		if added == 0 && !estChanged {
			return res, nil // a replay: nothing to write
		}
		t.Version++
		t.UpdatedAt = now
		var evs []oms.Event
		if t.Status != from || t.Reason != fromReason {
			res.StatusChanged = true
			dec := t.decidingEvent()
			ev, err := newEvent(EventStatusChanged, t, now, StatusChangedPayload{
				Snapshot: t.Snapshot(), From: from, At: t.StatusAt, RawCode: dec.RawCode, RawText: dec.RawText,
			})
			if err != nil {
				return res, err
			}
			evs = append(evs, ev)
		}
		if estChanged {
			ev, err := newEvent(EventEstimateChanged, t, now, EstimateChangedPayload{Snapshot: t.Snapshot(), Previous: prevEst})
			if err != nil {
				return res, err
			}
			evs = append(evs, ev)
		}
		if t.Status.Terminal() {
			// The sweep scans open trackers only: a parcel that closed
			// (returned) gets its remaining alerts now, in this write.
			alerts, err := s.raise(t, now, now)
			if err != nil {
				return res, err
			}
			evs = append(evs, alerts...)
		}
		err = s.store.Save(ctx, t, evs)
		if errors.Is(err, oms.ErrConflict) && attempt < s.opts.MaxRetries {
			res.StatusChanged = false
			continue
		}
		if err != nil {
			return res, err
		}
		return res, nil
	}
}

// unquarantine records as orphans of an unknown tracker those of orphans
// that the store skipped because it holds them quarantined
// (OrphanFutureTime): an event that came too early once and is now in
// time would otherwise stay quarantined, and Register would never apply
// it. It returns how many it moved.
func (s *Service) unquarantine(ctx context.Context, key Key, orphans []Orphan) (int, error) {
	held, err := s.store.Orphans(ctx, key)
	if err != nil {
		return 0, err
	}
	future := map[string]bool{}
	for _, o := range held {
		if o.Cause == OrphanFutureTime {
			future[o.Event.ID] = true
		}
	}
	var ids []string
	var moved []Orphan
	for _, o := range orphans {
		if future[o.Event.ID] {
			ids = append(ids, o.Event.ID)
			moved = append(moved, o)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := s.store.DeleteOrphans(ctx, key, ids...); err != nil {
		return 0, err
	}
	return s.store.AddOrphans(ctx, moved...)
}

// decidingEvent returns the event with StatusEventID.
func (t *Tracker) decidingEvent() Event {
	for i := len(t.Events) - 1; i >= 0; i-- {
		if t.Events[i].ID == t.StatusEventID {
			return t.Events[i]
		}
	}
	return Event{}
}

// latest returns the newest of events in history order.
func latest(events []Event) (Event, bool) {
	var best Event
	found := false
	for _, e := range events {
		if !found || after(e, best) {
			best, found = e, true
		}
	}
	return best, found
}

// update loads key, lets change modify it and saves it with the events
// change returns, retrying lost version races. change returns false to
// leave the tracker as it is.
func (s *Service) update(ctx context.Context, key Key, change func(t *Tracker) (bool, []oms.Event, error)) (*Tracker, error) {
	for attempt := 0; ; attempt++ {
		t, err := s.store.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		t.Version++
		ok, evs, err := change(t)
		if err != nil || !ok {
			t.Version--
			return t, err
		}
		t.UpdatedAt = s.opts.Clock.Now()
		err = s.store.Save(ctx, t, evs)
		if errors.Is(err, oms.ErrConflict) && attempt < s.opts.MaxRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}
