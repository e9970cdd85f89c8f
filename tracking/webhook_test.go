package tracking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

var secret = []byte("whsec_test_secret")

// state is everything a request could change.
func state(t testing.TB, s *tracking.MemoryStore) string {
	t.Helper()
	ctx := context.Background()
	trs, err := s.List(ctx, tracking.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	orphans, _ := s.Orphans(ctx, tracking.Key{})
	var b strings.Builder
	for _, tr := range trs {
		fmt.Fprintf(&b, "%s v%d %s %d;", tr.Key(), tr.Version, tr.Status, len(tr.Events))
	}
	fmt.Fprintf(&b, " orphans %d outbox %d", len(orphans), len(s.Outbox().Events("")))
	return b.String()
}

func post(t testing.TB, h http.Handler, body []byte, hdr map[string]string) (int, tracking.WebhookResponse) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/tracking", bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp tracking.WebhookResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response %q is not JSON: %v", rec.Body.String(), err)
	}
	return rec.Code, resp
}

func easyPostFixture(t *testing.T) (*fixture, *tracking.WebhookHandler, *tracking.WebhookHandlerOptions) {
	t.Helper()
	f := newFixture(t)
	f.clock.Set(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	_, err := f.svc.Register(context.Background(), tracking.Registration{Carrier: "usps", TrackingNumber: "9400100000000000000000", ShipmentRef: "shp-1", CustomerID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	opts := tracking.EasyPostWebhook(secret)
	opts.MaxBodyBytes = 8 << 10
	h, err := tracking.NewWebhookHandler(f.svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f, h, opts
}

func TestWebhookEasyPost(t *testing.T) {
	f, h, opts := easyPostFixture(t)
	body := readTestdata(t, "easypost.json")
	sig := opts.Sign(body, "")
	if !strings.HasPrefix(sig, "hmac-sha256-hex=") {
		t.Fatalf("signature %q", sig)
	}
	before := state(t, f.store)

	t.Run("wrong signature", func(t *testing.T) {
		bad := tracking.EasyPostWebhook([]byte("another secret")).Sign(body, "")
		for _, s := range []string{bad, "hmac-sha256-hex=zz", "sha1=" + strings.TrimPrefix(sig, "hmac-sha256-hex="), "hmac-sha256-hex=", "x"} {
			code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": s})
			if code != http.StatusUnauthorized || resp.Error == "" {
				t.Errorf("signature %q: %d %+v, want 401", s, code, resp)
			}
		}
		// A valid signature over another body.
		tampered := bytes.Replace(body, []byte("out_for_delivery"), []byte("delivered"), -1)
		if code, _ := post(t, h, tampered, map[string]string{"X-Hmac-Signature": sig}); code != http.StatusUnauthorized {
			t.Errorf("tampered body: %d", code)
		}
		if got := state(t, f.store); got != before {
			t.Fatalf("state changed: %s → %s", before, got)
		}
	})
	t.Run("missing signature", func(t *testing.T) {
		code, resp := post(t, h, body, nil)
		if code != http.StatusUnauthorized || !strings.Contains(resp.Error, "missing signature") {
			t.Fatalf("%d %+v", code, resp)
		}
		if got := state(t, f.store); got != before {
			t.Fatalf("state changed: %s → %s", before, got)
		}
	})
	t.Run("valid", func(t *testing.T) {
		// Prefix case does not matter.
		code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": strings.Replace(sig, "hmac-sha256-hex", "HMAC-SHA256-HEX", 1)})
		if code != http.StatusOK || resp.Applied != 3 {
			t.Fatalf("%d %+v", code, resp)
		}
		tr, _ := f.svc.Get(context.Background(), "usps", "9400100000000000000000")
		if tr.Status != tracking.StatusOutForDelivery || len(tr.Events) != 3 {
			t.Fatalf("tracker %s with %d events", tr.Status, len(tr.Events))
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		mid := state(t, f.store)
		code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": sig})
		if code != http.StatusOK || resp.Duplicates != 3 || resp.Applied != 0 {
			t.Fatalf("%d %+v", code, resp)
		}
		if got := state(t, f.store); got != mid {
			t.Fatalf("duplicate changed state: %s → %s", mid, got)
		}
	})
	t.Run("oversized", func(t *testing.T) {
		mid := state(t, f.store)
		big := append(bytes.Repeat([]byte(" "), 9<<10), body...)
		code, _ := post(t, h, big, map[string]string{"X-Hmac-Signature": opts.Sign(big, "")})
		if code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d, want 413", code)
		}
		if got := state(t, f.store); got != mid {
			t.Fatalf("state changed")
		}
	})
	t.Run("malformed", func(t *testing.T) {
		mid := state(t, f.store)
		for _, b := range []string{`{"description":"tracker.updated","result":`, `{"description":"tracker.updated"}`, `{"description":"tracker.updated","result":{"carrier":"usps","tracking_code":""}}`} {
			code, resp := post(t, h, []byte(b), map[string]string{"X-Hmac-Signature": opts.Sign([]byte(b), "")})
			if code != http.StatusBadRequest || resp.Error == "" {
				t.Errorf("%s: %d %+v, want 400", b, code, resp)
			}
		}
		if got := state(t, f.store); got != mid {
			t.Fatalf("state changed")
		}
	})
	t.Run("unknown tracking number is an orphan", func(t *testing.T) {
		b := bytes.Replace(body, []byte("9400100000000000000000"), []byte("9400199999999999999999"), 1)
		code, resp := post(t, h, b, map[string]string{"X-Hmac-Signature": opts.Sign(b, "")})
		if code != http.StatusOK || resp.Orphaned != 3 {
			t.Fatalf("%d %+v", code, resp)
		}
		os, _ := f.store.Orphans(context.Background(), tracking.NewKey("usps", "9400199999999999999999"))
		if len(os) != 3 || os[0].Cause != tracking.OrphanUnknownTracker {
			t.Fatalf("orphans %+v", os)
		}
	})
	t.Run("ignored event kind", func(t *testing.T) {
		b := []byte(`{"object":"Event","description":"refund.successful","result":{}}`)
		code, resp := post(t, h, b, map[string]string{"X-Hmac-Signature": opts.Sign(b, "")})
		if code != http.StatusOK || resp.Applied+resp.Orphaned+resp.Duplicates != 0 {
			t.Fatalf("%d %+v", code, resp)
		}
	})
	t.Run("future and invalid UTF-8", func(t *testing.T) {
		b := []byte(`{"description":"tracker.updated","result":{"carrier":"usps","tracking_code":"9400100000000000000000","tracking_details":[` +
			`{"status":"delivered","datetime":"2031-01-01T00:00:00Z","message":"from the future"},` +
			`{"status":"in_transit","datetime":"2026-03-02T05:00:00Z","message":"caf` + "\xc3\x28 \xff" + ` scan"}]}}`)
		code, resp := post(t, h, b, map[string]string{"X-Hmac-Signature": opts.Sign(b, "")})
		if code != http.StatusOK || resp.Quarantined != 1 || resp.Applied != 1 {
			t.Fatalf("%d %+v", code, resp)
		}
		tr, _ := f.svc.Get(context.Background(), "usps", "9400100000000000000000")
		if tr.Status != tracking.StatusOutForDelivery {
			t.Fatalf("future delivered scan decided the status: %s", tr.Status)
		}
		found := false
		for _, e := range tr.Events {
			if strings.Contains(e.RawText, "scan") {
				found = true
				if !strings.Contains(e.RawText, "\uFFFD") || !utf8.ValidString(e.RawText) {
					t.Fatalf("text not cleaned: %q", e.RawText)
				}
			}
		}
		if !found {
			t.Fatal("invalid UTF-8 event not recorded")
		}
	})
	t.Run("method", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
			t.Fatalf("%d", rec.Code)
		}
	})
}

func TestWebhookReplayWindow(t *testing.T) {
	f := newFixture(t)
	f.register(t, "1Z999AA10123456784")
	opts := tracking.AfterShipWebhook(secret)
	opts.TimestampHeader = "X-Timestamp"
	opts.SignTimestamp = true
	opts.ReplayWindow = 5 * time.Minute
	h, err := tracking.NewWebhookHandler(f.svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	body := readTestdata(t, "aftership.json")
	now := f.clock.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := opts.Sign(body, ts)
	before := state(t, f.store)

	for _, c := range []struct {
		name string
		hdr  map[string]string
	}{
		{"missing timestamp", map[string]string{"Aftership-Hmac-Sha256": sig}},
		{"unreadable timestamp", map[string]string{"Aftership-Hmac-Sha256": sig, "X-Timestamp": "yesterday"}},
		{"replayed (stale)", map[string]string{"Aftership-Hmac-Sha256": opts.Sign(body, strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)), "X-Timestamp": strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)}},
		{"from the future", map[string]string{"Aftership-Hmac-Sha256": opts.Sign(body, strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)), "X-Timestamp": strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)}},
		{"timestamp not the signed one", map[string]string{"Aftership-Hmac-Sha256": sig, "X-Timestamp": strconv.FormatInt(now.Unix()+1, 10)}},
		{"hex instead of base64", map[string]string{"Aftership-Hmac-Sha256": "abcdef", "X-Timestamp": ts}},
	} {
		code, _ := post(t, h, body, c.hdr)
		if code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", c.name, code)
		}
	}
	if got := state(t, f.store); got != before {
		t.Fatalf("refused requests changed state: %s → %s", before, got)
	}
	code, resp := post(t, h, body, map[string]string{"Aftership-Hmac-Sha256": sig, "X-Timestamp": ts})
	if code != http.StatusOK || resp.Applied != 4 {
		t.Fatalf("valid: %d %+v", code, resp)
	}
	// Milliseconds and RFC 3339 timestamps are read too.
	for _, stamp := range []string{strconv.FormatInt(now.UnixMilli(), 10), now.Format(time.RFC3339)} {
		code, resp := post(t, h, body, map[string]string{"Aftership-Hmac-Sha256": opts.Sign(body, stamp), "X-Timestamp": stamp})
		if code != http.StatusOK || resp.Duplicates != 4 {
			t.Fatalf("stamp %s: %d %+v", stamp, code, resp)
		}
	}
	tr, _ := f.svc.Get(context.Background(), "ups", "1Z999AA10123456784")
	if tr.Status != tracking.StatusReturned || tr.Reason != tracking.ReasonReturnToSender {
		t.Fatalf("status %s/%s", tr.Status, tr.Reason)
	}
}

