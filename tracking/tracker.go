package tracking

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones embedded, so destination zones load on any host
	"unicode/utf8"

	"github.com/omskit/oms"
)

// Key identifies a tracker: a carrier code (lower case) and a tracking
// number. Carriers reuse numbers, so the number alone is not enough.
type Key struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
}

// NewKey returns the key of carrier and number, trimmed, with the carrier
// in lower case and the number in upper case without inner spaces. Text
// that is not valid UTF-8 is kept as it is, for Validate to refuse
// (changing its case would replace the bad bytes by U+FFFD, and two
// different numbers would name one tracker).
func NewKey(carrier, number string) Key {
	number = strings.Join(strings.Fields(number), "")
	if utf8.ValidString(number) {
		number = strings.ToUpper(number)
	}
	carrier = strings.TrimSpace(carrier)
	if utf8.ValidString(carrier) {
		carrier = strings.ToLower(carrier)
	}
	return Key{Carrier: carrier, TrackingNumber: number}
}

// KeyLess reports whether a sorts before b: by carrier, then by tracking
// number, comparing bytes. Store.List returns trackers in this order.
func KeyLess(a, b Key) bool {
	if a.Carrier != b.Carrier {
		return a.Carrier < b.Carrier
	}
	return a.TrackingNumber < b.TrackingNumber
}

// String returns "carrier/number".
func (k Key) String() string { return k.Carrier + "/" + k.TrackingNumber }

// ID returns the tracker's aggregate ID, derived from the key: the same key
// gives the same ID everywhere.
func (k Key) ID() oms.ID { return oms.DeriveID("tracking", k.String()) }

// Validate reports an empty, oversized or non-printable carrier or number,
// and a carrier with a "/" (String and ID join carrier and number with
// one, so "a/1" with "2" and "a" with "1/2" would name one aggregate).
// The error matches oms.ErrValidation.
func (k Key) Validate() error {
	v := &oms.ValidationError{Entity: "tracker"}
	checkField(v, "carrier", k.Carrier, 64)
	if strings.Contains(k.Carrier, "/") {
		v.Add("carrier", "must not contain \"/\", which separates it from the tracking number")
	}
	checkField(v, "tracking_number", k.TrackingNumber, 128)
	return v.Err()
}

// checkID records a problem with field when id is not a valid oms.ID
// (empty passes unless required).
func checkID(v *oms.ValidationError, field string, id oms.ID, required bool) {
	if id == "" && !required {
		return
	}
	var ve *oms.ValidationError
	if err := oms.ValidateID(id); errors.As(err, &ve) {
		for _, p := range ve.Problems {
			v.Add(field, "%s", p.Message)
		}
	}
}

// zones caches loaded time zones by name.
var zones sync.Map // string -> *time.Location

// loadZone returns the IANA time zone name ("" is UTC), cached.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "Local" || len(name) > 64 || cleanText(name) != name || strings.ContainsAny(name, " \\") {
		return nil, oms.Validationf("tracker", "destination_zone", "unknown time zone %q", name)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, oms.Validationf("tracker", "destination_zone", "unknown time zone %q", name)
	}
	zones.Store(name, l)
	return l, nil
}

// Zone returns the tracker's destination time zone: DestinationZone
// loaded, or UTC when it is empty or unknown.
func (t *Tracker) Zone() *time.Location {
	l, err := loadZone(t.DestinationZone)
	if err != nil {
		return time.UTC
	}
	return l
}

func checkField(v *oms.ValidationError, field, s string, max int) {
	switch {
	case s == "":
		v.Add(field, "is required")
	case len(s) > max:
		v.Add(field, "is longer than %d bytes", max)
	case cleanText(s) != s:
		v.Add(field, "must be printable UTF-8 text")
	}
}

