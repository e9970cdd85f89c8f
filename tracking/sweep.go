package tracking

import (
	"context"
	"fmt"
	"time"

	"github.com/omskit/oms"
)

// AlertKind names an exception rule of the sweep.
type AlertKind string

// The sweep's rules.
const (
	// AlertStalled: no scan for longer than the status's stall threshold.
	AlertStalled AlertKind = "stalled"
	// AlertLate: past the promised date, or the carrier's estimate moved
	// past it.
	AlertLate AlertKind = "late"
	// AlertFailedAttempt: a delivery attempt failed.
	AlertFailedAttempt AlertKind = "failed_attempt"
	// AlertReturn: the parcel is going (or went) back to the sender.
	AlertReturn AlertKind = "return_to_sender"
)

// Valid reports whether k is one of the rules.
func (k AlertKind) Valid() bool {
	switch k {
	case AlertStalled, AlertLate, AlertFailedAttempt, AlertReturn:
		return true
	}
	return false
}

// Alert is one problem the sweep found. A tracker keeps its alerts, and
// the sweep raises an alert with a given ID only once.
type Alert struct {
	// ID identifies the alert within its tracker, such as
	// "stalled:in_transit:2026-01-02T10:00:00Z": a new scan makes a new
	// stall, a new estimate a new lateness.
	ID   string    `json:"id"`
	Kind AlertKind `json:"kind"`
	// Reason says why (no_scan, past_promised_date, estimate_after_promise,
	// the failed attempt's or the return's reason).
	Reason Reason `json:"reason"`
	// Status is the tracker's status when the alert was raised.
	Status Status `json:"status"`
	// Since is what the rule measured from, in UTC: the last scan, the end
	// of the promised day or the start of the estimated day in the
	// destination zone, the event.
	Since time.Time `json:"since"`
	// At is the sweep time.
	At time.Time `json:"at"`
}

// Detect returns the alerts that the rules raise for t at time at, with
// stall thresholds per status (a missing or non-positive threshold turns
// the stall rule off for that status), including alerts t already holds.
// It is a pure function.
func Detect(t *Tracker, at time.Time, stallAfter map[Status]time.Duration) []Alert {
	var out []Alert
	if t == nil {
		return nil
	}
	add := func(id string, k AlertKind, r Reason, since time.Time) {
		out = append(out, Alert{ID: id, Kind: k, Reason: r, Status: t.Status, Since: since, At: at})
	}
	if t.Status == StatusDelivered || t.Status == StatusCancelled {
		return nil
	}
	open := !t.Status.Terminal()
	if open {
		last := t.LastScanAt()
		if last.IsZero() {
			last = t.CreatedAt
		}
		if d := stallAfter[t.Status]; d > 0 && !last.IsZero() && at.Sub(last) >= d {
			add("stalled:"+string(t.Status)+":"+stamp(last), AlertStalled, ReasonNoScan, last)
		}
		if !t.PromisedBy.IsZero() {
			zone := t.Zone()
			switch {
			case t.PromisedBy.Passed(at, zone):
				add("late:promised:"+t.PromisedBy.String(), AlertLate, ReasonPastPromisedDate, t.PromisedBy.End(zone).UTC())
			case t.EstimatedDelivery.After(t.PromisedBy):
				add("late:estimate:"+t.EstimatedDelivery.String(), AlertLate, ReasonEstimateAfterPromise, t.EstimatedDelivery.In(zone).UTC())
			}
		}
	}
	returned := false
	for _, e := range t.Events {
		switch e.Status {
		case StatusDeliveryFailed:
			if open {
				r := e.Reason
				if r == "" {
					r = ReasonUndeliverable
				}
				add("failed:"+e.ID, AlertFailedAttempt, r, e.Time)
			}
		case StatusReturning, StatusReturned:
			if !returned {
				returned = true
				r := e.Reason
				if r == "" {
					r = ReasonReturnToSender
				}
				add("return", AlertReturn, r, e.Time)
			}
		}
	}
	return out
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// SweepResult is one alert raised by a sweep.
type SweepResult struct {
	Key   Key   `json:"key"`
	Alert Alert `json:"alert"`
}

// Sweep runs the exception rules over the open trackers at time at (pass
// the clock's time; tests pass any time) and records each new alert on its
// tracker with an EventExceptionDetected outbox event. It lists open
// trackers only, ServiceOptions.SweepPageSize at a time by key (closed
// ones get their last alerts when the update that closes them is
// applied). An alert already raised is not raised again, so running the
// sweep twice raises nothing new. It returns the new alerts, ordered by
// tracker key. It then removes the orphans received longer ago than
// ServiceOptions.OrphanRetention before at (see PruneOrphans). A time
// outside years 1 to 9999 (UTC), which no alert could be written with, is
// refused with oms.ErrValidation.
func (s *Service) Sweep(ctx context.Context, at time.Time) ([]SweepResult, error) {
	if y := at.UTC().Year(); y < 1 || y > 9999 {
		return nil, oms.Validationf("sweep", "at", "%s is outside years 1 to 9999", at.UTC())
	}
	out, err := s.sweepTrackers(ctx, at)
	if err != nil || s.opts.OrphanRetention < 0 {
		return out, err
	}
	_, err = s.PruneOrphans(ctx, at.Add(-s.opts.OrphanRetention))
	return out, err
}

// DefaultOrphanRetention is ServiceOptions.OrphanRetention's default.
const DefaultOrphanRetention = 30 * 24 * time.Hour

// PruneOrphans removes every orphan received before before, a page of
// ServiceOptions.SweepPageSize at a time, and returns how many it
// removed. Events for tracking numbers that were never registered (a
// carrier account shared with another shop, a label voided before use)
// would otherwise pile up for ever; Sweep calls it with at minus
// ServiceOptions.OrphanRetention.
func (s *Service) PruneOrphans(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		n, err := s.store.PruneOrphans(ctx, before, s.opts.SweepPageSize)
		total += n
		if err != nil || n < s.opts.SweepPageSize {
			return total, err
		}
	}
}

