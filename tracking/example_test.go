package tracking_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// Mapping an AfterShip webhook payload: each checkpoint keeps its raw tag
// and subtag next to the normalized status and reason, and the tracker's
// status follows the precedence rule.
func ExampleAfterShipDecoder() {
	payload := []byte(`{
	  "event": "tracking_update",
	  "msg": {
	    "tracking_number": "1Z999AA10123456784",
	    "slug": "ups",
	    "tag": "Exception",
	    "subtag": "Exception_011",
	    "checkpoints": [
	      {"checkpoint_time": "2026-03-01T08:30:00Z", "tag": "InTransit", "subtag": "InTransit_007", "message": "Departed from Facility"},
	      {"checkpoint_time": "2026-03-02T10:00:00Z", "tag": "AttemptFail", "subtag": "AttemptFail_002", "message": "Receiver not available"},
	      {"checkpoint_time": "2026-03-04T11:00:00Z", "tag": "Exception", "subtag": "Exception_011", "message": "Returned to shipper"},
	      {"checkpoint_time": "2026-03-04T12:00:00Z", "tag": "Teleported", "subtag": "Teleported_001", "message": "???"}
	    ]
	  }
	}`)
	updates, err := tracking.AfterShipDecoder{}.Decode(payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	u := updates[0]
	for _, e := range u.Events {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-11s %-15s -> %s %s", e.RawCode, e.RawSubcode, e.Status, e.Reason)))
	}
	tr := tracking.NewTracker(u.Key(), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	tr.Apply(u.Events...)
	fmt.Println("tracker:", tr.Key(), tr.Status, tr.Reason)
	// Output:
	// InTransit   InTransit_007   -> in_transit
	// AttemptFail AttemptFail_002 -> delivery_failed recipient_unavailable
	// Exception   Exception_011   -> returned return_to_sender
	// Teleported  Teleported_001  -> unknown
	// tracker: ups/1Z999AA10123456784 returned return_to_sender
}

// A signed EasyPost webhook: the handler checks the HMAC-SHA256 signature
// of the raw body, applies the events once, and answers a redelivery with
// 200 and nothing new. A wrong signature is refused and changes nothing.
func ExampleWebhookHandler() {
	ctx := context.Background()
	clock := oms.NewManualClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "usps", TrackingNumber: "9400100000000000000000", ShipmentRef: "shp-1"}); err != nil {
		fmt.Println(err)
		return
	}
	opts := tracking.EasyPostWebhook([]byte("whsec_example"))
	h, err := tracking.NewWebhookHandler(svc, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	body := `{"object":"Event","description":"tracker.updated","result":{"object":"Tracker",
	  "tracking_code":"9400100000000000000000","carrier":"USPS","status":"out_for_delivery",
	  "tracking_details":[
	    {"status":"in_transit","status_detail":"arrived_at_facility","message":"Arrived at USPS Facility","datetime":"2026-03-02T03:10:00Z"},
	    {"status":"out_for_delivery","status_detail":"out_for_delivery","message":"Out for Delivery","datetime":"2026-03-02T07:45:00Z"}]}}`
	send := func(signature string) {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/easypost", strings.NewReader(body))
		req.Header.Set("X-Hmac-Signature", signature)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	sig := opts.Sign([]byte(body), "") // "hmac-sha256-hex=…", as EasyPost sends it
	send(sig)
	send(sig)
	send("hmac-sha256-hex=0000")
	tr, _ := svc.Get(ctx, "usps", "9400100000000000000000")
	fmt.Println(tr.Status, len(tr.Events), "events, version", tr.Version)
	// Output:
	// 200 {"applied":2,"duplicates":0,"orphaned":0,"quarantined":0}
	// 200 {"applied":0,"duplicates":2,"orphaned":0,"quarantined":0}
	// 401 {"applied":0,"duplicates":0,"orphaned":0,"quarantined":0,"error":"bad signature"}
	// out_for_delivery 2 events, version 2
}

// The stalled-parcel sweep: a parcel in transit without a scan for longer
// than its threshold is flagged once, with the reason.
func ExampleService_Sweep() {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := oms.NewManualClock(start)
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{
		Clock:      clock,
		StallAfter: map[tracking.Status]time.Duration{tracking.StatusInTransit: 72 * time.Hour},
	})
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "dhl", TrackingNumber: "JD014600003", ShipmentRef: "shp-9"}); err != nil {
		fmt.Println(err)
		return
	}
	_, err := svc.Apply(ctx, tracking.Update{Carrier: "dhl", TrackingNumber: "JD014600003", Events: []tracking.Event{
		{Time: start, Status: tracking.StatusInTransit, RawCode: "PU", RawText: "Shipment picked up"},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range []time.Duration{48 * time.Hour, 24 * time.Hour, 24 * time.Hour} {
		clock.Advance(d)
		alerts, err := svc.Sweep(ctx, clock.Now())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("after %v: %d alert(s)\n", clock.Now().Sub(start), len(alerts))
		for _, a := range alerts {
			fmt.Printf("  %s %s %s, last scan %s\n", a.Key, a.Alert.Kind, a.Alert.Reason, a.Alert.Since.Format(time.RFC3339))
		}
	}
	// Output:
	// after 48h0m0s: 0 alert(s)
	// after 72h0m0s: 1 alert(s)
	//   dhl/JD014600003 stalled no_scan, last scan 2026-03-02T09:00:00Z
	// after 96h0m0s: 0 alert(s)
}

// The customer's tracking page: current status and the milestones.
func ExampleNewView() {
	tr := tracking.NewTracker(tracking.NewKey("ups", "1Z1"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	tr.Apply(
		tracking.Event{Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Status: tracking.StatusInTransit, RawText: "Departed"},
		tracking.Event{Time: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), Status: tracking.StatusOutForDelivery, RawText: "Out for delivery"},
	)
	v := tracking.NewView(tr)
	fmt.Println(v.StatusLabel)
	for _, m := range v.Milestones {
		fmt.Printf("%-9s %s\n", m.State, m.Label)
	}
	// Output:
	// Out for delivery
	// done      Label created
	// done      Shipped
	// current   Out for delivery
	// upcoming  Delivered
}

// The "t=<unix>,v1=<hmac>" header format (Stripe's, and Shippo's as
// described): the timestamp travels inside the signature header, the MAC
// covers "t.body", and a request outside the replay window is refused even
// when correctly signed.
func ExampleWebhookHandlerOptions_Sign() {
	clock := oms.NewManualClock(time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC))
	svc := tracking.NewService(tracking.NewMemoryStore(nil), &tracking.ServiceOptions{Clock: clock})
	opts := &tracking.WebhookHandlerOptions{
		Secret:          []byte("whsec_example"),
		Format:          tracking.SignatureTimestamped,
		SignatureHeader: "Shippo-Auth-Signature",
		ReplayWindow:    5 * time.Minute,
		Decoder:         tracking.ShippoDecoder{},
	}
	h, err := tracking.NewWebhookHandler(svc, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte(`{"event":"track_updated","data":{"carrier":"usps","tracking_number":"9205590164917312751089","tracking_status":{"status":"TRANSIT","status_date":"2026-03-03T10:00:00Z"}}}`)
	send := func(unix int64) {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/shippo", strings.NewReader(string(body)))
		req.Header.Set("Shippo-Auth-Signature", opts.Sign(body, fmt.Sprint(unix)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	fmt.Println(opts.Sign(body, "1772539200")[:16] + "...")
	send(clock.Now().Unix())                        // now: applied (an orphan: not registered yet)
	send(clock.Now().Add(-10 * time.Minute).Unix()) // signed, but stale
	// Output:
	// t=1772539200,v1=...
	// 200 {"applied":0,"duplicates":0,"orphaned":1,"quarantined":0}
	// 401 {"applied":0,"duplicates":0,"orphaned":0,"quarantined":0,"error":"timestamp outside the replay window"}
}
