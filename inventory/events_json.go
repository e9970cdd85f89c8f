package inventory

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/omskit/oms"
)

// reservedEvent builds the EventReserved of a new reservation. Its ID is
// derived from the reservation's, so a replayed reserve (here or in
// another process) makes the same event, and its payload is written by
// hand: encoding/json would cost more than the rest of a reserve.
func reservedEvent(id oms.ID, ref string, lines []Line, exp, now time.Time) (oms.Event, error) {
	e := oms.Event{
		ID:               oms.DeriveID(id, "reserved"),
		Type:             EventReserved,
		AggregateKind:    aggregateReservation,
		AggregateID:      id,
		AggregateVersion: 1,
		Time:             now,
	}
	if p, ok := appendReservedPayload(nil, id, ref, lines, exp); ok {
		e.Payload = p
		return e, nil
	}
	p, err := json.Marshal(ReservationPayload{ReservationID: id, Reference: ref, Status: StatusActive, Lines: lines, ExpiresAt: exp})
	if err != nil {
		return oms.Event{}, fmt.Errorf("inventory: event %s of reservation %s: payload: %w", EventReserved, id, err)
	}
	e.Payload = p
	return e, nil
}

// appendReservedPayload appends to b the JSON that encoding/json makes of
// the ReservationPayload of a new reservation, byte for byte. It reports
// false, leaving the work to encoding/json, when a string needs escaping
// or the expiry is outside what JSON times can hold.
func appendReservedPayload(b []byte, id oms.ID, ref string, lines []Line, exp time.Time) ([]byte, bool) {
	if !plainJSON(string(id)) || !plainJSON(ref) {
		return nil, false
	}
	// n bounds the length: the fixed text, the strings, 20 bytes for each
	// quantity and 35 for the expiry.
	n := len(`{"reservation_id":"","status":"active","lines":[]}`) + len(id)
	if ref != "" {
		n += len(`,"reference":""`) + len(ref)
	}
	for _, l := range lines {
		if !plainJSON(string(l.SKU)) || !plainJSON(string(l.Location)) || !plainJSON(l.Ref) {
			return nil, false
		}
		n += len(`{"sku":"","location":"","quantity":,"ref":""},`) + len(l.SKU) + len(l.Location) + len(l.Ref) + 20
	}
	if !exp.IsZero() {
		if _, off := exp.Zone(); off%60 != 0 || !jsonTime(exp) {
			return nil, false
		}
		n += len(`,"expires_at":""`) + len(time.RFC3339Nano)
	}
	if cap(b)-len(b) < n {
		b = append(make([]byte, 0, len(b)+n), b...)
	}
	b = append(b, `{"reservation_id":"`...)
	b = append(b, id...)
	if ref != "" {
		b = append(b, `","reference":"`...)
		b = append(b, ref...)
	}
	b = append(b, `","status":"`...)
	b = append(b, StatusActive...)
	b = append(b, '"')
	if len(lines) > 0 {
		b = append(b, `,"lines":[`...)
		for i, l := range lines {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"sku":"`...)
			b = append(b, l.SKU...)
			b = append(b, `","location":"`...)
			b = append(b, l.Location...)
			b = append(b, `","quantity":`...)
			b = strconv.AppendInt(b, l.Quantity, 10)
			if l.Ref != "" {
				b = append(b, `,"ref":"`...)
				b = append(b, l.Ref...)
				b = append(b, '"')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if !exp.IsZero() {
		b = append(b, `,"expires_at":"`...)
		b = exp.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}'), true
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII without the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
