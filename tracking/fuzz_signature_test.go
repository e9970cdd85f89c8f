package tracking_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// FuzzWebhookSignatureHeader feeds the handler arbitrary signature and
// timestamp headers over a valid body, in every signature layout: it never
// panics nor answers 5xx, accepts a request only when the header carries
// the body's MAC (and a timestamp in the window, where one is signed), and
// a refused request changes nothing.
func FuzzWebhookSignatureHeader(f *testing.F) {
	body := readTestdata(f, "easypost.json")
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	plain := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.EasyPostDecoder{}}
	stamped := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.EasyPostDecoder{}, Format: tracking.SignatureTimestamped}
	f.Add(plain.Sign(body, ""), "", uint8(0))
	f.Add(stamped.Sign(body, ts), "", uint8(1))
	f.Add(stamped.Sign(body, ts)+",v1=00,v0=zz", "", uint8(1))
	f.Add("t="+ts+",t="+ts+",v1=", "", uint8(1))
	f.Add("t=99999999999999999999,v1=ab", "", uint8(1))
	f.Add("hmac-sha256-hex="+strings.ToUpper(plain.Sign(body, "")), "", uint8(2))
	f.Add("", ts, uint8(3))
	f.Add("deadbeef", "2026-03-02T12:00:00+23:59", uint8(3))
	f.Add("=\x00,,=", "-1", uint8(3))
	f.Fuzz(func(t *testing.T, sig, stamp string, layout uint8) {
		clock := oms.NewManualClock(now)
		store := tracking.NewMemoryStore(nil)
		svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
		if _, err := svc.Register(context.Background(), tracking.Registration{Carrier: "usps", TrackingNumber: "9400100000000000000000", ShipmentRef: "a"}); err != nil {
			t.Fatal(err)
		}
		var opts *tracking.WebhookHandlerOptions
		switch layout % 4 {
		case 0:
			opts = &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.EasyPostDecoder{}}
		case 1:
			opts = &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.EasyPostDecoder{}, Format: tracking.SignatureTimestamped, Encoding: tracking.EncodingBase64}
			if layout&4 == 0 {
				opts.Encoding = tracking.EncodingHex
			}
		case 2:
			opts = tracking.EasyPostWebhook(secret)
		default:
			opts = &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.EasyPostDecoder{}, TimestampHeader: "X-Timestamp", SignTimestamp: true}
		}
		h, err := tracking.NewWebhookHandler(svc, opts)
		if err != nil {
			t.Fatal(err)
		}
		before := state(t, store)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header["X-Hmac-Signature"] = []string{sig}
		req.Header["X-Timestamp"] = []string{stamp}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		case rec.Code == http.StatusOK:
			// Accepted: the header must hold the MAC the provider would send.
			var want string
			switch layout % 4 {
			case 1:
				stampOf := ""
				for _, part := range strings.Split(sig, ",") {
					if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "t" {
						stampOf = v
					}
				}
				want = strings.TrimPrefix(opts.Sign(body, stampOf), "t="+stampOf+",v1=")
			case 3:
				want = opts.Sign(body, strings.TrimSpace(stamp))
			default:
				want = strings.TrimPrefix(opts.Sign(body, ""), opts.SignaturePrefix)
			}
			if !strings.Contains(strings.ToLower(sig), strings.ToLower(want)) && !strings.Contains(sig, want) {
				t.Fatalf("accepted header %q (timestamp %q) without the MAC %q", sig, stamp, want)
			}
		default:
			if got := state(t, store); got != before {
				t.Fatalf("refused request (%d) changed state", rec.Code)
			}
		}
	})
}