func TestWebhookOptionsAndErrors(t *testing.T) {
	f := newFixture(t)
	if _, err := tracking.NewWebhookHandler(f.svc, nil); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("nil options: %v", err)
	}
	_, err := tracking.NewWebhookHandler(f.svc, &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.ShippoDecoder{}, Encoding: "base32", SignTimestamp: true})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("encoding") || !ve.Has("timestamp_header") {
		t.Fatalf("bad options: %v", err)
	}
	if _, err := tracking.NewWebhookHandler(nil, tracking.EasyPostWebhook(secret)); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("nil service: %v", err)
	}
	if !tracking.EncodingHex.Valid() || tracking.Encoding("b").Valid() {
		t.Fatal("Encoding.Valid")
	}

	// Generic options: defaults header and hex; Shippo payload.
	fs := &failingStore{Store: tracking.NewMemoryStore(nil)}
	svc := tracking.NewService(fs, &tracking.ServiceOptions{Clock: oms.NewManualClock(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))})
	if _, err := svc.Register(context.Background(), tracking.Registration{Carrier: "usps", TrackingNumber: "9205590164917312751089", ShipmentRef: "s"}); err != nil {
		t.Fatal(err)
	}
	opts := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.ShippoDecoder{}}
	h, err := tracking.NewWebhookHandler(svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	body := readTestdata(t, "shippo.json")
	fs.saveErr = errors.New("database down")
	if code, _ := post(t, h, body, map[string]string{"X-Hmac-Signature": opts.Sign(body, "")}); code != http.StatusInternalServerError {
		t.Fatalf("store failure: %d, want 500", code)
	}
	fs.saveErr = nil
	code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": opts.Sign(body, "")})
	if code != http.StatusOK || resp.Applied != 3 || resp.Duplicates != 1 {
		t.Fatalf("shippo: %d %+v", code, resp)
	}
	// Carrier aliases map the provider's codes to the host's.
	aliased := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.ShippoDecoder{}, CarrierAliases: map[string]string{" USPS ": "postal"}}
	ha, _ := tracking.NewWebhookHandler(svc, aliased)
	code, resp = post(t, ha, body, map[string]string{"X-Hmac-Signature": aliased.Sign(body, "")})
	if code != http.StatusOK || resp.Orphaned != 3 {
		t.Fatalf("aliased: %d %+v", code, resp)
	}
	if os, _ := fs.Orphans(context.Background(), tracking.NewKey("postal", "9205590164917312751089")); len(os) != 3 {
		t.Fatalf("aliased orphans: %d", len(os))
	}
	// A decoder returning a validation error from Apply is a 400.
	bad := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: tracking.DecoderFunc(func([]byte) ([]tracking.Update, error) {
		return []tracking.Update{{Carrier: "ups", TrackingNumber: strings.Repeat("9", 200)}}, nil
	})}
	h2, _ := tracking.NewWebhookHandler(svc, bad)
	if code, _ := post(t, h2, []byte("{}"), map[string]string{"X-Hmac-Signature": bad.Sign([]byte("{}"), "")}); code != http.StatusBadRequest {
		t.Fatalf("invalid key from decoder: %d", code)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestWebhookBodyReadError(t *testing.T) {
	f := newFixture(t)
	h, _ := tracking.NewWebhookHandler(f.svc, tracking.EasyPostWebhook(secret))
	req := httptest.NewRequest(http.MethodPost, "/", errReader{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("%d", rec.Code)
	}
}

// FuzzWebhookBody feeds the handler arbitrary bodies, signed and unsigned:
// it never panics, never answers 5xx, and an unsigned body never changes
// anything.
func FuzzWebhookBody(f *testing.F) {
	for _, name := range []string{"easypost.json", "shippo.json", "aftership.json"} {
		f.Add(readTestdata(f, name), true)
	}
	f.Add([]byte(`{"description":"tracker.updated","result":{"carrier":"usps","tracking_code":"1","tracking_details":[{"status":"delivered","datetime":"9999-12-31T23:59:59Z"}]}}`), true)
	f.Add([]byte("\xff\xfe\x00{"), false)
	f.Add([]byte(`{"msg":{"tracking_number":"\u0000","slug":"x","checkpoints":[{"tag":"Exception","subtag":"Exception_011"}]}}`), true)
	f.Add(append(readTestdata(f, "easypost.json"), '}'), true)
	f.Add(append(readTestdata(f, "shippo.json"), ']'), true)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		clock := oms.NewManualClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
		store := tracking.NewMemoryStore(nil)
		svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
		ctx := context.Background()
		for _, r := range []tracking.Registration{
			{Carrier: "usps", TrackingNumber: "9400100000000000000000", ShipmentRef: "a"},
			{Carrier: "usps", TrackingNumber: "9205590164917312751089", ShipmentRef: "b"},
			{Carrier: "ups", TrackingNumber: "1Z999AA10123456784", ShipmentRef: "c"},
		} {
			if _, err := svc.Register(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		decoders := []tracking.Decoder{tracking.EasyPostDecoder{}, tracking.ShippoDecoder{}, tracking.AfterShipDecoder{}}
		ts := strconv.FormatInt(clock.Now().Unix(), 10)
		for i := range 2 * len(decoders) {
			opts := &tracking.WebhookHandlerOptions{Secret: secret, Decoder: decoders[i%len(decoders)], MaxBodyBytes: 64 << 10}
			if i >= len(decoders) { // the same bodies under the "t=,v1=" header format
				opts.Format = tracking.SignatureTimestamped
			}
			h, err := tracking.NewWebhookHandler(svc, opts)
			if err != nil {
				t.Fatal(err)
			}
			before := state(t, store)
			sig := opts.Sign(body, ts)
			hdr := map[string]string{"X-Hmac-Signature": sig}
			if !signed { // flip one hex digit of the MAC
				b := []byte(sig)
				b[len(b)-1] ^= 0x01
				hdr["X-Hmac-Signature"] = string(b)
			}
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if !signed {
				if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("unsigned body answered %d", rec.Code)
				}
				if got := state(t, store); got != before {
					t.Fatalf("unsigned body changed state: %s → %s", before, got)
				}
			}
			if rec.Code != http.StatusOK {
				if got := state(t, store); got != before {
					t.Fatalf("refused body (%d) changed state", rec.Code)
				}
			}
		}
	})
}
