package tracking

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/omskit/oms"
)

// Decoder turns a webhook body into tracking updates. A body it cannot
// read returns an error matching oms.ErrValidation (the handler answers
// 400); a well-formed notification of a kind it does not handle returns no
// updates (the handler answers 200). Decoders are safe for concurrent use
// and never panic.
type Decoder interface {
	Decode(body []byte) ([]Update, error)
}

// DecoderFunc adapts a function to Decoder.
type DecoderFunc func(body []byte) ([]Update, error)

// Decode calls f.
func (f DecoderFunc) Decode(body []byte) ([]Update, error) { return f(body) }

// decodeJSON reads body, which must be exactly one complete JSON value
// (white space around it allowed, nothing else), into v.
func decodeJSON(source string, body []byte, v any) error {
	if !json.Valid(body) {
		return oms.Validationf(source+" webhook", "body", "is not one complete JSON value")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return oms.Validationf(source+" webhook", "body", "does not have the expected shape: %v", err)
	}
	return nil
}

// parseTime reads the time shapes the aggregators send: RFC 3339 with or
// without fractions, a local time without an offset (read as UTC), a date,
// or Unix seconds. It returns the zero time when s is empty or unreadable;
// such an event is quarantined, not applied.
func parseTime(s string) time.Time {
	t, _ := parseStampOrDate(s)
	return t.UTC()
}

// parseDate reads a carrier's estimated delivery day: a date, or a time
// whose day is read in the offset it was written with ("2026-03-05T20:00:00-07:00"
// is March 5), or Unix seconds (a UTC day). Unreadable, empty or outside
// years 1 to 9999 gives the zero Date.
func parseDate(s string) oms.Date {
	t, ok := parseStampOrDate(s)
	if !ok || t.Year() < 1 || t.Year() > 9999 {
		return oms.Date{}
	}
	return oms.DateOf(t)
}

