package oms

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type placed struct {
	OrderID ID    `json:"order_id"`
	Total   Money `json:"total"`
}

func TestNewEvent(t *testing.T) {
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	e, err := NewEvent("order.placed", "order", "o-1", 3, at, placed{OrderID: "o-1", Total: MustParseMoney("12.50 USD")})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ParseID(string(e.ID)); err != nil || p != e.ID {
		t.Errorf("event ID %q is not a ULID: %v", e.ID, err)
	}
	if got, _ := e.ID.Time(); !got.Equal(at) {
		t.Errorf("event ID time = %v, want %v", got, at)
	}
	want := Event{ID: e.ID, Type: "order.placed", AggregateKind: "order", AggregateID: "o-1", AggregateVersion: 3, Time: at,
		Payload: json.RawMessage(`{"order_id":"o-1","total":{"amount":"12.50","currency":"USD"}}`)}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("NewEvent (-want +got):\n%s", diff)
	}
	var p placed
	if err := e.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(placed{OrderID: "o-1", Total: MustParseMoney("12.50 USD")}, p, moneyCmp); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}

	b, _ := json.Marshal(e)
	wantJSON := `{"id":"` + string(e.ID) + `","type":"order.placed","aggregate_kind":"order","aggregate_id":"o-1","aggregate_version":3,"time":"2026-05-06T07:08:09Z","payload":{"order_id":"o-1","total":{"amount":"12.50","currency":"USD"}}}`
	if string(b) != wantJSON {
		t.Errorf("JSON = %s\nwant   %s", b, wantJSON)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}

	// No payload.
	e2, err := NewEvent("order.cancelled", "order", "o-1", 4, at, nil)
	if err != nil || e2.Payload != nil || e2.ID <= e.ID {
		t.Errorf("NewEvent without payload = %+v, %v (ID should sort after %s)", e2, err, e.ID)
	}
	if b, _ := json.Marshal(e2); strings.Contains(string(b), "payload") {
		t.Errorf("JSON without payload = %s", b)
	}

	// A payload that cannot be marshalled.
	if _, err := NewEvent("bad", "order", "o-1", 1, at, make(chan int)); err == nil || !strings.HasPrefix(err.Error(), "oms: event bad payload: ") {
		t.Errorf("NewEvent(chan) error = %v", err)
	}
	// Decoding a payload of the wrong shape, or none.
	var n int
	if err := e.Decode(&n); err == nil || !strings.Contains(err.Error(), "oms: event order.placed "+string(e.ID)+" payload: ") {
		t.Errorf("Decode(int) error = %v", err)
	}
	if err := e2.Decode(&p); err == nil {
		t.Error("Decode of an empty payload succeeded")
	}
}
