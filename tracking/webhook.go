package tracking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/omskit/oms"
)

// Encoding is how a webhook signature is written in its header.
type Encoding string

// Signature encodings.
const (
	EncodingHex    Encoding = "hex"
	EncodingBase64 Encoding = "base64"
)

// Valid reports whether e is a known encoding.
func (e Encoding) Valid() bool { return e == EncodingHex || e == EncodingBase64 }

// WebhookOptions configures a WebhookHandler.
type WebhookOptions struct {
	// Secret is the shared HMAC-SHA256 key. Required. (EasyPost signs with
	// the NFKD-normalized secret; for an ASCII secret that is the secret
	// itself.)
	Secret []byte
	// SignatureHeader names the header that carries the signature.
	// Default "X-Hmac-Signature".
	SignatureHeader string
	// SignaturePrefix is text before the encoded signature, matched
	// ignoring case, such as EasyPost's "hmac-sha256-hex=". Default none.
	SignaturePrefix string
	// Encoding of the signature; default hex.
	Encoding Encoding
	// TimestampHeader, when set, names a header carrying the send time
	// (Unix seconds or RFC 3339); requests without it, or further than
	// ReplayWindow from the clock, are refused.
	TimestampHeader string
	// SignTimestamp says the signature covers the timestamp too: the MAC
	// is over timestamp + "." + body. Needs TimestampHeader.
	SignTimestamp bool
	// ReplayWindow is the accepted distance between the timestamp and the
	// clock. Default five minutes.
	ReplayWindow time.Duration
	// MaxBodyBytes caps the body. Default 1 MiB.
	MaxBodyBytes int64
	// Decoder reads the body. Required.
	Decoder Decoder
	// CarrierAliases maps the provider's carrier codes to the ones the
	// host registers trackers under, compared ignoring case (for example
	// EasyPost's "DHLExpress" or Shippo's "dhl_express" to "dhl"). Codes
	// not listed are used as they come.
	CarrierAliases map[string]string
	// Logger receives refused requests at info level and store errors at
	// error level; default no logging.
	Logger *slog.Logger
}

// EasyPostWebhook returns options for EasyPost: the signature in
// X-Hmac-Signature as "hmac-sha256-hex=<hex>", decoded by EasyPostDecoder.
func EasyPostWebhook(secret []byte) *WebhookOptions {
	return &WebhookOptions{
		Secret:          secret,
		SignatureHeader: "X-Hmac-Signature",
		SignaturePrefix: "hmac-sha256-hex=",
		Encoding:        EncodingHex,
		Decoder:         EasyPostDecoder{},
	}
}

// AfterShipWebhook returns options for AfterShip: a base64 signature in
// aftership-hmac-sha256, decoded by AfterShipDecoder.
func AfterShipWebhook(secret []byte) *WebhookOptions {
	return &WebhookOptions{
		Secret:          secret,
		SignatureHeader: "Aftership-Hmac-Sha256",
		Encoding:        EncodingBase64,
		Decoder:         AfterShipDecoder{},
	}
}

func (o *WebhookOptions) withDefaults() (WebhookOptions, error) {
	var c WebhookOptions
	if o != nil {
		c = *o
	}
	v := &oms.ValidationError{Entity: "webhook options"}
	if len(c.Secret) == 0 {
		v.Add("secret", "is required")
	}
	if c.Decoder == nil {
		v.Add("decoder", "is required")
	}
	if c.SignatureHeader == "" {
		c.SignatureHeader = "X-Hmac-Signature"
	}
	if c.Encoding == "" {
		c.Encoding = EncodingHex
	}
	if !c.Encoding.Valid() {
		v.Add("encoding", "must be hex or base64, got %q", c.Encoding)
	}
	if c.SignTimestamp && c.TimestampHeader == "" {
		v.Add("timestamp_header", "is required when the signature covers the timestamp")
	}
	if c.ReplayWindow <= 0 {
		c.ReplayWindow = 5 * time.Minute
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	aliases := make(map[string]string, len(c.CarrierAliases))
	for from, to := range c.CarrierAliases {
		aliases[strings.ToLower(strings.TrimSpace(from))] = to
	}
	c.CarrierAliases = aliases
	return c, v.Err()
}

// Sign returns the signature header value for body (and timestamp, when
// the options sign it), as the provider would send it. Hosts use it in
// tests and when relaying webhooks.
func (o *WebhookOptions) Sign(body []byte, timestamp string) string {
	c, _ := o.withDefaults()
	sum := c.mac(body, timestamp)
	if c.Encoding == EncodingBase64 {
		return c.SignaturePrefix + base64.StdEncoding.EncodeToString(sum)
	}
	return c.SignaturePrefix + hex.EncodeToString(sum)
}

func (o *WebhookOptions) mac(body []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, o.Secret)
	if o.SignTimestamp {
		m.Write([]byte(timestamp))
		m.Write([]byte{'.'})
	}
	m.Write(body)
	return m.Sum(nil)
}

