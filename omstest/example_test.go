package omstest_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/omstest"
)

// A JSONB column gives back the same JSON value with other whitespace,
// key order and escapes; digits that changed are another value.
func ExampleJSONEqual() {
	saved := []byte(`{"sku": "MUG", "qty": 9007199254740993, "note": "caf\u00e9"}`)
	fmt.Println(omstest.JSONEqual(saved, []byte(`{"note":"café","qty":9007199254740993,"sku":"MUG"}`)))
	fmt.Println(omstest.JSONEqual(saved, []byte(`{"note":"café","qty":9007199254740992,"sku":"MUG"}`)))
	fmt.Println(omstest.JSONEqual(nil, []byte(`null`)))
	// Output:
	// true
	// false
	// false
}

// EventOptions compares an event read back from a database with the
// event saved: the time as an instant, the payload as a JSON value.
func ExampleEventOptions() {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	saved := oms.Event{ID: oms.NewIDAt(at), Type: "order.placed", AggregateKind: "order", AggregateID: "o-1",
		AggregateVersion: 1, Time: at, Payload: json.RawMessage(`{"total": "12.50 USD"}`)}
	read := saved
	read.Time = at.In(time.FixedZone("CET", 3600))
	read.Payload = json.RawMessage(`{"total":"12.50 USD"}`)
	fmt.Println(cmp.Equal(saved, read, omstest.EventOptions()))
	read.AggregateVersion = 2
	fmt.Println(cmp.Equal(saved, read, omstest.EventOptions()))
	// Output:
	// true
	// false
}
