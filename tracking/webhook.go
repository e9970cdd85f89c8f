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
	"golang.org/x/text/unicode/norm"
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

// SignatureFormat is how the signature header is laid out.
type SignatureFormat string

// Signature header formats.
const (
	// SignaturePlain: the header holds SignaturePrefix and the encoded MAC
	// of the body (or of timestamp + "." + body, with SignTimestamp and
	// TimestampHeader). EasyPost and AfterShip send this. The default.
	SignaturePlain SignatureFormat = "plain"
	// SignatureTimestamped: the header holds the send time and the MAC
	// together, "t=<unix seconds>,v1=<MAC of t + "." + body>", as Stripe
	// sends it and as Shippo is described to send it. The MAC is encoded
	// by Encoding (hex by default); several v1 entries (a secret being
	// rolled) are accepted when one matches, other entries (v0) are
	// ignored. The timestamp must lie within ReplayWindow of the clock.
	SignatureTimestamped SignatureFormat = "timestamped"
)

// Valid reports whether f is a known format.
func (f SignatureFormat) Valid() bool { return f == SignaturePlain || f == SignatureTimestamped }

// WebhookHandlerOptions configures a WebhookHandler.
//
// Replay protection needs the timestamp inside the signature: either
// Format SignatureTimestamped, or TimestampHeader with SignTimestamp. A
// TimestampHeader without SignTimestamp is refused by NewWebhookHandler,
// since anyone could re-send an old signed body with a fresh timestamp.
// Without a timestamp (the EasyPost and AfterShip presets, as those
// providers send none) a captured request can be replayed; applying it
// again changes nothing, because events are idempotent.
type WebhookHandlerOptions struct {
	// Secret is the shared HMAC-SHA256 key. Required.
	Secret []byte
	// SecretNFKD says the provider signs with the Unicode NFKD
	// normalization of the secret's UTF-8 text (EasyPost does: "sécret"
	// signs as "se\u0301cret"); for an ASCII secret it changes nothing.
	// The EasyPost preset sets it.
	SecretNFKD bool
	// Format is the signature header's layout; default SignaturePlain.
	Format SignatureFormat
	// SignatureHeader names the header that carries the signature.
	// Default "X-Hmac-Signature".
	SignatureHeader string
	// SignaturePrefix is text before the encoded signature, matched
	// ignoring case, such as EasyPost's "hmac-sha256-hex=". Default none.
	// Only for SignaturePlain.
	SignaturePrefix string
	// Encoding of the signature; default hex.
	Encoding Encoding
	// TimestampHeader, when set, names a header carrying the send time
	// (Unix seconds or milliseconds, or RFC 3339); requests without it, or
	// further than ReplayWindow from the clock, are refused. It requires
	// SignTimestamp. Only for SignaturePlain.
	TimestampHeader string
	// SignTimestamp says the signature covers the timestamp too: the MAC
	// is over timestamp + "." + body. Needs TimestampHeader.
	SignTimestamp bool
	// ReplayWindow is the accepted distance, either way, between the
	// request's timestamp and the clock. Default five minutes.
	ReplayWindow time.Duration
	// MaxBodyBytes caps the body. Default 1 MiB.
	MaxBodyBytes int64
	// Decoder reads the body. Required.
	Decoder Decoder
	// CarrierAliases maps the provider's carrier codes to the ones the
	// host registers trackers under, compared ignoring case (for example
	// EasyPost's "DHLExpress" or Shippo's "dhl_express" to "dhl"). Codes
	// not listed are used as they come. A target that is no valid carrier
	// code (empty, with a "/", not printable) is refused.
	CarrierAliases map[string]string
	// Logger receives refused requests at info level and store errors at
	// error level; default no logging.
	Logger *slog.Logger
}

// EasyPostWebhook returns options for EasyPost: the signature in
// X-Hmac-Signature as "hmac-sha256-hex=<hex>", keyed by the NFKD form of
// the secret as EasyPost's own libraries compute it, decoded by
// EasyPostDecoder. EasyPost sends no timestamp.
func EasyPostWebhook(secret []byte) *WebhookHandlerOptions {
	return &WebhookHandlerOptions{
		Secret:          secret,
		SecretNFKD:      true,
		SignatureHeader: "X-Hmac-Signature",
		SignaturePrefix: "hmac-sha256-hex=",
		Encoding:        EncodingHex,
		Decoder:         EasyPostDecoder{},
	}
}