// Tracker is the aggregate of one tracking number: whom it belongs to, the
// scans received so far (sorted), the current status they decide, and the
// carrier's estimate. Apply is idempotent and order-insensitive: the
// history and the status are functions of the set of events applied.
//
// A Tracker is a value owned by its caller; it is not safe for concurrent
// use. Stores copy it in and out.
type Tracker struct {
	// ID is derived from the key (Key.ID).
	ID oms.ID `json:"id"`
	// Carrier and TrackingNumber are the key.
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// ShipmentRef is the host's shipment (or fulfillment) ID.
	ShipmentRef oms.ID `json:"shipment_ref,omitempty"`
	// OrderRef and CustomerID name the order and the customer, for the
	// consumers of the tracker's events (package notify); both optional.
	OrderRef   oms.ID `json:"order_ref,omitempty"`
	CustomerID oms.ID `json:"customer_id,omitempty"`
	// TrackingURL is the carrier's public tracking page, for messages.
	TrackingURL string `json:"tracking_url,omitempty"`
	// PromisedBy is the delivery day promised to the customer; the zero
	// Date when none was promised. The parcel is late once that day is over
	// in DestinationZone (PromisedBy.Passed(now, t.Zone())).
	PromisedBy oms.Date `json:"promised_by,omitzero"`
	// DestinationZone is the IANA time zone of the delivery address; empty
	// means UTC.
	DestinationZone string `json:"destination_zone,omitempty"`
	// Events is the history, sorted by time (ties: status rank, then ID).
	Events []Event `json:"events,omitempty"`
	// Status and Reason are decided by the events (see Fold).
	Status Status `json:"status"`
	Reason Reason `json:"reason,omitempty"`
	// StatusAt is the time of the event that decided Status and
	// StatusEventID its ID; both are zero while no event was applied.
	StatusAt      time.Time `json:"status_at,omitzero"`
	StatusEventID string    `json:"status_event_id,omitempty"`
	// EstimatedDelivery is the carrier's latest estimate and EstimateAsOf
	// the time of the information it came with.
	EstimatedDelivery oms.Date  `json:"estimated_delivery,omitzero"`
	EstimateAsOf      time.Time `json:"estimate_as_of,omitzero"`
	// Alerts are the exceptions the sweep has flagged, each once.
	Alerts []Alert `json:"alerts,omitempty"`
	// NextPollAt and PollFailures schedule the Poller.
	NextPollAt   time.Time `json:"next_poll_at,omitzero"`
	PollFailures int       `json:"poll_failures,omitempty"`
	// CreatedAt and UpdatedAt come from the service's clock.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version counts saved changes; the first save is version 1.
	Version int64 `json:"version"`
}