// parseStampOrDate parses the shapes of parseTime keeping the offset.
func parseStampOrDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1e11 {
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// EasyPostDecoder reads EasyPost Event webhooks ("object": "Event") whose
// description is tracker.created or tracker.updated; the result is a
// Tracker with tracking_code, carrier, est_delivery_date and
// tracking_details. Other event descriptions give no updates.
type EasyPostDecoder struct {
	// Mapper maps statuses; nil means EasyPostMapper.
	Mapper Mapper
}

type easyPostEvent struct {
	Object      string `json:"object"`
	Description string `json:"description"`
	Result      *struct {
		Object          string `json:"object"`
		TrackingCode    string `json:"tracking_code"`
		Carrier         string `json:"carrier"`
		Status          string `json:"status"`
		StatusDetail    string `json:"status_detail"`
		EstDeliveryDate string `json:"est_delivery_date"`
		TrackingDetails []struct {
			Message          string `json:"message"`
			Description      string `json:"description"`
			Status           string `json:"status"`
			StatusDetail     string `json:"status_detail"`
			Datetime         string `json:"datetime"`
			Source           string `json:"source"`
			CarrierCode      string `json:"carrier_code"`
			TrackingLocation *struct {
				City    string `json:"city"`
				State   string `json:"state"`
				Country string `json:"country"`
				Zip     string `json:"zip"`
			} `json:"tracking_location"`
		} `json:"tracking_details"`
	} `json:"result"`
}

// Decode implements Decoder.
func (d EasyPostDecoder) Decode(body []byte) ([]Update, error) {
	m := d.Mapper
	if m == nil {
		m = EasyPostMapper{}
	}
	var ev easyPostEvent
	if err := decodeJSON("easypost", body, &ev); err != nil {
		return nil, err
	}
	switch ev.Description {
	case "tracker.created", "tracker.updated":
	default:
		return nil, nil
	}
	if ev.Result == nil {
		return nil, oms.Validationf("easypost webhook", "result", "is required")
	}
	r := ev.Result
	u := Update{Carrier: r.Carrier, TrackingNumber: r.TrackingCode, EstimatedDelivery: parseDate(r.EstDeliveryDate)}
	for _, td := range r.TrackingDetails {
		e := MapEvent(m, td.Status, td.StatusDetail, firstNonEmpty(td.Message, td.Description))
		e.Time = parseTime(td.Datetime)
		e.CarrierCode = td.CarrierCode
		e.Source = "easypost"
		if l := td.TrackingLocation; l != nil {
			e.Location = joinLocation(l.City, l.State, l.Zip, l.Country)
		}
		u.Events = append(u.Events, e)
	}
	return []Update{u}, nil
}

// ShippoDecoder reads Shippo track_updated webhooks: data holds carrier,
// tracking_number, eta, tracking_status and tracking_history, each status
// with status, status_details, status_date, substatus {code, text} and
// location. Other events give no updates.
type ShippoDecoder struct {
	// Mapper maps statuses; nil means ShippoMapper.
	Mapper Mapper
}

type shippoStatusJSON struct {
	Status        string `json:"status"`
	StatusDetails string `json:"status_details"`
	StatusDate    string `json:"status_date"`
	Substatus     *struct {
		Code string `json:"code"`
		Text string `json:"text"`
	} `json:"substatus"`
	Location *struct {
		City    string `json:"city"`
		State   string `json:"state"`
		Zip     string `json:"zip"`
		Country string `json:"country"`
	} `json:"location"`
}

type shippoWebhook struct {
	Event string `json:"event"`
	Data  *struct {
		Carrier         string             `json:"carrier"`
		TrackingNumber  string             `json:"tracking_number"`
		ETA             string             `json:"eta"`
		TrackingStatus  *shippoStatusJSON  `json:"tracking_status"`
		TrackingHistory []shippoStatusJSON `json:"tracking_history"`
	} `json:"data"`
}

// Decode implements Decoder.
func (d ShippoDecoder) Decode(body []byte) ([]Update, error) {
	m := d.Mapper
	if m == nil {
		m = ShippoMapper{}
	}
	var w shippoWebhook
	if err := decodeJSON("shippo", body, &w); err != nil {
		return nil, err
	}
	if w.Event != "track_updated" {
		return nil, nil
	}
	if w.Data == nil {
		return nil, oms.Validationf("shippo webhook", "data", "is required")
	}
	u := Update{Carrier: w.Data.Carrier, TrackingNumber: w.Data.TrackingNumber, EstimatedDelivery: parseDate(w.Data.ETA)}
	conv := func(s shippoStatusJSON) Event {
		sub, text := "", s.StatusDetails
		if s.Substatus != nil {
			sub = s.Substatus.Code
			text = firstNonEmpty(s.StatusDetails, s.Substatus.Text)
		}
		e := MapEvent(m, s.Status, sub, text)
		e.Time = parseTime(s.StatusDate)
		e.Source = "shippo"
		if l := s.Location; l != nil {
			e.Location = joinLocation(l.City, l.State, l.Zip, l.Country)
		}
		return e
	}
	for _, s := range w.Data.TrackingHistory {
		u.Events = append(u.Events, conv(s))
	}
	if w.Data.TrackingStatus != nil {
		u.Events = append(u.Events, conv(*w.Data.TrackingStatus))
	}
	return []Update{u}, nil
}

// AfterShipDecoder reads AfterShip tracking webhooks: msg is the tracking
// with tracking_number, slug, tag, subtag, expected_delivery (or
// courier_estimated_delivery_date) and checkpoints, each with
// checkpoint_time, tag, subtag, message and location. The tracking's own
// tag and subtag, dated by its updated_at, are applied too when newer than
// the checkpoints or final (see afterShipTagEvent). A body without msg
// gives no updates.
type AfterShipDecoder struct {
	// Mapper maps tags; nil means AfterShipMapper.
	Mapper Mapper
}

type afterShipWebhook struct {
	Event string `json:"event"`
	Msg   *struct {
		TrackingNumber               string `json:"tracking_number"`
		Slug                         string `json:"slug"`
		Tag                          string `json:"tag"`
		Subtag                       string `json:"subtag"`
		SubtagMessage                string `json:"subtag_message"`
		UpdatedAt                    string `json:"updated_at"`
		LastUpdatedAt                string `json:"last_updated_at"`
		ExpectedDelivery             string `json:"expected_delivery"`
		CourierEstimatedDeliveryDate *struct {
			EstimatedDeliveryDate string `json:"estimated_delivery_date"`
		} `json:"courier_estimated_delivery_date"`
		Checkpoints []struct {
			CheckpointTime string `json:"checkpoint_time"`
			Tag            string `json:"tag"`
			Subtag         string `json:"subtag"`
			Message        string `json:"message"`
			SubtagMessage  string `json:"subtag_message"`
			Location       string `json:"location"`
			City           string `json:"city"`
			State          string `json:"state"`
			Zip            string `json:"zip"`
			CountryISO3    string `json:"country_iso3"`
		} `json:"checkpoints"`
	} `json:"msg"`
}

// Decode implements Decoder.
func (d AfterShipDecoder) Decode(body []byte) ([]Update, error) {
	m := d.Mapper
	if m == nil {
		m = AfterShipMapper{}
	}
	var w afterShipWebhook
	if err := decodeJSON("aftership", body, &w); err != nil {
		return nil, err
	}
	if w.Msg == nil {
		return nil, nil
	}
	msg := w.Msg
	u := Update{Carrier: msg.Slug, TrackingNumber: msg.TrackingNumber, EstimatedDelivery: parseDate(msg.ExpectedDelivery)}
	if c := msg.CourierEstimatedDeliveryDate; u.EstimatedDelivery.IsZero() && c != nil {
		u.EstimatedDelivery = parseDate(c.EstimatedDeliveryDate)
	}
	for _, cp := range msg.Checkpoints {
		e := MapEvent(m, cp.Tag, cp.Subtag, firstNonEmpty(cp.Message, cp.SubtagMessage))
		e.Time = parseTime(cp.CheckpointTime)
		e.Source = "aftership"
		e.Location = firstNonEmpty(cp.Location, joinLocation(cp.City, cp.State, cp.Zip, cp.CountryISO3))
		u.Events = append(u.Events, e)
	}
	if e, ok := afterShipTagEvent(m, msg.Tag, msg.Subtag, msg.SubtagMessage, firstNonEmpty(msg.UpdatedAt, msg.LastUpdatedAt), u.Events); ok {
		u.Events = append(u.Events, e)
	}
	return []Update{u}, nil
}

// afterShipTagEvent turns the tracking's own tag and subtag (its status,
// which the merchant or AfterShip may set without a checkpoint: Expired,
// Delivered, Exception_013 lost) into an event stamped with the tracking's
// update time. It is kept when it says something the checkpoints do not:
// when it differs from the newest checkpoint and is newer than it, or is
// final (delivered, returned, cancelled, expired, lost), whose precedence
// then decides. A tag without an update time cannot be dated and is
// dropped, as is a tag that agrees with the newest checkpoint.
func afterShipTagEvent(m Mapper, tag, subtag, text, updatedAt string, checkpoints []Event) (Event, bool) {
	if strings.TrimSpace(tag) == "" {
		return Event{}, false
	}
	at := parseTime(updatedAt)
	if at.IsZero() {
		return Event{}, false
	}
	e := MapEvent(m, tag, subtag, text)
	e.Time = at
	e.Source = "aftership"
	var last Event
	found := false
	for _, c := range checkpoints {
		if c.Time.IsZero() {
			continue
		}
		if n := c.Normalize(); !found || after(n, last) {
			last, found = n, true
		}
	}
	if !found {
		return e, true
	}
	if last.Status == e.Status && last.Reason == e.Reason {
		return Event{}, false
	}
	final := e.Status.Terminal() || e.Status == StatusExpired || e.Reason == ReasonLost
	return e, final || at.After(last.Time)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func joinLocation(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

var (
	_ Decoder = EasyPostDecoder{}
	_ Decoder = ShippoDecoder{}
	_ Decoder = AfterShipDecoder{}
)