// WebhookHandler is an http.Handler that receives carrier or aggregator
// tracking webhooks: it checks the body's HMAC-SHA256 signature in
// constant time (and the timestamp, when configured) before reading
// anything else, decodes the body, and applies the updates through the
// Service idempotently. Answers:
//
//	200  applied, or nothing new (a duplicate), or recorded as orphans
//	400  unreadable body or payload (nothing applied)
//	401  missing or wrong signature, missing or stale timestamp
//	405  not a POST
//	413  body over MaxBodyBytes
//	500  the store failed (the provider will retry)
//
// Nothing is written for a request that fails its checks. It is safe for
// concurrent use.
type WebhookHandler struct {
	svc  *Service
	opts WebhookOptions
}

// NewWebhookHandler returns a handler applying to svc. Bad options return
// an error matching oms.ErrValidation.
func NewWebhookHandler(svc *Service, opts *WebhookOptions) (*WebhookHandler, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if svc == nil {
		return nil, oms.Validationf("webhook options", "service", "is required")
	}
	return &WebhookHandler{svc: svc, opts: o}, nil
}

// WebhookResponse is the JSON body of the handler's answers.
type WebhookResponse struct {
	Applied     int    `json:"applied"`
	Duplicates  int    `json:"duplicates"`
	Orphaned    int    `json:"orphaned"`
	Quarantined int    `json:"quarantined"`
	Error       string `json:"error,omitempty"`
}

// ServeHTTP implements http.Handler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "method must be POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is larger than %d bytes", h.opts.MaxBodyBytes))
			return
		}
		h.fail(w, http.StatusBadRequest, "cannot read body")
		return
	}
	if msg := h.verify(r.Header, body); msg != "" {
		h.fail(w, http.StatusUnauthorized, msg)
		return
	}
	updates, err := h.opts.Decoder.Decode(body)
	if err != nil {
		h.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	for i, u := range updates {
		if to, ok := h.opts.CarrierAliases[strings.ToLower(strings.TrimSpace(u.Carrier))]; ok {
			updates[i].Carrier = to
			u.Carrier = to
		}
		if err := u.Key().Validate(); err != nil {
			h.fail(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	var resp WebhookResponse
	for _, u := range updates {
		res, err := h.svc.Apply(r.Context(), u)
		if err != nil {
			if errors.Is(err, oms.ErrValidation) {
				h.fail(w, http.StatusBadRequest, err.Error())
				return
			}
			if h.opts.Logger != nil {
				h.opts.Logger.Error("tracking: webhook apply failed", "key", u.Key().String(), "err", err)
			}
			h.fail(w, http.StatusInternalServerError, "cannot apply update")
			return
		}
		resp.Applied += res.Applied
		resp.Duplicates += res.Duplicates
		resp.Orphaned += res.Orphaned
		resp.Quarantined += res.Quarantined
	}
	writeJSON(w, http.StatusOK, resp)
}

// verify checks the timestamp and the signature; it returns why the
// request is refused, or "".
func (h *WebhookHandler) verify(hdr http.Header, body []byte) string {
	ts := ""
	if h.opts.TimestampHeader != "" {
		ts = strings.TrimSpace(hdr.Get(h.opts.TimestampHeader))
		if ts == "" {
			return "missing timestamp header " + h.opts.TimestampHeader
		}
		at, ok := parseStamp(ts)
		if !ok {
			return "unreadable timestamp"
		}
		d := h.svc.opts.Clock.Now().Sub(at)
		if d < 0 {
			d = -d
		}
		if d > h.opts.ReplayWindow {
			return "timestamp outside the replay window"
		}
	}
	sig := strings.TrimSpace(hdr.Get(h.opts.SignatureHeader))
	if sig == "" {
		return "missing signature header " + h.opts.SignatureHeader
	}
	if p := h.opts.SignaturePrefix; p != "" {
		if len(sig) < len(p) || !strings.EqualFold(sig[:len(p)], p) {
			return "bad signature"
		}
		sig = sig[len(p):]
	}
	var got []byte
	var err error
	if h.opts.Encoding == EncodingBase64 {
		got, err = base64.StdEncoding.DecodeString(sig)
	} else {
		got, err = hex.DecodeString(sig)
	}
	if err != nil || !hmac.Equal(got, h.opts.mac(body, ts)) {
		return "bad signature"
	}
	return ""
}

func parseStamp(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e12 { // milliseconds
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func (h *WebhookHandler) fail(w http.ResponseWriter, code int, msg string) {
	if h.opts.Logger != nil && code < 500 {
		h.opts.Logger.Info("tracking: webhook refused", "status", code, "reason", msg)
	}
	writeJSON(w, code, WebhookResponse{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