// NewTracker returns an empty tracker for key at time now: status
// pre_transit, version 0 (not yet saved).
func NewTracker(key Key, now time.Time) *Tracker {
	return &Tracker{
		ID:             key.ID(),
		Carrier:        key.Carrier,
		TrackingNumber: key.TrackingNumber,
		Status:         StatusPreTransit,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
}

// Key returns the tracker's key.
func (t *Tracker) Key() Key { return Key{Carrier: t.Carrier, TrackingNumber: t.TrackingNumber} }

// Clone returns a deep copy of t.
func (t *Tracker) Clone() *Tracker {
	if t == nil {
		return nil
	}
	c := *t
	c.Events = append([]Event(nil), t.Events...)
	c.Alerts = append([]Alert(nil), t.Alerts...)
	return &c
}

// Has reports whether the history holds the event with this ID.
func (t *Tracker) Has(id string) bool {
	for i := range t.Events {
		if t.Events[i].ID == id {
			return true
		}
	}
	return false
}

// LastScanAt returns the time of the newest event, or the zero time.
func (t *Tracker) LastScanAt() time.Time {
	if len(t.Events) == 0 {
		return time.Time{}
	}
	return t.Events[len(t.Events)-1].Time
}

// Apply adds events to the history and recomputes the current status. Each
// event is normalized first; an event already present (same ID) is
// skipped. It returns how many events were new. Apply never fails: a code
// no mapper knew is StatusUnknown and keeps its raw code.
func (t *Tracker) Apply(events ...Event) (added int) {
	if len(events) > mergeAbove {
		return t.merge(events)
	}
	if need := len(t.Events) + len(events); cap(t.Events) < need {
		grown := make([]Event, len(t.Events), need)
		copy(grown, t.Events)
		t.Events = grown
	}
	for _, e := range events {
		if t.insert(e.Normalize()) {
			added++
		}
	}
	return added
}

// mergeAbove is the batch size from which Apply sorts the batch and merges
// it into the history in one pass, rather than inserting each event (a
// shift of the history each): a webhook or poll of thousands of scans in
// reverse order would otherwise take quadratic time.
const mergeAbove = 16

// merge applies a batch of events: it normalizes and sorts them, and
// merges them into the history, skipping those already there (or twice in
// the batch). It returns how many were new.
func (t *Tracker) merge(events []Event) (added int) {
	batch := make([]Event, len(events))
	for i, e := range events {
		batch[i] = e.Normalize()
	}
	sort.Slice(batch, func(i, j int) bool { return after(batch[j], batch[i]) })
	old := t.Events
	merged := make([]Event, 0, len(old)+len(batch))
	i := 0
	for _, e := range batch {
		for i < len(old) && after(e, old[i]) {
			merged = append(merged, old[i])
			i++
		}
		if i < len(old) && old[i].ID == e.ID {
			continue // already in the history
		}
		if n := len(merged); n > 0 && merged[n-1].ID == e.ID {
			continue // twice in the batch
		}
		merged = append(merged, e)
		t.decide(e)
		added++
	}
	t.Events = append(merged, old[i:]...)
	return added
}

// insert places a normalized event in the sorted history; false when it is
// already there.
func (t *Tracker) insert(e Event) bool {
	n := len(t.Events)
	i := n // fast path: newer than everything, the usual case
	if n > 0 && !after(e, t.Events[n-1]) {
		i = sort.Search(n, func(j int) bool { return !after(e, t.Events[j]) })
		if i < n && t.Events[i].ID == e.ID {
			return false
		}
	}
	t.Events = append(t.Events, Event{})
	copy(t.Events[i+1:], t.Events[i:])
	t.Events[i] = e
	t.decide(e)
	return true
}

// decide makes e the deciding event when it takes precedence over the
// current one. Precedence is a strict total order, so the current status is
// the maximum over the set of events, whatever order they came in.
func (t *Tracker) decide(e Event) {
	if t.StatusEventID != "" {
		cur := Event{ID: t.StatusEventID, Time: t.StatusAt, Status: t.Status}
		if !decides(e, cur) {
			return
		}
	}
	t.Status, t.Reason, t.StatusAt, t.StatusEventID = e.Status, e.Reason, e.Time, e.ID
}

// Fold returns the event that decides the status of a set of normalized
// events: the maximum under the precedence rule (see the package
// documentation), and false for an empty set. The result does not depend
// on the order or repetition of the events.
func Fold(events []Event) (Event, bool) {
	var best Event
	found := false
	for _, e := range events {
		if !found || decides(e, best) {
			best, found = e, true
		}
	}
	return best, found
}

// setEstimate records the carrier's estimate when it comes with
// information at least as new as the one already held: asOf is the time
// of the newest scan the estimate came with (the tracker's last scan for
// an update without scans). Older information never replaces newer; at
// the same asOf the estimate received last wins, so a carrier revising
// its date, earlier or later, without a new scan is heard. It reports
// whether it recorded the estimate.
func (t *Tracker) setEstimate(est oms.Date, asOf time.Time) bool {
	if est.IsZero() {
		return false
	}
	asOf = asOf.UTC().Round(0)
	if asOf.Before(t.EstimateAsOf) {
		return false
	}
	t.EstimatedDelivery, t.EstimateAsOf = est, asOf
	return true
}
