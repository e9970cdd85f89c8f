package tracking_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// timestampFixture is a handler over an AfterShip tracking whose MAC covers
// "timestamp.body", with a five-minute window, at a fixed time.
func timestampFixture(t *testing.T) (*fixture, *tracking.WebhookHandler, *tracking.WebhookHandlerOptions, []byte) {
	t.Helper()
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
	return f, h, opts, readTestdata(t, "aftership.json")
}

// TestWebhookReplayWindowRefusesFarFutureTimestamps is issue 10 item 10: a
// correctly signed request dated in year 2400 or 9999 (where now minus the
// timestamp saturated at the minimum Duration and stayed negative) passed
// the window for ever. Every timestamp outside the window is refused and
// changes nothing; the window's edges are accepted.
func TestWebhookReplayWindowRefusesFarFutureTimestamps(t *testing.T) {
	f, h, opts, body := timestampFixture(t)
	now := f.clock.Now()
	before := state(t, f.store)
	for _, ts := range []string{
		strconv.FormatInt(time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10),
		strconv.FormatInt(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix(), 10),
		strconv.FormatInt(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).UnixMilli(), 10),
		strconv.FormatInt(math.MaxInt64, 10),
		strconv.FormatInt(math.MinInt64, 10),
		strconv.FormatInt(math.MaxInt64/1000, 10),
		"-1", "0", "1e300", "99999999999999999999999",
		"9999-12-31T23:59:59Z", "2400-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
		strconv.FormatInt(now.Add(5*time.Minute+time.Second).Unix(), 10),
		strconv.FormatInt(now.Add(-5*time.Minute-time.Second).Unix(), 10),
	} {
		code, resp := post(t, h, body, map[string]string{"Aftership-Hmac-Sha256": opts.Sign(body, ts), "X-Timestamp": ts})
		if code != http.StatusUnauthorized {
			t.Errorf("timestamp %s: %d %+v, want 401", ts, code, resp)
		}
	}
	if got := state(t, f.store); got != before {
		t.Fatalf("refused requests changed state: %s → %s", before, got)
	}
	for _, ts := range []string{
		strconv.FormatInt(now.Add(5*time.Minute).Unix(), 10),
		strconv.FormatInt(now.Add(-5*time.Minute).Unix(), 10),
	} {
		if code, resp := post(t, h, body, map[string]string{"Aftership-Hmac-Sha256": opts.Sign(body, ts), "X-Timestamp": ts}); code != http.StatusOK {
			t.Errorf("timestamp %s at the window's edge: %d %+v, want 200", ts, code, resp)
		}
	}
}

// TestWebhookRefusesDataAfterTheJSONValue is issue 10 item 11: a signed
// body with an extra closing brace or bracket (which the decoder's More()
// loop stopped before) is invalid JSON, answered 400 and applied nowhere.
func TestWebhookRefusesDataAfterTheJSONValue(t *testing.T) {
	for _, tc := range []struct {
		file string
		dec  tracking.Decoder
	}{
		{"easypost.json", tracking.EasyPostDecoder{}},
		{"shippo.json", tracking.ShippoDecoder{}},
		{"aftership.json", tracking.AfterShipDecoder{}},
	} {
		good := readTestdata(t, tc.file)
		if _, err := tc.dec.Decode(good); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		for _, tail := range []string{"}", "]", " }", "\n]\n", "{}", "null", "x", ","} {
			body := append(append([]byte(nil), good...), tail...)
			if _, err := tc.dec.Decode(body); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s + %q: err = %v, want ErrValidation", tc.file, tail, err)
			}
		}
		if _, err := tc.dec.Decode(append(append([]byte(nil), good...), " \n\t"...)); err != nil {
			t.Errorf("%s with trailing white space: %v", tc.file, err)
		}
	}
	// Through the handler: signed, refused, nothing written.
	f, h, opts := easyPostFixture(t)
	before := state(t, f.store)
	body := append(readTestdata(t, "easypost.json"), '}')
	code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": opts.Sign(body, "")})
	if code != http.StatusBadRequest {
		t.Fatalf("signed body with a trailing brace: %d %+v, want 400", code, resp)
	}
	if got := state(t, f.store); got != before {
		t.Fatalf("refused body changed state: %s → %s", before, got)
	}
}