// sweepTrackers raises the alerts of the open trackers at time at.
func (s *Service) sweepTrackers(ctx context.Context, at time.Time) ([]SweepResult, error) {
	var out []SweepResult
	var after Key
	for {
		page, err := s.store.List(ctx, Filter{Open: true, After: after, Limit: s.opts.SweepPageSize})
		if err != nil {
			return out, err
		}
		for _, t := range page {
			if after != (Key{}) && !KeyLess(after, t.Key()) {
				return out, fmt.Errorf("tracking: sweep: the store listed %s after %s: keys must increase", t.Key(), after)
			}
			after = t.Key()
			if len(newAlerts(t, Detect(t, at, s.stall))) == 0 {
				continue
			}
			var raised []Alert
			_, err := s.update(ctx, t.Key(), func(t *Tracker) (bool, []oms.Event, error) {
				raised = nil // a retry after a lost race starts over
				n := len(t.Alerts)
				evs, err := s.raise(t, at, s.opts.Clock.Now())
				if err != nil || len(evs) == 0 {
					return false, nil, err
				}
				raised = t.Alerts[n:]
				return true, evs, nil
			})
			if err != nil {
				return out, err
			}
			for _, a := range raised {
				out = append(out, SweepResult{Key: t.Key(), Alert: a})
			}
		}
		if len(page) < s.opts.SweepPageSize {
			return out, nil
		}
	}
}

// raise records on t the alerts the rules raise at time at that t does
// not hold yet, and returns their EventExceptionDetected events stamped
// now. t.Version must already be the version being written.
func (s *Service) raise(t *Tracker, at, now time.Time) ([]oms.Event, error) {
	raised := newAlerts(t, Detect(t, at, s.stall))
	evs := make([]oms.Event, 0, len(raised))
	for _, a := range raised {
		t.Alerts = append(t.Alerts, a)
		ev, err := newEvent(EventExceptionDetected, t, now, ExceptionDetectedPayload{Snapshot: t.Snapshot(), Alert: a})
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// newAlerts returns those of alerts t does not hold yet. The held IDs are
// looked up in a set: a parcel with thousands of failed attempts holds as
// many alerts, and every sweep checks each again.
func newAlerts(t *Tracker, alerts []Alert) []Alert {
	if len(alerts) == 0 {
		return nil
	}
	held := make(map[string]bool, len(t.Alerts))
	for _, a := range t.Alerts {
		held[a.ID] = true
	}
	var out []Alert
	for _, a := range alerts {
		if !held[a.ID] {
			out = append(out, a)
		}
	}
	return out
}