// AfterShipWebhook returns options for AfterShip: a base64 signature in
// aftership-hmac-sha256, decoded by AfterShipDecoder.
func AfterShipWebhook(secret []byte) *WebhookHandlerOptions {
	return &WebhookHandlerOptions{
		Secret:          secret,
		SignatureHeader: "Aftership-Hmac-Sha256",
		Encoding:        EncodingBase64,
		Decoder:         AfterShipDecoder{},
	}
}

func (o *WebhookHandlerOptions) withDefaults() (WebhookHandlerOptions, error) {
	var c WebhookHandlerOptions
	if o != nil {
		c = *o
	}
	v := &oms.ValidationError{Entity: "webhook options"}
	if len(c.Secret) == 0 {
		v.Add("secret", "is required")
	}
	c.Secret = append([]byte(nil), c.Secret...) // the caller may reuse its slice
	if c.SecretNFKD {
		c.Secret = norm.NFKD.Bytes(c.Secret)
	}
	if c.Decoder == nil {
		v.Add("decoder", "is required")
	}
	if c.Format == "" {
		c.Format = SignaturePlain
	}
	if !c.Format.Valid() {
		v.Add("format", "must be plain or timestamped, got %q", c.Format)
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
	switch c.Format {
	case SignatureTimestamped:
		if c.TimestampHeader != "" || c.SignTimestamp {
			v.Add("timestamp_header", "the timestamped format carries its timestamp in the signature header; leave TimestampHeader and SignTimestamp unset")
		}
		if c.SignaturePrefix != "" {
			v.Add("signature_prefix", "the timestamped format has no prefix")
		}
	default:
		if c.SignTimestamp && c.TimestampHeader == "" {
			v.Add("timestamp_header", "is required when the signature covers the timestamp")
		}
		if c.TimestampHeader != "" && !c.SignTimestamp {
			v.Add("sign_timestamp", "a timestamp the signature does not cover gives no replay protection: set SignTimestamp (the MAC covers timestamp.body), or use the timestamped format")
		}
	}
	if c.ReplayWindow <= 0 {
		c.ReplayWindow = 5 * time.Minute
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	aliases := make(map[string]string, len(c.CarrierAliases))
	for from, to := range c.CarrierAliases {
		// An alias to no carrier code would refuse every webhook of the
		// provider's carrier (400), which the provider retries for ever.
		if NewKey(to, "0").Validate() != nil {
			v.Add("carrier_aliases", "%q maps to %q, which is not a carrier code", from, to)
		}
		aliases[strings.ToLower(strings.TrimSpace(from))] = to
	}
	c.CarrierAliases = aliases
	return c, v.Err()
}

// timestamped reports whether the MAC covers timestamp + "." + body.
func (o *WebhookHandlerOptions) timestamped() bool {
	return o.SignTimestamp || o.Format == SignatureTimestamped
}

// Sign returns the signature header value for body (and timestamp, when
// the options sign it), as the provider would send it: for the
// timestamped format "t=<timestamp>,v1=<signature>". Hosts use it in tests
// and when relaying webhooks.
func (o *WebhookHandlerOptions) Sign(body []byte, timestamp string) string {
	c, _ := o.withDefaults()
	enc := c.encode(c.mac(body, timestamp))
	if c.Format == SignatureTimestamped {
		return "t=" + timestamp + ",v1=" + enc
	}
	return c.SignaturePrefix + enc
}

func (o *WebhookHandlerOptions) encode(sum []byte) string {
	if o.Encoding == EncodingBase64 {
		return base64.StdEncoding.EncodeToString(sum)
	}
	return hex.EncodeToString(sum)
}

func (o *WebhookHandlerOptions) decode(sig string) ([]byte, error) {
	if o.Encoding == EncodingBase64 {
		return base64.StdEncoding.DecodeString(sig)
	}
	return hex.DecodeString(sig)
}

func (o *WebhookHandlerOptions) mac(body []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, o.Secret)
	if o.timestamped() {
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
	opts WebhookHandlerOptions
}

// NewWebhookHandler returns a handler applying to svc. Bad options return
// an error matching oms.ErrValidation.
func NewWebhookHandler(svc *Service, opts *WebhookHandlerOptions) (*WebhookHandler, error) {
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
	// Applied counts new events applied to trackers, Duplicates events
	// already in their history (a retried webhook).
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
	// Orphaned counts events kept for tracking numbers not registered yet,
	// Quarantined events kept aside for a missing or far-future time.
	Orphaned    int `json:"orphaned"`
	Quarantined int `json:"quarantined"`
	// Error says why the request was refused; empty on success.
	Error string `json:"error,omitempty"`
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
		if d := u.EstimatedDelivery; !calendarDay(d) {
			h.fail(w, http.StatusBadRequest, fmt.Sprintf("estimated_delivery %d-%d-%d is not a calendar date between years 1 and 9999", d.Year, int(d.Month), d.Day))
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
	sig := strings.TrimSpace(hdr.Get(h.opts.SignatureHeader))
	if sig == "" {
		return "missing signature header " + h.opts.SignatureHeader
	}
	if h.opts.Format == SignatureTimestamped {
		return h.verifyTimestamped(sig, body)
	}
	ts := ""
	if h.opts.TimestampHeader != "" {
		ts = strings.TrimSpace(hdr.Get(h.opts.TimestampHeader))
		if ts == "" {
			return "missing timestamp header " + h.opts.TimestampHeader
		}
		if msg := h.checkStamp(ts); msg != "" {
			return msg
		}
	}
	if p := h.opts.SignaturePrefix; p != "" {
		if len(sig) < len(p) || !strings.EqualFold(sig[:len(p)], p) {
			return "bad signature"
		}
		sig = sig[len(p):]
	}
	got, err := h.opts.decode(sig)
	if err != nil || !hmac.Equal(got, h.opts.mac(body, ts)) {
		return "bad signature"
	}
	return ""
}

// maxSignatures bounds the v1 entries of a timestamped header checked.
const maxSignatures = 8

// verifyTimestamped checks a "t=<unix>,v1=<mac>[,v1=...]" header.
func (h *WebhookHandler) verifyTimestamped(header string, body []byte) string {
	ts := ""
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "malformed signature header"
		}
		switch k {
		case "t":
			if ts != "" {
				return "malformed signature header: more than one timestamp"
			}
			ts = val
		case "v1":
			if len(sigs) == maxSignatures {
				return "malformed signature header: too many signatures"
			}
			sigs = append(sigs, val)
		}
	}
	if ts == "" {
		return "missing timestamp in signature header"
	}
	if len(sigs) == 0 {
		return "missing v1 signature in signature header"
	}
	for _, c := range ts {
		if c < '0' || c > '9' {
			return "unreadable timestamp"
		}
	}
	if msg := h.checkStamp(ts); msg != "" {
		return msg
	}
	want := h.opts.mac(body, ts)
	ok := false
	for _, sig := range sigs {
		got, err := h.opts.decode(sig)
		if err == nil && hmac.Equal(got, want) {
			ok = true // no early exit: the time taken does not tell which matched
		}
	}
	if !ok {
		return "bad signature"
	}
	return ""
}

// checkStamp refuses a timestamp that cannot be read or lies outside the
// replay window, either way. Times are compared as instants, never as a
// difference (which saturates for far-off timestamps).
func (h *WebhookHandler) checkStamp(ts string) string {
	at, ok := parseStamp(ts)
	if !ok {
		return "unreadable timestamp"
	}
	now := h.svc.opts.Clock.Now()
	if at.Before(now.Add(-h.opts.ReplayWindow)) || at.After(now.Add(h.opts.ReplayWindow)) {
		return "timestamp outside the replay window"
	}
	return ""
}

// maxUnixSeconds is the last second of year 9999.
const maxUnixSeconds = 253402300799

// parseStamp reads Unix seconds, Unix milliseconds (above 1e12) or RFC
// 3339, between 1970 and the end of year 9999; anything else is not ok.
func parseStamp(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n < 0:
			return time.Time{}, false
		case n > 1e12: // milliseconds
			if n > maxUnixSeconds*1000+999 {
				return time.Time{}, false
			}
			return time.UnixMilli(n), true
		default:
			return time.Unix(n, 0), true
		}
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