// TestWebhookTimestampHeaderRequiresSignedTimestamp is issue 10 item 12: a
// timestamp header that the signature does not cover gives no replay
// protection (anyone can re-send an old body with a fresh timestamp), so
// that combination is refused when the handler is built.
func TestWebhookTimestampHeaderRequiresSignedTimestamp(t *testing.T) {
	f := newFixture(t)
	opts := tracking.AfterShipWebhook(secret)
	opts.TimestampHeader = "X-Timestamp"
	_, err := tracking.NewWebhookHandler(f.svc, opts)
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("sign_timestamp") {
		t.Fatalf("timestamp header without a signed timestamp: err = %v, want a validation error on sign_timestamp", err)
	}
	opts.SignTimestamp = true
	if _, err := tracking.NewWebhookHandler(f.svc, opts); err != nil {
		t.Fatalf("signed timestamp: %v", err)
	}
}

// TestWebhookTimestampedSignatureHeader is issue 10 item 22: the
// "t=<unix>,v1=<hex HMAC of t.body>" header (Stripe's, and Shippo's as
// described) is an option of the handler, with its replay window. Every
// malformed, stale, far-future or mismatched header is refused and changes
// nothing; a valid one is applied once.
func TestWebhookTimestampedSignatureHeader(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Register(context.Background(), tracking.Registration{Carrier: "usps", TrackingNumber: "9205590164917312751089", ShipmentRef: "s"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
	opts := &tracking.WebhookHandlerOptions{Secret: secret, Format: tracking.SignatureTimestamped, SignatureHeader: "Shippo-Auth-Signature", ReplayWindow: 5 * time.Minute, Decoder: tracking.ShippoDecoder{}}
	h, err := tracking.NewWebhookHandler(f.svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	body := readTestdata(t, "shippo.json")
	now := f.clock.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	good := opts.Sign(body, ts)
	if want := "t=" + ts + ",v1="; len(good) != len(want)+64 || good[:len(want)] != want {
		t.Fatalf("Sign = %q, want t=%s,v1=<64 hex digits>", good, ts)
	}
	v1 := good[len("t="+ts+",v1="):]
	other := (&tracking.WebhookHandlerOptions{Secret: []byte("another secret"), Format: tracking.SignatureTimestamped, Decoder: tracking.ShippoDecoder{}}).Sign(body, ts)
	stale := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10)
	before := state(t, f.store)
	for name, hdr := range map[string]string{
		"missing":              "",
		"no timestamp":         "v1=" + v1,
		"no v1":                "t=" + ts + ",v0=" + v1,
		"two timestamps":       "t=" + ts + ",t=" + ts + ",v1=" + v1,
		"not key=value":        "t=" + ts + "," + v1,
		"other secret":         other,
		"other timestamp":      "t=" + strconv.FormatInt(now.Unix()+1, 10) + ",v1=" + v1,
		"stale":                opts.Sign(body, stale),
		"year 9999":            opts.Sign(body, future),
		"max int64":            opts.Sign(body, strconv.FormatInt(math.MaxInt64, 10)),
		"negative":             opts.Sign(body, "-1"),
		"rfc 3339 not allowed": opts.Sign(body, now.Format(time.RFC3339)),
		"signed +":             opts.Sign(body, "+"+ts),
		"bad hex":              "t=" + ts + ",v1=zz",
		"too many v1":          "t=" + ts + ",v1=00,v1=00,v1=00,v1=00,v1=00,v1=00,v1=00,v1=00,v1=" + v1,
	} {
		h2 := map[string]string{}
		if hdr != "" {
			h2["Shippo-Auth-Signature"] = hdr
		}
		if code, resp := post(t, h, body, h2); code != http.StatusUnauthorized {
			t.Errorf("%s (%q): %d %+v, want 401", name, hdr, code, resp)
		}
	}
	if got := state(t, f.store); got != before {
		t.Fatalf("refused requests changed state: %s → %s", before, got)
	}
	// A second, rolled secret's v1 and a v0 beside the right one pass.
	hdr := "t=" + ts + ",v0=abc,v1=" + other[len("t="+ts+",v1="):] + ",v1=" + v1
	code, resp := post(t, h, body, map[string]string{"Shippo-Auth-Signature": hdr})
	if code != http.StatusOK || resp.Applied != 3 {
		t.Fatalf("valid: %d %+v", code, resp)
	}
	if code, resp := post(t, h, body, map[string]string{"Shippo-Auth-Signature": good}); code != http.StatusOK || resp.Applied != 0 || resp.Duplicates != 4 {
		t.Fatalf("replay within the window: %d %+v", code, resp)
	}
	// The format refuses options that belong to the plain one.
	for name, o := range map[string]*tracking.WebhookHandlerOptions{
		"timestamp header": {Secret: secret, Decoder: tracking.ShippoDecoder{}, Format: tracking.SignatureTimestamped, TimestampHeader: "X-T", SignTimestamp: true},
		"prefix":           {Secret: secret, Decoder: tracking.ShippoDecoder{}, Format: tracking.SignatureTimestamped, SignaturePrefix: "sha256="},
		"unknown format":   {Secret: secret, Decoder: tracking.ShippoDecoder{}, Format: "jwt"},
	} {
		if _, err := tracking.NewWebhookHandler(f.svc, o); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: err = %v, want ErrValidation", name, err)
		}
	}
}

// TestWebhookEasyPostPublishedFixture is issue 10 item 19: EasyPost's own
// fixture (testdata/easypost, from EasyPost's client libraries, MIT), whose
// secret "sécret" EasyPost signs in NFKD form, is accepted by the EasyPost
// preset and applied; a one-byte change to the body, the signature or the
// secret is refused and changes nothing.
func TestWebhookEasyPostPublishedFixture(t *testing.T) {
	var fx struct {
		Secret        string `json:"secret"`
		HmacSignature string `json:"hmac_signature"`
	}
	if err := json.Unmarshal(readTestdata(t, "easypost/webhook.json"), &fx); err != nil {
		t.Fatal(err)
	}
	body := readTestdata(t, "easypost/event-body.json")
	if fx.Secret != "s\u00e9cret" {
		t.Fatalf("fixture secret %q is not the composed é", fx.Secret)
	}
	ctx := context.Background()
	f := newFixture(t)
	f.clock.Set(time.Date(2024, 8, 2, 19, 27, 0, 0, time.UTC))
	if _, err := f.svc.Register(ctx, tracking.Registration{Carrier: "fedex", TrackingNumber: "1", ShipmentRef: "shp-1"}); err != nil {
		t.Fatal(err)
	}
	h, err := tracking.NewWebhookHandler(f.svc, tracking.EasyPostWebhook([]byte(fx.Secret)))
	if err != nil {
		t.Fatal(err)
	}
	before := state(t, f.store)
	flip := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 0x01
		return c
	}
	sig := fx.HmacSignature
	for name, req := range map[string]struct {
		body []byte
		sig  string
	}{
		"body first byte":   {flip(body, 0), sig},
		"body middle byte":  {flip(body, len(body)/2), sig},
		"body last byte":    {flip(body, len(body)-1), sig},
		"body one more":     {append(append([]byte(nil), body...), ' '), sig},
		"signature changed": {body, sig[:len(sig)-1] + string(sig[len(sig)-1]^0x01)},
	} {
		if code, resp := post(t, h, req.body, map[string]string{"X-Hmac-Signature": req.sig}); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %+v, want 401", name, code, resp)
		}
	}
	// The secret's bytes as written (no normalization) sign differently.
	raw := tracking.EasyPostWebhook([]byte(fx.Secret))
	raw.SecretNFKD = false
	hraw, _ := tracking.NewWebhookHandler(f.svc, raw)
	if code, _ := post(t, hraw, body, map[string]string{"X-Hmac-Signature": sig}); code != http.StatusUnauthorized {
		t.Errorf("composed secret accepted EasyPost's signature: %d", code)
	}
	if got := state(t, f.store); got != before {
		t.Fatalf("refused requests changed state: %s → %s", before, got)
	}
	code, resp := post(t, h, body, map[string]string{"X-Hmac-Signature": sig})
	if code != http.StatusOK || resp.Applied != 7 {
		t.Fatalf("EasyPost's fixture: %d %+v, want 200 with 7 events applied", code, resp)
	}
	tr, err := f.svc.Get(ctx, "fedex", "1")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != tracking.StatusInTransit || len(tr.Events) != 7 || tr.EstimatedDelivery != oms.NewDate(2024, 8, 5) {
		t.Fatalf("applied: status %s, %d events, estimate %s", tr.Status, len(tr.Events), tr.EstimatedDelivery)
	}
	// The decomposed secret (what EasyPost keys with) gives the same result.
	if got := (&tracking.WebhookHandlerOptions{Secret: []byte("se\u0301cret"), SignaturePrefix: "hmac-sha256-hex=", Decoder: tracking.EasyPostDecoder{}}).Sign(body, ""); got != sig {
		t.Fatalf("NFKD secret signs %s, EasyPost sent %s", got, sig)
	}
}
